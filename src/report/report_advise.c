// SPDX-License-Identifier: GPL-2.0
/*
 * Right-sizing advisor: from a kmalloc site's exact allocated sizes
 * (alloc_sizes) and its log2 request histogram, the slack it would have in
 * a dedicated slab cache of the best object size, and the saving of
 * trimming its requests to the next smaller kmalloc class. Only sites with
 * alloc_sizes are advised: without them the classes are estimates.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report_advise.h"
#include "report_sizeclass.h"
#include "schema.h"

static __u64 align_up(__u64 v, __u64 a)
{
	return (v + a - 1) / a * a;
}

double rp_slab_obj_cost(__u64 obj, __u64 page_size)
{
	__u64 size = align_up(obj ? obj : 1, RP_SLAB_ALIGN), slab = page_size, per_slab, tail;

	for (int order = 0; order <= 3; order++) {
		slab = page_size << order;
		if (slab >= size && slab % size <= slab / 16)
			break;
	}
	if (slab < size) /* larger than an order-3 slab: the page allocator's rounding */
		return (double)align_up(size, page_size);
	per_slab = slab / size;
	tail = slab % size;
	return size + (double)tail / (double)per_slab;
}

/* highest non-empty bucket of the request histogram, -1 when empty */
static int top_bucket(const struct rp_site *s, int *nonempty)
{
	int top = -1;

	*nonempty = 0;
	for (int i = 0; i < RP_HIST; i++) {
		if (s->sizes[i]) {
			top = i;
			(*nonempty)++;
		}
	}
	return top;
}

/*
 * The object a dedicated cache needs: the largest request. With one class
 * and one histogram bucket the site is taken to request one size (a fixed
 * structure), its mean; otherwise the largest request the data allows: the
 * top bucket's upper end, at most the largest allocated size.
 */
static __u64 dedicated_obj(const struct rp_site *s, bool *fixed)
{
	const struct rp_asize *big = &s->asizes[s->nr_asizes - 1];
	int n, top = top_bucket(s, &n);
	__u64 hi;

	*fixed = s->nr_asizes == 1 && n == 1;
	if (*fixed)
		return (big->req + big->allocs - 1) / big->allocs;
	hi = top >= 0 && top < 63 ? (2ULL << top) - 1 : big->size;
	return hi < big->size ? hi : big->size;
}

/* trimming: the class whose move down one class saves the most */
static void best_trim(const struct rp_site *s, struct rp_advice *a)
{
	for (size_t i = 0; i < s->nr_asizes; i++) {
		const struct rp_asize *z = &s->asizes[i];
		__u64 below = z->size > 8 && z->size <= 8192 ? rp_class_below(z->size) : 0;
		__u64 mean = z->allocs ? (z->req + z->allocs - 1) / z->allocs : 0;
		double saved = (double)(z->size - below) * z->allocs;

		if (!below || !z->allocs || mean <= below || saved <= a->trim_saved)
			continue;
		a->trim_class = z->size;
		a->trim_to = below;
		a->trim_by = mean - below;
		a->trim_allocs = z->allocs;
		a->trim_saved = saved;
	}
}

int rp_advise_site(const struct rp_site *s, __u64 page_size, double seconds, struct rp_advice *a)
{
	double alloc = 0;

	memset(a, 0, sizeof(*a));
	if (strcmp(s->kind, KIND_NAME_KMALLOC) || !s->nr_asizes)
		return -1;
	for (size_t i = 0; i < s->nr_asizes; i++) {
		a->allocs += s->asizes[i].allocs;
		a->req += s->asizes[i].req;
		alloc += (double)s->asizes[i].size * s->asizes[i].allocs;
	}
	a->slack = alloc - a->req;
	if (!a->allocs || a->slack < RP_ADVISE_MIN_BYTES ||
	    100.0 * a->slack / alloc < RP_ADVISE_MIN_PCT)
		return -1;
	a->s = s;
	a->obj = align_up(dedicated_obj(s, &a->fixed), RP_SLAB_ALIGN);
	a->obj_cost = rp_slab_obj_cost(a->obj, page_size ? page_size : 4096);
	a->dedicated_slack = a->obj_cost * a->allocs - a->req;
	a->dedicated_saved = a->slack - a->dedicated_slack;
	if (a->dedicated_saved < 0)
		a->dedicated_saved = 0;
	best_trim(s, a);
	a->best_saved = fmax(a->dedicated_saved, a->trim_saved);
	if (a->best_saved <= 0)
		return -1;
	a->saved_per_s = seconds > 0 ? a->best_saved / seconds : 0;
	a->saved_at_live = s->live > 0 ? a->best_saved / a->allocs * s->live : 0;
	return 0;
}

static int cmp_advice(const void *x, const void *y)
{
	const struct rp_advice *a = x, *b = y;

	if (a->best_saved != b->best_saved)
		return a->best_saved < b->best_saved ? 1 : -1;
	return strcmp(a->s->site, b->s->site);
}

int rp_build_advice(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_advice a, *v;

		if (rp_advise_site(rp->sites[i], rp->page_size, rp->seconds, &a))
			continue;
		v = realloc(rp->advice, (rp->nr_advice + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rp->advice = v;
		v[rp->nr_advice++] = a;
	}
	if (rp->nr_advice)
		qsort(rp->advice, rp->nr_advice, sizeof(*rp->advice), cmp_advice);
	return 0;
}
