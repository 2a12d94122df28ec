#!/bin/bash
# Bad input and lifecycle: usage errors exit 2 with one clear line, an
# unwritable --output fails before anything is attached, missing privileges
# name the capability, and no BPF program of ours survives any exit path.
source "$(dirname "$0")/lib.sh"
need_root_bpf cli

bad_args=(--bogus "-d abc" "-d -1" "-d 0" "-i 0" "-i x" "--top -3" "--top 1e3" "--sort size"
	"-a foo" "-a ," "--vmalloc-mode x" "--live-entries 0" "--live-entries 99999999999"
	"--site-entries -5" "-o" "extra" "--page-order 99" "--pagetype-period 0" "--corr-window 2"
	"--corr-lag x" "--corr-lag 60" "--ringbuf-size 1000" "--ringbuf-size 12288" "-i ''"
	"--duration 1e999" "--top 18446744073709551616" "--kmem-mode x" "--kmem-mode" "--life-sample 3"
	"--life-sample 0" "--life-sample -16" "--life-sample 131072" "--life-sample ''")
for a in "${bad_args[@]}"; do
	# shellcheck disable=SC2086
	"$KMS" record $a >"$TMP/o" 2>"$TMP/e"
	rc=$?
	check_eq "usage_exit_2 [$a]" 2 $rc
	check "usage_message [$a]" "no clear error line" \
		grep -qE "^kmemscope record: (invalid|unknown|unexpected|option)" "$TMP/e"
done
# every command: a bad value is one line naming the option and the value, exit 2
other_bad=("top --delay 0" "top -i x" "top -d 1" "top --once --sort size" "top --page-order 11"
	"report --top x" "report -c foo" "status -s /x" "status --command foo"
	"daemon --interval 0" "daemon --state-dir rel" "daemon --life-sample 3" "daemon extra")
for a in "${other_bad[@]}"; do
	# shellcheck disable=SC2086
	"$KMS" $a </dev/null >"$TMP/o" 2>"$TMP/e"
	rc=$?
	check_eq "usage_exit_2 [$a]" 2 $rc
	check "usage_message [$a]" "no clear error line: $(head -1 "$TMP/e")" \
		grep -qE "^kmemscope ${a%% *}: (invalid --[a-z-]+ '[^']*': expected|unknown option|unexpected argument|option)" "$TMP/e"
done
# the same setting has the same range everywhere (page order 0..10, one message shape)
for c in record top daemon; do
	"$KMS" $c --page-order 11 </dev/null >/dev/null 2>"$TMP/e"
	check "page_order_range [$c]" "$(head -1 "$TMP/e")" grep -q "invalid --page-order '11': expected 0 .. 10" "$TMP/e"
done
# every command's --help exits 0 and lists the tracing options where it traces
for c in record top daemon report status; do
	"$KMS" $c --help >"$TMP/o" 2>&1
	check_eq "help_exit_0 [$c]" 0 $?
done
for c in top daemon; do
	"$KMS" $c --help >"$TMP/o" 2>&1
	check "help_tracing_options [$c]" "no --ringbuf-size/--no-frag in $c --help" \
		grep -q -- "--ringbuf-size.*" "$TMP/o"
done
"$KMS" daemon --help | grep -q -- "-c, --config" && ! "$KMS" report --help | grep -q -- "-c," &&
	! "$KMS" status --help | grep -q -- "-s,"
check_eq short_letters_one_meaning 0 $?

"$KMS" nosuchcommand >/dev/null 2>&1
check_eq unknown_command_exit_2 2 $?
"$KMS" record --help >"$TMP/o" 2>&1
check_eq help_exit_0 0 $?
check help_lists_sort_keys "help lacks the sort keys" grep -q "pingpong" "$TMP/o"

# one sort vocabulary: the old spelling frag is slack_pct, and every command
# that sorts takes the shared words (report here, on a fixture: no tracing)
fix="$(dirname "$0")/../data/synthetic-frag.ndjson"
"$KMS" report -s frag "$fix" >"$TMP/frag.txt" 2>&1
check_eq sort_old_spelling_exit_0 0 $?
"$KMS" report -s slack_pct "$fix" >"$TMP/pct.txt" 2>&1
check sort_old_spelling_same "report -s frag differs from -s slack_pct" \
	cmp -s <(grep -v "sorted by" "$TMP/frag.txt") <(grep -v "sorted by" "$TMP/pct.txt")
# (--help after --sort: exit 0 only when the word was taken)
for c in "record -s live_bytes -d 0.2" "record -s frag --help" "report -s live_bytes $fix" \
	"top -s slack_pct --help" "top -s frag --help" "top -s slack --help" "top -s live_bytes --help"; do
	# shellcheck disable=SC2086
	"$KMS" $c </dev/null >/dev/null 2>"$TMP/e"
	check_eq "sort_shared_word [$c]" 0 $?
done
for c in "record -s avg_req --help" "report -s caller --help" "top -s size --help"; do
	# shellcheck disable=SC2086
	"$KMS" $c </dev/null >/dev/null 2>"$TMP/e"
	check_eq "sort_word_refused [$c]" 2 $?
done

# durations take the config file's suffixes on the command line
"$KMS" record -d 1s -i 500ms >"$TMP/o" 2>"$TMP/e"
check_eq duration_suffix_bad_unit_exit_2 2 $?
start=$(date +%s.%N)
"$KMS" record -d 0.02m -i 0.5s >"$TMP/o" 2>"$TMP/e"
check_eq duration_suffix_exit_0 0 $?
check duration_suffix_took_1s "0.02m did not stop after about 1.2s" \
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s > 1 && e - s < 10) }'
check duration_suffix_summary "no summary" grep -q SUMMARY "$TMP/o"

# '-' is stdout (record -o, report --html) and stdin (report)
"$KMS" record -d 1 -o - >"$TMP/dash.ndjson" 2>"$TMP/dash.err"
check_eq output_dash_exit_0 0 $?
check_eq output_dash_header header "$(head -1 "$TMP/dash.ndjson" | jq -r .type 2>/dev/null)"
check output_dash_table_on_stderr "the table is not on stderr" grep -q SUMMARY "$TMP/dash.err"
check output_dash_only_records "stdout has lines that are not JSON" \
	bash -c "jq -e . '$TMP/dash.ndjson' >/dev/null"
"$KMS" report --html - - <"$TMP/dash.ndjson" >"$TMP/dash.html" 2>"$TMP/e"
check_eq html_dash_exit_0 0 $?
check html_dash_stdout "no HTML on stdout" grep -qi "<html" "$TMP/dash.html"

# unwritable output: refused before any BPF program is loaded
"$KMS" record -v -d 1 -o /nonexistent-dir/out.ndjson >"$TMP/o" 2>"$TMP/e"
check_eq unwritable_output_exit_1 1 $?
check unwritable_output_names_file "error does not name the file" grep -q "/nonexistent-dir/out.ndjson" "$TMP/e"
check unwritable_output_before_attach "programs were attached first" \
	bash -c "! grep -qE 'Tracing|attach modes|vmalloc:' '$TMP/e'"

# no privileges: the message names the capability
cp "$KMS" "$TMP/kms" && chmod 755 "$TMP" "$TMP/kms"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TMP/kms" record -d 1 >"$TMP/o" 2>"$TMP/e"
check_eq unprivileged_exit_1 1 $?
check unprivileged_names_capability "message does not name CAP_BPF" grep -q "CAP_BPF" "$TMP/e"

# nothing could be attached: exit 1 with the reason and the fix, not an
# empty table with status 0 (fentry is refused on kernels without
# trampolines; where it works there is nothing to refuse)
"$KMS" record -d 1 -a vmalloc --vmalloc-mode fentry -o "$TMP/none.ndjson" >"$TMP/o" 2>"$TMP/e"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(head -1 "$TMP/none.ndjson" | jq -r .attach.vmalloc)" = fentry ]; then
	skip nothing_attached_exit_1 "fentry attaches on this kernel"
else
	check_eq nothing_attached_exit_1 1 $rc
	check nothing_attached_says_why "no one-line error naming the refused fentry mode and the fix" \
		grep -qE "error: no allocator could be attached.*fentry.*--vmalloc-mode auto" "$TMP/e"
	check nothing_attached_no_table "a table was printed" bash -c "! grep -q SUMMARY '$TMP/o'"
fi

# every way of ending leaves nothing loaded: the programs this recorder
# held, not those of other tracers that may run beside the test
start_record -d 1 || { fail start "record did not start"; exit 1; }
wait "$REC_PID"
check_eq duration_exit_0 0 $?
REC_PID=""
check duration_prints_summary "no summary after --duration" grep -q SUMMARY "$TMP/rec.out"
check_eq duration_no_programs_left 0 "$(rec_progs_left)"
start_record || { fail start "record did not start"; exit 1; }
check loaded_while_running "the recorder holds no kms_ programs while recording" \
	test "$(rec_prog_names | grep -c '^kms_')" -gt 0
kill -TERM "$REC_PID"
wait "$REC_PID"
check_eq sigterm_exit_0 0 $?
REC_PID=""
check_eq sigterm_no_programs_left 0 "$(rec_progs_left)"
start_record || { fail start "record did not start"; exit 1; }
kill -KILL "$REC_PID"
wait "$REC_PID" 2>/dev/null
REC_PID=""
sleep 0.2
# links and programs are file descriptors: the kernel drops them with the process
check_eq sigkill_no_programs_left 0 "$(rec_progs_left)"
