#!/bin/bash
# The libFuzzer targets (make fuzz: ASan + UBSan) for a fixed time each on
# their corpus in tests/fuzz/NAME: the report's NDJSON reader and the
# daemon's config parser. PASS when nothing crashed, leaked, hung or hit
# undefined behaviour. New inputs go to a temporary copy, so the checked-in
# corpora only change when someone adds to them on purpose.
# KMS_FUZZ_SECONDS overrides the time per target (default 20).
source "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${KMS_FUZZ_SECONDS:-20}

if ! make -s -C "$top" OUT="$KMS_BUILD" fuzz >"$TMP/build.log" 2>&1; then
	if grep -q "libclang_rt.fuzzer\|fsanitize=fuzzer" "$TMP/build.log"; then
		skip fuzz "clang cannot link libFuzzer (install libclang-rt-14-dev: scripts/install-deps.sh test)"
		exit 0
	fi
	fail fuzz_build "make fuzz failed: $(tail -3 "$TMP/build.log" | tr '\n' ' ')"
	exit 0
fi
pass fuzz_build

fuzz_one() { # name max_len
	local name=$1 rc runs
	mkdir -p "$TMP/$name/corpus" "$TMP/$name/artifacts"
	timeout $((secs + 120)) "$KMS_BUILD/fuzz/${name}_fuzz" -max_total_time="$secs" \
		-max_len="$2" -timeout=10 -rss_limit_mb=2048 -dict="$top/tests/fuzz/$name.dict" \
		-artifact_prefix="$TMP/$name/artifacts/" -print_final_stats=1 \
		"$TMP/$name/corpus" "$top/tests/fuzz/$name" >"$TMP/$name.log" 2>&1
	rc=$?
	runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$TMP/$name.log" | grep -oE '[0-9]+$')
	if [ $rc -eq 0 ] && [ -z "$(ls "$TMP/$name/artifacts")" ]; then
		pass "fuzz_$name (${runs:-?} runs in ${secs}s, no crash)"
		return
	fi
	grep -E 'ERROR|runtime error|SUMMARY' "$TMP/$name.log" | head -5
	for a in "$TMP/$name"/artifacts/*; do
		[ -e "$a" ] && echo "reproducer ($(basename "$a")), base64: $(head -c 3000 "$a" | base64 -w0)"
	done
	fail "fuzz_$name" "the fuzzer found a problem (exit $rc), see above"
}

fuzz_one report 16384
fuzz_one config 4096
