// SPDX-License-Identifier: GPL-2.0
/* kmalloc size classes: each site's slack per class (exact or estimated) and the class ranking. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_sizeclass.h"

static bool is_class(__u64 c)
{
	return c >= 8 && (!(c & (c - 1)) || c == 96 || c == 192);
}

/* largest size served by the next smaller kmalloc class */
__u64 rp_class_below(__u64 c)
{
	switch (c) {
	case 96:
		return 64;
	case 128:
		return 96;
	case 192:
		return 128;
	case 256:
		return 192;
	default:
		return c / 2;
	}
}

static int add_part(struct rp_site *s, __u64 size, bool est, __u64 allocs, __u64 req, __u64 alloc)
{
	struct rp_class_part *p;

	for (size_t i = 0; i < s->nr_parts; i++) {
		p = &s->parts[i];
		if (p->size == size && p->estimated == est) {
			p->allocs += allocs;
			p->req += req;
			p->alloc += alloc;
			return 0;
		}
	}
	p = realloc(s->parts, (s->nr_parts + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->parts = p;
	p[s->nr_parts++] = (struct rp_class_part){ size, est, allocs, req, alloc };
	return 0;
}

/*
 * Size class of one interval's kmalloc allocations: exact when they all had
 * one class (bytes_alloc / allocs is a class and every requested-size bucket
 * can land in it), else each size bucket's share goes to the largest class
 * its sizes can use, 2^(i+1), marked estimated.
 */
int rp_classify(struct rp_site *s, __u64 allocs, __u64 req, __u64 alloc, const __u64 *h)
{
	__u64 total = 0, c, dreq = 0, dalloc = 0, dn = 0;
	bool uniform;
	int last = -1;

	for (int i = 0; i < RP_HIST; i++) {
		total = rp_sat_add(total, h[i]);
		if (h[i])
			last = i;
	}
	c = allocs ? alloc / allocs : 0;
	uniform = allocs && alloc % allocs == 0 && is_class(c);
	for (int i = 0; uniform && i <= last; i++) {
		__u64 lo = i ? 1ULL << i : 0, hi = i ? (2ULL << i) - 1 : 1;

		if (h[i] && (lo > c || hi <= rp_class_below(c)))
			uniform = false;
	}
	if (uniform || last < 0)
		return add_part(s, uniform ? c : 0, !uniform, allocs, req, alloc);
	for (int i = 0; i <= last; i++) {
		double share = (double)h[i] / total;
		__u64 n = allocs * share, q = req * share, a = alloc * share;

		if (!h[i])
			continue;
		if (i == last) { /* the remainder: sums stay exact */
			n = allocs - dn;
			q = req - dreq;
			a = alloc - dalloc;
		}
		dn += n;
		dreq += q;
		dalloc += a;
		if (add_part(s, i < 3 ? 8 : 2ULL << i, true, n, q, a))
			return -ENOMEM;
	}
	return 0;
}

int rp_add_asize(struct rp_site *s, bool kmalloc, __u64 size, __u64 allocs, __u64 req)
{
	struct rp_asize *a;
	size_t i = 0;

	if (kmalloc && add_part(s, size, false, allocs, req, size * allocs))
		return -ENOMEM;
	while (i < s->nr_asizes && s->asizes[i].size < size)
		i++;
	if (i < s->nr_asizes && s->asizes[i].size == size) {
		s->asizes[i].allocs = rp_sat_add(s->asizes[i].allocs, allocs);
		s->asizes[i].req = rp_sat_add(s->asizes[i].req, req);
		return 0;
	}
	a = realloc(s->asizes, (s->nr_asizes + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	s->asizes = a;
	memmove(&a[i + 1], &a[i], (s->nr_asizes - i) * sizeof(*a));
	s->nr_asizes++;
	a[i] = (struct rp_asize){ size, allocs, req };
	return 0;
}

static struct rp_class *class_row(struct report *rp, __u64 size)
{
	struct rp_class *c;

	for (size_t i = 0; i < rp->nr_classes; i++) {
		if (rp->classes[i].size == size)
			return &rp->classes[i];
	}
	c = realloc(rp->classes, (rp->nr_classes + 1) * sizeof(*c));
	if (!c)
		return NULL;
	rp->classes = c;
	c = &c[rp->nr_classes++];
	memset(c, 0, sizeof(*c));
	c->size = size;
	return c;
}

static int cmp_class(const void *a, const void *b)
{
	const struct rp_class *x = a, *y = b;

	if (x->slack != y->slack)
		return x->slack < y->slack ? 1 : -1;
	return x->size < y->size ? -1 : x->size > y->size;
}

void rp_build_classes(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_site *s = rp->sites[i];

		for (size_t j = 0; j < s->nr_parts; j++) {
			const struct rp_class_part *p = &s->parts[j];
			struct rp_class *c = class_row(rp, p->size);
			__u64 slack = p->alloc > p->req ? p->alloc - p->req : 0;

			if (!c)
				return;
			c->estimated |= p->estimated;
			c->allocs += p->allocs;
			c->req += p->req;
			c->alloc += p->alloc;
			c->slack += slack;
		}
	}
	/* a site's slack in a class: its parts summed (exact and estimated) */
	for (size_t k = 0; k < rp->nr_classes; k++) {
		struct rp_class *c = &rp->classes[k];

		for (size_t i = 0; i < rp->nr_sites; i++) {
			__u64 slack = 0;

			for (size_t j = 0; j < rp->sites[i]->nr_parts; j++) {
				const struct rp_class_part *p = &rp->sites[i]->parts[j];

				if (p->size == c->size && p->alloc > p->req)
					slack += p->alloc - p->req;
			}
			if (!slack)
				continue;
			c->sites++;
			rp_top3(c->top, c->top_slack, rp->sites[i], slack);
		}
	}
	if (rp->nr_classes)
		qsort(rp->classes, rp->nr_classes, sizeof(*rp->classes), cmp_class);
}
