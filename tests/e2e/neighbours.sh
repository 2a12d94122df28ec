#!/bin/bash
# Noisy neighbours: what a busy production machine runs beside kmemscope.
# Another kmemscope, bpftrace on the kmem tracepoints and a tracefs instance
# with the kmem and vmalloc events enabled all share the tracepoints (the
# kernel then calls every probe through __traceiter_*) and the machine's
# allocation sites. tests/run.sh sources this file and runs its second pass
# over the e2e scripts between neighbours_start and neighbours_stop; by hand:
#   flock /tmp/kmemscope-e2e.lock bash tests/e2e/neighbours.sh bash tests/e2e/faults.sh
# Prints PASS/FAIL lines named neighbours_* for the runner.
# shellcheck shell=bash

NB_DIR=""
NB_KMS_PID="" NB_BPFTRACE_PID="" NB_INSTANCE=""

# wait until FILE holds PATTERN while PID lives (at most 20 s)
nb_wait_for() { # pid, file, pattern
	local _
	for _ in $(seq 1 400); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

nb_started() { # name, pid, file, pattern: the PASS/FAIL line of a start
	if nb_wait_for "$2" "$3" "$4"; then
		echo "PASS: $1"
	else
		echo "FAIL: $1: did not start: $(tail -1 "$3")"
	fi
}

nb_check() { # name, condition-description, command...
	local name=$1 why=$2
	shift 2
	if "$@" >/dev/null 2>&1; then echo "PASS: $name"; else echo "FAIL: $name: $why"; fi
}

nb_tracefs() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$d/instances" ] && { echo "$d"; return 0; }
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && echo /sys/kernel/tracing
}

# Start the three neighbours; each gets a PASS/FAIL line saying it runs.
neighbours_start() { # kmemscope binary
	local kms=$1 t
	NB_DIR=$(mktemp -d /tmp/kms-neighbours.XXXXXX)

	"$kms" record -i 1 -d 86400 >/dev/null 2>"$NB_DIR/kms.err" &
	NB_KMS_PID=$!
	nb_started neighbours_kmemscope_attached "$NB_KMS_PID" "$NB_DIR/kms.err" "Hit Ctrl-C to end"

	if command -v bpftrace >/dev/null; then
		bpftrace -e 'tracepoint:kmem:kmalloc,tracepoint:kmem:kmem_cache_alloc { @a[args->call_site] = count(); }
			tracepoint:kmem:kfree,tracepoint:kmem:kmem_cache_free { @f[args->call_site] = count(); }
			tracepoint:vmalloc:alloc_vmap_area { @v = count(); }' \
			>"$NB_DIR/bpftrace.out" 2>&1 &
		NB_BPFTRACE_PID=$!
		nb_started neighbours_bpftrace_attached "$NB_BPFTRACE_PID" "$NB_DIR/bpftrace.out" "^Attaching"
	else
		echo "FAIL: neighbours_bpftrace_attached: bpftrace is not installed (scripts/install-deps.sh test)"
	fi

	t=$(nb_tracefs)
	if [ -n "$t" ] && mkdir -p "$t/instances/kms-neighbour" 2>/dev/null; then
		NB_INSTANCE=$t/instances/kms-neighbour
		nb_check neighbours_tracefs_instance "cannot enable kmem and vmalloc events in $NB_INSTANCE" \
			bash -c "echo 1 >'$NB_INSTANCE/events/kmem/enable' && echo 1 >'$NB_INSTANCE/events/vmalloc/enable' &&
				echo 1 >'$NB_INSTANCE/tracing_on'"
	else
		echo "FAIL: neighbours_tracefs_instance: cannot create a tracefs instance (tracefs: '${t:-not mounted}')"
	fi
}

# Stop them; each must have run to the end (still alive, a clean exit).
neighbours_stop() {
	local rc
	if [ -n "$NB_KMS_PID" ]; then
		nb_check neighbours_kmemscope_survived "the neighbour kmemscope died during the pass" kill -INT "$NB_KMS_PID"
		wait "$NB_KMS_PID"
		rc=$?
		[ "$rc" -eq 0 ] && echo "PASS: neighbours_kmemscope_exit_0" ||
			echo "FAIL: neighbours_kmemscope_exit_0: exit status $rc: $(tail -1 "$NB_DIR/kms.err")"
		NB_KMS_PID=""
	fi
	if [ -n "$NB_BPFTRACE_PID" ]; then
		nb_check neighbours_bpftrace_survived "bpftrace died during the pass" kill -INT "$NB_BPFTRACE_PID"
		wait "$NB_BPFTRACE_PID" 2>/dev/null
		NB_BPFTRACE_PID=""
	fi
	if [ -n "$NB_INSTANCE" ]; then
		echo 0 >"$NB_INSTANCE/tracing_on" 2>/dev/null
		echo 0 >"$NB_INSTANCE/events/kmem/enable" 2>/dev/null
		echo 0 >"$NB_INSTANCE/events/vmalloc/enable" 2>/dev/null
		nb_check neighbours_tracefs_removed "cannot remove $NB_INSTANCE" rmdir "$NB_INSTANCE"
		NB_INSTANCE=""
	fi
	[ -n "$NB_DIR" ] && rm -rf "$NB_DIR"
	NB_DIR=""
}

# Executed (not sourced): run the command with the neighbours around it.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
	build=${KMS_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
	trap neighbours_stop EXIT
	trap 'exit 130' INT TERM
	neighbours_start "$build/kmemscope"
	KMS_BUILD=$build "$@"
	exit $?
fi
