// SPDX-License-Identifier: GPL-2.0
/*
 * The page allocator in the report: which callers fell back to another
 * migratetype's pageblocks (extfrag, with the steals that changed a
 * pageblock's type: the long-term source of fragmentation), compaction
 * events, page allocations and frees by order, and meminfo over time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_filter.h"
#include "report_frag.h"
#include "report_page.h"
#include "schema.h"

const char *const rp_compact_names[6] = {
	FLD_BEGIN, FLD_END, FLD_TRY_TO_COMPACT, FLD_DEFERRED, FLD_DEFER_COMPACTION, FLD_DEFER_RESET
};

static struct rp_extfrag *ext_row(struct rp_page_view *pv, const char *caller, const char *a,
				  const char *f)
{
	struct rp_extfrag *e;

	for (size_t i = 0; i < pv->nr_ext; i++) {
		e = &pv->ext[i];
		if (!strcmp(e->caller, caller) && !strcmp(e->alloc_mt, a) &&
		    !strcmp(e->fallback_mt, f))
			return e;
	}
	e = realloc(pv->ext, (pv->nr_ext + 1) * sizeof(*e));
	if (!e)
		return NULL;
	pv->ext = e;
	e = &e[pv->nr_ext];
	memset(e, 0, sizeof(*e));
	e->caller = strdup(caller);
	e->alloc_mt = strdup(a);
	e->fallback_mt = strdup(f);
	pv->nr_ext++; /* freed with the report, complete or not */
	return e->caller && e->alloc_mt && e->fallback_mt ? e : NULL;
}

int rp_feed_extfrag(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	const char *caller = nr_get_str(rec, FLD_CALLER);
	const char *a = nr_get_str(rec, FLD_ALLOC_MIGRATETYPE);
	const char *f = nr_get_str(rec, FLD_FALLBACK_MIGRATETYPE);
	unsigned long long n, order = 0;
	struct rp_extfrag *e;

	if (!caller || !a || !f || !nr_get_u64(rec, FLD_COUNT, &n))
		return rp_bad_field(r, REC_EXTFRAG,
				    !caller ? FLD_CALLER :
				    !a	    ? FLD_ALLOC_MIGRATETYPE :
				    !f	    ? FLD_FALLBACK_MIGRATETYPE :
					      FLD_COUNT,
				    "is missing or of the wrong type");
	e = ext_row(&rp->pv, caller, a, f);
	if (!e)
		return -ENOMEM;
	rp->pv.ext_records++;
	e->count = rp_sat_add(e->count, n);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, FLD_CHANGE_OWNERSHIP)))
		e->steals = rp_sat_add(e->steals, n);
	if (nr_get_u64(rec, FLD_FALLBACK_ORDER, &order) && order < 64)
		e->orders |= 1ULL << order;
	return 0;
}

int rp_feed_compaction(struct report *rp, const cJSON *rec)
{
	rp->pv.compaction_records++;
	for (int i = 0; i < 6; i++) {
		unsigned long long v;

		if (nr_get_u64(rec, rp_compact_names[i], &v))
			rp->pv.compact[i] = rp_sat_add(rp->pv.compact[i], v);
	}
	return 0;
}

int rp_feed_page_alloc(struct report *rp, const cJSON *rec, bool alloc)
{
	unsigned long long order, n, pages;

	if (!nr_get_u64(rec, FLD_ORDER, &order) || order >= RP_PAGE_ORDERS ||
	    !nr_get_u64(rec, alloc ? FLD_ALLOCS : FLD_FREES, &n) ||
	    !nr_get_u64(rec, FLD_PAGES, &pages))
		return 0; /* not counted: the report has no use for a partial record */
	rp->pv.page_records++;
	if (alloc) {
		rp->pv.alloc_allocs[order] = rp_sat_add(rp->pv.alloc_allocs[order], n);
		rp->pv.alloc_pages[order] = rp_sat_add(rp->pv.alloc_pages[order], pages);
	} else {
		rp->pv.free_frees[order] = rp_sat_add(rp->pv.free_frees[order], n);
		rp->pv.free_pages[order] = rp_sat_add(rp->pv.free_pages[order], pages);
	}
	return 0;
}

int rp_feed_meminfo(struct report *rp, const cJSON *rec, __u64 t)
{
	rp->pv.meminfo_records++;
	for (size_t i = 0; i < 5; i++) {
		unsigned long long v;

		if (nr_get_u64(rec, schema_meminfo_keys[i], &v))
			rp_stat_add(&rp->pv.meminfo[i], v, t);
	}
	return 0;
}

static int cmp_ext(const void *x, const void *y)
{
	const struct rp_extfrag *a = x, *b = y;

	if (a->steals != b->steals)
		return a->steals < b->steals ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->caller, b->caller);
}

void rp_sort_extfrag(struct report *rp)
{
	if (rp->pv.nr_ext)
		qsort(rp->pv.ext, rp->pv.nr_ext, sizeof(*rp->pv.ext), cmp_ext);
}
