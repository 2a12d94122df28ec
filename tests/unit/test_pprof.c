// SPDX-License-Identifier: GPL-2.0
/*
 * `report --pprof`: the profile decoded again with libprotobuf-c. Sample
 * types, string table, locations (frames as functions, offsets kept as
 * system names), labels, comments, and the split of a site's exact totals
 * over its sampled stacks (cumulative rounding: the parts add up exactly).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "ndjson_reader.h"
#include "profile.pb-c.h"
#include "report_ingest.h"
#include "report_pprof.h"
#include "report_rank.h"

typedef Perftools__Profiles__Profile pb_profile;

enum { ALLOC_OBJECTS, ALLOC_SPACE, INUSE_OBJECTS, INUSE_SPACE, REQUESTED, SLACK };

static pb_profile *profile_of(const char *fixture)
{
	char tmpl[] = "/tmp/kms-pprof-XXXXXX", path[256];
	static uint8_t buf[1 << 20];
	struct rp_opts o = { .top = 20 };
	struct ndjson_reader *r;
	struct report rp;
	pb_profile *p;
	gzFile gz;
	int fd = mkstemp(tmpl), n;

	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "tests/data/%s", fixture);
	assert_int_equal(report_init(&rp, &o), 0);
	r = nr_open(path, NR_STRICT);
	assert_non_null(r);
	assert_int_equal(report_read(&rp, r), 0);
	nr_close(r);
	report_finish(&rp);
	assert_int_equal(report_write_pprof(tmpl, &rp), 0);
	report_free(&rp);
	gz = gzopen(tmpl, "rb");
	assert_non_null(gz);
	n = gzread(gz, buf, sizeof(buf));
	gzclose(gz);
	unlink(tmpl);
	assert_true(n > 0 && n < (int)sizeof(buf));
	p = perftools__profiles__profile__unpack(NULL, (size_t)n, buf);
	assert_non_null(p);
	return p;
}

static const char *str(const pb_profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

/* the frame ("func+0xoff") of a location id, checking that its function is func */
static const char *frame_of(const pb_profile *p, uint64_t id)
{
	const char *name, *sys;

	for (size_t i = 0; i < p->n_location; i++) {
		if (p->location[i]->id != id)
			continue;
		assert_int_equal(p->location[i]->n_line, 1);
		for (size_t j = 0; j < p->n_function; j++) {
			if (p->function[j]->id != p->location[i]->line[0]->function_id)
				continue;
			name = str(p, p->function[j]->name);
			sys = str(p, p->function[j]->system_name);
			assert_int_equal(strncmp(sys, name, strlen(name)), 0);
			assert_true(!sys[strlen(name)] || !strncmp(sys + strlen(name), "+0x", 3));
			return sys;
		}
	}
	fail_msg("location %llu has no function", (unsigned long long)id);
	return NULL;
}

static const char *label(const pb_profile *p, const Perftools__Profiles__Sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_label; i++) {
		if (!strcmp(str(p, s->label[i]->key), key))
			return str(p, s->label[i]->str);
	}
	return NULL;
}

/* the sample whose locations are these frames (leaf first) */
static const Perftools__Profiles__Sample *sample(const pb_profile *p, size_t n, ...)
{
	for (size_t i = 0; i < p->n_sample; i++) {
		const Perftools__Profiles__Sample *s = p->sample[i];
		bool same = s->n_location_id == n;
		va_list ap;

		va_start(ap, n);
		for (size_t j = 0; same && j < n; j++)
			same = !strcmp(frame_of(p, s->location_id[j]), va_arg(ap, const char *));
		va_end(ap);
		if (same)
			return s;
	}
	fail_msg("no sample with the expected stack");
	return NULL;
}

static void values_equal(const Perftools__Profiles__Sample *s, int64_t a, int64_t b, int64_t c,
			 int64_t d, int64_t e, int64_t f)
{
	const int64_t want[] = { a, b, c, d, e, f };

	assert_int_equal(s->n_value, 6);
	for (int k = 0; k < 6; k++) {
		if (s->value[k] != want[k])
			fail_msg("value %d: expected %lld, got %lld", k, (long long)want[k],
				 (long long)s->value[k]);
	}
}

static void test_header(void **state)
{
	static const char *const types[][2] = {
		{ "alloc_objects", "count" },	{ "alloc_space", "bytes" },
		{ "inuse_objects", "count" },	{ "inuse_space", "bytes" },
		{ "requested_space", "bytes" }, { "slack_space", "bytes" },
	};
	pb_profile *p = profile_of("synthetic-pprof-stacks.ndjson");
	bool kernel = false, rate = false;

	(void)state;
	assert_string_equal(p->string_table[0], "");
	assert_int_equal(p->n_sample_type, 6);
	for (int k = 0; k < 6; k++) {
		assert_string_equal(str(p, p->sample_type[k]->type), types[k][0]);
		assert_string_equal(str(p, p->sample_type[k]->unit), types[k][1]);
	}
	assert_string_equal(str(p, p->sample_type[p->default_sample_type]->type), "alloc_space");
	assert_string_equal(str(p, p->period_type->type), "alloc_objects");
	assert_int_equal(p->period, 1);
	assert_int_equal(p->time_nanos, 1800000001000000000LL);
	assert_int_equal(p->duration_nanos, 1000000000LL);
	for (size_t i = 0; i < p->n_comment; i++) {
		kernel |= strstr(str(p, p->comment[i]), "kernel 6.18.0-synthetic") != NULL;
		rate |= strstr(str(p, p->comment[i]), "1 allocation in 64") != NULL;
	}
	assert_true(kernel);
	assert_true(rate);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_stack_split(void **state)
{
	pb_profile *p = profile_of("synthetic-pprof-stacks.ndjson");
	const Perftools__Profiles__Sample *a, *b, *c, *rest;
	int64_t sum[6] = {};

	(void)state;
	/* load_msg: 150 allocs, 76800 B allocated, 57150 requested, 110 (56320 B) live */
	a = sample(p, 3, "load_msg+0x41", "do_msgsnd+0x80", "__x64_sys_msgsnd+0x10");
	b = sample(p, 2, "load_msg+0x41", "compat_ksys_msgsnd+0x22");
	/*
	 * sampled 3:1 allocations, 1536:512 bytes, 1143:381 requested, 393:131
	 * slack, 3:1 live: the compat stack's live 1 did not change in seq 2,
	 * so seq 2 does not list it (docs/export-format.md), and it still holds
	 */
	values_equal(a, 112, 57600, 82, 42240, 42862, 14737);
	values_equal(b, 38, 19200, 28, 14080, 14288, 4913);
	assert_string_equal(label(p, a, "kind"), "kmalloc");
	assert_string_equal(label(p, a, "gfp"), "GFP_KERNEL_ACCOUNT");
	assert_null(label(p, a, "cache"));
	/* no stacks: the call site is the one location */
	c = sample(p, 1, "alloc_empty_file+0x3c");
	values_equal(c, 7, 1792, 7, 1792, 1792, 0);
	assert_string_equal(label(p, c, "kind"), "kmem_cache");
	assert_string_equal(label(p, c, "cache"), "filp");
	/* what the daemon's top_sites left out, in the totals */
	rest = sample(p, 1, "[sites not recorded]");
	values_equal(rest, 5, 320, 0, 0, 300, 20);
	assert_int_equal(p->n_sample, 4);
	for (size_t i = 0; i < p->n_sample; i++)
		for (int k = 0; k < 6; k++)
			sum[k] += p->sample[i]->value[k];
	/* the profile adds up to the report's exact totals */
	assert_int_equal(sum[ALLOC_OBJECTS], 150 + 7 + 5);
	assert_int_equal(sum[ALLOC_SPACE], 76800 + 1792 + 320);
	assert_int_equal(sum[REQUESTED], 57150 + 1792 + 300);
	assert_int_equal(sum[SLACK], 19650 + 20);
	assert_int_equal(sum[INUSE_SPACE], 56320 + 1792);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

/* --by comm: one sample per comm at a shared site, labelled with it, with that comm's exact counts */
static void test_owner_labels(void **state)
{
	pb_profile *p = profile_of("synthetic-by-comm.ndjson");
	const Perftools__Profiles__Sample *s, *a = NULL, *b = NULL;

	(void)state;
	for (size_t i = 0; i < p->n_sample; i++) {
		s = p->sample[i];
		if (strcmp(frame_of(p, s->location_id[0]), "load_msg+0x41"))
			continue;
		assert_non_null(label(p, s, "comm"));
		if (!strcmp(label(p, s, "comm"), "kmsq_a"))
			a = s;
		else if (!strcmp(label(p, s, "comm"), "kmsq_b"))
			b = s;
		assert_string_equal(label(p, s, "kind"), "kmalloc");
		assert_null(label(p, s, "cgroup"));
	}
	assert_non_null(a);
	assert_non_null(b);
	/* the fixture's records: 120 x 148 B in 192 B, 80 x 1048 B in 2048 B */
	values_equal(a, 120, 23040, 0, 0, 17760, 5280);
	values_equal(b, 80, 163840, 0, 0, 83840, 80000);
	s = sample(p, 1, "d_alloc+0x2c");
	assert_string_equal(label(p, s, "comm"), "kmsq_a");
	assert_string_equal(label(p, s, "cache"), "dentry");
	values_equal(s, 10, 1920, 10, 1920, 1920, 0);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_stack_split),
		cmocka_unit_test(test_owner_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
