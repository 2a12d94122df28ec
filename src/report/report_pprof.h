/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report --pprof FILE` (report_pprof.c). */
#ifndef KMEMSCOPE_REPORT_PPROF_H
#define KMEMSCOPE_REPORT_PPROF_H

#include "report_model.h"

/*
 * The report's sites as a gzip-compressed pprof profile.proto at path
 * ("-": stdout). 0, or -errno (message printed).
 */
int report_write_pprof(const char *path, struct report *rp);

#endif
