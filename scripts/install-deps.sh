#!/bin/sh
# Install the Debian 12 packages kmemscope needs, only those missing.
# Usage: scripts/install-deps.sh build|test|bench   (idempotent; a no-op when all is there)
# bench adds the tools kmemscope is compared with (bpftrace, perf): only `make bench` asks for them.
set -eu

build_pkgs="make gcc clang llvm bpftool pkg-config libbpf-dev libelf-dev zlib1g-dev libcjson-dev libsystemd-dev libncurses-dev libprotobuf-c-dev protobuf-c-compiler"
# qemu-system-x86, busybox-static, cpio: tests/kernels (another kernel in QEMU);
# debootstrap: the Debian root file system of its systemd test;
# chromium: the HTML report test; cppcheck, clang-tidy, libclang-rt: check-static
# and fuzzing; systemd, man-db: systemd-analyze verify of the unit and its man
# page; tmux: the live view's test; bpftrace, linux-perf: neighbours on the
# same tracepoints (the noisy-neighbour phase, tests/e2e/attribution.sh);
# golang-go: `go tool pprof` reads report --pprof (tests/e2e/pprof.sh);
# prometheus, prometheus-node-exporter: the fleet test (tests/e2e/fleet.sh)
# and promtool's checks of prometheus/rules.yml
test_pkgs="libcmocka-dev jq util-linux procps gzip cppcheck clang-tidy libclang-rt-14-dev chromium qemu-system-x86 busybox-static cpio debootstrap systemd man-db tmux bpftrace linux-perf golang-go prometheus prometheus-node-exporter"
# the kernel matrix (make test-kernels, part of make test): the arm64 guest
# (qemu-system-arm) and kmemscope cross-built for it (the cross compiler
# and the arm64 libraries through dpkg multiarch; libjq1, libonig5: jq's,
# run in the guest)
kernels_pkgs="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libcjson-dev:arm64 libsystemd-dev:arm64 libncurses-dev:arm64 libprotobuf-c-dev:arm64 libjq1:arm64 libonig5:arm64"
# bench only (make bench): the tools it compares against
bench_pkgs="bpftrace linux-perf python3"

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs $kernels_pkgs" ;;
bench) want="$build_pkgs $bench_pkgs" ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "kmemscope: missing Debian packages:$missing; install them with: sudo apt-get install$missing (or run 'sudo make ...')" >&2
	exit 1
fi
echo "kmemscope: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
case "$missing" in
*:arm64*)
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64 ||
		{ echo "kmemscope: dpkg --add-architecture arm64 failed" >&2; exit 1; }
	;;
esac
# an old or empty package list makes the install fail: refresh it first
apt-get update -qq >/dev/null || { echo "kmemscope: apt-get update failed; check the Debian mirror in /etc/apt/sources.list" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "kmemscope: apt-get install$missing failed" >&2; exit 1; }
