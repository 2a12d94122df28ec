/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report --folded` (report_folded.c). */
#ifndef KMEMSCOPE_REPORT_FOLDED_H
#define KMEMSCOPE_REPORT_FOLDED_H

#include <stdio.h>
#include "report_model.h"

/* total * part / sum without overflow; 0 when sum is 0 */
__u64 rp_scale(__u64 total, __u64 part, __u64 sum);
/*
 * The estimates (rp_fold.est) of the lines linked to a site, for the weight
 * w (enum rp_weight): each site's lines add up to its exact total.
 */
void rp_fold_estimates(struct report *rp, int w);
/* 0, or 1 when the input had no stacks (nothing printed) */
int report_print_folded(FILE *f, struct report *rp);

#endif
