#!/bin/bash
# `kmemscope daemon` and `kmemscope status`: configuration errors, the
# systemd notify protocol against a real NOTIFY_SOCKET, rotation, retention,
# reload, every way of stopping, a full file system, the control socket, the
# Prometheus textfile, the unit file and make install.
source "$(dirname "$0")/lib.sh"
need_root_bpf daemon

source "$(dirname "$0")/lib_daemon.sh"

# --- configuration errors ----------------------------------------------------
cat >"$TMP/bad1.conf" <<'C'
# fine so far
interval = 1

rotate_size = 10Q
C
printf 'interval = 1\nno_such_key = 3\n' >"$TMP/bad2.conf"
printf 'interval = 5m\npagetype_period = 1m\n' >"$TMP/bad3.conf"
printf 'this is not a setting\n' >"$TMP/bad4.conf"
for c in bad1:4 bad2:2 bad3:2 bad4:1; do
	f=$TMP/${c%:*}.conf line=${c#*:}
	"$KMS" daemon --check-config "$f" >"$TMP/o" 2>"$TMP/e"
	check_eq "check_config_exit_2 [${c%:*}]" 2 $?
	check "check_config_file_line [${c%:*}]" "no '$f:$line:' in: $(head -1 "$TMP/e")" grep -q "$f:$line: " "$TMP/e"
	"$KMS" daemon --config "$f" --socket "$SOCK" >"$TMP/o" 2>"$TMP/e"
	check_eq "daemon_bad_config_exit_2 [${c%:*}]" 2 $?
	check "daemon_bad_config_file_line [${c%:*}]" "no '$f:$line:'" grep -q "$f:$line: " "$TMP/e"
done
"$KMS" daemon --config "$TMP/nonexistent.conf" >"$TMP/o" 2>"$TMP/e"
check_eq daemon_missing_config_exit_2 2 $?
"$KMS" daemon --check-config "$TOP/systemd/kmemscope.conf" >"$TMP/o" 2>&1
check_eq shipped_config_valid 0 $?
sed 's/^#\([a-z_]* = \)/\1/' "$TOP/systemd/kmemscope.conf" >"$TMP/all.conf"
check shipped_config_lists_keys "fewer than 16 keys in systemd/kmemscope.conf" \
	test "$(grep -cE '^[a-z_]+ = ' "$TMP/all.conf")" -ge 16
"$KMS" daemon --check-config "$TMP/all.conf" >"$TMP/o" 2>&1
check_eq shipped_config_uncommented_valid 0 $?
"$KMS" daemon --bogus >"$TMP/o" 2>&1
check_eq daemon_usage_exit_2 2 $?
"$KMS" status --socket "$TMP/nobody.sock" >"$TMP/o" 2>"$TMP/e"
check_eq status_no_daemon_exit_3 3 $?

# no privileges: refused with the capability named, before touching the state directory
cp "$KMS" "$TMP/kms" && chmod 755 "$TMP" "$TMP/kms"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TMP/kms" daemon --state-dir "$TMP/nobody" --socket "$TMP/nobody.sock" >"$TMP/o" 2>"$TMP/e"
check_eq daemon_unprivileged_exit_1 1 $?
check daemon_unprivileged_names_capability "message does not name CAP_BPF" grep -q "CAP_BPF" "$TMP/e"
check daemon_unprivileged_no_state_dir "the state directory was created" test ! -e "$TMP/nobody"

# --- notify protocol, status, snapshot, textfile, SIGTERM ----------------------
ST=$TMP/state1
cat >"$TMP/on_ready.sh" <<C
#!/bin/bash
source "$TOP/tests/e2e/lib.sh" >/dev/null 2>&1
echo "READY_PROGS \$(prog_ids_of "\$1" | wc -l)"
C
cat >"$TMP/n.conf" <<C
interval = 0.5
pagetype_period = 1
export_dir = $ST
top_sites = 5
prom_top_sites = 5
C
# on READY=1 the daemon is frozen at once (SIGSTOP), inspected, then let go:
# what it holds is what it held when it declared itself ready
"$WL/notify_listen" "$TMP/notify.sock" "kill -STOP \"\$1\"; bash $TMP/on_ready.sh \"\$1\"; kill -CONT \"\$1\"" >"$TMP/notify.log" 2>&1 &
LPID=$!
wait_for 5 test -S "$TMP/notify.sock"
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=2000000 \
	start_daemon notify "$TMP/n.conf" --prom-textfile "$TMP/k.prom" ||
	{ fail notify_start "daemon did not start"; exit 1; }
wait_for 10 grep -q READY_PROGS "$TMP/notify.log"
ids=$(prog_ids_of "$DPID")
ready=$(awk '$3 == "READY=1" { print $1; exit }' "$TMP/notify.log")
check notify_ready_sent "no READY=1 on NOTIFY_SOCKET" test -n "$ready"
check notify_ready_from_daemon "READY=1 not sent by the daemon's pid" \
	awk -v p="$DPID" '$3 == "READY=1" && $2 == p { ok = 1 } END { exit !ok }' "$TMP/notify.log"
check notify_ready_after_attach "the daemon held no kms_ programs when READY=1 arrived" \
	awk '$1 == "READY_PROGS" && !seen { seen = 1; ok = $2 > 0 } END { exit !ok }' "$TMP/notify.log"
check daemon_holds_programs "no kms_ programs held by the daemon" test -n "$ids"
sleep 4.2
# WATCHDOG_USEC=2s: a WATCHDOG=1 every second
awk '$3 == "WATCHDOG=1" { print $1 }' "$TMP/notify.log" >"$TMP/wd"
check notify_watchdog_count "expected at least 3 WATCHDOG=1 in 4.2s, got $(wc -l <"$TMP/wd")" \
	test "$(wc -l <"$TMP/wd")" -ge 3
# (the first one counts from when the daemon went on after the inspection)
check notify_watchdog_period "WATCHDOG=1 not every 1s (half of WATCHDOG_USEC): $(tr '\n' ' ' <"$TMP/wd")" \
	awk -v r="$ready" 'NR == 1 && $1 - r < 0.8 { bad = 1 }
		NR > 1 { d = $1 - prev; if (d < 0.8 || d > 1.2) bad = 1 } { prev = $1 } END { exit bad || NR < 2 }' "$TMP/wd"
check notify_status_lines "no STATUS= with events/s" grep -qE ' STATUS=[0-9]+ events/s, [0-9]+ drops, segment kmemscope-' "$TMP/notify.log"

# status against the running daemon
"$KMS" status --socket "$SOCK" >"$TMP/status.out" 2>&1
check_eq status_exit_0 0 $?
check status_names_daemon "status output lacks the daemon pid" grep -q "pid $DPID," "$TMP/status.out"
check status_shows_segment "status output lacks the segment" grep -q "segment:   $ST/kmemscope-" "$TMP/status.out"
check_eq status_json_pid "$DPID" "$(status_json | jq .pid)"
check status_json_fields "status JSON lacks a field of docs/control-socket.md" \
	bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.type == \"status\" and .uptime_ns > 0 and (.segment | test(\"kmemscope-\")) and .events_per_s >= 0 and .drops.recursion != null and .attach.kmalloc != null'"
check control_state_document "state command: no state document with sites" \
	bash -c "'$KMS' status --socket '$SOCK' --command state | jq -e '.type == \"state\" and .header.schema == 1 and (.sites | length) > 0 and .interval.seq > 0'"
check_eq control_socket_mode_0600 600 "$(stat -c %a "$SOCK")"
"$KMS" status --socket "$SOCK" --command snapshot >"$TMP/o" 2>&1
check_eq control_snapshot_ok ok "$(jq -r .type "$TMP/o")"
wait_for 3 test -s "$ST/state.json"
check snapshot_state_json "snapshot did not write state.json" jq -e '.type == "state"' "$ST/state.json"
rm -f "$ST/state.json"
kill -USR1 "$DPID"
check sigusr1_snapshot "SIGUSR1 did not write state.json" wait_for 3 test -s "$ST/state.json"
check_eq snapshot_mode_0600 600 "$(stat -c %a "$ST/state.json")"

# the Prometheus textfile
check prom_textfile_written "no $TMP/k.prom" test -s "$TMP/k.prom"
check prom_has_metrics "events, drops, per-site or fragmentation metrics missing" bash -c "
	grep -q '^kmemscope_events_total{event=\"kmalloc\"} [0-9]' '$TMP/k.prom' &&
	grep -q '^kmemscope_drops_total{reason=\"live_full\"} [0-9]' '$TMP/k.prom' &&
	grep -q '^kmemscope_site_allocated_bytes_total{kind=' '$TMP/k.prom' &&
	grep -q '^kmemscope_site_slack_bytes_total{' '$TMP/k.prom' &&
	grep -q '^kmemscope_unusable_free_index_ratio{node=\"0\",zone=\"[A-Za-z0-9]*\",order=\"0\"} [0-9]' '$TMP/k.prom' &&
	grep -q '^kmemscope_fragmentation_index_ratio{' '$TMP/k.prom'"
# node_exporter has the free blocks (node_buddyinfo_blocks): not repeated (docs/fleet.md)
check prom_no_buddyinfo_duplicate "kmemscope_buddyinfo_free_blocks is back" \
	bash -c "! grep -q '^kmemscope_buddyinfo_free_blocks' '$TMP/k.prom'"
check prom_build_info "no kmemscope_build_info{version,kernel} 1" \
	grep -qx "kmemscope_build_info{version=\"[0-9.]*\",kernel=\"$(uname -r)\"} 1" "$TMP/k.prom"
kind_totals_ok() {
	local m
	for m in allocations_total requested_bytes_total allocated_bytes_total slack_bytes_total frees_total; do
		grep -q "^kmemscope_$m{kind=\"kmalloc\"} [0-9]" "$TMP/k.prom" || return 1
	done
}
check prom_kind_totals "no whole-machine counters by kind" kind_totals_ok
check prom_self_cost "no process CPU or RSS metric" bash -c "
	grep -q '^kmemscope_process_cpu_seconds_total [0-9]' '$TMP/k.prom' &&
	grep -q '^kmemscope_process_resident_memory_bytes [1-9]' '$TMP/k.prom'"
# every site series has the same labels, the call site distinct from the function
check prom_site_labels "a site series without kind, cache, caller and site labels" \
	awk '/^kmemscope_site_/ && !/^kmemscope_site_[a-z_]+\{kind="[^"]+",cache="[^"]+",caller="[^"]+",site="[^"]+"\} / { print; bad = 1 } END { exit bad }' "$TMP/k.prom"
# (the top 5 may hold no kmalloc site: tests/e2e/fleet.sh checks load_msg's series)
check prom_kmalloc_cache_label "a kmalloc site series without cache=\"kmalloc\"" \
	awk '/^kmemscope_site_[a-z_]+\{kind="kmalloc",/ && !/,cache="kmalloc",/ { print; bad = 1 } END { exit bad }' "$TMP/k.prom"
if command -v promtool >/dev/null; then
	check prom_promtool_check_metrics "promtool check metrics: $(promtool check metrics <"$TMP/k.prom" 2>&1 | head -3)" \
		bash -c "promtool check metrics <'$TMP/k.prom'"
else
	skip prom_promtool_check_metrics "no promtool (Debian prometheus)"
fi
check prom_syntax "a sample line is not 'name{labels} value'" \
	awk '!/^#/ && !/^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$/ { print; bad = 1 } END { exit bad }' "$TMP/k.prom"
check prom_no_tmp_left "a .tmp file stayed next to the textfile" test ! -e "$TMP/k.prom.tmp"
check prom_top_sites "more call sites than prom_top_sites in the textfile" \
	test "$(grep '^kmemscope_site_allocated_bytes_total{' "$TMP/k.prom" | grep -vc 'site="other"')" -le 5
check_eq prom_other_row 1 "$(grep -c '^kmemscope_site_allocated_bytes_total{kind="other",cache="other",caller="other",site="other"} [0-9]' "$TMP/k.prom")"

# top_sites: at most 5 site records per interval
check top_sites_per_interval "an interval has more than 5 site records" bash -c "
	zcat '$ST'/kmemscope-*.ndjson.gz* | jq -s -e '[.[] | select(.type == \"site\")] | group_by(.seq) | map(length) | max <= 5'"

# SIGTERM: exit 0, the segment complete and renamed, the programs gone
stop_daemon TERM
check_eq sigterm_exit_0 0 $?
sleep 0.3
check notify_stopping "no STOPPING=1" grep -q ' STOPPING=1$' "$TMP/notify.log"
check sigterm_no_active_left "an .active segment stayed after SIGTERM" bash -c "! ls '$ST' | grep -q '\.active$'"
check sigterm_segment_complete "$(segments_ok "$ST")" segments_ok "$ST"
check sigterm_segment_gz_name "no kmemscope-<UTC time>.ndjson.gz" \
	bash -c "ls '$ST' | grep -qE '^kmemscope-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z\.ndjson\.gz$'"
check sigterm_last_line_interval_data "the last line is not a whole record of an interval" \
	bash -c "zcat '$ST'/kmemscope-*.ndjson.gz | tail -1 | jq -e '.type != \"header\" and .seq != null'"
check sigterm_intervals_consecutive "$(seqs_consecutive "$ST")" seqs_consecutive "$ST"
check_eq sigterm_segment_mode_0600 600 "$(stat -c %a "$ST"/kmemscope-*.ndjson.gz | head -1)"
# shellcheck disable=SC2086 # one id a word
check_eq sigterm_programs_released 0 "$(still_loaded $ids)"
check sigterm_socket_removed "control socket left behind" test ! -e "$SOCK"
kill "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
LPID=""

# --- rotation by size, retention by count --------------------------------------
ST=$TMP/state2
cat >"$TMP/r.conf" <<C
interval = 0.2
pagetype_period = 1
export_dir = $ST
top_sites = 0
rotate_size = 4K
retain_segments = 4
C
start_daemon rot_size "$TMP/r.conf" || { fail rotation_start "daemon did not start"; exit 1; }
max=0
for _ in $(seq 1 25); do
	sleep 0.2
	n=$(n_segments "$ST")
	[ "$n" -gt "$max" ] && max=$n
done
check rotation_by_size "no rotation: $(ls "$ST")" grep -q "segment complete" "$TMP/rot_size.err"
check_eq retention_by_count_max 4 "$max"
check retention_deleted "no segment deleted" bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.writes.segments_deleted > 0'"
stop_daemon TERM
check_eq rotation_exit_0 0 $?
check rotation_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"
check rotation_no_interval_lost "$(seqs_consecutive "$ST")" seqs_consecutive "$ST"
check rotation_completed_sizes "a completed segment is much smaller than rotate_size" bash -c "
	for f in \$(ls '$ST'/kmemscope-*.ndjson.gz | head -n -1); do [ \$(stat -c %s \$f) -ge 4096 ] || exit 1; done"
check rotation_each_has_header "segment header not first" bash -c "
	for f in '$ST'/kmemscope-*.ndjson.gz; do zcat \$f | head -1 | jq -e '.type == \"header\" and .daemon.first_seq >= 1' >/dev/null || exit 1; done"

# --- rotation by age, retention by bytes ---------------------------------------
ST=$TMP/state3
cat >"$TMP/a.conf" <<C
interval = 0.2
pagetype_period = 1
export_dir = $ST
top_sites = 0
rotate_age = 1s
rotate_size = 8K
retain_bytes = 24K
C
start_daemon rot_age "$TMP/a.conf" || { fail rotation_age_start "daemon did not start"; exit 1; }
over=0
for _ in $(seq 1 25); do
	sleep 0.2
	b=$(du -cb "$ST"/kmemscope-* 2>/dev/null | tail -1 | cut -f1)
	# the open segment grows by an interval between two checks
	[ "$b" -gt $((24 * 1024 + 8192)) ] && over=$b
done
check_eq retention_by_bytes_bound 0 "$over"
stop_daemon TERM
check_eq rotation_age_exit_0 0 $?
check rotation_by_age "segments not about 1s long" bash -c "
	for f in '$ST'/kmemscope-*.ndjson.gz; do zcat \$f | jq -s -e '[.[] | select(.type == \"interval\")] | length >= 1 and length <= 8' >/dev/null || exit 1; done"
check rotation_age_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"
total=$(du -cb "$ST"/kmemscope-* | tail -1 | cut -f1)
check retention_bytes_final "segments take $total bytes > retain_bytes" test "$total" -le $((24 * 1024 + 8192))

# --- SIGHUP reload ------------------------------------------------------------
ST=$TMP/state4
printf 'interval = 0.5\npagetype_period = 1\nexport_dir = %s\ntop_sites = 10\n' "$ST" >"$TMP/h.conf"
start_daemon reload "$TMP/h.conf" || { fail reload_start "daemon did not start"; exit 1; }
sleep 1.2
printf 'interval = 0.2\npagetype_period = 1\nexport_dir = %s\ntop_sites = 2\n' "$ST" >"$TMP/h.conf"
kill -HUP "$DPID"
check reload_logged "no 'configuration reloaded' line" wait_for 3 grep -q "configuration reloaded from $TMP/h.conf" "$TMP/reload.err"
sleep 1.5
check_eq reload_interval_applied 0.2 "$(status_json | jq .interval_s)"
check reload_new_segment_header "no segment header with interval_s 0.2" bash -c "
	zcat '$ST'/kmemscope-*.ndjson.gz* | jq -s -e '[.[] | select(.type == \"header\") | .interval_s] | index(0.2) != null'"
check reload_top_sites_applied "site records beyond the new top_sites=2" bash -c "
	f=\$(ls '$ST'/kmemscope-*.ndjson.gz* | tail -1); zcat \$f | jq -s -e '[.[] | select(.type == \"site\")] | group_by(.seq) | map(length) | max <= 2'"
# invalid: logged with file:line, the old settings stay
printf 'interval = 0.2\nexport_dir = %s\ntop_sites = many\n' "$ST" >"$TMP/h.conf"
kill -HUP "$DPID"
check reload_invalid_logged "no file:line error for the bad reload" wait_for 3 grep -q "$TMP/h.conf:3: invalid top_sites" "$TMP/reload.err"
check reload_invalid_keeps_old "no 'keeping the running configuration'" grep -q "keeping the running configuration" "$TMP/reload.err"
seq1=$(status_json | jq .seq)
sleep 1
check reload_invalid_still_running "the daemon died on a bad reload" kill -0 "$DPID"
check reload_invalid_still_tracing "no new intervals after a bad reload" test "$(status_json | jq .seq)" -gt "$seq1"
check_eq reload_invalid_interval_kept 0.2 "$(status_json | jq .interval_s)"
# tracer settings: the programs are attached again
printf 'interval = 0.2\nexport_dir = %s\nallocators = kmalloc\nlive_entries = 4096\n' "$ST" >"$TMP/h.conf"
kill -HUP "$DPID"
check reload_reattach "no reattach with the new tracer settings" wait_for 5 grep -q "reattached with the new tracer settings" "$TMP/reload.err"
sleep 0.5
check_eq reload_reattach_applied off "$(status_json | jq -r .attach.kmem_cache)"
stop_daemon TERM
check_eq reload_exit_0 0 $?
check reload_segments_ok "$(segments_ok "$ST")" segments_ok "$ST"

# --- SIGKILL: readable up to the last interval; recovered by the next start --
ST=$TMP/state5
printf 'interval = 0.2\nexport_dir = %s\ntop_sites = 0\n' "$ST" >"$TMP/k.conf"
kill_daemon_after kill "$TMP/k.conf" 1.5 "$ST" || { fail sigkill_start "daemon did not start"; exit 1; }
active=$ACTIVE
check sigkill_leaves_active "no .active segment after SIGKILL" test -n "$active"
check sigkill_zcat_reads "zcat cannot read the killed segment" bash -c "zcat '$active' >/dev/null"
check sigkill_lines_parse "$(segments_ok "$ST")" segments_ok "$ST"
check sigkill_has_intervals "fewer than 3 intervals before SIGKILL" test "$(zcat "$active" | grep -c '"type":"interval"')" -ge 3
# a torn write at the end (power loss): cut back on recovery
size=$(stat -c %s "$active")
zcat "$active" | gzip -c | head -c 100 >>"$active"
printf 'garbage' >>"$active"
start_daemon kill2 "$TMP/k.conf" || { fail sigkill_restart "daemon did not start again"; exit 1; }
check sigkill_recovered "the old .active was not renamed into place" test -e "${active%.active}"
check_eq sigkill_recovered_cut "$size" "$(stat -c %s "${active%.active}")"
check_eq sigkill_one_active 1 "$(ls "$ST" | grep -c '\.active$')"
stop_daemon TERM
check_eq sigkill_restart_exit_0 0 $?
check sigkill_all_ok "$(segments_ok "$ST")" segments_ok "$ST"

# two daemons on one directory: the second refuses
start_daemon one "$TMP/k.conf" || { fail lock_start "daemon did not start"; exit 1; }
"$KMS" daemon --config "$TMP/k.conf" --socket "$TMP/ctl2.sock" >"$TMP/o" 2>"$TMP/two.err"
check_eq second_daemon_exit_1 1 $?
check second_daemon_message "no 'another kmemscope daemon'" grep -q "another kmemscope daemon writes to $ST" "$TMP/two.err"
stop_daemon TERM

# --- full file system ---------------------------------------------------------
if mount_small_fs full_disk; then
	printf 'interval = 0.2\nexport_dir = %s\ntop_sites = 0\nrotate_size = 64K\nretain_bytes = 1G\n' "$FULL" >"$TMP/f.conf"
	start_daemon full "$TMP/f.conf" || { fail full_start "daemon did not start"; exit 1; }
	sleep 0.6
	dd if=/dev/urandom of="$FULL/filler" bs=4k >/dev/null 2>&1
	sleep 2
	check full_daemon_alive "the daemon died on a full disk" kill -0 "$DPID"
	check full_error_logged "no 'No space left' error" grep -q "No space left on device" "$TMP/full.err"
	check full_no_log_spam "more than 3 error lines for ~10 failed intervals" \
		test "$(grep -c 'No space left' "$TMP/full.err")" -le 3
	check_eq full_status_failing false "$(status_json | jq .writes.ok)"
	check full_status_queued "nothing queued in memory" test "$(status_json | jq .writes.queued_bytes)" -gt 0
	check full_status_text_queued "status text lacks the queued intervals: $("$KMS" status --socket "$SOCK" | grep writes:)" \
		bash -c "'$KMS' status --socket '$SOCK' | grep -qE '^  writes: +FAILING: .*\([1-9][0-9]* intervals, [^,]+, queued in memory; '"
	check full_no_half_record "$(segments_ok "$FULL")" segments_ok "$FULL"
	before=$(n_intervals "$FULL")
	segs=$(n_segments "$FULL")
	rm -f "$FULL/filler"
	check full_resumes "no 'writing ... again' after space came back" wait_for 5 grep -q "writing to $FULL again" "$TMP/full.err"
	sleep 0.5
	check full_writes_again "no new intervals written after space came back" test "$(n_intervals "$FULL")" -gt "$before"
	check_eq full_status_ok true "$(status_json | jq .writes.ok)"
	check_eq full_nothing_deleted 0 "$(status_json | jq .writes.segments_deleted)"
	check full_segments_kept "a segment disappeared" test "$(n_segments "$FULL")" -ge "$segs"
	stop_daemon TERM
	check_eq full_exit_0 0 $?
	check full_all_parse "$(segments_ok "$FULL")" segments_ok "$FULL"
	check full_no_interval_lost "$(seqs_consecutive "$FULL")" seqs_consecutive "$FULL"
	# a long outage: memory stays bounded by queue_limit, later intervals are not kept
	rm -f "$FULL"/kmemscope-*
	printf 'interval = 0.2\nexport_dir = %s\ntop_sites = 0\nqueue_limit = 64K\n' "$FULL" >"$TMP/q.conf"
	start_daemon queue "$TMP/q.conf" || { fail queue_start "daemon did not start"; exit 1; }
	sleep 0.4
	dd if=/dev/urandom of="$FULL/filler" bs=4k >/dev/null 2>&1
	check queue_limit_drops "no interval dropped at queue_limit" \
		wait_for 10 bash -c "'$KMS' status --socket '$SOCK' --json | jq -e '.writes.intervals_dropped > 0'"
	check queue_limit_bounded "more than queue_limit + one interval queued" \
		test "$(status_json | jq .writes.queued_bytes)" -lt $((64 * 1024 + 256 * 1024))
	check queue_limit_logged "no 'queue_limit' message" grep -q "queue_limit" "$TMP/queue.err"
	rm -f "$FULL/filler"
	check queue_limit_resumes "no writes after space came back" wait_for 5 grep -q "writing to $FULL again" "$TMP/queue.err"
	stop_daemon TERM
	check_eq queue_limit_exit_0 0 $?
	check queue_limit_segments_ok "$(segments_ok "$FULL")" segments_ok "$FULL"
	umount "$FULL"
	FULL=""
fi

# --- unwritable state directory at start: trace anyway, write once it can ------
RO=$TMP/ro
mkdir -p "$RO"
if mount --bind "$RO" "$RO" && mount -o remount,bind,ro "$RO"; then
	FULL=$RO # unmounted by the cleanup on failure
	printf 'interval = 0.2\nexport_dir = %s\n' "$RO" >"$TMP/ro.conf"
	start_daemon ro "$TMP/ro.conf" || { fail ro_start "daemon did not start on a read-only directory"; exit 1; }
	sleep 0.8
	check ro_error_logged "no 'Read-only file system' error" grep -q "Read-only file system" "$TMP/ro.err"
	check_eq ro_status_failing false "$(status_json | jq .writes.ok)"
	check ro_still_tracing "no intervals while unwritable" test "$(status_json | jq .seq)" -ge 2
	mount -o remount,bind,rw "$RO"
	check ro_resumes "nothing written after the directory became writable" wait_for 5 grep -q "writing to $RO again" "$TMP/ro.err"
	stop_daemon TERM
	check_eq ro_exit_0 0 $?
	check ro_segments_ok "$(segments_ok "$RO")" segments_ok "$RO"
	check ro_no_interval_lost "$(seqs_consecutive "$RO")" seqs_consecutive "$RO"
	check_eq ro_first_seq_1 1 "$(zcat "$RO"/kmemscope-*.ndjson.gz | jq -r 'select(.type == "interval") | .seq' | head -1)"
	umount "$RO"
	FULL=""
else
	skip unwritable_dir "cannot make a read-only bind mount"
fi

# --- only the unit's capabilities -------------------------------------------------
ST=$TMP/state6
printf 'interval = 0.2\nexport_dir = %s\n' "$ST" >"$TMP/c.conf"
setpriv --bounding-set=-all,+bpf,+perfmon,+syslog,+dac_read_search --inh-caps=-all \
	"$KMS" daemon --config "$TMP/c.conf" --socket "$SOCK" 2>"$TMP/caps.err" &
DPID=$!
if wait_for 20 grep -q "tracing kmalloc=" "$TMP/caps.err"; then
	pass unit_capabilities_suffice
	sleep 0.5
	check unit_capabilities_symbols "call sites not symbolized with CAP_SYSLOG" \
		bash -c "zcat '$ST'/*.active | head -1 | jq -e '.symbols == true'"
	stop_daemon TERM
	check_eq unit_capabilities_exit_0 0 $?
else
	fail unit_capabilities_suffice "$(tail -2 "$TMP/caps.err")"
	stop_daemon KILL
fi

# --- the unit file and make install -------------------------------------------
root=$TMP/root
if make -s -C "$TOP" install DESTDIR="$root" OUT="$KMS_BUILD" >"$TMP/install.out" 2>&1; then
	pass make_install
	for f in usr/local/bin/kmemscope usr/local/lib/systemd/system/kmemscope.service \
		usr/local/share/man/man8/kmemscope.8 etc/kmemscope/kmemscope.conf; do
		check "install_$(basename $f)" "$f not installed" test -s "$root/$f"
	done
	unit=$root/usr/local/lib/systemd/system/kmemscope.service
	sed -i "s|^ExecStart=/usr/local/bin/kmemscope|ExecStart=$root/usr/local/bin/kmemscope|" "$unit"
	if command -v systemd-analyze >/dev/null; then
		MANPATH=$root/usr/local/share/man systemd-analyze verify "$unit" >"$TMP/verify.out" 2>&1
		rc=$?
		check_eq systemd_analyze_verify 0 $rc
		[ $rc -eq 0 ] || cat "$TMP/verify.out"
	else
		skip systemd_analyze_verify "no systemd-analyze"
	fi
	check unit_type_notify "unit is not Type=notify" grep -q '^Type=notify$' "$unit"
	check unit_no_protect_kernel_tunables "ProtectKernelTunables=yes hides /proc/kallsyms" \
		bash -c "! grep -q '^ProtectKernelTunables=yes' '$unit'"
	check man_page_renders "man cannot format kmemscope.8" bash -c "man -l '$root/usr/local/share/man/man8/kmemscope.8' >/dev/null 2>&1"
	make -s -C "$TOP" uninstall DESTDIR="$root" OUT="$KMS_BUILD" >"$TMP/install.out" 2>&1
	check_eq make_uninstall_removes_all "" "$(find "$root" -type f)"
else
	fail make_install "$(tail -3 "$TMP/install.out")"
fi
