#!/bin/bash
# Ground truth: SO_ATTACH_FILTER makes one vmalloc from bpf_prog_alloc_no_stats.
# Whatever attach mode the kernel allows, K filters must show as K vmallocs
# of one page each at that caller.
source "$(dirname "$0")/lib.sh"
need_root_bpf sockfilt

K=64
out=$TMP/out.ndjson
start_record -v -i 0.5 -a vmalloc -o "$out" || { fail sockfilt_start "record did not start"; exit 1; }
"$WL/sockfilt" $K || fail sockfilt_workload "workload failed"
sleep 0.5
stop_record
check_eq record_exit_status 0 $?

mode=$(head -1 "$out" | jq -r .attach.vmalloc)
check vmalloc_mode_chosen "no vmalloc mode in the header ($mode)" \
	bash -c "[[ '$mode' =~ ^(fentry|kprobe|tracepoint)$ ]]"
check verbose_names_mode "--verbose did not print the attach modes" grep -q "vmalloc=$mode" "$TMP/rec.err"
if [ "$mode" = tracepoint ]; then
	# only chosen after fentry and kprobe were really tried and refused
	check faster_modes_tried "header does not say why fentry/kprobe were refused" \
		jq -e '.attach.vmalloc_refused | test("fentry") and test("kprobe")' <(head -1 "$out")
fi

page=$(head -1 "$out" | jq .page_size)
r=$(jq -s '[.[] | select(.type == "site" and .kind == "vmalloc" and .caller == "bpf_prog_alloc_no_stats")]
	| { allocs: (map(.allocs) | add // 0), bytes_alloc: (map(.bytes_alloc) | add // 0),
	    frees: (map(.frees) | add // 0) }' "$out")
check_eq vmalloc_allocs $K "$(jq .allocs <<<"$r")"
check_eq vmalloc_bytes_one_page_each $((K * page)) "$(jq .bytes_alloc <<<"$r")"
frees=$(jq .frees <<<"$r")
check vmalloc_frees_bounded "more frees ($frees) than allocations" test "$frees" -le $K
check table_shows_vmalloc_site "no bpf_prog_alloc_no_stats vmalloc row" \
	grep -qE '^bpf_prog_alloc_no_stats\+0x[0-9a-f]+ +vmalloc' "$TMP/rec.out"
check_eq no_programs_left 0 "$(rec_progs_left)"
