#!/bin/bash
# Sampled kernel stacks (--stack-sample): a default recording of the msgq
# workload has stacks on kmalloc and kmem_cache sites; msgsnd's kmalloc at
# load_msg shows do_msgsnd above it in report --folded; the folded lines'
# estimates add up to the sites' exact totals (bytes and allocations); the
# stacks' drop counter is reported; --stack-sample 0 records none.
source "$(dirname "$0")/lib.sh"
need_root_bpf stacks

K=300
SIZES="16 100 1000 3000"

# --- default: sampled stacks -----------------------------------------------
out=$TMP/out.ndjson
start_record -i 0.5 -o "$out" || { fail stacks_start "record did not start"; exit 1; }
"$WL/msgq" $K $SIZES || fail stacks_workload "workload failed"
sleep 1.2
stop_record
check_eq stacks_record_exit 0 $?

check_eq stacks_default_sample 128 "$(head -1 "$out" | jq -r .settings.stack_sample)"
for kind in kmalloc kmem_cache; do
	check "stacks_on_$kind" "no $kind site record has sampled stacks" \
		jq -se --arg k "$kind" 'any(.[]; .type == "site" and .kind == $k and ((.stacks // []) | length) > 0)' "$out"
done
# the sampled stacks start at their call site: the site's own frame first
check stacks_start_at_site "a kmalloc/kmem_cache stack does not start at its call site" \
	jq -se '[.[] | select(.type == "site" and .kind != "vmalloc") | .site as $s
		| (.stacks // [])[] | .stack[0] == $s] | all' "$out"
# over the recording (an interval's sample may be read just before its site's count)
check stacks_sampled_le_site "a site's sampled allocations exceed its exact count" \
	jq -se '[.[] | select(.type == "site" and .kind != "vmalloc")]
		| group_by([.kind, .cache, .site]) | all(([.[].stacks // [] | .[].allocs] | add // 0) <= ([.[].allocs] | add))' "$out"

"$KMS" report --folded "$out" >"$TMP/folded" 2>"$TMP/err"
check_eq folded_exit 0 $?
check folded_msgsnd "no folded stack with do_msgsnd above load_msg" \
	grep -qE '(^|;)do_msgsnd\+0x[0-9a-f]+;(.*;)?load_msg\+0x[0-9a-f]+ [0-9]+$' "$TMP/folded"
check folded_many_stacks "fewer than 10 multi-frame folded lines" \
	test "$(grep -cE '^[^ ]+;[^ ]+ [0-9]+$' "$TMP/folded")" -ge 10

# the estimates add up to the exact totals: per msg site, and over all sites
sum_folded() { awk '{ s += $NF } END { print s + 0 }'; }
msg_alloc=$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc" and .caller == "load_msg") | .bytes_alloc] | add // 0' "$out")
msg_allocs=$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc" and .caller == "load_msg") | .allocs] | add // 0' "$out")
check_eq msg_allocs_exact $((K * $(echo $SIZES | wc -w))) "$msg_allocs"
check_eq folded_msg_bytes_sum "$msg_alloc" "$(grep -E ';load_msg\+0x[0-9a-f]+ [0-9]+$|^load_msg\+0x[0-9a-f]+ [0-9]+$' "$TMP/folded" | sum_folded)"
"$KMS" report --folded --weight count "$out" >"$TMP/folded_count"
check_eq folded_msg_count_sum "$msg_allocs" "$(grep -E '(^|;)load_msg\+0x[0-9a-f]+ [0-9]+$' "$TMP/folded_count" | sum_folded)"
all_alloc=$(jq -s '[.[] | select(.type == "site") | .bytes_alloc] | add // 0' "$out")
all_allocs=$(jq -s '[.[] | select(.type == "site") | .allocs] | add // 0' "$out")
check_eq folded_all_bytes_sum "$all_alloc" "$(sum_folded <"$TMP/folded")"
check_eq folded_all_count_sum "$all_allocs" "$(sum_folded <"$TMP/folded_count")"
"$KMS" report --folded --weight slack "$out" >"$TMP/folded_slack"
all_slack=$(jq -s '[.[] | select(.type == "site") | .slack] | add // 0' "$out")
check_eq folded_all_slack_sum "$all_slack" "$(sum_folded <"$TMP/folded_slack")"
check folded_live_bytes "report --folded --weight live_bytes failed" \
	"$KMS" report --folded --weight live_bytes "$out"

# the stacks' drop counter: in every interval record and in the report
check drops_stacks_field "an interval record lacks drops.stacks" \
	jq -se 'all(.[] | select(.type == "interval"); .drops.stacks | type == "number")' "$out"
"$KMS" report "$out" >"$TMP/report" 2>&1
check drops_stacks_report "the report's Drops line lacks stacks" grep -qE 'Drops .*stacks [0-9]+' "$TMP/report"
check_eq no_programs_left 0 "$(rec_progs_left)"

# --- --stack-sample 0: no sampled stacks -------------------------------------
off=$TMP/off.ndjson
start_record -i 0.5 --stack-sample 0 -o "$off" || { fail off_start "record did not start"; exit 1; }
"$WL/msgq" 50 100 || fail off_workload "workload failed"
sleep 0.6
stop_record
check_eq off_record_exit 0 $?
check_eq off_header_sample 0 "$(head -1 "$off" | jq -r .settings.stack_sample)"
check_eq off_no_stacks 0 "$(jq -s '[.[] | select(.type == "site" and .kind != "vmalloc" and .stacks)] | length' "$off")"
check_eq off_msg_allocs 50 "$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc" and .caller == "load_msg") | .allocs] | add // 0' "$off")"
"$KMS" report --folded "$off" >"$TMP/off_folded" 2>/dev/null
check off_no_msgsnd_stack "a folded do_msgsnd stack without sampling" \
	bash -c "! grep -q 'do_msgsnd' '$TMP/off_folded'"
check_eq off_no_programs_left 0 "$(rec_progs_left)"

# --- bad value --------------------------------------------------------------
"$KMS" record --stack-sample -1 -o /dev/null >/dev/null 2>"$TMP/bad.err"
check_eq bad_sample_exit 2 $?
check bad_sample_message "no one-line error naming --stack-sample" grep -q -- "--stack-sample" "$TMP/bad.err"
