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

# the guest's Debian architecture: KMS_KERNEL_ARCH (amd64, default, or arm64),
# and its serial console (name, kernel option; used by run.sh)
kms_arch=${KMS_KERNEL_ARCH:-amd64}
# shellcheck disable=SC2034
if [ "$kms_arch" = arm64 ]; then
	kms_console=ttyAMA0 kms_console_config=SERIAL_AMBA_PL011_CONSOLE
else
	kms_console=ttyS0 kms_console_config=SERIAL_8250_CONSOLE
fi

# sets qemu (its path) for the guest's architecture; SKIPs when it is missing
kms_need_qemu() {
	case "$kms_arch" in
	amd64)
		qemu=$(command -v qemu-system-x86_64) ||
			kms_skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86; scripts/install-deps.sh test installs it)"
		[ "$(uname -m)" = x86_64 ] || kms_skip "the guest kernel is amd64, this host is $(uname -m)"
		;;
	arm64)
		qemu=$(command -v qemu-system-aarch64) ||
			kms_skip "qemu-system-aarch64 not installed (Debian package qemu-system-arm; scripts/install-deps.sh test installs it)"
		;;
	*) kms_fail "KMS_KERNEL_ARCH=$kms_arch: amd64 or arm64" ;;
	esac
	command -v cpio >/dev/null || kms_skip "cpio not installed (Debian package cpio)"
}

# the machine's Debian release (bookworm), from its apt sources
kms_own_suite() {
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	apt-get indextargets --format '$(RELEASE)' 2>/dev/null | grep -v -- - | head -1
}

# kms_apt CACHE SUITE ARCH: sets kms_apt_opts, the options that make apt-get
# and apt-cache see SUITE for ARCH from the machine's own Debian mirror (the
# one its apt sources name for its own release) instead of the machine's
# configuration: a package list of their own in CACHE/apt/SUITE-ARCH,
# refreshed once a day. Empty (the machine's own apt) for its own suite
# and architecture.
kms_apt() {
	local cache=$1 suite=$2 arch=$3 own_suite mirror d
	own_suite=$(kms_own_suite)
	kms_apt_opts=()
	[ "$suite" = "$own_suite" ] && [ "$arch" = "$(dpkg --print-architecture)" ] && return 0
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk -v s="$own_suite" '$2 == s { print $1; exit }')
	[ -n "$mirror" ] || kms_skip "no Debian mirror in the machine's apt sources (apt-get indextargets) to fetch $suite/$arch from"
	d=$cache/apt/$suite-$arch
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"
	# apt's sandbox user writes the lists
	chmod -R a+rwX "$d"
	echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$d/sources.list"
	kms_apt_opts=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/parts"
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=/dev/null"
		-o "Dir::Etc::Preferences=$d/parts/none" -o "Dir::Etc::PreferencesParts=$d/parts"
		-o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
		apt-get "${kms_apt_opts[@]}" update >"$d/update.log" 2>&1 ||
			echo "apt-get update for $suite/$arch failed (offline?): $(grep -E '^(E|W):' "$d/update.log" | head -1)"
	fi
}

# kms_apt_download CACHE SUITE ARCH PKG DIR: PKG's .deb into DIR, with apt
# (kms_apt); returns 1 with the reason in kms_apt_err
kms_apt_download() {
	local dl
	kms_apt "$1" "$2" "$3"
	# apt's sandbox user cannot write into the build tree: download in a
	# world-writable temporary directory, then move
	dl=$(mktemp -d)
	chmod 777 "$dl"
	(cd "$dl" && apt-get "${kms_apt_opts[@]}" download "$4" >"$dl/log" 2>&1)
	if ! mv "$dl"/*.deb "$5"/ 2>/dev/null; then
		kms_apt_err=$(grep -E '^E:' "$dl/log" | head -1)
		rm -rf "$dl"
		return 1
	fi
	rm -rf "$dl"
}

# kms_kernel CACHE: a Debian kernel package, downloaded once into CACHE/PKG/
# (the .deb, its vmlinuz and config). Sets pkg, kdir, vmlinuz.
# KMS_KERNEL_PKG names the package; else the newest that matches the regular
# expression KMS_KERNEL_MATCH (default: Debian 12's 6.1, linux-image-6.1.0-N-ARCH-unsigned)
# in the suite KMS_KERNEL_SUITE (default: the machine's own) for KMS_KERNEL_ARCH.
# Offline, the newest cached one that matches.
kms_kernel() {
	local cache=$1 x suite match
	mkdir -p "$cache"
	suite=${KMS_KERNEL_SUITE:-$(kms_own_suite)}
	match=${KMS_KERNEL_MATCH:-"^linux-image-6\.1\.0-[0-9]+-$kms_arch-unsigned\$"}
	pkg=${KMS_KERNEL_PKG:-}
	if [ -z "$pkg" ] && [ -n "$suite" ]; then
		kms_apt "$cache" "$suite" "$kms_arch"
		pkg=$(apt-cache "${kms_apt_opts[@]}" search --names-only "$match" 2>/dev/null |
			awk '{ print $1 }' | sort -V | tail -1)
	fi
	if [ -z "$pkg" ]; then
		# offline: the newest kernel a previous run cached
		pkg=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' -printf '%f\n' 2>/dev/null |
			grep -E "$match" | sort -V | tail -1)
		[ -n "$pkg" ] || kms_skip "apt offers no package matching $match in ${suite:-its suite} for $kms_arch (apt-get update?) and none is cached in $cache"
	fi
	kdir=$cache/$pkg
	vmlinuz=$kdir/vmlinuz
	[ -s "$vmlinuz" ] && return 0
	mkdir -p "$kdir"
	if ! ls "$kdir"/*.deb >/dev/null 2>&1; then
		echo "downloading $pkg ($suite, $kms_arch)"
		kms_apt_download "$cache" "$suite" "$kms_arch" "$pkg" "$kdir" ||
			kms_skip "cannot download $pkg with apt-get download (${kms_apt_err:-no .deb})"
	fi
	x=$(mktemp -d)
	dpkg-deb -x "$kdir"/*.deb "$x" || { rm -rf "$x"; kms_fail "cannot unpack $kdir/*.deb"; }
	cp "$x"/boot/config-* "$kdir/config" 2>/dev/null
	cp "$x"/boot/vmlinuz-* "$vmlinuz.$$" && mv "$vmlinuz.$$" "$vmlinuz"
	rm -rf "$x"
	[ -s "$vmlinuz" ] || kms_fail "no vmlinuz in $pkg"
}

# kms_arm64_tools CACHE: busybox (static) and jq of Debian's arm64 packages,
# unpacked once into CACHE/arm64-tools/; sets busybox and jq. jq's libraries
# come from the multiarch arm64 packages (scripts/install-deps.sh test).
kms_arm64_tools() {
	local d=$1/arm64-tools p x
	busybox=$d/bin/busybox
	jq=$d/usr/bin/jq
	[ -x "$busybox" ] && [ -x "$jq" ] && return 0
	mkdir -p "$d/debs"
	for p in busybox-static jq; do
		ls "$d/debs/${p}_"*.deb >/dev/null 2>&1 && continue
		kms_apt_download "$1" "$(kms_own_suite)" arm64 "$p" "$d/debs" ||
			kms_skip "cannot download $p for arm64 (${kms_apt_err:-no .deb})"
	done
	for x in "$d"/debs/*.deb; do
		dpkg-deb -x "$x" "$d" || kms_fail "cannot unpack $x"
	done
	if [ ! -x "$busybox" ] || [ ! -x "$jq" ]; then
		kms_fail "no busybox or jq in $d/debs"
	fi
}

# kms_libs BINARY...: the shared libraries and loaders the binaries need,
# one path a line (ldd for the host's architecture; for arm64, whose
# binaries the host cannot run, their DT_NEEDED entries resolved in the
# multiarch directories)
kms_libs() {
	local bin
	if [ "$kms_arch" = amd64 ]; then
		for bin in "$@"; do
			ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
		done | sort -u
		return
	fi
	local todo=("$@") seen=" " f lib dir
	echo /lib/ld-linux-aarch64.so.1
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case "$seen" in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			for dir in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
				[ -e "$dir/$lib" ] || continue
				echo "$dir/$lib"
				todo+=("$dir/$lib")
				break
			done
		done
	done
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
	# arm64: QEMU's own pointer-authentication hash instead of the
	# architected QARMA5, which TCG computes at every signed return of a
	# kernel built with pointer authentication (Debian's): the arm64 guest
	# took over 1500 s with it, on the same machine as the x86 guests' 130-280
	# (QEMU 6.0+; an older one refuses the property at once, and gets the
	# slow hash rather than no guest)
	local machine=q35 cpu=max
	if [ "$kms_arch" = arm64 ]; then
		machine=virt cpu=max,pauth-impdef=on
		timeout 2 "$qemu" -machine virt -cpu $cpu -S -display none -nodefaults \
			-monitor none -serial none >/dev/null 2>&1
		[ $? = 124 ] || cpu=max
	fi
	timeout -k 10 "$tmo" "$qemu" -machine $machine -cpu $cpu -m "$mem" -smp 2 -nographic -no-reboot \
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
