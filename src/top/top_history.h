/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope top`'s memory of the past: the last intervals' state documents
 * (to step back through them: the table exactly as it was) and each site's
 * BYTES/s over them (the TREND sparkline). Bounded: at most `len` intervals,
 * `max_bytes` of kept documents and TOP_HISTORY_SITES sites; what it lets
 * go is counted. Pure: no terminal, no kernel.
 */
#ifndef KMEMSCOPE_TOP_HISTORY_H
#define KMEMSCOPE_TOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include "htab.h"
#include "top_model.h"

#define TOP_HISTORY_SITES 65536
#define TOP_HISTORY_BYTES (16U << 20) /* of kept state documents */

struct top_history {
	size_t len; /* intervals kept */
	size_t max_bytes; /* of kept documents */
	/* ring of compact JSON state documents, oldest at head */
	char **docs;
	size_t head, nr, bytes;
	unsigned long long seq; /* intervals added so far */
	unsigned long long docs_dropped; /* let go early: over max_bytes */
	unsigned long long sites_dropped; /* sites without a trend: table full */
	struct htab sites; /* "kind site" -> struct top_trend */
};

int top_history_init(struct top_history *h, size_t len, size_t max_bytes);
void top_history_free(struct top_history *h);
/* Keep m's state and each row's BYTES/s. 0 or -ENOMEM. */
int top_history_add(struct top_history *h, const struct top_model *m);
/* Fill each row's trend[] from the kept rates (back: intervals back from the newest). */
void top_history_fill(const struct top_history *h, struct top_model *m, size_t back);
/* The state document `back` intervals before the newest (0: the newest), or NULL. */
const char *top_history_doc(const struct top_history *h, size_t back);
/* A sparkline of trend[] in width characters (block characters when utf8). */
void top_sparkline(const double *trend, int n, bool utf8, char *buf, size_t sz);

#endif
