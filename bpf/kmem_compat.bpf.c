// SPDX-License-Identifier: GPL-2.0
/*
 * kmem.bpf.c for kernels without BPF compare-and-swap and fetching atomics
 * (before 5.12, e.g. 5.10): the same programs, maps and variables, the
 * table claims through hash maps (claims.bpf.h). User space opens it with
 * kmem.bpf.c's skeleton (tracer_attach.c).
 */
#define KMS_NO_FETCH_ATOMICS 1
#define KMS_NO_KFUNC 1 /* 6.13+ only: see kmem_nokfunc.bpf.c */
#include "kmem.bpf.c"
