#!/bin/bash
# CO-RE on a second kernel: boot Debian 12's own 6.1 kernel in QEMU (TCG,
# no KVM needed) with an initramfs holding busybox, build/kmemscope, the
# test workloads and jq, run the end-to-end assertions of tests/kernels/guest.sh
# there and print its "PASS/FAIL/SKIP: name" lines (plus "INFO:" lines: kernel
# and attach modes) for tests/run.sh.
#
# Usage: tests/kernels/run.sh [BUILD_DIR]
# Environment: KMS_KERNEL_PKG  kernel package (default: the newest
#                              linux-image-6.1.0-*-amd64-unsigned apt offers)
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
busybox=$(command -v busybox) || skip "busybox not installed (Debian package busybox-static)"
ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' ||
	skip "$busybox is not static (install Debian package busybox-static)"
jq=$(command -v jq) || skip "jq not installed"
for f in kmemscope tests/msgq tests/sockfilt tests/fragment tests/mcjoin; do
	[ -x "$build/$f" ] || fail "$build/$f not built (make all, and make test builds the workloads)"
done

# --- the kernel: Debian 12's own, cached -------------------------------------
kms_kernel "$build/kernels"
# what the guest needs must be built in: there are no modules in the initramfs
kms_kernel_needs DEBUG_INFO_BTF BPF_SYSCALL BPF_EVENTS KPROBES SYSVIPC SERIAL_8250_CONSOLE \
	BLK_DEV_INITRD RD_GZIP DEVTMPFS TRACING INET IP_MULTICAST

# --- the initramfs -----------------------------------------------------------
# per run (several runs may share a build tree): the tree, the image, the log
work=$(mktemp -d /tmp/kms-kernels.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,kms,lib64,etc}
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
cp "$build/kmemscope" "$root/kms/kmemscope"
cp "$build/tests/msgq" "$build/tests/sockfilt" "$build/tests/fragment" "$build/tests/mcjoin" "$root/kms/"
rm -f "$root/bin/jq"
cp "$jq" "$root/bin/jq"
# shared libraries and the dynamic loader, at the paths ldd names
for bin in "$build/kmemscope" "$build/tests/msgq" "$build/tests/sockfilt" "$build/tests/fragment" "$build/tests/mcjoin" "$jq"; do
	ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
done | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cp "$top/tests/kernels/guest.sh" "$root/init"
chmod 755 "$root/init"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
initrd=$work/initrd.gz
kms_cpio "$root" "$initrd" || fail "cannot build the initramfs"

# --- boot --------------------------------------------------------------------
kms_boot "$initrd" 1024 "$timeout_s" "console=ttyS0 panic=-1 oops=panic quiet loglevel=3 mitigations=off"
kms_results
