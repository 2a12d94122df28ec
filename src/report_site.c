// SPDX-License-Identifier: GPL-2.0
/* site and page_site records: per-site sums, GFP combinations, size histograms, folded stacks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report_filter.h"
#include "report_series.h"
#include "report_site.h"
#include "report_sizeclass.h"

#define MAX_FRAMES 128

static struct rp_site *get_site(struct report *rp, struct htab *m, const char *kind,
				const char *cache, const char *caller, const char *site)
{
	size_t n = strlen(kind) + strlen(cache) + strlen(caller) + strlen(site) + 4;
	struct rp_site *s;
	char *key = malloc(n);

	if (!key)
		return NULL;
	snprintf(key, n, "%s\x1f%s\x1f%s\x1f%s", kind, cache, caller, site);
	s = htab_get(m, key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (s) {
			s->kind = strdup(kind);
			s->cache = strdup(cache);
			s->caller = strdup(caller);
			s->site = strdup(site);
		}
		if (!s || !s->kind || !s->cache || !s->caller || !s->site || htab_put(m, key, s) ||
		    (m == &rp->site_map ? rp_push(&rp->sites, &rp->nr_sites, s) :
					  rp_push(&rp->pages, &rp->nr_pages, s))) {
			/* leaks the partial site on ENOMEM: the report stops anyway */
			s = NULL;
		}
	}
	free(key);
	return s;
}

static int add_gfp(struct rp_site *s, const char *flags, __u64 n)
{
	struct rp_gfp *g;

	for (size_t i = 0; i < s->nr_gfps; i++) {
		if (!strcmp(s->gfps[i].flags, flags)) {
			s->gfps[i].allocs = rp_sat_add(s->gfps[i].allocs, n);
			return 0;
		}
	}
	g = realloc(s->gfps, (s->nr_gfps + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	s->gfps = g;
	g[s->nr_gfps].flags = strdup(flags);
	g[s->nr_gfps].allocs = n;
	return g[s->nr_gfps++].flags ? 0 : -ENOMEM;
}

/* "0" is bucket 0; "2^i" (in decimal) is bucket i. -1 for anything else. */
static int hist_bucket(const char *key)
{
	unsigned long long v;
	char *end;

	if (!*key || *key == '-' || *key == '+' || *key == ' ')
		return -1;
	errno = 0;
	v = strtoull(key, &end, 10);
	if (errno || *end)
		return -1;
	if (v == 0)
		return 0;
	if (v & (v - 1))
		return -1;
	return __builtin_ctzll(v) < RP_HIST ? __builtin_ctzll(v) : -1;
}

/* sizes histogram into h; false when malformed */
static bool read_hist(const cJSON *o, __u64 *h)
{
	const cJSON *it;

	if (!o)
		return true;
	if (!cJSON_IsObject(o))
		return false;
	cJSON_ArrayForEach(it, o)
	{
		unsigned long long v;
		int b = it->string ? hist_bucket(it->string) : -1;

		if (b < 0 || !nr_item_u64(it, &v))
			return false;
		h[b] = rp_sat_add(h[b], v);
	}
	return true;
}

static int fold_add(struct report *rp, struct ndjson_reader *r, const cJSON *stack, __u64 bytes,
		    __u64 count)
{
	const char *frames[MAX_FRAMES];
	struct rp_fold *f;
	size_t n = 0, len = 0;
	const cJSON *it;
	char *key, *p;

	cJSON_ArrayForEach(it, stack)
	{
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return nr_problem(
				r,
				"\"stack\" has an element that is not a frame name: stack ignored");
		if (n < MAX_FRAMES) {
			frames[n++] = it->valuestring;
			len += strlen(it->valuestring) + 1;
		}
	}
	if (!n)
		return 0;
	key = malloc(len);
	if (!key)
		return -ENOMEM;
	/* the array is innermost first; folded stacks are root first */
	p = key;
	for (size_t i = n; i-- > 0;) {
		for (const char *c = frames[i]; *c; c++)
			*p++ = *c == ';' ? ':' : (unsigned char)*c < ' ' ? '_' : *c;
		*p++ = i ? ';' : '\0';
	}
	f = htab_get(&rp->fold_map, key);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || htab_put(&rp->fold_map, key, f) ||
		    rp_push(&rp->folds, &rp->nr_folds, f)) {
			free(f);
			free(key);
			return -ENOMEM;
		}
		f->stack = key;
	} else {
		free(key);
	}
	f->bytes = rp_sat_add(f->bytes, bytes);
	f->count = rp_sat_add(f->count, count);
	return 0;
}

struct site_vals {
	unsigned long long allocs, frees, failed, req, alloc, freed, xcpu;
	long long live, live_bytes;
};

static int read_site_vals(struct ndjson_reader *r, const cJSON *rec, struct site_vals *v)
{
	static const char *const names[] = { "allocs",	       "frees",	      "failed",
					     "bytes_req",      "bytes_alloc", "bytes_freed",
					     "cross_cpu_frees" };
	unsigned long long *dst[] = { &v->allocs, &v->frees, &v->failed, &v->req,
				      &v->alloc,  &v->freed, &v->xcpu };

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < 7; i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, names[i]);

		/* allocs and the byte counts are the point of the record */
		if ((it || i == 0 || i == 3 || i == 4) && !nr_item_u64(it, dst[i]))
			return rp_bad_field(r, "site", names[i], "is not an integer in [0, 2^53]") ?:
				       1;
	}
	if (cJSON_GetObjectItemCaseSensitive(rec, "live") && !nr_get_s64(rec, "live", &v->live))
		return rp_bad_field(r, "site", "live", "is not an integer") ?: 1;
	if (cJSON_GetObjectItemCaseSensitive(rec, "live_bytes") &&
	    !nr_get_s64(rec, "live_bytes", &v->live_bytes))
		return rp_bad_field(r, "site", "live_bytes", "is not an integer") ?: 1;
	return 0;
}

static int site_gfps(struct ndjson_reader *r, struct rp_site *s, const cJSON *g)
{
	const cJSON *it;

	if (!g)
		return 0;
	if (!cJSON_IsObject(g))
		return rp_bad_field(r, "site", "gfp", "is not an object") ?: 1;
	cJSON_ArrayForEach(it, g)
	{
		unsigned long long n;

		if (!nr_item_u64(it, &n))
			return rp_bad_field(r, "site", "gfp", "has a count that is not an integer") ?:
				       1;
		if (add_gfp(s, it->string, n))
			return -ENOMEM;
	}
	return 0;
}

static void site_add(struct rp_site *s, const struct site_vals *v, __u64 t, const __u64 *h)
{
	s->allocs = rp_sat_add(s->allocs, v->allocs);
	s->frees = rp_sat_add(s->frees, v->frees);
	s->failed = rp_sat_add(s->failed, v->failed);
	s->bytes_req = rp_sat_add(s->bytes_req, v->req);
	s->bytes_alloc = rp_sat_add(s->bytes_alloc, v->alloc);
	s->bytes_freed = rp_sat_add(s->bytes_freed, v->freed);
	s->cross_cpu_frees = rp_sat_add(s->cross_cpu_frees, v->xcpu);
	for (int i = 0; i < RP_HIST; i++)
		s->sizes[i] = rp_sat_add(s->sizes[i], h[i]);
	if (!s->live_t || t >= s->live_t) {
		s->live = v->live;
		s->live_bytes = v->live_bytes;
		s->live_t = t;
	}
}

int rp_feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *kind = nr_get_str(rec, "kind"), *caller = nr_get_str(rec, "caller");
	const char *site = nr_get_str(rec, "site"), *cache = nr_get_str(rec, "cache");
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, "stack");
	__u64 h[RP_HIST] = {};
	struct site_vals v;
	struct rp_site *s;
	int rc;

	if (!kind || !caller || !site)
		return rp_bad_field(r, "site",
				    !kind   ? "kind" :
				    !caller ? "caller" :
					      "site",
				    "is missing or not a string");
	if (!rp_wanted(rp, kind, caller, site))
		return 0;
	rc = read_site_vals(r, rec, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!read_hist(cJSON_GetObjectItemCaseSensitive(rec, "sizes"), h))
		return rp_bad_field(r, "site", "sizes", "is not a log2 histogram");
	if (stack && !cJSON_IsArray(stack))
		return rp_bad_field(r, "site", "stack", "is not an array");
	s = get_site(rp, &rp->site_map, kind, cache ? cache : "", caller, site);
	if (!s)
		return -ENOMEM;
	rc = site_gfps(r, s, cJSON_GetObjectItemCaseSensitive(rec, "gfp"));
	if (rc)
		return rc < 0 ? rc : 0;
	site_add(s, &v, t, h);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "req_unknown")))
		s->req_unknown = true;
	if (!strcmp(kind, "kmalloc") && v.allocs && !s->req_unknown &&
	    rp_classify(s, v.allocs, v.req, v.alloc, h))
		return -ENOMEM;
	if (t) {
		struct rp_pt *p = rp_site_point(rp, s, t, v.allocs, v.alloc);

		if (!p)
			return -ENOMEM;
		if (cJSON_GetObjectItemCaseSensitive(rec, "live_bytes"))
			rp_add_live(p, v.live_bytes, t);
	}
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, v.alloc, v.allocs);
	return 0;
}

int rp_feed_page_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *caller = nr_get_str(rec, "caller"), *site = nr_get_str(rec, "site");
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, "stack");
	unsigned long long order, allocs, pages;
	struct rp_site *s;
	__u64 bytes;

	if (!caller)
		return rp_bad_field(r, "page_site", "caller", "is missing or not a string");
	site = site ? site : caller;
	if (!nr_get_u64(rec, "order", &order) || order >= 32)
		return rp_bad_field(r, "page_site", "order", "is not an order in [0, 31]");
	if (!nr_get_u64(rec, "allocs", &allocs) || !nr_get_u64(rec, "pages", &pages))
		return rp_bad_field(r, "page_site", "allocs/pages",
				    "is not an integer in [0, 2^53]");
	if (stack && !cJSON_IsArray(stack))
		return rp_bad_field(r, "page_site", "stack", "is not an array");
	if (!rp_caller_match(rp, caller, site))
		return 0;
	s = get_site(rp, &rp->page_map, "page", "", caller, site);
	if (!s)
		return -ENOMEM;
	bytes = pages * (rp->page_size ? rp->page_size : 4096);
	s->allocs = rp_sat_add(s->allocs, allocs);
	s->pages = rp_sat_add(s->pages, pages);
	s->bytes_alloc = rp_sat_add(s->bytes_alloc, bytes);
	s->orders |= 1u << order;
	if (t && !rp_site_point(rp, s, t, allocs, bytes))
		return -ENOMEM;
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, bytes, allocs);
	return 0;
}
