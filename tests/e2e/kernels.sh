#!/bin/bash
# CO-RE on a second kernel: tests/kernels/run.sh boots Debian 12's 6.1
# kernel in QEMU (software emulation, no KVM needed; about 30-60 s) and runs
# the msg_msg, socket-filter vmalloc, GFP and buddyinfo assertions there.
# SKIPs, saying why, when qemu or the kernel package is not available.
set -u
KMS_BUILD=${KMS_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
bash "$(dirname "$0")/../kernels/run.sh" "$KMS_BUILD"
rc=$?
# 77: skipped (the SKIP line says why)
[ "$rc" -eq 77 ] && exit 0
exit "$rc"
