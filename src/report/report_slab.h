/* SPDX-License-Identifier: GPL-2.0 */
/* Slab caches of the report from the slabinfo snapshots (report_slab.c). */
#ifndef KMEMSCOPE_REPORT_SLAB_H
#define KMEMSCOPE_REPORT_SLAB_H

#include <cjson/cJSON.h>
#include "ndjson_reader.h"
#include "report_model.h"

int rp_feed_slabinfo(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t);
/* slabs holding num_objs objects, objperslab each */
__u64 rp_slab_count(__u64 num_objs, __u64 objperslab);
/* bytes of a cache's slabs: whole slabs of pagesperslab pages */
__u64 rp_slab_memory(__u64 num_objs, __u64 objperslab, __u64 pagesperslab, __u64 page_size);
/* rp->slabs by memory at the last snapshot */
void rp_sort_slabs(struct report *rp);

#endif
