#!/bin/bash
# Exact size classes: msgsnd of N bytes is one kmalloc(48 + N) at load_msg
# (tests/workloads/msgq.c). 777 messages of 333 bytes (kmalloc(381) in
# kmalloc-512 here) and 555 of 100 bytes (kmalloc(148) in kmalloc-192):
# the site's alloc_sizes, the report's class table (text and JSON) and its
# site objects show exactly those allocations and their slack, with no
# estimate mark.
source "$(dirname "$0")/lib.sh"
need_root_bpf sizes

N1=777 S1=333 N2=555 S2=100
R1=$((48 + S1)) R2=$((48 + S2))
C1=$(size_class $R1) C2=$(size_class $R2)
[ -n "$C1" ] && [ -n "$C2" ] || { skip sizes "no kmalloc size classes in /proc/slabinfo"; exit 0; }

out=$TMP/sizes.ndjson
# slabinfo every second (two snapshots at least) for the slab view below
start_record -i 0.5 --pagetype-period 1 -o "$out" || { fail sizes_start "record did not start"; exit 1; }
"$WL/msgq" $N1 $S1 || fail sizes_workload "workload failed"
"$WL/msgq" $N2 $S2 || fail sizes_workload "workload failed"
sleep 2.2
stop_record
check_eq sizes_record_exit_status 0 $?

# alloc_sizes of the msg_msg call site, summed over its records (the
# workload's messages are the only msgsnd traffic of these sizes)
sizes=$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc"
		and (.caller == "load_msg" or .caller == "alloc_msg")) | .alloc_sizes // {} | to_entries[]]
	| group_by(.key) | map({key: .[0].key, value: {allocs: (map(.value.allocs) | add),
		bytes_req: (map(.value.bytes_req) | add)}}) | from_entries' "$out")
check_eq export_allocs_$C1 $N1 "$(jq ".\"$C1\".allocs // 0" <<<"$sizes")"
check_eq export_req_$C1 $((N1 * R1)) "$(jq ".\"$C1\".bytes_req // 0" <<<"$sizes")"
check_eq export_allocs_$C2 $N2 "$(jq ".\"$C2\".allocs // 0" <<<"$sizes")"
check_eq export_req_$C2 $((N2 * R2)) "$(jq ".\"$C2\".bytes_req // 0" <<<"$sizes")"
check_eq export_only_two_sizes 2 "$(jq 'length' <<<"$sizes")"
# every site record of the export has alloc_sizes adding up to its allocs
check_eq export_alloc_sizes_sum_to_allocs 0 "$(jq -s '[.[] | select(.type == "site")
	| select(([.alloc_sizes // {} | .[].allocs] | add // 0) != .allocs)] | length' "$out")"

# report JSON: the site's exact alloc_sizes and the class rows, not estimated
js=$TMP/report.json
"$KMS" report --format json -n 0 "$out" >"$js" 2>"$TMP/report.err"
check_eq report_json_exit 0 $?
site='[.sites[] | select(.kind == "kmalloc" and .caller == "load_msg")][0]'
check_eq report_site_allocs_$C1 $N1 "$(jq "$site.alloc_sizes.\"$C1\".allocs // 0" "$js")"
check_eq report_site_allocs_$C2 $N2 "$(jq "$site.alloc_sizes.\"$C2\".allocs // 0" "$js")"
cls() { jq -c --argjson c "$1" '[.slack_by_class[] | select(.size == $c)][0]
	| {estimated, load_msg: ([.top_sites[] | select(.caller == "load_msg") | .slack] | add)}' "$js"; }
check_eq report_class_$C1 "{\"estimated\":false,\"load_msg\":$((N1 * (C1 - R1)))}" "$(cls $C1)"
check_eq report_class_$C2 "{\"estimated\":false,\"load_msg\":$((N2 * (C2 - R2)))}" "$(cls $C2)"
check_eq report_no_estimated_class 0 "$(jq '[.slack_by_class[] | select(.estimated)] | length' "$js")"

# report text: the class table has no ~ row and no estimate note
"$KMS" report -n 0 "$out" >"$TMP/report.txt" 2>&1
table=$(sed -n '/^SLACK BY KMALLOC SIZE CLASS/,/^$/p' "$TMP/report.txt")
check report_text_class_rows "class table lacks a load_msg row" grep -q 'load_msg+0x' <<<"$table"
check_eq report_text_no_tilde 0 "$(grep -c '~' <<<"$table")"

# --- slab view: kmalloc-512 with its utilisation, merged caches with their aliases
check slabinfo_records "fewer than 2 slabinfo records" jq -se '[.[] | select(.type == "slabinfo")] | length >= 2' "$out"
slab() { jq -c --arg n "$1" '[.slab_caches.caches[] | select(.name == $n)][0]' "$js"; }
k=$(slab "kmalloc-$C1")
check slab_kmalloc_row "no kmalloc-$C1 row with utilisation in 0..1 and memory" \
	jq -e '.utilisation > 0 and .utilisation <= 1 and .memory > 0 and .objsize > 0' <<<"$k"
# a merged cache, as /sys/kernel/slab says now: the slabinfo name and its other names
merged=$(cd /sys/kernel/slab 2>/dev/null && for n in *; do [ -L "$n" ] && echo "$(readlink "$n") $n"; done |
	sort | awk '{ n[$1] = n[$1] " " $2; c[$1]++ } END { for (t in n) if (c[t] > 1) print n[t] }' |
	while read -r names; do
		for m in $names; do grep -q "^$m " /proc/slabinfo && { echo "$m|$names"; break; }; done
	done | sort | head -1)
if [ -n "$merged" ]; then
	root=${merged%%|*}
	want=$(tr ' ' '\n' <<<"${merged#*|}" | grep -vx "$root" | LC_ALL=C sort | paste -sd, -)
	check_eq slab_aliases_$root "$want" "$(slab "$root" | jq -r '.aliases | join(",")')"
	check slab_text_merged "no '$root (merged: ...' row in the text report" \
		grep -qF "$root (merged: " "$TMP/report.txt"
else
	skip slab_aliases "no merged slab caches on this kernel (/sys/kernel/slab)"
fi
check slab_text_kmalloc "no kmalloc-$C1 row in the text report's slab view" \
	bash -c "sed -n '/^SLAB CACHES/,/^$/p' '$TMP/report.txt' | grep -q '^kmalloc-$C1 '"

# an export from before alloc_sizes keeps the estimate, marked: load_msg's
# records as one record of one interval (both sizes in it), without the field
{
	head -1 "$out"
	jq -sc '[.[] | select(.type == "site" and .kind == "kmalloc" and .caller == "load_msg")]
		| .[0] + {allocs: (map(.allocs) | add), bytes_req: (map(.bytes_req) | add),
			bytes_alloc: (map(.bytes_alloc) | add),
			sizes: (reduce (.[].sizes | to_entries[]) as $e ({}; .[$e.key] += $e.value))}
		| del(.alloc_sizes)' "$out"
} >"$TMP/old.ndjson"
"$KMS" report --format json -n 0 "$TMP/old.ndjson" >"$TMP/old.json" 2>/dev/null
check old_export_estimated "an export without alloc_sizes has no estimated class" \
	jq -e '[.slack_by_class[] | select(.estimated)] | length > 0' "$TMP/old.json"
"$KMS" report -n 0 "$TMP/old.ndjson" >"$TMP/old.txt" 2>&1
check old_export_tilde "the old export's class table has no ~ mark" grep -q '^ *~' "$TMP/old.txt"
check_eq no_programs_left 0 "$(rec_progs_left)"

# --- report --diff A B: 300 then 800 messages of 333 bytes -------------------
rec_n() { # count, output
	start_record -i 0.5 -o "$2" || return 1
	"$WL/msgq" "$1" $S1 || fail diff_workload "workload failed"
	sleep 1.2 # a few intervals each, for the significance mark
	stop_record
}
rec_n 300 "$TMP/a.ndjson" || fail diff_record_a "record did not start"
rec_n 800 "$TMP/b.ndjson" || fail diff_record_b "record did not start"
"$KMS" report --diff --format json -n 0 "$TMP/a.ndjson" "$TMP/b.ndjson" >"$TMP/diff.json" 2>"$TMP/diff.err"
check_eq diff_json_exit 0 $?
dsite='[.sites[] | select(.kind == "kmalloc" and .caller == "load_msg")][0]'
check_eq diff_load_msg_delta_allocs 500 "$(jq "$dsite.delta.allocs" "$TMP/diff.json")"
check_eq diff_load_msg_delta_slack $((500 * (C1 - R1))) "$(jq "$dsite.delta.slack" "$TMP/diff.json")"
check_eq diff_load_msg_a_b "300 800" "$(jq -r "$dsite | \"\(.a.allocs) \(.b.allocs)\"" "$TMP/diff.json")"
# the kmalloc-512 cache row: B - A of every kmalloc site's allocations of that size
# (other callers allocate from kmalloc-512 too), as each run's own report counts them
in_class() { "$KMS" report --format json -n 0 --kind kmalloc "$1" 2>/dev/null |
	jq --arg c "$C1" '[.sites[] | .alloc_sizes[$c].allocs // 0] | add // 0'; }
check_eq diff_cache_row $(($(in_class "$TMP/b.ndjson") - $(in_class "$TMP/a.ndjson"))) \
	"$(jq --arg c "kmalloc-$C1" '[.caches[] | select(.cache == $c)][0].delta.allocs' "$TMP/diff.json")"
"$KMS" report --diff -n 0 "$TMP/a.ndjson" "$TMP/b.ndjson" >"$TMP/diff.txt" 2>&1
check diff_text_row "text diff has no load_msg row with +500" grep -qE '^load_msg\+0x[0-9a-f]+ +\+500 +300 ' "$TMP/diff.txt"
"$KMS" report --diff --html "$TMP/diff.html" "$TMP/a.ndjson" "$TMP/b.ndjson" 2>/dev/null
check diff_html "HTML diff has no load_msg row" grep -q 'load_msg+0x' "$TMP/diff.html"
# bad input: one or three inputs, two hosts
"$KMS" report --diff "$TMP/a.ndjson" >/dev/null 2>"$TMP/e1"
check_eq diff_one_input_exit 2 $?
check diff_one_input_message "no clear message for one input" grep -q 'needs exactly two inputs' "$TMP/e1"
"$KMS" report --diff "$TMP/a.ndjson" "$TMP/b.ndjson" "$TMP/a.ndjson" >/dev/null 2>"$TMP/e3"
check_eq diff_three_inputs_exit 2 $?
check diff_three_inputs_message "no clear message for three inputs" grep -q 'got 3' "$TMP/e3"
jq -c 'if .type == "header" then .hostname = "elsewhere" else . end' "$TMP/b.ndjson" >"$TMP/c.ndjson"
"$KMS" report --diff "$TMP/a.ndjson" "$TMP/c.ndjson" >/dev/null 2>"$TMP/eh"
check_eq diff_hosts_exit 2 $?
check diff_hosts_message "no clear message for two hosts" grep -q 'from host .* B from host elsewhere' "$TMP/eh"
check_eq diff_no_programs_left 0 "$(rec_progs_left)"
