# shellcheck shell=bash
# Shared by the QEMU tests (sourced, not run): tests/kernels/run.sh (the
# end-to-end assertions in a busybox initramfs) and tests/kernels/systemd.sh
# (kmemscope.service under a real systemd). Both boot Debian 12's own 6.1
# kernel, cached in BUILD_DIR/kernels/, and report the guest's "KMS: " lines.
#
# The sourcing script sets kms_test (the name in its own SKIP/FAIL lines) and
# work (a per-run temporary directory, removed on exit) before calling these.
# shellcheck disable=SC2154 # kms_test, work: set by the sourcing script

kms_skip() { echo "SKIP: $kms_test: $*"; exit 77; }
kms_fail() { echo "FAIL: $kms_test: $*"; exit 1; }

# sets qemu (its path); SKIPs when it or an amd64 host is missing
kms_need_qemu() {
	qemu=$(command -v qemu-system-x86_64) ||
		kms_skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86; scripts/install-deps.sh test installs it)"
	[ "$(uname -m)" = x86_64 ] || kms_skip "the guest kernel is amd64, this host is $(uname -m)"
	command -v cpio >/dev/null || kms_skip "cpio not installed (Debian package cpio)"
}

# kms_kernel CACHE: Debian 12's 6.1 kernel package, downloaded once into
# CACHE/PKG/ (the .deb, its vmlinuz and config). Sets pkg, kdir, vmlinuz.
# KMS_KERNEL_PKG overrides the package; offline, the newest cached one.
kms_kernel() {
	local cache=$1 dl x err
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
		[ -n "$pkg" ] || kms_skip "apt offers no linux-image-6.1.0-*-amd64-unsigned (apt-get update? not Debian 12?) and none is cached in $cache"
	fi
	kdir=$cache/$pkg
	vmlinuz=$kdir/vmlinuz
	[ -s "$vmlinuz" ] && return 0
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
			kms_skip "cannot download $pkg with apt-get download (${err:-no .deb})"
		fi
		rm -rf "$dl"
	fi
	x=$(mktemp -d)
	dpkg-deb -x "$kdir"/*.deb "$x" || { rm -rf "$x"; kms_fail "cannot unpack $kdir/*.deb"; }
	cp "$x"/boot/config-* "$kdir/config" 2>/dev/null
	cp "$x"/boot/vmlinuz-* "$vmlinuz.$$" && mv "$vmlinuz.$$" "$vmlinuz"
	rm -rf "$x"
	[ -s "$vmlinuz" ] || kms_fail "no vmlinuz in $pkg"
}

# kms_kernel_needs OPTION...: the guests load no modules, so what they need
# must be built into the kernel (CONFIG_OPTION=y in the package's config)
kms_kernel_needs() {
	local opt
	[ -r "$kdir/config" ] || return 0
	for opt in "$@"; do
		grep -q "^CONFIG_$opt=y" "$kdir/config" || kms_fail "$pkg: CONFIG_$opt is not built in"
	done
}

# kms_cpio DIR OUT: DIR as a gzip'd newc archive for the kernel, owned by root
kms_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$2"
}

# kms_boot INITRD MEMORY_MB TIMEOUT_S KERNEL_ARGS: boots $vmlinuz with the
# serial console on $work/serial.log (CRs removed in $work/serial.log.txt,
# a copy in $kdir.NAME.serial.log with NAME from $kms_test). Sets qemu_rc
# (124: timed out) and qemu_secs.
kms_boot() {
	local initrd=$1 mem=$2 tmo=$3 append=$4 log=$work/serial.log start
	echo "booting $pkg in QEMU (TCG, timeout ${tmo}s); serial log: $kdir.$kms_test.serial.log"
	start=$(date +%s)
	# -cpu max: every feature TCG can emulate; no network, no disk, no display
	# (in the background: timeout has a process group of its own, so stop it
	# ourselves when this script is stopped, e.g. by tests/run.sh's timeout)
	timeout -k 10 "$tmo" "$qemu" -machine q35 -cpu max -m "$mem" -smp 2 -nographic -no-reboot \
		-nodefaults -serial stdio -monitor none \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$append" \
		</dev/null >"$log" 2>&1 &
	kms_qpid=$!
	trap 'kill "$kms_qpid" 2>/dev/null; rm -rf "$work"' EXIT
	trap 'exit 1' INT TERM
	wait "$kms_qpid"
	qemu_rc=$?
	kms_qpid=""
	qemu_secs=$(($(date +%s) - start))
	tr -d '\r' <"$log" >"$log.txt"
	cp "$log.txt" "$kdir.$kms_test.serial.log.$$" && mv "$kdir.$kms_test.serial.log.$$" "$kdir.$kms_test.serial.log"
}

# kms_results: the guest's "KMS: PASS|FAIL|SKIP|INFO: ..." lines from the
# serial log, check names prefixed with the guest's kernel release
# ("PASS: 6.1.0-56-amd64/msgq_allocs"); exits 1 when a check failed, no
# result came back or the guest did not reach "KMS: DONE" (then with the
# console's tail, and the guest's "KMS-LOG: " diagnostics), else 0.
kms_results() {
	local txt=$work/serial.log.txt results rel
	results=$(sed -n 's/^.*KMS: \(\(PASS\|FAIL\|SKIP\|INFO\): .*\)$/\1/p' "$txt")
	rel=$(sed -n 's/^INFO: kernel \([^ ]*\) .*/\1/p' <<<"$results" | head -1)
	results=$(sed -E "s#^(PASS|FAIL|SKIP): #\1: ${rel:-guest}/#" <<<"$results")
	printf '%s\n' "$results" | grep -v '^$'
	echo "INFO: guest run took ${qemu_secs}s (qemu exit status $qemu_rc)"
	if ! grep -qE '^(PASS|FAIL): ' <<<"$results"; then
		echo "--- last 60 lines of the serial console:"
		tail -60 "$txt"
		kms_fail "no result lines came back from the guest (qemu exit status $qemu_rc after ${qemu_secs}s)"
	fi
	if ! grep -q 'KMS: DONE' "$txt"; then
		echo "--- last 40 lines of the serial console:"
		tail -40 "$txt"
		[ "$qemu_rc" -eq 124 ] && kms_fail "guest did not finish within its timeout"
		kms_fail "guest stopped before the end of the checks (qemu exit status $qemu_rc)"
	fi
	if grep -q '^FAIL: ' <<<"$results"; then
		echo "--- guest diagnostics (KMS-LOG lines):"
		sed -n 's/^.*KMS-LOG: //p' "$txt" | tail -80
		exit 1
	fi
	exit 0
}
