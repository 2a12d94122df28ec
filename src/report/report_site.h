/* SPDX-License-Identifier: GPL-2.0 */
/* site and page_site records (report_site.c). */
#ifndef KMEMSCOPE_REPORT_SITE_H
#define KMEMSCOPE_REPORT_SITE_H

#include <cjson/cJSON.h>
#include "report_model.h"

struct ndjson_reader;

/* t: the record's time (0: unknown). 0, or -ENOMEM; problems go to the reader. */
int rp_feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
/* --comm / --cgroup: a site record of a --by recording that matches (all, without them) */
bool rp_owner_wanted(const struct report *rp, const cJSON *rec);
/* Add a site record's counts to its comm's or cgroup's totals (none: nothing); -ENOMEM. */
int rp_owner_add(struct report *rp, const cJSON *rec, __u64 allocs, __u64 req, __u64 alloc,
		 __u64 charged);
/* site_rest: into the totals only (rp->rest) */
int rp_feed_site_rest(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
int rp_feed_page_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
/* report_finish: the --by sites' last summed live bytes into their series; -ENOMEM */
int rp_owner_live_flush(struct report *rp);
/* report_finish: each sampled folded line's sums, from the sites' stacks linked to it */
void rp_fold_sums(struct report *rp);

#endif
