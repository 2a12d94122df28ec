/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF programs and user space. Fixed-width types only:
 * this header is compiled both for the BPF target and for the host.
 */
#ifndef KMEMSCOPE_H
#define KMEMSCOPE_H

#define KMS_CACHE_NAME_LEN 32
/* log2 buckets of requested size: bucket i holds [2^i, 2^(i+1)), bucket 0 holds [0, 2) */
#define KMS_SIZE_BUCKETS 24
/* log2 buckets of object lifetime in ns, same layout; the last one is open-ended */
#define KMS_LIFE_BUCKETS 40
/* frames kept per recorded stack */
#define KMS_STACK_DEPTH 32
/*
 * address ranges skipped when looking for a caller in a stack: the
 * allocator's own functions and the tracing machinery (bpf/common.bpf.h)
 */
#define KMS_MAX_SKIP 64
/* slab entry points whose large-kmalloc path traces the same allocation twice */
#define KMS_MAX_DUP 8
/*
 * objects matched per bulk free (kmem_cache_free_bulk); the rest of a larger
 * call is counted as a bulk_overflow drop. kfree_rcu()'s batches hold up to
 * a page of pointers (about 510 with 4 KiB pages): one such batch fits.
 */
#define KMS_BULK_MAX 512

enum kms_kind {
	KMS_KIND_KMALLOC = 0,
	KMS_KIND_CACHE = 1,
	KMS_KIND_VMALLOC = 2,
	KMS_KIND_NR,
};

enum kms_vm_mode {
	KMS_VM_NONE = 0,
	KMS_VM_FENTRY = 1,
	KMS_VM_KPROBE = 2,
	KMS_VM_TRACEPOINT = 3,
};

/* kms_site_key.flags */
#define KMS_KEY_NO_GFP (1U << 0) /* the attach point does not see GFP flags */
#define KMS_KEY_NO_REQ (1U << 1) /* requested size unknown: bytes_req == bytes_alloc */
/*
 * the site's allocations are charged to a memory cgroup (__GFP_ACCOUNT in
 * its GFP flags, or a SLAB_ACCOUNT cache): set in site_meta only, every
 * allocation of a key has the same flags and cache
 */
#define KMS_KEY_CHARGED (1U << 2)

/* --pid: the most processes one filter names */
#define KMS_MAX_FILTER_PIDS 16
/* TASK_COMM_LEN */
#define KMS_COMM_LEN 16

/* --by: what splits a site (kms_site_key.owner) */
enum kms_by {
	KMS_BY_NONE = 0,
	KMS_BY_COMM = 1, /* owner: a hash of the allocating task's comm */
	KMS_BY_CGROUP = 2, /* owner: its cgroup v2 id */
};
/* the owner of every allocation past --by-max distinct owners */
#define KMS_OWNER_OTHER (~0ULL)

/* skip_flags[] of a skipped address range (bpf/common.bpf.h) */
#define KMS_SKIP_GUARD (1U << 0) /* this caller adds a guard page to the area size */
#define KMS_SKIP_TRACING (1U << 1) /* tracing machinery, not the allocator */

/*
 * One aggregation bucket in the kernel: a call site with one GFP flag
 * combination and allocated size (and cache, and stack for vmalloc). User
 * space merges the GFP and size variants of a site back together and keeps
 * their counts.
 */
struct kms_site_key {
	__u64 call_site;
	__u32 gfp;
	__s32 stack_id; /* -1 when no stack was recorded */
	__u32 kind;
	__u32 flags;
	char cache[KMS_CACHE_NAME_LEN];
	/*
	 * kmalloc and vmalloc: the allocated size (size class, page-rounded),
	 * so that user space knows every request's class exactly; 0 for
	 * kmem_cache sites (one object size per cache).
	 */
	__u32 alloc_size;
	__u32 key_pad;
	__u64 owner; /* --by: comm hash or cgroup id (KMS_OWNER_OTHER: the rest); 0 without */
	char comm[KMS_COMM_LEN]; /* --by comm: the comm the owner hashes */
};

/*
 * One site's counters as user space sees them: the per-CPU kms_site_counters
 * summed, with live and live_bytes derived. Histograms are 32-bit: user
 * space computes per-interval deltas modulo 2^32.
 */
struct kms_site_stats {
	__u64 allocs;
	__u64 frees; /* matched frees of objects allocated at this site */
	__u64 failed;
	__u64 bytes_req;
	__u64 bytes_alloc;
	__u64 bytes_freed;
	__s64 live;
	__s64 live_bytes;
	__u64 cross_cpu_frees;
	__u64 implied_frees; /* stale: freed past the tracepoints, seen when the address came back */
	__u64 implied_bytes;
	__u64 live_untracked; /* allocations the live table could not hold (0: --no-live) */
	__u32 size_hist[KMS_SIZE_BUCKETS];
	__u32 life_hist[KMS_LIFE_BUCKETS];
	__u64 bytes_charged; /* bytes_alloc of a KMS_KEY_CHARGED key, 0 of others */
};

/*
 * Per-CPU counters of one site in the kernel (array site_stats, indexed by
 * the site's number). Each field has one kind of writer, so that programs
 * interrupting each other on one CPU never write the same word:
 * allocation programs the first group, free programs the second (with
 * atomic adds: a kfree in an interrupt may nest inside kmem_cache_free),
 * and live objects are derived: tracked - frees - stale.
 */
struct kms_site_counters {
	/* allocation side: only the program of the site's allocator */
	__u64 allocs;
	__u64 failed;
	__u64 bytes_req;
	__u64 bytes_alloc;
	__u64 tracked; /* objects entered into the live table */
	__u64 tracked_bytes;
	__u32 size_hist[KMS_SIZE_BUCKETS];
	/* free side: atomic */
	__u64 frees;
	__u64 bytes_freed;
	__u64 cross_cpu_frees;
	__u64 cache_frees; /* of those frees, through kmem_cache_free (the rest: kfree or vfree) */
	__u64 bulk_frees; /* of those frees, through kmem_cache_free_bulk (not in cache_frees) */
	__u64 stale; /* tracked objects whose free was not seen (address handed out again) */
	__u64 stale_bytes;
	__u32 life_hist[KMS_LIFE_BUCKETS]; /* sampled: see life_sample_shift */
};

/* kms_site_slot.state: a slot is claimed, filled, then published */
enum kms_slot_state {
	KMS_SLOT_EMPTY = 0,
	KMS_SLOT_CLAIMED = 1, /* being filled by another CPU: not a match yet */
	KMS_SLOT_READY = 2,
	KMS_SLOT_FULL = 3, /* the key has no number: site_stats was full */
};

/*
 * Hot-path site lookup: an open hash table in an array map (buckets of
 * KMS_SITE_WAYS slots, probing into the next bucket), kept small because
 * every allocation reads it. aux tells sites of one call site apart: the
 * kmem_cache address (raw tracepoints), a hash of the cache name (classic
 * tracepoints) or the stack id (vmalloc).
 */
struct kms_site_slot {
	__u64 call_site;
	__u64 aux;
	__u64 state; /* 64-bit: BPF's compare-and-swap needs it before alu32 */
	__u32 gfp;
	__u32 kind_flags; /* kind | flags << 8 */
	__u32 idx; /* the site's number: index of site_stats and site_meta */
	__u32 obj_req; /* raw tracepoints: the cache's object_size and size */
	__u32 obj_alloc;
	__u32 alloc_size; /* kms_site_key.alloc_size: part of the key */
	__u64 owner; /* --by: kms_site_key.owner */
};

#define KMS_SITE_WAYS 4
struct kms_site_bucket {
	struct kms_site_slot slot[KMS_SITE_WAYS];
};

/* what user space reads for a site number (mmapped array); ready last */
struct kms_site_meta {
	struct kms_site_key key;
	__u64 ready;
};

/*
 * An object allocated while tracing, waiting for its free: open hash table
 * in an array map, keyed by address (0 = free slot). bytes is in units of 8
 * (every allocator's sizes are multiples of 8), saturating at 32 GiB.
 */
struct kms_live_slot {
	__u64 ptr;
	__u64 ts; /* 0: lifetime not sampled */
	__u32 site;
	__u32 units;
	__u32 cpu;
	__u32 pad; /* a sampled stack's id + 1 (bpf/stacks.bpf.h), 0: not sampled */
};

#define KMS_LIVE_WAYS 8
struct kms_live_bucket {
	struct kms_live_slot slot[KMS_LIVE_WAYS];
};

/* kprobe mode: what the vmalloc entry probe saw, for the return probe */
struct kms_vm_pending {
	__u64 size;
	__u64 caller;
	__u32 gfp;
	__s32 stack_id;
};

enum kms_counter {
	/*
	 * Events: not counted in the kernel (a counter per event costs as
	 * much as the rest of the kfree path); user space derives them from
	 * the sites' counters and the unmatched/drop counters below.
	 */
	KMS_CNT_EV_KMALLOC,
	KMS_CNT_EV_KFREE,
	KMS_CNT_EV_CACHE_ALLOC,
	KMS_CNT_EV_CACHE_FREE,
	KMS_CNT_EV_VMALLOC,
	KMS_CNT_EV_VFREE,
	KMS_CNT_EV_BULK_FREE, /* objects of kmem_cache_free_bulk calls (kfree_bulk, kfree_rcu) */
	KMS_CNT_UNMATCHED_KFREE,
	KMS_CNT_UNMATCHED_CACHE_FREE,
	KMS_CNT_UNMATCHED_VFREE,
	KMS_CNT_DROP_SITES, /* site map full: event not counted at all */
	KMS_CNT_DROP_LIVE, /* live map full: object counted but not tracked */
	KMS_CNT_DROP_RINGBUF, /* failure record lost */
	KMS_CNT_DROP_STACK, /* stack not recorded (stack map full or collision) */
	KMS_CNT_DROP_PENDING, /* kprobe entry/return pairing map full */
	KMS_CNT_STALE_LIVE, /* address reused before we saw its free */
	KMS_CNT_SELF, /* allocations by kmemscope itself, ignored */
	KMS_CNT_DUP_LARGE, /* the kernel's second kmalloc event of one large allocation */
	KMS_CNT_UNMATCHED_BULK, /* bulk-freed objects that were not tracked */
	KMS_CNT_DROP_BULK, /* bulk-freed objects past KMS_BULK_MAX in one call: not matched */
	KMS_CNT_NR,
};

/* ring buffer record: one allocation failure */
struct kms_fail_event {
	__u64 ts;
	__u64 call_site;
	__u64 bytes_req;
	__u32 gfp;
	__u32 kind;
	__u32 pid;
	__s32 stack_id;
	char comm[16];
	char cache[KMS_CACHE_NAME_LEN];
};

/*
 * Sampled stacks (--stack-sample N): one allocation in N per site and CPU
 * takes a kernel stack, and its counts go to the (site, stack) entry of
 * the stack_samples hash map (bpf/stacks.bpf.h). The values are shared by
 * all CPUs: atomic adds. live = tracked - frees (sampled objects only).
 */
struct kms_stack_key {
	__u32 site; /* the site's number (site_stats index) */
	__s32 stack_id; /* in the stacks map */
};

struct kms_stack_counts {
	__u64 allocs;
	__u64 bytes_req;
	__u64 bytes_alloc;
	__u64 tracked; /* of those, entered into the live table */
	__u64 tracked_bytes;
	__u64 frees; /* matched frees (or stale) of tracked sampled objects */
	__u64 bytes_freed;
};

#endif
