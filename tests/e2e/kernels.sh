#!/bin/bash
# The kernel matrix (tests/kernels/matrix.sh): the end-to-end assertions in
# QEMU (software emulation, no KVM needed) on Debian 11's 5.10, Debian 12's
# 6.1 and 6.12 (x86-64) and Debian 12's arm64 6.1, one guest at a time, each
# ending with a "KERNEL <release> <arch>: ..." line. About 3 minutes per
# x86-64 guest, more for arm64 (docs/kernels.md has the measured times).
# SKIPs, saying why, when qemu or a kernel package is not available.
# timeout: 3600
source "$(dirname "$0")/lib.sh"
run_guest_test matrix.sh
