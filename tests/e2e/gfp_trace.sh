#!/bin/bash
# GFP decoding against the kernel's own text: with kmem:kmalloc and
# kmem:kmem_cache_alloc enabled in a private tracefs instance inside the
# recording window, every call site for which kmemscope saw exactly one GFP
# combination must show the very same flag string in the kernel's trace.
source "$(dirname "$0")/lib.sh"
need_root_bpf gfp_trace

T=$(tracefs) || { skip gfp_trace "tracefs cannot be mounted"; exit 0; }
inst=$T/instances/kms-gfp-$$
mkdir "$inst" || { skip gfp_trace "cannot create a tracefs instance"; exit 0; }
trap 'rmdir "$inst" 2>/dev/null; cleanup' EXIT

out=$TMP/out.ndjson
start_record -i 0.5 -o "$out" || { fail gfp_start "record did not start"; exit 1; }
echo 1 >"$inst/events/kmem/kmalloc/enable"
echo 1 >"$inst/events/kmem/kmem_cache_alloc/enable"
# a mix of allocation paths: IPC, sockets + BPF, fork/exec, files, pipes
"$WL/msgq" 50 100 1000 >/dev/null
"$WL/sockfilt" 16 >/dev/null
for _ in $(seq 10); do /bin/true; done
find /usr/share/doc -maxdepth 2 >/dev/null 2>&1
cat /proc/self/status /proc/meminfo >/dev/null
echo hello | cat | wc -c >/dev/null
echo 0 >"$inst/events/kmem/kmalloc/enable"
echo 0 >"$inst/events/kmem/kmem_cache_alloc/enable"
sleep 0.6
rec_pid=$REC_PID
stop_record
check_eq record_exit_status 0 $?

# kernel: event, call site (sym+off, the /size and [module] cut), flags;
# lines of kmemscope itself are left out since it does not count its own
sed -n 's/^.*-\([0-9]\+\) \+\[[0-9]\+\].* \(kmalloc\|kmem_cache_alloc\): call_site=\([^ ]*\) .*gfp_flags=\([^ ]*\).*$/\1\t\2\t\3\t\4/p' "$inst/trace" |
	awk -F'\t' -v self="$rec_pid" '$1 != self { sub(/\/0x[0-9a-f]+$/, "", $3);
		k = ($2 == "kmem_cache_alloc") ? "kmem_cache" : "kmalloc"; print k "\t" $3 "\t" $4 }' |
	sort -u >"$TMP/kernel.tsv"
jq -r 'select(.type == "site" and (.kind == "kmalloc" or .kind == "kmem_cache"))
	| .kind as $k | (.site | sub(" \\[.*\\]$"; "")) as $s | .gfp | keys[] | "\($k)\t\($s)\t\(.)"' "$out" |
	sort -u >"$TMP/ours.tsv"

read -r compared bad < <(awk -F'\t' '
	NR == FNR { k = $1 FS $2; n[k]++; g[k] = $3; next }
	{ k = $1 FS $2; if (n[k] == 1) { cmp[k] = 1
		if ($3 != g[k]) { bad++; print "mismatch at " k ": kernel " $3 ", kmemscope " g[k] > "/dev/stderr" } } }
	END { print length(cmp), bad + 0 }' "$TMP/ours.tsv" "$TMP/kernel.tsv")
echo "compared $compared call sites with one GFP combination; $(wc -l <"$TMP/kernel.tsv") kernel (site, flags) pairs"
check enough_sites_compared "only $compared sites to compare" test "$compared" -ge 5
check_eq gfp_strings_equal_kernel 0 "$bad"
check msg_site_compared "the msg_msg site was not in both" \
	grep -qE '^kmalloc	(load_msg|alloc_msg)\+' "$TMP/kernel.tsv"

# kmemscope gfp decodes raw values with the same table
v=$("$KMS" gfp 0 | cut -f2)
check_eq gfp_cmd_zero_is_none none "$v"
