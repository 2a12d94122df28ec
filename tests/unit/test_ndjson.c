// SPDX-License-Identifier: GPL-2.0
/*
 * The export reader on good and bad input: plain, gzip members, truncated
 * and corrupt gzip, garbage lines, huge numbers, wrong types, deep nesting,
 * missing header, newer schema. Problems must name the file and line; the
 * default skips them, NR_STRICT stops; nothing may crash or hang.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>
#include "ndjson_reader.h"
#include "report.h"
#include "report_ingest.h"
#include "report_rank.h"

#define HDR \
	"{\"type\":\"header\",\"schema\":1,\"page_size\":4096,\"start_ns\":1800000000000000000,\"interval_s\":1}\n"
#define SITE(n)                                                                              \
	"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"f" #n "\","          \
	"\"site\":\"f" #n "+0x1\",\"allocs\":1,\"bytes_req\":10,\"bytes_alloc\":16,\"gfp\":" \
	"{\"GFP_KERNEL\":1},\"sizes\":{\"8\":1}}\n"

static char msgs[8192];
static int nmsgs, nfatal;

static void capture(void *ctx, const char *path, unsigned long line, bool fatal, const char *msg)
{
	size_t n = strlen(msgs);

	(void)ctx;
	snprintf(msgs + n, sizeof(msgs) - n, "%s:%lu: %s\n", path, line, msg);
	nmsgs++;
	nfatal += fatal;
}

static int reset(void **state)
{
	(void)state;
	msgs[0] = '\0';
	nmsgs = nfatal = 0;
	nr_set_diag(capture, NULL);
	return 0;
}

/* records read until the end (or -1 on a fatal problem) */
static int count(const void *buf, size_t len, unsigned flags, int *rc_out)
{
	struct ndjson_reader *r = nr_open_mem(buf, len, "in.ndjson", flags);
	cJSON *rec;
	int n = 0, rc;

	assert_non_null(r);
	while ((rc = nr_next(r, &rec)) > 0) {
		assert_true(cJSON_IsObject(rec));
		n++;
	}
	nr_close(r);
	if (rc_out)
		*rc_out = rc;
	return n;
}

static int count_str(const char *s, unsigned flags, int *rc)
{
	return count(s, strlen(s), flags, rc);
}

static size_t gz(const char *in, unsigned char *out, size_t cap)
{
	z_stream zs = {};

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = strlen(in);
	zs.next_out = out;
	zs.avail_out = cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static void test_plain(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(count_str(HDR SITE(1) "\n" SITE(2), 0, &rc), 3);
	assert_int_equal(rc, 0);
	assert_int_equal(nmsgs, 0);
}

static void test_gzip_members(void **state)
{
	static unsigned char buf[4096];
	size_t n;
	int rc;

	(void)state;
	n = gz(HDR SITE(1), buf, sizeof(buf));
	n += gz(SITE(2) SITE(3), buf + n, sizeof(buf) - n);
	n += gz(SITE(4), buf + n, sizeof(buf) - n);
	assert_int_equal(count(buf, n, NR_STRICT, &rc), 5);
	assert_int_equal(rc, 0);
	assert_int_equal(nmsgs, 0);
}

static void test_gzip_truncated(void **state)
{
	static unsigned char buf[4096];
	size_t n1, n;
	int rc;

	(void)state;
	n1 = gz(HDR SITE(1), buf, sizeof(buf));
	n = n1 + gz(SITE(2) SITE(3), buf + n1, sizeof(buf) - n1);
	/* a crash in the middle of the second member */
	assert_in_range(count(buf, n1 + (n - n1) / 2, 0, &rc), 2, 3);
	assert_int_equal(rc, 0);
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs, "in.ndjson:"));
	assert_non_null(strstr(msgs, "cut off"));
	reset(NULL);
	count(buf, n1 + (n - n1) / 2, NR_STRICT, &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(nfatal, 1);
}

static void test_gzip_corrupt_member(void **state)
{
	static unsigned char buf[8192];
	size_t n1, n2, n;
	int rc;

	(void)state;
	n1 = gz(HDR SITE(1), buf, sizeof(buf));
	n2 = gz(SITE(2) SITE(3) SITE(4) SITE(5), buf + n1, sizeof(buf) - n1);
	n = n1 + n2 + gz(SITE(6), buf + n1 + n2, sizeof(buf) - n1 - n2);
	/* scribble over the deflate data of the middle member */
	memset(buf + n1 + 12, 0xff, n2 - 20);
	assert_int_equal(count(buf, n, 0, &rc), 3);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msgs, "corrupt gzip data"));
	reset(NULL);
	count(buf, n, NR_STRICT, &rc);
	assert_int_equal(rc, -1);
	/* garbage after the last member */
	reset(NULL);
	n = gz(HDR SITE(1), buf, sizeof(buf));
	memcpy(buf + n, "garbage!", 8);
	assert_int_equal(count(buf, n + 8, 0, &rc), 2);
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs, "not a gzip member"));
}

static void test_garbage_lines(void **state)
{
	const char *in = HDR "not json at all\n"
			     "[1,2,3]\n"
			     "{\"no\":\"type\"}\n"
			     "{\"type\":7}\n" SITE(1) "{\"type\":\"site\",\"unterminated";
	int rc;

	(void)state;
	assert_int_equal(count_str(in, 0, &rc), 2);
	assert_int_equal(rc, 0);
	assert_int_equal(nmsgs, 5);
	assert_non_null(strstr(msgs, "in.ndjson:2: malformed JSON"));
	assert_non_null(strstr(msgs, "in.ndjson:3: not a JSON object"));
	assert_non_null(strstr(msgs, "in.ndjson:4: record has no \"type\""));
	assert_non_null(strstr(msgs, "in.ndjson:5:"));
	assert_non_null(strstr(msgs, "in.ndjson:7: last line is cut off"));
	reset(NULL);
	assert_int_equal(count_str(in, NR_STRICT, &rc), 1);
	assert_int_equal(rc, -1);
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs, "in.ndjson:2:"));
}

static void test_binary_and_long_lines(void **state)
{
	size_t big = NR_MAX_LINE + 100;
	char *buf = malloc(big + 1024);
	char nul[] = HDR "{\"type\":\"site\"\0}\n";
	int rc;

	(void)state;
	assert_int_equal(count(nul, sizeof(nul) - 1, 0, &rc), 1);
	assert_non_null(strstr(msgs, "in.ndjson:2: binary data"));
	reset(NULL);
	assert_non_null(buf);
	strcpy(buf, HDR);
	memset(buf + strlen(HDR), 'x', big);
	strcpy(buf + strlen(HDR) + big, "\n" SITE(1));
	assert_int_equal(count_str(buf, 0, &rc), 2);
	assert_non_null(strstr(msgs, "in.ndjson:2: line longer"));
	free(buf);
}

static void test_deep_nesting(void **state)
{
	size_t depth = 200000;
	char *buf = malloc(2 * depth + 1024);
	int rc;

	(void)state;
	assert_non_null(buf);
	strcpy(buf, HDR);
	memset(buf + strlen(HDR), '[', depth);
	memset(buf + strlen(HDR) + depth, ']', depth);
	strcpy(buf + strlen(HDR) + 2 * depth, "\n");
	assert_int_equal(count_str(buf, 0, &rc), 1);
	assert_non_null(strstr(msgs, "in.ndjson:2: JSON nested 200000 levels"));
	free(buf);
	/* brackets inside strings do not count */
	reset(NULL);
	assert_int_equal(
		count_str(HDR
			  "{\"type\":\"x\",\"s\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}\n",
			  NR_STRICT, &rc),
		2);
	assert_int_equal(nmsgs, 0);
}

static void test_missing_header(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(count_str(SITE(1) SITE(2), 0, &rc), 2);
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs, "in.ndjson:1: no header"));
	reset(NULL);
	assert_int_equal(count_str(SITE(1), NR_STRICT, &rc), 0);
	assert_int_equal(rc, -1);
	/* an empty input is just empty */
	reset(NULL);
	assert_int_equal(count_str("", NR_STRICT, &rc), 0);
	assert_int_equal(rc, 0);
}

static void test_newer_schema(void **state)
{
	const char *in = "{\"type\":\"header\",\"schema\":2}\n" SITE(1) HDR SITE(2);
	int rc;

	(void)state;
	/* the newer run is skipped, the next header (schema 1) reads again */
	assert_int_equal(count_str(in, 0, &rc), 2);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(msgs, "in.ndjson:1: export schema 2 is newer"));
	reset(NULL);
	assert_int_equal(count_str(in, NR_STRICT, &rc), 0);
	assert_int_equal(rc, -1);
	reset(NULL);
	assert_int_equal(count_str("{\"type\":\"header\",\"schema\":\"1\"}\n", 0, &rc), 0);
	assert_non_null(strstr(msgs, "no valid \"schema\""));
}

static void test_numbers(void **state)
{
	const char *in =
		"{\"a\":9007199254740992,\"b\":9007199254740993e3,\"c\":1e400,"
		"\"d\":-1,\"e\":1.5,\"f\":\"12\",\"g\":-1e400,\"t\":1.7953211308276669e+18}";
	cJSON *o = cJSON_Parse(in);
	unsigned long long v;
	long long s;
	double d;

	(void)state;
	assert_non_null(o);
	assert_true(nr_get_u64(o, "a", &v));
	assert_true(v == 9007199254740992ULL);
	assert_false(nr_get_u64(o, "b", &v));
	assert_false(nr_get_u64(o, "c", &v));
	assert_false(nr_get_u64(o, "d", &v));
	assert_true(nr_get_s64(o, "d", &s) && s == -1);
	assert_false(nr_get_u64(o, "e", &v));
	assert_false(nr_get_u64(o, "f", &v));
	assert_false(nr_get_num(o, "c", &d));
	assert_false(nr_get_num(o, "g", &d));
	assert_false(nr_get_s64(o, "g", &s));
	assert_false(nr_get_time(o, "c", &v));
	assert_true(nr_get_time(o, "t", &v) && v > 1795321130000000000ULL);
	assert_false(nr_get_u64(o, "missing", &v));
	cJSON_Delete(o);
}

/* Field problems found by the report name the file and line too. */
static void test_report_field_errors(void **state)
{
	const char *in = HDR SITE(
		1) "{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"x\","
		   "\"site\":\"x+0x1\",\"allocs\":1e400,\"bytes_req\":1,\"bytes_alloc\":8}\n"
		   "{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"y\","
		   "\"site\":\"y+0x1\",\"allocs\":\"3\",\"bytes_req\":1,\"bytes_alloc\":8}\n"
		   "{\"type\":\"site\",\"seq\":1,\"kind\":7,\"caller\":\"y\"}\n"
		   "{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"z\","
		   "\"site\":\"z+0x1\",\"allocs\":1,\"bytes_req\":1,\"bytes_alloc\":8,"
		   "\"sizes\":{\"3\":1}}\n"
		   "{\"type\":\"buddyinfo\",\"seq\":1,\"zone\":\"Normal\",\"free\":[1,2],"
		   "\"unusable_index\":[0,0],\"frag_index\":[-1,-1]}\n"
		   "{\"type\":\"correlation\",\"seq\":1,\"caller\":\"c\",\"r\":5}\n";
	struct rp_opts o = { .top = 20 };
	struct ndjson_reader *r;
	struct report rp;

	(void)state;
	assert_int_equal(report_init(&rp, &o), 0);
	r = nr_open_mem(in, strlen(in), "f.ndjson", 0);
	assert_int_equal(report_read(&rp, r), 0);
	nr_close(r);
	report_finish(&rp);
	assert_int_equal(rp.nr_sites, 1);
	assert_non_null(strstr(msgs, "f.ndjson:3: site record: field \"allocs\""));
	assert_non_null(strstr(msgs, "f.ndjson:4: site record: field \"allocs\""));
	assert_non_null(strstr(msgs, "f.ndjson:5: site record: field \"kind\""));
	assert_non_null(strstr(msgs, "f.ndjson:6: site record: field \"sizes\""));
	assert_non_null(strstr(msgs, "f.ndjson:7: buddyinfo record"));
	assert_non_null(strstr(msgs, "f.ndjson:8: correlation record: field \"r\""));
	report_free(&rp);
	/* strict: the first one stops the read */
	reset(NULL);
	assert_int_equal(report_init(&rp, &o), 0);
	r = nr_open_mem(in, strlen(in), "f.ndjson", NR_STRICT);
	assert_int_equal(report_read(&rp, r), -1);
	nr_close(r);
	assert_int_equal(nmsgs, 1);
	report_free(&rp);
}

static void test_time_parse(void **state)
{
	__u64 t, now = 1800000000ULL * 1000000000ULL;

	(void)state;
	assert_true(rp_parse_time("2027-01-15T08:00:02Z", now, &t));
	assert_true(t == 1800000002ULL * 1000000000ULL);
	assert_true(rp_parse_time("2027-01-15 08:00", now, &t));
	assert_true(rp_parse_time("@1800000002.5", now, &t) && t == 1800000002500000000ULL);
	assert_true(rp_parse_time("-10m", now, &t) && t == now - 600000000000ULL);
	assert_true(rp_parse_time("-2h", now, &t));
	assert_false(rp_parse_time("-2x", now, &t));
	assert_false(rp_parse_time("yesterday", now, &t));
	assert_false(rp_parse_time("2027-01-15T08:00:02+05", now, &t));
	assert_false(rp_parse_time("", now, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain, reset),
		cmocka_unit_test_setup(test_gzip_members, reset),
		cmocka_unit_test_setup(test_gzip_truncated, reset),
		cmocka_unit_test_setup(test_gzip_corrupt_member, reset),
		cmocka_unit_test_setup(test_garbage_lines, reset),
		cmocka_unit_test_setup(test_binary_and_long_lines, reset),
		cmocka_unit_test_setup(test_deep_nesting, reset),
		cmocka_unit_test_setup(test_missing_header, reset),
		cmocka_unit_test_setup(test_newer_schema, reset),
		cmocka_unit_test_setup(test_numbers, reset),
		cmocka_unit_test_setup(test_report_field_errors, reset),
		cmocka_unit_test_setup(test_time_parse, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
