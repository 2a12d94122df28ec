/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How kmem.bpf.c's tables hand a slot or a number to exactly one CPU.
 *
 * Compare-and-swap and the fetch-and-add that returns the old value
 * (BPF_ATOMIC with BPF_FETCH) arrived in Linux 5.12; a kernel before that
 * (5.10) refuses the whole object at load ("BPF_STX uses reserved
 * fields"), dead code included. kmem_compat.bpf.c compiles kmem.bpf.c a
 * second time with KMS_NO_FETCH_ATOMICS, and user space loads that object
 * where a probe program with a compare-and-swap is refused
 * (tracer_attach.c). There the claims go through hash maps instead:
 * bpf_map_update_elem(BPF_NOEXIST) lets exactly one CPU insert a key,
 * bpf_map_delete_elem exactly one remove it. The key is the slot's offset
 * in its table (pointer minus pointer: allowed to the privileged loader).
 * Both maps are preallocated (an allocation inside a kmalloc tracepoint
 * would recurse) and exist in both objects, so one skeleton fits both;
 * user space sizes them only for the compat object.
 */
#ifndef KMEMSCOPE_CLAIMS_BPF_H
#define KMEMSCOPE_CLAIMS_BPF_H

/* site slots (offset in site_tab) and site numbers (| 1 << 63) taken */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by user space for the compat object */
	__type(key, __u64);
	__type(value, __u8);
} site_claims SEC(".maps");

/* live slots in use (offset in live_tab) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by user space for the compat object */
	__type(key, __u64);
	__type(value, __u8);
} live_claims SEC(".maps");

#ifndef KMS_NO_FETCH_ATOMICS

#define claim_site_slot(s)                                                             \
	(__sync_val_compare_and_swap(&(s)->state, KMS_SLOT_EMPTY, KMS_SLOT_CLAIMED) == \
	 KMS_SLOT_EMPTY)
#define take_site_number() __sync_fetch_and_add(&next_site, 1)
#define claim_live_slot(s, p) (__sync_val_compare_and_swap(&(s)->ptr, 0, p) == 0)
#define release_live_slot(s, p) (__sync_val_compare_and_swap(&(s)->ptr, p, 0) == (p))

#else

/*
 * A try fails only when another CPU (or an interrupt on this one) took
 * that number since next_site was read: 32 covers far more new sites at
 * the same instant than there are CPUs allocating
 */
#define KMS_NUMBER_TRIES 32
#define KMS_NUMBER_KEY (1ULL << 63)

static __always_inline bool claim_key(void *map, __u64 key)
{
	__u8 one = 1;

	return bpf_map_update_elem(map, &key, &one, BPF_NOEXIST) == 0;
}

static __always_inline __u64 table_offset(void *map, const void *slot)
{
	__u32 zero = 0;
	const void *base = bpf_map_lookup_elem(map, &zero);

	return base ? (const char *)slot - (const char *)base : 0;
}

/* slots are never emptied: the first insert of its offset owns it for good */
static __always_inline bool claim_site_slot(struct kms_site_slot *s)
{
	if (s->state != KMS_SLOT_EMPTY || !claim_key(&site_claims, table_offset(&site_tab, s)))
		return false;
	s->state = KMS_SLOT_CLAIMED;
	return true;
}

/*
 * The numbers handed out stay 0..next_site-1: next_site, read without a
 * fetch, is at most the numbers taken, and a number is taken only after
 * every one from there up to it was. Each taken number then adds one.
 */
static __always_inline __u64 take_site_number(void)
{
	__u64 n = next_site;

	for (int i = 0; i < KMS_NUMBER_TRIES; i++) {
		if (claim_key(&site_claims, KMS_NUMBER_KEY | n)) {
			__sync_fetch_and_add(&next_site, 1);
			return n;
		}
		n = next_site > n + 1 ? next_site : n + 1;
	}
	return ~0ULL; /* too contended: as if the table were full */
}

static __always_inline bool claim_live_in(void *tab, struct kms_live_slot *s, __u64 ptr)
{
	if (s->ptr || !claim_key(&live_claims, table_offset(tab, s)))
		return false;
	s->ptr = ptr;
	return true;
}

/*
 * Two frees of one address at once are a double free in the kernel; the
 * delete still lets only one of them count it.
 */
static __always_inline bool release_live_in(void *tab, struct kms_live_slot *s, __u64 ptr)
{
	__u64 key = table_offset(tab, s);

	if (s->ptr != ptr)
		return false;
	s->ptr = 0;
	return bpf_map_delete_elem(&live_claims, &key) == 0;
}

/* macros: live_tab is defined later, in live.bpf.h */
#define claim_live_slot(s, p) claim_live_in(&live_tab, s, p)
#define release_live_slot(s, p) release_live_in(&live_tab, s, p)

#endif
#endif
