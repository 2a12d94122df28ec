#!/bin/bash
# Never a silently wrong LIVE: a live table too small for what is held is
# counted per site (live_untracked), marked in the table (>=N) and explained
# in the summary (--live-entries hint); frees the tracepoints do not show
# (epitems go through kfree_rcu -> kfree_bulk) become implied frees when the
# address comes back, so LIVE stays bounded. And the default table is sized
# from this machine. Checks are by the workloads' own call sites (load_msg,
# do_epoll_ctl), so other tracers on the machine do not change them.
source "$(dirname "$0")/lib.sh"
need_root_bpf live

# --- 3000 held messages, a 1024-entry table ---------------------------------
N=3000
old_mnb=$(cat /proc/sys/kernel/msgmnb)
MSGQ_PID=""
restore() {
	[ -n "$MSGQ_PID" ] && kill -TERM "$MSGQ_PID" 2>/dev/null && wait "$MSGQ_PID" 2>/dev/null
	echo "$old_mnb" >/proc/sys/kernel/msgmnb
	cleanup
}
trap restore EXIT
echo $((1 << 24)) >/proc/sys/kernel/msgmnb
out=$TMP/held.ndjson
start_record -i 0.5 --live-entries 1024 -o "$out" || { fail live_held_start "record did not start"; exit 1; }
MSGQ_HOLD=1 MSGQ_WAIT=1 "$WL/msgq" $N 16 >"$TMP/msgq.out" &
MSGQ_PID=$!
for _ in $(seq 1 200); do
	grep -q queued "$TMP/msgq.out" && break
	kill -0 "$MSGQ_PID" 2>/dev/null || break
	sleep 0.05
done
check live_held_workload "msgq did not queue $N messages" grep -q queued "$TMP/msgq.out"
sleep 0.6
# the messages are still queued when the recorder reads its last interval
stop_record
check_eq live_held_exit_0 0 $?
kill -TERM "$MSGQ_PID"
wait "$MSGQ_PID"
check_eq live_held_workload_exit_0 0 $?
MSGQ_PID=""
echo "$old_mnb" >/proc/sys/kernel/msgmnb

# the last site record of the message site: live and live_untracked are current values
msg='.type == "site" and .kind == "kmalloc" and (.caller == "load_msg" or .caller == "alloc_msg")'
read -r allocs frees live untracked < <(jq -rs "[.[] | select($msg)] |
	[(map(.allocs) | add // 0), (map(.frees) | add // 0), (last.live // -1),
	 (last.live_untracked // -1)] | @tsv" "$out")
echo "held: allocs $allocs frees $frees live $live live_untracked $untracked" >&2
check_eq live_held_allocs_exact $N "$allocs"
# at most 1024 objects fit, whatever else the machine allocated meanwhile
check live_untracked_at_least_1976 "live_untracked $untracked < 1976" test "$untracked" -ge 1976
# exact: every held message is either tracked (live) or counted untracked
check_eq live_plus_untracked_exact $N "$((live + untracked))"
check live_held_no_frees "frees $frees of held messages" test "$frees" -eq 0
check live_interval_untracked "interval records do not carry live_untracked >= 1976" \
	jq -se '[.[] | select(.type == "interval") | .live_untracked] | max >= 1976' "$out"
# the table: LIVE of the message site marked as a lower bound (column 6)
check live_table_marks_lower_bound "load_msg's LIVE not shown as >=N: $(grep -E '^(load|alloc)_msg\+' "$TMP/rec.out")" \
	awk '$1 ~ /^(load|alloc)_msg\+/ && $2 == "kmalloc" && $6 ~ /^>=[0-9]/ { ok = 1 } END { exit !ok }' "$TMP/rec.out"
check live_table_legend "the table does not explain >=N" grep -q '^>=N: a lower bound' "$TMP/rec.out"
# the hint: an --live-entries for the 1024 tracked and every untracked object
# (the message site's >= 1976 and the rest of the machine's), a power of two
# with an eighth to spare, and the kernel memory it takes (32 bytes each)
hint=$(grep -oE 'raise --live-entries \(now 1024\) to [0-9]+: [0-9.]+[KMG]? of kernel memory' "$TMP/rec.out")
echo "hint: $hint" >&2
hint_n=$(sed -E 's/.* to ([0-9]+):.*/\1/' <<<"${hint:-to 0:}")
check live_summary_hint "summary has no --live-entries hint holding 1024 + $untracked: $(grep -A1 'Live table full' "$TMP/rec.out" | tr '\n' ' ')" \
	test "$hint_n" -ge $(((1024 + untracked) * 9 / 8))
check live_summary_lower_bound "summary's Live line is not marked as a lower bound" \
	grep -qE '^  Live \(tracked\) .*, a lower bound$' "$TMP/rec.out"

# --- epoll_ctl ADD/DEL: implied frees, LIVE bounded ------------------------
# Two rounds of 4000 pairs, paced so that RCU grace periods end and later
# epitems reuse the addresses of earlier ones.
out=$TMP/epoll.ndjson
start_record -i 0.5 -o "$out" || { fail live_epoll_start "record did not start"; exit 1; }
"$WL/epoll" 4000 250 || fail live_epoll_workload "epoll workload failed"
sleep 2
mark=$(jq -s '[.[] | select(.type == "interval") | .seq] | max // 0' "$out" 2>/dev/null || echo 0)
"$WL/epoll" 4000 250 || fail live_epoll_workload "epoll workload failed"
sleep 2
stop_record
check_eq live_epoll_exit_0 0 $?
epi='.type == "site" and .caller == "do_epoll_ctl" and .cache == "eventpoll_epi"'
read -r allocs frees implied live1 live2 < <(jq -rs --argjson m "$mark" "[.[] | select($epi)] |
	[(map(.allocs) | add // 0), (map(.frees) | add // 0), (map(.implied_frees) | add // 0),
	 ([.[] | select(.seq <= \$m)] | last.live // -1), (last.live // -1)] | @tsv" "$out")
echo "epoll: allocs $allocs frees $frees implied $implied live after round 1 $live1, after round 2 $live2" >&2
check live_epoll_allocs "epitem allocations $allocs < 8000" test "$allocs" -ge 8000
check live_implied_frees "no implied frees at do_epoll_ctl" test "$implied" -gt 0
check live_epoll_live_accounts "live $live2 != allocs - frees - implied" \
	test "$live2" -eq $((allocs - frees - implied))
# Without implied frees LIVE would be allocs - 1 (the kernel frees epitems
# with kfree_rcu: no kmem_cache_free event). With them, what stays is the
# epitems whose address was not allocated again yet, and those whose slab
# page went back to the page allocator (no object is allocated there again):
# 914 to 3327 of 8000 in runs here (paced at 250 us), so "at most three
# quarters" holds with room. It is not 0: the bulk frees themselves are not
# traced on this kernel (no fentry/kprobe).
check live_epoll_live_bounded "live $live2 of $allocs epitems: implied frees did not bound it" \
	test $((live2 * 4)) -le $((allocs * 3))
check live_epoll_table_implied "the table shows no IMPLIED frees at do_epoll_ctl" \
	awk '$1 ~ /^do_epoll_ctl\+/ && $2 == "eventpoll_epi" && $5 != "0" { ok = 1 } END { exit !ok }' "$TMP/rec.out"
check live_summary_implied "the summary does not sum implied frees" \
	grep -qE '^  Implied frees .* in [1-9][0-9]* frees' "$TMP/rec.out"
# the offline report of the same recording (the done-when of issue 13): no
# leak suspect at do_epoll_ctl, whose frees go past the tracepoints, and its
# implied frees shown. (Its live count does not only grow here, since implied
# frees take objects out of it; the exclusion of sites whose objects end
# mostly as implied frees is tested on fixtures in tests/unit/test_report.c.)
"$KMS" report --format json "$out" >"$TMP/epoll.json" 2>"$TMP/epoll.err"
check_eq live_report_exit_0 0 $?
check_eq live_report_no_epoll_leak_suspect 0 \
	"$(jq '[.leak_suspects[] | select(.caller == "do_epoll_ctl")] | length' "$TMP/epoll.json")"
check live_report_epoll_implied "the report shows no implied frees at do_epoll_ctl" \
	jq -e '[.sites[] | select(.caller == "do_epoll_ctl") | .implied_frees] | add > 0' "$TMP/epoll.json"

# --- the default table: sized from this machine ------------------------------
mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
want=$((mem_kb / 16 + $(getconf _NPROCESSORS_ONLN) * 32768))
p=1
while [ $p -lt $want ]; do p=$((p * 2)); done
[ $p -lt 262144 ] && p=262144
[ $p -gt 4194304 ] && p=4194304
check_eq live_default_sized_from_machine $p "$(jq -r 'select(.type == "header") | .settings.live_entries' "$out")"
echo "default live table: $p entries, $((p * 32 / 1048576)) MiB" >&2
