/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Correlation between callers' per-interval activity and the per-interval
 * change of fragmentation metrics, over a sliding window, with a lag search.
 * Correlation, not proof of cause.
 */
#ifndef KMEMSCOPE_CORRELATE_H
#define KMEMSCOPE_CORRELATE_H

#include <stddef.h>
#include "htab.h"

enum corr_activity {
	CORR_HIGH_ORDER_PAGES, /* pages allocated at order >= threshold */
	CORR_VMALLOC_PAGES,
	CORR_EXTFRAG, /* fallbacks the caller triggered */
	CORR_LIVE_GROWTH, /* net live bytes growth */
	CORR_NR_ACTIVITY,
};

#define CORR_MAX_TARGETS 16

struct corr_result {
	char caller[128];
	enum corr_activity activity;
	int target; /* index given to corr_add_target */
	double r;
	int n; /* pairs used */
	int lag; /* intervals between activity and fragmentation change */
};

struct correlator {
	int window;
	int max_lag;
	int min_n; /* fewer pairs than this: no result */
	long intervals; /* intervals committed so far */
	int nr_targets;
	char target_names[CORR_MAX_TARGETS][64];
	double *targets[CORR_MAX_TARGETS]; /* ring buffers of window values */
	struct htab series; /* (caller, activity) -> struct corr_series */
};

/* window intervals, lags 0..max_lag */
int corr_init(struct correlator *c, int window, int max_lag);
void corr_free(struct correlator *c);
/* Register a target series (e.g. "unusable_index_order3 Node 0 Normal"); its index, or -errno. */
int corr_add_target(struct correlator *c, const char *name);
/* For the interval being built: the change of a target, the activity of a caller (summed if repeated). */
void corr_set_target(struct correlator *c, int target, double delta);
int corr_add_activity(struct correlator *c, const char *caller, enum corr_activity a, double v);
/* Close the interval: series without a value this interval get 0. */
void corr_commit(struct correlator *c);
/*
 * Best (highest r) lag per (caller, activity, target) over the window,
 * sorted by r descending; at most max results written. Series that are
 * constant over the window (r undefined) are left out. Returns the count.
 */
int corr_rank(const struct correlator *c, struct corr_result *out, int max);
/* Pearson's r of n pairs; NAN when either side has zero variance or n < 2. */
double pearson(const double *x, const double *y, int n);
const char *corr_activity_name(enum corr_activity a);

#endif
