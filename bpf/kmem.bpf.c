// SPDX-License-Identifier: GPL-2.0
/*
 * kmemscope kernel side: per-call-site statistics of kmalloc, kmem_cache and
 * vmalloc, aggregated in per-CPU maps. Only allocation failures leave the
 * kernel per event (ring buffer); everything else is read by user space from
 * the maps once per interval.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmemscope.h"
#define KMS_BPF_NR_COUNTERS KMS_CNT_NR
#include "common.bpf.h"
#include "core_fixes.bpf.h"
#include "filter.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Settings, written by user space before load (the self filter and the
 * caller scan's ranges are common.bpf.h's; the ranges are set in
 * tracepoint vmalloc mode only).
 */
const volatile bool track_live = true;
const volatile __u64 page_size = 4096;

/*
 * Large kmallocs (> large_kmalloc bytes) are traced twice by some kernels
 * (6.x: once inside __kmalloc_large_node_noprof with a call site in the slab
 * entry point, once by that entry point with the real caller). The inner
 * one is recognised by its call site and dropped.
 */
const volatile __u64 large_kmalloc = 8192;
const volatile __u32 nr_dup = 0;
const volatile __u64 dup_start[KMS_MAX_DUP] = {};
const volatile __u64 dup_end[KMS_MAX_DUP] = {};

/*
 * Size of the site table (bucket count minus one, a power of two; the live
 * table's is in live.bpf.h) and of site_stats, set by user space with the
 * maps' sizes.
 */
const volatile __u32 site_mask = 0;
const volatile __u32 max_sites = 1;
/*
 * Lifetimes are measured for one allocation in 2^life_sample_shift per site
 * and CPU: the clock read costs as much as the rest of the path on some
 * machines (about 110 ns under kvm-clock).
 */
const volatile __u32 life_sample_shift = 0;

/* site numbers handed out so far (may pass max_sites: those keys are dropped) */
__u64 next_site = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u32);
	__type(value, struct kms_site_bucket);
} site_tab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u32);
	__type(value, struct kms_site_counters);
} site_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u32);
	__type(value, struct kms_site_meta);
} site_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KMS_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kms_vm_pending);
} vm_pending SEC(".maps");

#include "claims.bpf.h"

static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * Histogram index, clamped to nr - 1. All in 64 bits on purpose: with a
 * 32-bit index clang bounds-checks a zero-extended copy and then indexes
 * with the original register; older verifiers do not carry the bound
 * over to it (6.1 refuses kms_kmalloc with "R2 unbounded memory access",
 * 6.18 accepts it).
 */
static __always_inline __u64 bucket(__u64 v, __u64 nr)
{
	__u64 b = log2_u64(v);

	return b < nr ? b : nr - 1;
}

/* our own allocations are dropped, and counted; filtered-out ones just dropped */
static __always_inline bool self_event(void)
{
	if (is_self()) {
		count(KMS_CNT_SELF);
		return true;
	}
	return task_filtered_out();
}

/*
 * --by: the owner splitting each site, and at most by_max distinct ones
 * (owners admits them; the first to find it full and every later newcomer
 * go to KMS_OWNER_OTHER). The lookup is per event, only with --by.
 */
const volatile __u32 by_mode = KMS_BY_NONE;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* --by-max, set by user space */
	__type(key, __u64);
	__type(value, __u8);
} owners SEC(".maps");

/* a task's comm as a number: its two words mixed (never 0 or KMS_OWNER_OTHER) */
static __always_inline __u64 comm_owner(void)
{
	__u64 w[2] = {};

	bpf_get_current_comm(w, sizeof(w));
	w[0] = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ULL)) | 1;
	return w[0] == KMS_OWNER_OTHER ? 1 : w[0];
}

static __always_inline __u64 owner_of(void)
{
	__u64 o;
	__u8 one = 1;

	if (by_mode == KMS_BY_NONE)
		return 0;
	o = by_mode == KMS_BY_COMM ? comm_owner() : bpf_get_current_cgroup_id();
	if (bpf_map_lookup_elem(&owners, &o))
		return o;
	/* a racing CPU may have added it: EEXIST is admitted too */
	if (bpf_map_update_elem(&owners, &o, &one, BPF_NOEXIST) == -7 /* -E2BIG: full */)
		return KMS_OWNER_OTHER;
	return o;
}

/*
 * Memory-cgroup charging as the kernel's tracepoint "accounted" field
 * defines it: __GFP_ACCOUNT, or a SLAB_ACCOUNT cache. The bits come from
 * the running kernel's BTF (user space; 0 when memcg accounting is off).
 */
const volatile __u32 gfp_account = 0;
const volatile __u64 slab_account = 0;

/* 6.13+: the cache of a slab object (NULL for others); absent before */
#ifndef KMS_NO_KFUNC /* kmem_nokfunc.bpf.c, kmem_compat.bpf.c */
extern struct kmem_cache *bpf_get_kmem_cache(__u64 addr) __ksym __weak;
#endif

/* Fibonacci hashing: slab addresses differ in their middle bits */
static __always_inline __u32 hash64(__u64 v)
{
	return (v * 0x9e3779b97f4a7c15ULL) >> 32;
}

/* What an allocation event says about its site. */
struct site_id;
static __always_inline struct kmem_cache *cache_of(const struct site_id *id);

struct site_id {
	__u64 call_site;
	__u64 aux;
	__u32 gfp;
	__u32 kind_flags;
	__s32 stack_id;
	__u32 alloc_size; /* kms_site_key.alloc_size */
	const void *cache; /* raw tracepoints: struct kmem_cache *, for its name and sizes */
	const char *name; /* classic tracepoints: the cache name in the record */
	__u64 owner; /* --by */
	__u64 ptr; /* kmalloc: the object, for its cache when the key is new */
	void *ctx; /* the program's context, for a sampled stack; NULL: none (vmalloc) */
};

/* outside BPF_CORE_READ: it would relocate the site_id access too */
static __always_inline struct kmem_cache *cache_of(const struct site_id *id)
{
	return (struct kmem_cache *)id->cache;
}

static __always_inline bool slot_matches(const struct kms_site_slot *s, const struct site_id *id)
{
	return s->call_site == id->call_site && s->aux == id->aux && s->gfp == id->gfp &&
	       s->kind_flags == id->kind_flags && s->alloc_size == id->alloc_size &&
	       (by_mode == KMS_BY_NONE || s->owner == id->owner);
}

/*
 * Once per key: every allocation of a key has its GFP flags and cache
 * (a kmalloc call site its kmalloc type or kmem_buckets). kmalloc's
 * tracepoint does not name its cache, and its accounted field leaves out
 * SLAB_ACCOUNT buckets (msg_msg since 6.11): where the kernel can say the
 * first object's cache, its flags count too.
 */
static __always_inline bool key_charged(const struct site_id *id)
{
	if (id->gfp & gfp_account)
		return true;
	if (id->cache)
		return BPF_CORE_READ(cache_of(id), flags) & slab_account;
#ifdef KMS_NO_KFUNC
	return false;
#else
	struct kmem_cache *c;

	if (!id->ptr || !bpf_get_kmem_cache) /* weak: 0 where the kernel lacks it */
		return false;
	c = bpf_get_kmem_cache(id->ptr);
	return c && (BPF_CORE_READ(c, flags) & slab_account);
#endif
}

static __always_inline void fill_meta(__u32 idx, const struct site_id *id)
{
	struct kms_site_meta *m = bpf_map_lookup_elem(&site_meta, &idx);
	const char *name = id->name;

	if (!m)
		return;
	m->key.call_site = id->call_site;
	m->key.gfp = id->gfp;
	m->key.stack_id = id->stack_id;
	m->key.kind = id->kind_flags & 0xff;
	m->key.flags = id->kind_flags >> 8;
	m->key.alloc_size = id->alloc_size;
	if (id->cache)
		name = BPF_CORE_READ(cache_of(id), name);
	if (name)
		bpf_probe_read_kernel_str(m->key.cache, sizeof(m->key.cache), name);
	if (key_charged(id))
		m->key.flags |= KMS_KEY_CHARGED;
	m->key.owner = id->owner;
	if (by_mode == KMS_BY_COMM)
		bpf_get_current_comm(m->key.comm, sizeof(m->key.comm));
	__sync_fetch_and_add(&m->ready, 1); /* publish: user space reads the key after this */
}

/* A new key: number it, describe it for user space, then publish the slot. */
static __always_inline struct kms_site_slot *claim_site(struct kms_site_slot *s,
							const struct site_id *id)
{
	__u64 idx;

	if (!claim_site_slot(s))
		return NULL; /* another CPU took the slot first */
	s->call_site = id->call_site;
	s->aux = id->aux;
	s->gfp = id->gfp;
	s->kind_flags = id->kind_flags;
	s->alloc_size = id->alloc_size;
	s->owner = id->owner;
	if (id->cache) {
		s->obj_req = BPF_CORE_READ(cache_of(id), object_size);
		s->obj_alloc = BPF_CORE_READ(cache_of(id), size);
	}
	idx = take_site_number();
	if (idx >= max_sites) {
		__sync_fetch_and_add(&s->state, KMS_SLOT_FULL - KMS_SLOT_CLAIMED);
		return s;
	}
	s->idx = idx;
	fill_meta(idx, id);
	__sync_fetch_and_add(&s->state, KMS_SLOT_READY - KMS_SLOT_CLAIMED);
	return s;
}

/*
 * Find the key's slot or create it. Slots are filled in order and never
 * emptied, so an empty slot ends the search. A slot another CPU is still
 * filling is passed over: if it was the same key, the key now has two
 * numbers, which user space adds together.
 */
static __always_inline struct kms_site_slot *find_site(const struct site_id *id)
{
	__u32 h = hash64(id->call_site ^ (id->aux * 0xff51afd7ed558ccdULL) ^
			 ((__u64)id->gfp << 32 | id->kind_flags) ^ id->alloc_size ^ id->owner);

	for (__u32 p = 0; p < 2; p++) {
		__u32 b = (h + p) & site_mask;
		struct kms_site_bucket *bk = bpf_map_lookup_elem(&site_tab, &b);

		if (!bk)
			return NULL;
		for (int i = 0; i < KMS_SITE_WAYS; i++) {
			struct kms_site_slot *s = &bk->slot[i];
			__u64 state = *(volatile __u64 *)&s->state;

			if (state == KMS_SLOT_EMPTY) {
				s = claim_site(s, id);
				if (s)
					return s;
				state = *(volatile __u64 *)&bk->slot[i].state;
				s = &bk->slot[i];
			}
			if (state >= KMS_SLOT_READY && slot_matches(s, id))
				return s;
		}
	}
	return NULL;
}

/* The site's counters on this CPU; NULL (and counted) when it has none. */
static __always_inline struct kms_site_counters *site_counters(struct kms_site_slot *s)
{
	struct kms_site_counters *c;
	__u32 idx;

	if (!s || s->state != KMS_SLOT_READY) {
		count(KMS_CNT_DROP_SITES);
		return NULL;
	}
	idx = s->idx;
	c = bpf_map_lookup_elem(&site_stats, &idx);
	if (!c)
		count(KMS_CNT_DROP_SITES);
	return c;
}

static __always_inline void emit_failure(const struct site_id *id, __u64 req)
{
	struct kms_fail_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	const char *name = id->name;

	if (!e) {
		count(KMS_CNT_DROP_RINGBUF);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->call_site = id->call_site;
	e->bytes_req = req;
	e->gfp = id->gfp;
	e->kind = id->kind_flags & 0xff;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->stack_id = id->stack_id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->cache[0] = 0;
	if (id->cache)
		name = BPF_CORE_READ(cache_of(id), name);
	if (name)
		bpf_probe_read_kernel_str(e->cache, sizeof(e->cache), name);
	bpf_ringbuf_submit(e, 0);
}

#include "stacks.bpf.h"
#include "live.bpf.h"

/*
 * Count one allocation. The allocation-side fields of a site are written
 * only by the program of its allocator, which cannot nest on one CPU
 * (the kernel skips it and counts a recursion miss); fentry/kprobe
 * programs may be preempted, so the vmalloc path asks for atomic adds (it
 * is low rate).
 */
static __always_inline void record_alloc(const struct site_id *id, __u64 ptr, __u64 req,
					 __u64 alloc, bool atomic)
{
	struct kms_site_slot *slot = find_site(id);
	struct kms_site_counters *c = site_counters(slot);
	bool sample, tracked;
	__u32 tag;
	__u64 b;

	if (!c)
		return;
	if (id->cache) {
		/* raw tracepoints: the sizes are the cache's, read once per site */
		req = slot->obj_req;
		alloc = slot->obj_alloc;
	}
	if (!ptr) {
		if (atomic)
			__sync_fetch_and_add(&c->failed, 1);
		else
			c->failed++;
		emit_failure(id, req);
		return;
	}
	sample = (c->allocs & ((1ULL << life_sample_shift) - 1)) == 0;
	tag = stack_take(id->ctx, c->allocs);
	b = bucket(req, KMS_SIZE_BUCKETS);
	if (atomic) {
		__sync_fetch_and_add(&c->allocs, 1);
		__sync_fetch_and_add(&c->bytes_req, req);
		__sync_fetch_and_add(&c->bytes_alloc, alloc);
		__sync_fetch_and_add(&c->size_hist[b], 1);
	} else {
		c->allocs++;
		c->bytes_req += req;
		c->bytes_alloc += alloc;
		c->size_hist[b]++;
	}
	tracked = track_live && track(ptr, slot->idx, alloc, sample, tag);
	if (tag)
		stack_add(slot->idx, tag, req, alloc, tracked);
	if (!tracked)
		return;
	if (atomic) {
		__sync_fetch_and_add(&c->tracked, 1);
		__sync_fetch_and_add(&c->tracked_bytes, (__u64)to_units(alloc) << 3);
	} else {
		c->tracked++;
		c->tracked_bytes += (__u64)to_units(alloc) << 3;
	}
}

/* how an object was freed: record_free()'s how */
#define FREE_CACHE (1U << 0) /* through a kmem_cache (kmem_cache_free, or a bulk free of one) */
#define FREE_BULK (1U << 1) /* through kmem_cache_free_bulk */

/*
 * A free: find the object, release its slot, count it at its site. The
 * tracepoint programs pass constants for unmatched_counter and how, so
 * the branches on them vanish from their inlined copies: a kfree costs
 * what it cost before the bulk programs existed.
 */
static __always_inline void record_free(__u64 ptr, __u32 unmatched_counter, __u32 how)
{
	struct kms_site_counters *c;
	struct kms_live_slot *s;
	__u32 h = hash64(ptr), b = live_bucket(h, 0), idx, units, cpu, tag;
	__u64 ts;
	int r;

	if (!track_live || ptr <= 16 /* NULL and ZERO_SIZE_PTR */)
		return;
	r = scan_live(b, ptr);
	if (SCAN_FOUND(r) >= KMS_LIVE_WAYS) {
		b = live_bucket(h, 1);
		r = scan_live(b, ptr);
	}
	s = SCAN_FOUND(r) < KMS_LIVE_WAYS ? live_slot(b, SCAN_FOUND(r)) : NULL;
	if (s) {
		ts = s->ts;
		idx = s->site;
		units = s->units;
		cpu = s->cpu;
		tag = s->pad;
		if (!release_live_slot(s, ptr))
			return; /* a concurrent free of the same pointer took it */
		if (tag)
			stack_free(idx, tag, units);
		c = bpf_map_lookup_elem(&site_stats, &idx);
		if (!c)
			return;
		__sync_fetch_and_add(&c->frees, 1);
		__sync_fetch_and_add(&c->bytes_freed, (__u64)units << 3);
		if (how & FREE_BULK)
			__sync_fetch_and_add(&c->bulk_frees, 1);
		else if (how & FREE_CACHE)
			__sync_fetch_and_add(&c->cache_frees, 1);
		if (cpu != bpf_get_smp_processor_id())
			__sync_fetch_and_add(&c->cross_cpu_frees, 1);
		if (ts)
			__sync_fetch_and_add(
				&c->life_hist[bucket(bpf_ktime_get_ns() - ts, KMS_LIFE_BUCKETS)],
				1);
		return;
	}
	count(unmatched_counter);
}

/* ---- kmalloc / kmem_cache: raw tracepoints ------------------------------ */

/*
 * Raw tracepoints get the tracepoint's arguments as they are: no record is
 * filled (the classic tracepoint copies the cache name into every record),
 * and the kmem_cache pointer identifies the cache. User space checks the
 * prototypes in the kernel's BTF (btf_trace_kmalloc ...) before choosing
 * these; otherwise the classic tracepoint programs below run.
 */
static __always_inline void on_alloc(struct site_id *id, __u64 ptr, __u64 req, __u64 alloc);

SEC("raw_tp/kmalloc")
int BPF_PROG(kms_kmalloc_raw, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	struct site_id id = {
		.call_site = call_site, .gfp = gfp_flags, .kind_flags = KMS_KIND_KMALLOC, .ctx = ctx
	};

	if (self_event())
		return 0;
	on_alloc(&id, (__u64)ptr, bytes_req, bytes_alloc);
	return 0;
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(kms_cache_alloc_raw, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp_flags)
{
	struct site_id id = { .call_site = call_site,
			      .aux = (__u64)s,
			      .gfp = gfp_flags,
			      .kind_flags = KMS_KIND_CACHE,
			      .cache = s,
			      .ctx = ctx };

	if (self_event())
		return 0;
	on_alloc(&id, (__u64)ptr, 0, 0);
	return 0;
}

SEC("raw_tp/kfree")
int BPF_PROG(kms_kfree_raw, unsigned long call_site, const void *ptr)
{
	record_free((__u64)ptr, KMS_CNT_UNMATCHED_KFREE, 0);
	return 0;
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(kms_cache_free_raw, unsigned long call_site, const void *ptr)
{
	record_free((__u64)ptr, KMS_CNT_UNMATCHED_CACHE_FREE, FREE_CACHE);
	return 0;
}

/* ---- kmalloc / kmem_cache: classic tracepoints ---------------------------- */

/*
 * Each record layout gets its own program and user space enables the one the
 * running kernel has (see tracer.c): with all layouts behind branches in one
 * program the compiler merges the loads into pointer arithmetic on ctx,
 * which the verifier refuses, and the hot path would pay for the branches.
 */
#define READ_ALLOC_ARGS(id, args, ptr, req, alloc)  \
	do {                                        \
		(id).call_site = (args)->call_site; \
		(id).gfp = (args)->gfp_flags;       \
		(ptr) = (__u64)(args)->ptr;         \
		(req) = (args)->bytes_req;          \
		(alloc) = (args)->bytes_alloc;      \
	} while (0)

static __always_inline bool inner_duplicate(__u64 call_site, __u64 req)
{
	if (req <= large_kmalloc)
		return false;
	for (int i = 0; i < KMS_MAX_DUP; i++) {
		if (i >= nr_dup)
			break;
		if (call_site >= dup_start[i] && call_site < dup_end[i]) {
			count(KMS_CNT_DUP_LARGE);
			return true;
		}
	}
	return false;
}

static __always_inline void on_alloc(struct site_id *id, __u64 ptr, __u64 req, __u64 alloc)
{
	if (id->kind_flags == KMS_KIND_KMALLOC && inner_duplicate(id->call_site, req))
		return;
	id->owner = owner_of();
	id->ptr = ptr;
	id->stack_id = -1;
	/*
	 * The size class is part of the key: the exact (request, class) pairs
	 * cost one more compare here instead of a per-allocation histogram.
	 */
	if (id->kind_flags == KMS_KIND_KMALLOC)
		id->alloc_size = alloc;
	record_alloc(id, ptr, req, alloc, false);
}

/* One program per layout; the cache-name variant below is written out. */
#define ALLOC_TP(section, prog, layout, kind)                            \
	SEC(section)                                                     \
	int prog(struct layout *args)                                    \
	{                                                                \
		struct site_id id = { .kind_flags = kind, .ctx = args }; \
		__u64 ptr, req, alloc;                                   \
                                                                         \
		if (self_event())                                        \
			return 0;                                        \
		READ_ALLOC_ARGS(id, args, ptr, req, alloc);              \
		on_alloc(&id, ptr, req, alloc);                          \
		return 0;                                                \
	}

/* 6.1+ */
ALLOC_TP("tp/kmem/kmalloc", kms_kmalloc, trace_event_raw_kmalloc___x, KMS_KIND_KMALLOC)
/* before 6.1: kmalloc and kmem_cache_alloc shared the kmem_alloc layout */
ALLOC_TP("tp/kmem/kmalloc", kms_kmalloc_old, trace_event_raw_kmem_alloc___x, KMS_KIND_KMALLOC)
ALLOC_TP("tp/kmem/kmalloc_node", kms_kmalloc_node, trace_event_raw_kmem_alloc_node___x,
	 KMS_KIND_KMALLOC)
ALLOC_TP("tp/kmem/kmem_cache_alloc", kms_cache_alloc_old, trace_event_raw_kmem_alloc___x,
	 KMS_KIND_CACHE)
ALLOC_TP("tp/kmem/kmem_cache_alloc_node", kms_cache_alloc_nd, trace_event_raw_kmem_alloc_node___x,
	 KMS_KIND_CACHE)

/* FNV-1a of the cache name: the site key's aux on classic tracepoints */
static __always_inline __u64 name_hash(const char *name)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < KMS_CACHE_NAME_LEN; i++) {
		if (!name[i])
			break;
		h = (h ^ (__u8)name[i]) * 0x100000001b3ULL;
	}
	return h;
}

/* 6.1+: own layout, with the cache name in newer kernels */
SEC("tp/kmem/kmem_cache_alloc")
int kms_cache_alloc(struct trace_event_raw_kmem_cache_alloc___x *args)
{
	struct site_id id = { .kind_flags = KMS_KIND_CACHE, .ctx = args };
	char name[KMS_CACHE_NAME_LEN] = {};
	__u64 ptr, req, alloc;
	__u32 loc;

	if (self_event())
		return 0;
	READ_ALLOC_ARGS(id, args, ptr, req, alloc);
	/*
	 * The name came after the layout (6.1 has the kmem_cache_alloc class
	 * without it): without it the site shows as "kmem_cache", as before 6.1.
	 * __data_loc: low 16 bits offset of the string in the record, high 16
	 * its length.
	 */
	if (bpf_core_field_exists(args->__data_loc_name)) {
		loc = args->__data_loc_name;
		id.name = (void *)args + (loc & 0xffff);
		bpf_probe_read_kernel_str(name, sizeof(name), id.name);
		id.aux = name_hash(name);
	}
	/* no kmem_cache pointer to read SLAB_ACCOUNT from: the record says it */
	if (bpf_core_field_exists(args->accounted) && args->accounted)
		id.kind_flags |= KMS_KEY_CHARGED << 8;
	on_alloc(&id, ptr, req, alloc);
	return 0;
}

/*
 * Every free layout starts with call_site and ptr, so one flavor reads them
 * all; CO-RE still relocates the offsets should that ever change.
 */
SEC("tp/kmem/kfree")
int kms_kfree(struct trace_event_raw_kmem_free___x *args)
{
	record_free((__u64)args->ptr, KMS_CNT_UNMATCHED_KFREE, 0);
	return 0;
}

SEC("tp/kmem/kmem_cache_free")
int kms_cache_free(struct trace_event_raw_kmem_free___x *args)
{
	record_free((__u64)args->ptr, KMS_CNT_UNMATCHED_CACHE_FREE, FREE_CACHE);
	return 0;
}

/* ---- vmalloc: fentry/fexit ---------------------------------------------- */

static __always_inline void vm_alloc(void *ctx, __u64 caller, __u64 size, __u32 gfp, __u64 ret,
				     __u32 flags, __s32 stack_id)
{
	struct site_id id = {};
	__u64 alloc = (size + page_size - 1) & ~(page_size - 1);

	if (self_event())
		return;
	id.call_site = caller;
	id.gfp = gfp;
	id.kind_flags = KMS_KIND_VMALLOC | flags << 8;
	if (stack_id < 0 && stack_id != -1)
		count(KMS_CNT_DROP_STACK);
	id.stack_id = stack_id < 0 ? -1 : stack_id;
	/* vmalloc sites are told apart by their stack */
	id.aux = (__u32)id.stack_id;
	id.alloc_size = alloc < 0xffffffffULL ? alloc : 0xffffffffU; /* 4 GiB and up: one key */
	id.owner = owner_of();
	record_alloc(&id, ret, flags & KMS_KEY_NO_REQ ? alloc : size, alloc, true);
}

/*
 * attach target (__vmalloc_node_range_noprof or __vmalloc_node_range) set at
 * run time. Its 9th argument, const void *caller, cannot be read from the
 * context: the verifier lets a tracing program read a pointer argument only
 * to a struct or to plain void, not const void (6.1: EACCES, "func
 * '__vmalloc_node_range' arg8 type UNKNOWN is not a struct").
 * bpf_get_func_arg() reads the trampoline's saved arguments.
 */
SEC("fexit")
int kms_vmalloc_fx(void *ctx)
{
	__u64 size = 0, gfp = 0, caller = 0, ret = 0;

	if (bpf_get_func_arg(ctx, 0, &size) || bpf_get_func_arg(ctx, 4, &gfp) ||
	    bpf_get_func_arg(ctx, 8, &caller) || bpf_get_func_ret(ctx, &ret))
		return 0;
	vm_alloc(ctx, caller, size, gfp, ret, 0, bpf_get_stackid(ctx, &stacks, 0));
	return 0;
}

/* const void *addr: read with the helper too (6.12: "func 'vfree' arg0 type UNKNOWN is not a struct") */
SEC("fentry/vfree")
int kms_vfree_fe(void *ctx)
{
	__u64 addr = 0;

	if (!bpf_get_func_arg(ctx, 0, &addr))
		record_free(addr, KMS_CNT_UNMATCHED_VFREE, 0);
	return 0;
}

/* ---- vmalloc: kprobe/kretprobe ------------------------------------------ */

SEC("kprobe")
int BPF_KPROBE(kms_vmalloc_kp, unsigned long size, unsigned long align, unsigned long start,
	       unsigned long end, gfp_t gfp_mask)
{
	struct kms_vm_pending p = {};
	__u64 id = bpf_get_current_pid_tgid();

	p.size = size;
	p.gfp = gfp_mask;
#if defined(__TARGET_ARCH_x86)
	/*
	 * The 9th argument, caller, is on the stack: at function entry sp
	 * points at the return address, args 7..9 follow it.
	 */
	bpf_probe_read_kernel(&p.caller, sizeof(p.caller), (void *)(PT_REGS_SP(ctx) + 3 * 8));
#elif defined(__TARGET_ARCH_arm64)
	/* x0..x7 hold arguments 1..8; the 9th, caller, is at sp on entry */
	bpf_probe_read_kernel(&p.caller, sizeof(p.caller), (void *)PT_REGS_SP(ctx));
#endif
	p.stack_id = bpf_get_stackid(ctx, &stacks, 0);
	if (bpf_map_update_elem(&vm_pending, &id, &p, BPF_ANY))
		count(KMS_CNT_DROP_PENDING);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(kms_vmalloc_krp, void *ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kms_vm_pending *p = bpf_map_lookup_elem(&vm_pending, &id);
	struct kms_vm_pending v;

	if (!p)
		return 0;
	v = *p;
	bpf_map_delete_elem(&vm_pending, &id);
	vm_alloc(ctx, v.caller, v.size, v.gfp, (__u64)ret, 0, v.stack_id);
	return 0;
}

SEC("kprobe/vfree")
int BPF_KPROBE(kms_vfree_kp, const void *addr)
{
	record_free((__u64)addr, KMS_CNT_UNMATCHED_VFREE, 0);
	return 0;
}

/* ---- vmalloc: tracepoints (no caller argument: walk the stack) ---------- */

SEC("tp/vmalloc/alloc_vmap_area")
int kms_vmap_alloc(struct trace_event_raw_alloc_vmap_area___x *args)
{
	__u32 flags = KMS_KEY_NO_GFP | KMS_KEY_NO_REQ;
	__u64 size = args->size;
	struct caller c;

	find_caller(args, &c);
	/* __get_vm_area_node adds one guard page to what it asks for */
	if (c.flags & KMS_SKIP_GUARD && size > page_size)
		size -= page_size;
	/*
	 * The recorded stack starts at the allocator: the same allocation has
	 * the same stack (and site) whoever else traces the event.
	 */
	vm_alloc(args, c.ip, size, 0, args->failed ? 0 : args->addr, flags,
		 bpf_get_stackid(args, &stacks, c.above & BPF_F_SKIP_FIELD_MASK));
	return 0;
}

SEC("tp/vmalloc/free_vmap_area_noflush")
int kms_vmap_free(struct trace_event_raw_free_vmap_area_noflush___x *args)
{
	record_free(args->va_start, KMS_CNT_UNMATCHED_VFREE, 0);
	return 0;
}

/* ---- bulk frees: fentry or kprobe on kmem_cache_free_bulk ------------------ */

/*
 * kfree_bulk() (an inline: kmem_cache_free_bulk(NULL, ...)) frees
 * kfree_rcu()'s batches, and kmem_cache_free_bulk() frees maple-tree
 * nodes and other batches; neither fires kmem:kfree nor
 * kmem:kmem_cache_free. User space attaches one of these programs where
 * the kernel allows (fentry, else kprobe), in a second instance of this
 * object that shares its maps with the first (src/kernel/tracer_attach.c); only
 * bulk frees run them, so the tracepoint programs' cost does not change.
 *
 * kvfree_call_rcu() (kfree_rcu()'s entry) is not traced: the object stays
 * in use until a grace period has passed, and its real free comes later
 * through kfree_bulk or kvfree, which are seen.
 */

/* objects read from the caller's array per bpf_probe_read_kernel() */
#define BULK_CHUNK 16

/*
 * One object of a bulk free, through the same record_free() as kfree. A
 * global function: the verifier checks it once, and the bulk loop sees
 * one call per object instead of KMS_BULK_MAX inlined copies of the free
 * path (those went past the verifier's limits).
 */
__noinline int bulk_free_one(__u64 ptr, __u32 how)
{
	record_free(ptr, KMS_CNT_UNMATCHED_BULK, how | FREE_BULK);
	return 0;
}

/*
 * The pointer array is kernel memory: read in chunks onto the BPF stack
 * (16 pointers, 128 bytes), never past its end (the array may end at a
 * page boundary). Per-CPU counters are added to atomically here: fentry
 * and kprobe programs may be preempted by another program on their CPU.
 */
static __always_inline void bulk_free(const void *cache, __u64 n, void *const *p)
{
	__u32 how = cache ? FREE_CACHE : 0, key = KMS_CNT_DROP_BULK;
	__u64 buf[BULK_CHUNK], *drops;

	if (!track_live)
		return;
	if (n > KMS_BULK_MAX) {
		drops = bpf_map_lookup_elem(&counters, &key);
		if (drops)
			__sync_fetch_and_add(drops, n - KMS_BULK_MAX);
		n = KMS_BULK_MAX;
	}
	for (__u32 c = 0; c < KMS_BULK_MAX / BULK_CHUNK; c++) {
		__u64 off = (__u64)c * BULK_CHUNK, k;

		if (off >= n)
			break;
		k = n - off;
		if (k > BULK_CHUNK)
			k = BULK_CHUNK;
		/*
		 * k is 1..16, but clang derives it from a down-counting copy
		 * of n whose bounds 6.1's verifier loses ("R2 min value is
		 * negative"); hidden from clang, then masked into range, the
		 * verifier sees the bound itself
		 */
		asm volatile("" : "+r"(k));
		k = ((k - 1) & (BULK_CHUNK - 1)) + 1;
		if (bpf_probe_read_kernel(buf, k * sizeof(buf[0]), p + off))
			break;
		for (__u32 i = 0; i < BULK_CHUNK; i++) {
			if (i >= k)
				break;
			bulk_free_one(buf[i], how);
		}
	}
}

/*
 * The arguments through bpf_get_func_arg(): before 6.x the verifier lets a
 * tracing program read a pointer argument from its context only when it
 * points to a struct or void, and p is a void ** (6.1: "arg2 type PTR is
 * not a struct"). The helper reads the trampoline's saved registers.
 */
SEC("fentry/kmem_cache_free_bulk")
int kms_free_bulk_fe(void *ctx)
{
	__u64 s = 0, size = 0, p = 0;

	if (bpf_get_func_arg(ctx, 0, &s) || bpf_get_func_arg(ctx, 1, &size) ||
	    bpf_get_func_arg(ctx, 2, &p))
		return 0;
	bulk_free((const void *)s, size, (void *const *)p);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(kms_free_bulk_kp, struct kmem_cache *s, size_t size, void **p)
{
	bulk_free(s, size, p);
	return 0;
}
