// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the /proc/kallsyms symbolizer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"

#define K(x) (0xffffffff81000000ULL + (x))
#define M(x) (0xffffffffc0a01000ULL + (x))

/* Out of order on purpose: the loader must sort. Text symbols marked (*). */
static const char fixture[] = "ffffffff81000100 t dup_local\n" /* (*) */
			      "ffffffff81000100 W dup_weak\n" /* (*) */
			      "ffffffff81000100 T dup_global\n" /* (*) preferred at 0x100 */
			      "ffffffff81000000 T first_func\n" /* (*) */
			      "ffffffff81000050 D some_data\n"
			      "ffffffff81000060 b some_bss\n"
			      "ffffffff81000070 r some_ro\n"
			      "ffffffff81000080 R some_RO\n"
			      "ffffffff81000090 d __key.12\n"
			      "ffffffff810000a0 B big_bss\n"
			      "0000000000000000 A abs_sym\n"
			      "ffffffff81000280 t same_name\n" /* (*) */
			      "ffffffff81000180 t same_name\n" /* (*) */
			      "ffffffff81000200 t helper.isra.0\n" /* (*) */
			      "ffffffff81000300 T vfree\n" /* (*) */
			      "garbage line\n"
			      "\n"
			      "ffffffff81000400 T\n"
			      "ffffffffc0a01000 t mod_func\t[xfs]\n" /* (*) */
			      "ffffffffc0a01080 t mod_func2\t[ext4]\n" /* (*) */
			      "ffffffffc0a01100 T mod_func3\t[xfs]\n" /* (*) last */
			      "ffffffffc0a01200 d mod_data\t[xfs]\n";

static struct ksyms *load_text(const char *text)
{
	char path[] = "/tmp/test_ksyms.XXXXXX";
	size_t len = strlen(text);
	struct ksyms *ks;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	ks = ksyms__load(path);
	unlink(path);
	assert_non_null(ks);
	return ks;
}

static int setup(void **state)
{
	*state = load_text(fixture);
	return 0;
}

static int teardown(void **state)
{
	ksyms__free(*state);
	return 0;
}

static const char *name_at(const struct ksyms *ks, __u64 addr)
{
	const struct ksym *s = ksyms__find(ks, addr);

	return s ? s->name : NULL;
}

static void test_count_skips_data(void **state)
{
	const struct ksyms *ks = *state;
	static const char *const data[] = { "some_data", "some_bss", "some_ro", "some_RO",
					    "__key.12",	 "big_bss",  "abs_sym", "mod_data" };
	size_t i;

	assert_int_equal(ksyms__count(ks), 11);
	assert_false(ksyms__hidden(ks));
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		assert_null(ksyms__by_name(ks, data[i]));
	/* Data symbols must not split the function they sit after. */
	assert_string_equal(name_at(ks, K(0x50)), "first_func");
	assert_string_equal(name_at(ks, K(0xa0)), "first_func");
}

static void test_find(void **state)
{
	const struct ksyms *ks = *state;

	assert_string_equal(name_at(ks, K(0)), "first_func");
	assert_string_equal(name_at(ks, K(0x10)), "first_func");
	assert_string_equal(name_at(ks, K(0x27f)), "helper.isra.0");
	assert_string_equal(name_at(ks, K(0x2ff)), "same_name");
	assert_string_equal(name_at(ks, K(0x300)), "vfree");
	assert_null(ksyms__find(ks, K(0) - 1));
	assert_null(ksyms__find(ks, 0));
}

static void test_find_after_last(void **state)
{
	const struct ksyms *ks = *state;

	assert_string_equal(name_at(ks, M(0x100)), "mod_func3");
	assert_string_equal(name_at(ks, M(0x100) + 0x1000), "mod_func3");
	assert_string_equal(name_at(ks, M(0x100) + (1 << 20) - 1), "mod_func3");
	assert_null(ksyms__find(ks, M(0x100) + (1 << 20)));
	assert_null(ksyms__find(ks, M(0x100) + 0x200000));
	assert_null(ksyms__find(ks, ~0ULL));
}

static void test_prefer_global(void **state)
{
	const struct ksyms *ks = *state;
	const struct ksym *s;

	assert_string_equal(name_at(ks, K(0x100)), "dup_global");
	assert_string_equal(name_at(ks, K(0x17f)), "dup_global");
	/* The other aliases stay reachable by name. */
	s = ksyms__by_name(ks, "dup_local");
	assert_non_null(s);
	assert_true(s->addr == K(0x100));
	s = ksyms__by_name(ks, "dup_weak");
	assert_non_null(s);
	assert_true(s->addr == K(0x100));
}

static void test_prefer_local_over_weak(void **state)
{
	struct ksyms *ks = load_text("ffffffff81000000 w weak_a\n"
				     "ffffffff81000000 t local_b\n"
				     "ffffffff81000000 t local_c\n");

	(void)state;
	assert_string_equal(name_at(ks, K(8)), "local_b");
	ksyms__free(ks);
}

static void test_modules(void **state)
{
	const struct ksyms *ks = *state;
	const struct ksym *a = ksyms__find(ks, M(0x10));
	const struct ksym *b = ksyms__find(ks, M(0x90));
	const struct ksym *c = ksyms__find(ks, M(0x110));

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_string_equal(a->name, "mod_func");
	assert_string_equal(a->module, "xfs");
	assert_string_equal(b->module, "ext4");
	assert_ptr_equal(a->module, c->module); /* interned */
	assert_null(ksyms__find(ks, K(0))->module);
}

static void test_by_name(void **state)
{
	const struct ksyms *ks = *state;
	const struct ksym *s;

	s = ksyms__by_name(ks, "vfree");
	assert_non_null(s);
	assert_true(s->addr == K(0x300));
	assert_null(s->module);
	s = ksyms__by_name(ks, "mod_func2");
	assert_non_null(s);
	assert_string_equal(s->module, "ext4");
	/* Duplicate static names: the lowest address is "first". */
	s = ksyms__by_name(ks, "same_name");
	assert_non_null(s);
	assert_true(s->addr == K(0x180));
	assert_null(ksyms__by_name(ks, "nope"));
	assert_null(ksyms__by_name(ks, "helper"));
	assert_null(ksyms__by_name(ks, ""));
}

static void test_range(void **state)
{
	const struct ksyms *ks = *state;
	__u64 start, end;

	assert_int_equal(ksyms__range(ks, "first_func", &start, &end), 0);
	assert_true(start == K(0) && end == K(0x100));
	/* Aliases at the same address end at the next higher one. */
	assert_int_equal(ksyms__range(ks, "dup_local", &start, &end), 0);
	assert_true(start == K(0x100) && end == K(0x180));
	assert_int_equal(ksyms__range(ks, "vfree", &start, &end), 0);
	assert_true(start == K(0x300) && end == M(0));
	assert_int_equal(ksyms__range(ks, "mod_func3", &start, &end), 0);
	assert_true(start == M(0x100) && end == M(0x100) + 4096);
	assert_int_equal(ksyms__range(ks, "some_data", &start, &end), -ENOENT);
	assert_int_equal(ksyms__range(ks, "nope", &start, &end), -ENOENT);
}

static void test_format(void **state)
{
	const struct ksyms *ks = *state;
	char buf[64], tiny[8];
	int n;

	n = ksyms__format(ks, K(0x1a), true, buf, sizeof(buf));
	assert_string_equal(buf, "first_func+0x1a");
	assert_int_equal(n, strlen(buf));
	ksyms__format(ks, K(0), true, buf, sizeof(buf));
	assert_string_equal(buf, "first_func+0x0");
	ksyms__format(ks, K(0x1a), false, buf, sizeof(buf));
	assert_string_equal(buf, "first_func");
	ksyms__format(ks, K(0xab), true, buf, sizeof(buf));
	assert_string_equal(buf, "first_func+0xab");
	ksyms__format(ks, M(0x1a), true, buf, sizeof(buf));
	assert_string_equal(buf, "mod_func+0x1a [xfs]");
	ksyms__format(ks, M(0x1a), false, buf, sizeof(buf));
	assert_string_equal(buf, "mod_func [xfs]");
	ksyms_raw_addresses = false;
	ksyms__format(ks, 0x1234, true, buf, sizeof(buf));
	assert_string_equal(buf, "[unknown]");
	ksyms_raw_addresses = true;
	ksyms__format(ks, 0x1234, true, buf, sizeof(buf));
	assert_string_equal(buf, "0x1234");
	ksyms__format(ks, 0xdeadbeefcafe0000ULL, false, buf, sizeof(buf));
	assert_string_equal(buf, "0xdeadbeefcafe0000");

	memset(tiny, 'X', sizeof(tiny));
	n = ksyms__format(ks, M(0x1a), true, tiny, sizeof(tiny));
	assert_int_equal(n, strlen("mod_func+0x1a [xfs]"));
	assert_string_equal(tiny, "mod_fun");
	assert_int_equal(ksyms__format(ks, K(0x10), true, NULL, 0), strlen("first_func+0x10"));
}

static void test_hidden(void **state)
{
	struct ksyms *ks = load_text("0000000000000000 T a_func\n"
				     "0000000000000000 t b_func\n"
				     "0000000000000000 D c_data\n");
	char buf[32];
	__u64 start, end;

	(void)state;
	assert_true(ksyms__hidden(ks));
	assert_int_equal(ksyms__count(ks), 2);
	assert_null(ksyms__find(ks, 0));
	assert_null(ksyms__find(ks, 0x1000));
	assert_int_equal(ksyms__range(ks, "a_func", &start, &end), -ENOENT);
	ksyms_raw_addresses = true;
	ksyms__format(ks, 0x1000, true, buf, sizeof(buf));
	assert_string_equal(buf, "0x1000");
	ksyms_raw_addresses = false;
	ksyms__format(ks, 0x1000, true, buf, sizeof(buf));
	assert_string_equal(buf, "[unknown]");
	ksyms__free(ks);

	/* One real address is enough to trust the file. */
	ks = load_text("0000000000000000 A abs\nffffffff81000000 T f\n");
	assert_false(ksyms__hidden(ks));
	assert_string_equal(name_at(ks, K(4)), "f");
	ksyms__free(ks);
}

static void test_empty_and_no_newline(void **state)
{
	struct ksyms *ks = load_text("");

	(void)state;
	assert_int_equal(ksyms__count(ks), 0);
	assert_false(ksyms__hidden(ks));
	assert_null(ksyms__find(ks, K(0)));
	assert_null(ksyms__by_name(ks, "x"));
	ksyms__free(ks);

	ks = load_text("ffffffff81000000 T a\nffffffff81000010 T b");
	assert_int_equal(ksyms__count(ks), 2);
	assert_non_null(ksyms__by_name(ks, "b"));
	assert_string_equal(name_at(ks, K(0x11)), "b");
	ksyms__free(ks);
}

static void test_base_len(void **state)
{
	(void)state;
	assert_int_equal(ksyms__base_len("foo.isra.0"), 3);
	assert_int_equal(ksyms__base_len("bar.cold"), 3);
	assert_int_equal(ksyms__base_len("baz.constprop.0.isra.0"), 3);
	assert_int_equal(ksyms__base_len("kmalloc_trace"), 13);
	assert_int_equal(ksyms__base_len(""), 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ksyms__load("/nonexistent/kmemscope/kallsyms"));
	assert_int_equal(errno, ENOENT);
}

static void test_real_kallsyms(void **state)
{
	const struct ksym *s, *f;
	struct ksyms *ks;

	(void)state;
	if (access("/proc/kallsyms", R_OK))
		skip();
	ks = ksyms__load("/proc/kallsyms");
	if (!ks || ksyms__hidden(ks) || !ksyms__count(ks)) {
		ksyms__free(ks);
		skip();
	}
	s = ksyms__by_name(ks, "vfree");
	assert_non_null(s);
	f = ksyms__find(ks, s->addr + 1);
	assert_non_null(f);
	assert_string_equal(f->name, "vfree");
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_count_skips_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_after_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefer_global, setup, teardown),
		cmocka_unit_test(test_prefer_local_over_weak),
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_empty_and_no_newline),
		cmocka_unit_test(test_base_len),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_real_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
