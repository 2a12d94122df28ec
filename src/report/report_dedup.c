// SPDX-License-Identifier: GPL-2.0
/*
 * Duplicate input in `kmemscope report`. Each run keeps the ranges of
 * interval numbers it was read with, and which reading (header) of which
 * input had them: memory grows with the number of files and gaps, not with
 * the number of intervals. A record whose interval an earlier reading had is
 * skipped, whole intervals at a time, so totals equal one copy's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report_dedup.h"
#include "util.h"

void rp_dedup_input(struct report *rp)
{
	rp->cur_run = rp->cur_range = -1;
	rp->dup_warned = false;
}

int rp_dedup_header(struct report *rp, const char *hostname, __u64 start_ns)
{
	struct rp_run *l;

	rp->readings++;
	rp->cur_run = rp->cur_range = -1;
	if (!start_ns)
		return 0;
	for (size_t i = 0; i < rp->nr_runs; i++) {
		if (rp->runs[i].start_ns == start_ns && !strcmp(rp->runs[i].hostname, hostname)) {
			rp->cur_run = i;
			return 0;
		}
	}
	l = realloc(rp->runs, (rp->nr_runs + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	rp->runs = l;
	l = &l[rp->nr_runs];
	memset(l, 0, sizeof(*l));
	l->start_ns = start_ns;
	l->hostname = strdup(hostname);
	if (!l->hostname)
		return -ENOMEM;
	rp->cur_run = rp->nr_runs++;
	return 0;
}

static void warn_once(struct report *rp, struct ndjson_reader *r, const struct rp_run *run,
		      const struct rp_seq_range *g)
{
	const char *first = g->input < rp->nr_inputs ? rp->inputs[g->input].path : nr_path(r);
	char t[32];

	if (rp->dup_warned)
		return;
	rp->dup_warned = true;
	rp->dup_inputs++;
	log_warn("%s repeats intervals of %s (host %s, started %s): each interval counted once",
		 nr_path(r), first, run->hostname, rp_fmt_time(run->start_ns, t, sizeof(t)));
}

static int cmp_lo(const void *a, const void *b)
{
	const struct rp_seq_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

__u64 rp_seq_missing(const struct report *rp, __u64 *gaps)
{
	__u64 missing = 0;

	*gaps = 0;
	for (size_t i = 0; i < rp->nr_runs; i++) {
		const struct rp_run *run = &rp->runs[i];
		struct rp_seq_range *g;
		__u64 end;

		if (run->nr_ranges < 2)
			continue;
		g = malloc(run->nr_ranges * sizeof(*g));
		if (!g)
			continue; /* the note is left out, the numbers stand */
		memcpy(g, run->ranges, run->nr_ranges * sizeof(*g));
		qsort(g, run->nr_ranges, sizeof(*g), cmp_lo);
		end = g[0].hi;
		for (size_t k = 1; k < run->nr_ranges; k++) {
			if (g[k].lo > end + 1) {
				(*gaps)++;
				missing += g[k].lo - end - 1;
			}
			end = g[k].hi > end ? g[k].hi : end;
		}
		free(g);
	}
	return missing;
}

static long add_range(struct rp_run *run, __u64 seq, size_t reading, size_t input)
{
	struct rp_seq_range *g = realloc(run->ranges, (run->nr_ranges + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	run->ranges = g;
	g[run->nr_ranges] = (struct rp_seq_range){ seq, seq, reading, input };
	return (long)run->nr_ranges++;
}

int rp_dedup_seq(struct report *rp, struct ndjson_reader *r, __u64 seq)
{
	struct rp_run *run;
	struct rp_seq_range *g = NULL;
	long i;

	if (rp->cur_run < 0)
		return 0;
	run = &rp->runs[rp->cur_run];
	/* the common case: another record of the interval being read */
	if (rp->cur_range >= 0) {
		g = &run->ranges[rp->cur_range];
		if (seq >= g->lo && seq <= g->hi)
			return 0;
	}
	for (size_t k = 0; k < run->nr_ranges; k++) {
		const struct rp_seq_range *o = &run->ranges[k];

		if (seq < o->lo || seq > o->hi)
			continue;
		if (o->reading == rp->readings)
			return 0;
		warn_once(rp, r, run, o);
		rp->dup_records++;
		return 1;
	}
	/* a new interval: it extends this reading's range when it follows it */
	if (g && seq == g->hi + 1) {
		g->hi = seq;
		return 0;
	}
	i = add_range(run, seq, rp->readings, rp->nr_inputs);
	if (i < 0)
		return i;
	rp->cur_range = i;
	return 0;
}
