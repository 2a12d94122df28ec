/* SPDX-License-Identifier: GPL-2.0 */
/* Time buckets of the report's series (report_series.c). */
#ifndef KMEMSCOPE_REPORT_SERIES_H
#define KMEMSCOPE_REPORT_SERIES_H

#include "report_model.h"

/* Double the bucket width, merging neighbours in every series. */
void rp_halve_all(struct report *rp);
/* Bucket index of time t, widening the buckets until the data fits. */
__s64 rp_bucket_of(struct report *rp, __u64 t);
/* Element idx of a series, growing it (new elements zeroed). NULL on ENOMEM. */
void *rp_series_at(void **v, __s64 *base, size_t *len, size_t esz, __s64 idx);
/* add to a site's point of the time series at t; the point, or NULL without memory */
struct rp_pt *rp_site_point(struct report *rp, struct rp_site *s, __u64 t, __u64 allocs,
			    __u64 bytes);
/* one observation of live bytes at t */
void rp_add_live(struct rp_pt *p, __s64 live, __u64 t);

#endif
