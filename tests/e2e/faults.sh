#!/bin/bash
# Faults survived: a too small live-object map, ring buffer overflow, a
# probe that cannot attach, /proc/kallsyms unreadable, SIGKILL during an
# export. Plus the kernel's large-kmalloc and failure paths.
source "$(dirname "$0")/lib.sh"
need_root_bpf faults

sum_site() { # file, jq filter selecting site records, field
	jq -s "[.[] | select(.type == \"site\") | select($2) | .$3] | add // 0" "$1"
}
sum_interval() { # file, path in the interval record
	jq -s "[.[] | select(.type == \"interval\") | .$2] | add // 0" "$1"
}

# --- live-object map too small: drops counted, counts still exact ---------
K=500
old_mnb=$(cat /proc/sys/kernel/msgmnb)
echo $((1 << 24)) >/proc/sys/kernel/msgmnb
out=$TMP/live.ndjson
start_record -i 0.5 --live-entries 64 -o "$out" || { fail live_start "record did not start"; exit 1; }
MSGQ_HOLD=1 "$WL/msgq" $K 200 >/dev/null || fail live_workload "workload failed"
echo "$old_mnb" >/proc/sys/kernel/msgmnb
sleep 0.6
stop_record
check_eq tiny_live_map_exit_0 0 $?
msg='.kind == "kmalloc" and (.caller == "load_msg" or .caller == "alloc_msg")'
check_eq tiny_live_map_allocs_exact $K "$(sum_site "$out" "$msg" allocs)"
drops=$(sum_interval "$out" drops.live_full)
check tiny_live_map_drops_counted "no live_full drops with 64 entries and $K held objects" test "$drops" -gt 0
frees=$(sum_site "$out" "$msg" frees)
check tiny_live_map_frees_bounded "more matched frees ($frees) than tracked" test "$frees" -le 64
check tiny_live_map_reported "summary does not show the live map drops" grep -qE "live map full [1-9]" "$TMP/rec.out"
check tiny_live_map_live_never_negative "negative live count" \
	jq -se '[.[] | select(.type == "site") | .live] | min >= 0' "$out"

# --- large kmallocs and failures (pipe ring resize) -----------------------
old_max=$(cat /proc/sys/fs/pipe-max-size)
trap 'echo "$old_max" >/proc/sys/fs/pipe-max-size; cleanup' EXIT
echo $((1 << 30)) >/proc/sys/fs/pipe-max-size
out=$TMP/pipe.ndjson
N=300
start_record -i 0.5 -a kmalloc --ringbuf-size 4096 -o "$out" || { fail pipe_start "record did not start"; exit 1; }
"$WL/pipesize" large 40 >/dev/null || fail large_workload "workload failed"
"$WL/pipesize" fail $N >/dev/null || fail fail_workload "workload did not get $N ENOMEM"
sleep 0.6
stop_record
check_eq pipe_exit_0 0 $?
echo "$old_max" >/proc/sys/fs/pipe-max-size
pipe='.caller == "pipe_resize_ring"'
check_eq large_kmalloc_allocs 40 "$(sum_site "$out" "$pipe" allocs)"
per=$(jq -s "[.[] | select(.type == \"site\") | select($pipe) | select(.allocs > 0) | .bytes_alloc / .allocs] | max" "$out")
page=$(getconf PAGESIZE)
check large_kmalloc_page_sized "bytes_alloc per object $per is not a power-of-two number of pages" \
	awk -v v="$per" -v p="$page" 'BEGIN { n = v / p; while (n > 1 && n % 2 == 0) n /= 2; exit !(v >= p && n == 1) }'
dups=$(jq -s '[.[] | select(.type == "site" and (.caller | test("^__k(v)?malloc"))) | .allocs] | add // 0' "$out")
check_eq large_kmalloc_not_double_counted 0 "$dups"
check_eq failures_counted $N "$(sum_site "$out" "$pipe" failed)"
recs=$(jq -s '[.[] | select(.type == "failure" and (.site | startswith("pipe_resize_ring")))] | length' "$out")
rb=$(sum_interval "$out" drops.ringbuf_full)
check ringbuf_overflow_counted "no ring buffer drops with a 4 KiB ring ($recs records)" test "$rb" -gt 0
check_eq failure_records_plus_drops $N $((recs + rb))

# --- a probe that cannot attach: the rest runs ------------------------------
out=$TMP/kprobe.ndjson
start_record -v -i 0.5 --vmalloc-mode kprobe -o "$out" || { fail kprobe_start "record did not start"; exit 1; }
"$WL/msgq" 20 100 >/dev/null
sleep 0.6
stop_record
check_eq forced_mode_exit_0 0 $?
mode=$(head -1 "$out" | jq -r .attach.vmalloc)
if [ "$mode" = kprobe ]; then
	pass forced_kprobe_mode_works
else
	check_eq forced_unavailable_mode_off off "$mode"
	check forced_mode_says_why "no warning naming the refused kprobe mode" grep -q "kprobe" "$TMP/rec.err"
	check forced_mode_header_why "header lacks vmalloc_refused" jq -e '.attach.vmalloc_refused | test("kprobe")' <(head -1 "$out")
fi
check_eq forced_mode_kmalloc_still_traced 20 "$(sum_site "$out" "$msg" allocs)"

# --- /proc/kallsyms unreadable: one warning, [unknown] or raw addresses -----
for raw in "" --raw-addresses; do
	out=$TMP/nosyms$raw.ndjson
	# the workload makes sure there are sites to show
	unshare -m bash -c "mount --bind /dev/null /proc/kallsyms || exit 1
		'$KMS' record -d 2 -i 0.5 $raw -o '$out' & sleep 1; '$WL/msgq' 20 100 >/dev/null; wait \$!" \
		>"$TMP/o" 2>"$TMP/e"
	check_eq "no_kallsyms_exit_0$raw" 0 $?
	check_eq "no_kallsyms_one_warning$raw" 1 "$(grep -c "warning" "$TMP/e")"
	check "no_kallsyms_header$raw" "header does not say symbols are missing" jq -e '.symbols == false' <(head -1 "$out")
	if [ -z "$raw" ]; then
		check no_kallsyms_no_raw_addresses "raw kernel addresses leaked without --raw-addresses" \
			bash -c "! grep -q '0xffff' '$out' '$TMP/o'"
		check no_kallsyms_unknown_sites "sites are not shown as [unknown]" grep -q '\[unknown\]' "$TMP/o"
	else
		check no_kallsyms_raw_addresses "no raw addresses with --raw-addresses" grep -q '"site":"0xffff' "$out"
	fi
done

# --- SIGKILL at random moments: the export reads back ------------------------
for i in 1 2 3 4 5; do
	gz=$TMP/kill$i.ndjson.gz
	start_record -i 0.2 -o "$gz" || { fail kill_start "record did not start"; exit 1; }
	pid=$REC_PID
	sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
	"$WL/msgq" 10 100 >/dev/null &
	sleep "0.$((RANDOM % 9 + 1))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	REC_PID=""
	wait
	# whole gzip members up to the kill; at most the last line may be cut
	zcat "$gz" 2>/dev/null >"$TMP/kill.txt"
	total=$(wc -l <"$TMP/kill.txt")
	good=$(head -n $((total > 1 ? total - 1 : total)) "$TMP/kill.txt" | jq -c . 2>/dev/null | wc -l)
	check_eq "sigkill_${i}_lines_parse" $((total > 1 ? total - 1 : total)) "$good"
	check_eq "sigkill_${i}_header_first" header "$(head -1 "$TMP/kill.txt" | jq -r .type)"
	check_eq "sigkill_${i}_nothing_left_loaded" 0 "$(rec_progs_left)"
done
