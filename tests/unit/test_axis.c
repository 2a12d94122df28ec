// SPDX-License-Identifier: GPL-2.0
/* The HTML report's axes: round ticks in the unit printed, round instants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "report_axis.h"

#define MiB (1024.0 * 1024)

static void check_ticks(double v, bool bytes, double step, double max, int n, const char *uname)
{
	struct rp_ticks t;

	rp_y_ticks(v, bytes, &t);
	assert_true(fabs(t.step - step) < 1e-9 * step);
	assert_true(fabs(t.max - max) < 1e-9 * max);
	assert_int_equal(t.n, n);
	assert_string_equal(t.uname, uname);
	/* the axis covers v, and each label is a whole number of steps */
	assert_true(t.max >= v);
}

static void test_bytes_ticks(void **state)
{
	(void)state;
	/* 191 MiB/s used to get decimal ticks printed as 191M, 143M, 95M */
	check_ticks(191 * MiB, true, 50 * MiB, 200 * MiB, 4, "MiB");
	check_ticks(200e6, true, 50 * MiB, 200 * MiB, 4, "MiB");
	check_ticks(1000, true, 200, 1000, 5, "B");
	check_ticks(1023, true, 500, 1500, 3, "B");
	check_ticks(1024, true, 0.2 * 1024, 1024, 5, "KiB");
	check_ticks(3, true, 1, 3, 3, "B");
	check_ticks(0, true, 1, 1, 1, "B");
	check_ticks(5.5 * 1024 * MiB, true, 2 * 1024 * MiB, 6 * 1024 * MiB, 3, "GiB");
}

static void test_count_ticks(void **state)
{
	(void)state;
	check_ticks(0.8, false, 0.2, 0.8, 4, "");
	check_ticks(7, false, 2, 8, 4, "");
	check_ticks(123456, false, 50000, 150000, 3, "");
}

static void test_tick_labels(void **state)
{
	struct rp_ticks t;
	char buf[40];

	(void)state;
	rp_y_ticks(191 * MiB, true, &t);
	assert_string_equal(rp_tick_label(&t, 0, "/s", buf, sizeof(buf)), "0 MiB/s");
	assert_string_equal(rp_tick_label(&t, 3 * t.step, "/s", buf, sizeof(buf)), "150 MiB/s");
	rp_y_ticks(1024, true, &t);
	assert_string_equal(rp_tick_label(&t, 3 * t.step, "", buf, sizeof(buf)), "0.6 KiB");
	rp_y_ticks(0.8, false, &t);
	assert_string_equal(rp_tick_label(&t, 3 * t.step, NULL, buf, sizeof(buf)), "0.6");
}

static void test_time_ticks(void **state)
{
	char buf[40];

	(void)state;
	assert_true(rp_time_step(3) == 1);
	assert_true(rp_time_step(4.5) == 1);
	assert_true(rp_time_step(0.5) == 0.1);
	assert_true(rp_time_step(3600) == 900);
	assert_true(rp_time_step(7 * 86400) == 172800);
	assert_true(fabs(rp_time_first(100.05, 0.1) - 100.1) < 1e-9);
	assert_true(rp_time_first(100, 1) == 100);
	assert_true(rp_time_first(100.2, 15) == 105);
	/* 2027-01-15 08:00:00 UTC */
	assert_string_equal(rp_time_label((1799971200 + 8 * 3600) + 0.5, 0.1, 1, buf, sizeof(buf)),
			    "08:00:00.5");
	assert_string_equal(rp_time_label((1799971200 + 8 * 3600), 600, 3600, buf, sizeof(buf)),
			    "08:00");
	assert_string_equal(
		rp_time_label((1799971200 + 8 * 3600), 3600, 2 * 86400, buf, sizeof(buf)),
		"01-15 08:00");
	assert_string_equal(
		rp_time_label((1799971200 + 8 * 3600), 172800, 7 * 86400, buf, sizeof(buf)),
		"01-15");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_ticks),
		cmocka_unit_test(test_count_ticks),
		cmocka_unit_test(test_tick_labels),
		cmocka_unit_test(test_time_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
