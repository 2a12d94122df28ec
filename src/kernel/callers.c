// SPDX-License-Identifier: GPL-2.0
/* Address ranges for the BPF caller scan (see src/kernel/callers.h). */
#include <stdbool.h>
#include <stdio.h>
#include "callers.h"
#include "kmemscope.h"
#include "ksyms.h"
#include "util.h"

/* where the ranges go: the skeleton's rodata arrays */
struct skip_ranges {
	__u64 *start, *end;
	__u32 *flags;
	__u32 nr;
};

static __u32 add_range(struct skip_ranges *r, __u64 start, __u64 end, __u32 flags)
{
	if (r->nr >= KMS_MAX_SKIP || start >= end)
		return 0;
	r->start[r->nr] = start;
	r->end[r->nr] = end;
	r->flags[r->nr] = flags;
	r->nr++;
	return 1;
}

static __u32 add_functions(struct skip_ranges *r, const struct ksyms *ks, const struct skip_fn *fns,
			   size_t n)
{
	__u32 added = 0;

	for (size_t i = 0; i < n && ks; i++) {
		__u64 start, end;

		if (!ksyms__range(ks, fns[i].name, &start, &end))
			added += add_range(r, start, end, fns[i].flags);
	}
	return added;
}

/*
 * bpf_trace_run1..12 (the raw tracepoint entries, one per argument count)
 * come from one macro in kernel/trace/bpf_trace.c and sit together, with
 * only padding (__pfx_ symbols) and that file's own tracing functions
 * between them: one range covers them when they are in order and fill at
 * least half of it, else each gets its own.
 */
static __u32 add_bpf_trace_run(struct skip_ranges *r, const struct ksyms *ks)
{
	__u64 start[12], end[12], size = 0;
	bool in_order = true;
	char name[32];
	__u32 added = 0;
	int n = 0;

	for (int i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "bpf_trace_run%d", i);
		if (ksyms__range(ks, name, &start[n], &end[n]))
			continue;
		if (n && start[n] < end[n - 1])
			in_order = false;
		size += end[n] - start[n];
		n++;
	}
	if (n && in_order && end[n - 1] - start[0] <= 2 * size)
		return add_range(r, start[0], end[n - 1], KMS_SKIP_TRACING);
	for (int i = 0; i < n; i++)
		added += add_range(r, start[i], end[i], KMS_SKIP_TRACING);
	return added;
}

static __u32 add_tracing(struct skip_ranges *r, const struct ksyms *ks, const char *const *tps,
			 size_t n)
{
	static const char *const prefix[] = { "__traceiter_", "__probestub_", "perf_trace_",
					      "trace_event_raw_event_", "__bpf_trace_" };
	char name[128];
	__u32 added = 0;

	if (!ks)
		return 0;
	for (size_t t = 0; t < n; t++) {
		for (size_t i = 0; i < ARRAY_SIZE(prefix); i++) {
			__u64 start, end;

			snprintf(name, sizeof(name), "%s%s", prefix[i], tps[t]);
			if (!ksyms__range(ks, name, &start, &end))
				added += add_range(r, start, end, KMS_SKIP_TRACING);
		}
	}
	return added + add_bpf_trace_run(r, ks);
}

__u32 skip_ranges_fill(const struct ksyms *ks, const struct skip_fn *fns, size_t nfns,
		       const char *const *tps, size_t ntps, __u64 *start, __u64 *end, __u32 *flags,
		       __u32 *nr)
{
	struct skip_ranges r = { .start = start, .end = end, .flags = flags };
	__u32 found = add_functions(&r, ks, fns, nfns);

	add_tracing(&r, ks, tps, ntps);
	*nr = r.nr;
	return found;
}
