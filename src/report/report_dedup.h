/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Duplicate input (report_dedup.c): a run is known by its header's host and
 * start time; each of its intervals (seq) counts once, from the first input
 * that had it, however many files repeat it (a.ndjson beside a.ndjson.gz, one
 * file given twice, a segment copied into the state directory).
 */
#ifndef KMEMSCOPE_REPORT_DEDUP_H
#define KMEMSCOPE_REPORT_DEDUP_H

#include "report_model.h"

struct ndjson_reader;

/* A new input starts: no run until its header. */
void rp_dedup_input(struct report *rp);
/* A header: the run its records belong to. start_ns 0 (unknown): not checked. 0 or -ENOMEM. */
int rp_dedup_header(struct report *rp, const char *hostname, __u64 start_ns);
/*
 * A record of interval seq: 1 when an earlier reading had that interval (skip
 * it; the first time an input does so, one warning names both inputs), 0 to
 * count it, -ENOMEM.
 */
int rp_dedup_seq(struct report *rp, struct ndjson_reader *r, __u64 seq);

/*
 * Intervals missing between the first and the last one read of each run
 * (seq numbers never read: dropped by the daemon at queue_limit, or their
 * segment deleted or unreadable); *gaps: how many holes.
 */
__u64 rp_seq_missing(const struct report *rp, __u64 *gaps);

#endif
