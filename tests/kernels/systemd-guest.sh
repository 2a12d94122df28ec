#!/bin/bash
# The checks inside the systemd guest of tests/kernels/systemd.sh: runs as
# kms-report.service (a oneshot ordered after kmemscope.service) under the
# guest's real systemd PID 1, looks at kmemscope.service as systemd and the
# kernel see it, stops it, reads the segments it wrote, and powers the
# machine off. Every line for the host starts with "KMS: " (PASS/FAIL/SKIP/
# INFO, DONE at the end); diagnostics start with "KMS-LOG: ". Its output goes
# to the serial console (StandardOutput=journal+console).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
U=kmemscope.service
STATE=/var/lib/kmemscope
CONF=/etc/kmemscope/kmemscope.conf
failed=0

say() { echo "KMS: $*"; }
pass() { say "PASS: $1"; }
fail() {
	say "FAIL: $1: $2"
	failed=1
}
check_eq() { # name expected actual
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}
check() { # name why command...
	local n=$1 w=$2
	shift 2
	if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$w"; fi
}
prop() { systemctl show -P "$1" "$U"; }
log() { sed 's/^/KMS-LOG: /'; }
finish() {
	if [ "$failed" -ne 0 ]; then
		echo "KMS-LOG: journalctl -u $U -b:"
		journalctl -u "$U" -b --no-pager -o short-monotonic 2>&1 | tail -80 | log
	fi
	say DONE
	# --no-block: this unit is part of the transaction poweroff stops
	systemctl --no-block poweroff
	exit 0
}

say "INFO: kernel $(uname -r) ($(uname -v)), $(nproc) CPUs; PID 1 $(readlink /proc/1/exe), $(systemctl --version | head -1)"
check_eq pid1_is_systemd /usr/lib/systemd/systemd "$(readlink -f /proc/1/exe)"

# --- started under systemd: Type=notify, so "active" means READY=1 came ------
# kms-report.service is ordered after kmemscope.service: systemd starts us
# once its start job is done (READY=1, or failed, or TimeoutStartSec). Poll
# all the same: a failed start is retried after RestartSec.
for _ in $(seq 600); do
	case $(prop ActiveState) in active | failed) break ;; esac
	sleep 0.5
done
say "INFO: $U: $(systemctl show -p ActiveState,SubState,Result,MainPID,NRestarts,ExecMainStatus,StatusText "$U" | paste -sd ' ')"
check_eq unit_enabled enabled "$(systemctl is-enabled "$U")"
check_eq service_active active "$(prop ActiveState)"
check_eq service_running running "$(prop SubState)"
check_eq service_no_restarts 0 "$(prop NRestarts)"
if [ "$(prop ActiveState)" != active ]; then
	fail service_started "kmemscope.service did not reach active; later checks skipped"
	finish
fi
t0=$(prop ExecMainStartTimestampMonotonic)
t1=$(prop ActiveEnterTimestampMonotonic)
say "INFO: READY=1 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s after the daemon started (programs loaded and attached), $(awk -v b="$t1" 'BEGIN { printf "%.1f", b / 1e6 }') s after the kernel did"
check service_status_text "no STATUS= with events/s from the daemon: '$(prop StatusText)'" \
	grep -q 'events/s' <<<"$(prop StatusText)"
check service_watchdog "WatchdogUSec is not 60s" test "$(prop WatchdogUSec)" = 1min

# --- the sandbox the unit asks for, as the kernel sees the daemon -------------
pid=$(prop MainPID)
st=/proc/$pid/status
say "INFO: daemon pid $pid: $(grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "$st" | paste -sd ' ')"
# the unit's CapabilityBoundingSet: CAP_BPF (39), CAP_PERFMON (38),
# CAP_SYSLOG (34), CAP_SYS_ADMIN (21), CAP_DAC_READ_SEARCH (2); the daemon
# keeps CAP_SYS_ADMIN only where kernel.perf_event_paranoid > 2 (Debian's
# default: 3) makes perf_event_open() need it
bnd=$(((1 << 39) | (1 << 38) | (1 << 34) | (1 << 21) | (1 << 2)))
eff=$bnd
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
[ "$paranoid" -le 2 ] && eff=$((bnd & ~(1 << 21)))
say "INFO: kernel.perf_event_paranoid=$paranoid kernel.kptr_restrict=$(cat /proc/sys/kernel/kptr_restrict)"
check_eq sandbox_capabilities "$(printf '%016x %016x' $eff $bnd)" \
	"$(awk '/^CapEff:/ { e = $2 } /^CapBnd:/ { b = $2 } END { print e, b }' "$st")"
check_eq sandbox_no_new_privs 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "$st")"
check_eq sandbox_seccomp_filter 2 "$(awk '/^Seccomp:/ { print $2 }' "$st")"
check sandbox_mount_namespace "the daemon shares PID 1's mount namespace" \
	test "$(readlink /proc/"$pid"/ns/mnt)" != "$(readlink /proc/1/ns/mnt)"
check sandbox_network_namespace "the daemon shares PID 1's network namespace" \
	test "$(readlink /proc/"$pid"/ns/net)" != "$(readlink /proc/1/ns/net)"
check_eq state_directory_mode "700 root" "$(stat -c '%a %U' "$STATE")"

# --- the control socket, and a few intervals -----------------------------------
# the test configuration has interval = 1: wait for three intervals
for _ in $(seq 60); do
	n=$(kmemscope status --json 2>/dev/null | jq -r '.seq // 0')
	[ "${n:-0}" -ge 3 ] && break
	sleep 0.5
done
if kmemscope status --json >/tmp/status.json 2>/tmp/status.err; then
	pass control_socket_status
	say "INFO: status: $(jq -c '{interval_s, seq, events_per_s, segment, attach: (.attach | {kmalloc, kmem_cache, vmalloc}), config}' /tmp/status.json)"
	say "INFO: attach kernel=$(uname -r) $(jq -r '"kmalloc=\(.attach.kmalloc) kmem_cache=\(.attach.kmem_cache) vmalloc=\(.attach.vmalloc)"' /tmp/status.json)"
	check_eq status_config_file "$CONF" "$(jq -r .config /tmp/status.json)"
	check_eq status_interval 1 "$(jq -r .interval_s /tmp/status.json)"
	check status_intervals_written "fewer than 3 intervals written" \
		jq -e '.writes.intervals_written >= 3' /tmp/status.json
	check_eq status_attach_kmalloc raw_tracepoint "$(jq -r .attach.kmalloc /tmp/status.json)"
	check_eq status_attach_kmem_cache raw_tracepoint "$(jq -r .attach.kmem_cache /tmp/status.json)"
	check_eq status_segment_in_state_dir "$STATE" "$(jq -r '.segment | sub("/[^/]*$"; "")' /tmp/status.json)"
else
	fail control_socket_status "kmemscope status: $(head -1 /tmp/status.err)"
fi

# --- reload (SIGHUP via ExecReload) keeps the same process --------------------
check service_reload "systemctl reload failed" systemctl reload "$U"
sleep 2
check_eq service_reload_same_pid "$pid active" "$(prop MainPID) $(prop ActiveState)"

# --- a clean stop: the last interval written, the segment closed --------------
check service_stop "systemctl stop failed" timeout 60 systemctl stop "$U"
say "INFO: after stop: $(systemctl show -p ActiveState,Result,ExecMainStatus "$U" | paste -sd ' ')"
check_eq service_stop_clean "inactive success 0" "$(prop ActiveState) $(prop Result) $(prop ExecMainStatus)"

# --- the segments --------------------------------------------------------------
# shellcheck disable=SC2012 # a listing for people reading a failure
ls -l "$STATE" | log
mapfile -t segs < <(find "$STATE" -maxdepth 1 -name 'kmemscope-*.ndjson.gz' | sort)
check segment_written "no kmemscope-*.ndjson.gz in $STATE" test "${#segs[@]}" -ge 1
check_eq segment_none_left_active 0 "$(find "$STATE" -maxdepth 1 -name '*.active' | wc -l)"
if [ "${#segs[@]}" -ge 1 ]; then
	check segment_gzip_valid "gzip -t failed" gzip -t "${segs[@]}"
	check_eq segment_mode_0600 600 "$(stat -c %a "${segs[0]}")"
	zcat "${segs[@]}" >/tmp/all.ndjson
	check segment_ndjson_valid "a line is not JSON" jq -e . /tmp/all.ndjson
	check_eq segment_starts_with_header header "$(head -1 /tmp/all.ndjson | jq -r .type)"
	check segment_header_daemon "the header has no daemon object" \
		jq -e '.daemon.first_seq >= 1' <<<"$(head -1 /tmp/all.ndjson)"
	# CAP_SYSLOG reached the daemon: /proc/kallsyms had real addresses
	check_eq segment_header_symbols true "$(head -1 /tmp/all.ndjson | jq -c .symbols)"
	say "INFO: segment header attach: $(head -1 /tmp/all.ndjson | jq -c .attach)"
	counts=$(jq -sc '{intervals: map(select(.type == "interval")) | length,
		kmalloc_sites: map(select(.type == "site" and .kind == "kmalloc")) | length,
		kmalloc_allocs: map(select(.type == "site" and .kind == "kmalloc") | .allocs) | add}' /tmp/all.ndjson)
	say "INFO: segments: ${#segs[@]}, $(wc -l </tmp/all.ndjson) records, $counts"
	check segment_intervals "fewer than 3 interval records" jq -e '.intervals >= 3' <<<"$counts"
	check segment_kmalloc_sites "no kmalloc site records" jq -e '.kmalloc_sites > 0 and .kmalloc_allocs > 0' <<<"$counts"
	if kmemscope report "$STATE" >/tmp/report.txt 2>/tmp/report.err; then
		pass report_reads_segments
		check report_kmalloc_row "no kmalloc row in the report" grep -qE '^[^ ]+\+0x[0-9a-f]+ +kmalloc ' /tmp/report.txt
		head -12 /tmp/report.txt | log
	else
		fail report_reads_segments "kmemscope report $STATE: $(head -1 /tmp/report.err)"
	fi
fi

# --- a mainline kernel's perf_event_paranoid: CAP_SYS_ADMIN is given up --------
caps_of_main() { awk '/^CapEff:/ { print $2 }' "/proc/$(prop MainPID)/status"; }
if [ "$paranoid" -gt 2 ]; then
	echo 2 >/proc/sys/kernel/perf_event_paranoid
	check service_start_paranoid_2 "systemctl start failed with perf_event_paranoid=2" \
		timeout 120 systemctl start "$U"
	check_eq paranoid_2_drops_sys_admin "$(printf '%016x' $((bnd & ~(1 << 21))))" "$(caps_of_main)"
	check_eq paranoid_2_attach_kmalloc raw_tracepoint \
		"$(kmemscope status --json 2>/dev/null | jq -r .attach.kmalloc)"
	# a changed tracer setting reattaches the programs: without CAP_SYS_ADMIN now
	echo "track_live = no" >>"$CONF"
	since=$(date '+%Y-%m-%d %H:%M:%S')
	systemctl reload "$U"
	for _ in $(seq 60); do
		journalctl -u "$U" --since "$since" --no-pager | grep -qE 'reattached|cannot attach' && break
		sleep 0.5
	done
	check paranoid_2_reattach "no 'BPF programs reattached' after a reload with track_live = no" \
		bash -c "journalctl -u $U --since '$since' --no-pager | grep -q 'BPF programs reattached'"
	check_eq paranoid_2_reattach_kmalloc "raw_tracepoint active" \
		"$(kmemscope status --json 2>/dev/null | jq -r .attach.kmalloc) $(prop ActiveState)"
	sed -i '/^track_live = no$/d' "$CONF"
	timeout 60 systemctl stop "$U"
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid

	# --- without CAP_SYS_ADMIN where perf_event_open() needs it -----------------
	# kmalloc and kmem_cache attach as raw tracepoints, which do not go
	# through perf_event_open(): the service runs, vmalloc (kprobes) is off
	# and the journal says why.
	d=/run/systemd/system/$U.d
	mkdir -p "$d"
	printf '[Service]\nCapabilityBoundingSet=~CAP_SYS_ADMIN\nRestart=no\n' >"$d/test.conf"
	systemctl daemon-reload
	timeout 120 systemctl start "$U" 2>/dev/null
	check_eq no_sys_admin_active active "$(prop ActiveState)"
	check_eq no_sys_admin_attach "raw_tracepoint raw_tracepoint off" \
		"$(kmemscope status --json 2>/dev/null | jq -r '"\(.attach.kmalloc) \(.attach.kmem_cache) \(.attach.vmalloc)"')"
	check no_sys_admin_says_why "the journal does not name kernel.perf_event_paranoid for vmalloc" \
		bash -c "journalctl -u $U -b --no-pager | grep -q 'vmalloc not traced: kernel.perf_event_paranoid=$paranoid'"
	timeout 60 systemctl stop "$U"
	# only vmalloc asked for: nothing can attach, a failed start, not READY=1
	echo "allocators = vmalloc" >>"$CONF"
	timeout 120 systemctl start "$U" 2>/dev/null
	check_eq no_sys_admin_vmalloc_only_fails "failed exit-code 1" "$(prop ActiveState) $(prop Result) $(prop ExecMainStatus)"
	check no_sys_admin_vmalloc_only_says_why "the journal does not name kernel.perf_event_paranoid" \
		bash -c "journalctl -u $U -b --no-pager | grep -q 'no allocator could be attached: kernel.perf_event_paranoid=$paranoid'"
	sed -i '/^allocators = vmalloc$/d' "$CONF"
	rm -r "$d"
	systemctl daemon-reload
	systemctl reset-failed "$U"
else
	say "SKIP: paranoid_3: kernel.perf_event_paranoid is $paranoid here, not Debian's 3"
fi
finish
