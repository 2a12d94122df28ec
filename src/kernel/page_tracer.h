/* SPDX-License-Identifier: GPL-2.0 */
/* Loading and reading bpf/pages.bpf.c: page allocator, extfrag and compaction counts. */
#ifndef KMEMSCOPE_PAGE_TRACER_H
#define KMEMSCOPE_PAGE_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include "htab.h"
#include "pages.h"

struct ksyms;
struct pages_bpf;
struct tracer_opts;

/* one kernel key's change over the interval */
struct pg_delta {
	union {
		struct kms_page_key page;
		struct kms_page_site_key site;
		struct kms_extfrag_key extfrag;
	} k;
	__u64 count;
	__u64 pages;
};

struct pg_list {
	struct pg_delta *v;
	int nr, cap;
};

struct page_tracer {
	struct pages_bpf *skel;
	int ncpu;
	__u32 order_threshold;
	bool extfrag, compaction; /* attached */
	bool filtered; /* --pid/--comm/--cgroup: allocations filtered, frees not counted */
	struct htab prev_allocs, prev_sites, prev_extfrag;
	__u64 prev_frees[KMS_PAGE_ORDERS][2];
	__u64 counters[KMS_PG_NR];
	/* the last interval */
	struct pg_list allocs, sites, extfrags;
	struct kms_page_val frees[KMS_PAGE_ORDERS];
	__u64 delta[KMS_PG_NR];
};

/* Load and attach; o gives the caller order threshold (page_order) and the task filters. */
int page_tracer_start(struct page_tracer *pt, const struct tracer_opts *o, const struct ksyms *ks);
/* Read every map; the deltas of the interval land in pt->allocs/sites/extfrags/frees/delta. */
int page_tracer_drain(struct page_tracer *pt);
int page_tracer_stack(struct page_tracer *pt, __s32 id, __u64 *ips, int max);
void page_tracer_stop(struct page_tracer *pt);

#endif
