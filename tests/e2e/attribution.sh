#!/bin/bash
# Attribution that survives other tracers. When another consumer uses the
# same tracepoints (a tracefs instance, bpftrace, perf, a second kmemscope),
# the kernel calls every probe through __traceiter_<event> and the other
# consumers' frames: the stack-based caller (vmalloc tracepoint mode and
# --pages) must still be the allocation's real caller, never a frame of the
# tracing machinery, and each vmalloc must still count without its guard
# page. Each phase runs twice: with nothing else running, then with all the
# neighbours at once.
source "$(dirname "$0")/lib.sh"
need_root_bpf attribution

K=41 # SO_ATTACH_FILTER calls: one vmalloc of one page each in bpf_prog_alloc_no_stats
MIB=64 # faulted in by the page phase
TRACING='^(__traceiter_|__bpf_trace_|perf_trace_|trace_event_raw_|bpf_trace_run|__probestub_|bpf_trampoline_|trace_call_bpf|perf_tp_event)'
T=$(tracefs)
INST=""
NEIGHBOURS=()

stop_neighbours() {
	local p
	for p in "${NEIGHBOURS[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${NEIGHBOURS[@]}"; do
		wait "$p" 2>/dev/null
	done
	NEIGHBOURS=()
	if [ -n "$INST" ] && [ -d "$INST" ]; then
		for e in vmalloc/alloc_vmap_area kmem/kmalloc kmem/mm_page_alloc; do
			echo 0 >"$INST/events/$e/enable" 2>/dev/null
		done
		rmdir "$INST" 2>/dev/null
	fi
	INST=""
}
trap 'stop_neighbours; cleanup' EXIT

# wait until FILE contains PATTERN (a neighbour has attached), at most 20 s
wait_for() { # file pattern
	for _ in $(seq 1 400); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# A tracefs instance with the events enabled, bpftrace and perf on the same
# tracepoints, and a second kmemscope (vmalloc and pages) running.
start_neighbours() {
	local rc=0 second
	INST=$T/instances/kms_attribution_$$
	mkdir "$INST" || return 1
	for e in vmalloc/alloc_vmap_area kmem/kmalloc kmem/mm_page_alloc; do
		echo 1 >"$INST/events/$e/enable" || rc=1
	done
	if command -v bpftrace >/dev/null; then
		bpftrace -e 'tracepoint:vmalloc:alloc_vmap_area { @v = count(); }
			tracepoint:kmem:kmalloc { @k = count(); }
			tracepoint:kmem:mm_page_alloc { @p = count(); }' >"$TMP/bpftrace.out" 2>&1 &
		NEIGHBOURS+=($!)
		wait_for "$TMP/bpftrace.out" "Attaching" || rc=1
	else
		skip attribution_bpftrace "bpftrace not installed (scripts/install-deps.sh test)"
	fi
	if command -v perf >/dev/null; then
		perf stat -a -e vmalloc:alloc_vmap_area -e kmem:mm_page_alloc >/dev/null 2>"$TMP/perf.err" &
		NEIGHBOURS+=($!)
	fi
	"$KMS" record -i 1 --vmalloc-mode tracepoint --pages --page-order 0 -o "$TMP/second.ndjson" \
		>/dev/null 2>"$TMP/second.err" &
	second=$!
	NEIGHBOURS+=("$second")
	wait_for "$TMP/second.err" "Hit Ctrl-C to end" || rc=1
	SECOND_PROGS=$(prog_ids_of "$second")
	sleep 0.5 # perf has no "attached" message; it needs far less than this
	return $rc
}

# Sites in an export whose caller is a frame of the tracing machinery.
tracing_sites() { # file type
	jq -s --arg re "$TRACING" --arg t "$2" \
		'[.[] | select(.type == $t and ((.caller // "") | test($re)))] | length' "$1"
}

vmalloc_phase() { # label
	local out=$TMP/$1.vm.ndjson r page mode
	start_record -i 0.5 -a vmalloc --vmalloc-mode tracepoint -o "$out" ||
		{ fail "$1_vmalloc_start" "record did not start"; return; }
	"$WL/sockfilt" $K || fail "$1_sockfilt_workload" "workload failed"
	sleep 0.6
	stop_record
	check_eq "$1_vmalloc_record_exit" 0 $?
	check_eq "$1_vmalloc_no_programs_left" 0 "$(rec_progs_left)"
	mode=$(head -1 "$out" | jq -r .attach.vmalloc)
	check_eq "$1_vmalloc_mode" tracepoint "$mode"
	page=$(head -1 "$out" | jq .page_size)
	r=$(jq -s --argjson page "$page" '[.[] | select(.type == "site" and .kind == "vmalloc"
			and .caller == "bpf_prog_alloc_no_stats")]
		| { allocs: (map(.allocs) | add // 0),
		    not_one_page: (map(select(.bytes_alloc != .allocs * $page)) | length) }' "$out")
	echo "$1: bpf_prog_alloc_no_stats $(jq -c . <<<"$r")"
	check "$1_vmalloc_allocs_at_caller" "$(jq .allocs <<<"$r") vmallocs at bpf_prog_alloc_no_stats, expected >= $K" \
		test "$(jq .allocs <<<"$r")" -ge $K
	check_eq "$1_vmalloc_one_page_each" 0 "$(jq .not_one_page <<<"$r")"
	check_eq "$1_vmalloc_no_tracing_caller" 0 "$(tracing_sites "$out" site)"
}

pages_phase() { # label
	local out=$TMP/$1.pg.ndjson top
	start_record -i 0.5 -a vmalloc --pages --page-order 0 -o "$out" ||
		{ fail "$1_pages_start" "record did not start"; return; }
	"$WL/fragment" $MIB 100 1 >/dev/null || fail "$1_fragment_workload" "workload failed"
	sleep 0.6
	stop_record
	check_eq "$1_pages_record_exit" 0 $?
	check_eq "$1_pages_no_programs_left" 0 "$(rec_progs_left)"
	check "$1_page_sites" "no page_site records" \
		jq -se '[.[] | select(.type == "page_site")] | length > 0' "$out"
	check_eq "$1_page_no_tracing_caller" 0 "$(tracing_sites "$out" page_site)"
	# the faulted pages are still charged to the fault path
	top=$(jq -s '[.[] | select(.type == "page_site")] | group_by(.caller)
		| map({caller: .[0].caller, pages: (map(.pages) | add)}) | max_by(.pages)' "$out")
	echo "$1: top page caller $(jq -c . <<<"$top")"
	check "$1_page_fault_path" "top page caller $(jq -c . <<<"$top") is not the fault path with >= 90% of $((MIB * 256)) pages" \
		jq -e --argjson min $((MIB * 256 * 9 / 10)) \
		'(.caller | test("^(do_anonymous_page|alloc_anon_folio|__handle_mm_fault|handle_mm_fault|do_pte_missing|vma_alloc_anon_folio_pmd)$")) and .pages >= $min' <<<"$top"
}

vmalloc_phase quiet
pages_phase quiet

if ! start_neighbours; then
	fail attribution_neighbours "could not start every neighbour: $(cat "$TMP/second.err" "$TMP/bpftrace.out" 2>/dev/null | tail -3)"
fi
vmalloc_phase busy
pages_phase busy
stop_neighbours
# the second kmemscope ran the whole time beside the others: its callers too
check_eq second_kmemscope_no_tracing_caller 0 \
	"$(($(tracing_sites "$TMP/second.ndjson" site) + $(tracing_sites "$TMP/second.ndjson" page_site)))"
# shellcheck disable=SC2086 # one id a word
check "second_kmemscope_no_programs_left" "$(still_loaded $SECOND_PROGS) of its programs [${SECOND_PROGS//$'\n'/ }] still loaded" \
	test -n "$SECOND_PROGS" -a "$(still_loaded $SECOND_PROGS)" -eq 0
