#!/bin/bash
# The kernel-side site tables read back: more sites than one batched read
# holds (the batches must resume exactly where the previous one ended) and
# a key that two CPUs numbered at once, delivered once with both counts.
# Uses bench/drain's loader: the kmem maps with no program attached.
source "$(dirname "$0")/lib.sh"
need_root_bpf drain
[ -x "$KMS_BUILD/bench/drain" ] || { skip drain "$KMS_BUILD/bench/drain not built (make test builds it)"; exit 0; }
"$KMS_BUILD/bench/drain" --check 10000
