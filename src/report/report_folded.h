/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report --folded` (report_folded.c). */
#ifndef KMEMSCOPE_REPORT_FOLDED_H
#define KMEMSCOPE_REPORT_FOLDED_H

#include <stdio.h>
#include "report_model.h"

/* 0, or 1 when the input had no stacks (nothing printed) */
int report_print_folded(FILE *f, struct report *rp);

#endif
