// SPDX-License-Identifier: GPL-2.0
/*
 * `kmemscope report --folded`: "root;...;leaf WEIGHT" lines, the input of
 * FlameGraph's flamegraph.pl and of speedscope. The stacks were reversed
 * (export arrays are innermost first) and merged while reading.
 *
 * A site's sampled stacks are scaled to the site's exact totals (the ratio
 * estimator of docs/report.md): stack i's estimate of the weight is
 * total * sample_i / sum(samples). The estimates are rounded down and the
 * remainder goes to the stack with the largest sample, so that a site's
 * lines add up to its exact total.
 */
#include "report_folded.h"

__u64 rp_scale(__u64 total, __u64 part, __u64 sum)
{
	return sum ? (__u64)((unsigned __int128)total * part / sum) : 0;
}

static __u64 pos(__s64 v)
{
	return v > 0 ? (__u64)v : 0;
}

/* the site's exact total of the weight */
static __u64 site_total(const struct rp_site *s, int w)
{
	switch (w) {
	case RP_WEIGHT_COUNT:
		return s->allocs;
	case RP_WEIGHT_SLACK:
		return s->bytes_alloc > s->bytes_req ? s->bytes_alloc - s->bytes_req : 0;
	case RP_WEIGHT_LIVE_BYTES:
		return pos(s->live_bytes);
	default:
		return s->bytes_alloc;
	}
}

/* a sampled line's sample of the weight */
static __u64 fold_sample(const struct rp_fold *f, int w)
{
	switch (w) {
	case RP_WEIGHT_COUNT:
		return f->s_allocs;
	case RP_WEIGHT_SLACK:
		return f->s_slack;
	case RP_WEIGHT_LIVE_BYTES:
		return pos(f->s_live_bytes);
	default:
		return f->s_alloc;
	}
}

static bool sampled(const struct rp_fold *f)
{
	return f->site && !f->one_frame;
}

/* every site-linked line's estimate (f->est) */
void rp_fold_estimates(struct report *rp, int w)
{
	for (size_t i = 0; i < rp->nr_folds; i++) {
		struct rp_site *s = rp->folds[i]->site;

		if (s) {
			s->st_sum = s->st_used = 0;
			s->st_big = NULL;
		}
	}
	for (size_t i = 0; i < rp->nr_folds; i++) {
		struct rp_fold *f = rp->folds[i];
		__u64 v = fold_sample(f, w);

		if (!sampled(f))
			continue;
		f->site->st_sum += v;
		if (!f->site->st_big || v > fold_sample(f->site->st_big, w))
			f->site->st_big = f;
	}
	for (size_t i = 0; i < rp->nr_folds; i++) {
		struct rp_fold *f = rp->folds[i];

		if (!f->site)
			continue;
		if (f->one_frame) /* the whole site when its stacks have no sample of w */
			f->est = f->site->st_sum ? 0 : site_total(f->site, w);
		else
			f->est = rp_scale(site_total(f->site, w), fold_sample(f, w),
					  f->site->st_sum);
		f->site->st_used += f->est;
	}
	for (size_t i = 0; i < rp->nr_folds; i++) {
		struct rp_fold *f = rp->folds[i];
		__u64 total;

		if (!f->site || f->site->st_big != f || !f->site->st_sum)
			continue;
		total = site_total(f->site, w);
		if (total > f->site->st_used)
			f->est += total - f->site->st_used;
	}
}

int report_print_folded(FILE *f, struct report *rp)
{
	int w = rp->opts.folded_weight;
	size_t printed = 0;

	if (!w && rp->opts.folded_count)
		w = RP_WEIGHT_COUNT;
	rp_fold_estimates(rp, w);
	for (size_t i = 0; i < rp->nr_folds; i++) {
		const struct rp_fold *s = rp->folds[i];
		__u64 v = s->site	       ? s->est :
			  w == RP_WEIGHT_COUNT ? s->count :
			  w == RP_WEIGHT_BYTES ? s->bytes :
						 0; /* exact stacks: no slack, no live counts */

		/* FlameGraph drops zero weights anyway; keep the output clean */
		if (!v)
			continue;
		fprintf(f, "%s %llu\n", s->stack, (unsigned long long)v);
		printed++;
	}
	return printed ? 0 : 1;
}
