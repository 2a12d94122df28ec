#!/bin/bash
# kmemscope.service under a real systemd: debootstrap a minimal Debian 12
# root file system (cached in BUILD_DIR/systemd/), install kmemscope into it
# with `make install DESTDIR=...`, enable the unit with a 1-second interval,
# and boot it as the initramfs of Debian 12's 6.1 kernel in QEMU (TCG) with
# systemd as PID 1. tests/kernels/systemd-guest.sh runs in the guest as a
# oneshot unit after kmemscope.service and checks that it became active
# (READY=1), its sandbox, its control socket, reload, a clean stop and the
# segments it wrote; this script prints its "PASS/FAIL/SKIP: name" and
# "INFO:" lines for tests/run.sh.
#
# Usage: tests/kernels/systemd.sh [BUILD_DIR]
# Environment: KMS_KERNEL_PKG    kernel package (see tests/kernels/run.sh)
#              KMS_QEMU_TIMEOUT  seconds for the whole guest run (default 480)
#              KMS_DEBIAN_MIRROR debootstrap's mirror (default: the one apt
#                                uses for bookworm/main)
# Exit status: 0 all passed, 1 a check failed or the guest did not finish,
# 77 skipped (no qemu or debootstrap, not root, the archive unreachable).
set -u
build=$(cd "${1:-build}" && pwd) || exit 1
top=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${KMS_QEMU_TIMEOUT:-480}
suite=bookworm

kms_test=systemd
source "$top/tests/kernels/lib.sh"
skip() { kms_skip "$@"; }
fail() { kms_fail "$@"; }

kms_need_qemu
command -v debootstrap >/dev/null ||
	skip "debootstrap not installed (Debian package debootstrap; scripts/install-deps.sh test installs it)"
[ "$(id -u)" -eq 0 ] || skip "debootstrap and the root file system's ownership need root"
[ -x "$build/kmemscope" ] || fail "$build/kmemscope not built (make all)"

# --- the kernel: Debian 12's own, cached (shared with tests/kernels/run.sh) ---
kms_kernel "$build/kernels"
# no modules in the initramfs: the root file system is the initramfs itself
# (tmpfs), so no block or file system drivers; systemd needs cgroups,
# seccomp (SystemCallFilter=), namespaces (the sandbox), fhandle, autofs is
# optional
kms_kernel_needs DEBUG_INFO_BTF BPF_SYSCALL BPF_EVENTS KPROBES SERIAL_8250_CONSOLE \
	BLK_DEV_INITRD RD_GZIP DEVTMPFS TMPFS TRACING CGROUPS SECCOMP_FILTER NAMESPACES \
	NET_NS FHANDLE INOTIFY_USER SIGNALFD TIMERFD EPOLL

# --- the root file system: debootstrap, cached ---------------------------------
# the packages: systemd, jq for the checks, and the packages of the shared
# libraries kmemscope links (found with dpkg -S on this host, so a new -l in
# the Makefile is followed)
pkgs="systemd systemd-sysv jq"
while read -r lib; do
	p=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null) ||
		fail "no Debian package has $lib, which kmemscope links"
	pkgs="$pkgs ${p%%:*}"
done < <(ldd "$build/kmemscope" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }')
pkgs=$(tr ' ' '\n' <<<"$pkgs" | sort -u | paste -sd ' ')

cache=$build/systemd
root=$cache/root-$suite
base=$cache/root-$suite.cpio.gz
mkdir -p "$cache"
# one run at a time builds the cache (several runs may share a build tree)
exec 8>"$cache/.lock"
flock 8
# the list of packages is the cache key: a root for another list is rebuilt
if [ "$(cat "$root.packages" 2>/dev/null)" != "$pkgs" ] || [ ! -d "$root" ]; then
	mirror=${KMS_DEBIAN_MIRROR:-$(apt-cache policy 2>/dev/null |
		awk -v s="$suite/main" '$3 == s && $4 == "amd64" { print $2; exit }')}
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "debootstrap $suite from $mirror into $root (once; about a minute): $pkgs"
	rm -rf "$root" "$root.new" "$root.packages" "$base"
	start=$(date +%s)
	if ! debootstrap --variant=minbase --include="${pkgs// /,}" "$suite" "$root.new" "$mirror" \
		>"$cache/debootstrap.log" 2>&1; then
		err=$(grep -E '^(E|W):' "$cache/debootstrap.log" | head -2 | paste -sd ' ')
		rm -rf "$root.new"
		if grep -qE "Failed getting release file|Couldn't download|Failure trying to run: .*wget|Temporary failure resolving|unable to fetch|Could not resolve" \
			"$cache/debootstrap.log"; then
			skip "the Debian archive $mirror is not reachable: ${err:-see $cache/debootstrap.log}"
		fi
		fail "debootstrap failed: ${err:-see $cache/debootstrap.log}"
	fi
	# what the guest does not need, and it is kept in RAM there
	rm -rf "$root.new"/var/cache/apt/* "$root.new"/var/lib/apt/lists/* \
		"$root.new"/usr/share/{doc,man,info,locale}/*
	mv "$root.new" "$root"
	echo "$pkgs" >"$root.packages"
	echo "INFO: debootstrap took $(($(date +%s) - start))s"
fi
if [ ! -s "$base" ]; then
	kms_cpio "$root" "$base.$$" || fail "cannot pack $root"
	mv "$base.$$" "$base"
fi
flock -u 8

# --- this run's files, a second archive over the first --------------------------
work=$(mktemp -d /tmp/kms-systemd.XXXXXX)
trap 'rm -rf "$work"' EXIT
ov=$work/overlay
mkdir -p "$ov"
# the project's own installation: binary, unit (ExecStart rewritten for
# BINDIR), default configuration, man page
make -C "$top" --no-print-directory OUT="$build" DESTDIR="$ov" PREFIX=/usr/local install >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "make install DESTDIR=... failed"; }
# an interval of 1 s (default 10): three intervals in the segment soon
conf=$ov/etc/kmemscope/kmemscope.conf
grep -q '^#interval = ' "$conf" || fail "no '#interval = ' line in the installed kmemscope.conf"
sed -i 's/^#interval = .*/interval = 1/' "$conf"
"$build/kmemscope" daemon --check-config "$conf" || fail "the test configuration is invalid"
install -D -m 0755 "$top/tests/kernels/systemd-guest.sh" "$ov/usr/local/sbin/kms-report"
mkdir -p "$ov/etc/systemd/system"
cat >"$ov/etc/systemd/system/kms-report.service" <<'EOF'
[Unit]
Description=kmemscope test: check kmemscope.service, then power off
# started once kmemscope.service's start job is over (READY=1 or failure)
After=kmemscope.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kms-report
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
# enabled the way an administrator does it: the units' [Install] sections
systemctl --root="$ov" enable kmemscope.service kms-report.service >"$work/enable.log" 2>&1 ||
	{ cat "$work/enable.log"; fail "systemctl --root enable failed"; }
initrd=$work/initrd.gz
kms_cpio "$ov" "$work/overlay.cpio.gz" || fail "cannot pack the overlay"
# the kernel unpacks concatenated archives in order: the overlay's files win
cat "$base" "$work/overlay.cpio.gz" >"$initrd"

# --- boot: systemd as PID 1 on the initramfs (rootfs is tmpfs without root=) --
kms_boot "$initrd" 2048 "$timeout_s" \
	"console=ttyS0 rdinit=/sbin/init panic=-1 oops=panic loglevel=3 mitigations=off"
kms_results
