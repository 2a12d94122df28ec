/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Chart axes of the HTML report: y ticks that are round numbers in the unit
 * they are printed in (1024-based for bytes), time ticks on round instants.
 * Pure functions, tested in tests/unit/test_axis.c.
 */
#ifndef KMS_REPORT_AXIS_H
#define KMS_REPORT_AXIS_H

#include <stdbool.h>
#include <stddef.h>

struct rp_ticks {
	double unit; /* bytes: 1, 1024, 1024^2, ...; counts: 1 */
	const char *uname; /* "B", "KiB", ...; "" for counts */
	double step; /* between ticks, in bytes (not in unit) */
	double max; /* the axis' top: a whole number of steps */
	int n; /* steps from 0 to max */
};

/*
 * Ticks from 0 to at least v: at most 5 steps of 1, 2 or 5 times a power of
 * ten in the unit printed, so that every label is a round number of it.
 */
void rp_y_ticks(double v, bool bytes, struct rp_ticks *t);
/* "50 MiB" + suffix; counts "0.25" */
const char *rp_tick_label(const struct rp_ticks *t, double v, const char *suffix, char *buf,
			  size_t sz);

/* seconds between time ticks: a round step, at most 5 of them over span */
double rp_time_step(double span);
/* the first tick at or after t0 */
double rp_time_first(double t0, double step);
/* label of a tick: as precise as the step needs, the date when span > 1 day */
const char *rp_time_label(double t, double step, double span, char *buf, size_t sz);

#endif
