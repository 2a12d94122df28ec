// SPDX-License-Identifier: GPL-2.0
/* The report's notes on its own numbers: cut per-site detail, lower bounds, implied frees. */
#include <stdio.h>
#include "report_dedup.h"
#include "report_notes.h"
#include "util.h"

#define LIVE_ENTRIES_MAX (1ULL << 26) /* the option's maximum (options.c) */

bool rp_note_cut(const struct report *rp, char *buf, size_t sz)
{
	const struct rp_site *r = rp->rest, *t = rp->total;
	char k[24], x[16], y[16];

	buf[0] = '\0';
	if (!rp->rest_intervals)
		return false;
	if (rp->top_sites)
		snprintf(k, sizeof(k), "%llu", (unsigned long long)rp->top_sites);
	else
		snprintf(k, sizeof(k), "?");
	snprintf(
		buf, sz,
		"per-site detail cut in %llu of %llu intervals (top_sites = %s): %s allocations, %s (%.1f%% of bytes) counted in totals only",
		(unsigned long long)rp->rest_intervals, (unsigned long long)rp->intervals, k,
		fmt_count(r->allocs - rp->over_allocs, x, sizeof(x)),
		fmt_bytes(r->bytes_alloc - rp->over_bytes, y, sizeof(y)),
		t->bytes_alloc ? 100.0 * (r->bytes_alloc - rp->over_bytes) / t->bytes_alloc : 0.0);
	return true;
}

bool rp_note_over(const struct report *rp, char *buf, size_t sz)
{
	char x[16], y[16];
	int n;

	buf[0] = '\0';
	if (!rp->over_records && !rp->over_page_records && !rp->over_folds)
		return false;
	n = snprintf(
		buf, sz,
		"more than --max-sites %llu distinct sites: %llu site records (%s allocations, %s) counted in totals only",
		(unsigned long long)rp->opts.max_sites, (unsigned long long)rp->over_records,
		fmt_count(rp->over_allocs, x, sizeof(x)), fmt_bytes(rp->over_bytes, y, sizeof(y)));
	if (rp->over_page_records && n > 0 && (size_t)n < sz)
		n += snprintf(buf + n, sz - n, ", %llu page_site records left out",
			      (unsigned long long)rp->over_page_records);
	if (rp->over_folds && n > 0 && (size_t)n < sz)
		snprintf(buf + n, sz - n,
			 ", %llu stacks left out of --folded (64 MiB of stack names)",
			 (unsigned long long)rp->over_folds);
	return true;
}

bool rp_note_gaps(const struct report *rp, char *buf, size_t sz)
{
	__u64 gaps, missing = rp_seq_missing(rp, &gaps);

	buf[0] = '\0';
	if (!missing)
		return false;
	snprintf(
		buf, sz,
		"%llu intervals missing in %llu gap%s of the interval numbers (dropped by the daemon at queue_limit, or segments deleted or unreadable): totals under-count them",
		(unsigned long long)missing, (unsigned long long)gaps, gaps == 1 ? "" : "s");
	return true;
}

bool rp_note_rest_filtered(const struct report *rp, char *buf, size_t sz)
{
	buf[0] = '\0';
	if (!rp->rest_filtered)
		return false;
	snprintf(
		buf, sz,
		"per-site detail was cut (top_sites) and --kind/--caller cannot apply to the sites left out: totals cover the recorded sites only");
	return true;
}

__u64 rp_live_entries_hint(const struct report *rp)
{
	__u64 want = rp->live_entries + rp->untracked, n = 1;

	if (!rp->live_entries)
		return 0;
	while (n < want && n < LIVE_ENTRIES_MAX)
		n <<= 1;
	return n;
}

bool rp_note_live_lower(const struct report *rp, char *buf, size_t sz)
{
	__u64 hint = rp_live_entries_hint(rp);
	char n[32], now[48];

	buf[0] = '\0';
	if (!rp->untracked_sites)
		return false;
	if (hint)
		snprintf(n, sizeof(n), "%llu", (unsigned long long)hint);
	else
		snprintf(n, sizeof(n), "N");
	if (rp->live_entries)
		snprintf(now, sizeof(now), " (it had %llu entries)",
			 (unsigned long long)rp->live_entries);
	else
		now[0] = '\0';
	snprintf(
		buf, sz,
		"LIVE of %llu site%s is a lower bound (>=): %llu objects were not tracked, the live table was full%s; raise it with record --live-entries %s or the daemon's live_entries = %s",
		(unsigned long long)rp->untracked_sites, rp->untracked_sites == 1 ? "" : "s",
		(unsigned long long)rp->untracked, now, n, n);
	return true;
}

void rp_note_implied(const struct rp_site *s, char *buf, size_t sz)
{
	snprintf(
		buf, sz,
		"%s: not a leak suspect: %llu of its objects ended as implied frees (address allocated again while tracked: freed past the tracepoints, e.g. kfree_rcu -> kfree_bulk), %llu as seen frees",
		s->site, (unsigned long long)s->implied_frees, (unsigned long long)s->frees);
}

const char *rp_fmt_live(const struct rp_site *s, char *buf, size_t sz)
{
	char c[16];

	fmt_count(s->live > 0 ? s->live : 0, c, sizeof(c));
	snprintf(buf, sz, "%s%s", rp_live_lower(s) ? ">=" : "", c);
	return buf;
}
