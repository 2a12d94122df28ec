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
# The .deb, its vmlinuz and the serial log are kept in BUILD_DIR/kernels/.
# Exit status: 0 all passed, 1 a check failed or the guest did not finish,
# 77 skipped (no qemu, kernel package not downloadable).
set -u
build=$(cd "${1:-build}" && pwd) || exit 1
top=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${KMS_QEMU_TIMEOUT:-480}

skip() { echo "SKIP: kernels: $*"; exit 77; }
fail() { echo "FAIL: kernels: $*"; exit 1; }

qemu=$(command -v qemu-system-x86_64) ||
	skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86; scripts/install-deps.sh test installs it)"
busybox=$(command -v busybox) || skip "busybox not installed (Debian package busybox-static)"
ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable' ||
	skip "$busybox is not static (install Debian package busybox-static)"
command -v cpio >/dev/null || skip "cpio not installed (Debian package cpio)"
jq=$(command -v jq) || skip "jq not installed"
[ "$(uname -m)" = x86_64 ] || skip "the guest kernel is amd64, this host is $(uname -m)"
for f in kmemscope tests/msgq tests/sockfilt tests/fragment; do
	[ -x "$build/$f" ] || fail "$build/$f not built (make all, and make test builds the workloads)"
done

# --- the kernel: Debian 12's own, cached -------------------------------------
cache=$build/kernels
mkdir -p "$cache"
pkg=${KMS_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -1)
fi
if [ -z "$pkg" ]; then
	# offline: the newest kernel a previous run cached
	pkg=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' -printf '%f\n' 2>/dev/null |
		sort -V | tail -1)
	[ -n "$pkg" ] || skip "apt offers no linux-image-6.1.0-*-amd64-unsigned (apt-get update? not Debian 12?) and none is cached in $cache"
fi
kdir=$cache/$pkg
vmlinuz=$kdir/vmlinuz
if [ ! -s "$vmlinuz" ]; then
	mkdir -p "$kdir"
	if ! ls "$kdir"/*.deb >/dev/null 2>&1; then
		echo "downloading $pkg"
		# apt's sandbox user cannot write into the build tree: download in a
		# world-writable temporary directory, then move
		dl=$(mktemp -d)
		chmod 777 "$dl"
		(cd "$dl" && apt-get download "$pkg" >"$dl/log" 2>&1)
		if ! mv "$dl"/*.deb "$kdir"/ 2>/dev/null; then
			err=$(grep -E '^E:' "$dl/log" | head -1)
			rm -rf "$dl"
			skip "cannot download $pkg with apt-get download (${err:-no .deb})"
		fi
		rm -rf "$dl"
	fi
	x=$(mktemp -d)
	dpkg-deb -x "$kdir"/*.deb "$x" || { rm -rf "$x"; fail "cannot unpack $kdir/*.deb"; }
	cp "$x"/boot/config-* "$kdir/config" 2>/dev/null
	cp "$x"/boot/vmlinuz-* "$vmlinuz.$$" && mv "$vmlinuz.$$" "$vmlinuz"
	rm -rf "$x"
	[ -s "$vmlinuz" ] || fail "no vmlinuz in $pkg"
fi
# what the guest needs must be built in: there are no modules in the initramfs
if [ -r "$kdir/config" ]; then
	for opt in DEBUG_INFO_BTF BPF_SYSCALL BPF_EVENTS KPROBES SYSVIPC SERIAL_8250_CONSOLE \
		BLK_DEV_INITRD RD_GZIP DEVTMPFS TRACING; do
		grep -q "^CONFIG_$opt=y" "$kdir/config" || fail "$pkg: CONFIG_$opt is not built in"
	done
fi

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
cp "$build/tests/msgq" "$build/tests/sockfilt" "$build/tests/fragment" "$root/kms/"
rm -f "$root/bin/jq"
cp "$jq" "$root/bin/jq"
# shared libraries and the dynamic loader, at the paths ldd names
for bin in "$build/kmemscope" "$build/tests/msgq" "$build/tests/sockfilt" "$build/tests/fragment" "$jq"; do
	ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
done | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cp "$top/tests/kernels/guest.sh" "$root/init"
chmod 755 "$root/init"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
initrd=$work/initrd.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$initrd" ||
	fail "cannot build the initramfs"

# --- boot --------------------------------------------------------------------
log=$work/serial.log
echo "booting $pkg in QEMU (TCG, timeout ${timeout_s}s); serial log: $cache/$pkg.serial.log"
start=$(date +%s)
# -cpu max: every feature TCG can emulate; no network, no disk, no display
# (in the background: timeout has a process group of its own, so stop it
# ourselves when this script is stopped, e.g. by tests/run.sh's timeout)
timeout -k 10 "$timeout_s" "$qemu" -machine q35 -cpu max -m 1024 -smp 2 -nographic -no-reboot \
	-nodefaults -serial stdio -monitor none \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=3 mitigations=off" \
	</dev/null >"$log" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
wait "$qpid"
rc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$log" >"$log.txt"
cp "$log.txt" "$cache/$pkg.serial.log.$$" && mv "$cache/$pkg.serial.log.$$" "$cache/$pkg.serial.log"

# result lines: "KMS: PASS: name" etc. from the guest, at the start of a line
results=$(sed -n 's/^.*KMS: \(\(PASS\|FAIL\|SKIP\|INFO\): .*\)$/\1/p' "$log.txt")
# check names carry the guest's kernel release: "PASS: 6.1.0-56-amd64/msgq_allocs"
rel=$(sed -n 's/^INFO: kernel \([^ ]*\) .*/\1/p' <<<"$results" | head -1)
results=$(sed -E "s#^(PASS|FAIL|SKIP): #\1: ${rel:-guest}/#" <<<"$results")
printf '%s\n' "$results" | grep -v '^$'
echo "INFO: guest run took ${secs}s (qemu exit status $rc)"
done_line=$(grep -c 'KMS: DONE' "$log.txt")
if ! grep -qE '^(PASS|FAIL): ' <<<"$results"; then
	echo "--- last 60 lines of the serial console:"
	tail -60 "$log.txt"
	fail "no result lines came back from the guest (qemu exit status $rc after ${secs}s)"
fi
if [ "$done_line" -eq 0 ]; then
	echo "--- last 40 lines of the serial console:"
	tail -40 "$log.txt"
	[ "$rc" -eq 124 ] && fail "guest did not finish within ${timeout_s}s"
	fail "guest stopped before the end of the checks (qemu exit status $rc)"
fi
if grep -q '^FAIL: ' <<<"$results"; then
	echo "--- guest diagnostics (KMS-LOG lines):"
	sed -n 's/^.*KMS-LOG: //p' "$log.txt" | tail -80
	exit 1
fi
exit 0
