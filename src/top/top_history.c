// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`'s history: kept state documents and per-site rates (top_history.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "top_history.h"

/*
 * One site's BYTES/s, a ring indexed by the interval's sequence number: a
 * site absent from an interval keeps NaN there, so gaps stay gaps.
 */
struct top_trend {
	unsigned long long last_seq; /* the interval of the newest value */
	double *v; /* len values, v[seq % len] */
};

int top_history_init(struct top_history *h, size_t len, size_t max_bytes)
{
	memset(h, 0, sizeof(*h));
	h->len = len ? len : 1;
	h->max_bytes = max_bytes;
	h->docs = calloc(h->len, sizeof(*h->docs));
	if (!h->docs)
		return -ENOMEM;
	htab_init(&h->sites, HTAB_STR);
	return 0;
}

void top_history_free(struct top_history *h)
{
	struct htab_ent *e;

	for (size_t i = 0; h->docs && i < h->len; i++)
		free(h->docs[i]);
	free(h->docs);
	htab_for_each (&h->sites, e) {
		struct top_trend *t = e->val;

		free(t->v);
		free(t);
	}
	htab_free(&h->sites);
	memset(h, 0, sizeof(*h));
}

static void drop_oldest(struct top_history *h)
{
	char **d = &h->docs[h->head];

	h->bytes -= strlen(*d) + 1;
	free(*d);
	*d = NULL;
	h->head = (h->head + 1) % h->len;
	h->nr--;
}

static int keep_doc(struct top_history *h, const cJSON *state)
{
	char *doc = cJSON_PrintUnformatted(state);
	size_t n;

	if (!doc)
		return -ENOMEM;
	n = strlen(doc) + 1;
	if (h->nr == h->len)
		drop_oldest(h);
	/* the newest is always kept, even alone over the bound */
	while (h->nr && h->bytes + n > h->max_bytes) {
		drop_oldest(h);
		h->docs_dropped++;
	}
	h->docs[(h->head + h->nr) % h->len] = doc;
	h->nr++;
	h->bytes += n;
	return 0;
}

static void row_key(const struct top_row *r, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s %s", r->kind, r->site_name);
}

static struct top_trend *trend_of(struct top_history *h, const struct top_row *r)
{
	struct top_trend *t;
	char key[256];

	row_key(r, key, sizeof(key));
	t = htab_get(&h->sites, key);
	if (t)
		return t;
	if (h->sites.len >= TOP_HISTORY_SITES) {
		h->sites_dropped++;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->v = malloc(h->len * sizeof(*t->v));
	if (!t || !t->v || htab_put(&h->sites, key, t)) {
		if (t)
			free(t->v);
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < h->len; i++)
		t->v[i] = NAN;
	return t;
}

/* NaN over the intervals a site missed since its last value */
static void trend_set(const struct top_history *h, struct top_trend *t, double v)
{
	unsigned long long from = t->last_seq + 1;

	if (h->seq - from >= h->len || !t->last_seq)
		from = h->seq > h->len ? h->seq - h->len + 1 : 1;
	for (unsigned long long s = from; s < h->seq; s++)
		t->v[s % h->len] = NAN;
	t->v[h->seq % h->len] = v;
	t->last_seq = h->seq;
}

int top_history_add(struct top_history *h, const struct top_model *m)
{
	int err = keep_doc(h, m->state);

	if (err)
		return err;
	h->seq++;
	for (size_t i = 0; i < m->nr_rows; i++) {
		struct top_trend *t = trend_of(h, &m->rows[i]);

		if (t)
			trend_set(h, t, m->rows[i].rate_bytes);
	}
	return 0;
}

void top_history_fill(const struct top_history *h, struct top_model *m, size_t back)
{
	unsigned long long newest = h->seq > back ? h->seq - back : 0;

	for (size_t i = 0; i < m->nr_rows; i++) {
		struct top_row *r = &m->rows[i];
		const struct top_trend *t;
		char key[256];

		row_key(r, key, sizeof(key));
		t = htab_get(&h->sites, key);
		for (int k = 0; k < TOP_TREND_W; k++) {
			unsigned long long s = newest - (TOP_TREND_W - 1 - k);

			r->trend[k] = NAN;
			/* within the ring, and not overwritten by a newer interval */
			if (t && s >= 1 && s <= newest && s <= t->last_seq &&
			    t->last_seq - s < h->len && h->seq - s < h->len)
				r->trend[k] = t->v[s % h->len];
		}
	}
}

const char *top_history_doc(const struct top_history *h, size_t back)
{
	if (back >= h->nr)
		return NULL;
	return h->docs[(h->head + h->nr - 1 - back) % h->len];
}

void top_sparkline(const double *trend, int n, bool utf8, char *buf, size_t sz)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-~=+*#";
	double max = 0;
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		if (!isnan(trend[i]) && trend[i] > max)
			max = trend[i];
	}
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *c;
		char a[2] = { ' ', 0 };
		int lvl;

		if (isnan(trend[i])) {
			/* not blank: scripts split --once's columns at blanks */
			c = utf8 ? "\u00b7" : ".";
		} else {
			/* 0 is the lowest bar; a site's own maximum the highest */
			lvl = max > 0 ? (int)lround(trend[i] / max * 7) : 0;
			a[0] = ascii[lvl];
			c = utf8 ? blocks[lvl] : a;
		}
		if (len + strlen(c) + 1 > sz)
			break;
		memcpy(buf + len, c, strlen(c) + 1);
		len += strlen(c);
	}
}
