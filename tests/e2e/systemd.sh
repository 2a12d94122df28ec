#!/bin/bash
# kmemscope.service under a real systemd PID 1: tests/kernels/systemd.sh
# boots a debootstrapped Debian 12 (cached in build/systemd/; the first run
# downloads it: about 2 minutes in all) on Debian's 6.1 kernel in QEMU and
# checks that the unit becomes active via READY=1, its sandbox, reload, a
# clean stop and the segments it wrote (about 45-55 s). SKIPs, saying why, without qemu,
# debootstrap, root or the Debian archive.
set -u
KMS_BUILD=${KMS_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
bash "$(dirname "$0")/../kernels/systemd.sh" "$KMS_BUILD"
rc=$?
# 77: skipped (the SKIP line says why)
[ "$rc" -eq 77 ] && exit 0
exit "$rc"
