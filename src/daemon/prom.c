// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus textfile: build info, self-cost, whole-machine counters by
 * kind, the top call sites (the rest as one "other" row), drops and the
 * fragmentation indices. docs/fleet.md lists every metric.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include "fragindex.h"
#include "procfs.h"
#include "safefile.h"
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

/*
 * Both indices per node, zone and order, computed as mm/vmstat.c does
 * (fragindex.c). The free blocks themselves are node_exporter's
 * node_buddyinfo_blocks{node,zone,size}: not repeated here.
 */
void prom_buddyinfo(FILE *f, const struct buddyinfo *b)
{
	static const char *const names[] = { "kmemscope_unusable_free_index_ratio",
					     "kmemscope_fragmentation_index_ratio" };
	static const char *const helps[] = {
		"Fraction of free memory in blocks smaller than the order (0 all usable, 1 none).",
		"Fragmentation index of the order: -1 would succeed, towards 1 failure due to "
		"fragmentation, towards 0 failure due to lack of memory."
	};

	for (int m = 0; m < 2; m++) {
		help(f, names[m], "gauge", helps[m]);
		for (int i = 0; i < b->nr; i++) {
			const struct buddy_zone *z = &b->zones[i];

			for (int o = 0; o < z->nr_orders; o++) {
				fprintf(f, "%s{node=\"%d\",zone=", names[m], z->node);
				label(f, z->zone);
				fprintf(f, ",order=\"%d\"} %.3f\n", o,
					(m == 0 ? unusable_index(z->free, z->nr_orders, o) :
						  fragmentation_index(z->free, z->nr_orders, o)) /
						1000.0);
			}
		}
	}
}

/* the fragmentation view's pageblock order, else /proc/pagetypeinfo's (read once); 0: unknown */
static int pageblock_order(struct session *s)
{
	static int read_order = -1;
	struct pagetypeinfo pti = {};

	if (s->frag.on && s->frag.pageblock_order > 0)
		return s->frag.pageblock_order;
	if (read_order < 0) {
		read_order = pagetypeinfo_read(&pti) == 0 && pti.pageblock_order > 0 ?
				     pti.pageblock_order :
				     0;
		pagetypeinfo_free(&pti);
	}
	return read_order;
}

/*
 * The unusable free space index at the pageblock order, per zone: what
 * the alert on fragmentation needs without matching an order label to a
 * value (PromQL cannot).
 */
static void pageblock_index(FILE *f, const struct buddyinfo *b, int pb)
{
	if (pb <= 0)
		return;
	help(f, "kmemscope_pageblock_order", "gauge",
	     "The kernel's pageblock order (huge page and compaction unit).");
	fprintf(f, "kmemscope_pageblock_order %d\n", pb);
	help(f, "kmemscope_pageblock_unusable_free_index_ratio", "gauge",
	     "kmemscope_unusable_free_index_ratio at the pageblock order: the free memory that "
	     "cannot back a huge page or a whole pageblock.");
	for (int i = 0; i < b->nr; i++) {
		const struct buddy_zone *z = &b->zones[i];

		if (pb >= z->nr_orders)
			continue;
		fprintf(f,
			"kmemscope_pageblock_unusable_free_index_ratio{node=\"%d\",zone=", z->node);
		label(f, z->zone);
		fprintf(f, "} %.3f\n", unusable_index(z->free, z->nr_orders, pb) / 1000.0);
	}
}

/* the session's last snapshot, else a fresh read (fragmentation view off) */
static void buddyinfo(FILE *f, struct session *s)
{
	struct buddyinfo own = {};
	const struct buddyinfo *b = &own;

	if (s->frag.on && s->frag.cur.nr)
		b = &s->frag.cur;
	else if (buddyinfo_read(&own))
		goto out;
	prom_buddyinfo(f, b);
	pageblock_index(f, b, pageblock_order(s));
out:
	buddyinfo_free(&own);
}

/* one call site's counters (sites of one kind, cache and call site added up) */
enum site_metric {
	SM_BYTES, /* first: the sites are ranked by it */
	SM_ALLOCS,
	SM_REQ,
	SM_SLACK,
	SM_FREES,
	SM_LIVE_BYTES,
	SM_LIVE_UNTRACKED,
	SM_IMPLIED_FREES,
	SM_NR,
};

struct site_sum {
	const struct site *first; /* NULL: the "other" row */
	long long v[SM_NR];
};

/* the label value "cache": the kmem_cache's name, else the kind (kmalloc, vmalloc) */
static const char *cache_label(const struct site *s)
{
	return s->id.kind == KMS_KIND_CACHE && s->id.cache[0] ? s->id.cache : kind_name(s->id.kind);
}

static int cmp_site(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
	int c;

	if (x->id.kind != y->id.kind)
		return x->id.kind < y->id.kind ? -1 : 1;
	c = strcmp(x->id.cache, y->id.cache);
	return c ? c : strcmp(x->where, y->where);
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct site_sum *x = a, *y = b;

	if (x->v[SM_BYTES] != y->v[SM_BYTES])
		return x->v[SM_BYTES] > y->v[SM_BYTES] ? -1 : 1;
	return strcmp(x->first->where, y->first->where);
}

static void site_labels(FILE *f, const struct site *s)
{
	if (!s) {
		fputs("{kind=\"other\",cache=\"other\",caller=\"other\",site=\"other\"}", f);
		return;
	}
	fputs("{kind=", f);
	label(f, kind_name(s->id.kind));
	fputs(",cache=", f);
	label(f, cache_label(s));
	fputs(",caller=", f);
	label(f, s->caller);
	fputs(",site=", f);
	label(f, s->where);
	fputc('}', f);
}

static void sum_site(long long *sum, const struct site *s)
{
	sum[SM_BYTES] += s->tot.bytes_alloc;
	sum[SM_ALLOCS] += s->tot.allocs;
	sum[SM_REQ] += s->tot.bytes_req;
	sum[SM_SLACK] += site_slack(&s->tot);
	sum[SM_FREES] += s->tot.frees;
	sum[SM_LIVE_BYTES] += s->live_bytes;
	sum[SM_LIVE_UNTRACKED] += s->live_untracked;
	sum[SM_IMPLIED_FREES] += s->tot.implied_frees;
}

/*
 * Whole-machine counters by kind: every site the session holds, not only
 * the top K published per site.
 */
static void kinds(FILE *f, struct session *s)
{
	static const struct {
		const char *name, *type, *help;
		enum site_metric m;
	} m[] = {
		{ "kmemscope_allocations_total", "counter", "Allocations traced since the start.",
		  SM_ALLOCS },
		{ "kmemscope_requested_bytes_total", "counter",
		  "Bytes the callers asked for since the start.", SM_REQ },
		{ "kmemscope_allocated_bytes_total", "counter",
		  "Bytes the allocator handed out since the start (object sizes).", SM_BYTES },
		{ "kmemscope_slack_bytes_total", "counter",
		  "Allocated minus requested bytes since the start.", SM_SLACK },
		{ "kmemscope_frees_total", "counter",
		  "Frees of objects allocated while tracing, since the start.", SM_FREES },
		{ "kmemscope_live_bytes", "gauge",
		  "Bytes allocated while tracing and not freed yet (a lower bound when the live "
		  "table was full).",
		  SM_LIVE_BYTES },
	};
	long long v[KMS_KIND_NR][SM_NR] = {};

	for (size_t i = 0; i < s->sites.nr; i++) {
		const struct site *x = s->sites.list[i];

		if (x->id.kind < KMS_KIND_NR)
			sum_site(v[x->id.kind], x);
	}
	for (size_t k = 0; k < ARRAY_SIZE(m); k++) {
		help(f, m[k].name, m[k].type, m[k].help);
		for (__u32 kind = 0; kind < KMS_KIND_NR; kind++)
			fprintf(f, "%s{kind=\"%s\"} %lld\n", m[k].name, kind_name(kind),
				v[kind][m[k].m]);
	}
}

static void sites(FILE *f, struct session *s, __u64 top)
{
	static const struct {
		const char *name, *type, *help;
	} m[SM_NR] = {
		[SM_BYTES] = { "kmemscope_site_allocated_bytes_total", "counter",
			       "Bytes allocated at the call site since the start (top sites by "
			       "bytes, the rest as site=\"other\")." },
		[SM_ALLOCS] = { "kmemscope_site_allocations_total", "counter",
				"Allocations at the call site since the start." },
		[SM_REQ] = { "kmemscope_site_requested_bytes_total", "counter",
			     "Bytes requested at the call site since the start." },
		[SM_SLACK] = { "kmemscope_site_slack_bytes_total", "counter",
			       "Allocated minus requested bytes of the call site since the start." },
		[SM_FREES] = { "kmemscope_site_frees_total", "counter",
			       "Frees of the call site's objects since the start." },
		[SM_LIVE_BYTES] = { "kmemscope_site_live_bytes", "gauge",
				    "Bytes allocated at the call site while tracing and not freed yet "
				    "(a lower bound when kmemscope_site_live_untracked > 0)." },
		[SM_LIVE_UNTRACKED] = { "kmemscope_site_live_untracked", "gauge",
					"Allocations of the call site the live table could not hold: "
					"live_bytes misses them (raise live_entries)." },
		[SM_IMPLIED_FREES] = { "kmemscope_site_implied_frees_total", "counter",
				       "Frees of the call site's objects that no tracepoint showed "
				       "(kfree_rcu, bulk frees), seen when the address came back." },
	};
	size_t n = s->sites.nr, nc = 0;
	const struct site **v = malloc((n ? n : 1) * sizeof(*v));
	struct site_sum *c = calloc(n + 1, sizeof(*c));
	struct site_sum other = {};

	if (!v || !c)
		goto out;
	if (n) { /* no sites yet: list is NULL, and memcpy(v, NULL, 0) is undefined */
		memcpy(v, s->sites.list, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_site);
	}
	for (size_t i = 0; i < n; i++) {
		if (!nc || cmp_site(&c[nc - 1].first, &v[i]))
			c[nc++].first = v[i];
		sum_site(c[nc - 1].v, v[i]);
	}
	qsort(c, nc, sizeof(*c), cmp_bytes);
	/* the cardinality bound: top sites by bytes, the rest summed into one row */
	for (size_t i = top; i < nc; i++)
		for (size_t k = 0; k < SM_NR; k++)
			other.v[k] += c[i].v[k];
	if (nc > top) {
		nc = top;
		c[nc++] = other;
	}
	for (size_t k = 0; k < SM_NR; k++) {
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

/* seconds the kernel ran the programs (kernel.bpf_stats_enabled=1 only), and their runs */
static void bpf_run_time(FILE *f, struct session *s)
{
	char *on = read_file("/proc/sys/kernel/bpf_stats_enabled", NULL);
	bool enabled = on && on[0] == '1';
	struct tracer_prog_stats st;

	free(on);
	if (!enabled)
		return;
	tracer_prog_stats(&s->tracer, &st);
	help(f, "kmemscope_bpf_run_time_seconds_total", "counter",
	     "Time the kernel spent in kmemscope's BPF programs (kernel.bpf_stats_enabled=1 "
	     "only).");
	fprintf(f, "kmemscope_bpf_run_time_seconds_total %.9f\n", st.run_time_ns / 1e9);
	help(f, "kmemscope_bpf_runs_total", "counter",
	     "Runs of kmemscope's BPF programs (kernel.bpf_stats_enabled=1 only).");
	fprintf(f, "kmemscope_bpf_runs_total %llu\n", (unsigned long long)st.run_cnt);
}

/* what the daemon costs: its own CPU time and memory, and the BPF programs' time */
static void self_cost(FILE *f, struct session *s)
{
	struct rusage ru;
	char *statm = read_file("/proc/self/statm", NULL), *end = NULL;
	unsigned long long rss = 0;

	if (!getrusage(RUSAGE_SELF, &ru)) {
		help(f, "kmemscope_process_cpu_seconds_total", "counter",
		     "User and system CPU time of the kmemscope process.");
		fprintf(f, "kmemscope_process_cpu_seconds_total %.6f\n",
			ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
				(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	/* "size resident shared ...", in pages */
	if (statm) {
		errno = 0;
		strtoull(statm, &end, 10);
		rss = strtoull(end, &end, 10);
	}
	if (statm && !errno && rss) {
		help(f, "kmemscope_process_resident_memory_bytes", "gauge",
		     "Resident memory of the kmemscope process.");
		fprintf(f, "kmemscope_process_resident_memory_bytes %llu\n",
			rss * (unsigned long long)sysconf(_SC_PAGESIZE));
	}
	free(statm);
	bpf_run_time(f, s);
}

static void build_info(FILE *f)
{
	struct utsname u;

	help(f, "kmemscope_build_info", "gauge",
	     "Always 1: the kmemscope version and the kernel release it traces.");
	fputs("kmemscope_build_info{version=", f);
	label(f, KMS_VERSION);
	fputs(",kernel=", f);
	label(f, uname(&u) ? "unknown" : u.release);
	fputs("} 1\n", f);
}

void prom_format(FILE *f, struct session *s, const struct segments *g, __u64 top)
{
	build_info(f);
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
	self_cost(f, s);
	kinds(f, s);
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
	 * node_exporter runs as another user: world-readable. The site labels
	 * are function-relative (func+0xoff): no kernel address, nothing KASLR
	 * hides, only what the kernel image itself shows.
	 */
	err = write_file_atomic(path, buf, len, 0644);
	free(buf);
	return err;
}
