/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space view of the call sites: the kernel's per-(site, GFP, stack)
 * counters merged into one entry per (kind, call site, cache), with totals
 * since the start and the deltas of the current interval.
 */
#ifndef KMEMSCOPE_SITES_H
#define KMEMSCOPE_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "cgroup.h"
#include "htab.h"
#include "kmemscope.h"

struct ksyms;

struct site_counts {
	__u64 allocs;
	__u64 frees;
	__u64 failed;
	__u64 bytes_req;
	__u64 bytes_alloc;
	__u64 bytes_freed;
	__u64 cross_cpu_frees;
	__u64 implied_frees; /* freed past the tracepoints: seen when the address came back */
	__u64 implied_bytes;
	__u64 size_hist[KMS_SIZE_BUCKETS];
	__u64 life_hist[KMS_LIFE_BUCKETS];
	__u64 bytes_charged; /* of bytes_alloc, charged to a memory cgroup */
};

struct gfp_count {
	__u32 gfp;
	bool known; /* false when the attach point cannot see GFP flags */
	__u64 total;
	__u64 delta;
};

/* a site's allocations of one allocated size (kms_site_key.alloc_size) */
struct size_count {
	__u32 size;
	__u64 allocs, bytes_req; /* since the start */
	__u64 d_allocs, d_bytes_req; /* this interval */
};

struct site_id {
	__u64 call_site;
	__u32 kind;
	__u32 pad;
	char cache[KMS_CACHE_NAME_LEN];
	__u64 owner; /* --by: kms_site_key.owner */
};

/* --by: who a split site's row is */
enum site_owner {
	OWNER_NONE,
	OWNER_COMM,
	OWNER_CGROUP,
};

/*
 * One kernel stack of a site: a sampled stack of kmalloc and kmem_cache
 * sites (sampled counts), or one of a vmalloc site's keys (exact counts).
 */
struct site_stack {
	__s32 stack_id;
	__u64 allocs, bytes_req, bytes_alloc; /* since the start */
	__u64 d_allocs, d_bytes_req, d_bytes_alloc; /* this interval */
	__s64 live, live_bytes; /* now */
	__s64 prev_live, prev_live_bytes; /* at the end of the previous interval */
};

/* the stack had allocations this interval, or its live objects changed */
bool site_stack_changed(const struct site_stack *k);

struct site {
	struct site_id id;
	char *caller; /* "func" or "func [mod]" */
	char *where; /* "func+0x1a" */
	bool no_req; /* requested size not visible: bytes_req == bytes_alloc */
	__s32 stack_id; /* a stack recorded for this site (vmalloc), or -1 */
	struct site_counts tot;
	struct site_counts delta;
	bool has_delta; /* delta is not all zero */
	__s64 live;
	__s64 live_bytes;
	/*
	 * Allocations the live table could not hold, since the start: LIVE
	 * and live_bytes are lower bounds when it is not 0.
	 */
	__u64 live_untracked;
	__s64 prev_live_bytes; /* at the end of the previous interval */
	struct gfp_count *gfps;
	size_t nr_gfps;
	struct size_count *sizes; /* by allocated size, exact */
	size_t nr_sizes;
	enum site_owner owner_kind;
	char *owner; /* the comm or cgroup v2 path, "other" past --by-max; NULL: none */
	struct site_stack *stacks;
	size_t nr_stacks;
};

struct kkey_state;

struct site_table {
	struct htab kkeys; /* struct kms_site_key -> struct kkey_state */
	struct htab ids; /* struct site_id -> struct site */
	struct kkey_state **by_num; /* kernel site number -> its state (no hashing) */
	size_t by_num_cap;
	struct site **list;
	size_t nr, cap;
	const struct ksyms *ks;
	struct cgroup_names cgroups; /* --by cgroup: ids to paths */
	struct htab skeys; /* struct kms_stack_key -> struct skey_state */
};

enum sort_key {
	SORT_BYTES,
	SORT_ALLOCS,
	SORT_SLACK,
	SORT_FRAG,
	SORT_LIVE, /* live objects */
	SORT_PINGPONG,
	SORT_LIVE_BYTES,
	SORT_NR,
};

void site_table_init(struct site_table *st, const struct ksyms *ks);
void site_table_free(struct site_table *st);
/* Before feeding a new reading: clears deltas and live counts. */
void site_table_begin(struct site_table *st);
/* a kernel key without a site number: found by hashing the key */
#define SITE_NO_NUM 0xffffffffU
/*
 * Feed one kernel key's cumulative, CPU-summed counters (tracer_site_fn).
 * num is the kernel's number for the key (stable for a run) or SITE_NO_NUM.
 */
void site_table_feed(__u32 num, const struct kms_site_key *key, const struct kms_site_stats *sum,
		     void *st);
/*
 * Feed one sampled (site number, stack) entry of the kernel, cumulative
 * (tracer_stack_fn), after the interval's site_table_feed calls.
 */
void site_table_feed_stack(const struct kms_stack_key *key, const struct kms_stack_counts *v,
			   void *st);
bool site_active(const struct site *s);
const char *kind_name(__u32 kind);

__u64 site_slack(const struct site_counts *c);
/* slack as a percentage of allocated bytes */
double site_frag(const struct site_counts *c);
/* The GFP combination with the most allocations, or NULL. */
const struct gfp_count *site_top_gfp(const struct site *s);

/*
 * The live-object table: --live-entries N gets N slots, rounded up to a
 * power of two of buckets, so that it never tracks more than asked
 * (objects fill it to most of its slots before the first is refused).
 */
__u32 live_table_buckets(__u32 entries);
/* the objects it can hold, at most: its slots */
__u32 live_table_slots(__u32 entries);
__u64 live_table_bytes(__u32 entries);
/*
 * The default --live-entries (--live-entries auto): one entry per
 * LIVE_AUTO_MEM_PER_ENTRY bytes of memory plus LIVE_AUTO_PER_CPU per CPU,
 * rounded up to a power of two, within [LIVE_AUTO_MIN, LIVE_AUTO_MAX]
 * (the cap: 128 MiB of table).
 */
#define LIVE_AUTO_MEM_PER_ENTRY (16ULL << 10)
#define LIVE_AUTO_PER_CPU 32768U
#define LIVE_AUTO_MIN 262144U
#define LIVE_AUTO_MAX 4194304U
__u32 live_entries_for(__u64 mem_bytes, long ncpu);
/* live_entries_for this machine (MemTotal, online CPUs) */
__u32 live_entries_auto(void);
/*
 * An --live-entries that would have held every object, untracked ones
 * included, with room for the slots a full table cannot use.
 */
__u32 live_entries_hint(__u32 entries, __u64 untracked);

/* A sort key's word (sort_keys.h) or old spelling; -EINVAL for others. */
int sort_key_parse(const char *s, enum sort_key *out);
const char *sort_key_name(enum sort_key k);
/* Sort st->list by the key on totals, biggest first. */
void site_table_sort(struct site_table *st, enum sort_key key);

#endif
