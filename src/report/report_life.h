/* SPDX-License-Identifier: GPL-2.0 */
/* Leak suspects of the report (report_life.c). */
#ifndef KMEMSCOPE_REPORT_LIFE_H
#define KMEMSCOPE_REPORT_LIFE_H

#include "report_model.h"

/* rp->leaks: the sites whose live bytes only grew, fastest first */
void rp_build_leaks(struct report *rp);

#endif
