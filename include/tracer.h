/* SPDX-License-Identifier: GPL-2.0 */
/* Loading, attaching and reading the BPF side. */
#ifndef KMEMSCOPE_TRACER_H
#define KMEMSCOPE_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include "kmemscope.h"

struct ksyms;
struct kmem_bpf;
struct ring_buffer;

struct tracer_opts {
	bool kmalloc; /* kmem:kmalloc / kfree */
	bool cache; /* kmem:kmem_cache_alloc / free */
	bool vmalloc;
	enum kms_vm_mode vm_mode; /* KMS_VM_NONE: detect */
	bool track_live;
	__u32 live_entries;
	__u32 site_entries;
	__u32 stack_entries;
	__u32 ringbuf_size; /* bytes, power of two >= page size */
	bool raw_addresses; /* unsymbolizable sites as raw addresses (KASLR leak) */
	/* fragmentation view (src/frag.c) */
	bool frag; /* buddyinfo & co snapshots */
	bool pages; /* page allocator tracing */
	__u32 page_order; /* attribute page allocations of order >= this to callers */
	__u32 pagetype_period; /* read pagetypeinfo/slabinfo every N intervals */
	__u32 corr_window; /* correlation window, intervals */
	__u32 corr_lag; /* lags searched: 0..corr_lag */
};

struct tracer {
	struct kmem_bpf *skel;
	struct ring_buffer *rb;
	enum kms_vm_mode vm_mode;
	char vm_target[64]; /* fentry/kprobe function */
	char kmalloc_mode[32]; /* "tracepoint", "off", "missing" */
	char cache_mode[32];
	char vm_desc[160];
	char vm_tried[256]; /* why faster vmalloc modes were refused */
	int ncpu;
	bool batch_unsupported;
	void *keys, *vals; /* batch lookup buffers */
	__u32 batch_cap;
};

typedef void (*tracer_site_fn)(const struct kms_site_key *key, const struct kms_site_stats *sum,
			       void *ctx);
typedef int (*tracer_fail_fn)(const struct kms_fail_event *e, void *ctx);

extern const struct tracer_opts tracer_defaults;

const char *vm_mode_name(enum kms_vm_mode m);
/* Load and attach: the vmalloc mode is chosen by trying fentry, kprobe, tracepoints in turn. */
int tracer_start(struct tracer *t, const struct tracer_opts *o, const struct ksyms *ks,
		 tracer_fail_fn on_fail, void *fail_ctx);
/* Summed over CPUs; cumulative since start. */
int tracer_read_counters(struct tracer *t, __u64 out[KMS_CNT_NR]);
/* Calls fn for every kernel site with its per-CPU values summed (cumulative). */
int tracer_for_each_site(struct tracer *t, tracer_site_fn fn, void *ctx);
/* Frames of a recorded stack (0-terminated). -ENOENT when gone. */
int tracer_stack(struct tracer *t, __s32 id, __u64 ips[KMS_STACK_DEPTH]);
/* Events the kernel skipped because a BPF program was already running on that CPU. */
__u64 tracer_recursion_misses(struct tracer *t);
/* Deliver pending failure records. */
int tracer_poll(struct tracer *t);
/* Bytes of kernel memory held by our maps (from map info). */
__u64 tracer_map_bytes(struct tracer *t);
void tracer_stop(struct tracer *t);

#endif
