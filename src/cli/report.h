/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope report` command (report.c): options, input discovery and the
 * choice of writer. The aggregate is report_model.h; reading, report_ingest.h;
 * results, report_rank.h; writers, report_{text,json,html,folded}.h.
 */
#ifndef KMEMSCOPE_REPORT_H
#define KMEMSCOPE_REPORT_H

#include <stdbool.h>
#include <linux/types.h>

enum rp_format { RP_TEXT, RP_JSON };

/* "2026-11-22T04:10:00Z"-like and relative times; now_ns: "now" */
bool rp_parse_time(const char *s, __u64 now_ns, __u64 *out);

int cmd_report(int argc, char **argv);

#endif
