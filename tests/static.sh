#!/bin/bash
# make check-static: the code builds cleanly with AddressSanitizer and
# UBSan (and the unit tests and a short real recording pass under them),
# and passes cppcheck and clang-tidy with the project's settings; the BPF
# programs compile for every architecture in vmlinux/, and every include in
# src/ points down the layers (scripts/check-layers.sh).
# Usage: tests/static.sh [BUILD_DIR]   (the sanitizer build goes to BUILD_DIR-asan,
# the BPF builds to BUILD_DIR-asan/bpf-ARCH)
# Warnings are errors unless WERROR=0.
set -u
cd "$(dirname "$0")/.." || exit 1
out=${1:-build}-asan
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step() { # name, command...
	local name=$1
	shift
	if "$@" >"$log" 2>&1; then
		echo "PASS: $name"
	else
		echo "FAIL: $name"
		tail -40 "$log" | sed 's/^/    /'
	fi
}

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
werror=${WERROR:-1}
step asan_ubsan_build make --no-print-directory OUT="$out" CFLAGS="-O1 -g $san" \
	LDFLAGS="$san" WERROR="$werror" all unit-bins
for t in "$out"/tests/test_*; do
	step "asan_ubsan_$(basename "$t")" env ASAN_OPTIONS=detect_leaks=1 "$t"
done
if [ "$(id -u)" -eq 0 ]; then
	step asan_ubsan_record bash -c "ASAN_OPTIONS=detect_leaks=1 '$out/kmemscope' record -d 2 -i 0.5 --pages -o '$log.json.gz' >/dev/null && zcat '$log.json.gz' >/dev/null"
	rm -f "$log.json.gz"
else
	echo "SKIP: asan_ubsan_record: needs root to load BPF programs"
fi
# the sources and -I flags from the Makefile, so a file in any folder under
# src/ is checked
read -ra incs <<<"$(make -s --no-print-directory OUT="$out" print-includes)"
read -ra srcs <<<"$(make -s --no-print-directory OUT="$out" print-srcs)"
step layers bash scripts/check-layers.sh
# cppcheck without the build directory: the generated skeletons hold the BPF
# objects as multi-megabyte string literals, which took cppcheck minutes per
# file that includes them (tracer.c: over 100 s) and are not our code; the
# skeleton types are then unknown to it, and our code is still checked; the
# same for protoc-c's generated headers ($out/pb), whose version check needs
# libprotobuf-c's headers, which cppcheck does not read
read -ra src_incs <<<"$(printf '%s\n' "${incs[@]}" | grep -v -- "^-I$out\(/pb\)\?\$" | tr '\n' ' ')"
step cppcheck cppcheck -q --error-exitcode=1 --enable=warning,portability --std=c11 \
	--inline-suppr --library=tests/cppcheck.cfg "${src_incs[@]}" -D__x86_64__ src/
step clang_tidy clang-tidy -quiet "${srcs[@]}" -- -std=gnu11 "${incs[@]}" \
	$(pkg-config --cflags libbpf) -DKMS_VERSION='"check"'
# the BPF programs for every architecture with a vmlinux.h, so one that is
# not the machine's own cannot rot
for d in vmlinux/*/; do
	arch=$(basename "$d")
	step "bpf_$arch" make --no-print-directory OUT="$out/bpf-$arch" ARCH="$arch" bpf
done
