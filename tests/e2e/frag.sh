#!/bin/bash
# Fragmentation: a workload faults in MIB MiB of order-0 pages, frees every
# other page (the buddies cannot merge), then the rest. Under
# `kmemscope record --pages`, the buddyinfo records must show order-0 free
# blocks rising and high-order free memory falling during the workload, the
# page-allocator counts must attribute the pages to the page-fault path, and
# the correlation ranking must put that caller's activity first.
# The ranking is statistics over ~60 intervals of a live machine, where other
# activity can line up with the workload by chance: a run whose ranking does
# not lead with the workload is repeated once before the checks fail.
source "$(dirname "$0")/lib.sh"
need_root_bpf frag

MIB=512
WORKLOAD_PATHS='^(do_anonymous_page|alloc_anon_folio|__handle_mm_fault|pte_alloc_one|__pte_alloc|tlb_next_batch|tlb_remove_table)$'
out=$TMP/frag.ndjson
last_ranking() {
	jq -s '[.[] | select(.type == "correlation")] | (map(.seq) | max) as $s | map(select(.seq == $s))' "$out"
}
for attempt in 1 2; do
	start_record -i 0.5 --pages --page-order 0 --corr-window 60 --corr-lag 5 -o "$out" ||
		{ fail frag_start "record did not start"; exit 1; }
	# three cycles in one process: one coincidence could be chance
	sleep 2
	"$WL/fragment" $MIB 1000 3 >"$TMP/wl.out" || fail frag_workload "workload failed"
	sleep 1.5
	stop_record
	rc=$?
	last_ranking | jq -r '.[0].caller' | grep -qE "$WORKLOAD_PATHS" && break
	echo "attempt $attempt: ranking led by $(last_ranking | jq -c '.[0] | {caller, activity, r}'), repeating"
done
check_eq record_exit_status 0 $rc
pages=$((MIB * 1024 * 1024 / $(getconf PAGESIZE)))

# every zone of /proc/buddyinfo, with the kernel's order count
while read -r _ node _ zone rest; do
	node=${node%,}
	n=$(wc -w <<<"$rest")
	got=$(jq -s --argjson node "$node" --arg zone "$zone" \
		'[.[] | select(.type == "buddyinfo" and .node == $node and .zone == $zone)] | .[-1] | "\(.free | length) \(.unusable_index | length) \(.frag_index | length)"' "$out")
	check_eq "buddyinfo_zone_${node}_${zone}_orders" "\"$n $n $n\"" "$got"
done </proc/buddyinfo

# all zones together (the workload may be served from more than one):
# pages free as order-0 blocks, pages free in blocks of order >= 3
summary=$(jq -s '
	[.[] | select(.type == "buddyinfo")] | group_by(.seq)
	| map({o0: (map(.free[0]) | add),
	       hi: (map(.free | to_entries | map(select(.key >= 3) | .value * pow(2; .key)) | add) | add)})
	| {o0_first: .[0].o0, o0_max: (map(.o0) | max), hi_first: .[0].hi, hi_min: (map(.hi) | min)}' "$out")
echo "buddyinfo summary: $(jq -c . <<<"$summary")"
rise=$(jq '.o0_max - .o0_first' <<<"$summary")
fall=$(jq '.hi_first - .hi_min' <<<"$summary")
check order0_free_blocks_rise "order-0 free blocks rose by only $rise (expected > $((pages / 8)))" \
	test "$(printf '%.0f' "$rise")" -gt $((pages / 8))
check high_order_free_memory_falls "pages in free blocks of order >= 3 fell by only $fall (expected > $((pages / 4)))" \
	test "$(printf '%.0f' "$fall")" -gt $((pages / 4))

# pages attributed to the page-fault path
top=$(jq -s '[.[] | select(.type == "page_site")] | group_by(.caller)
	| map({caller: .[0].caller, pages: (map(.pages) | add)}) | max_by(.pages)' "$out")
echo "top page caller: $top"
caller=$(jq -r .caller <<<"$top")
check page_caller_is_fault_path "top page caller '$caller' is not on the anonymous fault path" \
	grep -qE '^(do_anonymous_page|alloc_anon_folio|__handle_mm_fault|handle_mm_fault|do_pte_missing|vma_alloc_anon_folio_pmd)$' <<<"$caller"
got=$(jq .pages <<<"$top")
check page_caller_pages "only $got pages at $caller (workload faulted $pages)" \
	test "$got" -ge $((pages * 9 / 10))
check page_alloc_records "no page_alloc records" jq -se '[.[] | select(.type == "page_alloc")] | length > 0' "$out"

# the correlation ranking of the last window puts the workload first
last=$(last_ranking)
echo "correlation (top 3): $(jq -c '.[:3] | map({caller, activity, target, r, n, lag})' <<<"$last")"
echo "workload caller: $(jq -c --arg c "$caller" "map(select(.caller == \$c)) | .[:2]" <<<"$last")"
# the workload's own paths: its faults, their page tables, its munmap
top_caller=$(jq -r '.[0].caller' <<<"$last")
check correlation_top_is_workload "the top-ranked caller '$top_caller' is not on the workload's paths" \
	grep -qE "$WORKLOAD_PATHS" <<<"$top_caller"
check correlation_ranks_faults "the fault path $caller is not among the top correlations with r > 0.5" \
	jq -e --arg c "$caller" 'map(select(.caller == $c and .r > 0.5)) | length > 0' <<<"$last"
check correlation_fields "correlation record lacks r/n/lag/window" \
	jq -e '.[0] | (.r > 0) and (.n >= 5) and (.lag >= 0) and (.window == 60) and (.zone != null)' <<<"$last"
check summary_fragmentation "record printed no fragmentation summary" grep -q "FRAGMENTATION" "$TMP/rec.out"
check summary_correlation_note "summary does not say correlation is not cause" grep -q "not proof of cause" "$TMP/rec.out"
check_eq no_programs_left 0 "$(rec_progs_left)"
