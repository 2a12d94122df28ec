// SPDX-License-Identifier: GPL-2.0
/* NDJSON writing: plain and gzip members, file mode, rollback on write errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "export.h"

static char dir[] = "/tmp/kms-export-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static cJSON *rec(int i)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "site");
	json_add_u64(o, "seq", i);
	json_add_u64(o, "bytes", 1ULL << 40);
	cJSON_AddStringToObject(o, "caller", "quote\" and \\ newline\n");
	return o;
}

/* Read a (possibly multi-member) gzip or plain file whole. */
static char *slurp(const char *path)
{
	static char buf[1 << 16];
	gzFile f = gzopen(path, "rb");
	int n;

	assert_non_null(f);
	n = gzread(f, buf, sizeof(buf) - 1);
	gzclose(f);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void test_plain_lines(void **state)
{
	char path[64], *text, *line;
	struct export x;
	struct stat st;
	int lines = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.ndjson", dir);
	assert_int_equal(export_open(&x, path), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(export_add(&x, rec(i)), 0);
	assert_int_equal(export_flush(&x), 0);
	assert_int_equal(export_add(&x, rec(3)), 0);
	assert_int_equal(export_close(&x), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(path);
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *o = cJSON_Parse(line);

		assert_non_null(o);
		assert_int_equal(cJSON_GetObjectItem(o, "seq")->valuedouble, lines);
		/* 2^40 survives as an exact integer */
		assert_true(cJSON_GetObjectItem(o, "bytes")->valuedouble == 1099511627776.0);
		assert_string_equal(cJSON_GetObjectItem(o, "caller")->valuestring,
				    "quote\" and \\ newline\n");
		cJSON_Delete(o);
		lines++;
	}
	assert_int_equal(lines, 4);
}

static void test_gzip_members(void **state)
{
	char path[64], *text;
	struct export x;
	unsigned char magic[2];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/b.ndjson.gz", dir);
	assert_int_equal(export_open(&x, path), 0);
	assert_true(x.gz);
	/* two flushes: two complete members, readable as one stream */
	assert_int_equal(export_add(&x, rec(0)), 0);
	assert_int_equal(export_flush(&x), 0);
	assert_int_equal(export_add(&x, rec(1)), 0);
	assert_int_equal(export_close(&x), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal(magic[0], 0x1f);
	assert_int_equal(magic[1], 0x8b);
	text = slurp(path);
	assert_non_null(strstr(text, "\"seq\":0"));
	assert_non_null(strstr(text, "\"seq\":1"));
}

static void test_rollback_on_write_error(void **state)
{
	char path[64], big[8192];
	struct rlimit old, lim;
	struct export x;
	struct stat st;
	cJSON *o;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.ndjson", dir);
	assert_int_equal(export_open(&x, path), 0);
	assert_int_equal(export_add(&x, rec(0)), 0);
	assert_int_equal(export_flush(&x), 0);
	/* the next interval does not fit under the file size limit: EFBIG */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = rec(1);
	cJSON_AddStringToObject(o, "pad", big);
	assert_int_equal(export_add(&x, o), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = x.good_size + 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_not_equal(export_flush(&x), 0);
	setrlimit(RLIMIT_FSIZE, &old);
	/* the file was cut back to the last whole interval, the data kept queued */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, x.good_size);
	assert_true(x.len > sizeof(big));
	assert_int_equal(export_flush(&x), 0);
	assert_int_equal(export_close(&x), 0);
	assert_non_null(strstr(slurp(path), "\"seq\":1"));
}

/*
 * gzip: an interval is compressed once, when packed; failed writes retry
 * the same members (no recompression of the queue), and a header put in
 * front of packed members is a member of its own
 */
static void test_pack_once(void **state)
{
	char path[64], *text;
	struct export x;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/d.ndjson.gz", dir);
	assert_int_equal(export_open(&x, path), 0);
	fd = x.fd;
	x.fd = -1; /* every write fails (EBADF) */
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(export_add(&x, rec(i)), 0);
		assert_int_equal(export_pack(&x), 0);
		assert_int_equal(x.packed, x.len);
		assert_int_not_equal(export_flush(&x), 0);
		assert_int_equal(x.compressions, i);
	}
	assert_int_equal(export_prepend(&x, rec(0)), 0);
	assert_int_equal(x.compressions, 4);
	assert_int_equal(x.packed, x.len);
	x.fd = fd;
	assert_int_equal(export_flush(&x), 0);
	assert_int_equal(x.compressions, 4);
	assert_int_equal(x.len, 0);
	assert_int_equal(export_close(&x), 0);
	text = slurp(path);
	/* in order: the header first, then the intervals as queued */
	assert_non_null(strstr(text, "\"seq\":0"));
	assert_non_null(strstr(text, "\"seq\":3"));
	assert_true(strstr(text, "\"seq\":0") < strstr(text, "\"seq\":1"));
	assert_true(strstr(text, "\"seq\":1") < strstr(text, "\"seq\":2"));
	assert_true(strstr(text, "\"seq\":2") < strstr(text, "\"seq\":3"));
}

static void test_open_errors(void **state)
{
	struct export x;

	(void)state;
	assert_int_equal(export_open(&x, "/nonexistent-dir/x.ndjson"), -ENOENT);
}

static void test_log2_hist_keys(void **state)
{
	__u64 h[4] = { 5, 0, 2, 1 };
	cJSON *o = json_log2_hist(h, 4);

	(void)state;
	/* bucket 0 holds [0, 2), bucket i holds [2^i, 2^(i+1)) */
	assert_int_equal(cJSON_GetObjectItem(o, "0")->valuedouble, 5);
	assert_null(cJSON_GetObjectItem(o, "2"));
	assert_int_equal(cJSON_GetObjectItem(o, "4")->valuedouble, 2);
	assert_int_equal(cJSON_GetObjectItem(o, "8")->valuedouble, 1);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_rollback_on_write_error),
		cmocka_unit_test(test_pack_once),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_log2_hist_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
