// SPDX-License-Identifier: GPL-2.0
/* Pearson's r, the lag search over the sliding window, and dropping idle series. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "correlate.h"
#include "util.h"

static void assert_near(double a, double b, double eps)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%.12f is not within %g of %.12f", a, eps, b);
}

static void test_pearson(void **state)
{
	double x[] = { 1, 2, 3, 4, 5 };
	double up[] = { 2, 4, 6, 8, 10 }, down[] = { 5, 4, 3, 2, 1 };
	double y[] = { 2, 4, 5, 4, 5 }, flat[] = { 7, 7, 7, 7, 7 };
	double tenth[] = { 0.1, 0.1, 0.1, 0.1, 0.1 };
	double bx[5], by[5];
	int i;

	(void)state;
	assert_near(pearson(x, up, 5), 1, 1e-12);
	assert_near(pearson(x, down, 5), -1, 1e-12);
	/*
	 * means 3 and 4; deviations (-2 -1 0 1 2) and (-2 0 1 0 1):
	 * sxy = 6, sxx = 10, syy = 6, r = 6 / sqrt(60)
	 */
	assert_near(pearson(x, y, 5), 6 / sqrt(60), 1e-12);
	assert_near(pearson(y, x, 5), 6 / sqrt(60), 1e-12);
	assert_true(isnan(pearson(x, flat, 5)));
	assert_true(isnan(pearson(flat, x, 5)));
	/* a constant whose mean is not exact in binary */
	assert_true(isnan(pearson(x, tenth, 5)));
	assert_true(isnan(pearson(x, up, 1)));
	assert_true(isnan(pearson(x, up, 0)));
	/* large offsets: a one-pass sum of squares would cancel to garbage */
	for (i = 0; i < 5; i++) {
		bx[i] = 1e9 + x[i];
		by[i] = 1e9 + y[i];
	}
	assert_near(pearson(bx, by, 5), 6 / sqrt(60), 1e-9);
}

/* deterministic noise in [0, 1) */
static double noise(unsigned int *seed)
{
	return rand_r(seed) / (RAND_MAX + 1.0);
}

/*
 * "alpha" allocates high-order pages at random; the unusable index of
 * order 3 moves with it two intervals later. "beta" is unrelated noise and
 * "gamma" never changes, so it has no r at all.
 */
static void test_lag_found(void **state)
{
	struct correlator c;
	struct corr_result res[16];
	double alpha[40];
	unsigned int seed = 42;
	int t, n, tgt, other;

	(void)state;
	assert_int_equal(corr_init(&c, 30, 5), 0);
	assert_int_equal(c.min_n, 5);
	other = corr_add_target(&c, "free_pages Node 0 Normal");
	tgt = corr_add_target(&c, "unusable_index_order3 Node 0 Normal");
	assert_int_equal(other, 0);
	assert_int_equal(tgt, 1);
	for (t = 0; t < 40; t++) {
		alpha[t] = 100 * noise(&seed);
		assert_int_equal(corr_add_activity(&c, "alpha", CORR_HIGH_ORDER_PAGES, alpha[t]),
				 0);
		assert_int_equal(
			corr_add_activity(&c, "beta", CORR_HIGH_ORDER_PAGES, 100 * noise(&seed)),
			0);
		assert_int_equal(corr_add_activity(&c, "gamma", CORR_VMALLOC_PAGES, 3), 0);
		corr_set_target(&c, tgt, t >= 2 ? 0.5 * alpha[t - 2] + 1 : 0);
		corr_set_target(&c, other, noise(&seed));
		corr_commit(&c);
	}
	assert_int_equal(c.intervals, 40);
	n = corr_rank(&c, res, ARRAY_SIZE(res));
	/* alpha and beta against two targets; gamma is constant */
	assert_int_equal(n, 4);
	assert_string_equal(res[0].caller, "alpha");
	assert_int_equal(res[0].activity, CORR_HIGH_ORDER_PAGES);
	assert_int_equal(res[0].target, tgt);
	assert_int_equal(res[0].lag, 2);
	assert_int_equal(res[0].n, 30 - 2);
	assert_near(res[0].r, 1, 1e-9);
	for (t = 1; t < n; t++) {
		assert_true(res[t].r <= res[t - 1].r);
		assert_string_not_equal(res[t].caller, "gamma");
		assert_true(res[t].r < 0.9);
	}
	assert_string_equal(corr_activity_name(res[0].activity), "high_order_pages");
	/* max bounds what is written */
	assert_int_equal(corr_rank(&c, res, 1), 1);
	assert_string_equal(res[0].caller, "alpha");
	corr_free(&c);
}

static void test_min_pairs(void **state)
{
	struct correlator c;
	struct corr_result res[4];
	int t;

	(void)state;
	assert_int_equal(corr_init(&c, 10, 3), 0);
	assert_int_equal(corr_add_target(&c, "t"), 0);
	for (t = 0; t < 6; t++) {
		corr_add_activity(&c, "a", CORR_EXTFRAG, t % 3);
		corr_set_target(&c, 0, t % 3);
		corr_commit(&c);
		/* fewer than min_n (5) committed intervals: no pairs to speak of */
		if (t < 4)
			assert_int_equal(corr_rank(&c, res, 4), 0);
	}
	/* 6 intervals: lag 0 and 1 have 6 and 5 pairs, lag 2 only 4 */
	assert_int_equal(corr_rank(&c, res, 4), 1);
	assert_int_equal(res[0].lag, 0);
	assert_int_equal(res[0].n, 6);
	assert_near(res[0].r, 1, 1e-12);
	corr_free(&c);
}

/*
 * A target that changed in one interval and a caller active only then have
 * r = 1: no trend, and no result. Three common moves are one.
 */
static void test_one_coincidence(void **state)
{
	struct correlator c;
	struct corr_result res[4];
	int t;

	(void)state;
	assert_int_equal(corr_init(&c, 20, 0), 0);
	assert_int_equal(corr_add_target(&c, "t"), 0);
	for (t = 0; t < 20; t++) {
		corr_add_activity(&c, "once", CORR_LIVE_GROWTH, t == 7 ? 100 : 0);
		corr_add_activity(&c, "thrice", CORR_HIGH_ORDER_PAGES,
				  t == 7 || t == 12 || t == 15 ? 512 : 0);
		corr_set_target(&c, 0, t == 7 ? 0.5 : t == 12 || t == 15 ? 0.25 : 0);
		corr_commit(&c);
	}
	assert_int_equal(corr_rank(&c, res, 4), 1);
	assert_string_equal(res[0].caller, "thrice");
	assert_true(res[0].r > 0.9);
	corr_free(&c);
}

/* After a whole window of the opposite relation, the old one is forgotten. */
static void test_window_slides(void **state)
{
	struct correlator c;
	struct corr_result res[4];
	unsigned int seed = 7;
	int t;

	(void)state;
	assert_int_equal(corr_init(&c, 10, 0), 0);
	assert_int_equal(corr_add_target(&c, "t"), 0);
	for (t = 0; t < 30; t++) {
		double a = noise(&seed);

		corr_add_activity(&c, "a", CORR_LIVE_GROWTH, a);
		/* positive for 20 intervals, then negative */
		corr_set_target(&c, 0, t < 20 ? a : -a);
		corr_commit(&c);
		assert_int_equal(corr_rank(&c, res, 4), t >= 4);
		if (t == 19)
			assert_near(res[0].r, 1, 1e-12);
		if (t == 24)
			assert_true(res[0].r > -0.99 && res[0].r < 0.99);
	}
	assert_near(res[0].r, -1, 1e-12);
	assert_int_equal(res[0].n, 10);
	corr_free(&c);
}

static void test_idle_series_dropped(void **state)
{
	struct correlator c;
	char name[32];
	int t, i;

	(void)state;
	assert_int_equal(corr_init(&c, 5, 1), 0);
	assert_int_equal(corr_add_activity(&c, "once", CORR_EXTFRAG, 3), 0);
	/* reported, but only ever with 0 */
	assert_int_equal(corr_add_activity(&c, "zero", CORR_EXTFRAG, 0), 0);
	assert_int_equal(c.series.len, 2);
	for (t = 0; t < 5; t++) {
		corr_commit(&c);
		assert_int_equal(c.series.len, 2);
	}
	/* six intervals: the window (intervals 1..5) is all zero for both */
	corr_commit(&c);
	assert_int_equal(c.series.len, 0);

	/* back again: a fresh series, none of the old values */
	assert_int_equal(corr_add_activity(&c, "once", CORR_EXTFRAG, 1), 0);
	assert_int_equal(c.series.len, 1);

	/* a day of new callers that each show up once: memory stays bounded */
	for (t = 0; t < 2000; t++) {
		for (i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "caller_%d_%d", t, i);
			assert_int_equal(corr_add_activity(&c, name, CORR_LIVE_GROWTH, 1), 0);
		}
		corr_commit(&c);
		assert_true(c.series.len <= 5 * 5 + 1);
	}
	for (t = 0; t < 6; t++)
		corr_commit(&c);
	assert_int_equal(c.series.len, 0);
	corr_free(&c);
}

static void test_keys_and_args(void **state)
{
	struct correlator c;
	char a[200], b[200];
	int i;

	(void)state;
	assert_int_equal(corr_init(&c, 1, 0), -EINVAL);
	assert_int_equal(corr_init(&c, 10, 10), -EINVAL);
	assert_int_equal(corr_init(&c, 10, -1), -EINVAL);
	assert_int_equal(corr_init(&c, 10, 9), 0);
	for (i = 0; i < CORR_MAX_TARGETS; i++)
		assert_int_equal(corr_add_target(&c, "t"), i);
	assert_int_equal(corr_add_target(&c, "t"), -ENOSPC);
	/* only the first 127 characters of a caller name count */
	memset(a, 'x', sizeof(a));
	memcpy(b, a, sizeof(b));
	a[150] = 'a';
	b[150] = 'b';
	a[199] = b[199] = '\0';
	assert_int_equal(corr_add_activity(&c, a, CORR_EXTFRAG, 1), 0);
	assert_int_equal(corr_add_activity(&c, b, CORR_EXTFRAG, 1), 0);
	assert_int_equal(c.series.len, 1);
	/* the same caller with another activity is another series */
	assert_int_equal(corr_add_activity(&c, a, CORR_VMALLOC_PAGES, 1), 0);
	assert_int_equal(c.series.len, 2);
	assert_int_equal(corr_add_activity(&c, NULL, CORR_EXTFRAG, 1), -EINVAL);
	assert_int_equal(corr_add_activity(&c, "x", CORR_NR_ACTIVITY, 1), -EINVAL);
	assert_int_equal(corr_add_activity(&c, "x", CORR_EXTFRAG, NAN), -EINVAL);
	corr_set_target(&c, 99, 1); /* ignored */
	corr_set_target(&c, -1, 1);
	assert_string_equal(corr_activity_name(CORR_NR_ACTIVITY), "unknown");
	corr_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pearson),	      cmocka_unit_test(test_lag_found),
		cmocka_unit_test(test_min_pairs),     cmocka_unit_test(test_one_coincidence),
		cmocka_unit_test(test_window_slides), cmocka_unit_test(test_idle_series_dropped),
		cmocka_unit_test(test_keys_and_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
