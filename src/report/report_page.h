/* SPDX-License-Identifier: GPL-2.0 */
/* Page allocator records of the report: extfrag, compaction, page_alloc/free, meminfo. */
#ifndef KMEMSCOPE_REPORT_PAGE_H
#define KMEMSCOPE_REPORT_PAGE_H

#include <cjson/cJSON.h>
#include "ndjson_reader.h"
#include "report_model.h"

/* the compaction counters of rp_page_view.compact, in order */
extern const char *const rp_compact_names[6];

int rp_feed_extfrag(struct report *rp, struct ndjson_reader *r, const cJSON *rec);
int rp_feed_compaction(struct report *rp, const cJSON *rec);
int rp_feed_page_alloc(struct report *rp, const cJSON *rec, bool alloc);
int rp_feed_meminfo(struct report *rp, const cJSON *rec, __u64 t);
/* extfrag rows by count, most first */
void rp_sort_extfrag(struct report *rp);

#endif
