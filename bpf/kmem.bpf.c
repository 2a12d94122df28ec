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
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Settings, written by user space before load. */
const volatile __u32 self_tgid = 0;
const volatile bool track_live = true;
const volatile __u64 page_size = 4096;
/* tracepoint vmalloc mode: allocator-internal functions to look past */
const volatile __u32 nr_skip = 0;
const volatile __u64 skip_start[KMS_MAX_SKIP] = {};
const volatile __u64 skip_end[KMS_MAX_SKIP] = {};
const volatile __u32 skip_flags[KMS_MAX_SKIP] = {};

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

/* map_update source for a new site; in .rodata so it costs no stack */
const struct kms_site_stats zero_stats = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* resized by user space */
	__type(key, struct kms_site_key);
	__type(value, struct kms_site_stats);
} sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072); /* resized by user space */
	__type(key, __u64);
	__type(value, struct kms_live);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMS_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

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

struct stack_buf {
	__u64 ip[KMS_STACK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_buf);
} scratch SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

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

static __always_inline bool is_self(void)
{
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid) {
		count(KMS_CNT_SELF);
		return true;
	}
	return false;
}

static __always_inline struct kms_site_stats *site_stats(struct kms_site_key *key)
{
	struct kms_site_stats *st = bpf_map_lookup_elem(&sites, key);
	long err;

	if (st)
		return st;
	err = bpf_map_update_elem(&sites, key, &zero_stats, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU created it first */) {
		count(KMS_CNT_DROP_SITES);
		return NULL;
	}
	return bpf_map_lookup_elem(&sites, key);
}

static __always_inline void emit_failure(struct kms_site_key *key, __u64 req)
{
	struct kms_fail_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(KMS_CNT_DROP_RINGBUF);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->call_site = key->call_site;
	e->bytes_req = req;
	e->gfp = key->gfp;
	e->kind = key->kind;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->stack_id = key->stack_id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->cache, key->cache, sizeof(e->cache));
	bpf_ringbuf_submit(e, 0);
}

/*
 * A pointer we still track was handed out again: its free went past us (a
 * path without a tracepoint). Take it out of its site's live count.
 */
static __always_inline void drop_stale(struct kms_live *old)
{
	struct kms_site_stats *st = bpf_map_lookup_elem(&sites, &old->key);

	count(KMS_CNT_STALE_LIVE);
	if (st) {
		__sync_fetch_and_add(&st->live, -1);
		__sync_fetch_and_add(&st->live_bytes, -(__s64)old->bytes_alloc);
	}
}

static __always_inline void track(struct kms_site_stats *st, struct kms_site_key *key, __u64 ptr,
				  __u64 bytes_alloc, bool atomic)
{
	struct kms_live lv = {};
	struct kms_live *old;

	lv.key = *key;
	lv.ts = bpf_ktime_get_ns();
	lv.bytes_alloc = bytes_alloc;
	lv.cpu = bpf_get_smp_processor_id();
	if (bpf_map_update_elem(&live, &ptr, &lv, BPF_NOEXIST)) {
		old = bpf_map_lookup_elem(&live, &ptr);
		if (!old) {
			count(KMS_CNT_DROP_LIVE);
			return;
		}
		drop_stale(old);
		if (bpf_map_update_elem(&live, &ptr, &lv, BPF_EXIST))
			return;
	}
	if (atomic) {
		__sync_fetch_and_add(&st->live, 1);
		__sync_fetch_and_add(&st->live_bytes, bytes_alloc);
	} else {
		st->live++;
		st->live_bytes += bytes_alloc;
	}
}

/*
 * Count one allocation. Tracepoint programs cannot nest on a CPU, so plain
 * increments of per-CPU values are safe there; fentry/kprobe programs may be
 * preempted, so the vmalloc path asks for atomic adds (it is low rate).
 */
static __always_inline void record_alloc(struct kms_site_key *key, __u64 ptr, __u64 req,
					 __u64 alloc, bool atomic)
{
	struct kms_site_stats *st = site_stats(key);
	__u64 b;

	if (!st)
		return;
	if (!ptr) {
		if (atomic)
			__sync_fetch_and_add(&st->failed, 1);
		else
			st->failed++;
		emit_failure(key, req);
		return;
	}
	b = bucket(req, KMS_SIZE_BUCKETS);
	if (atomic) {
		__sync_fetch_and_add(&st->allocs, 1);
		__sync_fetch_and_add(&st->bytes_req, req);
		__sync_fetch_and_add(&st->bytes_alloc, alloc);
		__sync_fetch_and_add(&st->size_hist[b], 1);
	} else {
		st->allocs++;
		st->bytes_req += req;
		st->bytes_alloc += alloc;
		st->size_hist[b]++;
	}
	if (track_live)
		track(st, key, ptr, alloc, atomic);
}

static __always_inline void record_free(__u64 ptr, __u32 unmatched_counter, bool atomic)
{
	struct kms_site_stats *st;
	struct kms_site_key key;
	struct kms_live *lv;
	__u64 bytes, life, b;
	__u32 cpu;

	if (!track_live || ptr <= 16 /* NULL and ZERO_SIZE_PTR */)
		return;
	lv = bpf_map_lookup_elem(&live, &ptr);
	if (!lv) {
		count(unmatched_counter);
		return;
	}
	key = lv->key;
	bytes = lv->bytes_alloc;
	life = bpf_ktime_get_ns() - lv->ts;
	cpu = lv->cpu;
	if (bpf_map_delete_elem(&live, &ptr))
		return; /* a concurrent free of the same pointer already took it */
	st = bpf_map_lookup_elem(&sites, &key);
	if (!st)
		return;
	b = bucket(life, KMS_LIFE_BUCKETS);
	if (atomic) {
		__sync_fetch_and_add(&st->frees, 1);
		__sync_fetch_and_add(&st->bytes_freed, bytes);
		__sync_fetch_and_add(&st->live, -1);
		__sync_fetch_and_add(&st->live_bytes, -(__s64)bytes);
		__sync_fetch_and_add(&st->life_hist[b], 1);
		if (cpu != bpf_get_smp_processor_id())
			__sync_fetch_and_add(&st->cross_cpu_frees, 1);
	} else {
		st->frees++;
		st->bytes_freed += bytes;
		st->live--;
		st->live_bytes -= bytes;
		st->life_hist[b]++;
		if (cpu != bpf_get_smp_processor_id())
			st->cross_cpu_frees++;
	}
}

/* ---- kmalloc / kmem_cache tracepoints ---------------------------------- */

/*
 * Each record layout gets its own program and user space enables the one the
 * running kernel has (see tracer.c): with all layouts behind branches in one
 * program the compiler merges the loads into pointer arithmetic on ctx,
 * which the verifier refuses, and the hot path would pay for the branches.
 */
#define READ_ALLOC_ARGS(key, args, ptr, req, alloc)  \
	do {                                         \
		(key).call_site = (args)->call_site; \
		(key).gfp = (args)->gfp_flags;       \
		(ptr) = (__u64)(args)->ptr;          \
		(req) = (args)->bytes_req;           \
		(alloc) = (args)->bytes_alloc;       \
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

static __always_inline void on_alloc(struct kms_site_key *key, __u32 kind, __u64 ptr, __u64 req,
				     __u64 alloc)
{
	if (kind == KMS_KIND_KMALLOC && inner_duplicate(key->call_site, req))
		return;
	key->kind = kind;
	key->stack_id = -1;
	record_alloc(key, ptr, req, alloc, false);
}

/* One program per layout; the cache-name variant below is written out. */
#define ALLOC_TP(section, prog, layout, counter, kind)       \
	SEC(section)                                         \
	int prog(struct layout *args)                        \
	{                                                    \
		struct kms_site_key key = {};                \
		__u64 ptr, req, alloc;                       \
                                                             \
		count(counter);                              \
		if (is_self())                               \
			return 0;                            \
		READ_ALLOC_ARGS(key, args, ptr, req, alloc); \
		on_alloc(&key, kind, ptr, req, alloc);       \
		return 0;                                    \
	}

/* 6.1+ */
ALLOC_TP("tp/kmem/kmalloc", kms_kmalloc, trace_event_raw_kmalloc___x, KMS_CNT_EV_KMALLOC,
	 KMS_KIND_KMALLOC)
/* before 6.1: kmalloc and kmem_cache_alloc shared the kmem_alloc layout */
ALLOC_TP("tp/kmem/kmalloc", kms_kmalloc_old, trace_event_raw_kmem_alloc___x, KMS_CNT_EV_KMALLOC,
	 KMS_KIND_KMALLOC)
ALLOC_TP("tp/kmem/kmalloc_node", kms_kmalloc_node, trace_event_raw_kmem_alloc_node___x,
	 KMS_CNT_EV_KMALLOC, KMS_KIND_KMALLOC)
ALLOC_TP("tp/kmem/kmem_cache_alloc", kms_cache_alloc_old, trace_event_raw_kmem_alloc___x,
	 KMS_CNT_EV_CACHE_ALLOC, KMS_KIND_CACHE)
ALLOC_TP("tp/kmem/kmem_cache_alloc_node", kms_cache_alloc_nd, trace_event_raw_kmem_alloc_node___x,
	 KMS_CNT_EV_CACHE_ALLOC, KMS_KIND_CACHE)

/* 6.1+: own layout, with the cache name in newer kernels */
SEC("tp/kmem/kmem_cache_alloc")
int kms_cache_alloc(struct trace_event_raw_kmem_cache_alloc___x *args)
{
	struct kms_site_key key = {};
	__u64 ptr, req, alloc;
	__u32 loc;

	count(KMS_CNT_EV_CACHE_ALLOC);
	if (is_self())
		return 0;
	READ_ALLOC_ARGS(key, args, ptr, req, alloc);
	/*
	 * The name came after the layout (6.1 has the kmem_cache_alloc class
	 * without it): without it the site shows as "kmem_cache", as before 6.1.
	 * __data_loc: low 16 bits offset of the string in the record, high 16
	 * its length.
	 */
	if (bpf_core_field_exists(args->__data_loc_name)) {
		loc = args->__data_loc_name;
		bpf_probe_read_kernel_str(key.cache, sizeof(key.cache),
					  (void *)args + (loc & 0xffff));
	}
	on_alloc(&key, KMS_KIND_CACHE, ptr, req, alloc);
	return 0;
}

/*
 * Every free layout starts with call_site and ptr, so one flavor reads them
 * all; CO-RE still relocates the offsets should that ever change.
 */
SEC("tp/kmem/kfree")
int kms_kfree(struct trace_event_raw_kmem_free___x *args)
{
	count(KMS_CNT_EV_KFREE);
	record_free((__u64)args->ptr, KMS_CNT_UNMATCHED_KFREE, false);
	return 0;
}

SEC("tp/kmem/kmem_cache_free")
int kms_cache_free(struct trace_event_raw_kmem_free___x *args)
{
	count(KMS_CNT_EV_CACHE_FREE);
	record_free((__u64)args->ptr, KMS_CNT_UNMATCHED_CACHE_FREE, false);
	return 0;
}

/* ---- vmalloc: fentry/fexit ---------------------------------------------- */

static __always_inline void vm_alloc(void *ctx, __u64 caller, __u64 size, __u32 gfp, __u64 ret,
				     __u32 flags, __s32 stack_id)
{
	struct kms_site_key key = {};
	__u64 alloc = (size + page_size - 1) & ~(page_size - 1);

	count(KMS_CNT_EV_VMALLOC);
	if (is_self())
		return;
	key.call_site = caller;
	key.gfp = gfp;
	key.kind = KMS_KIND_VMALLOC;
	key.flags = flags;
	key.stack_id = stack_id;
	if (stack_id < 0 && stack_id != -1)
		count(KMS_CNT_DROP_STACK);
	if (key.stack_id < 0)
		key.stack_id = -1;
	record_alloc(&key, ret, flags & KMS_KEY_NO_REQ ? alloc : size, alloc, true);
}

/* attach target (__vmalloc_node_range_noprof or __vmalloc_node_range) set at run time */
SEC("fexit")
int BPF_PROG(kms_vmalloc_fx, unsigned long size, unsigned long align, unsigned long start,
	     unsigned long end, gfp_t gfp_mask, __u64 prot, unsigned long vm_flags, int node,
	     const void *caller, void *ret)
{
	vm_alloc(ctx, (__u64)caller, size, gfp_mask, (__u64)ret, 0,
		 bpf_get_stackid(ctx, &stacks, 0));
	return 0;
}

SEC("fentry/vfree")
int BPF_PROG(kms_vfree_fe, const void *addr)
{
	count(KMS_CNT_EV_VFREE);
	record_free((__u64)addr, KMS_CNT_UNMATCHED_VFREE, true);
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
	count(KMS_CNT_EV_VFREE);
	record_free((__u64)addr, KMS_CNT_UNMATCHED_VFREE, true);
	return 0;
}

/* ---- vmalloc: tracepoints (no caller argument: walk the stack) ---------- */

static __always_inline int skip_index(__u64 ip)
{
	for (int i = 0; i < KMS_MAX_SKIP; i++) {
		if (i >= nr_skip)
			break;
		if (ip >= skip_start[i] && ip < skip_end[i])
			return i;
	}
	return -1;
}

SEC("tp/vmalloc/alloc_vmap_area")
int kms_vmap_alloc(struct trace_event_raw_alloc_vmap_area___x *args)
{
	__u32 zero = 0, flags = KMS_KEY_NO_GFP | KMS_KEY_NO_REQ;
	__u64 caller = 0, size = args->size;
	struct stack_buf *buf;
	__u32 nr_frames;
	long n;
	int i, s;

	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return 0;
	n = bpf_get_stack(args, buf->ip, sizeof(buf->ip), 0);
	nr_frames = n > 0 ? (__u64)n / 8 : 0;
	for (i = 0; i < KMS_STACK_DEPTH; i++) {
		if (i >= nr_frames)
			break;
		s = skip_index(buf->ip[i]);
		if (s < 0) {
			caller = buf->ip[i];
			break;
		}
		/* __get_vm_area_node adds one guard page to what it asks for */
		if (skip_flags[s & (KMS_MAX_SKIP - 1)] & KMS_SKIP_GUARD && size > page_size)
			size -= page_size;
	}
	vm_alloc(args, caller, size, 0, args->failed ? 0 : args->addr, flags,
		 bpf_get_stackid(args, &stacks, 0));
	return 0;
}

SEC("tp/vmalloc/free_vmap_area_noflush")
int kms_vmap_free(struct trace_event_raw_free_vmap_area_noflush___x *args)
{
	count(KMS_CNT_EV_VFREE);
	record_free(args->va_start, KMS_CNT_UNMATCHED_VFREE, true);
	return 0;
}
