// SPDX-License-Identifier: GPL-2.0
/*
 * Chart axes. Ticks used to be decimal "nice" numbers printed in binary
 * units (200000000 printed as "191M"), and time ticks fell on fifths of
 * the span: both are chosen here in the unit they are printed in.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "report_axis.h"

static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

/* the smallest step 1, 2 or 5 x 10^k with at most 5 steps up to x (> 0) */
static double nice_step(double x)
{
	double p = pow(10, floor(log10(x / 5)));
	static const double m[] = { 1, 2, 5, 10 };

	for (size_t i = 0; i < 4; i++) {
		if (ceil(x / (m[i] * p) - 1e-9) <= 5)
			return m[i] * p;
	}
	return 10 * p;
}

void rp_y_ticks(double v, bool bytes, struct rp_ticks *t)
{
	double x;
	size_t k = 0;

	t->unit = 1;
	t->uname = bytes ? byte_units[0] : "";
	if (!(v > 0) || !isfinite(v)) {
		t->step = t->max = 1;
		t->n = 1;
		return;
	}
	while (bytes && v / t->unit >= 1024 && k + 1 < sizeof(byte_units) / sizeof(*byte_units)) {
		t->unit *= 1024;
		t->uname = byte_units[++k];
	}
	x = v / t->unit;
	t->step = nice_step(x);
	/* whole bytes: no 0.5 B ticks */
	if (bytes && t->unit == 1 && t->step < 1)
		t->step = 1;
	t->n = (int)ceil(x / t->step - 1e-9);
	if (t->n < 1)
		t->n = 1;
	t->max = t->n * t->step * t->unit;
	t->step *= t->unit;
}

const char *rp_tick_label(const struct rp_ticks *t, double v, const char *suffix, char *buf,
			  size_t sz)
{
	double x = v / t->unit;

	/* %.4g: the steps are 1, 2 or 5 x 10^k, four digits never round */
	snprintf(buf, sz, "%.4g%s%s%s", fabs(x) < 1e-9 ? 0 : x, t->uname[0] ? " " : "", t->uname,
		 suffix ? suffix : "");
	return buf;
}

double rp_time_step(double span)
{
	static const double steps[] = { 0.1,  0.2,   0.5,   1,	   2,	  5,	  10,	 15,
					30,   60,    120,   300,   600,	  900,	  1800,	 3600,
					7200, 10800, 21600, 43200, 86400, 172800, 604800 };
	size_t n = sizeof(steps) / sizeof(*steps);

	for (size_t i = 0; i < n; i++) {
		if (span / steps[i] <= 5)
			return steps[i];
	}
	return steps[n - 1] * ceil(span / 5 / steps[n - 1]);
}

double rp_time_first(double t0, double step)
{
	/* the epsilon: 0.1 is not exact in binary, t0 may be a tick already */
	return ceil(t0 / step - 1e-6) * step;
}

const char *rp_time_label(double t, double step, double span, char *buf, size_t sz)
{
	time_t s = (time_t)floor(t + 1e-6);
	const char *fmt = step >= 86400 ? "%m-%d" : step >= 60 ? "%H:%M" : "%H:%M:%S";
	char date[16] = "";
	struct tm tm;
	size_t len;

	gmtime_r(&s, &tm);
	if (span > 86400 && step < 86400)
		strftime(date, sizeof(date), "%m-%d ", &tm);
	len = strlen(date);
	snprintf(buf, sz, "%s", date);
	if (len < sz)
		strftime(buf + len, sz - len, fmt, &tm);
	len = strlen(buf);
	if (step < 1 && len + 3 < sz)
		snprintf(buf + len, sz - len, ".%d", (int)lround((t - floor(t + 1e-6)) * 10) % 10);
	return buf;
}
