#!/bin/sh
# /init of the QEMU test guest (busybox sh): the end-to-end assertions of
# tests/e2e/{msgq,sockfilt,gfp_trace,frag}.sh on the guest's kernel. Every
# line for the host starts with "KMS: " (PASS/FAIL/SKIP/INFO, DONE at the
# end); diagnostics start with "KMS-LOG: ". Powers the machine off at the end.
# shellcheck shell=dash
export PATH=/kms:/bin:/sbin:/usr/bin:/usr/sbin
# an arm64 guest's busybox gets its applets' links here (run.sh cannot run it)
[ -e /bin/mount ] || /bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t debugfs nodev /sys/kernel/debug
mount -t tracefs nodev /sys/kernel/tracing
exec </dev/null >/dev/console 2>&1
T=/sys/kernel/tracing
REC=""
# EXPECT_KMEM, EXPECT_VMALLOC, EXPECT_BULK: the modes kmemscope picks itself
# here; EXPECT_VM_CALLER: where the socket filters' vmallocs show (run.sh)
. /kms/expect

say() { echo "KMS: $*"; }
pass() { say "PASS: $1"; }
fail() { say "FAIL: $1: $2"; }
skip() { say "SKIP: $1: $2"; }
check_eq() { # name expected actual
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}
check() { # name why command...
	n=$1 w=$2
	shift 2
	if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$w"; fi
}
diag() { # file [lines]: the tail of a file, for the host's failure report
	tail -n "${2:-60}" "$1" 2>/dev/null | sed 's/^/KMS-LOG: /'
}
finish() {
	say DONE
	sync
	poweroff -f
	sleep 30
}

# kmemscope record ARGS in the background, until it is attached (TCG is slow:
# up to 120 s for loading and verifying the programs)
start_record() {
	# the previous run's rec.err says "Hit Ctrl-C" too, and the shell may
	# look before the new process has truncated it
	rm -f /tmp/rec.out /tmp/rec.err
	kmemscope record "$@" >/tmp/rec.out 2>/tmp/rec.err &
	REC=$!
	i=0
	while [ $i -lt 1200 ]; do
		grep -q "Hit Ctrl-C to end" /tmp/rec.err 2>/dev/null && return 0
		kill -0 $REC 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "KMS-LOG: kmemscope record $* did not start:"
	diag /tmp/rec.err
	kill -INT $REC 2>/dev/null
	wait $REC
	REC=""
	echo "KMS-LOG: the same with -vv (libbpf's log):"
	timeout 120 kmemscope record -vv -d 1 "$@" >/dev/null 2>/tmp/vv.err
	diag /tmp/vv.err 150
	return 1
}
# libbpf's log (the verifier's, mostly) of a mode that was refused: ARGS
why_refused() {
	echo "KMS-LOG: libbpf's log of $*:"
	timeout 300 kmemscope record -vv "$@" -d 1 >/dev/null 2>/tmp/why.err
	{
		sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' /tmp/why.err | tail -40
		grep -E "failed|error|refused" /tmp/why.err | head -10
	} | sed 's/^/KMS-LOG: /'
}
stop_record() {
	kill -INT $REC
	wait $REC
	rc=$?
	REC=""
	return $rc
}

say "INFO: kernel $(uname -r) ($(uname -v)), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
[ -r /sys/kernel/btf/vmlinux ] || { fail btf "no /sys/kernel/btf/vmlinux"; finish; }
[ -d $T/events/kmem ] || { fail tracefs "no $T/events/kmem"; finish; }
# BPF compare-and-swap came with 5.12: before, the compat object's claims
rel=$(uname -r)
maj=${rel%%.*} min=${rel#*.}
min=${min%%.*}
claims=cmpxchg
[ "$maj" -lt 5 ] || { [ "$maj" -eq 5 ] && [ "$min" -lt 12 ]; } && claims=hash_map

# --- GFP decoding of raw values (6.1's bit layout) ---------------------------
check_eq gfp_cmd_gfp_kernel GFP_KERNEL "$(kmemscope gfp 0xcc0 | cut -f2)"
check_eq gfp_cmd_gfp_kernel_account GFP_KERNEL_ACCOUNT "$(kmemscope gfp 0x400cc0 | cut -f2)"
check_eq gfp_cmd_zero_is_none none "$(kmemscope gfp 0 | cut -f2)"

# --- bad input: a kernel without BTF (an empty file over the kernel's) --------
: >/tmp/empty
if mount --bind /tmp/empty /sys/kernel/btf/vmlinux 2>/dev/null; then
	timeout 120 kmemscope record -d 1 -o /tmp/nobtf.ndjson >/dev/null 2>/tmp/nobtf.err
	rc=$?
	umount /sys/kernel/btf/vmlinux
	check_eq no_btf_exit_nonzero 1 "$([ $rc -ne 0 ] && echo 1)"
	check no_btf_message_names_btf "the error does not name BTF" grep -q "no BTF.*CONFIG_DEBUG_INFO_BTF" /tmp/nobtf.err
	diag /tmp/nobtf.err 3
else
	skip no_btf "cannot bind-mount over /sys/kernel/btf/vmlinux"
fi

# --- msg_msg: kmalloc counts, sizes, size classes, frees; buddyinfo ----------
K=100
SIZES="16 100 1000 3000"
size_class() { # smallest kmalloc size class >= $1, from this kernel's slabinfo
	awk -v s="$1" '$1 ~ /^kmalloc-[0-9]+k?$/ {
		n = substr($1, 9); if (n ~ /k$/) n = substr(n, 1, length(n) - 1) * 1024
		if (n + 0 >= s + 0 && (best == "" || n + 0 < best)) best = n + 0
	} END { print best }' /proc/slabinfo
}
exp_req=0 exp_alloc=0 nsizes=0
for n in $SIZES; do
	s=$((48 + n))
	c=$(size_class $s)
	exp_req=$((exp_req + K * s))
	exp_alloc=$((exp_alloc + K * c))
	nsizes=$((nsizes + 1))
done
# the msg_msg counts under one attach mode: PREFIX MODE [record args]
msgq_counts() {
	local p=$1 mode=$2 r
	shift 2
	out=/tmp/msgq$p.ndjson
	if ! start_record -i 0.5 -o $out "$@"; then
		fail ${p}msgq_record_start "kmemscope record $* did not start"
		return 1
	fi
	# shellcheck disable=SC2086
	msgq $K $SIZES || fail ${p}msgq_workload "workload failed"
	sleep 1.5
	stop_record
	check_eq ${p}msgq_record_exit_status 0 $?
	say "INFO: attach $* kernel=$(head -1 $out | jq -r '"\(.kernel) kmalloc=\(.attach.kmalloc) kmem_cache=\(.attach.kmem_cache) vmalloc=\(.attach.vmalloc)"')"
	check_eq ${p}attach_kmalloc $mode "$(head -1 $out | jq -r .attach.kmalloc)"
	check_eq ${p}attach_kmem_cache $mode "$(head -1 $out | jq -r .attach.kmem_cache)"
	check_eq ${p}attach_claims $claims "$(head -1 $out | jq -r .attach.claims)"
	r=$(jq -sc '[.[] | select(.type == "site" and .kind == "kmalloc"
			and (.caller == "load_msg" or .caller == "alloc_msg"))]
		| { allocs: (map(.allocs) | add // 0), frees: (map(.frees) | add // 0),
		    bytes_req: (map(.bytes_req) | add // 0), bytes_alloc: (map(.bytes_alloc) | add // 0),
		    live: (last.live // -1), gfp: (map(.gfp | keys[]) | unique | join(",")) }' $out)
	say "INFO: msg_msg site ($mode): $r"
	check_eq ${p}msgq_allocs $((K * nsizes)) "$(echo "$r" | jq .allocs)"
	check_eq ${p}msgq_matched_frees $((K * nsizes)) "$(echo "$r" | jq .frees)"
	check_eq ${p}msgq_bytes_req $exp_req "$(echo "$r" | jq .bytes_req)"
	check_eq ${p}msgq_bytes_alloc_size_classes $exp_alloc "$(echo "$r" | jq .bytes_alloc)"
	check_eq ${p}msgq_live_after_rcv 0 "$(echo "$r" | jq .live)"
	check_eq ${p}msgq_gfp GFP_KERNEL_ACCOUNT "$(echo "$r" | jq -r .gfp)"
	check ${p}msgq_table_row "no load_msg/alloc_msg row in the table" grep -qE '^(load_msg|alloc_msg)\+0x' /tmp/rec.out
	grep -q . /tmp/rec.err && { echo "KMS-LOG: msgq record $* stderr:"; diag /tmp/rec.err 20; }
	return 0
}

# sampled stacks (tests/e2e/stacks.sh) of a msgq recording: PREFIX FILE
stack_checks() {
	local p=$1 f=$2
	for kind in kmalloc kmem_cache; do
		check ${p}stacks_on_$kind "no $kind site record has sampled stacks" \
			jq -se --arg k $kind 'any(.[]; .type == "site" and .kind == $k and ((.stacks // []) | length) > 0)' $f
	done
	kmemscope report --folded $f >/tmp/folded$p 2>/dev/null
	check ${p}stacks_folded_msgsnd "no folded stack with do_msgsnd above load_msg" \
		grep -qE '(^|;)do_msgsnd\+0x[0-9a-f]+;(.*;)?load_msg\+0x[0-9a-f]+ [0-9]+$' /tmp/folded$p
	check_eq ${p}stacks_folded_bytes_sum "$(jq -s '[.[] | select(.type == "site") | .bytes_alloc] | add // 0' $f)" \
		"$(awk '{ s += $NF } END { print s + 0 }' /tmp/folded$p)"
	grep -q do_msgsnd /tmp/folded$p || { echo "KMS-LOG: folded stacks ($p):"; diag /tmp/folded$p 20; }
}

# 6.1's prototypes are the ones the raw tracepoint programs read: the
# default attach where they match (6.1 and later). Its classic record
# layouts (CO-RE flavors) are checked with --kmem-mode tracepoint; only raw
# tracepoints see cache names there. Before 6.1 (5.10) the prototypes differ:
# the default is the classic tracepoint, and --kmem-mode raw says it cannot.
# Sampled stacks are checked in both modes.
msgq_counts tp_ tracepoint --kmem-mode tracepoint && stack_checks tp_ $out
if [ "$EXPECT_KMEM" = raw_tracepoint ]; then
	if msgq_counts "" raw_tracepoint; then
		stack_checks "" $out
		check raw_cache_names "no named kmem_cache site (raw tracepoints read kmem_cache->name)" \
			jq -se '[.[] | select(.type == "site" and .kind == "kmem_cache" and (.cache // "") != "")] | length > 0' $out
	fi
else
	msgq_counts "" "$EXPECT_KMEM"
	# forced raw: refused with the reason; kmalloc alone then traces nothing
	timeout 300 kmemscope record -a kmalloc -d 1 --kmem-mode raw -o /tmp/raw.ndjson >/tmp/raw.out 2>/tmp/raw.err
	check_eq raw_forced_nothing_traced_exit_nonzero 1 "$([ $? -ne 0 ] && echo 1)"
	check raw_forced_says_why "no error naming kmalloc and the fix" \
		grep -q "error: no allocator could be attached (kmalloc=refused.*--kmem-mode auto" /tmp/raw.err
	diag /tmp/raw.err 5
fi
kmem_mode=$(head -1 $out | jq -r .attach.kmalloc)
# the export, read back by report
kmemscope report $out >/tmp/report.txt 2>/tmp/report.err
check_eq report_exit_status 0 $?
check report_msg_site "report shows no load_msg/alloc_msg site" grep -qE '(load_msg|alloc_msg)' /tmp/report.txt
grep -q . /tmp/report.err && diag /tmp/report.err 10
# every zone of /proc/buddyinfo, with the kernel's order count
while read -r _ node _ zone rest; do
	node=${node%,}
	n=$(echo "$rest" | wc -w)
	got=$(jq -sr --argjson node "$node" --arg zone "$zone" \
		'[.[] | select(.type == "buddyinfo" and .node == $node and .zone == $zone)] | .[-1] | "\(.free | length) \(.unusable_index | length) \(.frag_index | length)"' $out)
	check_eq "buddyinfo_zone_${node}_${zone}_orders" "$n $n $n" "$got"
done </proc/buddyinfo

# --- bulk frees: kfree_rcu()'s batches go through kfree_bulk ------------------
# mcjoin: each IP_ADD_MEMBERSHIP makes a sock_kmalloc (ip_mc_socklist) and a
# kzalloc in ____ip_mc_inc_group (ip_mc_list); IP_DROP_MEMBERSHIP frees both
# with kfree_rcu(). After a grace period the kernel frees its batches with
# kfree_bulk() -> kmem_cache_free_bulk(NULL, n, p), without kmem:kfree (only
# objects queued while no batch page was cached go through kfree()). With the
# bulk program (fentry on 6.1: three arguments) every one is matched; with
# --bulk-free-mode off the batched ones stay LIVE.
K=4000
# the RCU grace period and kfree_rcu's drain delay (up to 5 s in 6.1) pass
# before the batches are freed: wait for them while recording
RCU_WAIT=8
# allocs, frees and live now of the kmalloc sites of one caller: FILE CALLER
# (the checks use sock_kmalloc: the socket's membership is freed by kfree_rcu
# at IP_DROP_MEMBERSHIP itself; the group's may wait for IGMP timers)
mc_sites() {
	jq -sc --arg c "$2" '[.[] | select(.type == "site" and .kind == "kmalloc" and .caller == $c)]
		| { allocs: (map(.allocs) | add // 0), frees: (map(.frees) | add // 0),
		    live: (group_by(.site) | map(last.live) | add // -1),
		    sites: (map(.site) | unique) }' "$1"
}
# interval totals: FILE FIELD (events.bulk_frees, ...)
iv_sum() {
	jq -s "[.[] | select(.type == \"interval\") | .$2 // 0] | add // 0" "$1"
}
mc_run() { # PREFIX [record args]
	local p=$1
	shift
	out=/tmp/${p}mc.ndjson
	if ! start_record -v -i 0.5 -o $out "$@"; then
		fail ${p}record_start "kmemscope record $* did not start"
		return 1
	fi
	mcjoin $K || fail ${p}workload "mcjoin failed"
	sleep $RCU_WAIT
	stop_record
	check_eq ${p}record_exit_status 0 $?
	say "INFO: ${p}attach: $(head -1 $out | jq -c '.attach | {bulk_free, bulk_free_refused}')"
	say "INFO: ${p}mcjoin sites: $(mc_sites $out sock_kmalloc) $(mc_sites $out ____ip_mc_inc_group); events.bulk_frees $(iv_sum $out events.bulk_frees), unmatched bulk $(iv_sum $out unmatched_frees.bulk_frees), bulk_overflow $(iv_sum $out drops.bulk_overflow), stale_live $(iv_sum $out stale_live)"
	say "INFO: ${p}maple nodes: $(jq -sc '[.[] | select(.type == "site" and .cache == "maple_node")] | group_by(.caller) | map({caller: .[0].caller, allocs: (map(.allocs) | add), frees: (map(.frees) | add)})' $out)"
	return 0
}
if mc_run bulk_; then
	r=$(mc_sites /tmp/bulk_mc.ndjson sock_kmalloc)
	# fentry reads the arguments with bpf_get_func_arg() (5.17+): kprobe before
	check_eq bulk_attach_$EXPECT_BULK $EXPECT_BULK "$(head -1 /tmp/bulk_mc.ndjson | jq -r .attach.bulk_free)"
	[ "$(head -1 /tmp/bulk_mc.ndjson | jq -r .attach.bulk_free)" = "$EXPECT_BULK" ] ||
		why_refused -a kmalloc --bulk-free-mode $EXPECT_BULK
	check_eq bulk_allocs $K "$(echo "$r" | jq .allocs)"
	# every object is freed once the batches are drained: all matched
	check_eq bulk_frees_matched $K "$(echo "$r" | jq .frees)"
	# both sites' objects (2K) go through kfree_bulk, and other batches too
	b=$(iv_sum /tmp/bulk_mc.ndjson events.bulk_frees)
	check bulk_events_counted "events.bulk_frees is $b, expected at least $K" test "$b" -ge "$K"
	check_eq bulk_live_zero 0 "$(echo "$r" | jq .live)"
	grep -q . /tmp/rec.err && { echo "KMS-LOG: bulk record stderr:"; diag /tmp/rec.err 20; }
fi
if mc_run nobulk_ --bulk-free-mode off; then
	head -1 /tmp/nobulk_mc.ndjson >/tmp/hdr.json
	check_eq nobulk_attach_off off "$(jq -r .attach.bulk_free /tmp/hdr.json)"
	check nobulk_reason "attach.bulk_free_refused does not name the option" \
		jq -e '.attach.bulk_free_refused | test("bulk-free-mode off")' /tmp/hdr.json
	check_eq nobulk_no_bulk_events 0 "$(iv_sum /tmp/nobulk_mc.ndjson events.bulk_frees)"
	r=$(mc_sites /tmp/nobulk_mc.ndjson sock_kmalloc)
	check_eq nobulk_allocs $K "$(echo "$r" | jq .allocs)"
	# the batched frees are not seen: only the few objects queued while no
	# batch page was cached go through kfree() (2 of 4000 on 6.1.0-57)
	f=$(echo "$r" | jq .frees)
	check nobulk_frees_unmatched "$f of $K frees matched without the bulk program" \
		test "$f" -le $((K / 10))
fi

# --- socket filters: vmalloc at bpf_prog_alloc_no_stats ------------------------
K=32
out=/tmp/sockfilt.ndjson
if start_record -v -i 0.5 -a vmalloc -o $out; then
	sockfilt $K || fail sockfilt_workload "workload failed"
	sleep 1
	stop_record
	check_eq sockfilt_record_exit_status 0 $?
	head -1 $out >/tmp/hdr.json
	mode=$(jq -r .attach.vmalloc /tmp/hdr.json)
	say "INFO: vmalloc attach: $(head -1 $out | jq -c '.attach | {vmalloc, vmalloc_detail, vmalloc_refused}')"
	vm_mode=$mode
	# 6.1: the trampoline takes at most 6 arguments (__vmalloc_node_range
	# has 9) and there are no vmalloc:* tracepoints yet: kprobe. 6.12's
	# x86 trampoline takes them all: fentry.
	check_eq vmalloc_mode_$EXPECT_VMALLOC $EXPECT_VMALLOC "$mode"
	[ "$mode" = "$EXPECT_VMALLOC" ] || why_refused -a vmalloc --vmalloc-mode $EXPECT_VMALLOC
	[ "$EXPECT_VMALLOC" = fentry ] ||
		check vmalloc_fentry_refused "header does not say why fentry was refused" \
			jq -e '.attach.vmalloc_refused | test("fentry")' /tmp/hdr.json
	page=$(head -1 $out | jq .page_size)
	# EXPECT_VM_CALLER: bpf_prog_alloc_no_stats (the program); on 5.10 the
	# kprobe sees only the JIT image's (bpf_jit_binary_alloc, docs/kernels.md)
	r=$(jq -sc --arg c "$EXPECT_VM_CALLER" '[.[] | select(.type == "site" and .kind == "vmalloc" and .caller == $c)]
		| { allocs: (map(.allocs) | add // 0), bytes_req: (map(.bytes_req) | add // 0),
		    bytes_alloc: (map(.bytes_alloc) | add // 0), frees: (map(.frees) | add // 0) }' $out)
	say "INFO: $EXPECT_VM_CALLER vmalloc site: $r"
	check_eq vmalloc_allocs $K "$(echo "$r" | jq .allocs)"
	check_eq vmalloc_bytes_one_page_each $((K * page)) "$(echo "$r" | jq .bytes_alloc)"
	check vmalloc_table_row "no $EXPECT_VM_CALLER vmalloc row" \
		grep -qE "^$EXPECT_VM_CALLER\+0x[0-9a-f]+ +vmalloc" /tmp/rec.out
	if [ "$(echo "$r" | jq .allocs)" != $K ]; then
		echo "KMS-LOG: vmalloc sites (caller, site, allocs, frees) and event counters:"
		jq -c 'select(.type == "site" and .kind == "vmalloc") | [.caller, .site, .allocs, .frees]' $out |
			sort | uniq -c | sed 's/^/KMS-LOG: /' | head -20
		jq -c 'select(.type == "interval") | [.seq, .events, .drops]' $out | sed 's/^/KMS-LOG: /' | head -12
		diag /tmp/rec.out 12
	fi
	echo "KMS-LOG: sockfilt record stderr:"
	diag /tmp/rec.err 20
else
	fail sockfilt_record_start "kmemscope record did not start"
fi

# --- GFP strings against the kernel's own trace output ------------------------
inst=$T/instances/kms-gfp
if ! mkdir $inst 2>/dev/null; then
	skip gfp_trace "cannot create a tracefs instance"
elif start_record -i 0.5 -o /tmp/gfp.ndjson; then
	rec_pid=$REC
	echo 1 >$inst/events/kmem/kmalloc/enable
	echo 1 >$inst/events/kmem/kmem_cache_alloc/enable
	msgq 50 100 1000 >/dev/null
	sockfilt 16 >/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
	find / -xdev -maxdepth 3 >/dev/null 2>&1
	cat /proc/self/status /proc/meminfo >/dev/null
	echo hello | cat | wc -c >/dev/null
	echo 0 >$inst/events/kmem/kmalloc/enable
	echo 0 >$inst/events/kmem/kmem_cache_alloc/enable
	sleep 1
	stop_record
	check_eq gfp_record_exit_status 0 $?
	sed -nE 's/^.*-([0-9]+) +\[[0-9]+\].* (kmalloc|kmem_cache_alloc): call_site=([^ ]*) .*gfp_flags=([^ ]*).*$/\1\t\2\t\3\t\4/p' $inst/trace |
		awk -F'\t' -v self="$rec_pid" '$1 != self { sub(/\/0x[0-9a-f]+$/, "", $3);
			k = ($2 == "kmem_cache_alloc") ? "kmem_cache" : "kmalloc"; print k "\t" $3 "\t" $4 }' |
		sort -u >/tmp/kernel.tsv
	jq -r 'select(.type == "site" and (.kind == "kmalloc" or .kind == "kmem_cache"))
		| .kind as $k | (.site | sub(" \\[.*\\]$"; "")) as $s | .gfp | keys[] | "\($k)\t\($s)\t\(.)"' /tmp/gfp.ndjson |
		sort -u >/tmp/ours.tsv
	awk -F'\t' '
		NR == FNR { k = $1 FS $2; n[k]++; g[k] = $3; next }
		{ k = $1 FS $2; if (n[k] == 1 && !(k in cmp)) { cmp[k] = 1; nc++
			if ($3 != g[k]) { bad++; print "KMS-LOG: mismatch at " k ": kernel " $3 ", kmemscope " g[k] } } }
		END { print "KMS-CMP: " nc + 0 " " bad + 0 }' /tmp/ours.tsv /tmp/kernel.tsv >/tmp/cmp.out
	grep '^KMS-LOG' /tmp/cmp.out | head -20
	sed -n 's/^KMS-CMP: //p' /tmp/cmp.out >/tmp/cmp.n
	read -r compared bad </tmp/cmp.n
	say "INFO: gfp_trace compared $compared call sites with one GFP combination; $(wc -l </tmp/kernel.tsv) kernel (site, flags) pairs"
	check gfp_trace_enough_sites "only $compared sites to compare" test "$compared" -ge 5
	if [ "$compared" -lt 5 ]; then
		echo "KMS-LOG: kmemscope (kind, site, gfp), $(wc -l </tmp/ours.tsv) lines:"
		diag /tmp/ours.tsv 15
		echo "KMS-LOG: kernel (kind, site, gfp):"
		diag /tmp/kernel.tsv 15
		echo "KMS-LOG: gfp record stderr:"
		diag /tmp/rec.err 15
	fi
	check_eq gfp_trace_strings_equal_kernel 0 "$bad"
	check gfp_trace_msg_site "the msg_msg site was not in the kernel's trace" \
		grep -qE '^kmalloc	(load_msg|alloc_msg)\+' /tmp/kernel.tsv
	rmdir $inst
else
	fail gfp_trace_record_start "kmemscope record did not start"
	rmdir $inst
fi

# --- page allocator tracing (--pages) -----------------------------------------
MIB=64
out=/tmp/pages.ndjson
if start_record -i 0.5 --pages --page-order 0 -o $out; then
	sleep 1
	fragment $MIB 500 >/dev/null || fail pages_workload "workload failed"
	sleep 1
	stop_record
	check_eq pages_record_exit_status 0 $?
	pages=$((MIB * 1024 * 1024 / $(head -1 $out | jq .page_size)))
	check pages_page_alloc_records "no page_alloc records" \
		jq -se '[.[] | select(.type == "page_alloc")] | length > 0' $out
	top=$(jq -sc '[.[] | select(.type == "page_site")] | group_by(.caller)
		| map({caller: .[0].caller, pages: (map(.pages) | add)}) | max_by(.pages)' $out)
	say "INFO: top page caller: $top"
	caller=$(echo "$top" | jq -r '.caller // ""')
	case "$caller" in
	do_anonymous_page | alloc_anon_folio | __handle_mm_fault | handle_mm_fault | do_pte_missing | vma_alloc_anon_folio_pmd)
		pass pages_caller_is_fault_path ;;
	*) fail pages_caller_is_fault_path "top page caller '$caller' is not on the anonymous fault path" ;;
	esac
	got=$(echo "$top" | jq '.pages // 0')
	check pages_fault_path_pages "only $got pages at the top caller (workload faulted $pages)" \
		test "$got" -ge $((pages * 9 / 10))
	check pages_summary_fragmentation "no FRAGMENTATION summary" grep -q FRAGMENTATION /tmp/rec.out
	grep -q . /tmp/rec.err && { echo "KMS-LOG: pages record stderr:"; diag /tmp/rec.err 20; }
else
	fail pages_record_start "kmemscope record --pages did not start"
fi

# --- who allocates: filters, --by comm, charged (tests/e2e/who.sh) ------------
# Two msgq copies under their own names wait on a fifo (their pids exist
# before the recorder starts), then run at the same time.
KA=60 SA=100 KB=40 SB=1000
cp /kms/msgq /tmp/kmsq_a && cp /kms/msgq /tmp/kmsq_b
who_exp() { echo "$1 $(($1 * (48 + $2))) $(($1 * $(size_class $((48 + $2)))))"; }
EXP_A=$(who_exp $KA $SA)
EXP_B=$(who_exp $KB $SB)
who_start() {
	rm -f /tmp/go_a /tmp/go_b
	mkfifo /tmp/go_a /tmp/go_b
	sh -c 'read x </tmp/go_a; exec /tmp/kmsq_a '"$KA $SA" >/dev/null &
	PA=$!
	sh -c 'read x </tmp/go_b; exec /tmp/kmsq_b '"$KB $SB" >/dev/null &
	PB=$!
}
who_run() { # name: record ARGS already started; release both and stop
	echo go >/tmp/go_a &
	echo go >/tmp/go_b
	wait $PA
	wait $PB
	sleep 1.5
	stop_record
}
who_sums() { # file [jq condition]
	jq -sr "[.[] | select(.type == \"site\" and .kind == \"kmalloc\"
		and (.caller == \"load_msg\" or .caller == \"alloc_msg\") and (${2:-true}))]
		| \"\(map(.allocs) | add // 0) \(map(.bytes_req) | add // 0) \(map(.bytes_alloc) | add // 0)\"" "$1"
}
who_start
if start_record -i 0.5 --pid $PA -o /tmp/who_pid.ndjson; then
	who_run
	check_eq who_pid_exact "$EXP_A" "$(who_sums /tmp/who_pid.ndjson)"
else
	fail who_pid_start "kmemscope record --pid did not start"
fi
who_start
if start_record -i 0.5 --comm kmsq_b -o /tmp/who_comm.ndjson; then
	who_run
	check_eq who_comm_exact "$EXP_B" "$(who_sums /tmp/who_comm.ndjson)"
else
	fail who_comm_start "kmemscope record --comm did not start"
fi
who_start
if start_record -i 0.5 --by comm -o /tmp/who_by.ndjson; then
	who_run
	check_eq who_by_comm_a "$EXP_A" "$(who_sums /tmp/who_by.ndjson '.comm == "kmsq_a"')"
	check_eq who_by_comm_b "$EXP_B" "$(who_sums /tmp/who_by.ndjson '.comm == "kmsq_b"')"
	# GFP_KERNEL_ACCOUNT on 6.1: every msg segment is charged
	check_eq who_msg_charged "$(jq -sr '[.[] | select(.type == "site" and (.caller == "load_msg" or .caller == "alloc_msg"))] | "\(map(.bytes_alloc) | add) \(map(.bytes_alloc) | add)"' /tmp/who_by.ndjson)" \
		"$(jq -sr '[.[] | select(.type == "site" and (.caller == "load_msg" or .caller == "alloc_msg"))] | "\(map(.bytes_charged) | add) \(map(.bytes_alloc) | add)"' /tmp/who_by.ndjson)"
else
	fail who_by_start "kmemscope record --by comm did not start"
fi
# a pure cgroup v2 machine: the hierarchy at /sys/fs/cgroup
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && mkdir /sys/fs/cgroup/kms-who
who_start
echo $PA >/sys/fs/cgroup/kms-who/cgroup.procs
if start_record -i 0.5 --cgroup /sys/fs/cgroup/kms-who -o /tmp/who_cg.ndjson; then
	who_run
	check_eq who_cgroup_exact "$EXP_A" "$(who_sums /tmp/who_cg.ndjson)"
else
	fail who_cgroup_start "kmemscope record --cgroup did not start"
fi
who_start
echo $PA >/sys/fs/cgroup/kms-who/cgroup.procs
if start_record -i 0.5 --by cgroup -o /tmp/who_bycg.ndjson; then
	who_run
	check_eq who_by_cgroup_exact "$EXP_A" "$(who_sums /tmp/who_bycg.ndjson '.cgroup == "/kms-who"')"
else
	fail who_by_cgroup_start "kmemscope record --by cgroup did not start"
fi
rmdir /sys/fs/cgroup/kms-who
kmemscope record -o /tmp/who_bad.ndjson --cgroup /tmp >/dev/null 2>/tmp/who_bad.err
check who_bad_cgroup_refused "--cgroup /tmp was not refused: $(cat /tmp/who_bad.err)" \
	grep -q "not a cgroup v2 directory" /tmp/who_bad.err

say "INFO: modes kmem=${kmem_mode:-?} vmalloc=${vm_mode:-?}"
finish
