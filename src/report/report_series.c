// SPDX-License-Identifier: GPL-2.0
/*
 * Time series of the report: at most RP_MAX_BUCKETS buckets whose width
 * doubles (neighbours merged) when the data spans more.
 */
#include <stdlib.h>
#include <string.h>
#include "report_series.h"

static void pt_merge(struct rp_pt *a, const struct rp_pt *b)
{
	a->allocs += b->allocs;
	a->bytes += b->bytes;
	if (!b->nlive)
		return;
	if (!a->nlive || b->t_first < a->t_first) {
		a->live_first = b->live_first;
		a->t_first = b->t_first;
	}
	if (!a->nlive || b->t_last >= a->t_last) {
		a->live_last = b->live_last;
		a->t_last = b->t_last;
	}
	if (!a->nlive || b->live_min < a->live_min)
		a->live_min = b->live_min;
	if (!a->nlive || b->live_max > a->live_max)
		a->live_max = b->live_max;
	a->nlive += b->nlive;
}

static void zpt_merge(struct rp_zpt *a, const struct rp_zpt *b)
{
	for (int i = 0; i < 2; i++) {
		a->unus[i] += b->unus[i];
		a->frag[i] += b->frag[i];
		a->free[i] += b->free[i];
	}
	for (int o = 0; o < RP_PAGE_ORDERS; o++)
		a->orders[o] += b->orders[o];
	a->n += b->n;
	a->ran_out |= b->ran_out;
}

/* Halve a series' resolution: bucket i goes to i / 2 (indices are >= 0). */
static void series_halve(void *v, __s64 *base, size_t *len, size_t esz, bool zone)
{
	__s64 nb = *base / 2, last = (*base + (__s64)*len - 1) / 2;
	char *p = v;

	if (!*len)
		return;
	for (size_t i = 0; i < *len; i++) {
		size_t j = (*base + i) / 2 - nb;
		void *dst = p + j * esz, *src = p + i * esz;

		if (j == i)
			continue;
		if ((*base + i) % 2 == 0 || i == 0) {
			memmove(dst, src, esz);
			continue;
		}
		if (zone)
			zpt_merge(dst, src);
		else
			pt_merge(dst, src);
	}
	/* dst j < i always after the first element: clear nothing, just shrink */
	*len = last - nb + 1;
	*base = nb;
}

void rp_halve_all(struct report *rp)
{
	rp->bucket_ns *= 2;
	rp->b_lo /= 2;
	rp->b_hi /= 2;
	for (size_t i = 0; i < rp->nr_sites; i++)
		series_halve(rp->sites[i]->ser.v, &rp->sites[i]->ser.base, &rp->sites[i]->ser.len,
			     sizeof(struct rp_pt), false);
	series_halve(rp->rest->ser.v, &rp->rest->ser.base, &rp->rest->ser.len, sizeof(struct rp_pt),
		     false);
	for (size_t i = 0; i < rp->nr_pages; i++)
		series_halve(rp->pages[i]->ser.v, &rp->pages[i]->ser.base, &rp->pages[i]->ser.len,
			     sizeof(struct rp_pt), false);
	for (size_t i = 0; i < rp->nr_zones; i++)
		series_halve(rp->zones[i]->zv, &rp->zones[i]->zbase, &rp->zones[i]->zlen,
			     sizeof(struct rp_zpt), true);
}

/* Bucket index of time t, widening the buckets until the data fits. */
__s64 rp_bucket_of(struct report *rp, __u64 t)
{
	__s64 idx;

	if (!rp->bucket_ns)
		rp->bucket_ns = RP_NS;
	for (;;) {
		idx = t / rp->bucket_ns;
		if (!rp->any_bucket) {
			rp->b_lo = rp->b_hi = idx;
			rp->any_bucket = true;
			return idx;
		}
		if ((idx > rp->b_hi ? idx : rp->b_hi) - (idx < rp->b_lo ? idx : rp->b_lo) <
		    RP_MAX_BUCKETS)
			break;
		rp_halve_all(rp);
	}
	if (idx < rp->b_lo)
		rp->b_lo = idx;
	if (idx > rp->b_hi)
		rp->b_hi = idx;
	return idx;
}

/* Element idx of a series, growing it (new elements zeroed). NULL on ENOMEM. */
void *rp_series_at(void **v, __s64 *base, size_t *len, size_t esz, __s64 idx)
{
	__s64 lo = *len ? *base : idx, hi = *len ? *base + (__s64)*len - 1 : idx;
	size_t nlen;
	char *p;

	if (idx < lo)
		lo = idx;
	if (idx > hi)
		hi = idx;
	nlen = hi - lo + 1;
	if (nlen != *len) {
		size_t shift = *len ? *base - lo : 0;

		p = realloc(*v, nlen * esz);
		if (!p)
			return NULL;
		if (shift)
			memmove(p + shift * esz, p, *len * esz);
		memset(p, 0, shift * esz);
		memset(p + (shift + *len) * esz, 0, (nlen - shift - *len) * esz);
		*v = p;
		*len = nlen;
		*base = lo;
	}
	return (char *)*v + (idx - *base) * esz;
}

/* add to a site's point of the time series at t; the point, or NULL without memory */
struct rp_pt *rp_site_point(struct report *rp, struct rp_site *s, __u64 t, __u64 allocs,
			    __u64 bytes)
{
	struct rp_pt *p = rp_series_at((void **)&s->ser.v, &s->ser.base, &s->ser.len, sizeof(*p),
				       rp_bucket_of(rp, t));

	if (p) {
		p->allocs += allocs;
		p->bytes += bytes;
	}
	return p;
}

void rp_add_live(struct rp_pt *p, __s64 live, __u64 t)
{
	struct rp_pt one = { .live_first = live,
			     .live_last = live,
			     .live_min = live,
			     .live_max = live,
			     .t_first = t,
			     .t_last = t,
			     .nlive = 1 };

	pt_merge(p, &one);
}
