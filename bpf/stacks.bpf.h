/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sampled kernel stacks of kmalloc and kmem_cache allocations
 * (--stack-sample N): one allocation in N per site and CPU takes a stack,
 * and its counts go to a (site, stack) entry. User space scales them to
 * the site's exact counts (docs/export-format.md). vmalloc sites need
 * none of this: their key holds their stack, so their counts are exact
 * per stack already. Included once, by kmem.bpf.c, before live.bpf.h,
 * whose slots carry the sample's stack (pad) until the object is freed.
 */
#ifndef KMEMSCOPE_STACKS_BPF_H
#define KMEMSCOPE_STACKS_BPF_H

/*
 * N, a power of two (a mask, not a modulo: a 64-bit division costs ~25 ns
 * per allocation here); 0 = no sampled stacks. Set by user space before load.
 */
const volatile __u32 stack_sample = 0;

/*
 * A hash map, not a table of our own: it is touched only by the sampled
 * allocations and their frees, one in N, so its locking costs little.
 * Bounded (resized by user space): a new entry that does not fit is
 * counted as a stack drop, like a full stack map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by user space */
	__type(key, struct kms_stack_key);
	__type(value, struct kms_stack_counts);
} stack_samples SEC(".maps");

static __always_inline struct kms_stack_counts *stack_entry(__u32 site, __s32 stack_id)
{
	struct kms_stack_key k = { .site = site, .stack_id = stack_id };
	struct kms_stack_counts zero = {}, *v;
	long err;

	v = bpf_map_lookup_elem(&stack_samples, &k);
	if (v)
		return v;
	err = bpf_map_update_elem(&stack_samples, &k, &zero, BPF_NOEXIST);
	/* -EEXIST (17): another CPU added it first, which is fine */
	if (err && err != -17) {
		count(KMS_CNT_DROP_STACK); /* the map is full */
		return NULL;
	}
	return bpf_map_lookup_elem(&stack_samples, &k);
}

/*
 * Whether this allocation is a sample: its stack id + 1, or 0. nth is
 * the site's allocations on this CPU before this one, so the first of
 * every site on every CPU is a sample and the decision costs no counter
 * of its own. ctx is NULL where no stack is sampled (vmalloc).
 */
static __always_inline __u32 stack_take(void *ctx, __u64 nth)
{
	long id;

	if (!stack_sample || !ctx || (nth & (stack_sample - 1)))
		return 0;
	id = bpf_get_stackid(ctx, &stacks, 0);
	if (id < 0) {
		count(KMS_CNT_DROP_STACK); /* stack map full, or a hash collision */
		return 0;
	}
	return id + 1;
}

/* the sample's counts, once the live table has taken it or not */
static __always_inline void stack_add(__u32 site, __u32 tag, __u64 req, __u64 alloc, bool tracked)
{
	struct kms_stack_counts *v = stack_entry(site, tag - 1);

	if (!v)
		return;
	__sync_fetch_and_add(&v->allocs, 1);
	__sync_fetch_and_add(&v->bytes_req, req);
	__sync_fetch_and_add(&v->bytes_alloc, alloc);
	if (tracked) {
		__sync_fetch_and_add(&v->tracked, 1);
		__sync_fetch_and_add(&v->tracked_bytes, (__u64)((alloc + 7) >> 3) << 3);
	}
}

/* a sampled object was freed (or its address handed out again) */
static __always_inline void stack_free(__u32 site, __u32 tag, __u32 units)
{
	struct kms_stack_key k = { .site = site, .stack_id = tag - 1 };
	struct kms_stack_counts *v = bpf_map_lookup_elem(&stack_samples, &k);

	if (!v)
		return;
	__sync_fetch_and_add(&v->frees, 1);
	__sync_fetch_and_add(&v->bytes_freed, (__u64)units << 3);
}

#endif
