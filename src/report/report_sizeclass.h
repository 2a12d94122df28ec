/* SPDX-License-Identifier: GPL-2.0 */
/* kmalloc size classes of the report (report_sizeclass.c). */
#ifndef KMEMSCOPE_REPORT_SIZECLASS_H
#define KMEMSCOPE_REPORT_SIZECLASS_H

#include "report_model.h"

/* One interval of a kmalloc site: its allocations into s->parts. 0 or -ENOMEM. */
int rp_classify(struct rp_site *s, __u64 allocs, __u64 req, __u64 alloc, const __u64 *h);
/* Allocations of a known size (alloc_sizes): exact, into s->parts and s->asizes. 0 or -ENOMEM. */
int rp_add_asize(struct rp_site *s, bool kmalloc, __u64 size, __u64 allocs, __u64 req);
/* largest size served by the kmalloc class below c (192 -> 128, 128 -> 96, 512 -> 256) */
__u64 rp_class_below(__u64 c);
/* rp->classes from every site's parts, by slack */
void rp_build_classes(struct report *rp);

#endif
