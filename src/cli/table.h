/* SPDX-License-Identifier: GPL-2.0 */
/* The `record` table (like perf kmem stat --caller) and its summary. */
#ifndef KMEMSCOPE_TABLE_H
#define KMEMSCOPE_TABLE_H

#include <stdio.h>
#include <linux/types.h>
#include "kmemscope.h"
#include "sites.h"

struct gfp_table;
struct tracer;

struct run_summary {
	double seconds;
	__u64 intervals;
	__u64 counters[KMS_CNT_NR];
	__u64 recursion_misses;
	__u64 map_bytes;
	__u32 live_entries; /* the live table's size: for the --live-entries hint */
	const struct tracer_opts *opts; /* the filters and --by, said in the summary */
};

/* Sorts the table by key on totals and prints the top rows (0: all). */
void print_site_table(FILE *f, struct site_table *st, enum sort_key key, __u64 top,
		      const struct gfp_table *gfp);
void print_summary(FILE *f, const struct site_table *st, const struct run_summary *sum,
		   const struct tracer *t);
/* "GFP_KERNEL", "-" when the attach point cannot see flags */
int gfp_label(const struct gfp_table *gfp, const struct gfp_count *g, char *buf, size_t sz);

#endif
