#!/bin/bash
# CO-RE on another kernel: boot a Debian kernel (default: Debian 12's own
# 6.1; tests/kernels/matrix.sh runs the others) in QEMU (TCG, no KVM needed) with an initramfs holding busybox, build/kmemscope, the
# test workloads and jq, run the end-to-end assertions of tests/kernels/guest.sh
# there and print its "PASS/FAIL/SKIP: name" lines (plus "INFO:" lines: kernel
# and attach modes) for tests/run.sh.
#
# Usage: tests/kernels/run.sh [BUILD_DIR]
# Environment: KMS_KERNEL_PKG  kernel package (default: the newest
#                              linux-image-6.1.0-*-amd64-unsigned apt offers)
#              KMS_KERNEL_MATCH, KMS_KERNEL_SUITE, KMS_KERNEL_ARCH: the
#                              kernel to look for (tests/kernels/lib.sh)
#              KMS_QEMU_TIMEOUT seconds for the whole guest run (default 480)
# The .deb, its vmlinuz and the serial log are kept in BUILD_DIR/kernels/
# (tests/kernels/lib.sh: shared with tests/kernels/systemd.sh).
# Exit status: 0 all passed, 1 a check failed or the guest did not finish,
# 77 skipped (no qemu, kernel package not downloadable).
set -u
build=$(cd "${1:-build}" && pwd) || exit 1
top=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${KMS_QEMU_TIMEOUT:-480}

kms_test=kernels
source "$top/tests/kernels/lib.sh"
skip() { kms_skip "$@"; }
fail() { kms_fail "$@"; }

kms_need_qemu
jq=$(command -v jq) || skip "jq not installed"
# the guest's programs: the host's build, or for arm64 the cross-build
# (make ARCH=arm64 CC=aarch64-linux-gnu-gcc OUT=BUILD_DIR/arm64) with
# busybox and jq from Debian's arm64 packages
bin=$build
if [ "$kms_arch" = arm64 ]; then
	bin=$build/arm64
	kms_arm64_tools "$build/kernels"
else
	busybox=$(command -v busybox) || skip "busybox not installed (Debian package busybox-static)"
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' ||
		skip "$busybox is not static (install Debian package busybox-static)"
fi
for f in kmemscope tests/msgq tests/sockfilt tests/fragment tests/mcjoin; do
	[ -x "$bin/$f" ] || fail "$bin/$f not built (make all, and make test builds the workloads)"
done

# --- the kernel: Debian 12's own, cached -------------------------------------
kms_kernel "$build/kernels"
# what the guest needs must be built in: there are no modules in the initramfs
kms_kernel_needs DEBUG_INFO_BTF BPF_SYSCALL BPF_EVENTS KPROBES SYSVIPC "$kms_console_config" \
	BLK_DEV_INITRD RD_GZIP DEVTMPFS TRACING INET IP_MULTICAST

# --- the initramfs -----------------------------------------------------------
# per run (several runs may share a build tree): the tree, the image, the log
work=$(mktemp -d /tmp/kms-kernels.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,kms,lib64,etc}
cp "$busybox" "$root/bin/busybox"
# the applets' links; an arm64 busybox cannot run here: /init makes them
ln -s busybox "$root/bin/sh"
if [ "$kms_arch" = amd64 ]; then
	for app in $("$busybox" --list); do
		[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
	done
fi
cp "$bin/kmemscope" "$root/kms/kmemscope"
cp "$bin/tests/msgq" "$bin/tests/sockfilt" "$bin/tests/fragment" "$bin/tests/mcjoin" "$root/kms/"
rm -f "$root/bin/jq"
cp "$jq" "$root/bin/jq"
# shared libraries and the dynamic loader, at the paths the loader looks in
kms_libs "$bin/kmemscope" "$bin/tests/msgq" "$bin/tests/sockfilt" "$bin/tests/fragment" "$bin/tests/mcjoin" "$jq" |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
cp "$top/tests/kernels/guest.sh" "$root/init"
# the attach modes kmemscope should pick by itself on this kernel
# (tests/kernels/matrix.sh; Debian 12's 6.1 by default)
printf 'EXPECT_KMEM=%s\nEXPECT_VMALLOC=%s\nEXPECT_BULK=%s\nEXPECT_VM_CALLER=%s\n' \
	"${KMS_EXPECT_KMEM:-raw_tracepoint}" "${KMS_EXPECT_VMALLOC:-kprobe}" "${KMS_EXPECT_BULK:-fentry}" \
	"${KMS_EXPECT_VM_CALLER:-bpf_prog_alloc_no_stats}" >"$root/kms/expect"
chmod 755 "$root/init"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
initrd=$work/initrd.gz
kms_cpio "$root" "$initrd" || fail "cannot build the initramfs"

# --- boot --------------------------------------------------------------------
kms_boot "$initrd" 1024 "$timeout_s" "console=$kms_console panic=-1 oops=panic quiet loglevel=3 mitigations=off"
kms_results
