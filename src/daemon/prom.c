// SPDX-License-Identifier: GPL-2.0
/* Prometheus textfile: per-site, drops, buddyinfo and fragmentation indices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fragindex.h"
#include "procfs.h"
#include "prom.h"
#include "schema.h"
#include "segments.h"
#include "session.h"
#include "util.h"

/* label values: backslash, double quote and newline escaped */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* free blocks per order and both indices, computed as mm/vmstat.c does (fragindex.c) */
void prom_buddyinfo(FILE *f, const struct buddyinfo *b)
{
	static const char *const names[] = { "kmemscope_buddyinfo_free_blocks",
					     "kmemscope_unusable_free_index",
					     "kmemscope_fragmentation_index" };
	static const char *const helps[] = {
		"Free blocks of 2^order pages (/proc/buddyinfo).",
		"Fraction of free memory in blocks smaller than the order (0 all usable, 1 none).",
		"Fragmentation index of the order: -1 would succeed, towards 1 failure due to fragmentation."
	};

	for (int m = 0; m < 3; m++) {
		help(f, names[m], "gauge", helps[m]);
		for (int i = 0; i < b->nr; i++) {
			const struct buddy_zone *z = &b->zones[i];

			for (int o = 0; o < z->nr_orders; o++) {
				fprintf(f, "%s{node=\"%d\",zone=", names[m], z->node);
				label(f, z->zone);
				if (m == 0)
					fprintf(f, ",order=\"%d\"} %llu\n", o,
						(unsigned long long)z->free[o]);
				else
					fprintf(f, ",order=\"%d\"} %.3f\n", o,
						(m == 1 ? unusable_index(z->free, z->nr_orders, o) :
							  fragmentation_index(z->free, z->nr_orders,
									      o)) /
							1000.0);
			}
		}
	}
}

/* the session's last snapshot, else a fresh read (fragmentation view off) */
static void buddyinfo(FILE *f, struct session *s)
{
	struct buddyinfo own = {};

	if (s->frag.on && s->frag.cur.nr) {
		prom_buddyinfo(f, &s->frag.cur);
		return;
	}
	if (buddyinfo_read(&own) == 0)
		prom_buddyinfo(f, &own);
	buddyinfo_free(&own);
}

/* one caller: its call sites added up (offsets are not published, see prom_write) */
enum caller_metric {
	CM_BYTES, /* first: the callers are ranked by it */
	CM_ALLOCS,
	CM_SLACK,
	CM_LIVE_BYTES,
	CM_LIVE_UNTRACKED,
	CM_IMPLIED_FREES,
	CM_NR,
};

struct caller_sum {
	const struct site *first;
	long long v[CM_NR];
};

static int cmp_caller(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
	int c;

	if (x->id.kind != y->id.kind)
		return x->id.kind < y->id.kind ? -1 : 1;
	c = strcmp(x->id.cache, y->id.cache);
	return c ? c : strcmp(x->caller, y->caller);
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct caller_sum *x = a, *y = b;

	if (x->v[CM_BYTES] != y->v[CM_BYTES])
		return x->v[CM_BYTES] > y->v[CM_BYTES] ? -1 : 1;
	return strcmp(x->first->caller, y->first->caller);
}

static void site_labels(FILE *f, const struct site *s)
{
	fputs("{kind=", f);
	label(f, kind_name(s->id.kind));
	fputs(",caller=", f);
	label(f, s->caller);
	if (s->id.kind == KMS_KIND_CACHE) {
		fputs(",cache=", f);
		label(f, s->id.cache);
	}
	fputc('}', f);
}

static void sites(FILE *f, struct session *s, __u64 top)
{
	static const struct {
		const char *name, *type, *help;
	} m[CM_NR] = {
		[CM_BYTES] = { "kmemscope_site_allocated_bytes_total", "counter",
			       "Bytes allocated by the caller since the start (top callers by bytes)." },
		[CM_ALLOCS] = { "kmemscope_site_allocations_total", "counter",
				"Allocations by the caller since the start." },
		[CM_SLACK] = { "kmemscope_site_slack_bytes_total", "counter",
			       "Allocated minus requested bytes of the caller since the start." },
		[CM_LIVE_BYTES] = { "kmemscope_site_live_bytes", "gauge",
				    "Bytes allocated by the caller while tracing and not freed yet "
				    "(a lower bound when kmemscope_site_live_untracked > 0)." },
		[CM_LIVE_UNTRACKED] = { "kmemscope_site_live_untracked", "gauge",
					"Allocations of the caller the live table could not hold: "
					"live_bytes misses them (raise live_entries)." },
		[CM_IMPLIED_FREES] = { "kmemscope_site_implied_frees_total", "counter",
				       "Frees of the caller's objects that no tracepoint showed "
				       "(kfree_rcu, bulk frees), seen when the address came back." },
	};
	size_t n = s->sites.nr, nc = 0;
	const struct site **v = malloc((n ? n : 1) * sizeof(*v));
	struct caller_sum *c = calloc(n ? n : 1, sizeof(*c));

	if (!v || !c)
		goto out;
	if (n) { /* no sites yet: list is NULL, and memcpy(v, NULL, 0) is undefined */
		memcpy(v, s->sites.list, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_caller);
	}
	for (size_t i = 0; i < n; i++) {
		long long *sum;

		if (!nc || cmp_caller(&c[nc - 1].first, &v[i]))
			c[nc++].first = v[i];
		sum = c[nc - 1].v;
		sum[CM_BYTES] += v[i]->tot.bytes_alloc;
		sum[CM_ALLOCS] += v[i]->tot.allocs;
		sum[CM_SLACK] += site_slack(&v[i]->tot);
		sum[CM_LIVE_BYTES] += v[i]->live_bytes;
		sum[CM_LIVE_UNTRACKED] += v[i]->live_untracked;
		sum[CM_IMPLIED_FREES] += v[i]->tot.implied_frees;
	}
	qsort(c, nc, sizeof(*c), cmp_bytes);
	if (top && nc > top)
		nc = top;
	for (size_t k = 0; k < CM_NR; k++) {
		help(f, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < nc; i++) {
			fputs(m[k].name, f);
			site_labels(f, c[i].first);
			fprintf(f, " %lld\n", c[i].v[k]);
		}
	}
out:
	free(v);
	free(c);
}

void prom_format(FILE *f, struct session *s, const struct segments *g, __u64 top)
{
	help(f, "kmemscope_events_total", "counter", "Allocator events traced since the start.");
	/* the label values are the export's field names */
	for (size_t i = 0; i < ARRAY_SIZE(schema_events); i++)
		fprintf(f, "kmemscope_events_total{event=\"%s\"} %llu\n", schema_events[i].name,
			(unsigned long long)s->counters[schema_events[i].idx]);
	help(f, "kmemscope_drops_total", "counter",
	     "Events or details lost by bounded kernel structures since the start.");
	for (size_t i = 0; i < ARRAY_SIZE(schema_drops); i++)
		fprintf(f, "kmemscope_drops_total{reason=\"%s\"} %llu\n", schema_drops[i].name,
			(unsigned long long)s->counters[schema_drops[i].idx]);
	fprintf(f, "kmemscope_drops_total{reason=\"" FLD_DROP_RECURSION "\"} %llu\n",
		(unsigned long long)s->recursion);
	help(f, "kmemscope_last_interval_timestamp_seconds", "gauge",
	     "End of the last interval read from the kernel.");
	fprintf(f, "kmemscope_last_interval_timestamp_seconds %.3f\n",
		(s->start_real + (s->now_mono - s->start_mono)) / 1e9);
	if (g) {
		help(f, "kmemscope_export_write_errors_total", "counter",
		     "Failed writes of the state directory since the start.");
		fprintf(f, "kmemscope_export_write_errors_total %llu\n",
			(unsigned long long)g->write_errors);
		help(f, "kmemscope_export_queued_bytes", "gauge",
		     "Records held in memory because writes failed.");
		fprintf(f, "kmemscope_export_queued_bytes %zu\n", g->x.len);
		help(f, "kmemscope_export_disk_bytes", "gauge",
		     "Bytes of segments in the state directory.");
		fprintf(f, "kmemscope_export_disk_bytes %llu\n", (unsigned long long)g->disk_bytes);
	}
	sites(f, s, top);
	buddyinfo(f, s);
}

int prom_write(const char *path, struct session *s, const struct segments *g, __u64 top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -ENOMEM;
	prom_format(f, s, g, top);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	/*
	 * node_exporter runs as another user: world-readable. Labels name
	 * callers (functions), not call-site offsets, which stay root-only.
	 */
	err = write_file_atomic(path, buf, len, 0644);
	free(buf);
	return err;
}
