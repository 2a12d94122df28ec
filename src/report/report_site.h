/* SPDX-License-Identifier: GPL-2.0 */
/* site and page_site records (report_site.c). */
#ifndef KMEMSCOPE_REPORT_SITE_H
#define KMEMSCOPE_REPORT_SITE_H

#include <cjson/cJSON.h>
#include "report_model.h"

struct ndjson_reader;

/* t: the record's time (0: unknown). 0, or -ENOMEM; problems go to the reader. */
int rp_feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
/* site_rest: into the totals only (rp->rest) */
int rp_feed_site_rest(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
int rp_feed_page_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);

#endif
