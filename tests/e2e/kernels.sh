#!/bin/bash
# CO-RE on a second kernel: tests/kernels/run.sh boots Debian 12's 6.1
# kernel in QEMU (software emulation, no KVM needed; about 30-60 s) and runs
# the msg_msg, socket-filter vmalloc, GFP and buddyinfo assertions there.
# SKIPs, saying why, when qemu or the kernel package is not available.
source "$(dirname "$0")/lib.sh"
run_guest_test run.sh
