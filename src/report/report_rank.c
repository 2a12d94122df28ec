// SPDX-License-Identifier: GPL-2.0
/* report_finish(): totals, sort keys and rankings derived once all records are in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_frag.h"
#include "report_life.h"
#include "report_advise.h"
#include "report_page.h"
#include "report_rank.h"
#include "report_site.h"
#include "report_sizeclass.h"
#include "report_slab.h"
#include "sort_keys.h"
#include "util.h"

/* the quantities of the shared vocabulary report sorts by, as its keys + 1 */
static const int sort_map[SQ_NR] = {
	[SQ_BYTES] = RP_SORT_BYTES + 1,	      [SQ_ALLOCS] = RP_SORT_ALLOCS + 1,
	[SQ_SLACK] = RP_SORT_SLACK + 1,	      [SQ_SLACK_PCT] = RP_SORT_FRAG + 1,
	[SQ_LIVE] = RP_SORT_LIVE + 1,	      [SQ_LIVE_BYTES] = RP_SORT_LIVE_BYTES + 1,
	[SQ_PINGPONG] = RP_SORT_PINGPONG + 1, [SQ_GFP] = RP_SORT_GFP + 1,
};

int rp_sort_parse(const char *s, enum rp_sort *out)
{
	int k;

	if (sort_key_lookup(s, sort_map, &k))
		return -EINVAL;
	*out = k;
	return 0;
}

const char *rp_sort_name(enum rp_sort k)
{
	return sort_key_word(sort_map, k);
}

static double sort_value(const struct rp_site *s, enum rp_sort k)
{
	switch (k) {
	case RP_SORT_ALLOCS:
		return s->allocs;
	case RP_SORT_SLACK:
		return rp_site_slack(s);
	case RP_SORT_FRAG:
		return rp_site_slack_pct(s);
	case RP_SORT_LIVE:
		return s->live;
	case RP_SORT_LIVE_BYTES:
		return s->live_bytes;
	case RP_SORT_PINGPONG:
		return s->cross_cpu_frees;
	case RP_SORT_GFP:
		/* sites called with several GFP combinations first */
		return s->nr_gfps;
	case RP_SORT_BYTES:
	default:
		return s->bytes_alloc;
	}
}

static enum rp_sort cmp_key;

static int cmp_sites(const void *a, const void *b)
{
	const struct rp_site *x = *(const struct rp_site *const *)a;
	const struct rp_site *y = *(const struct rp_site *const *)b;
	double vx = sort_value(x, cmp_key), vy = sort_value(y, cmp_key);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->bytes_alloc != y->bytes_alloc)
		return x->bytes_alloc < y->bytes_alloc ? 1 : -1;
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return strcmp(x->site, y->site) ?: strcmp(x->kind, y->kind) ?: strcmp(x->cache, y->cache);
}

static void sort_sites(struct rp_site **l, size_t n, enum rp_sort k)
{
	cmp_key = k;
	if (n)
		qsort(l, n, sizeof(*l),
		      cmp_sites); // NOLINT(bugprone-sizeof-expression): array of pointers
}

static int cmp_gfp_row(const void *a, const void *b)
{
	const struct rp_gfp_row *x = a, *y = b;

	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return strcmp(x->flags, y->flags);
}

static void build_gfp_rows(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_site *s = rp->sites[i];

		for (size_t j = 0; j < s->nr_gfps; j++) {
			struct rp_gfp_row *row = NULL;

			for (size_t k = 0; k < rp->nr_gfp_rows; k++) {
				if (!strcmp(rp->gfp_rows[k].flags, s->gfps[j].flags))
					row = &rp->gfp_rows[k];
			}
			if (!row) {
				row = realloc(rp->gfp_rows, (rp->nr_gfp_rows + 1) * sizeof(*row));
				if (!row)
					return;
				rp->gfp_rows = row;
				row = &row[rp->nr_gfp_rows++];
				memset(row, 0, sizeof(*row));
				row->flags = s->gfps[j].flags;
			}
			row->allocs += s->gfps[j].allocs;
			row->sites++;
			rp_top3(row->top, row->top_allocs, s, s->gfps[j].allocs);
		}
	}
	if (rp->nr_gfp_rows)
		qsort(rp->gfp_rows, rp->nr_gfp_rows, sizeof(*rp->gfp_rows), cmp_gfp_row);
}

static int cmp_corr(const void *a, const void *b)
{
	const struct rp_corr *x = a, *y = b;

	if (x->r != y->r)
		return x->r < y->r ? 1 : -1;
	return strcmp(x->caller, y->caller);
}

static int cmp_fold(const void *a, const void *b)
{
	return strcmp((*(const struct rp_fold *const *)a)->stack,
		      (*(const struct rp_fold *const *)b)->stack);
}

/*
 * A site's counters into the totals; also what top_sites left out
 * (site_rest), which is in every total, never in a ranking
 */
static void add_counts(struct rp_site *t, const struct rp_site *r)
{
	t->allocs = rp_sat_add(t->allocs, r->allocs);
	t->frees = rp_sat_add(t->frees, r->frees);
	t->failed = rp_sat_add(t->failed, r->failed);
	t->bytes_req = rp_sat_add(t->bytes_req, r->bytes_req);
	t->bytes_alloc = rp_sat_add(t->bytes_alloc, r->bytes_alloc);
	t->bytes_freed = rp_sat_add(t->bytes_freed, r->bytes_freed);
	t->cross_cpu_frees = rp_sat_add(t->cross_cpu_frees, r->cross_cpu_frees);
	t->implied_frees = rp_sat_add(t->implied_frees, r->implied_frees);
	t->live_untracked = rp_sat_add(t->live_untracked, r->live_untracked);
	t->bytes_charged = rp_sat_add(t->bytes_charged, r->bytes_charged);
}

/* the biggest allocators first, by bytes */
static int cmp_owner(const void *a, const void *b)
{
	const struct rp_owner *x = a, *y = b;

	if (x->bytes_alloc != y->bytes_alloc)
		return x->bytes_alloc > y->bytes_alloc ? -1 : 1;
	return strcmp(x->name, y->name);
}

void report_finish(struct report *rp)
{
	struct rp_site *t = rp->total;

	if (rp_owner_live_flush(rp))
		log_warn(
			"out of memory: the live-bytes series of sites split by owner are incomplete");
	for (size_t i = 0; i < rp->nr_sites; i++) {
		const struct rp_site *s = rp->sites[i];

		add_counts(t, s);
		t->live = rp_sat_add_s(t->live, s->live);
		t->live_bytes = rp_sat_add_s(t->live_bytes, s->live_bytes);
		if (rp_live_lower(s)) {
			rp->untracked_sites++;
			rp->untracked = rp_sat_add(rp->untracked, s->live_untracked);
		}
	}
	add_counts(t, rp->rest);
	rp_build_classes(rp);
	if (rp_build_advice(rp))
		log_warn("out of memory: the right-sizing advice is incomplete");
	build_gfp_rows(rp);
	rp_build_leaks(rp);
	rp_build_exhaustion(rp);
	sort_sites(rp->sites, rp->nr_sites, rp->opts.sort);
	sort_sites(rp->pages, rp->nr_pages, RP_SORT_BYTES);
	rp_sort_slabs(rp);
	rp_sort_extfrag(rp);
	if (rp->nr_corr)
		qsort(rp->corr, rp->nr_corr, sizeof(*rp->corr), cmp_corr);
	rp_fold_sums(rp);
	if (rp->nr_folds)
		qsort(rp->folds, rp->nr_folds, sizeof(*rp->folds), cmp_fold);
	if (rp->nr_owners)
		qsort(rp->owners, rp->nr_owners, sizeof(*rp->owners), cmp_owner);
}
