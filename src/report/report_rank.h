/* SPDX-License-Identifier: GPL-2.0 */
/* Results derived once all records are in: totals, sort keys, rankings (report_rank.c). */
#ifndef KMEMSCOPE_REPORT_RANK_H
#define KMEMSCOPE_REPORT_RANK_H

#include "report_model.h"

void report_finish(struct report *rp);
int rp_sort_parse(const char *s, enum rp_sort *out);
const char *rp_sort_name(enum rp_sort k);

#endif
