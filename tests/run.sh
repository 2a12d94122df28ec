#!/bin/bash
# Test runner: cmocka unit tests, then the end-to-end scripts against the
# real kernel. Ends with "N passed, N failed, N skipped".
# Usage: tests/run.sh [--unit-only] BUILD_DIR
set -u
unit_only=0
if [ "${1:-}" = --unit-only ]; then unit_only=1; shift; fi
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
passed=0 failed=0 skipped=0
failures=()

count_output() { # name, output file, exit code
	local name=$1 out=$2 rc=$3 p f s
	p=$(grep -cE '^\[       OK \]|^PASS: ' "$out")
	f=$(grep -cE '^\[  FAILED  \] [^0-9]|^FAIL: ' "$out")
	s=$(grep -cE '^\[  SKIPPED \] [^0-9]|^SKIP: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed or exited early without saying which check failed
		f=1
		echo "FAIL: $name exited with status $rc" >>"$out"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then failures+=("$name"); fi
}

run_one() { # name, command...
	local name=$1 out rc
	shift
	out=$(mktemp)
	echo "=== $name"
	timeout "${KMS_TEST_TIMEOUT:-600}" "$@" >"$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	count_output "$name" "$out" "$rc"
	rm -f "$out"
}

run_fn() { # name, shell function...: run_one for a function of this shell
	local name=$1 out
	shift
	out=$(mktemp)
	echo "=== $name"
	"$@" >"$out" 2>&1
	sed 's/^/    /' "$out"
	count_output "$name" "$out" 0
	rm -f "$out"
}

# The e2e scripts again, while another kmemscope, bpftrace and a tracefs
# instance use the same tracepoints (tests/e2e/neighbours.sh): a busy
# machine. Not the QEMU guests (their own kernel), fuzzing, the soak
# (kmemscope alone under stress; they would double the suite's time) or
# hostile.sh (files and names, not tracing).
neighbour_pass() {
	source tests/e2e/neighbours.sh
	trap neighbours_stop EXIT
	run_fn neighbours/start neighbours_start "$top/$build/kmemscope"
	for t in tests/e2e/*.sh; do
		case $(basename "$t") in
		lib*.sh | neighbours.sh | kernels.sh | systemd.sh | fuzz.sh | soak.sh | hostile.sh) continue ;;
		esac
		run_one "neighbours/$(basename "$t" .sh)" env KMS_BUILD="$top/$build" bash "$t"
	done
	run_fn neighbours/stop neighbours_stop
	trap - EXIT
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done

if [ "$unit_only" -eq 0 ]; then
	run_one static bash tests/static.sh "$build"
	# the e2e tests look at system-wide state (loaded BPF programs, tracefs):
	# one run at a time on a machine
	exec 9>/tmp/kmemscope-e2e.lock
	flock 9
	for t in tests/e2e/*.sh; do
		case $(basename "$t") in lib*.sh | neighbours.sh) continue ;; esac
		# a script may ask for more than 10 minutes ("# timeout: SECONDS")
		KMS_TEST_TIMEOUT=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -1) \
			run_one "$(basename "$t" .sh)" env KMS_BUILD="$top/$build" bash "$t"
	done
	neighbour_pass
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
