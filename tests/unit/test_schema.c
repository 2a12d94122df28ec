// SPDX-License-Identifier: GPL-2.0
/*
 * The schema round trip: every record type is built through its builder
 * with every optional field present, written through the export, read back
 * through the NDJSON reader and through the report (every counter it keeps
 * by its schema name, totals = site + site_rest), and the state and status
 * documents through top's model and the status printer. A field that a builder drops, the
 * table in schema.c forgets or a reader renames fails here. The last test
 * holds docs/export-format.md to the same table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "export.h"
#include "ndjson_reader.h"
#include "report_ingest.h"
#include "report_rank.h"
#include "schema.h"
#include "sites.h"
#include "status.h"
#include "top_view.h"
#include "util.h"

/* 11 orders, as x86 has: the report reads up to the pageblock order (9) */
static const __u64 free_blocks[11] = { 120, 85, 40, 20, 10, 5, 4, 3, 2, 1, 0 };
static const double unusable[11] = { 0, 0.002, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1 };
static const double fragi[11] = { -1, -1, 0.953, 0.96, 0.97, 0.98, 0.99, 0.99, 0.99, 0.99, 0.99 };

static void counts(struct site_counts *c, __u64 allocs)
{
	memset(c, 0, sizeof(*c));
	c->allocs = allocs;
	c->frees = allocs / 2;
	c->failed = 1;
	c->bytes_req = allocs * 100;
	c->bytes_alloc = allocs * 128;
	c->bytes_freed = c->frees * 128;
	c->cross_cpu_frees = 3;
	c->bytes_charged = allocs * 64;
	c->size_hist[6] = allocs;
	c->life_hist[10] = c->frees;
}

static struct site_counts counted(__u64 allocs)
{
	struct site_counts c;

	counts(&c, allocs);
	return c;
}

static cJSON *stack(void)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString("alloc_vmap_area+0x3c"));
	return a;
}

static cJSON *gfp(__u64 n)
{
	cJSON *g = cJSON_CreateObject();

	json_add_u64(g, "GFP_KERNEL", n);
	return g;
}

static cJSON *alloc_sizes(void)
{
	cJSON *o = cJSON_CreateObject();

	schema_alloc_size_add(o, 192, 300, 300 * 148);
	schema_alloc_size_add(o, 192, 100, 100 * 148); /* the same size again: summed */
	assert_int_equal(cJSON_GetArraySize(o), 1);
	assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "192"), FLD_ALLOCS)->valuedouble ==
		    400);
	assert_true(
		cJSON_GetObjectItem(cJSON_GetObjectItem(o, "192"), FLD_BYTES_REQ)->valuedouble ==
		400 * 148);
	return o;
}

static cJSON *header(void)
{
	cJSON *h = schema_header(&(struct schema_header){
		.version = "0.1.0",
		.kernel = "6.18.0",
		.machine = "x86_64",
		.hostname = "vm",
		.page_size = 4096,
		.ncpu = 2,
		.start_ns = 1795312345000000000ULL,
		.interval_s = 2,
		.pageblock_order = 9,
		.kmalloc = "raw_tracepoint",
		.kmem_cache = "raw_tracepoint",
		.vmalloc = "tracepoint",
		.vmalloc_detail = "tracepoint (vmalloc:alloc_vmap_area)",
		.vmalloc_refused = "fentry load: Operation not permitted",
		.page = "tracepoint",
		.bulk_free = "off",
		.bulk_free_refused = "fentry load: Operation not permitted",
		.track_live = true,
		.live_entries = 131072,
		.site_entries = 16384,
		.life_sample = 16,
		.filter_pids = (const __u32[]){ 1234, 5678 },
		.nr_filter_pids = 2,
		.filter_comm = "postgres*",
		.filter_cgroup = "/sys/fs/cgroup/system.slice",
		.by = "cgroup",
		.by_max = 64,
		.stack_sample = 64,
		.gfp_names = "tracefs format",
		.symbols = true,
		.claims = "hash_map",
		.claims_refused = "BPF compare-and-swap: Invalid argument",
	});

	schema_header_daemon(h, 1795312345100000000ULL, 1, 3);
	return h;
}

static cJSON *interval(const __u64 *delta)
{
	return schema_interval(&(struct schema_interval){
		.seq = 1,
		.start_ns = 1795312345000000000ULL,
		.end_ns = 1795312347000000000ULL,
		.duration_s = 2,
		.delta = delta,
		.recursion = 1,
		.pages = true,
		.page_allocs = 50,
		.active_sites = 2,
		.sites = 3,
		.bytes_req = 1234,
		.bytes_alloc = 2048,
		.live = 7,
		.live_bytes = 896,
	});
}

static __u64 delta[KMS_CNT_NR];

/* one NDJSON line; takes o */
static void emit(FILE *f, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	assert_non_null(text);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(o);
}

/* what a reader sees of a built record: its text parsed (raw numbers become numbers) */
static cJSON *as_read(const cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON *p = cJSON_Parse(text);

	free(text);
	return p;
}

/* one of every record type, every optional field present */
static int build_all(cJSON **v)
{
	static struct site_counts c;
	static const char *const merged[] = { "UNIX", "UNIX-STREAM" };
	static const struct schema_slab slab = { "signal_cache", 10, 20, 1152, 14, 4, merged, 2 };
	struct schema_site site = {
		.seq = 1,
		.kind = KIND_NAME_CACHE,
		.cache = "dentry",
		.caller = "d_alloc",
		.site = "d_alloc+0x2c",
		.delta = &c,
		.live = 5,
		.live_bytes = 960,
		.req_unknown = true,
		.gfp = gfp(400),
		.stack = stack(),
		.alloc_sizes = alloc_sizes(),
		/* both only here: a site is split by one of them */
		.comm = "postgres",
		.cgroup = "/system.slice/postgresql.service",
		.stacks = cJSON_CreateArray(),
	};
	cJSON *vm, *d, *sampled;
	int n = 0;

	for (int i = 0; i < KMS_CNT_NR; i++)
		delta[i] = 10 + i;
	counts(&c, 400);
	sampled = cJSON_CreateArray();
	cJSON_AddItemToArray(sampled, cJSON_CreateString("d_alloc+0x2c"));
	cJSON_AddItemToArray(sampled, cJSON_CreateString("do_thing+0x10"));
	cJSON_AddItemToArray(site.stacks,
			     schema_stack(sampled, &(struct schema_stack){ .allocs = 25,
									   .bytes_req = 100,
									   .bytes_alloc = 160,
									   .live = 2,
									   .live_bytes = 64 }));
	v[n++] = header();
	v[n++] = interval(delta);
	v[n++] = schema_site(&site);
	v[n++] = schema_site_rest(&(struct schema_site_rest){
		.seq = 1, .sites = 4, .c = &c, .live = 2, .live_bytes = 256 });
	v[n++] = schema_failure(&(struct schema_failure){ .seq = 1,
							  .ts_ns = 1795312346000000000ULL,
							  .bytes_req = 4096,
							  .pid = 123,
							  .kind = KIND_NAME_CACHE,
							  .cache = "dentry",
							  .site = "d_alloc+0x2c",
							  .gfp = "GFP_KERNEL",
							  .comm = "msgq" });
	v[n++] = schema_buddyinfo(&(struct schema_buddy){ .seq = 1,
							  .ts_ns = 1795312346000000000ULL,
							  .node = 0,
							  .nr_orders = 11,
							  .zone = "Normal",
							  .free = free_blocks,
							  .unusable = unusable,
							  .frag = fragi });
	v[n++] = schema_pagetype(&(struct schema_pagetype){ .seq = 1,
							    .node = 0,
							    .nr_orders = 11,
							    .zone = "Normal",
							    .migratetype = "Movable",
							    .free = free_blocks,
							    .capped = true,
							    .pageblocks = 1234 });
	vm = schema_vmstat(1, &d);
	json_add_u64(d, "compact_stall", 2);
	v[n++] = vm;
	v[n++] = schema_meminfo(1, (const __u64[]){ 1, 2, 3, 4, 5 },
				(const bool[]){ true, true, true, true, true });
	v[n++] = schema_slabinfo(1, &slab, 1);
	v[n++] = schema_page_alloc(1, 0, "Movable", "GFP_HIGHUSER_MOVABLE", 1200, 1200);
	v[n++] = schema_page_free(1, 0, 1100, 1100);
	v[n++] = schema_page_site(1, "f", "f+0x1a", 3, 12, 96, stack());
	v[n++] = schema_extfrag(&(struct schema_extfrag){ .seq = 1,
							  .count = 4,
							  .caller = "f",
							  .site = "f+0x1a",
							  .alloc_migratetype = "Unmovable",
							  .fallback_migratetype = "Movable",
							  .alloc_order = 0,
							  .fallback_order = 9,
							  .change_ownership = true });
	v[n++] = schema_compaction(&(struct schema_compaction){ 1, 1, 2, 3, 4, 5, 6 });
	v[n++] = schema_correlation(&(struct schema_correlation){ .seq = 60,
								  .window = 60,
								  .n = 60,
								  .lag = 2,
								  .caller = "f",
								  .activity = "live_growth",
								  .target = "unusable_index_order3",
								  .zone = "Normal",
								  .node = 0,
								  .r = 0.87 });
	return n;
}

/* "a.b": field b of object a (a.b.c: of a.b); arrays of objects: the first element's */
static const cJSON *field(const cJSON *o, const char *path)
{
	char buf[128], *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	dot = strchr(buf, '.');
	if (!dot)
		return cJSON_GetObjectItemCaseSensitive(o, buf);
	*dot = '\0';
	o = cJSON_GetObjectItemCaseSensitive(o, buf);
	if (cJSON_IsArray(o))
		o = cJSON_GetArrayItem(o, 0);
	return field(o, dot + 1);
}

static void assert_all_fields(const cJSON *rec)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(rec, FLD_TYPE));
	const struct schema_record *sr = type ? schema_find(type) : NULL;

	assert_non_null(sr);
	for (const char *const *f = sr->fields; *f; f++) {
		if (!field(rec, *f))
			fail_msg("%s record has no field %s", type, *f);
	}
}

static void test_builders_write_every_field(void **state)
{
	cJSON *v[32];
	int n = build_all(v);

	(void)state;
	/* one record of each type in the table, and no type unbuilt */
	assert_int_equal(n, (int)schema_nr_records);
	for (int i = 0; i < n; i++) {
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(v[i], FLD_TYPE)),
				    schema_records[i].type);
		assert_all_fields(v[i]);
		cJSON_Delete(v[i]);
	}
}

/* the built records through the export (gzip) into a new temporary file path */
static void write_export(char *path, cJSON *const *v, int n)
{
	struct export x;
	int fd = mkstemps(path, strlen(".ndjson.gz"));

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(export_open(&x, path), 0);
	for (int k = 0; k < n; k++)
		assert_int_equal(export_add(&x, cJSON_Duplicate(v[k], true)), 0);
	assert_int_equal(export_close(&x), 0);
}

/* write through the export (gzip), read back through the NDJSON reader */
static void test_export_round_trip(void **state)
{
	char path[] = "/tmp/kms-schema-XXXXXX.ndjson.gz";
	cJSON *v[32], *rec, *want;
	int n = build_all(v), i = 0;
	struct ndjson_reader *r;

	(void)state;
	write_export(path, v, n);
	r = nr_open(path, NR_STRICT);
	assert_non_null(r);
	while (nr_next(r, &rec) == 1) {
		assert_true(i < n);
		assert_all_fields(rec);
		/* the same values (times beyond 2^53 compare as doubles) */
		want = as_read(v[i]);
		if (!cJSON_Compare(rec, want, true))
			fail_msg("record %d (%s) changed in the round trip", i,
				 schema_records[i].type);
		cJSON_Delete(want);
		i++;
	}
	assert_int_equal(i, n);
	assert_int_equal(nr_stats(r)->problems, 0);
	assert_non_null(nr_header(r));
	nr_close(r);
	unlink(path);
	for (int k = 0; k < n; k++)
		cJSON_Delete(v[k]);
}

/* a u64 field of a built record, 0 when the builder did not write it */
static __u64 built_u64(const cJSON *rec, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, name);

	return it ? (__u64)cJSON_GetNumberValue(it) : 0;
}

static const cJSON *built(cJSON *const *v, int n, const char *type)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v[i], FLD_TYPE)), type))
			return v[i];
	}
	fail_msg("no %s record built", type);
	return NULL;
}

/* the site counters the report keeps, by their export names */
static const struct {
	const char *name;
	size_t off;
} report_counters[] = {
	{ FLD_ALLOCS, offsetof(struct rp_site, allocs) },
	{ FLD_FREES, offsetof(struct rp_site, frees) },
	{ FLD_FAILED, offsetof(struct rp_site, failed) },
	{ FLD_BYTES_REQ, offsetof(struct rp_site, bytes_req) },
	{ FLD_BYTES_ALLOC, offsetof(struct rp_site, bytes_alloc) },
	{ FLD_BYTES_FREED, offsetof(struct rp_site, bytes_freed) },
	{ FLD_CROSS_CPU_FREES, offsetof(struct rp_site, cross_cpu_frees) },
	{ FLD_IMPLIED_FREES, offsetof(struct rp_site, implied_frees) },
	{ FLD_LIVE_UNTRACKED, offsetof(struct rp_site, live_untracked) },
};

static __u64 rp_counter(const struct rp_site *s, size_t i)
{
	return *(const __u64 *)((const char *)s + report_counters[i].off);
}

/*
 * site and site_rest counters: what the report summed is what build_all()
 * put in (counts(c, 400) for both); fields it does not set are compared with
 * what the builder wrote, so a field a builder starts to write is read too.
 */
static void assert_report_counts(const struct report *rp, const cJSON *site, const cJSON *rest)
{
	const struct site_counts c = counted(400);
	const __u64 want[] = { c.allocs,      c.frees,	     c.failed,	       c.bytes_req,
			       c.bytes_alloc, c.bytes_freed, c.cross_cpu_frees };
	const struct rp_site *s = rp->sites[0];

	for (size_t i = 0; i < ARRAY_SIZE(report_counters); i++) {
		const char *f = report_counters[i].name;
		__u64 ws = i < ARRAY_SIZE(want) ? want[i] : built_u64(site, f);
		__u64 wr = i < ARRAY_SIZE(want) ? want[i] : built_u64(rest, f);

		if (rp_counter(s, i) != ws)
			fail_msg("report read site.%s as %llu, built %llu", f,
				 (unsigned long long)rp_counter(s, i), (unsigned long long)ws);
		if (rp_counter(rp->rest, i) != wr)
			fail_msg("report read site_rest.%s as %llu, built %llu", f,
				 (unsigned long long)rp_counter(rp->rest, i),
				 (unsigned long long)wr);
		if (rp_counter(rp->total, i) != ws + wr)
			fail_msg("report total %s != site + site_rest", f);
	}
}

/* every record type built, written through the export, read back through the report */
static void test_export_through_report(void **state)
{
	char path[] = "/tmp/kms-schema-XXXXXX.ndjson.gz";
	struct rp_opts o = { .top = 20 };
	cJSON *v[32];
	int n = build_all(v);
	const cJSON *site = built(v, n, REC_SITE), *rest = built(v, n, REC_SITE_REST);
	const struct rp_site *s;
	struct ndjson_reader *r;
	struct report rp;

	(void)state;
	write_export(path, v, n);
	r = nr_open(path, NR_STRICT);
	assert_non_null(r);
	assert_int_equal(report_init(&rp, &o), 0);
	assert_int_equal(report_read(&rp, r), 0);
	assert_int_equal(nr_stats(r)->problems, 0);
	nr_close(r);
	unlink(path);
	report_finish(&rp);
	/* header: the run's limits */
	assert_int_equal(rp.nr_hosts, 1);
	assert_string_equal(rp.hosts[0].hostname, "vm");
	assert_string_equal(rp.hosts[0].kernel, "6.18.0");
	assert_int_equal(rp.page_size, 4096);
	assert_int_equal(rp.top_sites, 3);
	assert_int_equal(rp.live_entries, 131072);
	/* interval: every kernel counter by its schema name, live totals */
	assert_int_equal(rp.intervals, 1);
	assert_true(rp.seconds == 2);
	for (size_t i = 0; i < ARRAY_SIZE(schema_events); i++)
		assert_int_equal(rp.events[i], delta[schema_events[i].idx]);
	for (size_t i = 0; i < ARRAY_SIZE(schema_unmatched); i++)
		assert_int_equal(rp.unmatched[i], delta[schema_unmatched[i].idx]);
	for (size_t i = 0; i < ARRAY_SIZE(schema_drops); i++)
		assert_int_equal(rp.drops[i], delta[schema_drops[i].idx]);
	assert_int_equal(rp.drops[ARRAY_SIZE(schema_drops)], 1);
	assert_int_equal(rp.stale_live, delta[KMS_CNT_STALE_LIVE]);
	assert_int_equal(rp.self_ignored, delta[KMS_CNT_SELF]);
	assert_int_equal(rp.live, 7);
	assert_int_equal(rp.live_bytes, 896);
	/* site: identity, counters, live, GFP, sizes, req_unknown, stack */
	assert_int_equal(rp.nr_sites, 1);
	s = rp.sites[0];
	assert_string_equal(s->kind, KIND_NAME_CACHE);
	assert_string_equal(s->cache, "dentry");
	assert_string_equal(s->caller, "d_alloc");
	assert_string_equal(s->site, "d_alloc+0x2c");
	assert_report_counts(&rp, site, rest);
	assert_int_equal(s->allocs, 400);
	assert_int_equal(s->live, 5);
	assert_int_equal(s->live_bytes, 960);
	assert_true(s->req_unknown);
	assert_int_equal(s->nr_gfps, 1);
	assert_string_equal(s->gfps[0].flags, "GFP_KERNEL");
	assert_int_equal(s->gfps[0].allocs, 400);
	assert_int_equal(s->sizes[6], 400);
	/* the page site's exact stack, the site's one-frame line and its sampled stack (root first) */
	assert_int_equal(rp.nr_folds, 3);
	assert_string_equal(rp.folds[0]->stack, "alloc_vmap_area+0x3c");
	assert_string_equal(rp.folds[1]->stack, "d_alloc+0x2c");
	assert_true(rp.folds[1]->one_frame);
	assert_string_equal(rp.folds[2]->stack, "do_thing+0x10;d_alloc+0x2c");
	/* linked to the site it scales to */
	assert_ptr_equal(rp.folds[2]->site, s);
	assert_int_equal(rp.folds[2]->s_allocs, 25);
	assert_int_equal(rp.folds[2]->s_alloc, 160);
	assert_int_equal(rp.folds[2]->s_slack, 60);
	assert_int_equal(rp.folds[2]->s_live_bytes, 64);
	/* site_rest: in the totals, never a site; its interval counted as cut */
	assert_int_equal(rp.rest_intervals, 1);
	assert_int_equal(rp.rest_sites, 4);
	assert_int_equal(rp.total->allocs, 800);
	/* the others the report reads: failure, buddyinfo, vmstat, page_site, correlation */
	assert_int_equal(rp.failures, 1);
	assert_int_equal(rp.nr_zones, 1);
	assert_string_equal(rp.zones[0]->zone, "Normal");
	assert_int_equal(rp.zones[0]->snapshots, 1);
	assert_int_equal(rp.nr_vm, 1);
	assert_string_equal(rp.vm_keys[0], "compact_stall");
	assert_int_equal(*(__u64 *)htab_get(&rp.vmstat_map, "compact_stall"), 2);
	assert_int_equal(rp.nr_pages, 1);
	assert_string_equal(rp.pages[0]->site, "f+0x1a");
	assert_int_equal(rp.pages[0]->allocs, 12);
	assert_int_equal(rp.pages[0]->pages, 96);
	assert_int_equal(rp.pages[0]->orders, 1u << 3);
	assert_int_equal(rp.nr_corr, 1);
	assert_string_equal(rp.corr[0].caller, "f");
	assert_string_equal(rp.corr[0].activity, "live_growth");
	assert_string_equal(rp.corr[0].target, "unusable_index_order3");
	assert_string_equal(rp.corr[0].zone, "Normal");
	assert_true(rp.corr[0].r > 0.869 && rp.corr[0].r < 0.871);
	assert_int_equal(rp.corr[0].lag, 2);
	assert_int_equal(rp.corr[0].window, 60);
	report_free(&rp);
	for (int k = 0; k < n; k++)
		cJSON_Delete(v[k]);
}

/* the sites beyond the limit, folded: site records + site_rest = the totals */
static void test_site_rest_keeps_totals(void **state)
{
	struct site_counts c[6], rest = {};
	unsigned long long allocs = 0, bytes = 0, failed = 0, want_a = 0, want_b = 0, v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ndjson_reader *r;
	cJSON *rec;
	int rests = 0;

	(void)state;
	assert_non_null(f);
	emit(f, header());
	for (int i = 0; i < 6; i++) {
		counts(&c[i], 100 * (i + 1));
		want_a += c[i].allocs + c[i].failed;
		want_b += c[i].bytes_alloc;
	}
	/* top 2 as site records, 4 folded */
	for (int i = 0; i < 6; i++) {
		struct schema_site s = { .seq = 1,
					 .kind = KIND_NAME_KMALLOC,
					 .caller = "f",
					 .site = "f+0x1",
					 .delta = &c[i] };

		if (i >= 2) {
			schema_counts_add(&rest, &c[i]);
			continue;
		}
		emit(f, schema_site(&s));
	}
	emit(f, schema_site_rest(&(struct schema_site_rest){ .seq = 1, .sites = 4, .c = &rest }));
	fclose(f);
	r = nr_open_mem(buf, len, "mem", NR_STRICT);
	while (nr_next(r, &rec) == 1) {
		const char *t = nr_get_str(rec, FLD_TYPE);

		if (strcmp(t, REC_SITE) && strcmp(t, REC_SITE_REST))
			continue;
		if (!strcmp(t, REC_SITE_REST)) {
			rests++;
			assert_true(nr_get_u64(rec, FLD_SITES, &v) && v == 4);
			assert_true(nr_get_u64(rec, FLD_SLACK, &v) &&
				    v == rest.bytes_alloc - rest.bytes_req);
		}
		assert_true(nr_get_u64(rec, FLD_ALLOCS, &v));
		allocs += v;
		assert_true(nr_get_u64(rec, FLD_FAILED, &v));
		failed += v;
		assert_true(nr_get_u64(rec, FLD_BYTES_ALLOC, &v));
		bytes += v;
	}
	nr_close(r);
	free(buf);
	assert_int_equal(rests, 1);
	assert_true(allocs + failed == want_a);
	assert_true(bytes == want_b);
}

/* the state document, as session_state() builds it, through top's model */
static void test_state_through_top(void **state)
{
	static struct site_counts d, t, pd, pt;
	struct schema_site km = { .kind = KIND_NAME_KMALLOC,
				  .caller = "load_msg",
				  .site = "load_msg+0x41",
				  .delta = &d,
				  .total = &t,
				  .live = 3,
				  .live_bytes = 384,
				  .gfp = gfp(400) };
	struct schema_site pg = { .kind = KIND_NAME_PAGE,
				  .caller = "alloc_pages_bulk",
				  .site = "alloc_pages_bulk+0x10",
				  .delta = &pd,
				  .total = &pt,
				  .stack = stack() };
	struct schema_buddy b = { .nr_orders = 3,
				  .zone = "Normal",
				  .free = free_blocks,
				  .unusable = unusable,
				  .frag = fragi };
	struct top_model m;
	cJSON *doc, *sites, *parsed;
	char *text;

	(void)state;
	for (int i = 0; i < KMS_CNT_NR; i++)
		delta[i] = 0;
	delta[KMS_CNT_EV_KMALLOC] = 400;
	delta[KMS_CNT_DROP_LIVE] = 3;
	counts(&d, 400);
	counts(&t, 1000);
	pd.allocs = 12;
	pd.bytes_alloc = pd.bytes_req = 12 * 8 * 4096;
	pt.allocs = 30;
	pt.bytes_alloc = pt.bytes_req = 30 * 8 * 4096;
	doc = schema_state(header(), interval(delta), 12000000000ULL, &sites);
	cJSON_AddItemToArray(sites, schema_state_site(&km));
	cJSON_AddItemToArray(sites, schema_state_site(&pg));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, FLD_BUDDYINFO), schema_buddyinfo(&b));
	json_add_u64(doc, FLD_PAGEBLOCK_ORDER, 9);
	cJSON_AddItemToObject(doc, FLD_MEMINFO,
			      schema_meminfo(0, (const __u64[]){ 1, 2, 3, 4, 5 },
					     (const bool[]){ true, true, true, true, true }));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	parsed = cJSON_Parse(text);
	free(text);
	assert_int_equal(top_model_load(&m, parsed, NULL), 0);
	assert_int_equal(m.nr_rows, 2);
	assert_string_equal(m.rows[0].site_name, "load_msg+0x41");
	assert_string_equal(m.rows[0].caller, "load_msg");
	assert_int_equal(m.rows[0].kclass, KIND_KMALLOC);
	assert_string_equal(m.rows[0].gfp, "GFP_KERNEL");
	assert_true(m.rows[0].rate_allocs == 200); /* 400 in 2 s */
	assert_true(m.rows[0].d_req == 40000 && m.rows[0].d_alloc_bytes == 51200);
	assert_true(m.rows[0].d_slack == 11200);
	assert_true(m.rows[0].rate_pingpong == 1.5);
	assert_true(m.rows[0].tot_allocs == 1000 && m.rows[0].tot_bytes == 128000);
	assert_true(m.rows[0].live == 3 && m.rows[0].live_bytes == 384);
	/* the page caller: kind "page", attach.page and events.page_alloc */
	assert_int_equal(m.rows[1].kclass, KIND_PAGE);
	assert_string_equal(m.rows[1].kind, "page");
	assert_true(m.rows[1].tot_allocs == 30);
	assert_non_null(strstr(m.attach, "page tracepoint"));
	assert_true(m.ev_page == 25); /* 50 in 2 s */
	assert_true(m.ev_kmalloc == 200);
	assert_true(m.drops == 4); /* live_full 3 + recursion 1 */
	assert_true(m.uptime_s == 12 && m.duration_s == 2 && m.page_size == 4096);
	assert_true(m.has_meminfo && m.memfree == 1 && m.slab == 2 && m.sunreclaim == 4 &&
		    m.vmalloc_used == 5);
	assert_int_equal(m.pageblock_order, 9);
	assert_int_equal(m.nr_zones, 1);
	assert_true(m.zones[0].free[1] == 85 && m.zones[0].frag[2] == 0.953);
	top_model_free(&m);
}

/* the daemon's status document through `kmemscope status` */
static void test_status_through_printer(void **state)
{
	__u64 cnt[KMS_CNT_NR] = {};
	cJSON *att = cJSON_CreateObject(), *o, *parsed;
	char *text, *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	cnt[KMS_CNT_DROP_SITES] = 7;
	cJSON_AddStringToObject(att, FLD_ATT_KMALLOC, "raw_tracepoint");
	cJSON_AddStringToObject(att, FLD_ATT_KMEM_CACHE, "tracepoint");
	cJSON_AddStringToObject(att, FLD_ATT_VMALLOC, "fentry");
	o = schema_status(&(struct schema_status){ .pid = 4321,
						   .uptime_ns = 90061000000000ULL,
						   .seq = 360,
						   .segment_bytes = 1048576,
						   .segments = 12,
						   .disk_bytes = 2048,
						   .version = "0.1.0",
						   .segment = "/var/lib/kmemscope/seg.active",
						   .state_dir = "/var/lib/kmemscope",
						   .config = "/etc/kmemscope/kmemscope.conf",
						   .prom_textfile = "/var/lib/node/kms.prom",
						   .interval_s = 10,
						   .events_per_s = 7075,
						   .counters = cnt,
						   .recursion = 40,
						   .attach = att,
						   .ok = false,
						   .error = "cannot write: No space left on device",
						   .queued_bytes = 4096,
						   .intervals_dropped = 2,
						   .queued_intervals = 3,
						   .compressions = 9 });
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(strstr(text, "\"queued_intervals\":3,\"compressions\":9}"));
	parsed = cJSON_Parse(text);
	free(text);
	f = open_memstream(&out, &len);
	assert_int_equal(status_print(f, parsed), 0);
	fclose(f);
	cJSON_Delete(parsed);
	assert_non_null(strstr(out, "kmemscope daemon 0.1.0, pid 4321, up 1d 01:01:01"));
	assert_non_null(strstr(out, "interval 10s (360 so far)"));
	assert_non_null(strstr(out, "kmalloc=raw_tracepoint kmem_cache=tracepoint vmalloc=fentry"));
	assert_non_null(strstr(out, "sites_full 7"));
	assert_non_null(strstr(out, "recursion 40"));
	assert_non_null(strstr(out, "/var/lib/kmemscope/seg.active"));
	assert_non_null(strstr(out, "/var/lib/kmemscope: 12 segments"));
	assert_non_null(strstr(out, "FAILING: cannot write: No space left on device"));
	assert_non_null(strstr(out, "2 intervals not kept"));
	assert_non_null(strstr(out, "/etc/kmemscope/kmemscope.conf"));
	assert_non_null(strstr(out, "/var/lib/node/kms.prom"));
	free(out);
	/* anything else is refused */
	parsed = schema_rec(REC_STATE, 1);
	f = open_memstream(&out, &len);
	assert_int_equal(status_print(f, parsed), -1);
	fclose(f);
	free(out);
	cJSON_Delete(parsed);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* docs/export-format.md names every record type and field, as `x` or "x" */
static void test_docs_name_every_field(void **state)
{
	char *doc = slurp("docs/export-format.md");
	char want[160];

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < schema_nr_records; i++) {
		const struct schema_record *sr = &schema_records[i];

		snprintf(want, sizeof(want), "## `%s`", sr->type);
		if (!strstr(doc, want) &&
		    !strstr(doc, (snprintf(want, sizeof(want), "### `%s`", sr->type), want)))
			fail_msg("docs/export-format.md has no section for record type %s",
				 sr->type);
		for (const char *const *f = sr->fields; *f; f++) {
			const char *name = strrchr(*f, '.') ? strrchr(*f, '.') + 1 : *f;
			char q[160];

			snprintf(want, sizeof(want), "`%s`", name);
			snprintf(q, sizeof(q), "\"%s\"", name);
			if (!strstr(doc, want) && !strstr(doc, q))
				fail_msg("docs/export-format.md does not mention field %s of %s",
					 *f, sr->type);
		}
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builders_write_every_field),
		cmocka_unit_test(test_export_round_trip),
		cmocka_unit_test(test_export_through_report),
		cmocka_unit_test(test_site_rest_keeps_totals),
		cmocka_unit_test(test_state_through_top),
		cmocka_unit_test(test_status_through_printer),
		cmocka_unit_test(test_docs_name_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
