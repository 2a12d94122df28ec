# Helpers for the end-to-end tests (sourced). Each check prints one
# "PASS: name", "FAIL: name: why" or "SKIP: name: why" line for tests/run.sh.
# shellcheck shell=bash
set -u
KMS_BUILD=${KMS_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
KMS=$KMS_BUILD/kmemscope
WL=$KMS_BUILD/tests
TMP=$(mktemp -d /tmp/kms-e2e.XXXXXX)
REC_PID=""
REC_PROGS="" # program ids REC_PID held once attached

cleanup() {
	[ -n "$REC_PID" ] && kill -INT "$REC_PID" 2>/dev/null && wait "$REC_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }
check() { # name, condition-description, command...
	local name=$1 why=$2
	shift 2
	if "$@" >/dev/null; then pass "$name"; else fail "$name" "$why"; fi
}
check_eq() { # name, expected, actual
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# poll until the command succeeds; false after $1 seconds
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

need_root_bpf() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "${1:-e2e}" "needs root to load BPF programs (run: sudo make test)"
		exit 0
	fi
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		skip "${1:-e2e}" "kernel has no BTF (/sys/kernel/btf/vmlinux), CO-RE cannot load"
		exit 0
	fi
}

# smallest kmalloc size class >= $1, from this kernel's /proc/slabinfo
size_class() {
	awk -v s="$1" '$1 ~ /^kmalloc-[0-9]+k?$/ {
		n = substr($1, 9); if (n ~ /k$/) n = substr(n, 1, length(n) - 1) * 1024
		if (n + 0 >= s + 0 && (best == "" || n + 0 < best)) best = n + 0
	} END { print best }' /proc/slabinfo
}

# Hold the e2e lock (one e2e run at a time on a machine). It is held
# already when an inherited fd names it: tests/run.sh's fd 9, or the fd of
# `flock /tmp/kmemscope-e2e.lock bash tests/e2e/X.sh`; taking it again on a
# new fd would wait for ourselves forever.
take_e2e_lock() {
	local fd
	for fd in /proc/$$/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = /tmp/kmemscope-e2e.lock ] && return 0
	done
	exec 9>/tmp/kmemscope-e2e.lock
	flock 9
}

# Start `kmemscope record ARGS` in the background; wait until it is attached.
start_record() {
	# a previous run's rec.err says "Hit Ctrl-C" too, and the loop below may
	# look before the new process has truncated it
	rm -f "$TMP/rec.out" "$TMP/rec.err"
	"$KMS" record "$@" >"$TMP/rec.out" 2>"$TMP/rec.err" &
	REC_PID=$!
	REC_PROGS=""
	for _ in $(seq 1 200); do
		if grep -q "Hit Ctrl-C to end" "$TMP/rec.err" 2>/dev/null; then
			# attached by now: its programs, told from other tracers' by id
			REC_PROGS=$(prog_ids_of "$REC_PID")
			return 0
		fi
		kill -0 "$REC_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "kmemscope record did not start:" >&2
	cat "$TMP/rec.err" >&2
	return 1
}

# SIGINT the recorder and wait for it; returns its exit status.
stop_record() {
	local rc
	kill -INT "$REC_PID"
	wait "$REC_PID"
	rc=$?
	REC_PID=""
	return $rc
}

# BPF program ids a process holds (its program and link fds): its own, not
# those of another kmemscope or tracer on the machine (and bpftool here may
# not list owners)
prog_ids_of() { # pid
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}
loaded_ids() { bpftool prog show 2>/dev/null | awk -F: '/^[0-9]+:/{print $1}'; }
still_loaded() { # ids...: how many of them are still loaded
	local n=0 id all
	all=$(loaded_ids)
	for id in "$@"; do grep -qx "$id" <<<"$all" && n=$((n + 1)); done
	echo $n
}

# How many programs of the last start_record are still loaded; "none
# recorded" when it held none, so that a check for 0 cannot pass on a
# recorder that loaded nothing. (Program ids are not reused soon: the kernel
# allocates them cyclically.)
rec_progs_left() {
	if [ -z "$REC_PROGS" ]; then
		echo "none recorded"
		return
	fi
	# shellcheck disable=SC2086 # one id a word
	still_loaded $REC_PROGS
}

# Names of the last start_record's programs that are loaded now.
rec_prog_names() {
	local id
	for id in $REC_PROGS; do
		bpftool prog show id "$id" 2>/dev/null | sed -nE 's/^[0-9]+: .* name ([^ ]+) .*/\1/p'
	done
}


# smallest kmalloc size class >= $1, from this kernel's /proc/slabinfo
size_class() {
	awk -v s="$1" '$1 ~ /^kmalloc-[0-9]+k?$/ {
		n = substr($1, 9); if (n ~ /k$/) n = substr(n, 1, length(n) - 1) * 1024
		if (n + 0 >= s + 0 && (best == "" || n + 0 < best)) best = n + 0
	} END { print best }' /proc/slabinfo
}

tracefs() {
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$d/events" ] && { echo "$d"; return 0; }
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && echo /sys/kernel/tracing
}

# Run a QEMU test of tests/kernels/ on the build; its exit status 77 means
# skipped (it printed a SKIP line saying why), which is not a failure here.
run_guest_test() { # script
	local rc
	bash "$(dirname "${BASH_SOURCE[0]}")/../kernels/$1" "$KMS_BUILD"
	rc=$?
	[ "$rc" -eq 77 ] && return 0
	return "$rc"
}

# The smallest kmalloc size class >= $1, from this kernel's /proc/slabinfo.
kmalloc_size_class() {
	awk -v s="$1" '$1 ~ /^kmalloc-[0-9]+k?$/ {
		n = substr($1, 9); if (n ~ /k$/) n = substr(n, 1, length(n) - 1) * 1024
		if (n + 0 >= s + 0 && (best == "" || n + 0 < best)) best = n + 0
	} END { print best }' /proc/slabinfo
}
