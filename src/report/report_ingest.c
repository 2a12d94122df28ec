// SPDX-License-Identifier: GPL-2.0
/* Reading exports into the report: runs (headers), intervals, and the dispatch of records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report_dedup.h"
#include "report_filter.h"
#include "report_frag.h"
#include "report_ingest.h"
#include "report_series.h"
#include "report_page.h"
#include "report_site.h"
#include "report_slab.h"
#include "schema.h"

static void seen_time(struct report *rp, __u64 t)
{
	if (!t)
		return;
	if (!rp->t_min || t < rp->t_min)
		rp->t_min = t;
	if (t > rp->t_max)
		rp->t_max = t;
}

/* When the interval `seq` of the current run ended. 0 when unknown. */
static __u64 seq_time(const struct report *rp, __u64 seq)
{
	if (seq == rp->last_seq && rp->last_seq_t)
		return rp->last_seq_t;
	if (rp->run_start_ns && rp->run_interval_ns)
		return rp->run_start_ns + seq * rp->run_interval_ns;
	return rp->last_seq_t;
}

static __u64 rec_time(struct report *rp, const cJSON *rec)
{
	unsigned long long v;

	if (nr_get_time(rec, FLD_TS_NS, &v) && v)
		return v;
	if (nr_get_u64(rec, FLD_SEQ, &v))
		return seq_time(rp, v);
	return rp->last_seq_t;
}

static int add_host(struct report *rp, const cJSON *h)
{
	const char *host = nr_get_str(h, FLD_HOSTNAME), *kern = nr_get_str(h, FLD_KERNEL);
	const char *mach = nr_get_str(h, FLD_MACHINE);
	struct rp_host *l;

	host = host ? host : "?";
	kern = kern ? kern : "?";
	mach = mach ? mach : "?";
	for (size_t i = 0; i < rp->nr_hosts; i++) {
		if (!strcmp(rp->hosts[i].hostname, host) && !strcmp(rp->hosts[i].kernel, kern) &&
		    !strcmp(rp->hosts[i].machine, mach))
			return 0;
	}
	l = realloc(rp->hosts, (rp->nr_hosts + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	rp->hosts = l;
	l = &l[rp->nr_hosts++];
	l->hostname = strdup(host);
	l->kernel = strdup(kern);
	l->machine = strdup(mach);
	return 0;
}

/* the limits a reader of the report must know: top_sites cut sites, live_entries LIVE */
static void header_limits(struct report *rp, const cJSON *rec)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(rec, FLD_DAEMON);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(rec, FLD_SETTINGS);
	unsigned long long v;

	if (d && nr_get_u64(d, FLD_TOP_SITES, &v) && v > rp->top_sites)
		rp->top_sites = v;
	if (st && nr_get_u64(st, FLD_LIVE_ENTRIES, &v) && v > rp->live_entries)
		rp->live_entries = v;
	if (st && nr_get_u64(st, FLD_STACK_SAMPLE, &v) && v > rp->stack_sample)
		rp->stack_sample = v;
	if (st && nr_get_u64(st, FLD_STACK_SAMPLE, &v) && v)
		rp->stack_sampled = true;
}

static int feed_header(struct report *rp, const cJSON *rec)
{
	unsigned long long v;
	const char *host;
	double d;

	rp->run_start_ns = nr_get_time(rec, FLD_START_NS, &v) ? v : 0;
	rp->run_interval_ns = 0;
	if (nr_get_num(rec, FLD_INTERVAL_S, &d) && d >= 0.001 && d <= 86400) {
		rp->run_interval_ns = d * RP_NS;
		if (!rp->bucket_ns)
			rp->bucket_ns = rp->run_interval_ns;
		/* a bucket must hold at least one interval or rates get spiky */
		while (rp->bucket_ns < rp->run_interval_ns) {
			if (rp->any_bucket)
				rp_halve_all(rp);
			else
				rp->bucket_ns *= 2;
		}
	}
	rp->last_seq = 0;
	rp->last_seq_t = rp->run_start_ns;
	if (!rp->page_size && nr_get_u64(rec, FLD_PAGE_SIZE, &v) && v >= 512 && v <= (1 << 24))
		rp->page_size = v;
	rp->run_pb = nr_get_u64(rec, FLD_PAGEBLOCK_ORDER, &v) && v < 32 ? (__s64)v : -1;
	header_limits(rp, rec);
	host = nr_get_str(rec, FLD_HOSTNAME);
	return rp_dedup_header(rp, host ? host : "?", rp->run_start_ns) ?: add_host(rp, rec);
}

_Static_assert(sizeof(schema_events) / sizeof(schema_events[0]) == RP_EVENTS &&
		       sizeof(schema_unmatched) / sizeof(schema_unmatched[0]) == RP_UNMATCHED &&
		       sizeof(schema_drops) / sizeof(schema_drops[0]) == RP_KERNEL_DROPS,
	       "report_model.h's counter lengths follow schema.h's tables");

static void sum_counters(const cJSON *o, const struct schema_counter *c, size_t n, __u64 *sums)
{
	unsigned long long v;

	for (size_t i = 0; i < n; i++) {
		if (nr_get_u64(o, c[i].name, &v))
			sums[i] = rp_sat_add(sums[i], v);
	}
}

static void sum_u64(const cJSON *o, const char *name, __u64 *sum)
{
	unsigned long long v;

	if (nr_get_u64(o, name, &v))
		*sum = rp_sat_add(*sum, v);
}

static int feed_interval(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	const cJSON *drops = cJSON_GetObjectItemCaseSensitive(rec, FLD_DROPS);
	unsigned long long seq, end;
	long long live;
	double d;
	int rc;

	if (!nr_get_u64(rec, FLD_SEQ, &seq))
		return rp_bad_field(r, REC_INTERVAL, FLD_SEQ, "is not a non-negative integer");
	if (!nr_get_time(rec, FLD_END_NS, &end))
		return rp_bad_field(r, REC_INTERVAL, FLD_END_NS, "is not a time in ns");
	rp->last_seq = seq;
	rp->last_seq_t = end;
	rc = rp_dedup_seq(rp, r, seq);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!rp_in_window(rp, end))
		return 0;
	seen_time(rp, end);
	rp->intervals++;
	if (nr_get_num(rec, FLD_DURATION_S, &d) && d >= 0 && d < 1e9)
		rp->seconds += d;
	sum_counters(cJSON_GetObjectItemCaseSensitive(rec, FLD_EVENTS), schema_events, RP_EVENTS,
		     rp->events);
	sum_counters(cJSON_GetObjectItemCaseSensitive(rec, FLD_UNMATCHED_FREES), schema_unmatched,
		     RP_UNMATCHED, rp->unmatched);
	sum_counters(drops, schema_drops, RP_KERNEL_DROPS, rp->drops);
	sum_u64(drops, FLD_DROP_RECURSION, &rp->drops[RP_KERNEL_DROPS]);
	sum_u64(rec, FLD_STALE_LIVE, &rp->stale_live);
	sum_u64(rec, FLD_SELF_IGNORED, &rp->self_ignored);
	if (end >= rp->live_t && nr_get_s64(rec, FLD_LIVE, &live)) {
		rp->live = live;
		rp->live_bytes = nr_get_s64(rec, FLD_LIVE_BYTES, &live) ? live : 0;
		rp->live_t = end;
	}
	return 0;
}

/* One record (nr_next()'s); problems are reported through the reader. */
static int report_feed(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	const char *type = nr_get_str(rec, FLD_TYPE);
	unsigned long long seq;
	__u64 t;
	int rc;

	if (!type)
		return 0;
	if (!strcmp(type, REC_HEADER))
		return feed_header(rp, rec);
	if (!strcmp(type, REC_INTERVAL))
		return feed_interval(rp, r, rec);
	if (nr_get_u64(rec, FLD_SEQ, &seq)) {
		rc = rp_dedup_seq(rp, r, seq);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	t = rec_time(rp, rec);
	if (!rp_in_window(rp, t))
		return 0;
	if (!strcmp(type, REC_SITE) || !strcmp(type, REC_SITE_REST) ||
	    !strcmp(type, REC_PAGE_SITE) || !strcmp(type, REC_BUDDYINFO))
		seen_time(rp, t);
	if (!strcmp(type, REC_SITE))
		return rp_feed_site(rp, r, rec, t);
	if (!strcmp(type, REC_SITE_REST))
		return rp_feed_site_rest(rp, r, rec, t);
	if (!strcmp(type, REC_PAGE_SITE))
		return rp_feed_page_site(rp, r, rec, t);
	if (!strcmp(type, REC_BUDDYINFO))
		return rp_feed_buddyinfo(rp, r, rec, t);
	if (!strcmp(type, REC_CORRELATION))
		return rp_feed_correlation(rp, r, rec, t);
	if (!strcmp(type, REC_VMSTAT))
		return rp_feed_vmstat(rp, rec);
	if (!strcmp(type, REC_SLABINFO))
		return rp_feed_slabinfo(rp, r, rec, t);
	if (!strcmp(type, REC_EXTFRAG))
		return rp_feed_extfrag(rp, r, rec);
	if (!strcmp(type, REC_COMPACTION))
		return rp_feed_compaction(rp, rec);
	if (!strcmp(type, REC_PAGE_ALLOC) || !strcmp(type, REC_PAGE_FREE))
		return rp_feed_page_alloc(rp, rec, !strcmp(type, REC_PAGE_ALLOC));
	if (!strcmp(type, REC_MEMINFO))
		return rp_feed_meminfo(rp, rec, t);
	if (!strcmp(type, REC_FAILURE))
		rp->failures++;
	/* other types: not used by the report, ignored as the contract says */
	return 0;
}

int report_read(struct report *rp, struct ndjson_reader *r)
{
	const struct nr_stats *st;
	struct rp_input *in;
	cJSON *rec;
	int rc;

	/* each input starts a new run until its header says otherwise */
	rp->run_start_ns = rp->run_interval_ns = rp->last_seq = rp->last_seq_t = 0;
	rp->run_pb = -1;
	rp_dedup_input(rp);
	while ((rc = nr_next(r, &rec)) > 0) {
		rc = report_feed(rp, r, rec);
		if (rc == -ENOMEM) {
			nr_problem(r, "out of memory");
			break;
		}
		if (rc < 0)
			break;
	}
	st = nr_stats(r);
	in = realloc(rp->inputs, (rp->nr_inputs + 1) * sizeof(*in));
	if (in) {
		rp->inputs = in;
		in = &in[rp->nr_inputs++];
		in->path = strdup(nr_path(r));
		in->lines = st->lines;
		in->records = st->records;
		in->problems = st->problems;
		in->skipped = st->skipped;
	}
	return rc < 0 ? -1 : 0;
}
