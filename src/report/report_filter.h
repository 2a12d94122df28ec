/* SPDX-License-Identifier: GPL-2.0 */
/* Which records the report keeps (report_filter.c). */
#ifndef KMEMSCOPE_REPORT_FILTER_H
#define KMEMSCOPE_REPORT_FILTER_H

#include "report_model.h"

struct ndjson_reader;

/* t inside --since/--until (an unknown time is outside any window) */
bool rp_in_window(const struct report *rp, __u64 t);
/* --caller matches the caller or the site */
bool rp_caller_match(const struct report *rp, const char *caller, const char *site);
/* --kind and --caller */
bool rp_wanted(const struct report *rp, const char *kind, const char *caller, const char *site);
/* "TYPE record: field "FIELD" WANT: record skipped"; nr_problem()'s result */
int rp_bad_field(struct ndjson_reader *r, const char *type, const char *field, const char *want);

#endif
