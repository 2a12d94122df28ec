/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Right-sizing advisor of the report (report_advise.c): for kmalloc sites
 * with significant slack, what a dedicated slab cache of the best object
 * size, or requests trimmed to the next smaller kmalloc class, would save.
 * The model is stated in docs/report.md ("Right-sizing: model").
 */
#ifndef KMEMSCOPE_REPORT_ADVISE_H
#define KMEMSCOPE_REPORT_ADVISE_H

#include "report_model.h"

/* slab object alignment without SLAB_HWCACHE_ALIGN: ARCH_KMALLOC_MINALIGN, sizeof(void *) */
#define RP_SLAB_ALIGN 8
/* significant slack: at least this share of the allocated bytes and this many bytes */
#define RP_ADVISE_MIN_PCT 10.0
#define RP_ADVISE_MIN_BYTES 4096

/*
 * Bytes one object of size obj costs in a dedicated cache: the object
 * rounded up to RP_SLAB_ALIGN plus its share of the slab's unused tail, at
 * the smallest slab order (up to 3) that wastes at most 1/16 of the slab,
 * as SLUB's calculate_order() first tries.
 */
double rp_slab_obj_cost(__u64 obj, __u64 page_size);
/* one site's advice into a (0: advice, -1: none: no alloc_sizes or no saving) */
int rp_advise_site(const struct rp_site *s, __u64 page_size, double seconds, struct rp_advice *a);
/* rp->advice, ranked by bytes saved */
int rp_build_advice(struct report *rp);

#endif
