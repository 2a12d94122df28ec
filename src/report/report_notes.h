/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the report must say about its own numbers (report_notes.c): where
 * per-site detail was cut, where LIVE is a lower bound, which growing sites
 * are not leak suspects. One wording, used by the text, JSON and HTML writers.
 */
#ifndef KMEMSCOPE_REPORT_NOTES_H
#define KMEMSCOPE_REPORT_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include "report_model.h"

#define RP_NOTE_LEN 320

/* "per-site detail cut in N of M intervals ...": false (buf "") when nothing was cut */
bool rp_note_cut(const struct report *rp, char *buf, size_t sz);
/* sites beyond --max-sites counted in totals only; false when none */
bool rp_note_over(const struct report *rp, char *buf, size_t sz);
/* interval numbers missing inside a run (dropped, deleted); false when none */
bool rp_note_gaps(const struct report *rp, char *buf, size_t sz);
/* site_rest records skipped because of --kind/--caller; false when none */
bool rp_note_rest_filtered(const struct report *rp, char *buf, size_t sz);
/* LIVE is a lower bound at some sites, and the fix; false when every object was tracked */
bool rp_note_live_lower(const struct report *rp, char *buf, size_t sz);
/* why site s (rp->implied) is not a leak suspect */
void rp_note_implied(const struct rp_site *s, char *buf, size_t sz);
/* LIVE cell: "1.2K", ">=1.2K" when a lower bound */
const char *rp_fmt_live(const struct rp_site *s, char *buf, size_t sz);
/* the --live-entries value that would have held the untracked objects; 0: unknown */
__u64 rp_live_entries_hint(const struct report *rp);

#endif
