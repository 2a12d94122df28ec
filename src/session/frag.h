/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fragmentation side of a session: /proc snapshots every interval
 * (pagetypeinfo and slabinfo every pagetype_period intervals), the page
 * allocator counts, and the correlation of callers' activity with the
 * change of fragmentation.
 */
#ifndef KMEMSCOPE_FRAG_H
#define KMEMSCOPE_FRAG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <cjson/cJSON.h>
#include "correlate.h"
#include "page_tracer.h"
#include "procfs.h"

struct export;
struct ksyms;
struct gfp_table;
struct site_table;
struct tracer_opts;

#define FRAG_MAX_ZONES 4 /* zones correlated (4 targets each) */
#define FRAG_TOP 10 /* correlation results kept and exported */

enum frag_target {
	FT_UNUSABLE_ORDER3,
	FT_UNUSABLE_PAGEBLOCK,
	FT_FREE_ORDER3, /* series: blocks lost (previous - current) */
	FT_FREE_PAGEBLOCK,
	FT_NR,
};

struct frag_zone {
	int node;
	char zone[KMS_NAME_LEN];
	int target; /* first correlator target of this zone */
	bool have_prev;
	double prev[FT_NR];
};

struct frag {
	bool on;
	__u32 pagetype_period, corr_window;
	const struct ksyms *ks;
	const struct gfp_table *gfp;
	long page_size;
	int pageblock_order;
	char pageblock_note[64];
	int nr_types;
	char types[KMS_MAX_ORDERS][KMS_NAME_LEN]; /* migratetype names */
	struct buddyinfo first, cur;
	bool have_first;
	struct pagetypeinfo pti;
	bool pti_fresh;
	struct kvlist vm_prev, vm_delta, meminfo;
	bool vm_have_prev;
	struct slabinfo slab;
	bool slab_fresh;
	unsigned int absent; /* sources reported missing once */
	struct correlator corr;
	struct frag_zone zones[FRAG_MAX_ZONES];
	int nr_zones;
	bool pages;
	struct page_tracer pt;
	__u64 seq;
	struct corr_result top[FRAG_TOP];
	int nr_top;
	bool ranked; /* top[] is from the latest interval: export it */
};

int frag_start(struct frag *f, const struct tracer_opts *o, const struct ksyms *ks,
	       const struct gfp_table *gfp);
/* Read the sources due this interval and the page counts; feed the correlator. */
int frag_snapshot(struct frag *f, __u64 seq, struct site_table *sites);
/* Rank the correlations now (done every window intervals and at the end). */
void frag_rank(struct frag *f);
/* Queue this interval's fragmentation records (and the ranking when one was made). */
int frag_export(struct frag *f, struct export *x);
/* Queue the correlation records of the last ranking. */
int frag_export_ranking(struct frag *f, struct export *x);
/* Add "buddyinfo", "pageblock_order", "meminfo", "pagetype" and the page
 * callers (sites of kind "page", with --pages) to a state document. */
void frag_state(struct frag *f, cJSON *state);
void frag_print_summary(FILE *out, struct frag *f);
void frag_stop(struct frag *f);
const char *migratetype_name(const struct frag *f, int mt, char *buf, size_t sz);

#endif
