#!/bin/bash
# The report's libFuzzer target (make fuzz: ASan + UBSan) for a fixed time on
# the corpus in tests/fuzz/report: PASS when nothing crashed, leaked, hung or
# hit undefined behaviour. New inputs go to a temporary copy, so the checked-in
# corpus only changes when someone adds to it on purpose.
# KMS_FUZZ_SECONDS overrides the time (default 20).
source "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${KMS_FUZZ_SECONDS:-20}
bin=$KMS_BUILD/fuzz/report_fuzz

if ! make -s -C "$top" OUT="$KMS_BUILD" fuzz >"$TMP/build.log" 2>&1; then
	if grep -q "libclang_rt.fuzzer\|fsanitize=fuzzer" "$TMP/build.log"; then
		skip fuzz_report "clang cannot link libFuzzer (install libclang-rt-14-dev: scripts/install-deps.sh test)"
		exit 0
	fi
	fail fuzz_build "make fuzz failed: $(tail -3 "$TMP/build.log" | tr '\n' ' ')"
	exit 0
fi
pass fuzz_build

mkdir -p "$TMP/corpus" "$TMP/artifacts"
timeout $((secs + 120)) "$bin" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	-rss_limit_mb=2048 -dict="$top/tests/fuzz/report.dict" -artifact_prefix="$TMP/artifacts/" \
	-print_final_stats=1 "$TMP/corpus" "$top/tests/fuzz/report" >"$TMP/fuzz.log" 2>&1
rc=$?
runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$TMP/fuzz.log" | grep -oE '[0-9]+$')
if [ $rc -eq 0 ] && [ -z "$(ls "$TMP/artifacts")" ]; then
	pass "fuzz_report (${runs:-?} runs in ${secs}s, no crash)"
else
	grep -E 'ERROR|runtime error|SUMMARY' "$TMP/fuzz.log" | head -5
	for a in "$TMP"/artifacts/*; do
		[ -e "$a" ] && echo "reproducer ($(basename "$a")), base64: $(head -c 3000 "$a" | base64 -w0)"
	done
	fail fuzz_report "the fuzzer found a problem (exit $rc), see above"
fi
