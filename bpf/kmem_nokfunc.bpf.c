// SPDX-License-Identifier: GPL-2.0
/*
 * kmem.bpf.c without the bpf_get_kmem_cache() kfunc (Linux 6.13+), for
 * kernels whose vmlinux BTF lacks it. A weak kfunc extern that vmlinux does
 * not have makes libbpf look through every module's BTF, and listing them
 * (BPF_BTF_GET_NEXT_ID) needs CAP_SYS_ADMIN: without it (the service's
 * capability drop, perf_event_paranoid 2) the whole object failed to load
 * with "failed to iterate BTF objects" on 6.1. Here the kmalloc cache's
 * SLAB_ACCOUNT flag is simply not looked at (it cannot be on these kernels).
 */
#define KMS_NO_KFUNC 1
#include "kmem.bpf.c"
