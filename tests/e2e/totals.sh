#!/bin/bash
# Exact totals in the daemon's segments whatever top_sites is: with
# top_sites = 3 the sites beyond the limit are folded into one site_rest
# record per interval, and per interval the site records plus site_rest add
# up to the interval's own counts (events, frees, bytes), which come from
# the kernel's counters. Also: with pages = yes the state document carries
# what top shows of the page allocator (attach.page, events.page_alloc,
# sites of kind "page").
source "$(dirname "$0")/lib.sh"
need_root_bpf totals
command -v jq >/dev/null || { skip totals "needs jq"; exit 0; }

ST=$TMP/st
SOCK=$TMP/ctl.sock
DPID=""
totals_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	cleanup
}
trap totals_cleanup EXIT

cat >"$TMP/t.conf" <<C
interval = 0.5
export_dir = $ST
top_sites = 3
pages = yes
# order 0 too: page sites in the state whatever the machine does (allocations
# of order >= 1 are rare on an idle VM: none in some runs)
page_order_threshold = 0
C
"$KMS" daemon --config "$TMP/t.conf" --socket "$SOCK" 2>"$TMP/d.err" &
DPID=$!
for _ in $(seq 1 200); do
	grep -q "tracing kmalloc=" "$TMP/d.err" 2>/dev/null && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
grep -q "tracing kmalloc=" "$TMP/d.err" || { fail totals_start "daemon did not start: $(tail -3 "$TMP/d.err")"; exit 1; }

# many active sites per interval: message queues, files, processes
for _ in 1 2 3; do
	"$WL/msgq" 200 64 128 1024 4096 >/dev/null || fail totals_workload "msgq failed"
	find /usr/lib -maxdepth 2 >/dev/null 2>&1
	sleep 0.6
done
"$KMS" status --socket "$SOCK" --command state >"$TMP/state.json" 2>"$TMP/state.err"
kill -TERM "$DPID"
wait "$DPID"
check_eq totals_daemon_exit 0 $?
DPID=""

for f in "$ST"/kmemscope-*.ndjson.gz; do zcat "$f"; done >"$TMP/all.ndjson"
jq -s '[.[] | select(.type == "interval" or .type == "site" or .type == "site_rest")]
	| group_by(.seq) | map(
		(map(select(.type == "interval"))[0]) as $iv
		| map(select(.type != "interval")) as $s
		| ([$s[] | select(.type == "site")] | length) as $nsite
		| ([$s[] | select(.type == "site_rest")]) as $rest
		| {seq: $iv.seq, nsite: $nsite, nrest: ($rest | length),
		   folded: ([$rest[].sites] | add // 0),
		   allocs: ([$s[] | .allocs + .failed] | add // 0),
		   want_allocs: ($iv.events.kmalloc + $iv.events.kmem_cache_alloc + $iv.events.vmalloc),
		   frees: (([$s[].frees] | add // 0) + ([$iv.unmatched_frees[]] | add)),
		   want_frees: ($iv.events.kfree + $iv.events.kmem_cache_free + $iv.events.vfree),
		   bytes: ([$s[].bytes_alloc] | add // 0), want_bytes: $iv.bytes_alloc,
		   req: ([$s[].bytes_req] | add // 0), want_req: $iv.bytes_req,
		   active: $iv.active_sites})' "$TMP/all.ndjson" >"$TMP/per_seq.json"
n=$(jq length "$TMP/per_seq.json")
check totals_intervals_written "fewer than 4 intervals in the segments ($n)" test "$n" -ge 4
check totals_site_records_capped "an interval has more than 3 site records" \
	jq -e 'all(.[]; .nsite <= 3 and .nrest <= 1)' "$TMP/per_seq.json"
cut=$(jq '[.[] | select(.nrest == 1)] | length' "$TMP/per_seq.json")
check totals_detail_was_cut "no interval had more than 3 active sites (no site_rest written)" \
	test "$cut" -ge 1
check totals_rest_counts_sites "site records + site_rest.sites != active_sites" \
	jq -e 'all(.[]; .nsite + .folded == .active)' "$TMP/per_seq.json"
bad=$(jq -c '[.[] | select(.allocs != .want_allocs)] | first // empty' "$TMP/per_seq.json")
check totals_allocs_exact "allocs + failed over sites and site_rest != the interval's events: $bad" test -z "$bad"
bad=$(jq -c '[.[] | select(.frees != .want_frees)] | first // empty' "$TMP/per_seq.json")
check totals_frees_exact "frees + unmatched != the interval's free events: $bad" test -z "$bad"
bad=$(jq -c '[.[] | select(.bytes != .want_bytes or .req != .want_req)] | first // empty' "$TMP/per_seq.json")
check totals_bytes_exact "bytes over sites and site_rest != the interval's bytes: $bad" test -z "$bad"
# not a tautology of zeros: the workload's allocations are in the totals
check totals_nonzero "the intervals counted no allocations" \
	jq -e '([.[].want_allocs] | add) > 1000 and ([.[].want_bytes] | add) > 0' "$TMP/per_seq.json"

# `report` over the state directory: its totals are the kernel's counts
# (the interval records'), and it says where and how much per-site detail
# the limit cut
"$KMS" report --format json "$ST" >"$TMP/rep.json" 2>"$TMP/rep.err"
check_eq totals_report_exit 0 $?
jq -s '[.[] | select(.type == "interval")] | {
	allocs: (map(.events.kmalloc + .events.kmem_cache_alloc + .events.vmalloc) | add),
	frees: (map(.events.kfree + .events.kmem_cache_free + .events.vfree) | add),
	bytes_alloc: (map(.bytes_alloc) | add), bytes_req: (map(.bytes_req) | add)}' \
	"$TMP/all.ndjson" >"$TMP/kernel.json"
got=$(jq -c '.summary | {allocs: (.allocs + .failed), frees: (.frees + .unmatched_frees),
	bytes_alloc, bytes_req}' "$TMP/rep.json")
check_eq totals_report_equal_kernel "$(jq -c . "$TMP/kernel.json")" "$got"
echo "# report over the state directory: $got; $(jq -r '.summary.notes[0] // "no note"' "$TMP/rep.json")"
check_eq totals_report_cut_intervals "$cut of $n (top_sites = 3)" \
	"$(jq -r '.summary.detail_cut | "\(.intervals) of \(.of_intervals) (top_sites = \(.top_sites))"' "$TMP/rep.json")"
check totals_report_rest_not_ranked "a site without caller in the report's sites" \
	jq -e 'all(.sites[]; (.caller | length) > 0 and .site != null)' "$TMP/rep.json"
"$KMS" report "$ST" >"$TMP/rep.txt" 2>>"$TMP/rep.err"
check totals_report_text_cut_note "no cut note in the text report" \
	grep -qE "^  Note: per-site detail cut in $cut of $n intervals \(top_sites = 3\): [0-9.]+[KMG]? allocations, .* counted in totals only" "$TMP/rep.txt"
"$KMS" report --html "$TMP/rep.html" "$ST" 2>>"$TMP/rep.err"
check totals_report_html_cut_note "no cut note in the HTML report" \
	grep -q "id=\"cut\">per-site detail cut in $cut of $n intervals" "$TMP/rep.html"
# a site among the top ones is exact: msgq made 3 x 200 x 4 messages at
# load_msg (alloc_msg on older kernels), ~2 MiB per run, far above any
# other site of an interval, so it is never cut
msg_raw=$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc"
	and (.caller == "load_msg" or .caller == "alloc_msg")) | .allocs] | add // 0' "$TMP/all.ndjson")
check_eq totals_msg_site_records_whole 2400 "$msg_raw"
check_eq totals_report_msg_exact 2400 \
	"$(jq '[.sites[] | select(.kind == "kmalloc" and (.caller == "load_msg" or .caller == "alloc_msg")) | .allocs] | add // 0' "$TMP/rep.json")"

# the page allocator in the state document, as top reads it
check totals_state_attach_page "state header has no attach.page" \
	jq -e '.header.attach.page == "tracepoint"' "$TMP/state.json"
check totals_state_events_page_alloc "state interval has no events.page_alloc" \
	jq -e '.interval.events.page_alloc >= 0' "$TMP/state.json"
check totals_state_page_sites "state has no site of kind page with allocations" \
	jq -e '[.sites[] | select(.kind == "page" and .total.allocs > 0 and .total.bytes_alloc > 0)] | length > 0' "$TMP/state.json"
