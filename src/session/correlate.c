// SPDX-License-Identifier: GPL-2.0
/*
 * Sliding-window correlation between per-caller activity and the change of
 * fragmentation metrics.
 *
 * Every series (a target, or one caller's activity of one kind) keeps the
 * last window committed intervals plus the interval being built in a ring
 * of window + 1 slots: interval i lives in slot i % (window + 1), so the
 * slot of the interval being built is the one that just fell out of the
 * window, and corr_rank() can run at any time without seeing half an
 * interval.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "correlate.h"

#define CORR_MIN_N 5
/*
 * Both series must move (be non-zero) in at least this many of the pairs:
 * a target that changed once and any caller active at that one moment have
 * r = 1, a coincidence that would outrank every real trend.
 */
#define CORR_MIN_MOVES 3

struct corr_key {
	char caller[128]; /* NUL-padded so that the key bytes are canonical */
	int activity;
};

struct corr_series {
	struct corr_key key;
	long last_active; /* last interval with a non-zero value (or creation) */
	double v[]; /* window + 1 slots */
};

static int nslots(const struct correlator *c)
{
	return c->window + 1;
}

static int slot(const struct correlator *c, long interval)
{
	return interval % nslots(c);
}

/*
 * Walk the series table: for (e = ent_next(h, NULL); e; e = ent_next(h, e)).
 * A function rather than htab_for_each(), which clang-format cannot lay out.
 */
static struct htab_ent *ent_next(const struct htab *h, struct htab_ent *e)
{
	if (!h->ents)
		return NULL;
	for (e = e ? e + 1 : h->ents; e < h->ents + h->cap; e++) {
		if (e->hash)
			return e;
	}
	return NULL;
}

int corr_init(struct correlator *c, int window, int max_lag)
{
	memset(c, 0, sizeof(*c));
	/* the longest lag must leave at least one pair inside the window */
	if (window < 2 || max_lag < 0 || max_lag >= window)
		return -EINVAL;
	c->window = window;
	c->max_lag = max_lag;
	c->min_n = CORR_MIN_N;
	htab_init(&c->series, sizeof(struct corr_key));
	return 0;
}

void corr_free(struct correlator *c)
{
	struct htab_ent *e;
	int i;

	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e))
		free(e->val);
	htab_free(&c->series);
	for (i = 0; i < c->nr_targets; i++)
		free(c->targets[i]);
	memset(c, 0, sizeof(*c));
}

int corr_add_target(struct correlator *c, const char *name)
{
	int t = c->nr_targets;

	if (!name || !c->window)
		return -EINVAL;
	if (t == CORR_MAX_TARGETS)
		return -ENOSPC;
	c->targets[t] = calloc(nslots(c), sizeof(double));
	if (!c->targets[t])
		return -ENOMEM;
	snprintf(c->target_names[t], sizeof(c->target_names[t]), "%s", name);
	c->nr_targets++;
	return t;
}

void corr_set_target(struct correlator *c, int target, double delta)
{
	if (target < 0 || target >= c->nr_targets || !isfinite(delta))
		return;
	c->targets[target][slot(c, c->intervals)] = delta;
}

static struct corr_series *series_get(struct correlator *c, const struct corr_key *k)
{
	struct corr_series *s = htab_get(&c->series, k);

	if (s)
		return s;
	s = calloc(1, sizeof(*s) + nslots(c) * sizeof(double));
	if (!s)
		return NULL;
	s->key = *k;
	/* new: give it a whole window before it can be dropped as idle */
	s->last_active = c->intervals;
	if (htab_put(&c->series, k, s)) {
		free(s);
		return NULL;
	}
	return s;
}

int corr_add_activity(struct correlator *c, const char *caller, enum corr_activity a, double v)
{
	struct corr_key k;
	struct corr_series *s;

	if (!caller || a < 0 || a >= CORR_NR_ACTIVITY || !isfinite(v) || !c->window)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	strncpy(k.caller, caller, sizeof(k.caller) - 1);
	k.activity = a;
	s = series_get(c, &k);
	if (!s)
		return -ENOMEM;
	s->v[slot(c, c->intervals)] += v;
	if (v != 0)
		s->last_active = c->intervals;
	return 0;
}

/* Is s zero over the whole window that ends with interval c->intervals - 1? */
static bool series_idle(const struct correlator *c, const struct corr_series *s)
{
	return s->last_active < c->intervals - c->window;
}

/*
 * Free the series that have been zero for a whole window. The hash table has
 * no delete, so the survivors move to a new table; that only happens in
 * intervals where something went idle. Out of memory: drop nothing now and
 * try again at the next commit.
 */
static void drop_idle(struct correlator *c)
{
	struct htab keep;
	struct htab_ent *e;
	int idle = 0;

	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e))
		idle += series_idle(c, e->val);
	if (!idle)
		return;
	htab_init(&keep, sizeof(struct corr_key));
	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e)) {
		if (!series_idle(c, e->val) && htab_put(&keep, e->key, e->val)) {
			htab_free(&keep);
			return;
		}
	}
	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e)) {
		if (series_idle(c, e->val))
			free(e->val);
	}
	htab_free(&c->series);
	c->series = keep;
}

void corr_commit(struct correlator *c)
{
	struct htab_ent *e;
	long next = c->intervals + 1;
	int i, sl;

	if (!c->window)
		return;
	c->intervals = next;
	/* the new interval's slot still holds the one that left the window */
	sl = slot(c, next);
	for (i = 0; i < c->nr_targets; i++)
		c->targets[i][sl] = 0;
	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e)) {
		struct corr_series *s = e->val;

		s->v[sl] = 0;
	}
	drop_idle(c);
}

double pearson(const double *x, const double *y, int n)
{
	double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, r;
	bool xconst = true, yconst = true;
	int i;

	if (n < 2)
		return NAN;
	/*
	 * Test constancy on the values themselves: a constant's mean can be
	 * off by one ulp, which would leave a tiny variance and a random r.
	 */
	for (i = 0; i < n; i++) {
		xconst &= x[i] == x[0];
		yconst &= y[i] == y[0];
		mx += x[i];
		my += y[i];
	}
	if (xconst || yconst)
		return NAN;
	mx /= n;
	my /= n;
	/* second pass on deviations: no cancellation from large means */
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
	}
	if (sxx <= 0 || syy <= 0)
		return NAN;
	r = sxy / (sqrt(sxx) * sqrt(syy));
	/* rounding can step just outside [-1, 1] */
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

/* Oldest committed interval still in the window, and how many there are. */
static long window_start(const struct correlator *c, int *count)
{
	long first = c->intervals > c->window ? c->intervals - c->window : 0;

	*count = c->intervals - first;
	return first;
}

static bool moves_enough(const double *v, int n)
{
	int moves = 0;

	for (int i = 0; i < n && moves < CORR_MIN_MOVES; i++)
		moves += v[i] != 0;
	return moves >= CORR_MIN_MOVES;
}

/* Best lag of one activity series against one target; false when none qualifies. */
static bool best_lag(const struct correlator *c, const double *act, const double *tgt, double *xs,
		     double *ys, struct corr_result *res)
{
	int count, lag, i;
	long first = window_start(c, &count);
	bool found = false;

	for (lag = 0; lag <= c->max_lag; lag++) {
		int n = count - lag;
		double r;

		if (n < c->min_n || n < 2)
			break;
		/* activity at t with the target's change at t + lag */
		for (i = 0; i < n; i++) {
			xs[i] = act[slot(c, first + i)];
			ys[i] = tgt[slot(c, first + i + lag)];
		}
		if (!moves_enough(xs, n) || !moves_enough(ys, n))
			continue;
		r = pearson(xs, ys, n);
		if (isnan(r) || (found && r <= res->r))
			continue;
		res->r = r;
		res->n = n;
		res->lag = lag;
		found = true;
	}
	return found;
}

static int cmp_r_desc(const void *a, const void *b)
{
	const struct corr_result *x = a, *y = b;

	if (x->r != y->r)
		return x->r < y->r ? 1 : -1;
	/* ties: a stable, readable order */
	if (x->lag != y->lag)
		return x->lag - y->lag;
	return strcmp(x->caller, y->caller);
}

int corr_rank(const struct correlator *c, struct corr_result *out, int max)
{
	struct corr_result *all = NULL, *tmp;
	double *xs = NULL, *ys = NULL;
	struct htab_ent *e;
	int nr = 0, cap = 0, t;

	if (!c->window || max <= 0)
		return 0;
	xs = malloc(c->window * sizeof(double));
	ys = malloc(c->window * sizeof(double));
	if (!xs || !ys)
		goto out;
	for (e = ent_next(&c->series, NULL); e; e = ent_next(&c->series, e)) {
		const struct corr_series *s = e->val;

		for (t = 0; t < c->nr_targets; t++) {
			struct corr_result res = { 0 };

			if (!best_lag(c, s->v, c->targets[t], xs, ys, &res))
				continue;
			if (nr == cap) {
				cap = cap ? cap * 2 : 64;
				tmp = realloc(all, cap * sizeof(*all));
				if (!tmp)
					goto out;
				all = tmp;
			}
			memcpy(res.caller, s->key.caller, sizeof(res.caller));
			res.activity = s->key.activity;
			res.target = t;
			all[nr++] = res;
		}
	}
out:
	/* on -ENOMEM: the results gathered so far */
	if (nr)
		qsort(all, nr, sizeof(*all), cmp_r_desc);
	if (nr > max)
		nr = max;
	if (nr)
		memcpy(out, all, nr * sizeof(*out));
	free(all);
	free(xs);
	free(ys);
	return nr;
}

const char *corr_activity_name(enum corr_activity a)
{
	static const char *const names[CORR_NR_ACTIVITY] = {
		[CORR_HIGH_ORDER_PAGES] = "high_order_pages",
		[CORR_VMALLOC_PAGES] = "vmalloc_pages",
		[CORR_EXTFRAG] = "extfrag",
		[CORR_LIVE_GROWTH] = "live_growth",
	};

	if (a < 0 || a >= CORR_NR_ACTIVITY)
		return "unknown";
	return names[a];
}
