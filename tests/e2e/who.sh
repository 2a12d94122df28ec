#!/bin/bash
# Who allocates: --pid, --comm and --cgroup filters, --by comm / cgroup
# splits, and memcg-charged bytes, against the running kernel. Two msgq
# workloads run at the same time under their own names (copies of the
# binary), with different message sizes: each filter must count exactly
# the messages of its process at load_msg (one kmalloc(48 + N) each), none
# of the other's. Bad input is refused before anything is attached.
source "$(dirname "$0")/lib.sh"
need_root_bpf who

KA=120 SA=100 # process A: KA messages of SA bytes
KB=80 SB=1000 # process B
cp "$WL/msgq" "$TMP/kmsq_a" && cp "$WL/msgq" "$TMP/kmsq_b" || { fail who_setup "cannot copy msgq"; exit 1; }
expect() { # count size: the allocs/bytes_req/bytes_alloc of count messages of size
	echo "$1 $(($1 * (48 + $2))) $(($1 * $(kmalloc_size_class $((48 + $2)))))"
}
EXP_A=$(expect $KA $SA)
EXP_B=$(expect $KB $SB)

# Both workloads wait on a fifo, so that their pids exist (and can be put
# in a cgroup) before the recorder starts; exec keeps the pid.
start_pair() {
	mkfifo "$TMP/go_a" "$TMP/go_b"
	(read -r _ <"$TMP/go_a" && exec "$TMP/kmsq_a" $KA $SA) &
	PA=$!
	(read -r _ <"$TMP/go_b" && exec "$TMP/kmsq_b" $KB $SB) &
	PB=$!
}
run_pair() { # wait for both, after a start_record
	echo go >"$TMP/go_a" &
	echo go >"$TMP/go_b"
	wait $PA || fail who_workload_a "kmsq_a failed"
	wait $PB || fail who_workload_b "kmsq_b failed"
	rm -f "$TMP/go_a" "$TMP/go_b"
	sleep 0.6
	stop_record
}
# "allocs bytes_req bytes_alloc" at load_msg (the msg_msg site) of a file, jq filter on rows
msg_sums() { # file [extra jq condition]
	jq -sr "[.[] | select(.type == \"site\" and .kind == \"kmalloc\"
		and (.caller == \"load_msg\" or .caller == \"alloc_msg\") and (${2:-true}))]
		| \"\(map(.allocs) | add // 0) \(map(.bytes_req) | add // 0) \(map(.bytes_alloc) | add // 0)\"" "$1"
}
unmatched() { jq -s '[.[] | select(.type == "interval") | .unmatched_frees[]] | add // 0' "$1"; }

# --- --pid ------------------------------------------------------------------
out=$TMP/pid.ndjson
start_pair
start_record -i 0.5 --pid "$PA" -o "$out" || { fail who_pid_start "record did not start: $(cat "$TMP/rec.err")"; exit 1; }
run_pair
check_eq who_pid_exact "$EXP_A" "$(msg_sums "$out")"
check_eq who_pid_header "[$PA]" "$(head -1 "$out" | jq -c .settings.filter.pid)"
check_eq who_pid_no_unmatched 0 "$(unmatched "$out")"
check who_pid_table_filter "summary has no Filter line" grep -q "^  Filter  *pid $PA " "$TMP/rec.out"
check_eq who_pid_no_programs_left 0 "$(rec_progs_left)"

# --- --comm, exact and prefix ------------------------------------------------
out=$TMP/comm.ndjson
start_pair
start_record -i 0.5 --comm kmsq_b -o "$out" || { fail who_comm_start "record did not start"; exit 1; }
run_pair
check_eq who_comm_exact "$EXP_B" "$(msg_sums "$out")"
check_eq who_comm_header kmsq_b "$(head -1 "$out" | jq -r .settings.filter.comm)"
out=$TMP/prefix.ndjson
start_pair
start_record -i 0.5 --comm 'kmsq_*' -o "$out" || { fail who_prefix_start "record did not start"; exit 1; }
run_pair
read -r a1 a2 a3 <<<"$EXP_A"
read -r b1 b2 b3 <<<"$EXP_B"
check_eq who_comm_prefix_both "$((a1 + b1)) $((a2 + b2)) $((a3 + b3))" "$(msg_sums "$out")"

# --- --by comm: one row per process at the same call site --------------------
out=$TMP/by.ndjson
start_pair
start_record -i 0.5 --by comm --top 0 -o "$out" || { fail who_by_start "record did not start"; exit 1; }
run_pair
check_eq who_by_comm_a "$EXP_A" "$(msg_sums "$out" '.comm == "kmsq_a"')"
check_eq who_by_comm_b "$EXP_B" "$(msg_sums "$out" '.comm == "kmsq_b"')"
check_eq who_by_header comm "$(head -1 "$out" | jq -r .settings.by)"
check who_by_table_rows "the table (--top 0) has no kmsq_a and kmsq_b rows of load_msg" \
	test "$(grep -cE '^(load|alloc)_msg\+0x[0-9a-f]+ .* kmsq_[ab] ' "$TMP/rec.out")" -eq 2
check who_by_every_site_has_comm "a site record without comm" \
	jq -se '[.[] | select(.type == "site") | has("comm")] | all' "$out"

# report of the split recording: one comm's rows, and its total
rj=$("$KMS" report -f json --comm kmsq_a --caller 'load_msg' "$out" 2>/dev/null)
check_eq who_report_comm_owner "kmsq_a $EXP_A" \
	"$(jq -r '.owners[0] | "\(.comm) \(.allocs) \(.bytes_req) \(.bytes_alloc)"' <<<"$rj")"
check_eq who_report_comm_owners 1 "$(jq '.owners | length' <<<"$rj")"
check who_report_text_by_comm "report has no BY COMM section" \
	bash -c "'$KMS' report '$out' | grep -q '^BY COMM'"

# --by-max 1: the first comm seen keeps its rows, the others are "other"
out=$TMP/bymax.ndjson
start_pair
start_record -i 0.5 --by comm --by-max 1 --comm 'kmsq_*' -o "$out" || { fail who_bymax_start "record did not start"; exit 1; }
run_pair
check_eq who_by_max_total "$((a1 + b1)) $((a2 + b2)) $((a3 + b3))" "$(msg_sums "$out")"
check_eq who_by_max_owners 2 "$(jq -sr '[.[] | select(.type == "site") | .comm] | unique | length' "$out")"
check who_by_max_other "no \"other\" row" jq -se '[.[] | select(.type == "site" and .comm == "other")] | length > 0' "$out"

# --- charged to a memory cgroup ----------------------------------------------
# msg segments are charged: GFP_KERNEL_ACCOUNT before 6.11, SLAB_ACCOUNT
# msg_msg buckets since (seen through bpf_get_kmem_cache, 6.13+)
ch=$(jq -sr '[.[] | select(.type == "site" and (.caller == "load_msg" or .caller == "alloc_msg"))]
	| "\(map(.bytes_charged) | add) \(map(.bytes_alloc) | add)"' "$TMP/by.ndjson")
read -r charged alloc <<<"$ch"
check_eq who_msg_charged "$alloc" "$charged"
check who_summary_charged "summary has no Charged line" grep -q "^  Charged to memcg " "$TMP/rec.out"

# --- --cgroup and --by cgroup -------------------------------------------------
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$cg2" ]; then
	skip who_cgroup "no cgroup v2 hierarchy mounted"
else
	cg=$cg2/kms-who-$$
	mkdir "$cg" || fail who_cgroup_mkdir "cannot create $cg"
	out=$TMP/cg.ndjson
	start_pair
	echo "$PA" >"$cg/cgroup.procs" || fail who_cgroup_move "cannot move $PA into $cg"
	start_record -i 0.5 --cgroup "$cg" -o "$out" || { fail who_cgroup_start "record did not start: $(cat "$TMP/rec.err")"; rmdir "$cg"; exit 1; }
	run_pair
	check_eq who_cgroup_exact "$EXP_A" "$(msg_sums "$out")"
	check_eq who_cgroup_header "$cg" "$(head -1 "$out" | jq -r .settings.filter.cgroup)"
	out=$TMP/bycg.ndjson
	start_pair
	echo "$PA" >"$cg/cgroup.procs" || fail who_cgroup_move2 "cannot move $PA into $cg"
	start_record -i 0.5 --by cgroup -o "$out" || { fail who_bycg_start "record did not start"; rmdir "$cg"; exit 1; }
	run_pair
	check_eq who_by_cgroup_exact "$EXP_A" "$(msg_sums "$out" ".cgroup == \"/kms-who-$$\"")"
	rmdir "$cg" || fail who_cgroup_rmdir "cannot remove $cg"
fi

# --- the page allocator (--pages) under a filter -----------------------------
# Two copies of the fragment workload fault in 64 and 128 MiB at the same
# time; --comm keeps the first: its faults are at the fault path, the
# other's 32768 pages appear nowhere, and page frees (no owner to match)
# are not counted.
cp "$WL/fragment" "$TMP/kfrag_a" && cp "$WL/fragment" "$TMP/kfrag_b" || fail who_pages_setup "cannot copy fragment"
out=$TMP/pages.ndjson
if start_record -i 0.5 --pages --page-order 0 --comm kfrag_a -o "$out"; then
	"$TMP/kfrag_a" 64 300 >/dev/null &
	fa=$!
	"$TMP/kfrag_b" 128 300 >/dev/null || fail who_pages_workload_b "kfrag_b failed"
	wait $fa || fail who_pages_workload_a "kfrag_a failed"
	sleep 0.6
	stop_record
	pa=$((64 * 1024 * 1024 / $(getconf PAGESIZE)))
	faults=$(jq -s '[.[] | select(.type == "page_site" and (.caller | test("^(do_anonymous_page|alloc_anon_folio|do_pte_missing|__handle_mm_fault|handle_mm_fault)$")))
		| .pages] | add // 0' "$out")
	total=$(jq -s '[.[] | select(.type == "page_alloc") | .pages] | add // 0' "$out")
	echo "kfrag_a faulted $pa pages; the records: $faults at the fault path, $total in all"
	check who_pages_comm_faults "only $faults pages at the fault path (kfrag_a faulted $pa)" \
		test "$faults" -ge $((pa * 9 / 10))
	check who_pages_comm_only "$total pages allocated in the records (kfrag_a faulted $pa, kfrag_b $((2 * pa)) that must not count)" \
		test "$total" -le $((pa + pa / 10 + 2048))
	check_eq who_pages_no_frees 0 "$(jq -s '[.[] | select(.type == "page_free")] | length' "$out")"
	check who_pages_summary_note "summary does not say page frees are not counted" \
		grep -q "page frees are not counted" "$TMP/rec.out"
	check_eq who_pages_no_programs_left 0 "$(rec_progs_left)"
else
	fail who_pages_start "record --pages --comm did not start: $(head -3 "$TMP/rec.err")"
fi

# --- bad input: one line naming the problem, non-zero exit, nothing attached --
bad() { # name, expected text in the error, args...
	local name=$1 want=$2 rc
	shift 2
	"$KMS" record -o "$TMP/bad.ndjson" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	check "who_bad_${name}_exit" "exit status $rc" test "$rc" -ne 0
	check "who_bad_${name}_message" "stderr: $(head -3 "$TMP/bad.err")" grep -q -- "$want" "$TMP/bad.err"
	check "who_bad_${name}_not_attached" "it attached: $(cat "$TMP/bad.err")" \
		bash -c "! grep -q 'Hit Ctrl-C' '$TMP/bad.err' && [ ! -s '$TMP/bad.ndjson' ]"
}
true &
gone=$!
wait $gone
bad pid_gone "--pid $gone: no such process" --pid $gone
bad pid_word "invalid --pid" --pid abc
bad cgroup_not_cgroup "not a cgroup v2 directory" --cgroup /tmp
v1=$(awk '$9 == "cgroup" { print $5; exit }' /proc/self/mountinfo)
if [ -n "$v1" ]; then
	bad cgroup_v1 "not a cgroup v2 directory" --cgroup "$v1"
fi
bad cgroup_missing "No such file" --cgroup /sys/fs/cgroup/kms-no-such-dir
bad by_unknown "invalid --by" --by pid
bad comm_long "invalid --comm" --comm abcdefghijklmnopq
