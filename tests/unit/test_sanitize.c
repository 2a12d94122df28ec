// SPDX-License-Identifier: GPL-2.0
/* Strings for terminals and logs (sanitize), for JSON (utf8_repair), and the reader's caps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ndjson_reader.h"
#include "util.h"

static void test_controls_escaped(void **state)
{
	char buf[256];

	(void)state;
	/* the comm: a second log line with <0>, a screen clear */
	assert_string_equal(sanitize("x\n<0>FAKE\x1b[2J", buf, sizeof(buf)),
			    "x\\x0a<0>FAKE\\x1b[2J");
	assert_string_equal(sanitize("\r\b\a\t\x7f", buf, sizeof(buf)),
			    "\\x0d\\x08\\x07\\x09\\x7f");
	/* C1 CSI as UTF-8 (U+009B) and as a raw byte */
	assert_string_equal(sanitize("a\xc2\x9b"
				     "31m\x9b",
				     buf, sizeof(buf)),
			    "a\\xc2\\x9b31m\\x9b");
	/* valid UTF-8 text stays, U+00A0 and beyond included */
	assert_string_equal(
		sanitize("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80", buf, sizeof(buf)),
		"caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(sanitize("kmalloc_trace+0x1a/0x40", buf, sizeof(buf)),
			    "kmalloc_trace+0x1a/0x40");
}

static void test_invalid_utf8(void **state)
{
	char buf[256];

	(void)state;
	/* overlong, surrogate, beyond U+10FFFF, cut-off sequence, stray continuation */
	assert_string_equal(
		sanitize("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82|\x80", buf, sizeof(buf)),
		"\\xc0\\xaf|\\xed\\xa0\\x80|\\xf4\\x90\\x80\\x80|\\xe2\\x82|\\x80");
}

static void test_cut_not_mid_escape(void **state)
{
	char buf[8];

	(void)state;
	/* "ab" + "\x1b" needs 7 bytes with the NUL: fits; the next escape does not */
	assert_string_equal(sanitize("ab\x1b\x1b", buf, sizeof(buf)), "ab\\x1b");
	assert_string_equal(sanitize("abcdefghij", buf, sizeof(buf)), "abcdefg");
}

static void test_dup_and_need(void **state)
{
	char *s;

	(void)state;
	assert_false(needs_sanitize("plain_name+0x10", 0));
	assert_true(needs_sanitize("tab\there", 0));
	assert_true(needs_sanitize("\xff", 0));
	assert_true(needs_sanitize("longer than four", 4));
	s = sanitize_dup("abc\x1b"
			 "defgh",
			 8, 5);
	assert_non_null(s);
	assert_string_equal(s, "abc\\x1bd...");
	free(s);
}

static void test_utf8_repair(void **state)
{
	char *s = strdup("ok \xc3\xa9"), *t;

	(void)state;
	t = utf8_repair(s);
	assert_ptr_equal(t, s); /* valid: the same string */
	free(t);
	t = utf8_repair(strdup("a\xff"
			       "b\xed\xa0\x80"));
	assert_non_null(t);
	assert_string_equal(t, "a\xef\xbf\xbd"
			       "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(t);
}

/* the reader: every string of a record capped and escaped, keys too */
static void test_reader_tidies(void **state)
{
	static char line[8192];
	struct ndjson_reader *r;
	cJSON *rec, *it;
	int n;

	(void)state;
	n = snprintf(line, sizeof(line),
		     "{\"type\":\"header\",\"schema\":%d}\n"
		     "{\"type\":\"site\",\"comm\":\"\\u001b]0;x\\u0007 and more than sixteen\","
		     "\"caller\":\"",
		     NR_SCHEMA);
	memset(line + n, 'A', 2000);
	n += 2000;
	n += snprintf(line + n, sizeof(line) - n,
		      "\",\"gfp\":{\"K\\u001b[5m\":1},\"stack\":[\"f\\nrow\"]}\n");
	r = nr_open_mem(line, n, "mem", 0);
	assert_non_null(r);
	assert_int_equal(nr_next(r, &rec), 1);
	assert_int_equal(nr_next(r, &rec), 1);
	assert_string_equal(nr_get_str(rec, "comm"), "\\x1b]0;x\\x07 and more ...");
	assert_int_equal(strlen(nr_get_str(rec, "caller")), NR_SYM_MAX + 3);
	it = cJSON_GetObjectItem(rec, "gfp")->child;
	assert_string_equal(it->string, "K\\x1b[5m");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(rec, "stack"), 0)->valuestring,
			    "f\\x0arow");
	nr_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_escaped),   cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_cut_not_mid_escape), cmocka_unit_test(test_dup_and_need),
		cmocka_unit_test(test_utf8_repair),	   cmocka_unit_test(test_reader_tidies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
