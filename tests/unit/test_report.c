// SPDX-License-Identifier: GPL-2.0
/*
 * Report aggregation: time buckets that widen on long inputs, the size-class
 * method (exact vs estimated), sort keys, the time window, the last
 * correlation window, folded stacks, exact totals past the daemon's
 * top_sites (site_rest), LIVE as a lower bound (live_untracked) and implied
 * frees in leak suspects. Input from tests/data (synthetic) or generated here.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ndjson_reader.h"
#include "report_advise.h"
#include "report_diff.h"
#include "report_folded.h"
#include "report_ingest.h"
#include "report_html.h"
#include "report_json.h"
#include "report_notes.h"
#include "report_rank.h"
#include "report_slab.h"
#include "report_text.h"

#define T0 1800000000000000000ULL
#define SEC 1000000000ULL

static void feed_str(struct report *rp, const char *s)
{
	struct ndjson_reader *r = nr_open_mem(s, strlen(s), "mem", NR_STRICT);

	assert_non_null(r);
	assert_int_equal(report_read(rp, r), 0);
	nr_close(r);
}

static void feed_file(struct report *rp, const char *name)
{
	char path[256];
	struct ndjson_reader *r;

	snprintf(path, sizeof(path), "tests/data/%s", name);
	r = nr_open(path, NR_STRICT);
	assert_non_null(r);
	assert_int_equal(report_read(rp, r), 0);
	nr_close(r);
}

static struct rp_site *find(struct report *rp, const char *site)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		if (!strcmp(rp->sites[i]->site, site))
			return rp->sites[i];
	}
	return NULL;
}

/* 1000 one-second intervals: buckets widen, sums and the leak survive */
static void test_long_series(void **state)
{
	struct rp_opts o = { .top = 20 };
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	struct report rp;
	struct rp_site *s;
	double allocs = 0;

	(void)state;
	assert_non_null(buf);
	len += snprintf(buf + len, cap - len,
			"{\"type\":\"header\",\"schema\":1,\"start_ns\":%llu,\"interval_s\":1}\n",
			T0);
	for (int i = 1; i <= 1000; i++)
		len += snprintf(
			buf + len, cap - len,
			"{\"type\":\"interval\",\"seq\":%d,\"end_ns\":%llu,\"duration_s\":1}\n"
			"{\"type\":\"site\",\"seq\":%d,\"kind\":\"kmalloc\",\"caller\":\"leaky\",\"site\":\"leaky+0x1\",\"allocs\":1,\"bytes_req\":10,\"bytes_alloc\":16,\"live\":%d,\"live_bytes\":%d,\"sizes\":{\"8\":1}}\n",
			i, T0 + i * SEC, i, i, i * 16);
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, buf);
	report_finish(&rp);
	s = find(&rp, "leaky+0x1");
	assert_non_null(s);
	assert_int_equal(s->allocs, 1000);
	assert_true(s->ser.len <= RP_MAX_BUCKETS);
	assert_true(rp.b_hi - rp.b_lo < RP_MAX_BUCKETS);
	assert_int_equal(rp.bucket_ns, 8 * SEC);
	for (size_t i = 0; i < s->ser.len; i++)
		allocs += s->ser.v[i].allocs;
	assert_int_equal((int)allocs, 1000);
	assert_int_equal(rp.nr_leaks, 1);
	assert_true(s->growth > 15.99 && s->growth < 16.01);
	assert_int_equal(s->live_from, 16);
	assert_int_equal(s->live_to, 16000);
	assert_int_equal(rp.intervals, 1000);
	report_free(&rp);
	free(buf);
}

static void test_size_classes(void **state)
{
	struct rp_opts o = { .top = 20 };
	struct report rp;
	struct rp_site *hog, *mixed;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	hog = find(&rp, "hog_alloc+0x10");
	mixed = find(&rp, "mixed_alloc+0x20");
	assert_non_null(hog);
	assert_non_null(mixed);
	/* 100 then 1000 requests of 100 bytes, 128 each: uniform, exact */
	assert_int_equal(hog->nr_parts, 1);
	assert_int_equal(hog->parts[0].size, 128);
	assert_false(hog->parts[0].estimated);
	assert_int_equal(hog->parts[0].alloc - hog->parts[0].req, 30800);
	/* 64 + 200 requested, 64 + 256 allocated: average 160 is no class */
	assert_int_equal(mixed->nr_parts, 2);
	assert_int_equal(mixed->parts[0].size, 128);
	assert_true(mixed->parts[0].estimated);
	assert_int_equal(mixed->parts[0].allocs + mixed->parts[1].allocs, 2);
	assert_int_equal(mixed->parts[0].req + mixed->parts[1].req, 264);
	assert_int_equal(mixed->parts[0].alloc + mixed->parts[1].alloc, 320);
	assert_int_equal(mixed->parts[1].size, 256);
	/* the class rows: slack sorted, 128 first */
	assert_int_equal(rp.nr_classes, 2);
	assert_int_equal(rp.classes[0].size, 128);
	assert_true(rp.classes[0].top[0] == hog);
	report_free(&rp);
}

/*
 * alloc_sizes (the kernel keys kmalloc sites by size class): the classes are
 * exact, where the histogram alone would estimate them. msgsnd(333) is
 * kmalloc(381) -> 512, msgsnd(100) kmalloc(148) -> 192; an older record
 * of another site keeps the estimate.
 */
static void test_exact_size_classes(void **state)
{
	static const char in[] =
		"{\"type\":\"header\",\"schema\":1,\"start_ns\":1800000000000000000,\"interval_s\":1}\n"
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"load_msg\",\"site\":\"load_msg+0x41\","
		"\"allocs\":1332,\"bytes_req\":378177,\"bytes_alloc\":504384,\"sizes\":{\"128\":555,\"256\":777},"
		"\"alloc_sizes\":{\"192\":{\"allocs\":555,\"bytes_req\":82140},\"512\":{\"allocs\":777,\"bytes_req\":296037}}}\n"
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"old\",\"site\":\"old+0x1\","
		"\"allocs\":2,\"bytes_req\":264,\"bytes_alloc\":320,\"sizes\":{\"64\":1,\"128\":1}}\n";
	struct rp_opts o = { .top = 20 };
	struct report rp;
	struct rp_site *m;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, in);
	report_finish(&rp);
	m = find(&rp, "load_msg+0x41");
	assert_non_null(m);
	assert_int_equal(m->nr_asizes, 2);
	assert_int_equal(m->asizes[0].size, 192);
	assert_int_equal(m->asizes[0].allocs, 555);
	assert_int_equal(m->asizes[1].size, 512);
	assert_int_equal(m->asizes[1].req, 296037);
	for (size_t i = 0; i < rp.nr_classes; i++) {
		const struct rp_class *c = &rp.classes[i];

		if (c->size == 512) {
			assert_false(c->estimated);
			assert_int_equal(c->allocs, 777);
			assert_int_equal(c->slack, 777 * 512 - 296037);
		} else if (c->size == 192) {
			assert_false(c->estimated);
			assert_int_equal(c->slack, 555 * 192 - 82140);
		} else {
			assert_true(c->estimated); /* old+0x1: 128 and 256 */
		}
	}
	assert_int_equal(rp.nr_classes, 4);
	report_free(&rp);
}

/* n one-second intervals of host h, site x with allocs[i] allocations of 512 */
static void diff_input_with(struct report *rp, const char *h, int n, const int *allocs,
			    const char *extra)
{
	char buf[8192];
	size_t len = 0;

	len += snprintf(buf + len, sizeof(buf) - len,
			"{\"type\":\"header\",\"schema\":1,\"hostname\":\"%s\",\"kernel\":\"6.18\","
			"\"machine\":\"x86_64\",\"start_ns\":%llu,\"interval_s\":1}\n",
			h, T0);
	for (int i = 1; i <= n; i++)
		len += snprintf(
			buf + len, sizeof(buf) - len,
			"{\"type\":\"interval\",\"seq\":%d,\"end_ns\":%llu,\"duration_s\":1}\n"
			"{\"type\":\"site\",\"seq\":%d,\"kind\":\"kmalloc\",\"caller\":\"x\",\"site\":\"x+0x1\","
			"\"allocs\":%d,\"bytes_req\":%d,\"bytes_alloc\":%d,\"sizes\":{\"256\":%d},"
			"\"alloc_sizes\":{\"512\":{\"allocs\":%d,\"bytes_req\":%d}}}\n",
			i, T0 + i * SEC, i, allocs[i - 1], allocs[i - 1] * 381, allocs[i - 1] * 512,
			allocs[i - 1], allocs[i - 1], allocs[i - 1] * 381);
	len += snprintf(buf + len, sizeof(buf) - len, "%s", extra);
	assert_int_equal(report_init(rp, &(struct rp_opts){ .top = 20 }), 0);
	feed_str(rp, buf);
	report_finish(rp);
}

static void diff_input(struct report *rp, const char *h, int n, const int *allocs)
{
	diff_input_with(rp, h, n, allocs, "");
}

/*
 * --diff: B - A per site and per size class; same lengths compare counts,
 * different lengths rates; Welch's t on the per-interval rates (hand
 * computed: A 10,12,8,10 mean 10 var 8/3; B 20,22,18,20 mean 20 var 8/3:
 * t = 10 / sqrt(2 * (8/3) / 4) = 8.66); different hosts refused.
 */
static void test_diff(void **state)
{
	static const int a4[] = { 10, 12, 8, 10 }, b4[] = { 20, 22, 18, 20 };
	static const int a2[] = { 10, 10 }, b8[] = { 10, 10, 10, 10, 10, 10, 10, 10 };
	struct report a, b, c;
	struct rp_diff d;
	char why[256];

	(void)state;
	diff_input(&a, "h1", 4, a4);
	diff_input(&b, "h1", 4, b4);
	assert_null(rp_diff_check(&a, &b, why, sizeof(why)));
	assert_int_equal(rp_diff_build(&d, &a, &b, "A", "B"), 0);
	assert_false(d.per_second);
	assert_int_equal(d.nr_sites, 1);
	assert_true(d.sites[0].a.allocs == 40 && d.sites[0].b.allocs == 80);
	assert_true(rp_diff_delta(&d, d.sites[0].a.allocs, d.sites[0].b.allocs) == 40);
	assert_true(d.sites[0].a.mean == 10 && d.sites[0].b.mean == 20);
	assert_true(d.sites[0].t > 8.66 && d.sites[0].t < 8.67);
	assert_int_equal(d.sites[0].sig, RP_SIG_YES);
	assert_int_equal(d.nr_caches, 1);
	assert_string_equal(d.caches[0].cache, "kmalloc-512");
	assert_true(d.caches[0].b.slack - d.caches[0].a.slack == 40 * (512 - 381));
	assert_false(d.caches[0].slab); /* no slabinfo: live unknown */
	rp_diff_free(&d);
	/* with slabinfo on both sides, a cache row's live is its active objects */
	report_free(&a);
	report_free(&b);
	diff_input_with(&a, "h1", 4, a4,
			"{\"type\":\"slabinfo\",\"seq\":4,\"caches\":[{\"name\":\"kmalloc-512\","
			"\"active_objs\":100,\"num_objs\":128,\"objsize\":512,\"objperslab\":16,"
			"\"pagesperslab\":2}]}\n");
	diff_input_with(&b, "h1", 4, b4,
			"{\"type\":\"slabinfo\",\"seq\":4,\"caches\":[{\"name\":\"kmalloc-512\","
			"\"active_objs\":160,\"num_objs\":176,\"objsize\":512,\"objperslab\":16,"
			"\"pagesperslab\":2}]}\n");
	assert_int_equal(rp_diff_build(&d, &a, &b, "A", "B"), 0);
	assert_true(d.caches[0].slab);
	assert_true(d.caches[0].b.live - d.caches[0].a.live == 60);
	rp_diff_free(&d);
	report_free(&b);
	/* 2 s against 8 s at one rate: per second, no change; too few intervals in A */
	report_free(&a);
	diff_input(&a, "h1", 2, a2);
	diff_input(&b, "h1", 8, b8);
	assert_int_equal(rp_diff_build(&d, &a, &b, "A", "B"), 0);
	assert_true(d.per_second);
	assert_true(rp_diff_delta(&d, d.sites[0].a.allocs, d.sites[0].b.allocs) == 0);
	assert_int_equal(d.sites[0].sig, RP_SIG_UNKNOWN);
	rp_diff_free(&d);
	diff_input(&c, "h2", 2, a2);
	assert_non_null(rp_diff_check(&a, &c, why, sizeof(why)));
	assert_non_null(strstr(why, "A is from host h1, B from host h2"));
	report_free(&a);
	report_free(&b);
	report_free(&c);
}

/*
 * Right-sizing, hand computed (4 KiB pages). Slab cost of an object: 384 B
 * in an order-0 slab holds 10, tail 256 B (= 4096/16, accepted): 409.6 B
 * each; 2368 B (the object of the upstream kmalloc-4k -> own cache move)
 * needs order 3 (tails 1728, 1088, 2176 exceed 1/16; 32768 % 2368 = 1984):
 * 2368 + 1984/13.
 */
static void test_right_sizing(void **state)
{
	struct rp_site s = { .kind = "kmalloc", .site = "load_msg+0x41", .live = 100 };
	struct rp_asize z = { 512, 777, 777 * 381 };
	struct rp_asize two[] = { { 192, 555, 555 * 148 }, { 512, 777, 777 * 381 } };
	struct rp_advice a;

	(void)state;
	assert_true(fabs(rp_slab_obj_cost(384, 4096) - 409.6) < 1e-9);
	assert_true(fabs(rp_slab_obj_cost(381, 4096) - 409.6) < 1e-9); /* aligned to 8 first */
	assert_true(fabs(rp_slab_obj_cost(2368, 4096) - (2368 + 1984.0 / 13)) < 1e-9);
	assert_true(fabs(rp_slab_obj_cost(512, 4096) - 512) < 1e-9);
	/* 777 msgsnd(333): kmalloc(381) in kmalloc-512, one request size */
	s.sizes[8] = 777; /* [256, 512) */
	s.asizes = &z;
	s.nr_asizes = 1;
	assert_int_equal(rp_advise_site(&s, 4096, 2.0, &a), 0);
	assert_true(a.fixed);
	assert_true(a.slack == 777 * 131);
	assert_int_equal(a.obj, 384);
	assert_true(fabs(a.dedicated_slack - (777 * 409.6 - 777 * 381)) < 1e-6);
	assert_true(fabs(a.dedicated_saved - 79564.8) < 1e-6);
	assert_int_equal(a.trim_class, 512);
	assert_int_equal(a.trim_to, 256);
	assert_int_equal(a.trim_by, 125);
	assert_true(a.trim_saved == 777 * 256);
	assert_true(a.best_saved == 198912);
	assert_true(a.saved_per_s == 99456);
	assert_true(fabs(a.saved_at_live - 25600) < 1e-6);
	/* plus 555 msgsnd(100) in kmalloc-192: two sizes, the object is the largest request
	 * the histogram allows (511): 512, no saving; trimming still saves 777 x 256 */
	s.sizes[7] = 555;
	s.asizes = two;
	s.nr_asizes = 2;
	assert_int_equal(rp_advise_site(&s, 4096, 2.0, &a), 0);
	assert_false(a.fixed);
	assert_int_equal(a.obj, 512);
	assert_true(a.dedicated_saved == 0);
	assert_true(a.trim_saved == 777 * 256);
	/* not advised: no alloc_sizes; too little slack (3 x 131 B) */
	s.nr_asizes = 0;
	assert_int_equal(rp_advise_site(&s, 4096, 2.0, &a), -1);
	z.allocs = 3;
	z.req = 3 * 381;
	s.asizes = &z;
	s.nr_asizes = 1;
	assert_int_equal(rp_advise_site(&s, 4096, 2.0, &a), -1);
}

static void test_sort_keys(void **state)
{
	struct rp_opts o = { .top = 20 };
	struct report rp;

	(void)state;
	o.sort = RP_SORT_GFP;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	/* the only site with two GFP combinations */
	assert_string_equal(rp.sites[0]->site, "mixed_alloc+0x20");
	report_free(&rp);
	o.sort = RP_SORT_LIVE;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	assert_string_equal(rp.sites[0]->site, "bpf_map_area_alloc+0x3");
	assert_int_equal(rp.sites[0]->live_bytes, 16384);
	report_free(&rp);
	for (int k = 0; k < RP_SORT_NR; k++) {
		enum rp_sort back;

		assert_int_equal(rp_sort_parse(rp_sort_name(k), &back), 0);
		assert_int_equal(back, k);
	}
	assert_int_not_equal(rp_sort_parse("size", &o.sort), 0);
}

static void test_window_and_correlation(void **state)
{
	struct rp_opts o = { .top = 20, .since_ns = T0 + 2500000000ULL };
	struct report rp;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	/* seq 3 and 4 only: hog_alloc (seq 1, 2) is outside */
	assert_null(find(&rp, "hog_alloc+0x10"));
	assert_non_null(find(&rp, "mixed_alloc+0x20"));
	assert_int_equal(rp.intervals, 2);
	assert_int_equal(rp.zones[0]->snapshots, 2);
	assert_int_equal(rp.zones[0]->ran_out, 0);
	/* the last window's two records, by r */
	assert_int_equal(rp.nr_corr, 2);
	assert_string_equal(rp.corr[0].caller, "hog_alloc");
	assert_true(rp.corr[0].r > 0.86 && rp.corr[0].r < 0.88);
	report_free(&rp);
}

/* report --folded's output for one weight on a fixture */
static char *folded(const char *file, int weight)
{
	struct rp_opts o = { .top = 20, .folded_weight = weight };
	char *out = NULL;
	struct report rp;
	size_t len = 0;
	FILE *f;

	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, file);
	report_finish(&rp);
	f = open_memstream(&out, &len);
	assert_int_equal(report_print_folded(f, &rp), 0);
	fclose(f);
	report_free(&rp);
	return out;
}

/*
 * Sampled stacks scaled to their site's exact totals over the recording:
 * load_msg (kmalloc) has 15 allocations, 1500 bytes, slack 600, 400 live
 * bytes at the end; its samples are 4 allocations (400 bytes, slack 160) on
 * one stack and 1 (100, slack 40) on another, 100 live bytes on each at the
 * end. A kmem_cache site with the same stack stays a line of its own, a
 * site without samples is one frame, and odd's 10 bytes over three equal
 * samples put the remainder on the first.
 */
static void test_folded_scaled(void **state)
{
	static const char *const want[] = {
		[RP_WEIGHT_BYTES] = "a+0x1;odd+0x1 4\n"
				    "b+0x1;odd+0x1 3\n"
				    "c+0x1;odd+0x1 3\n"
				    "do_syscall_64+0x71;compat_msgsnd+0x20;load_msg+0x10 300\n"
				    "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 1200\n"
				    "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 96\n"
				    "lonely+0x10 128\n",
		[RP_WEIGHT_COUNT] = "a+0x1;odd+0x1 4\n"
				    "b+0x1;odd+0x1 3\n"
				    "c+0x1;odd+0x1 3\n"
				    "do_syscall_64+0x71;compat_msgsnd+0x20;load_msg+0x10 3\n"
				    "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 12\n"
				    "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 3\n"
				    "lonely+0x10 2\n",
		[RP_WEIGHT_SLACK] = "do_syscall_64+0x71;compat_msgsnd+0x20;load_msg+0x10 120\n"
				    "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 480\n"
				    "lonely+0x10 28\n",
		[RP_WEIGHT_LIVE_BYTES] = "do_syscall_64+0x71;compat_msgsnd+0x20;load_msg+0x10 200\n"
					 "do_syscall_64+0x71;do_msgsnd+0x8c;load_msg+0x10 200\n",
	};

	(void)state;
	for (int w = RP_WEIGHT_BYTES; w <= RP_WEIGHT_LIVE_BYTES; w++) {
		char *out = folded("synthetic-stacks.ndjson", w);

		assert_string_equal(out, want[w]);
		free(out);
	}
	/* no overflow on the product; nothing to share */
	assert_int_equal(rp_scale(1ULL << 53, 1ULL << 52, 1ULL << 53), 1ULL << 52);
	assert_int_equal(rp_scale(100, 0, 0), 0);
}

static void test_folded(void **state)
{
	struct rp_opts o = { .top = 20 };
	char *out = NULL;
	struct report rp;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	f = open_memstream(&out, &len);
	assert_int_equal(report_print_folded(f, &rp), 0);
	fclose(f);
	assert_string_equal(
		out,
		"bpf_map_area_alloc+0x3;vmalloc_user+0x2;__vmalloc_node_range+0x1 16384\n"
		"do_syscall_64+0x80;compact_me+0x5;alloc_pages_mpol+0x20;__alloc_pages+0x10 327680\n");
	free(out);
	report_free(&rp);
	/* no stacks: nothing, and 1 */
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-pageblock10.ndjson");
	report_finish(&rp);
	f = open_memstream(&out, &len);
	assert_int_equal(report_print_folded(f, &rp), 1);
	fclose(f);
	assert_int_equal(len, 0);
	free(out);
	report_free(&rp);
}

/* header of host h started at T0 + start s, then intervals first..last with one site each */
static char *run_str(const char *h, int s, int first, int last)
{
	size_t cap = 1 << 15, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	len += snprintf(
		buf + len, cap - len,
		"{\"type\":\"header\",\"schema\":1,\"hostname\":\"%s\",\"start_ns\":%llu,\"interval_s\":1}\n",
		h, T0 + s * SEC);
	for (int i = first; i <= last; i++)
		len += snprintf(
			buf + len, cap - len,
			"{\"type\":\"interval\",\"seq\":%d,\"end_ns\":%llu,\"duration_s\":1,\"events\":{\"kmalloc\":3}}\n"
			"{\"type\":\"site\",\"seq\":%d,\"kind\":\"kmalloc\",\"caller\":\"f\",\"site\":\"f+0x1\",\"allocs\":3,\"bytes_req\":24,\"bytes_alloc\":24}\n",
			i, T0 + (s + i) * SEC, i);
	assert_true(len < cap);
	return buf;
}

static void feed_named(struct report *rp, const char *s, const char *name)
{
	struct ndjson_reader *r = nr_open_mem(s, strlen(s), name, NR_STRICT);

	assert_non_null(r);
	assert_int_equal(report_read(rp, r), 0);
	nr_close(r);
}

/* intervals, seconds, events and site allocs of what was fed, after report_finish() */
static void assert_totals(struct report *rp, int intervals)
{
	struct rp_site *s;

	report_finish(rp);
	s = find(rp, "f+0x1");
	assert_non_null(s);
	assert_int_equal(rp->intervals, intervals);
	assert_true(rp->seconds == intervals);
	assert_int_equal(rp->events[0], 3 * intervals);
	assert_int_equal(s->allocs, 3 * intervals);
	assert_int_equal(s->bytes_alloc, 24 * intervals);
}

/* The same run read twice (two files, or one file repeated) counts once. */
static void test_duplicate_input(void **state)
{
	char *a = run_str("vm", 0, 1, 30), *b = run_str("vm", 0, 20, 40);
	char *other_host = run_str("vm2", 0, 1, 30), *other_start = run_str("vm", 100, 1, 30);
	struct rp_opts o = { .top = 20 };
	char *twice = malloc(2 * strlen(a) + 1);
	struct report rp;

	(void)state;
	assert_non_null(twice);
	/* 60 copies of one file: 30 intervals, one warning per repeating input */
	assert_int_equal(report_init(&rp, &o), 0);
	for (int i = 0; i < 60; i++)
		feed_named(&rp, a, i ? "copy.ndjson" : "run.ndjson");
	assert_int_equal(rp.nr_inputs, 60);
	assert_int_equal(rp.dup_inputs, 59);
	assert_int_equal(rp.dup_records, 59 * 60);
	assert_totals(&rp, 30);
	report_free(&rp);
	/* overlapping ranges: 1..30 and 20..40 are 40 intervals */
	assert_int_equal(report_init(&rp, &o), 0);
	feed_named(&rp, a, "a");
	feed_named(&rp, b, "b");
	assert_int_equal(rp.dup_inputs, 1);
	assert_totals(&rp, 40);
	report_free(&rp);
	/* one input holding the run twice (cat run run) */
	strcpy(twice, a);
	strcat(twice, a);
	assert_int_equal(report_init(&rp, &o), 0);
	feed_named(&rp, twice, "twice");
	assert_int_equal(rp.dup_inputs, 1);
	assert_totals(&rp, 30);
	report_free(&rp);
	/* another host, or another start time, is another run: all counted */
	assert_int_equal(report_init(&rp, &o), 0);
	feed_named(&rp, a, "a");
	feed_named(&rp, other_host, "host2");
	feed_named(&rp, other_start, "restart");
	assert_int_equal(rp.dup_inputs, 0);
	assert_totals(&rp, 90);
	report_free(&rp);
	free(a);
	free(b);
	free(twice);
	free(other_host);
	free(other_start);
}

/* the three writers' output of a finished report, for the notes they must carry */
struct outputs {
	char *text, *json, *html;
};

static char *write_out(struct report *rp, int which)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	cJSON *j;

	if (which == 1) {
		j = report_json(rp);
		buf = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		return buf;
	}
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (which == 0)
		report_print_text(f, rp);
	else
		assert_int_equal(report_write_html(f, rp), 0);
	fclose(f);
	return buf;
}

static void outputs(struct report *rp, struct outputs *o)
{
	o->text = write_out(rp, 0);
	o->json = write_out(rp, 1);
	o->html = write_out(rp, 2);
}

static void outputs_free(struct outputs *o)
{
	free(o->text);
	free(o->json);
	free(o->html);
}

static void read_fixture(struct report *rp, const struct rp_opts *o, const char *name)
{
	assert_int_equal(report_init(rp, o), 0);
	feed_file(rp, name);
	report_finish(rp);
}

/* the JSON site object of one site in an array, by "site" */
static const cJSON *json_site(const cJSON *a, const char *site)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, a)
	{
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "site")), site))
			return it;
	}
	fail_msg("no %s in the JSON array", site);
	return NULL;
}

/* live table full: LIVE of load_msg is a lower bound, marked in every writer, with the fix */
static void test_live_lower_bound(void **state)
{
	struct rp_opts o = { .top = 20 };
	const cJSON *sites, *leak;
	struct outputs out;
	struct report rp;
	char note[RP_NOTE_LEN];
	cJSON *j;

	(void)state;
	read_fixture(&rp, &o, "synthetic-live-untracked.ndjson");
	/* a current value: the last interval's, not a sum */
	assert_int_equal(find(&rp, "load_msg+0x3a")->live_untracked, 2000);
	assert_int_equal(find(&rp, "quiet_alloc+0x10")->live_untracked, 0);
	assert_int_equal(rp.untracked_sites, 1);
	assert_int_equal(rp.untracked, 2000);
	assert_int_equal(rp.live_entries, 1024);
	/* 1024 entries + 2000 untracked: the next power of two */
	assert_int_equal(rp_live_entries_hint(&rp), 4096);
	assert_true(rp_note_live_lower(&rp, note, sizeof(note)));
	assert_non_null(strstr(note, "record --live-entries 4096"));
	assert_non_null(strstr(note, "live_entries = 4096"));
	assert_false(rp_note_cut(&rp, note, sizeof(note)));
	/* the site still grew: a suspect whose end value is a lower bound */
	assert_int_equal(rp.nr_leaks, 1);
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, ">=1000 "));
	assert_non_null(strstr(out.text, "  Hint: LIVE of 1 site is a lower bound"));
	assert_non_null(strstr(out.text, "Live at the end          >=1024 objects"));
	assert_non_null(strstr(out.text, ">=125K"));
	assert_null(strstr(out.text, ">=24"));
	j = cJSON_Parse(out.json);
	assert_non_null(j);
	sites = cJSON_GetObjectItem(j, "sites");
	assert_true(cJSON_IsTrue(
		cJSON_GetObjectItem(json_site(sites, "load_msg+0x3a"), "live_lower_bound")));
	assert_true(cJSON_IsFalse(
		cJSON_GetObjectItem(json_site(sites, "quiet_alloc+0x10"), "live_lower_bound")));
	assert_int_equal(cJSON_GetObjectItem(json_site(sites, "load_msg+0x3a"), "live_untracked")
				 ->valuedouble,
			 2000);
	leak = json_site(cJSON_GetObjectItem(j, "leak_suspects"), "load_msg+0x3a");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(leak, "live_lower_bound")));
	assert_true(cJSON_IsTrue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "live_lower_bound")));
	assert_non_null(
		strstr(cJSON_GetStringValue(cJSON_GetArrayItem(
			       cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "notes"), 0)),
		       "--live-entries 4096"));
	cJSON_Delete(j);
	assert_non_null(strstr(out.html, "<td class=\"n lb\""));
	assert_non_null(strstr(out.html, "&ge;1000</td>"));
	assert_non_null(strstr(out.html, "id=\"livelower\""));
	outputs_free(&out);
	report_free(&rp);
}

/* objects that end as implied frees (kfree_rcu -> kfree_bulk): not a leak, and said so */
static void test_implied_frees_not_leaks(void **state)
{
	struct rp_opts o = { .top = 20 };
	const cJSON *nl;
	struct outputs out;
	struct report rp;
	cJSON *j;

	(void)state;
	read_fixture(&rp, &o, "synthetic-implied-frees.ndjson");
	assert_int_equal(find(&rp, "do_epoll_ctl+0x2f1")->implied_frees, 2800);
	assert_int_equal(rp.total->implied_frees, 2800 + 20);
	/* leaky (no frees at all) and mixed (few implied) stay; do_epoll_ctl goes */
	assert_int_equal(rp.nr_leaks, 2);
	assert_string_equal(rp.leaks[0]->site, "mixed+0x2");
	assert_string_equal(rp.leaks[1]->site, "leaky+0x1");
	assert_int_equal(rp.nr_implied, 1);
	assert_string_equal(rp.implied[0]->site, "do_epoll_ctl+0x2f1");
	assert_int_equal(rp.untracked_sites, 0);
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, " IMPLIED "));
	assert_non_null(strstr(out.text, "do_epoll_ctl+0x2f1: not a leak suspect: 2800 of its "
					 "objects ended as implied frees"));
	assert_non_null(strstr(out.text, "2820 implied"));
	assert_non_null(strstr(out.text, "5.0K/s  (20 implied frees)\n"));
	assert_null(strstr(out.text, "Hint:"));
	j = cJSON_Parse(out.json);
	assert_non_null(j);
	nl = cJSON_GetObjectItem(j, "not_leak_suspects");
	assert_int_equal(cJSON_GetArraySize(nl), 1);
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(
				       json_site(nl, "do_epoll_ctl+0x2f1"), "reason")),
			       "kfree_bulk"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "leak_suspects")), 2);
	assert_int_equal(cJSON_GetObjectItem(
				 json_site(cJSON_GetObjectItem(j, "sites"), "do_epoll_ctl+0x2f1"),
				 "implied_frees")
				 ->valuedouble,
			 2800);
	cJSON_Delete(j);
	assert_non_null(strstr(out.html, "<th>implied frees</th>"));
	assert_non_null(
		strstr(out.html, "<p class=\"note implied\">do_epoll_ctl+0x2f1: not a leak"));
	outputs_free(&out);
	report_free(&rp);
}

/* top_sites = 1: totals are the kernel's counts, the sites' ranking is not touched */
static void test_site_rest_totals(void **state)
{
	struct rp_opts o = { .top = 20 };
	const cJSON *sum, *cut;
	struct outputs out;
	struct report rp;
	char note[RP_NOTE_LEN];
	cJSON *j;

	(void)state;
	read_fixture(&rp, &o, "synthetic-site-rest.ndjson");
	assert_int_equal(rp.nr_sites, 1);
	assert_int_equal(find(&rp, "big_alloc+0x10")->allocs, 1500);
	/* the interval records' events: kmalloc 530 + 500 + 530, kfree 215 + 205 + 215 */
	assert_int_equal(rp.total->allocs + rp.total->failed, rp.events[0]);
	assert_int_equal(rp.total->allocs, 1560);
	assert_int_equal(rp.total->frees + rp.unmatched[0], rp.events[1]);
	assert_int_equal(rp.total->bytes_alloc, 3 * 500 * 64 + 2 * 960);
	assert_int_equal(rp.total->bytes_req, 3 * 500 * 60 + 2 * 600);
	assert_int_equal(rp.rest_intervals, 2);
	assert_int_equal(rp.rest_sites, 6);
	assert_int_equal(rp.top_sites, 1);
	/* live totals from the interval records, not site_rest's */
	assert_int_equal(rp.live, 1000);
	/* in the time series too: two buckets with the rest */
	assert_int_equal(rp.rest->ser.len, 3);
	assert_true(rp.rest->ser.v[0].allocs == 30 && rp.rest->ser.v[1].allocs == 0);
	assert_true(rp_note_cut(&rp, note, sizeof(note)));
	assert_string_equal(note, "per-site detail cut in 2 of 3 intervals (top_sites = 1): 60 "
				  "allocations, 1.9K (2.0% of bytes) counted in totals only");
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, "  Note: per-site detail cut in 2 of 3 intervals"));
	assert_non_null(strstr(out.html, "id=\"cut\">per-site detail cut in 2 of 3"));
	j = cJSON_Parse(out.json);
	sum = cJSON_GetObjectItem(j, "summary");
	assert_int_equal(cJSON_GetObjectItem(sum, "allocs")->valuedouble, 1560);
	cut = cJSON_GetObjectItem(sum, "detail_cut");
	assert_int_equal(cJSON_GetObjectItem(cut, "allocs")->valuedouble, 60);
	assert_int_equal(cJSON_GetObjectItem(cut, "top_sites")->valuedouble, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "sites")), 1);
	cJSON_Delete(j);
	outputs_free(&out);
	report_free(&rp);
	/* a filter cannot apply to folded sites: they are left out, and said so */
	o.caller = "big_alloc";
	read_fixture(&rp, &o, "synthetic-site-rest.ndjson");
	assert_int_equal(rp.total->allocs, 1500);
	assert_true(rp.rest_filtered);
	assert_false(rp_note_cut(&rp, note, sizeof(note)));
	assert_true(rp_note_rest_filtered(&rp, note, sizeof(note)));
	report_free(&rp);
}

/* a --by comm recording: totals per comm, --comm, charged bytes summed */
static void test_by_comm(void **state)
{
	struct rp_opts o = { .top = 20 };
	struct outputs out;
	struct report rp;
	cJSON *j, *w;

	(void)state;
	read_fixture(&rp, &o, "synthetic-by-comm.ndjson");
	/* the report's sites are call sites: the comms' rows of load_msg add up */
	assert_int_equal(find(&rp, "load_msg+0x41")->allocs, 200);
	assert_int_equal(rp.total->bytes_charged, 23040 + 163840);
	assert_int_equal(rp.nr_owners, 2);
	assert_string_equal(rp.owners[0].name, "kmsq_b"); /* the most bytes first */
	assert_int_equal(rp.owners[0].bytes_alloc, 163840);
	assert_int_equal(rp.owners[1].allocs, 130);
	assert_int_equal(rp.owners[1].bytes_charged, 23040);
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, "\nBY COMM\n"));
	assert_non_null(strstr(out.text, "  Charged to memcg     "));
	assert_non_null(strstr(out.html, "<h2>Top comms</h2>"));
	j = cJSON_Parse(out.json);
	w = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "owners"), 1);
	assert_string_equal(cJSON_GetObjectItem(w, "comm")->valuestring, "kmsq_a");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "bytes_charged")
				 ->valuedouble,
			 186880);
	cJSON_Delete(j);
	outputs_free(&out);
	report_free(&rp);
	o.comm = "kmsq_a";
	read_fixture(&rp, &o, "synthetic-by-comm.ndjson");
	assert_int_equal(rp.total->allocs, 130);
	assert_int_equal(rp.nr_owners, 1);
	report_free(&rp);
	o.comm = NULL;
	o.cgroup = "/*"; /* no site has a cgroup: none is wanted */
	read_fixture(&rp, &o, "synthetic-by-comm.ndjson");
	assert_int_equal(rp.total->allocs, 0);
	report_free(&rp);
}

/*
 * --by: one interval's records of a site, one per comm, each with its own
 * live values; a comm without a record in the next interval keeps its own.
 * The site's live values are their sum, the owners stay apart (slices).
 */
static void test_by_live(void **state)
{
	static const char in[] =
		"{\"type\":\"header\",\"schema\":1,\"start_ns\":1800000000000000000,\"interval_s\":1,\"settings\":{\"by\":\"comm\"}}\n"
		"{\"type\":\"interval\",\"seq\":1,\"end_ns\":1800000001000000000,\"duration_s\":1}\n"
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"f\",\"site\":\"f+0x1\",\"comm\":\"a\",\"allocs\":5,\"bytes_req\":50,\"bytes_alloc\":80,\"live\":3,\"live_bytes\":48,\"live_untracked\":1}\n"
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"f\",\"site\":\"f+0x1\",\"comm\":\"b\",\"allocs\":4,\"bytes_req\":40,\"bytes_alloc\":64,\"live\":4,\"live_bytes\":64}\n"
		"{\"type\":\"interval\",\"seq\":2,\"end_ns\":1800000002000000000,\"duration_s\":1}\n"
		"{\"type\":\"site\",\"seq\":2,\"kind\":\"kmalloc\",\"caller\":\"f\",\"site\":\"f+0x1\",\"comm\":\"a\",\"allocs\":1,\"bytes_req\":10,\"bytes_alloc\":16,\"live\":1,\"live_bytes\":16}\n";
	struct rp_opts o = { .top = 20 };
	struct report rp;
	struct rp_site *s;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, in);
	report_finish(&rp);
	s = find(&rp, "f+0x1");
	assert_non_null(s);
	assert_int_equal(s->allocs, 10);
	assert_int_equal(s->live, 1 + 4);
	assert_int_equal(s->live_bytes, 16 + 64);
	assert_int_equal(s->live_untracked, 0);
	assert_int_equal(s->nr_slices, 2);
	assert_string_equal(s->slices[0].owner, "a");
	assert_string_equal(s->slices[0].owner_field, "comm");
	assert_int_equal(s->slices[0].allocs, 6);
	assert_int_equal(s->slices[0].bytes_alloc, 96);
	assert_int_equal(s->slices[1].live_bytes, 64);
	report_free(&rp);
}

/*
 * --by: the live-bytes series is the owners' sum at each interval. Owner a
 * grows 1000 B an interval, owner b holds 100000 B (its one record, in the
 * first interval, stays its latest): the site grows from 101000 to 130000;
 * taken record by record, b's holding hid a's growth (no suspect at all).
 */
static void test_by_live_series(void **state)
{
	struct rp_opts o = { .top = 20 };
	char *in = malloc(64 * 1024), *e;
	struct report rp;
	struct rp_site *s;

	(void)state;
	assert_non_null(in);
	e = in + sprintf(in, "{\"type\":\"header\",\"schema\":1,\"start_ns\":1800000000000000000,"
			     "\"interval_s\":1,\"settings\":{\"by\":\"comm\"}}\n");
	for (int i = 1; i <= 30; i++) {
		e += sprintf(e,
			     "{\"type\":\"interval\",\"seq\":%d,\"end_ns\":18000000%02d000000000,"
			     "\"duration_s\":1}\n"
			     "{\"type\":\"site\",\"seq\":%d,\"kind\":\"kmalloc\",\"caller\":\"f\","
			     "\"site\":\"f+0x1\",\"comm\":\"a\",\"allocs\":1,\"bytes_req\":1000,"
			     "\"bytes_alloc\":1024,\"live\":%d,\"live_bytes\":%d}\n",
			     i, i, i, i, 1000 * i);
		if (i == 1)
			e += sprintf(e,
				     "{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\","
				     "\"caller\":\"f\",\"site\":\"f+0x1\",\"comm\":\"b\","
				     "\"allocs\":100,\"bytes_req\":100000,\"bytes_alloc\":102400,"
				     "\"live\":100,\"live_bytes\":100000}\n");
	}
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, in);
	report_finish(&rp);
	free(in);
	s = find(&rp, "f+0x1");
	assert_non_null(s);
	assert_int_equal(s->live_bytes, 130000);
	assert_int_equal(s->live_from, 101000);
	assert_int_equal(s->live_to, 130000);
	assert_true(s->growth > 999 && s->growth < 1001);
	report_free(&rp);
}

/* files without site_rest, live_untracked, implied_frees: no cut, no bound, no note */
static void test_old_files_no_notes(void **state)
{
	struct rp_opts o = { .top = 20 };
	struct outputs out;
	struct report rp;
	char note[RP_NOTE_LEN], *old = run_str("vm", 0, 1, 5);

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_named(&rp, old, "old.ndjson");
	report_finish(&rp);
	free(old);
	assert_true(rp.nr_sites > 0);
	assert_false(rp_note_cut(&rp, note, sizeof(note)));
	assert_false(rp_note_live_lower(&rp, note, sizeof(note)));
	assert_int_equal(rp.total->implied_frees, 0);
	assert_int_equal(rp.nr_implied, 0);
	outputs(&rp, &out);
	assert_null(strstr(out.text, "Note:"));
	assert_null(strstr(out.text, "Hint:"));
	assert_null(strstr(out.text, ">="));
	assert_non_null(strstr(out.json, "\"detail_cut\":null"));
	assert_null(strstr(out.json, "\"live_lower_bound\":true"));
	assert_null(strstr(out.html, "class=\"note warn\""));
	outputs_free(&out);
	report_free(&rp);
}

/*
 * Slab view: the last snapshot's figures, memory in whole slabs (21 objects
 * of 192 B per order-0 slab: 43 objects need 3 slabs, 12 KiB), first and
 * peak memory, aliases; caches sorted by memory at the last snapshot.
 */
static void test_slab_view(void **state)
{
	static const char in[] =
		"{\"type\":\"header\",\"schema\":1,\"page_size\":4096,\"start_ns\":1800000000000000000,\"interval_s\":1}\n"
		"{\"type\":\"interval\",\"seq\":1,\"end_ns\":1800000001000000000,\"duration_s\":1}\n"
		"{\"type\":\"slabinfo\",\"seq\":1,\"caches\":["
		"{\"name\":\"dentry\",\"active_objs\":40,\"num_objs\":42,\"objsize\":192,\"objperslab\":21,\"pagesperslab\":1},"
		"{\"name\":\"signal_cache\",\"active_objs\":10,\"num_objs\":14,\"objsize\":1152,\"objperslab\":14,\"pagesperslab\":4,"
		"\"aliases\":[\"UNIX\",\"UNIX-STREAM\"]}]}\n"
		"{\"type\":\"interval\",\"seq\":2,\"end_ns\":1800000002000000000,\"duration_s\":1}\n"
		"{\"type\":\"slabinfo\",\"seq\":2,\"caches\":["
		"{\"name\":\"dentry\",\"active_objs\":43,\"num_objs\":63,\"objsize\":192,\"objperslab\":21,\"pagesperslab\":1},"
		"{\"name\":\"signal_cache\",\"active_objs\":3,\"num_objs\":14,\"objsize\":1152,\"objperslab\":14,\"pagesperslab\":4,"
		"\"aliases\":[\"UNIX\",\"UNIX-STREAM\"]}]}\n";
	struct rp_opts o = { .top = 20 };
	struct outputs out;
	struct report rp;
	const struct rp_slab *d, *sc;

	(void)state;
	assert_int_equal(rp_slab_memory(43, 21, 1, 4096), 12288);
	assert_int_equal(rp_slab_memory(0, 21, 1, 4096), 0);
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, in);
	report_finish(&rp);
	assert_int_equal(rp.slab_records, 2);
	assert_int_equal(rp.nr_slabs, 2);
	sc = rp.slabs[0]; /* 16 KiB */
	d = rp.slabs[1]; /* 12 KiB */
	assert_string_equal(sc->name, "signal_cache");
	assert_string_equal(sc->aliases, "UNIX, UNIX-STREAM");
	assert_int_equal(sc->active_objs, 3);
	assert_string_equal(d->name, "dentry");
	assert_int_equal(d->num_objs, 63);
	assert_int_equal(d->mem_first, 8192);
	assert_int_equal(d->mem_max, 12288);
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, "signal_cache (merged: UNIX, UNIX-STREAM)"));
	assert_non_null(strstr(out.json, "\"aliases\":[\"UNIX\",\"UNIX-STREAM\"]"));
	assert_non_null(strstr(out.json, "\"utilisation\":0.6825"));
	assert_non_null(strstr(out.html, "signal_cache (merged: UNIX, UNIX-STREAM)"));
	outputs_free(&out);
	report_free(&rp);
}

/* the page allocator section: extfrag by caller and migratetypes, compaction, orders, meminfo */
static void test_page_view(void **state)
{
	static const char in[] =
		"{\"type\":\"header\",\"schema\":1,\"page_size\":4096,\"start_ns\":1800000000000000000,\"interval_s\":1}\n"
		"{\"type\":\"interval\",\"seq\":1,\"end_ns\":1800000001000000000,\"duration_s\":1}\n"
		"{\"type\":\"extfrag\",\"seq\":1,\"caller\":\"alloc_skb\",\"site\":\"alloc_skb+0x1\",\"alloc_order\":0,"
		"\"fallback_order\":3,\"alloc_migratetype\":\"Unmovable\",\"fallback_migratetype\":\"Movable\",\"change_ownership\":true,\"count\":4}\n"
		"{\"type\":\"extfrag\",\"seq\":1,\"caller\":\"alloc_skb\",\"site\":\"alloc_skb+0x1\",\"alloc_order\":0,"
		"\"fallback_order\":9,\"alloc_migratetype\":\"Unmovable\",\"fallback_migratetype\":\"Movable\",\"change_ownership\":false,\"count\":6}\n"
		"{\"type\":\"extfrag\",\"seq\":1,\"caller\":\"filemap_alloc\",\"site\":\"f+0x2\",\"alloc_order\":0,"
		"\"fallback_order\":1,\"alloc_migratetype\":\"Movable\",\"fallback_migratetype\":\"Reclaimable\",\"change_ownership\":false,\"count\":50}\n"
		"{\"type\":\"compaction\",\"seq\":1,\"begin\":3,\"end\":3,\"try_to_compact\":2,\"deferred\":1,\"defer_compaction\":0,\"defer_reset\":0}\n"
		"{\"type\":\"page_alloc\",\"seq\":1,\"order\":3,\"migratetype\":\"Unmovable\",\"gfp\":\"GFP_KERNEL\",\"allocs\":5,\"pages\":40}\n"
		"{\"type\":\"page_free\",\"seq\":1,\"order\":3,\"frees\":2,\"pages\":16}\n"
		"{\"type\":\"meminfo\",\"seq\":1,\"MemFree\":1000,\"Slab\":20}\n"
		"{\"type\":\"interval\",\"seq\":2,\"end_ns\":1800000002000000000,\"duration_s\":1}\n"
		"{\"type\":\"meminfo\",\"seq\":2,\"MemFree\":800,\"Slab\":30}\n";
	struct rp_opts o = { .top = 20 };
	struct outputs out;
	struct report rp;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	feed_str(&rp, in);
	report_finish(&rp);
	assert_int_equal(rp.pv.nr_ext, 2);
	/* the row with steals first, although the other has more fallbacks */
	assert_string_equal(rp.pv.ext[0].caller, "alloc_skb");
	assert_int_equal(rp.pv.ext[0].count, 10);
	assert_int_equal(rp.pv.ext[0].steals, 4);
	assert_int_equal(rp.pv.ext[0].orders, (1 << 3) | (1 << 9));
	assert_int_equal(rp.pv.compact[2], 2);
	assert_int_equal(rp.pv.alloc_pages[3], 40);
	assert_int_equal(rp.pv.free_frees[3], 2);
	assert_true(rp.pv.meminfo[0].first == 1000 && rp.pv.meminfo[0].last == 800);
	assert_true(rp.pv.meminfo[1].max == 30);
	outputs(&rp, &out);
	assert_non_null(strstr(out.text, "PAGE ALLOCATOR"));
	assert_non_null(strstr(out.text, "alloc_skb"));
	assert_non_null(strstr(out.text, "3,9"));
	assert_non_null(strstr(out.json, "\"steals\":4"));
	assert_non_null(strstr(out.json, "\"try_to_compact\":2"));
	assert_non_null(strstr(out.html, "Page allocator"));
	outputs_free(&out);
	report_free(&rp);
	/* buddyinfo snapshots: the heat map, one cell per order and time bucket */
	assert_int_equal(report_init(&rp, &o), 0);
	feed_file(&rp, "synthetic-frag.ndjson");
	report_finish(&rp);
	assert_true(rp.nr_zones > 0);
	assert_true(rp.zones[0]->nr_orders == 11);
	outputs(&rp, &out);
	assert_non_null(strstr(out.html, "free blocks per order over time</h3>"));
	assert_non_null(strstr(out.html, "<title>order 10: "));
	outputs_free(&out);
	report_free(&rp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_series),
		cmocka_unit_test(test_size_classes),
		cmocka_unit_test(test_exact_size_classes),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_right_sizing),
		cmocka_unit_test(test_slab_view),
		cmocka_unit_test(test_page_view),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_window_and_correlation),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_folded_scaled),
		cmocka_unit_test(test_duplicate_input),
		cmocka_unit_test(test_live_lower_bound),
		cmocka_unit_test(test_implied_frees_not_leaks),
		cmocka_unit_test(test_site_rest_totals),
		cmocka_unit_test(test_old_files_no_notes),
		cmocka_unit_test(test_by_comm),
		cmocka_unit_test(test_by_live),
		cmocka_unit_test(test_by_live_series),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
