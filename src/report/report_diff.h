/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope report --diff A B`: two finished reports compared site by site
 * and cache by cache (report_diff.c). Counts are B - A; when the recordings'
 * lengths differ by more than RP_DIFF_SAME_LEN the comparison is per second.
 */
#ifndef KMEMSCOPE_REPORT_DIFF_H
#define KMEMSCOPE_REPORT_DIFF_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "report_model.h"

/* lengths within 10% of each other compare as counts, else per second */
#define RP_DIFF_SAME_LEN 0.10
/* |Welch t| of the per-bucket allocation rates above this: marked significant */
#define RP_DIFF_T 2.0
/* time buckets each side needs before a significance is stated */
#define RP_DIFF_MIN_N 3

/* one side's figures of a row */
struct rp_diff_side {
	double allocs, bytes_req, bytes_alloc, slack, live, live_bytes;
	double mean, var; /* allocations per second over the side's time buckets */
	size_t n; /* time buckets */
};

enum rp_diff_sig {
	RP_SIG_UNKNOWN, /* too few time buckets on a side */
	RP_SIG_NO,
	RP_SIG_YES,
};

struct rp_diff_row {
	const char *kind, *cache, *caller, *site; /* site NULL: a cache row */
	struct rp_diff_side a, b;
	double t; /* Welch's t of the allocation rates, when sig != RP_SIG_UNKNOWN */
	enum rp_diff_sig sig;
	bool slab; /* a cache row whose live is the slabinfo active objects of both sides */
};

struct rp_diff {
	const struct report *a, *b;
	const char *name_a, *name_b;
	double sec_a, sec_b;
	bool per_second; /* lengths differ: deltas are per second */
	struct rp_diff_row *sites, *caches;
	size_t nr_sites, nr_caches;
};

/*
 * A message naming why A and B cannot be compared (different hosts, no
 * intervals), or NULL.
 */
const char *rp_diff_check(const struct report *a, const struct report *b, char *buf, size_t sz);
/* Build the rows from two finished reports (they must outlive d). 0 or -ENOMEM. */
int rp_diff_build(struct rp_diff *d, const struct report *a, const struct report *b,
		  const char *name_a, const char *name_b);
void rp_diff_free(struct rp_diff *d);
/* B - A of one field, per second when d->per_second */
double rp_diff_delta(const struct rp_diff *d, double va, double vb);

void rp_diff_print_text(FILE *f, const struct rp_diff *d, __u64 top);
cJSON *rp_diff_json(const struct rp_diff *d, __u64 top);
int rp_diff_write_html(FILE *f, const struct rp_diff *d, __u64 top);

#endif
