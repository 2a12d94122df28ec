/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope top --replay FILE|DIR`: a recording (an export, or a daemon's
 * state directory of segments) turned back into the state documents top
 * draws, one per interval, in order: sites with their interval counts as
 * `delta` and running sums as `total`, the interval's buddyinfo, meminfo
 * and pagetype records.
 */
#ifndef KMEMSCOPE_TOP_REPLAY_H
#define KMEMSCOPE_TOP_REPLAY_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct top_replay;

/* NULL with a one-line reason in why when path is neither a readable export nor a directory of them */
struct top_replay *top_replay_open(const char *path, char *why, size_t sz);
/* The next interval's state document (the caller owns it), or NULL at the end. */
cJSON *top_replay_next(struct top_replay *r);
/* Intervals handed out so far. */
unsigned long top_replay_count(const struct top_replay *r);
void top_replay_close(struct top_replay *r);

#endif
