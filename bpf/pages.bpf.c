// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator and compaction events for the fragmentation view.
 * mm_page_alloc fires on every page fault, so the common path is one
 * per-CPU hash update; only allocations of order >= threshold pay for a
 * stack walk to find their caller.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pages.h"
#define KMS_BPF_NR_COUNTERS KMS_PG_NR
#include "common.bpf.h"
#include "core_fixes.bpf.h"
#include "filter.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The self filter and the caller scan's ranges are common.bpf.h's, the task
 * filters filter.bpf.h's: allocations and fallbacks happen in the
 * allocating task, so they are filtered; a page free has no owner to match
 * (no live table for pages), so with a filter on frees are not counted.
 */
const volatile __u32 order_threshold = 1;

const struct kms_page_val zero_val = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kms_page_key);
	__type(value, struct kms_page_val);
} page_allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMS_PAGE_ORDERS);
	__type(key, __u32);
	__type(value, struct kms_page_val);
} page_frees SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kms_page_site_key);
	__type(value, struct kms_page_val);
} page_sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kms_extfrag_key);
	__type(value, struct kms_page_val);
} extfrag SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KMS_PAGE_STACK_DEPTH * sizeof(__u64));
} page_stacks SEC(".maps");

static __always_inline void add(void *map, const void *key, __u64 pages, __u32 drop)
{
	struct kms_page_val *v = bpf_map_lookup_elem(map, key);

	if (!v) {
		if (bpf_map_update_elem(map, key, &zero_val, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(map, key)) {
			count(drop);
			return;
		}
		v = bpf_map_lookup_elem(map, key);
		if (!v)
			return;
	}
	v->count++;
	v->pages += pages;
}

SEC("tp/kmem/mm_page_alloc")
int kms_page_alloc(struct trace_event_raw_mm_page_alloc___x *args)
{
	struct kms_page_key key = {};
	struct kms_page_site_key site = {};
	__u32 order = args->order;
	struct caller c;

	count(KMS_PG_EV_ALLOC);
	if (is_self() || task_filtered_out())
		return 0;
	key.order = order;
	key.migratetype = args->migratetype;
	key.gfp = args->gfp_flags;
	add(&page_allocs, &key, 1ULL << (order & 31), KMS_PG_DROP_KEYS);
	if (order < order_threshold)
		return 0;
	find_caller(args, &c);
	site.call_site = c.ip;
	site.order = order;
	/* from the allocator down: one stack whoever else traces the event */
	site.stack_id = bpf_get_stackid(args, &page_stacks, c.above & BPF_F_SKIP_FIELD_MASK);
	if (site.stack_id < 0) {
		count(KMS_PG_DROP_STACK);
		site.stack_id = -1;
	}
	add(&page_sites, &site, 1ULL << (order & 31), KMS_PG_DROP_SITES);
	return 0;
}

SEC("tp/kmem/mm_page_free")
int kms_page_free(struct trace_event_raw_mm_page_free___x *args)
{
	__u32 order = args->order;
	struct kms_page_val *v;

	count(KMS_PG_EV_FREE);
	if (filter_any)
		return 0;
	if (order >= KMS_PAGE_ORDERS)
		order = KMS_PAGE_ORDERS - 1;
	v = bpf_map_lookup_elem(&page_frees, &order);
	if (v) {
		v->count++;
		v->pages += 1ULL << (args->order & 31);
	}
	return 0;
}

SEC("tp/kmem/mm_page_alloc_extfrag")
int kms_extfrag(struct trace_event_raw_mm_page_alloc_extfrag___x *args)
{
	struct kms_extfrag_key key = {};
	struct caller c;

	count(KMS_PG_EV_EXTFRAG);
	if (task_filtered_out())
		return 0;
	find_caller(args, &c);
	key.call_site = c.ip;
	key.alloc_order = args->alloc_order;
	key.fallback_order = args->fallback_order;
	key.alloc_migratetype = args->alloc_migratetype;
	key.fallback_migratetype = args->fallback_migratetype;
	key.change_ownership = args->change_ownership;
	add(&extfrag, &key, 1ULL << (key.alloc_order & 31), KMS_PG_DROP_EXTFRAG);
	return 0;
}

/* compaction: counted per interval */
#define COMPACTION_TP(tp, prog, counter) \
	SEC("tp/compaction/" #tp)        \
	int prog(void *ctx)              \
	{                                \
		count(counter);          \
		return 0;                \
	}

COMPACTION_TP(mm_compaction_begin, kms_cmp_begin, KMS_PG_COMPACT_BEGIN)
COMPACTION_TP(mm_compaction_end, kms_cmp_end, KMS_PG_COMPACT_END)
COMPACTION_TP(mm_compaction_try_to_compact_pages, kms_cmp_try, KMS_PG_COMPACT_TRY)
COMPACTION_TP(mm_compaction_deferred, kms_cmp_deferred, KMS_PG_COMPACT_DEFERRED)
COMPACTION_TP(mm_compaction_defer_compaction, kms_cmp_defer, KMS_PG_COMPACT_DEFER)
COMPACTION_TP(mm_compaction_defer_reset, kms_cmp_reset, KMS_PG_COMPACT_DEFER_RESET)
