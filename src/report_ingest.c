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
#include "report_site.h"

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

	if (nr_get_time(rec, "ts_ns", &v) && v)
		return v;
	if (nr_get_u64(rec, "seq", &v))
		return seq_time(rp, v);
	return rp->last_seq_t;
}

static int add_host(struct report *rp, const cJSON *h)
{
	const char *host = nr_get_str(h, "hostname"), *kern = nr_get_str(h, "kernel");
	const char *mach = nr_get_str(h, "machine");
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

static int feed_header(struct report *rp, const cJSON *rec)
{
	unsigned long long v;
	const char *host;
	double d;

	rp->run_start_ns = nr_get_time(rec, "start_ns", &v) ? v : 0;
	rp->run_interval_ns = 0;
	if (nr_get_num(rec, "interval_s", &d) && d >= 0.001 && d <= 86400) {
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
	if (!rp->page_size && nr_get_u64(rec, "page_size", &v) && v >= 512 && v <= (1 << 24))
		rp->page_size = v;
	rp->run_pb = nr_get_u64(rec, "pageblock_order", &v) && v < 32 ? (__s64)v : -1;
	host = nr_get_str(rec, "hostname");
	return rp_dedup_header(rp, host ? host : "?", rp->run_start_ns) ?: add_host(rp, rec);
}

static void sum_object(const cJSON *o, const char *const *keys, __u64 *sums, int n)
{
	unsigned long long v;

	for (int i = 0; i < n; i++) {
		if (nr_get_u64(o, keys[i], &v))
			sums[i] = rp_sat_add(sums[i], v);
	}
}

static int feed_interval(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	static const char *const ev[] = { "kmalloc",	     "kfree",	"kmem_cache_alloc",
					  "kmem_cache_free", "vmalloc", "vfree" };
	static const char *const um[] = { "kfree", "kmem_cache_free", "vfree" };
	static const char *const dr[] = { "sites_full", "live_full",	"ringbuf_full",
					  "stacks",	"pending_full", "recursion" };
	unsigned long long seq, end, v;
	long long live;
	double d;
	int rc;

	if (!nr_get_u64(rec, "seq", &seq))
		return rp_bad_field(r, "interval", "seq", "is not a non-negative integer");
	if (!nr_get_time(rec, "end_ns", &end))
		return rp_bad_field(r, "interval", "end_ns", "is not a time in ns");
	rp->last_seq = seq;
	rp->last_seq_t = end;
	rc = rp_dedup_seq(rp, r, seq);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!rp_in_window(rp, end))
		return 0;
	seen_time(rp, end);
	rp->intervals++;
	if (nr_get_num(rec, "duration_s", &d) && d >= 0 && d < 1e9)
		rp->seconds += d;
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "events"), ev, rp->events, 6);
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "unmatched_frees"), um, rp->unmatched, 3);
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "drops"), dr, rp->drops, 6);
	if (nr_get_u64(rec, "stale_live", &v))
		rp->stale_live = rp_sat_add(rp->stale_live, v);
	if (nr_get_u64(rec, "self_ignored", &v))
		rp->self_ignored = rp_sat_add(rp->self_ignored, v);
	if (end >= rp->live_t && nr_get_s64(rec, "live", &live)) {
		rp->live = live;
		rp->live_bytes = nr_get_s64(rec, "live_bytes", &live) ? live : 0;
		rp->live_t = end;
	}
	return 0;
}

/* One record (nr_next()'s); problems are reported through the reader. */
static int report_feed(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	const char *type = nr_get_str(rec, "type");
	unsigned long long seq;
	__u64 t;
	int rc;

	if (!type)
		return 0;
	if (!strcmp(type, "header"))
		return feed_header(rp, rec);
	if (!strcmp(type, "interval"))
		return feed_interval(rp, r, rec);
	if (nr_get_u64(rec, "seq", &seq)) {
		rc = rp_dedup_seq(rp, r, seq);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	t = rec_time(rp, rec);
	if (!rp_in_window(rp, t))
		return 0;
	if (!strcmp(type, "site") || !strcmp(type, "page_site") || !strcmp(type, "buddyinfo"))
		seen_time(rp, t);
	if (!strcmp(type, "site"))
		return rp_feed_site(rp, r, rec, t);
	if (!strcmp(type, "page_site"))
		return rp_feed_page_site(rp, r, rec, t);
	if (!strcmp(type, "buddyinfo"))
		return rp_feed_buddyinfo(rp, r, rec, t);
	if (!strcmp(type, "correlation"))
		return rp_feed_correlation(rp, r, rec, t);
	if (!strcmp(type, "vmstat"))
		return rp_feed_vmstat(rp, rec);
	if (!strcmp(type, "failure"))
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
