/* SPDX-License-Identifier: GPL-2.0 */
/* Fragmentation records of the report (report_frag.c). */
#ifndef KMEMSCOPE_REPORT_FRAG_H
#define KMEMSCOPE_REPORT_FRAG_H

#include <cjson/cJSON.h>
#include "report_model.h"

struct ndjson_reader;

/* one observation v at t into first / min / max / last */
void rp_stat_add(struct rp_stat4 *s, double v, __u64 t);
int rp_feed_buddyinfo(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
/* only the latest correlation window is kept */
int rp_feed_correlation(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
int rp_feed_vmstat(struct report *rp, const cJSON *rec);
/* the sites that allocated most while order-3 blocks had run out */
void rp_build_exhaustion(struct report *rp);
/* a vmstat counter summed over the input, 0 when absent */
__u64 rp_vmstat(const struct report *rp, const char *key);

#endif
