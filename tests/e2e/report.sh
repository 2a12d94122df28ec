#!/bin/bash
# `kmemscope report` on real exports with known content: msgq K s1 s2.. makes
# exactly K*nsizes kmallocs at load_msg (alloc_msg on older kernels) with
# bytes_req K*sum(48+s); sockfilt K makes K one-page vmallocs at
# bpf_prog_alloc_no_stats. Checks the text table, JSON totals, sort keys,
# filters, time windows, gz/plain/directory/stdin input, truncated gzip and
# --strict; then the fragmentation sections and --folded on the synthetic
# fixtures in tests/data.
source "$(dirname "$0")/lib.sh"
need_root_bpf report
take_e2e_lock
DATA=$(cd "$(dirname "$0")/../data" && pwd)

K=100
SIZES="16 100 1000 3000"
KV=32
nsizes=$(echo $SIZES | wc -w)

size_class() { # smallest kmalloc size class >= $1, from /proc/slabinfo
	awk -v s="$1" '$1 ~ /^kmalloc-[0-9]+k?$/ {
		n = substr($1, 9); if (n ~ /k$/) n = substr(n, 1, length(n) - 1) * 1024
		if (n + 0 >= s + 0 && (best == "" || n + 0 < best)) best = n + 0
	} END { print best }' /proc/slabinfo
}
exp_req=0 exp_alloc=0
for n in $SIZES; do
	exp_req=$((exp_req + K * (48 + n)))
	exp_alloc=$((exp_alloc + K * $(size_class $((48 + n)))))
done

# --- one recording: msgq, a quiet gap (time T), then sockfilt -------------
gz=$TMP/run.ndjson.gz
record_run() {
	start_record -i 0.5 -o "$gz" || { fail report_start "record did not start"; exit 1; }
	"$WL/msgq" $K $SIZES || fail msgq_workload "workload failed"
	sleep 1.2
	T=$(date +%s.%N)
	sleep 1.2
	"$WL/sockfilt" $KV || fail sockfilt_workload "workload failed"
	sleep 1
	stop_record
}
# exact counts need a machine where nobody else sends SysV messages or loads
# socket filters meanwhile: retry a recording that saw foreign traffic
raw_count() { # kind caller-regex
	zcat "$gz" | jq -s --arg k "$1" --arg c "$2" \
		'[.[] | select(.type == "site" and .kind == $k and (.caller | test($c))) | .allocs] | add // 0'
}
for attempt in 1 2 3; do
	record_run
	rc=$?
	[ "$(raw_count kmalloc '^(load_msg|alloc_msg)$')" = $((K * nsizes)) ] &&
		[ "$(raw_count vmalloc '^bpf_prog_alloc_no_stats$')" = $KV ] && break
	echo "attempt $attempt: foreign msg/socket-filter traffic during the recording, again"
done
check_eq record_exit_status 0 $rc
page=$(zcat "$gz" | head -1 | jq .page_size)
msg=$(zcat "$gz" | jq -r 'select(.type == "site" and .kind == "kmalloc"
	and (.caller == "load_msg" or .caller == "alloc_msg")) | .caller' | head -1)
[ -n "$msg" ] || msg=load_msg

report() { "$KMS" report "$@" 2>"$TMP/err"; }
# sum a field over the JSON report's sites matching a jq condition
jsum() { jq "[.sites[] | select($1) | .$2] | add // 0"; }

# text: the msg site's row with the exact count (fmt_count is exact < 100000)
report --top 0 "$gz" >"$TMP/text"
check_eq text_exit_0 0 $?
row=$(grep -E "^$msg\+0x[0-9a-f]+ +kmalloc " "$TMP/text" | head -1)
check_eq text_msg_allocs $((K * nsizes)) "$(awk '{print $3}' <<<"$row")"
check text_vmalloc_row "no bpf_prog_alloc_no_stats vmalloc row" \
	grep -qE '^bpf_prog_alloc_no_stats\+0x[0-9a-f]+ +vmalloc' "$TMP/text"
for s in SUMMARY "SLACK BY KMALLOC SIZE CLASS" "GFP FLAGS" "FRAGMENTATION TIMELINE" \
	"CORRELATION RANKING" "LEAK SUSPECTS"; do
	check "text_section [$s]" "section missing" grep -q "^$s" "$TMP/text"
done
if zcat "$gz" | grep -q '"type":"buddyinfo"'; then
	check text_frag_zones "buddyinfo in the export but no zone rows" grep -qE '^[0-9]+/[A-Za-z0-9]+ +3 ' "$TMP/text"
else
	check text_no_frag_records "no 'no fragmentation records' line" \
		grep -q "^no fragmentation records in the input" "$TMP/text"
fi

# JSON totals against the known workloads and against the raw export
report -f json --top 0 "$gz" >"$TMP/all.json"
check json_valid "not one JSON document" jq -e '.type == "report"' "$TMP/all.json"
m="(.caller == \"$msg\" and .kind == \"kmalloc\")"
check_eq json_msg_allocs $((K * nsizes)) "$(jsum "$m" allocs <"$TMP/all.json")"
check_eq json_msg_bytes_req $exp_req "$(jsum "$m" bytes_req <"$TMP/all.json")"
check_eq json_msg_bytes_alloc $exp_alloc "$(jsum "$m" bytes_alloc <"$TMP/all.json")"
check_eq json_msg_slack $((exp_alloc - exp_req)) "$(jsum "$m" slack <"$TMP/all.json")"
v='(.caller == "bpf_prog_alloc_no_stats" and .kind == "vmalloc")'
check_eq json_vmalloc_allocs $KV "$(jsum "$v" allocs <"$TMP/all.json")"
check_eq json_vmalloc_bytes $((KV * page)) "$(jsum "$v" bytes_alloc <"$TMP/all.json")"
raw=$(zcat "$gz" | jq -s '[.[] | select(.type == "site")] | [(map(.allocs) | add), (map(.bytes_alloc) | add), (map(.slack) | add)] | join(" ")')
check_eq json_summary_equals_raw_sums "$raw" \
	"$(jq '[.summary.allocs, .summary.bytes_alloc, .summary.slack] | join(" ")' "$TMP/all.json")"
check_eq json_intervals "$(zcat "$gz" | grep -c '"type":"interval"')" "$(jq .summary.intervals "$TMP/all.json")"
check json_slack_classes_add_up "class slack does not add up to the kmalloc slack" \
	jq -e '([.slack_by_class[].slack] | add) == ([.sites[] | select(.kind == "kmalloc") | .slack] | add)' "$TMP/all.json"
# record writes every site: totals from the sites, no cut, nothing to say about it
check json_totals_equal_events "summary allocs + failed != the intervals' allocation events" \
	jq -e --argjson ev "$(zcat "$gz" | jq -s '[.[] | select(.type == "interval") | .events
		| .kmalloc + .kmem_cache_alloc + .vmalloc] | add')" '.summary.allocs + .summary.failed == $ev' "$TMP/all.json"
check json_no_detail_cut "detail_cut is not null for a record export" \
	jq -e '.summary.detail_cut == null and all(.summary.notes[]; test("per-site detail") | not)' "$TMP/all.json"
check text_no_cut_note "a cut note for a record export" bash -c "! grep -q 'per-site detail cut' '$TMP/text'"
check json_implied_beside_frees "sites without implied_frees or live_lower_bound" \
	jq -e 'all(.sites[]; (.implied_frees | type) == "number" and (.live_lower_bound | type) == "boolean")' "$TMP/all.json"

# sort keys: each orders the sites by its value, biggest first
# (the words of the shared vocabulary: live = objects, as the LIVE column)
declare -A sortval=([bytes]=.bytes_alloc [allocs]=.allocs [slack]=.slack [slack_pct]=.slack_pct
	[live]=.live [live_bytes]=.live_bytes [pingpong]=.cross_cpu_frees [gfp]='(.gfp | length)')
for k in "${!sortval[@]}"; do
	report -f json --top 0 --sort "$k" "$gz" >"$TMP/s.json"
	check "sort_$k" "sites not in decreasing $k order" \
		jq -e "[.sites[] | ${sortval[$k]}] as \$v | \$v == (\$v | sort | reverse) and .sort == \"$k\"" "$TMP/s.json"
done
# the old spelling of slack_pct sorts the same and names the canonical word
report -f json --top 0 --sort frag "$gz" >"$TMP/s.json"
check sort_frag "--sort frag is not slack_pct" \
	jq -e '[.sites[] | .slack_pct] as $v | $v == ($v | sort | reverse) and .sort == "slack_pct"' "$TMP/s.json"
report --sort slack "$gz" >"$TMP/t"
check_eq sort_text_names_key "sorted by slack" "$(grep -o 'sorted by slack' "$TMP/t")"

# filters
report -f json --top 0 --kind vmalloc "$gz" >"$TMP/k.json"
check kind_vmalloc_only "--kind vmalloc let other kinds through" \
	jq -e '(.sites | length) > 0 and all(.sites[]; .kind == "vmalloc")' "$TMP/k.json"
check_eq kind_vmalloc_total $((KV * page)) "$(jsum "$v" bytes_alloc <"$TMP/k.json")"
report -f json --top 0 --kind cache "$gz" >"$TMP/k.json"
check kind_cache_only "--kind cache let other kinds through" \
	jq -e '(.sites | length) > 0 and all(.sites[]; .kind == "kmem_cache")' "$TMP/k.json"
report -f json --top 0 --caller "$msg" "$gz" >"$TMP/c.json"
check caller_substring "--caller let other callers through" \
	jq -e "(.sites | length) > 0 and all(.sites[]; .caller | contains(\"$msg\"))" "$TMP/c.json"
check_eq caller_summary_is_filtered $((K * nsizes)) "$(jq .summary.allocs "$TMP/c.json")"
report -f json --top 0 --caller 'bpf_prog_alloc_no*' --kind vmalloc "$gz" >"$TMP/c.json"
check_eq caller_glob $KV "$(jq .summary.allocs "$TMP/c.json")"
report -f json --top 3 "$gz" >"$TMP/n.json"
check_eq top_json_rows 3 "$(jq '.sites | length' "$TMP/n.json")"
report --top 3 "$gz" >"$TMP/t"
check_eq top_text_rows 3 "$(awk '/^CALLER/ { on = 1; next } on && (/^\.\.\. / || /^$/) { exit } on { n++ } END { print n }' "$TMP/t")"

# time window: T lies in the quiet gap between the two workloads
report -f json --top 0 --until "@$T" "$gz" >"$TMP/w.json"
check_eq until_keeps_msgq $((K * nsizes)) "$(jsum "$m" allocs <"$TMP/w.json")"
check_eq until_drops_sockfilt 0 "$(jsum "$v" allocs <"$TMP/w.json")"
report -f json --top 0 --since "@$T" "$gz" >"$TMP/w.json"
check_eq since_drops_msgq 0 "$(jsum "$m" allocs <"$TMP/w.json")"
check_eq since_keeps_sockfilt $KV "$(jsum "$v" allocs <"$TMP/w.json")"
iso=$(date -u -d "@${T%.*}" +%Y-%m-%dT%H:%M:%SZ)
report -f json --top 0 --since "$iso" "$gz" >"$TMP/w.json"
check_eq since_iso_time $KV "$(jsum "$v" allocs <"$TMP/w.json")"
report -f json --since -1h "$gz" >"$TMP/w.json"
check_eq since_relative_keeps_all "$(jq .summary.allocs "$TMP/all.json")" "$(jq .summary.allocs "$TMP/w.json")"
report -f json --until -1h "$gz" >"$TMP/w.json"
check_eq until_relative_drops_all 0 "$(jq .summary.allocs "$TMP/w.json")"

# inputs: stdin (plain and gzip), a directory, several files
total=$(jq .summary.allocs "$TMP/all.json")
check_eq stdin_plain "$total" "$(zcat "$gz" | "$KMS" report -f json - 2>/dev/null | jq .summary.allocs)"
check_eq stdin_gzip "$total" "$(cat "$gz" | "$KMS" report -f json 2>/dev/null | jq .summary.allocs)"
# another run with the same content: its header starts 1 s later (as after a
# daemon reload), so it is no duplicate of the first and both are counted
other=$TMP/other.ndjson
zcat "$gz" | { IFS= read -r h; jq -c '.start_ns += 1000000000' <<<"$h"; cat; } >"$other"
gzip -c "$other" >"$other.gz"
mkdir "$TMP/state"
cp "$gz" "$TMP/state/kmemscope-0001.ndjson.gz"
cp "$other" "$TMP/state/kmemscope-0002.ndjson"
echo "not an export" >"$TMP/state/notes.txt"
cp "$gz" "$TMP/state/.hidden.ndjson.gz"
report -f json "$TMP/state" >"$TMP/d.json"
check_eq directory_reads_segments $((2 * total)) "$(jq .summary.allocs "$TMP/d.json")"
check_eq directory_inputs 2 "$(jq '.inputs | length' "$TMP/d.json")"
check_eq directory_no_warnings "" "$(cat "$TMP/err")"
report -f json "$gz" "$TMP/state/kmemscope-0002.ndjson" >"$TMP/d.json"
check_eq two_files $((2 * total)) "$(jq .summary.allocs "$TMP/d.json")"

# duplicate input (the same host, start time and intervals) counts once, with
# one warning per repeating file naming both: every total equals one copy's
single=$(jq -c '.summary, .sites' "$TMP/all.json")
report -f json --top 0 "$gz" "$gz" >"$TMP/d.json"
check_eq dup_same_file_twice "$single" "$(jq -c '.summary, .sites' "$TMP/d.json")"
check_eq dup_same_file_warns_once 1 "$(grep -c "warning: $gz repeats intervals of $gz " "$TMP/err")"
mkdir "$TMP/dup"
cp "$gz" "$TMP/dup/run.ndjson.gz"
zcat "$gz" >"$TMP/dup/run.ndjson"
report -f json --top 0 "$TMP/dup" >"$TMP/d.json"
check_eq dup_plain_and_gz "$single" "$(jq -c '.summary, .sites' "$TMP/d.json")"
check_eq dup_plain_and_gz_seconds "$(jq .summary.seconds "$TMP/all.json")" "$(jq .summary.seconds "$TMP/d.json")"
check_eq dup_plain_and_gz_warning 1 \
	"$(grep -c "warning: $TMP/dup/run.ndjson.gz repeats intervals of $TMP/dup/run.ndjson " "$TMP/err")"
for i in $(seq -w 1 59); do cp "$gz" "$TMP/dup/copy$i.ndjson.gz"; done
report -f json --top 0 "$TMP/dup" >"$TMP/d.json"
check_eq dup_60_copies "$single" "$(jq -c '.summary, .sites' "$TMP/d.json")"
check_eq dup_60_copies_warnings 60 "$(grep -c 'repeats intervals of' "$TMP/err")"
check_eq dup_60_copies_inputs 61 "$(jq '.inputs | length' "$TMP/d.json")"

# a segment cut off by a crash: read up to the cut, warn with file and line
size=$(stat -c %s "$gz")
head -c $((size * 2 / 3)) "$gz" >"$TMP/cut.ndjson.gz"
report -f json "$TMP/cut.ndjson.gz" >"$TMP/cut.json"
check_eq truncated_exit_0 0 $?
check truncated_warns_file_line "no warning naming the file and line" \
	grep -qE "warning: $TMP/cut.ndjson.gz:[0-9]+: gzip data cut off" "$TMP/err"
cut_allocs=$(jq .summary.allocs "$TMP/cut.json")
check truncated_reads_part "read $cut_allocs of $total allocations" \
	test "$cut_allocs" -gt 0 -a "$cut_allocs" -lt "$total"
# the daemon's segment being written is read too, up to its last whole member
mkdir "$TMP/state2"
cp "$other.gz" "$TMP/state2/kmemscope-20261122T041200.000Z.ndjson.gz"
cp "$TMP/cut.ndjson.gz" "$TMP/state2/kmemscope-20261122T051200.000Z.ndjson.gz.active"
report -f json "$TMP/state2" >"$TMP/d.json"
check_eq active_segment_read $((total + cut_allocs)) "$(jq .summary.allocs "$TMP/d.json")"
check active_segment_warns "no warning naming the .active segment" grep -q "Z.ndjson.gz.active:[0-9]*: gzip data cut off" "$TMP/err"
report --strict "$TMP/cut.ndjson.gz" >/dev/null
check_eq strict_truncated_exit_1 1 $?
check strict_says_error "no error line naming the file" grep -q "error: $TMP/cut.ndjson.gz:" "$TMP/err"
report --strict "$gz" >/dev/null
check_eq strict_good_file_exit_0 0 $?

# garbage in the middle of a plain export
{ zcat "$gz" | head -5; echo '{"type":"site", broken'; zcat "$gz" | tail -n +6; } >"$TMP/bad.ndjson"
report -f json "$TMP/bad.ndjson" >"$TMP/b.json"
check_eq garbage_skipped_total "$total" "$(jq .summary.allocs "$TMP/b.json")"
check garbage_warns_line_6 "no warning for line 6" grep -q "$TMP/bad.ndjson:6: malformed JSON" "$TMP/err"
report --strict "$TMP/bad.ndjson" >/dev/null
check_eq strict_garbage_exit_1 1 $?
report "$DATA/synthetic-newer-schema.ndjson" >/dev/null
check newer_schema_warns "no schema warning" grep -q "synthetic-newer-schema.ndjson:1: export schema 2 is newer" "$TMP/err"
report --strict "$DATA/synthetic-newer-schema.ndjson" >/dev/null
check_eq strict_newer_schema_exit_1 1 $?
report "$TMP/does-not-exist.ndjson" >/dev/null
check_eq missing_file_exit_1 1 $?
check missing_file_named "error does not name the file" grep -q "does-not-exist.ndjson" "$TMP/err"

# usage errors
for a in "--sort size" "--top x" "--since yesterday" "--format xml" "--kind foo" "--weight kg" \
	"--bogus" "--folded --html x.html"; do
	# shellcheck disable=SC2086
	"$KMS" report $a "$gz" >/dev/null 2>"$TMP/err"
	check_eq "usage_exit_2 [$a]" 2 $?
done
"$KMS" report --help >"$TMP/t"
check_eq help_exit_0 0 $?
check help_lists_gfp_sort "help lacks the gfp sort key" grep -q "gfp" "$TMP/t"

# --- fragmentation sections and stacks: synthetic fixtures ------------------
f=$DATA/synthetic-frag.ndjson
report -f json "$f" >"$TMP/f.json"
check_eq frag_pageblock_assumed "9 true" "$(jq -r '"\(.fragmentation.pageblock_order) \(.fragmentation.pageblock_order_assumed)"' "$TMP/f.json")"
check_eq frag_order3_unusable "0.2 0.2 1 0.5" "$(jq -r '.fragmentation.zones[0].orders[0].unusable_index | "\(.first) \(.min) \(.max) \(.last)"' "$TMP/f.json")"
check_eq frag_pageblock_unusable "0.5 0.5 1 0.9" "$(jq -r '.fragmentation.zones[0].orders[1].unusable_index | "\(.first) \(.min) \(.max) \(.last)"' "$TMP/f.json")"
check_eq frag_order3_free_blocks "9 0 9 4" "$(jq -r '.fragmentation.zones[0].orders[0].free_blocks | "\(.first) \(.min) \(.max) \(.last)"' "$TMP/f.json")"
check_eq frag_exhaustion_pages compact_me "$(jq -r '.fragmentation.order3_exhaustion.page_sites[0].caller' "$TMP/f.json")"
check_eq frag_exhaustion_sites hog_alloc "$(jq -r '.fragmentation.order3_exhaustion.sites[0].caller' "$TMP/f.json")"
check_eq corr_last_window "hog_alloc other" "$(jq -r '[.correlation[].caller] | join(" ")' "$TMP/f.json")"
check_eq leak_suspect "leaky 100" "$(jq -r '.leak_suspects[0] | "\(.caller) \(.growth_bytes_per_s)"' "$TMP/f.json")"
check_eq slack_class_exact "hog_alloc 30800" "$(jq -r '.slack_by_class[] | select(.size == 128) | .top_sites[0] | "\(.caller) \(.slack)"' "$TMP/f.json")"
report "$f" >"$TMP/t"
check frag_text_note "no pageblock note" grep -q "pageblock order 9 (assumed" "$TMP/t"
check frag_text_ran_out "no order-3 exhaustion line" grep -q "no free block of order >= 3 in 1 of 4 snapshots" "$TMP/t"
report -f json "$DATA/synthetic-pageblock10.ndjson" >"$TMP/p.json"
check_eq frag_pageblock_from_header "10 false 0.6" "$(jq -r '"\(.fragmentation.pageblock_order) \(.fragmentation.pageblock_order_assumed) \(.fragmentation.zones[0].orders[1].unusable_index.last)"' "$TMP/p.json")"
report --folded "$f" >"$TMP/folded"
check_eq folded_root_first "bpf_map_area_alloc+0x3;vmalloc_user+0x2;__vmalloc_node_range+0x1 16384
do_syscall_64+0x80;compact_me+0x5;alloc_pages_mpol+0x20;__alloc_pages+0x10 327680" "$(cat "$TMP/folded")"
check_eq folded_count "4 10" "$("$KMS" report --folded --weight count "$f" | awk '{ print $NF }' | paste -sd' ')"
report --folded "$gz" >"$TMP/folded"
check_eq folded_real_exit_0 0 $?
if zcat "$gz" | grep -q '"stack":\['; then
	check folded_real_stacks "stacks in the export but no folded lines" grep -qE '^[^ ]+(;[^ ]+)* [0-9]+$' "$TMP/folded"
else
	check folded_no_stacks_warns "no warning about missing stacks" grep -q "no allocation stacks" "$TMP/err"
fi
