#!/bin/bash
# `report --pprof` read by the reference client, `go tool pprof` (Debian
# golang-go): a recording of 777 msgsnd of 333 bytes (one kmalloc(48 + 333)
# each at load_msg) shows load_msg with 777 x the size class allocated and
# 777 x 381 bytes requested, and the same figures in -raw's samples; a
# --by comm recording of two named msgq copies: each one's load_msg samples
# carry its comm label and exactly its messages' figures.
source "$(dirname "$0")/lib.sh"
need_root_bpf pprof
take_e2e_lock
if ! command -v go >/dev/null; then
	skip pprof "no go command: apt-get install golang-go (scripts/install-deps.sh test)"
	exit 0
fi
export HOME=${HOME:-$TMP} PPROF_TMPDIR=$TMP

N=777 SIZE=333
req=$((48 + SIZE))
class=$(size_class $req)

start_record -i 0.5 -o "$TMP/rec.ndjson" || { fail pprof_record_start "record did not start"; exit 1; }
"$WL/msgq" $N $SIZE || fail pprof_workload "workload failed"
sleep 0.6
stop_record
check_eq pprof_record_exit_status 0 $?
# the export's own figure first: a neighbour's msgsnd would show here, not as a pprof bug
check_eq pprof_export_load_msg "$N $((N * req)) $((N * class))" \
	"$(jq -rs '[.[] | select(.type == "site" and .caller == "load_msg")] |
		"\(map(.allocs) | add) \(map(.bytes_req) | add) \(map(.bytes_alloc) | add)"' "$TMP/rec.ndjson")"

pb=$TMP/kmem.pb.gz
"$KMS" report --pprof "$pb" "$TMP/rec.ndjson" 2>"$TMP/rep.err"
check_eq pprof_report_exit_status 0 $?
check pprof_gzip "the profile is not gzip" bash -c "gzip -t '$pb'"

# flat value of load_msg in one sample type (a unit pprof prints plainly: byte or count)
flat() { # sample_index unit
	go tool pprof -top -sample_index="$1" -unit="$2" -focus='^load_msg$' "$pb" 2>"$TMP/pprof.err" |
		awk '$NF == "load_msg" { v = $1; sub(/[A-Za-z]+$/, "", v); print v }'
}
check_eq pprof_load_msg_alloc_space $((N * class)) "$(flat alloc_space byte)"
check_eq pprof_load_msg_requested_space $((N * req)) "$(flat requested_space byte)"
check_eq pprof_load_msg_slack_space $((N * (class - req))) "$(flat slack_space byte)"
check_eq pprof_load_msg_alloc_objects $N "$(flat alloc_objects count)"

# -raw: the samples whose leaf is load_msg+0x... (one per sampled stack,
# or the call site alone without stacks), all six values summed
go tool pprof -raw "$pb" >"$TMP/raw" 2>"$TMP/pprof.err"
check_eq pprof_raw_exit_status 0 $?
check_eq pprof_raw_sample_types "alloc_objects/count[dflt] alloc_space/bytes inuse_objects/count inuse_space/bytes requested_space/bytes slack_space/bytes" \
	"$(awk '/^Samples:/ { getline; print; exit }' "$TMP/raw" | sed 's/  */ /g; s/^ //; s/ $//')"
loc=$(awk '/^Locations/ { on = 1; next } on && / load_msg \[kernel\]/ { sub(":", "", $1); print $1; exit }' "$TMP/raw")
check pprof_raw_location "no load_msg location in -raw output" test -n "$loc"
check pprof_raw_site_offset "the load_msg location lost its call-site offset" \
	grep -qE "^ +$loc: .* load_msg \[kernel\]:0 s=0\(load_msg\+0x[0-9a-f]+\)" "$TMP/raw"
check_eq pprof_raw_load_msg_sample "$N $((N * class)) 0 0 $((N * req)) $((N * (class - req)))" \
	"$(awk -v l="$loc" '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $6 ~ /:$/ && $7 == l { sub(":", "", $6); for (i = 1; i <= 6; i++) p[i] = $i
			getline; if (!/kind:\[kmalloc\]/) next
			for (i = 1; i <= 6; i++) v[i] += p[i]; n++ }
		END { if (n) print v[1], v[2], v[3], v[4], v[5], v[6] }' "$TMP/raw")"
check pprof_kernel_comment "no kernel release comment" grep -q "^Comment: kernel $(uname -r) " "$TMP/raw"
check pprof_kind_label "no kind:[kmalloc] label on load_msg's sample" \
	awk -v l="$loc" '/^Samples:/ { on = 1; next } on && $6 ~ /:$/ && $7 == l { getline; ok = /kind:\[kmalloc\]/; exit } END { exit !ok }' "$TMP/raw"

check pprof_no_owner_label "a comm or cgroup label without --by" \
	bash -c "! grep -qE '(comm|cgroup):\\[' '$TMP/raw'"

# --- --by comm: each workload's samples apart, labelled with its comm --------
# Two copies of msgq under their own names send messages of different sizes
# at the same time: at load_msg, the samples labelled comm:[kmsq_a] add up to
# exactly kmsq_a's messages (one kmalloc(48 + SA) each), those of kmsq_b to
# kmsq_b's, and pprof's -tagfocus picks one workload.
KA=120 SA=100 KB=80 SB=1000
cp "$WL/msgq" "$TMP/kmsq_a" && cp "$WL/msgq" "$TMP/kmsq_b" || fail pprof_by_setup "cannot copy msgq"
start_record -i 0.5 --by comm -o "$TMP/by.ndjson" || { fail pprof_by_record_start "record did not start"; exit 1; }
"$TMP/kmsq_a" $KA $SA &
pa=$!
"$TMP/kmsq_b" $KB $SB || fail pprof_by_workload_b "kmsq_b failed"
wait $pa || fail pprof_by_workload_a "kmsq_a failed"
sleep 0.6
stop_record
check_eq pprof_by_record_exit_status 0 $?
values() { # count size: the six values of count messages of size at load_msg
	local r=$((48 + $2)) c
	c=$(size_class $r)
	echo "$1 $(($1 * c)) 0 0 $(($1 * r)) $(($1 * (c - r)))"
}
for w in a b; do
	n=K${w^^} sz=S${w^^}
	check_eq "pprof_by_export_kmsq_$w" "$(values ${!n} ${!sz} | awk '{ print $1, $5, $2 }')" \
		"$(jq -rs --arg c "kmsq_$w" '[.[] | select(.type == "site" and .caller == "load_msg" and .comm == $c)] |
			"\(map(.allocs) | add) \(map(.bytes_req) | add) \(map(.bytes_alloc) | add)"' "$TMP/by.ndjson")"
done
bpb=$TMP/by.pb.gz
"$KMS" report --pprof "$bpb" "$TMP/by.ndjson" 2>"$TMP/rep.err"
check_eq pprof_by_report_exit_status 0 $?
go tool pprof -raw "$bpb" >"$TMP/by.raw" 2>"$TMP/pprof.err"
check_eq pprof_by_raw_exit_status 0 $?
# every location of load_msg (one per call-site offset)
locs=" $(awk '/^Locations/ { on = 1; next } on && / load_msg \[kernel\]/ { sub(":", "", $1); print $1 }' "$TMP/by.raw" | tr '\n' ' ')"
# the six values summed over the kmalloc samples at load_msg whose labels have comm:[C]
comm_sum() { # comm
	awk -v locs="$locs" -v c="comm:[$1]" '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $6 ~ /:$/ && index(locs, " " $7 " ") { for (i = 1; i <= 6; i++) p[i] = $i
			getline; if (!/kind:\[kmalloc\]/ || !index($0, c)) next
			for (i = 1; i <= 6; i++) v[i] += p[i]; n++ }
		END { if (n) print v[1], v[2], v[3], v[4], v[5], v[6] }' "$TMP/by.raw"
}
check_eq pprof_by_comm_a "$(values $KA $SA)" "$(comm_sum kmsq_a)"
check_eq pprof_by_comm_b "$(values $KB $SB)" "$(comm_sum kmsq_b)"
check pprof_by_every_load_msg_sample_labelled "a load_msg sample without a comm label" \
	awk -v locs="$locs" '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $6 ~ /:$/ && index(locs, " " $7 " ") { getline; if (!/comm:\[/) bad = 1; n++ }
		END { exit bad || !n }' "$TMP/by.raw"
# what a user types: one workload's bytes by its label
check_eq pprof_by_tagfocus "$(values $KB $SB | awk '{ print $2 }')" \
	"$(go tool pprof -top -sample_index=alloc_space -unit=byte -tagfocus='comm=^kmsq_b$' -focus='^load_msg$' "$bpb" 2>>"$TMP/pprof.err" |
		awk '$NF == "load_msg" { v = $1; sub(/[A-Za-z]+$/, "", v); print v }')"

# bad input: a clear error, non-zero exit
"$KMS" report --pprof /nonexistent/dir/p.pb.gz "$TMP/rec.ndjson" 2>"$TMP/bad.err"
check pprof_bad_path_fails "an unwritable --pprof path did not fail" test $? -ne 0
check pprof_bad_path_message "no error naming the path" grep -q "cannot write the pprof profile /nonexistent/dir/p.pb.gz" "$TMP/bad.err"
"$KMS" report --pprof "$pb" --folded "$TMP/rec.ndjson" 2>"$TMP/bad.err"
check_eq pprof_folded_conflict 2 $?
