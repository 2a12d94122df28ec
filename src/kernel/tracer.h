/* SPDX-License-Identifier: GPL-2.0 */
/* Loading, attaching (src/kernel/tracer_attach.c) and reading (src/kernel/tracer.c) bpf/kmem.bpf.c. */
#ifndef KMEMSCOPE_TRACER_H
#define KMEMSCOPE_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include "kmemscope.h"

struct ksyms;
struct htab;
struct kmem_bpf;
struct ring_buffer;

/* how the kmem tracepoints are attached */
enum kms_kmem_mode {
	KMS_KMEM_AUTO = 0, /* raw tracepoints when the kernel's prototypes match */
	KMS_KMEM_RAW = 1,
	KMS_KMEM_TRACEPOINT = 2,
};

/* how kmem_cache_free_bulk (kfree_bulk, kfree_rcu's batches) is traced */
enum kms_bulk_mode {
	KMS_BULK_AUTO = 0, /* fentry, else kprobe, else off */
	KMS_BULK_FENTRY = 1,
	KMS_BULK_KPROBE = 2,
	KMS_BULK_OFF = 3,
};

struct tracer_opts {
	bool kmalloc; /* kmem:kmalloc / kfree */
	bool cache; /* kmem:kmem_cache_alloc / free */
	bool vmalloc;
	enum kms_vm_mode vm_mode; /* KMS_VM_NONE: detect */
	enum kms_kmem_mode kmem_mode;
	enum kms_bulk_mode bulk_mode;
	bool track_live;
	__u32 live_entries;
	__u32 site_entries;
	__u32 stack_entries;
	__u32 stack_sample; /* a kernel stack for 1 allocation in N per site and CPU, 0 = off */
	__u32 stack_sites; /* (site, stack) entries of the sampled stacks' table */
	__u32 life_sample; /* measure the lifetime of 1 in N allocations (power of two) */
	__u32 ringbuf_size; /* bytes, power of two >= page size */
	bool raw_addresses; /* unsymbolizable sites as raw addresses (KASLR leak) */
	/* fragmentation view (src/session/frag.c) */
	bool frag; /* buddyinfo & co snapshots */
	bool pages; /* page allocator tracing */
	__u32 page_order; /* attribute page allocations of order >= this to callers */
	__u32 pagetype_period; /* read pagetypeinfo/slabinfo every N intervals */
	__u32 corr_window; /* correlation window, intervals */
	__u32 corr_lag; /* lags searched: 0..corr_lag */
	/* filters, in the kernel (0 / "": none) */
	__u32 filter_pids[KMS_MAX_FILTER_PIDS];
	__u32 nr_filter_pids;
	char filter_comm[KMS_COMM_LEN + 1]; /* a trailing '*': a prefix */
	char filter_cgroup[256]; /* a cgroup v2 directory, its descendants included */
	enum kms_by by; /* split sites by comm or cgroup */
	__u32 by_max; /* distinct owners, the rest is "other" */
};

typedef void (*tracer_site_fn)(__u32 num, const struct kms_site_key *key,
			       const struct kms_site_stats *sum, void *ctx);
typedef int (*tracer_fail_fn)(const struct kms_fail_event *e, void *ctx);

struct tracer {
	struct kmem_bpf *skel;
	struct ring_buffer *rb;
	enum kms_vm_mode vm_mode;
	char vm_target[64]; /* fentry/kprobe function */
	char kmalloc_mode[32]; /* "raw_tracepoint", "tracepoint", "off" */
	char cache_mode[32];
	char vm_desc[160];
	char vm_tried[256]; /* why faster vmalloc modes were refused */
	struct kmem_bpf *bulk; /* the bulk free program: a second instance sharing skel's maps */
	enum kms_bulk_mode bulk_mode; /* KMS_BULK_FENTRY, KMS_BULK_KPROBE or KMS_BULK_OFF */
	char bulk_tried[256]; /* why faster bulk modes were refused, or why it is off */
	int ncpu;
	__u32 max_sites;
	bool batch_unsupported;
	bool stack_batch_unsupported; /* the stack_samples hash map: one entry at a time */
	const struct kms_site_meta *meta; /* site_meta, mmapped read-only */
	size_t meta_len;
	void *keys, *vals; /* batch lookup buffers, batch_cap entries */
	__u32 batch_cap;
	/* site numbers sharing a key with a lower one (two CPUs created it at once) */
	__u32 *canon; /* canon[i]: the lowest number with site i's key */
	bool *has_alias; /* has_alias[c]: another number shares site c's key */
	__u32 nr_known; /* numbers whose key has been read */
	struct htab *by_key;
	__u64 events[KMS_CNT_NR]; /* derived in tracer_for_each_site */
	tracer_fail_fn on_fail; /* failure records, from the ring buffer */
	void *fail_ctx;
	bool compat; /* kmem_compat.bpf.c: no BPF compare-and-swap (kernels before 5.12) */
	char claims_tried[128]; /* why: the probe's refusal */
	bool filtered; /* --pid, --comm or --cgroup: unmatched frees are not counted */
};

extern const struct tracer_opts tracer_defaults;

const char *vm_mode_name(enum kms_vm_mode m);
const char *bulk_mode_name(enum kms_bulk_mode m);
/*
 * The filters name running processes and a cgroup v2 directory, --by
 * cgroup has a cgroup v2 hierarchy: 0, or -errno after a one-line error.
 */
int tracer_check_filters(const struct tracer_opts *o);
/* Load and attach: the vmalloc mode is chosen by trying fentry, kprobe, tracepoints in turn. */
int tracer_start(struct tracer *t, const struct tracer_opts *o, const struct ksyms *ks,
		 tracer_fail_fn on_fail, void *fail_ctx);
/* Summed over CPUs; cumulative since start. */
int tracer_read_counters(struct tracer *t, __u64 out[KMS_CNT_NR]);
/* Calls fn for every kernel site with its per-CPU values summed (cumulative). */
int tracer_for_each_site(struct tracer *t, tracer_site_fn fn, void *ctx);
/* One (site number, stack id) entry of the sampled stacks (cumulative counts). */
typedef void (*tracer_stack_fn)(const struct kms_stack_key *key, const struct kms_stack_counts *v,
				void *ctx);
/* Calls fn for every sampled (site, stack) entry; the site number is tracer_for_each_site's. */
int tracer_for_each_stack(struct tracer *t, tracer_stack_fn fn, void *ctx);
/* Frames of a recorded stack (0-terminated). -ENOENT when gone. */
int tracer_stack(struct tracer *t, __s32 id, __u64 ips[KMS_STACK_DEPTH]);
/* Events the kernel skipped because a BPF program was already running on that CPU. */
__u64 tracer_recursion_misses(struct tracer *t);
/* The kernel's figures of the loaded programs, summed (run_* only with kernel.bpf_stats_enabled=1). */
struct tracer_prog_stats {
	__u64 recursion_misses, run_time_ns, run_cnt;
};
void tracer_prog_stats(struct tracer *t, struct tracer_prog_stats *st);
/* Deliver pending failure records. */
int tracer_poll(struct tracer *t);
void tracer_stop(struct tracer *t);

#endif
