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

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 order_threshold = 1;
const volatile __u32 self_tgid = 0;
const volatile __u32 nr_skip = 0;
const volatile __u64 skip_start[KMS_PAGE_MAX_SKIP] = {};
const volatile __u64 skip_end[KMS_PAGE_MAX_SKIP] = {};

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
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMS_PG_NR);
	__type(key, __u32);
	__type(value, __u64);
} page_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KMS_PAGE_STACK_DEPTH * sizeof(__u64));
} page_stacks SEC(".maps");

struct stack_buf {
	__u64 ip[KMS_PAGE_STACK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_buf);
} page_scratch SEC(".maps");

struct trace_event_raw_mm_page_alloc___x {
	unsigned int order;
	unsigned long gfp_flags;
	int migratetype;
} __attribute__((preserve_access_index));

struct trace_event_raw_mm_page_free___x {
	unsigned int order;
} __attribute__((preserve_access_index));

struct trace_event_raw_mm_page_alloc_extfrag___x {
	int alloc_order;
	int fallback_order;
	int alloc_migratetype;
	int fallback_migratetype;
	int change_ownership;
} __attribute__((preserve_access_index));

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&page_counters, &idx);

	if (v)
		*v += 1;
}

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

static __always_inline bool skipped(__u64 ip)
{
	for (int i = 0; i < KMS_PAGE_MAX_SKIP; i++) {
		if (i >= nr_skip)
			break;
		if (ip >= skip_start[i] && ip < skip_end[i])
			return true;
	}
	return false;
}

/* first frame outside the page and slab allocators' own functions */
static __always_inline __u64 find_caller(void *ctx)
{
	struct stack_buf *buf;
	__u32 zero = 0, nr;
	long n;

	buf = bpf_map_lookup_elem(&page_scratch, &zero);
	if (!buf)
		return 0;
	n = bpf_get_stack(ctx, buf->ip, sizeof(buf->ip), 0);
	nr = n > 0 ? (__u64)n / 8 : 0;
	for (int i = 0; i < KMS_PAGE_STACK_DEPTH; i++) {
		if (i >= nr)
			break;
		if (!skipped(buf->ip[i]))
			return buf->ip[i];
	}
	return 0;
}

SEC("tp/kmem/mm_page_alloc")
int kms_page_alloc(struct trace_event_raw_mm_page_alloc___x *args)
{
	struct kms_page_key key = {};
	struct kms_page_site_key site = {};
	__u32 order = args->order;

	count(KMS_PG_EV_ALLOC);
	/* kmemscope's own page allocations would only blur the picture */
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	key.order = order;
	key.migratetype = args->migratetype;
	key.gfp = args->gfp_flags;
	add(&page_allocs, &key, 1ULL << (order & 31), KMS_PG_DROP_KEYS);
	if (order < order_threshold)
		return 0;
	site.call_site = find_caller(args);
	site.order = order;
	site.stack_id = bpf_get_stackid(args, &page_stacks, 0);
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

	count(KMS_PG_EV_EXTFRAG);
	key.call_site = find_caller(args);
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
