/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live-object table of kmem.bpf.c: an open hash table in an array map
 * (struct kms_live_bucket, include/kmemscope.h) that matches frees to their
 * allocations. Included once, by kmem.bpf.c, after the site table: a stale
 * entry is charged to its site through site_counters(), and to its sampled
 * stack (stacks.bpf.h).
 */
#ifndef KMEMSCOPE_LIVE_BPF_H
#define KMEMSCOPE_LIVE_BPF_H

/* buckets minus one (a power of two), set by user space with the map's size */
const volatile __u32 live_mask = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u32);
	__type(value, struct kms_live_bucket);
} live_tab SEC(".maps");

static __always_inline __u32 to_units(__u64 bytes)
{
	__u64 u = (bytes + 7) >> 3;

	return u > 0xffffffffULL ? 0xffffffff : u;
}

/*
 * A tracked address was handed out again: its free went past us (a path
 * without a tracepoint, such as a bulk free). Take it out of its site's
 * live count.
 */
static __always_inline void drop_stale(const struct kms_live_slot *old)
{
	struct kms_site_counters *c;
	__u32 idx = old->site;

	count(KMS_CNT_STALE_LIVE);
	if (old->pad)
		stack_free(idx, old->pad, old->units);
	c = bpf_map_lookup_elem(&site_stats, &idx);
	if (c) {
		__sync_fetch_and_add(&c->stale, 1);
		__sync_fetch_and_add(&c->stale_bytes, (__u64)old->units << 3);
	}
}

/*
 * An object's two candidate buckets: its hash's bucket and a second one,
 * chosen by other bits of the hash, in the same group of 16 (one 4 KiB
 * page of the table, so the second costs no TLB miss). An object goes to
 * the emptier of the two: with two choices buckets fill evenly and almost
 * never overflow before the table is full.
 */
static __always_inline __u32 live_bucket(__u32 h, __u32 choice)
{
	__u32 b = h & live_mask;

	if (choice)
		b = ((b & ~15U) | ((h >> 24) & 15)) & live_mask;
	return b;
}

/*
 * One bucket of the live table, scanned: where ptr is (KMS_LIVE_WAYS when
 * absent), how many slots are free and the first free one
 * (KMS_LIVE_WAYS when none), packed as found | nfree << 8 | first << 16.
 * A global function: the verifier checks it once per program, and its
 * callers see one unknown value instead of every combination of slot
 * states (inlined, the two-bucket choice tripled the start-up time).
 */
__noinline int scan_live(__u32 b, __u64 ptr)
{
	struct kms_live_bucket *bk = bpf_map_lookup_elem(&live_tab, &b);
	int found = KMS_LIVE_WAYS, nfree = 0, first = KMS_LIVE_WAYS;

	if (!bk)
		return KMS_LIVE_WAYS | KMS_LIVE_WAYS << 16;
	for (int i = 0; i < KMS_LIVE_WAYS; i++) {
		__u64 v = bk->slot[i].ptr;

		if (v == ptr) {
			found = i;
			break;
		}
		if (!v) {
			nfree++;
			if (first == KMS_LIVE_WAYS)
				first = i;
		}
	}
	return found | nfree << 8 | first << 16;
}

#define SCAN_FOUND(r) ((r)&0xff)
#define SCAN_NFREE(r) (((r) >> 8) & 0xff)
#define SCAN_FIRST(r) (((r) >> 16) & 0xff)

static __always_inline struct kms_live_slot *live_slot(__u32 b, int i)
{
	struct kms_live_bucket *bk = bpf_map_lookup_elem(&live_tab, &b);

	return bk ? &bk->slot[i & (KMS_LIVE_WAYS - 1)] : NULL;
}

/*
 * Enter an object into the live table: both buckets are searched for a
 * stale entry of the same address first, then the emptier bucket's first
 * free slot is taken.
 */
static __always_inline bool track(__u64 ptr, __u32 site, __u64 bytes, bool sample, __u32 tag)
{
	__u32 h = hash64(ptr), b0 = live_bucket(h, 0), b1 = live_bucket(h, 1), b;
	int r0 = scan_live(b0, ptr), r1 = 0, i;
	struct kms_live_slot *s;

	if (SCAN_FOUND(r0) < KMS_LIVE_WAYS) {
		b = b0;
		i = SCAN_FOUND(r0);
	} else {
		r1 = scan_live(b1, ptr);
		if (SCAN_FOUND(r1) < KMS_LIVE_WAYS) {
			b = b1;
			i = SCAN_FOUND(r1);
		} else {
			b = SCAN_NFREE(r1) > SCAN_NFREE(r0) ? b1 : b0;
			i = SCAN_NFREE(r1) > SCAN_NFREE(r0) ? SCAN_FIRST(r1) : SCAN_FIRST(r0);
			s = i < KMS_LIVE_WAYS ? live_slot(b, i) : NULL;
			if (!s || !claim_live_slot(s, ptr)) {
				count(KMS_CNT_DROP_LIVE);
				return false;
			}
			goto fill;
		}
	}
	s = live_slot(b, i);
	if (!s)
		return false;
	drop_stale(s);
fill:
	/* nobody can free ptr before its allocation returns: plain stores */
	s->ts = sample ? bpf_ktime_get_ns() : 0;
	s->site = site;
	s->units = to_units(bytes);
	s->cpu = bpf_get_smp_processor_id();
	s->pad = tag; /* the sampled stack to charge its free to */
	return true;
}

#endif
