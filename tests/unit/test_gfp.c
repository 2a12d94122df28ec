// SPDX-License-Identifier: GPL-2.0
/* Unit tests for GFP flag decoding (tracefs format table and BTF table). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/btf.h>

#include "gfp.h"

/* Run from the repo root, as the Makefile does. */
#define FMT_618 "tests/data/kmalloc-format-6.18.txt"
#define FMT_61 "tests/data/kmalloc-format-6.1.txt"
#define TRACEFS "/sys/kernel/tracing"

struct expect {
	__u64 flags;
	const char *str;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct gfp_table *table_from_file(const char *path)
{
	struct gfp_table *t = NULL;
	char *text = slurp(path);

	assert_int_equal(gfp_table__from_format(&t, text), 0);
	assert_non_null(t);
	free(text);
	return t;
}

static void check_decodes(const struct gfp_table *t, const struct expect *e, size_t n)
{
	char buf[256];

	for (size_t i = 0; i < n; i++) {
		int len = gfp_decode(t, e[i].flags, buf, sizeof(buf));

		assert_string_equal(buf, e[i].str);
		assert_int_equal(len, strlen(e[i].str));
	}
}

static void test_decode_618(void **state)
{
	static const struct expect e[] = {
		{ 0xcc0, "GFP_KERNEL" },
		{ 0x400cc0, "GFP_KERNEL_ACCOUNT" },
		{ 0xdc0, "GFP_KERNEL|__GFP_ZERO" },
		{ 0x2800, "GFP_NOWAIT" },
		{ 0x820, "GFP_ATOMIC" },
		{ 0, "none" },
		{ 1 << 9, "0x200" },
		{ 0xcc0 | 0x200, "GFP_KERNEL|0x200" },
		{ 0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP" },
		{ 0x52800, "GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP" },
		{ 0x100cc0, "GFP_USER" },
		{ 0x1c24ca, "GFP_TRANSHUGE" },
		{ 0x1c20ca, "GFP_TRANSHUGE_LIGHT" },
		{ 0xc00, "GFP_NOIO" },
		{ 0x2100, "__GFP_ZERO|__GFP_NOWARN" },
		{ 1 << 24, "__GFP_NO_OBJ_EXT" },
		{ 1 << 26, "0x4000000" },
		{ 0xcc0 | 1ULL << 40, "GFP_KERNEL|0x10000000000" },
	};

	struct gfp_table *t = table_from_file(FMT_618);

	(void)state;
	check_decodes(t, e, sizeof(e) / sizeof(e[0]));
	assert_string_equal(gfp_table__source(t), "tracefs format");
	gfp_table__free(t);
}

/*
 * 6.1 has __GFP_ATOMIC (0x200), GFP_ATOMIC = __GFP_HIGH|__GFP_ATOMIC|
 * __GFP_KSWAPD_RECLAIM (0xa20), GFP_NOWAIT = __GFP_KSWAPD_RECLAIM (0x800),
 * no __GFP_NO_OBJ_EXT, and the old single-flag order (__GFP_NOWARN before
 * __GFP_ZERO, __GFP_RECLAIM after __GFP_WRITE).
 */
static void test_decode_61(void **state)
{
	static const struct expect e[] = {
		{ 0xcc0, "GFP_KERNEL" },
		{ 0x400cc0, "GFP_KERNEL_ACCOUNT" },
		{ 0xdc0, "GFP_KERNEL|__GFP_ZERO" },
		{ 0x2800, "GFP_NOWAIT|__GFP_NOWARN" },
		{ 0x820, "GFP_NOWAIT|__GFP_HIGH" },
		{ 0xa20, "GFP_ATOMIC" },
		{ 0, "none" },
		{ 1 << 9, "__GFP_ATOMIC" },
		{ 0xcc0 | 0x200, "GFP_KERNEL|__GFP_ATOMIC" },
		{ 0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP" },
		{ 0x52800, "GFP_NOWAIT|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP" },
		{ 0x100cc0, "GFP_USER" },
		{ 0x1c24ca, "GFP_TRANSHUGE" },
		{ 0xc00, "GFP_NOIO" },
		{ 0x2100, "__GFP_NOWARN|__GFP_ZERO" },
		{ 0x1410, "__GFP_RECLAIMABLE|__GFP_WRITE|__GFP_DIRECT_RECLAIM" },
		{ 1 << 24, "0x1000000" },
		{ 0x800000, "__GFP_ZEROTAGS" },
	};

	struct gfp_table *t = table_from_file(FMT_61);

	(void)state;
	check_decodes(t, e, sizeof(e) / sizeof(e[0]));
	gfp_table__free(t);
}

static void test_value(void **state)
{
	struct gfp_table *t18 = table_from_file(FMT_618), *t61 = table_from_file(FMT_61);
	__u64 v = 0;

	(void)state;
	assert_int_equal(gfp_table__value(t18, "GFP_KERNEL", &v), 0);
	assert_int_equal(v, 0xcc0);
	assert_int_equal(gfp_table__value(t18, "__GFP_ZERO", &v), 0);
	assert_int_equal(v, 0x100);
	assert_int_equal(gfp_table__value(t18, "GFP_TRANSHUGE_LIGHT", &v), 0);
	assert_int_equal(v, 0x1c20ca);
	assert_int_equal(gfp_table__value(t18, "__GFP_ATOMIC", &v), -ENOENT);
	assert_int_equal(gfp_table__value(t18, "GFP_KERNE", &v), -ENOENT);
	assert_int_equal(gfp_table__value(t61, "__GFP_ATOMIC", &v), 0);
	assert_int_equal(v, 0x200);
	assert_int_equal(gfp_table__value(t61, "GFP_ATOMIC", &v), 0);
	assert_int_equal(v, 0xa20);
	assert_int_equal(gfp_table__value(NULL, "GFP_KERNEL", &v), -EINVAL);
	gfp_table__free(t18);
	gfp_table__free(t61);
}

static struct gfp_table *table_from_entries(const char *entries)
{
	struct gfp_table *t = NULL;
	char text[1024];

	snprintf(text, sizeof(text),
		 "print fmt: \"f=%%s\", __print_flags(REC->gfp_flags, \"|\", %s )", entries);
	assert_int_equal(gfp_table__from_format(&t, text), 0);
	return t;
}

static void assert_value(const struct gfp_table *t, const char *name, __u64 want)
{
	__u64 v = ~want;

	assert_int_equal(gfp_table__value(t, name, &v), 0);
	assert_int_equal(v, want);
}

/* Precedence, casts and literal forms the evaluator must get right. */
static void test_expressions(void **state)
{
	struct gfp_table *t = table_from_entries(
		"{(( gfp_t)0x400u)|(( gfp_t)0x800u), \"OLD\"}, "
		"{(unsigned long)(__force gfp_t)((1UL << 3) + 1 - 1), \"CAST\"}, "
		"{1 | 2 << 2 & 12, \"PREC\"}, "
		"{~0xffffffffffffff00ULL ^ 0x3, \"XOR\"}, "
		"{-1 & 0xf0, \"NEG\"}, "
		"{(16 >> 2) - 3, \"SUB\"}, "
		"{0x10LU | 1lu | 2Ul, \"SUFFIX\"}, "
		"{( unsigned long)(( gfp_t)0), \"ZERO\"}, "
		"{ 0, ((void *)0) }");

	(void)state;
	assert_value(t, "OLD", 0xc00);
	assert_value(t, "CAST", 8);
	assert_value(t, "PREC", 9);
	assert_value(t, "XOR", 0xfc);
	assert_value(t, "NEG", 0xf0);
	assert_value(t, "SUB", 1);
	assert_value(t, "SUFFIX", 0x13);
	assert_value(t, "ZERO", 0);
	gfp_table__free(t);
}

/* A zero mask never matches, and the table needs no terminator (6.1 style). */
static void test_zero_mask_and_no_terminator(void **state)
{
	struct gfp_table *t = table_from_entries("{0, \"NOTHING\"}, {1, \"ONE\"}");
	char buf[64];

	(void)state;
	gfp_decode(t, 3, buf, sizeof(buf));
	assert_string_equal(buf, "ONE|0x2");
	gfp_table__free(t);
}

static void assert_format_err(const char *text, int want)
{
	struct gfp_table *t = (struct gfp_table *)0x1;

	assert_int_equal(gfp_table__from_format(&t, text), want);
	assert_null(t);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"{(unsigned long)(1 <<), \"X\"}",
		"{(unsigned long)PAGE_SHIFT, \"X\"}",
		"{((1), \"X\"}",
		"{1)), \"X\"}",
		"{1 << 64, \"X\"}",
		"{0x, \"X\"}",
		"{12abc, \"X\"}",
		"{99999999999999999999999, \"X\"}",
		"{1 && 2, \"X\"}",
		"{1 < 2, \"X\"}",
		"{1, X}",
		"{1, \"\"}",
		"{1, \"X\"",
		"{1 \"X\"}",
		"{1, \"X\"} {2, \"Y\"}",
		"",
		"garbage",
	};
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "print fmt: \"%%s\", __print_flags(REC->gfp_flags, \"|\", %s )", bad[i]);
		assert_format_err(text, -EINVAL);
	}
}

/* Nesting deep enough to exhaust the stack is refused, not followed. */
static void test_deep_nesting(void **state)
{
	static const char head[] = "print fmt: \"%s\", __print_flags(REC->gfp_flags, \"|\", {";
	const int depth = 100000;
	char *text = malloc(sizeof(head) + 2 * depth + 16), *p;

	(void)state;
	assert_non_null(text);
	p = stpcpy(text, head);
	memset(p, '~', depth);
	strcpy(p + depth, "1, \"X\"} )");
	assert_format_err(text, -EINVAL);
	memset(p, '(', depth);
	p[depth] = '1';
	memset(p + depth + 1, ')', depth);
	strcpy(p + 2 * depth + 1, ", \"X\"} )");
	assert_format_err(text, -EINVAL);
	free(text);
}

static void test_no_gfp_table(void **state)
{
	/* This kernel's events/kmem/kfree/format */
	static const char kfree_fmt[] =
		"name: kfree\nID: 657\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n\n"
		"print fmt: \"call_site=%pS ptr=%p\", (void *)REC->call_site, REC->ptr\n";

	(void)state;
	assert_format_err(kfree_fmt, -ENOENT);
	assert_format_err("", -ENOENT);
	assert_format_err("print fmt: \"%s\", __print_flags(REC->flags, \"|\", {1, \"A\"})",
			  -ENOENT);
	assert_format_err("print fmt: \"%s\", __print_flags(REC->gfp_flags_x, \"|\", {1, \"A\"})",
			  -ENOENT);
	assert_format_err(NULL, -ENOENT);
}

/*
 * Every prefix of a real format: the table only parses once its closing
 * ')' is there, and no prefix is read past its end (run under ASan).
 */
static void test_every_prefix(void **state)
{
	char *text = slurp(FMT_618);
	const char *tail = strstr(text, "((void *)0) } )");
	size_t complete, n = strlen(text);

	(void)state;
	assert_non_null(tail);
	complete = tail - text + strlen("((void *)0) } )");
	for (size_t len = 0; len <= n; len++) {
		char *prefix = strndup(text, len);
		struct gfp_table *t = NULL;
		int err = gfp_table__from_format(&t, prefix);

		if (len < complete) {
			assert_true(err < 0);
			assert_null(t);
		} else {
			assert_int_equal(err, 0);
			gfp_table__free(t);
		}
		free(prefix);
	}
	free(text);
}

static void test_truncation(void **state)
{
	struct gfp_table *t = table_from_file(FMT_618);
	char buf[32];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(gfp_decode(t, 0xdc0, buf, 8), 21);
	assert_string_equal(buf, "GFP_KER");
	assert_int_equal(buf[8], 'X');
	/* The cut falls inside the leftover hex */
	assert_int_equal(gfp_decode(t, 0xcc0 | 0x200, buf, 14), 16);
	assert_string_equal(buf, "GFP_KERNEL|0x");
	assert_int_equal(gfp_decode(t, 0xcc0, buf, 11), 10);
	assert_string_equal(buf, "GFP_KERNEL");
	assert_int_equal(gfp_decode(t, 0xcc0, buf, 10), 10);
	assert_string_equal(buf, "GFP_KERNE");
	assert_int_equal(gfp_decode(t, 0xcc0, buf, 1), 10);
	assert_string_equal(buf, "");
	assert_int_equal(gfp_decode(t, 0xcc0, NULL, 0), 10);
	assert_int_equal(gfp_decode(t, 0, buf, 3), 4);
	assert_string_equal(buf, "no");
	gfp_table__free(t);
}

static void test_null_table(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(gfp_decode(NULL, 0xcc0, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0xcc0");
	assert_int_equal(gfp_decode(NULL, 0, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(gfp_decode(NULL, 0xcc0, buf, 3), 5);
	assert_string_equal(buf, "0x");
	assert_string_equal(gfp_table__source(NULL), "none");
	gfp_table__free(NULL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

/* gfp_table__load() on a fake tracefs: kmalloc first, then the fallbacks. */
static void test_load_fake_tracefs(void **state)
{
	char dir[] = "/tmp/test_gfp.XXXXXX", path[256], buf[64];
	char *text = slurp(FMT_61);
	struct gfp_table *t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/events/kmem", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/events/kmem/mm_page_alloc", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/events/kmem/mm_page_alloc/format", dir);
	write_file(path, text);

	t = gfp_table__load(dir);
	assert_non_null(t);
	assert_string_equal(gfp_table__source(t), "tracefs format");
	gfp_decode(t, 0x200, buf, sizeof(buf));
	assert_string_equal(buf, "__GFP_ATOMIC");
	gfp_table__free(t);

	/* A broken kmalloc format falls through to the next event. */
	snprintf(path, sizeof(path), "%s/events/kmem/kmalloc", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/events/kmem/kmalloc/format", dir);
	write_file(path, "print fmt: \"%s\", __print_flags(REC->gfp_flags, \"|\", {1 <<, \"X\"} )");
	t = gfp_table__load(dir);
	assert_non_null(t);
	gfp_decode(t, 0x200, buf, sizeof(buf));
	assert_string_equal(buf, "__GFP_ATOMIC");
	gfp_table__free(t);

	unlink(path);
	snprintf(path, sizeof(path), "%s/events/kmem/kmalloc", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/events/kmem/mm_page_alloc/format", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/events/kmem/mm_page_alloc", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/events/kmem", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/events", dir);
	rmdir(path);
	assert_int_equal(rmdir(dir), 0);
	free(text);
}

static bool have_live_kernel(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return false;
	if (access(TRACEFS "/events/kmem/kmalloc/format", R_OK) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return false;
	return !access(TRACEFS "/events/kmem/kmalloc/format", R_OK);
}

static void assert_same_decode(const struct gfp_table *a, const struct gfp_table *b, __u64 flags)
{
	char sa[512], sb[512];

	gfp_decode(a, flags, sa, sizeof(sa));
	gfp_decode(b, flags, sb, sizeof(sb));
	if (strcmp(sa, sb))
		fail_msg("0x%llx: format \"%s\" vs BTF \"%s\"", (unsigned long long)flags, sa, sb);
}

/* The BTF-built table must print exactly what the running kernel prints. */
static void test_btf_matches_live_format(void **state)
{
	static const __u64 real[] = {
		0xcc0,	 0x400cc0, 0xdc0,    0x2800,   0x820, 0x140cca,
		0x52800, 0x100cc0, 0x1c24ca, 0x1c20ca, 0xc00, 0x2100,
	};
	static const int bits[] = { 0, 1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 18, 19, 20, 22, 24 };
	const int nbits = sizeof(bits) / sizeof(bits[0]);
	struct gfp_table *fmt, *bt = NULL, *fallback;
	struct btf *btf;

	(void)state;
	if (!have_live_kernel())
		skip();
	fmt = gfp_table__load(TRACEFS);
	assert_non_null(fmt);
	assert_string_equal(gfp_table__source(fmt), "tracefs format");
	btf = btf__load_vmlinux_btf();
	assert_non_null(btf);
	assert_int_equal(gfp_table__from_btf(&bt, btf), 0);
	assert_string_equal(gfp_table__source(bt), "BTF");

	for (__u64 m = 0; m < 1ULL << nbits; m++) {
		__u64 flags = 0;

		for (int i = 0; i < nbits; i++)
			if (m & 1ULL << i)
				flags |= 1ULL << bits[i];
		assert_same_decode(fmt, bt, flags);
	}
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		assert_same_decode(fmt, bt, real[i]);
	for (int i = 0; i < 64; i++)
		assert_same_decode(fmt, bt, 1ULL << i);

	fallback = gfp_table__load(NULL);
	assert_non_null(fallback);
	assert_string_equal(gfp_table__source(fallback), "BTF");
	assert_same_decode(fmt, fallback, 0x400dc0);
	gfp_table__free(fallback);
	gfp_table__free(bt);
	gfp_table__free(fmt);
	btf__free(btf);
}

static void test_from_btf_args(void **state)
{
	struct gfp_table *t = (struct gfp_table *)0x1;

	(void)state;
	assert_int_equal(gfp_table__from_btf(&t, NULL), -EINVAL);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_618),
		cmocka_unit_test(test_decode_61),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_zero_mask_and_no_terminator),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_no_gfp_table),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_null_table),
		cmocka_unit_test(test_load_fake_tracefs),
		cmocka_unit_test(test_from_btf_args),
		cmocka_unit_test(test_btf_matches_live_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
