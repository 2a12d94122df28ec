// SPDX-License-Identifier: GPL-2.0
/* Leak suspects: sites whose live bytes only grew over the series. */
#include <string.h>
#include <stdlib.h>
#include "report_life.h"

/*
 * A leak suspect: at least three observations of its live bytes, never
 * going down (checked per time bucket: within one, first/last are the
 * extremes; between two, the next starts no lower), and more at the end.
 */
static void leak_check(struct rp_site *s)
{
	const struct rp_pt *first = NULL, *prev = NULL;
	__u32 points = 0;

	s->growth = 0;
	for (size_t i = 0; i < s->ser.len; i++) {
		const struct rp_pt *p = &s->ser.v[i];

		if (!p->nlive)
			continue;
		if (p->live_min != p->live_first || p->live_max != p->live_last)
			return;
		if (prev && p->live_first < prev->live_last)
			return;
		first = first ? first : p;
		prev = p;
		points += p->nlive;
	}
	if (points < 3 || prev->live_last <= first->live_first || prev->t_last <= first->t_first)
		return;
	s->live_from = first->live_first;
	s->live_to = prev->live_last;
	s->t_from = first->t_first;
	s->t_to = prev->t_last;
	s->growth = (double)(s->live_to - s->live_from) * RP_NS / (s->t_to - s->t_from);
}

static int cmp_growth(const void *a, const void *b)
{
	const struct rp_site *x = *(const struct rp_site *const *)a;
	const struct rp_site *y = *(const struct rp_site *const *)b;

	if (x->growth != y->growth)
		return x->growth < y->growth ? 1 : -1;
	return strcmp(x->site, y->site);
}

/*
 * Growth that implied frees explain: the site's objects mostly end by being
 * allocated again while still tracked (freed through kfree_bulk and the like,
 * which fire no free tracepoint), so its live count is not what leaks.
 */
static bool mostly_implied(const struct rp_site *s)
{
	return s->implied_frees > s->frees;
}

void rp_build_leaks(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_site *s = rp->sites[i];

		leak_check(s);
		if (s->growth <= 0)
			continue;
		s->implied_out = mostly_implied(s);
		if (rp_push(s->implied_out ? &rp->implied : &rp->leaks,
			    s->implied_out ? &rp->nr_implied : &rp->nr_leaks, s))
			return;
	}
	if (rp->nr_leaks)
		qsort(rp->leaks, rp->nr_leaks, sizeof(*rp->leaks), cmp_growth);
	if (rp->nr_implied)
		qsort(rp->implied, rp->nr_implied, sizeof(*rp->implied), cmp_growth);
}
