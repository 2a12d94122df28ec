/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address ranges the BPF caller scan looks past (bpf/common.bpf.h):
 * the allocator's own functions, then the tracing machinery of the
 * tracepoints the program is attached to.
 */
#ifndef KMEMSCOPE_CALLERS_H
#define KMEMSCOPE_CALLERS_H

#include <stddef.h>
#include <linux/types.h>

struct ksyms;

struct skip_fn {
	const char *name;
	__u32 flags; /* KMS_SKIP_* */
};

/*
 * Fill the caller scan's settings (arrays of KMS_MAX_SKIP entries): the
 * ranges of the allocator's functions fns the kernel has, then the
 * functions that call a BPF program attached to the tracepoints tps (each
 * of the event class of the same name): __traceiter_, __probestub_,
 * perf_trace_, trace_event_raw_event_ and __bpf_trace_ of each, and
 * bpf_trace_run<N>. Other tracers' frames are found without those
 * (bpf/common.bpf.h); they name the machinery for stacks where no
 * allocator frame is found. *nr gets the number of ranges; returns the
 * number of allocator functions found (0: no kernel symbols).
 */
__u32 skip_ranges_fill(const struct ksyms *ks, const struct skip_fn *fns, size_t nfns,
		       const char *const *tps, size_t ntps, __u64 *start, __u64 *end, __u32 *flags,
		       __u32 *nr);

#endif
