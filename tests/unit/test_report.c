// SPDX-License-Identifier: GPL-2.0
/*
 * Report aggregation: time buckets that widen on long inputs, the size-class
 * method (exact vs estimated), sort keys, the time window, the last
 * correlation window, folded stacks, exact totals past the daemon's
 * top_sites (site_rest), LIVE as a lower bound (live_untracked) and implied
 * frees in leak suspects. Input from tests/data (synthetic) or generated here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ndjson_reader.h"
#include "report_folded.h"
#include "report_ingest.h"
#include "report_html.h"
#include "report_json.h"
#include "report_notes.h"
#include "report_rank.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_series),
		cmocka_unit_test(test_size_classes),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_window_and_correlation),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_folded_scaled),
		cmocka_unit_test(test_duplicate_input),
		cmocka_unit_test(test_live_lower_bound),
		cmocka_unit_test(test_implied_frees_not_leaks),
		cmocka_unit_test(test_site_rest_totals),
		cmocka_unit_test(test_old_files_no_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
