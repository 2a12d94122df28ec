#!/bin/bash
# The kernel matrix: tests/kernels/run.sh (the end-to-end assertions of
# tests/kernels/guest.sh in QEMU, TCG) on each Debian kernel below, one
# guest at a time (TCG takes both cores), each ending with one line
#   KERNEL <release> <arch>: <N> passed, <M> failed; kmem=<mode> vmalloc=<mode>
# after its PASS/FAIL/SKIP lines (for tests/run.sh). The arm64 guest runs
# kmemscope cross-built here (make ARCH=arm64 CC=aarch64-linux-gnu-gcc,
# OUT=BUILD_DIR/arm64, with Debian's arm64 -dev packages installed by
# scripts/install-deps.sh test through dpkg multiarch).
#
# Usage: tests/kernels/matrix.sh [BUILD_DIR]
# Environment: KMS_KERNELS  the kernels to run, by name below (default: all)
# Exit status: 0 all passed (or skipped), 1 a kernel failed, 77 all skipped.
set -u
build=$(cd "${1:-build}" && pwd) || exit 1
top=$(cd "$(dirname "$0")/../.." && pwd)

# name  suite (- = the machine's)  package regex  arch  kmem, vmalloc and
# bulk free modes (the ones kmemscope picks by itself there; the guest
# checks them)  the socket filters' vmalloc caller
kernels='
5.10 bullseye ^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$ amd64 tracepoint kprobe kprobe bpf_jit_binary_alloc
6.12 - ^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$ amd64 raw_tracepoint fentry fentry bpf_prog_alloc_no_stats
6.1 - ^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$ amd64 raw_tracepoint kprobe fentry bpf_prog_alloc_no_stats
arm64-6.1 - ^linux-image-6\.1\.0-[0-9]+-arm64-unsigned$ arm64 raw_tracepoint kprobe kprobe bpf_prog_alloc_no_stats
'
want=${KMS_KERNELS:-5.10 6.12 6.1 arm64-6.1}

# the arm64 programs, cross-built into BUILD_DIR/arm64 (incremental)
cross_build() {
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		{ echo "no aarch64-linux-gnu-gcc (Debian package gcc-aarch64-linux-gnu; scripts/install-deps.sh test)"; return 1; }
	[ -e /usr/lib/aarch64-linux-gnu/pkgconfig/libbpf.pc ] ||
		{ echo "no libbpf-dev:arm64 (dpkg --add-architecture arm64; scripts/install-deps.sh test)"; return 1; }
	PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
		make -C "$top" --no-print-directory -j2 ARCH=arm64 CC=aarch64-linux-gnu-gcc \
		OUT="$build/arm64" all "$build/arm64/tests/msgq" "$build/arm64/tests/sockfilt" \
		"$build/arm64/tests/fragment" "$build/arm64/tests/mcjoin" >"$build/arm64.build.log" 2>&1 ||
		{ echo "cross-build failed (see $build/arm64.build.log)"; return 1; }
}

failed=0 ran=0 summary=""
while read -r name suite match arch kmem vmalloc bulk vmcaller; do
	[ -n "$name" ] || continue
	case " $want " in *" $name "*) ;; *) continue ;; esac
	if [ "$arch" = arm64 ] && ! why=$(cross_build); then
		echo "SKIP: kernels/$name: $why"
		summary+="KERNEL $name $arch: skipped ($why)"$'\n'
		continue
	fi
	start=$(date +%s)
	out=$(KMS_KERNEL_SUITE=$([ "$suite" = - ] || echo "$suite") KMS_KERNEL_MATCH=$match \
		KMS_KERNEL_ARCH=$arch KMS_EXPECT_KMEM=$kmem KMS_EXPECT_VMALLOC=$vmalloc KMS_EXPECT_BULK=$bulk KMS_EXPECT_VM_CALLER=$vmcaller \
		KMS_QEMU_TIMEOUT=${KMS_QEMU_TIMEOUT:-$([ "$arch" = arm64 ] && echo 1500 || echo 600)} \
		bash "$top/tests/kernels/run.sh" "$build" 2>&1)
	rc=$?
	secs=$(($(date +%s) - start))
	printf '%s\n' "$out"
	if [ "$rc" -eq 77 ]; then
		summary+="KERNEL $name $arch: skipped ($(sed -n 's/^SKIP: kernels: //p' <<<"$out" | head -1))"$'\n'
		continue
	fi
	ran=$((ran + 1))
	[ "$rc" -eq 0 ] || failed=1
	rel=$(sed -n 's/^INFO: kernel \([^ ]*\) .*/\1/p' <<<"$out" | head -1)
	modes=$(sed -n 's/^INFO: modes //p' <<<"$out" | head -1)
	echo "INFO: kernels/$name: ${secs} s wall time (initramfs, boot and checks)"
	summary+="KERNEL ${rel:-$name} $([ "$arch" = arm64 ] && echo aarch64 || echo x86_64): $(grep -c '^PASS: ' <<<"$out") passed, $(grep -c '^FAIL: ' <<<"$out") failed; ${modes:-kmem=? vmalloc=?}"$'\n'
done <<<"$kernels"
printf '%s' "$summary"
[ "$failed" -eq 0 ] || exit 1
[ "$ran" -gt 0 ] || exit 77
exit 0
