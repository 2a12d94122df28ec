// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: empty programs on exactly the tracepoints kmemscope attaches,
 * as classic (perf-event) tracepoints, what bpftrace's tracepoint: probes
 * use; with --raw the kmem ones as raw tracepoints, as kmemscope attaches
 * them by default. What is left of the tracing
 * cost when the program does nothing is the price of the attach point itself
 * (tracepoint enabled, record filled, BPF dispatch); kmemscope's cost is
 * measured against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(section, name) \
	SEC(section)         \
	int name(void *ctx)  \
	{                    \
		return 0;    \
	}

/* kmemscope record (defaults; vmalloc in tracepoint mode: no kprobes/fentry here) */
EMPTY("tp/kmem/kmalloc", flr_kmalloc)
EMPTY("tp/kmem/kfree", flr_kfree)
EMPTY("tp/kmem/kmem_cache_alloc", flr_cache_alloc)
EMPTY("tp/kmem/kmem_cache_free", flr_cache_free)
EMPTY("tp/vmalloc/alloc_vmap_area", flr_vmap_alloc)
EMPTY("tp/vmalloc/free_vmap_area_noflush", flr_vmap_free)
/*
 * floor raw: what kmemscope attaches where the kernel's prototypes allow
 * (raw tracepoints: no record is filled before the program runs)
 */
EMPTY("raw_tp/kmalloc", flr_raw_kmalloc)
EMPTY("raw_tp/kfree", flr_raw_kfree)
EMPTY("raw_tp/kmem_cache_alloc", flr_raw_cache_alloc)
EMPTY("raw_tp/kmem_cache_free", flr_raw_cache_free)
/* kmemscope record --pages adds these */
EMPTY("tp/kmem/mm_page_alloc", flr_pg_alloc)
EMPTY("tp/kmem/mm_page_free", flr_pg_free)
EMPTY("tp/kmem/mm_page_alloc_extfrag", flr_pg_extfrag)
EMPTY("tp/compaction/mm_compaction_begin", flr_cmp_begin)
EMPTY("tp/compaction/mm_compaction_end", flr_cmp_end)
EMPTY("tp/compaction/mm_compaction_try_to_compact_pages", flr_cmp_try)
EMPTY("tp/compaction/mm_compaction_deferred", flr_cmp_deferred)
EMPTY("tp/compaction/mm_compaction_defer_compaction", flr_cmp_defer)
EMPTY("tp/compaction/mm_compaction_defer_reset", flr_cmp_reset)
