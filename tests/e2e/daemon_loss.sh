#!/bin/bash
# The daemon never loses data quietly: a stop that cannot write says how
# many intervals are lost and fails; retries do not recompress the queue;
# recovery keeps the intact intervals after a corrupt one; a deleted or
# replaced state directory is noticed; config files that are not regular
# files fail at once; closed fds 0-2 do not end up in the state directory.
source "$(dirname "$0")/lib.sh"
need_root_bpf daemon_loss

source "$(dirname "$0")/lib_daemon.sh"

# --- disk full from the start, then a stop: the loss is counted, exit 1 ---------
if mount_small_fs full_from_start; then
	dd if=/dev/urandom of="$FULL/filler" bs=4k >/dev/null 2>&1
	printf 'interval = 0.2\nexport_dir = %s\ntop_sites = 5\n' "$FULL" >"$TMP/f.conf"
	start_daemon full "$TMP/f.conf" || { fail full_start "daemon did not start"; exit 1; }
	check full_queueing "fewer than 8 intervals queued" \
		wait_for 10 bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.writes.queued_intervals >= 8'"
	st=$(status_json)
	check_eq full_failing false "$(jq .writes.ok <<<"$st")"
	# each interval compressed once when queued (and the one header): not
	# the whole queue again with every retry
	seq=$(jq .seq <<<"$st")
	comp=$(jq '.writes.compressions // -1' <<<"$st")
	check retry_compresses_once "$comp compressions for $seq intervals" \
		test "$comp" -le $((seq + 1)) -a "$comp" -ge "$seq"
	queued=$(jq '.writes.queued_intervals // 0' <<<"$st")
	stop_daemon TERM
	check_eq full_stop_exit_1 1 $?
	lost=$(sed -n 's/.* \([0-9][0-9]*\) intervals lost.*/\1/p' "$TMP/full.err")
	check full_stop_counts_loss "no 'N intervals lost' line: $(tail -2 "$TMP/full.err")" test -n "$lost"
	# the ones queued when asked, and the last one(s) since
	check full_stop_count_right "$lost intervals lost, $queued were queued before the stop" \
		test "${lost:-0}" -ge "$queued" -a "${lost:-0}" -le $((queued + 10))
	check full_stop_not_quiet "the last line says 'stopped' as if all went well" \
		bash -c "! tail -1 '$TMP/full.err' | grep -qx '.*kmemscope: stopped'"
	check full_no_empty_segment "a segment was left on the full disk" \
		bash -c "! ls '$FULL' | grep -q kmemscope-"
	umount "$FULL"
	FULL=""
fi

# --- a corrupt member in the middle of a leftover segment ------------------------
ST=$TMP/corrupt
printf 'interval = 0.1\nexport_dir = %s\ntop_sites = 20\n' "$ST" >"$TMP/c.conf"
kill_daemon_after corrupt "$TMP/c.conf" 3 "$ST" || { fail corrupt_start "daemon did not start"; exit 1; }
active=$ACTIVE
check corrupt_has_active "no .active segment after SIGKILL" test -n "$active"
# flip bytes inside the middle member (its data and its CRC): the lines of
# every other member must survive the recovery
expect=$(python3 - "$active" <<'P'
import sys, zlib
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
members, off = [], 0
while off < len(data):
    d = zlib.decompressobj(31)
    text = d.decompress(bytes(data[off:]))
    if not d.eof:
        break
    end = len(data) - len(d.unused_data)
    members.append((off, end, text.count(b"\n")))
    off = end
k = len(members) // 2
start, end, lines = members[k]
for i in (start + (end - start) // 2, end - 6):
    data[i] ^= 0x55
open(path, "wb").write(bytes(data))
total = sum(m[2] for m in members)
print(len(members), total - lines)
P
)
read -r nmembers keep <<<"$expect"
check corrupt_enough_members "only ${nmembers:-0} members before the kill" test "${nmembers:-0}" -ge 10
start_daemon corrupt2 "$TMP/c.conf" || { fail corrupt_restart "daemon did not start again"; exit 1; }
stop_daemon TERM
check_eq corrupt_restart_exit_0 0 $?
check corrupt_said_so "no 'corrupt bytes skipped' warning" grep -q "corrupt bytes skipped" "$TMP/corrupt2.err"
recovered=${active%.active}
check corrupt_recovered "the old .active was not put into place" test -e "$recovered"
check_eq corrupt_active_gone 0 "$(ls "$ST" | grep -c '\.active$')"
check_eq corrupt_intact_lines_kept "$keep" "$(zcat "$recovered" | wc -l)"
check corrupt_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"
# report reads every interval of the recovered segment
n_int=$(zcat "$recovered" | grep -c '"type":"interval"')
"$KMS" report --format json "$recovered" >"$TMP/corrupt.json" 2>"$TMP/corrupt.rep"
check_eq corrupt_report_exit_0 0 $?
check_eq corrupt_report_all_lines "$keep" "$(jq '.inputs[0].lines' "$TMP/corrupt.json")"
check_eq corrupt_report_no_problems 0 "$(jq '.inputs[0].problems' "$TMP/corrupt.json")"
check_eq corrupt_report_all_intervals "$n_int" "$(jq '.summary.intervals' "$TMP/corrupt.json")"

# --- the state directory deleted while the daemon runs ------------------------------
ST=$TMP/gone
printf 'interval = 0.2\nexport_dir = %s\n' "$ST" >"$TMP/g.conf"
start_daemon gone "$TMP/g.conf" || { fail gone_start "daemon did not start"; exit 1; }
sleep 0.6
rm -rf "$ST"
check gone_noticed "no 'deleted or replaced' error" wait_for 5 grep -q "$ST was deleted or replaced" "$TMP/gone.err"
check gone_recreated "the state directory was not created again" wait_for 5 test -e "$ST/.lock"
check gone_writes_again "no interval in the re-created directory" wait_for 5 test "$(n_intervals "$ST")" -gt 0
# (a second daemon that is not refused would run: stopped after 10 s)
timeout 10 "$KMS" daemon --config "$TMP/g.conf" --socket "$TMP/ctl2.sock" >"$TMP/o" 2>"$TMP/gone2.err"
check_eq gone_locked_again 1 $?
check gone_locked_message "no 'another kmemscope daemon'" grep -q "another kmemscope daemon writes to $ST" "$TMP/gone2.err"
check_eq gone_status_ok true "$(status_json | jq .writes.ok)"
stop_daemon TERM
check_eq gone_exit_0 0 $?
check gone_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"

# replaced while the daemon is stopped, and a second daemon takes it: the
# first one neither writes there nor recovers the second one's segment
start_daemon first "$TMP/g.conf" || { fail replaced_start "daemon did not start"; exit 1; }
FIRST=$DPID
kill -STOP "$FIRST"
rm -rf "$ST"
SOCK=$TMP/ctl2.sock start_daemon second "$TMP/g.conf" || { fail replaced_second_start "second daemon did not start"; exit 1; }
SECOND=$DPID
kill -CONT "$FIRST"
check replaced_first_noticed "the first daemon did not notice" \
	wait_for 5 grep -q "another kmemscope daemon writes to $ST" "$TMP/first.err"
sleep 1
check_eq replaced_first_status_failing false "$("$KMS" status --socket "$SOCK" --json | jq .writes.ok)"
check_eq replaced_second_keeps_its_segment 1 "$(ls "$ST" | grep -c '\.active$')"
check replaced_first_not_recovering "the first daemon recovered a live segment" \
	bash -c "! grep -q 'recovered segment' '$TMP/first.err'"
DPID=$SECOND
stop_daemon TERM
check_eq replaced_second_exit_0 0 $?
DPID=$FIRST
check replaced_first_resumes "the first daemon did not take the lock back" \
	wait_for 5 grep -q "lock of $ST is ours again" "$TMP/first.err"
check replaced_first_writes "the first daemon wrote nothing after taking the lock back" \
	wait_for 5 bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.writes.ok'"
stop_daemon TERM
check_eq replaced_first_exit_0 0 $?
check replaced_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"

# --- configuration files that are not regular files ---------------------------------
mkfifo "$TMP/fifo.conf"
(
	ulimit -v 1000000 # a /dev/zero read to the end must not take the machine
	timeout 5 "$KMS" daemon --check-config /dev/zero >"$TMP/o" 2>"$TMP/zero.err"
	echo $? >"$TMP/zero.rc"
	timeout 5 "$KMS" daemon --check-config "$TMP/fifo.conf" >"$TMP/o" 2>"$TMP/fifo.err"
	echo $? >"$TMP/fifo.rc"
	timeout 5 "$KMS" daemon --config "$TMP/fifo.conf" --socket "$SOCK" >"$TMP/o" 2>"$TMP/fifo2.err"
	echo $? >"$TMP/fifo2.rc"
)
check_eq check_config_dev_zero_exit_2 2 "$(cat "$TMP/zero.rc")"
check check_config_dev_zero_says_why "$(cat "$TMP/zero.err")" grep -q "/dev/zero: not a regular file" "$TMP/zero.err"
check_eq check_config_dev_zero_one_line 1 "$(wc -l <"$TMP/zero.err")"
check_eq check_config_fifo_exit_2 2 "$(cat "$TMP/fifo.rc")"
check check_config_fifo_says_why "$(cat "$TMP/fifo.err")" grep -q "fifo.conf: not a regular file" "$TMP/fifo.err"
check_eq daemon_config_fifo_exit_2 2 "$(cat "$TMP/fifo2.rc")"
check daemon_config_fifo_says_why "$(cat "$TMP/fifo2.err")" grep -q "not a regular file" "$TMP/fifo2.err"
head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$TMP/big.conf"
"$KMS" daemon --check-config "$TMP/big.conf" >"$TMP/o" 2>"$TMP/big.err"
check_eq check_config_too_big_exit_2 2 $?
check check_config_too_big_says_why "$(cat "$TMP/big.err")" grep -q "more than a configuration file holds" "$TMP/big.err"

# --- started with fds 0-2 closed (all three; stdout and stderr only: the
# state directory's .lock would then be opened as fd 2 and take the log) ---
for closed in all out_err; do
	ST=$TMP/nofds_$closed
	printf 'interval = 0.2\nexport_dir = %s\n' "$ST" >"$TMP/nofds.conf"
	if [ $closed = all ]; then
		"$KMS" daemon --config "$TMP/nofds.conf" --socket "$SOCK" <&- >&- 2>&- &
	else
		"$KMS" daemon --config "$TMP/nofds.conf" --socket "$SOCK" >&- 2>&- &
	fi
	DPID=$!
	check "nofds_${closed}_started" "no status from a daemon started with fds closed" \
		wait_for 20 bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.seq >= 2'"
	stop_daemon TERM
	check_eq "nofds_${closed}_exit_0" 0 $?
	check_eq "nofds_${closed}_lock_empty" 0 "$(stat -c %s "$ST/.lock" 2>/dev/null)"
	check "nofds_${closed}_segments_ok" "$(segments_ok "$ST")" segments_ok "$ST"
done
