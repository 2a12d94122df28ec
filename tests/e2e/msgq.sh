#!/bin/bash
# Ground truth: msgsnd of N bytes = one kmalloc(48 + N) at the msg_msg call
# site, freed by msgrcv. Checks counts, requested/allocated bytes against the
# running kernel's kmalloc size classes, the size histogram, matched frees,
# the export contract (plain and gzip) and that nothing stays loaded.
source "$(dirname "$0")/lib.sh"
need_root_bpf msgq

K=200
SIZES="16 100 1000 3000"

pow2_floor() { local v=$1 p=1; while [ $((p * 2)) -le "$v" ]; do p=$((p * 2)); done; echo $p; }

exp_req=0 exp_alloc=0
declare -A exp_bucket=()
for n in $SIZES; do
	s=$((48 + n))
	c=$(size_class $s)
	exp_req=$((exp_req + K * s))
	exp_alloc=$((exp_alloc + K * c))
	b=$(pow2_floor $s)
	exp_bucket[$b]=$((${exp_bucket[$b]:-0} + K))
done
nsizes=$(echo $SIZES | wc -w)

sum_msg_sites() { # file reader command
	"$@" | jq -s '[.[] | select(.type == "site" and .kind == "kmalloc"
			and (.caller == "load_msg" or .caller == "alloc_msg"))]
		| { allocs: (map(.allocs) | add // 0), frees: (map(.frees) | add // 0),
		    bytes_req: (map(.bytes_req) | add // 0), bytes_alloc: (map(.bytes_alloc) | add // 0),
		    slack: (map(.slack) | add // 0),
		    live: (last.live // -1),
		    sizes: (reduce (.[].sizes | to_entries[]) as $e ({}; .[$e.key] += $e.value)) }'
}

# --- plain NDJSON ---------------------------------------------------------
out=$TMP/out.ndjson
start_record -i 0.5 -o "$out" || { fail msgq_start "record did not start"; exit 1; }
"$WL/msgq" $K $SIZES || fail msgq_workload "workload failed"
sleep 1.2 # span several intervals
stop_record
check_eq record_exit_status 0 $?

r=$(sum_msg_sites cat "$out")
check_eq msg_allocs $((K * nsizes)) "$(jq .allocs <<<"$r")"
check_eq msg_matched_frees $((K * nsizes)) "$(jq .frees <<<"$r")"
check_eq msg_bytes_req $exp_req "$(jq .bytes_req <<<"$r")"
check_eq msg_bytes_alloc_size_classes $exp_alloc "$(jq .bytes_alloc <<<"$r")"
check_eq msg_slack $((exp_alloc - exp_req)) "$(jq .slack <<<"$r")"
check_eq msg_live_after_rcv 0 "$(jq .live <<<"$r")"
for b in "${!exp_bucket[@]}"; do
	check_eq "msg_size_bucket_$b" "${exp_bucket[$b]}" "$(jq -r --arg b "$b" '.sizes[$b] // 0' <<<"$r")"
done
check_eq msg_size_buckets_total $((K * nsizes)) "$(jq '[.sizes[]] | add' <<<"$r")"

# events are derived from the sites' counters: at least the workload's own
ev() { jq -s "[.[] | select(.type == \"interval\") | .events.$1] | add // 0" "$out"; }
check events_kmalloc_derived "interval events.kmalloc $(ev kmalloc) < $((K * nsizes)) msg allocations" \
	test "$(ev kmalloc)" -ge $((K * nsizes))
check events_kfree_derived "interval events.kfree $(ev kfree) < $((K * nsizes)) msg frees" \
	test "$(ev kfree)" -ge $((K * nsizes))
check_eq header_first "header 1" "$(head -1 "$out" | jq -r '"\(.type) \(.schema)"')"
check header_fields "header lacks kernel/page_size/start/attach" \
	jq -e '.kernel and .page_size and .start_ns and .attach.kmalloc and .attach.vmalloc' <(head -1 "$out")
check intervals_present "no interval records" jq -se '[.[] | select(.type == "interval")] | length >= 2' "$out"
check interval_fields "interval record lacks events/drops" \
	jq -se '[.[] | select(.type == "interval")][0] | .events.kmalloc != null and .drops.live_full != null and .drops.recursion != null' "$out"
check site_fields "site record lacks a field of the contract" \
	jq -se '[.[] | select(.type == "site")][0] | [has("kind","caller","site","allocs","frees","failed","bytes_req","bytes_alloc","slack","live","live_bytes","cross_cpu_frees","gfp","sizes")] | all' "$out"
check_eq export_mode_0600 600 "$(stat -c %a "$out")"
check table_shows_msg_site "table has no load_msg/alloc_msg row" grep -qE '^(load_msg|alloc_msg)\+0x' "$TMP/rec.out"
check summary_printed "no SUMMARY" grep -q "^  Slack  " "$TMP/rec.out"
check_eq no_programs_left 0 "$(rec_progs_left)"

# --- gzip -------------------------------------------------------------------
gz=$TMP/out.ndjson.gz
start_record -i 0.5 -o "$gz" || { fail gz_start "record did not start"; exit 1; }
"$WL/msgq" 50 100 || fail gz_workload "workload failed"
stop_record
check_eq gz_record_exit_status 0 $?
check gz_zcat_reads "zcat cannot read the export" bash -c "zcat '$gz' >/dev/null"
check_eq gz_header_first header "$(zcat "$gz" | head -1 | jq -r .type)"
check_eq gz_msg_allocs 50 "$(sum_msg_sites zcat "$gz" | jq .allocs)"
check_eq gz_mode_0600 600 "$(stat -c %a "$gz")"
check_eq gz_no_programs_left 0 "$(rec_progs_left)"

# --- raw tracepoints (default here) vs classic tracepoints -------------------
# The default attach is the raw tracepoint where the kernel's prototypes
# match (they do on 6.18); --kmem-mode tracepoint runs the classic programs,
# which must count the same. --life-sample 1 times every object: the
# lifetime histogram then holds exactly the matched frees.
check_eq default_attach_raw raw_tracepoint "$(head -1 "$out" | jq -r .attach.kmalloc)"
check_eq default_life_sample 16 "$(head -1 "$out" | jq -r .settings.life_sample)"
lt=$(jq -s '[.[] | select(.type == "site" and .caller == "load_msg") | .lifetimes_ns | to_entries[].value] | add // 0' "$out")
check default_lifetimes_sampled "sampled lifetimes $lt not in 1..$((K * nsizes))" \
	test "$lt" -ge 1 -a "$lt" -le $((K * nsizes))
tp=$TMP/tp.ndjson
start_record -i 0.5 --kmem-mode tracepoint --life-sample 1 -o "$tp" ||
	{ fail tp_start "record did not start"; exit 1; }
"$WL/msgq" $K $SIZES || fail tp_workload "workload failed"
sleep 0.6
stop_record
check_eq tp_record_exit_status 0 $?
check_eq tp_attach_tracepoint "tracepoint tracepoint" \
	"$(head -1 "$tp" | jq -r '"\(.attach.kmalloc) \(.attach.kmem_cache)"')"
r=$(sum_msg_sites cat "$tp")
check_eq tp_msg_allocs $((K * nsizes)) "$(jq .allocs <<<"$r")"
check_eq tp_msg_frees $((K * nsizes)) "$(jq .frees <<<"$r")"
check_eq tp_msg_bytes_req $exp_req "$(jq .bytes_req <<<"$r")"
check_eq tp_msg_bytes_alloc $exp_alloc "$(jq .bytes_alloc <<<"$r")"
check_eq tp_every_lifetime $((K * nsizes)) \
	"$(jq -s '[.[] | select(.type == "site" and .kind == "kmalloc" and (.caller == "load_msg" or .caller == "alloc_msg")) | .lifetimes_ns | to_entries[].value] | add // 0' "$tp")"
has_cache_names='[.[] | select(.type == "site" and .kind == "kmem_cache" and (.cache // "") != "")] | length > 0'
check raw_cache_names "no named kmem_cache site with raw tracepoints" jq -se "$has_cache_names" "$out"
check tp_cache_names "no named kmem_cache site with classic tracepoints" jq -se "$has_cache_names" "$tp"
check_eq tp_no_programs_left 0 "$(rec_progs_left)"

# --kmem-mode raw: raw tracepoints only, no classic program loaded as a fallback
rw=$TMP/raw.ndjson
start_record -i 0.5 --kmem-mode raw -o "$rw" || { fail raw_start "record did not start"; exit 1; }
names=$(rec_prog_names)
classic=$(grep -cE '^kms_(kmalloc|kmalloc_old|kmalloc_node|kfree|cache_alloc|cache_alloc_old|cache_alloc_nd|cache_free)$' <<<"$names")
[ -n "$names" ] || classic="no programs seen" # not a pass by default
"$WL/msgq" 50 100 || fail raw_workload "workload failed"
sleep 0.6
stop_record
check_eq raw_only_no_classic_programs 0 "$classic"
check_eq raw_only_attach "raw_tracepoint raw_tracepoint" \
	"$(head -1 "$rw" | jq -r '"\(.attach.kmalloc) \(.attach.kmem_cache)"')"
check_eq raw_only_msg_allocs 50 "$(sum_msg_sites cat "$rw" | jq .allocs)"
