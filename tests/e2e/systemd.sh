#!/bin/bash
# kmemscope.service under a real systemd PID 1: tests/kernels/systemd.sh
# boots a debootstrapped Debian 12 (cached in build/systemd/; the first run
# downloads it: about 2 minutes in all) on Debian's 6.1 kernel in QEMU and
# checks that the unit becomes active via READY=1, its sandbox, reload, a
# clean stop and the segments it wrote (about 45-55 s). SKIPs, saying why, without qemu,
# debootstrap, root or the Debian archive.
source "$(dirname "$0")/lib.sh"
run_guest_test systemd.sh
