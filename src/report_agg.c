// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report`: summing export records over files and time. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report.h"

#define NS 1000000000ULL
#define DEFAULT_PAGEBLOCK_ORDER 9
#define MAX_FRAMES 128

/* ---- a small string -> pointer map --------------------------------------- */

struct rp_strmap {
	size_t cap, len;
	char **keys;
	void **vals;
};

static __u64 hash_str(const char *s)
{
	__u64 h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t sm_slot(const struct rp_strmap *m, const char *k)
{
	size_t i = hash_str(k) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], k))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void *sm_get(const struct rp_strmap *m, const char *k)
{
	return m && m->cap ? m->vals[sm_slot(m, k)] : NULL;
}

static int sm_grow(struct rp_strmap *m)
{
	struct rp_strmap n = { .cap = m->cap ? m->cap * 2 : 64 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i]) {
			size_t j = sm_slot(&n, m->keys[i]);

			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
		}
	}
	n.len = m->len;
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

/* Key copied; the value is the caller's. */
static int sm_put(struct rp_strmap *m, const char *k, void *v)
{
	size_t i;

	if ((m->len + 1) * 2 > m->cap && sm_grow(m))
		return -ENOMEM;
	i = sm_slot(m, k);
	if (!m->keys[i]) {
		m->keys[i] = strdup(k);
		if (!m->keys[i])
			return -ENOMEM;
		m->len++;
	}
	m->vals[i] = v;
	return 0;
}

static void sm_free(struct rp_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m);
}

static int push(void *listp, size_t *nr, void *item)
{
	void ***list = listp;
	void **l = realloc(*list, (*nr + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	l[(*nr)++] = item;
	*list = l;
	return 0;
}

static __u64 sat_add(__u64 a, __u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

static __s64 sat_add_s(__s64 a, __s64 b)
{
	__s64 r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* ---- time buckets ------------------------------------------------------- */

static void pt_merge(struct rp_pt *a, const struct rp_pt *b)
{
	a->allocs += b->allocs;
	a->bytes += b->bytes;
	if (!b->nlive)
		return;
	if (!a->nlive || b->t_first < a->t_first) {
		a->live_first = b->live_first;
		a->t_first = b->t_first;
	}
	if (!a->nlive || b->t_last >= a->t_last) {
		a->live_last = b->live_last;
		a->t_last = b->t_last;
	}
	if (!a->nlive || b->live_min < a->live_min)
		a->live_min = b->live_min;
	if (!a->nlive || b->live_max > a->live_max)
		a->live_max = b->live_max;
	a->nlive += b->nlive;
}

static void zpt_merge(struct rp_zpt *a, const struct rp_zpt *b)
{
	for (int i = 0; i < 2; i++) {
		a->unus[i] += b->unus[i];
		a->frag[i] += b->frag[i];
		a->free[i] += b->free[i];
	}
	a->n += b->n;
	a->ran_out |= b->ran_out;
}

/* Halve a series' resolution: bucket i goes to i / 2 (indices are >= 0). */
static void series_halve(void *v, __s64 *base, size_t *len, size_t esz, bool zone)
{
	__s64 nb = *base / 2, last = (*base + (__s64)*len - 1) / 2;
	char *p = v;

	if (!*len)
		return;
	for (size_t i = 0; i < *len; i++) {
		size_t j = (*base + i) / 2 - nb;
		void *dst = p + j * esz, *src = p + i * esz;

		if (j == i)
			continue;
		if ((*base + i) % 2 == 0 || i == 0) {
			memmove(dst, src, esz);
			continue;
		}
		if (zone)
			zpt_merge(dst, src);
		else
			pt_merge(dst, src);
	}
	/* dst j < i always after the first element: clear nothing, just shrink */
	*len = last - nb + 1;
	*base = nb;
}

static void halve_all(struct report *rp)
{
	rp->bucket_ns *= 2;
	rp->b_lo /= 2;
	rp->b_hi /= 2;
	for (size_t i = 0; i < rp->nr_sites; i++)
		series_halve(rp->sites[i]->ser.v, &rp->sites[i]->ser.base, &rp->sites[i]->ser.len,
			     sizeof(struct rp_pt), false);
	for (size_t i = 0; i < rp->nr_pages; i++)
		series_halve(rp->pages[i]->ser.v, &rp->pages[i]->ser.base, &rp->pages[i]->ser.len,
			     sizeof(struct rp_pt), false);
	for (size_t i = 0; i < rp->nr_zones; i++)
		series_halve(rp->zones[i]->zv, &rp->zones[i]->zbase, &rp->zones[i]->zlen,
			     sizeof(struct rp_zpt), true);
}

/* Bucket index of time t, widening the buckets until the data fits. */
static __s64 bucket_of(struct report *rp, __u64 t)
{
	__s64 idx;

	if (!rp->bucket_ns)
		rp->bucket_ns = NS;
	for (;;) {
		idx = t / rp->bucket_ns;
		if (!rp->any_bucket) {
			rp->b_lo = rp->b_hi = idx;
			rp->any_bucket = true;
			return idx;
		}
		if ((idx > rp->b_hi ? idx : rp->b_hi) - (idx < rp->b_lo ? idx : rp->b_lo) <
		    RP_MAX_BUCKETS)
			break;
		halve_all(rp);
	}
	if (idx < rp->b_lo)
		rp->b_lo = idx;
	if (idx > rp->b_hi)
		rp->b_hi = idx;
	return idx;
}

/* Element idx of a series, growing it (new elements zeroed). NULL on ENOMEM. */
static void *series_at(void **v, __s64 *base, size_t *len, size_t esz, __s64 idx)
{
	__s64 lo = *len ? *base : idx, hi = *len ? *base + (__s64)*len - 1 : idx;
	size_t nlen;
	char *p;

	if (idx < lo)
		lo = idx;
	if (idx > hi)
		hi = idx;
	nlen = hi - lo + 1;
	if (nlen != *len) {
		size_t shift = *len ? *base - lo : 0;

		p = realloc(*v, nlen * esz);
		if (!p)
			return NULL;
		if (shift)
			memmove(p + shift * esz, p, *len * esz);
		memset(p, 0, shift * esz);
		memset(p + (shift + *len) * esz, 0, (nlen - shift - *len) * esz);
		*v = p;
		*len = nlen;
		*base = lo;
	}
	return (char *)*v + (idx - *base) * esz;
}

/* add to a site's point of the time series at t; the point, or NULL without memory */
static struct rp_pt *site_point(struct report *rp, struct rp_site *s, __u64 t, __u64 allocs,
				__u64 bytes)
{
	struct rp_pt *p = series_at((void **)&s->ser.v, &s->ser.base, &s->ser.len, sizeof(*p),
				    bucket_of(rp, t));

	if (p) {
		p->allocs += allocs;
		p->bytes += bytes;
	}
	return p;
}

__u64 rp_bucket_time(const struct report *rp, __s64 idx)
{
	return idx * rp->bucket_ns + rp->bucket_ns / 2;
}

/* ---- records -------------------------------------------------------------- */

static bool in_window(const struct report *rp, __u64 t)
{
	if ((rp->opts.since_ns || rp->opts.until_ns) && !t)
		return false; /* time unknown: cannot be placed in a window */
	if (rp->opts.since_ns && t < rp->opts.since_ns)
		return false;
	if (rp->opts.until_ns && t > rp->opts.until_ns)
		return false;
	return true;
}

static void seen_time(struct report *rp, __u64 t)
{
	if (!t)
		return;
	if (!rp->t_min || t < rp->t_min)
		rp->t_min = t;
	if (t > rp->t_max)
		rp->t_max = t;
}

/* When the interval `seq` of the current run ended. 0 when unknown. */
static __u64 seq_time(const struct report *rp, __u64 seq)
{
	if (seq == rp->last_seq && rp->last_seq_t)
		return rp->last_seq_t;
	if (rp->run_start_ns && rp->run_interval_ns)
		return rp->run_start_ns + seq * rp->run_interval_ns;
	return rp->last_seq_t;
}

static __u64 rec_time(struct report *rp, const cJSON *rec)
{
	unsigned long long v;

	if (nr_get_time(rec, "ts_ns", &v) && v)
		return v;
	if (nr_get_u64(rec, "seq", &v))
		return seq_time(rp, v);
	return rp->last_seq_t;
}

static int bad_field(struct ndjson_reader *r, const char *type, const char *field, const char *want)
{
	return nr_problem(r, "%s record: field \"%s\" %s: record skipped", type, field, want);
}

static int add_host(struct report *rp, const cJSON *h)
{
	const char *host = nr_get_str(h, "hostname"), *kern = nr_get_str(h, "kernel");
	const char *mach = nr_get_str(h, "machine");
	struct rp_host *l;

	host = host ? host : "?";
	kern = kern ? kern : "?";
	mach = mach ? mach : "?";
	for (size_t i = 0; i < rp->nr_hosts; i++) {
		if (!strcmp(rp->hosts[i].hostname, host) && !strcmp(rp->hosts[i].kernel, kern) &&
		    !strcmp(rp->hosts[i].machine, mach))
			return 0;
	}
	l = realloc(rp->hosts, (rp->nr_hosts + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	rp->hosts = l;
	l = &l[rp->nr_hosts++];
	l->hostname = strdup(host);
	l->kernel = strdup(kern);
	l->machine = strdup(mach);
	return 0;
}

static int feed_header(struct report *rp, const cJSON *rec)
{
	unsigned long long v;
	double d;

	rp->run_start_ns = nr_get_time(rec, "start_ns", &v) ? v : 0;
	rp->run_interval_ns = 0;
	if (nr_get_num(rec, "interval_s", &d) && d >= 0.001 && d <= 86400) {
		rp->run_interval_ns = d * NS;
		if (!rp->bucket_ns)
			rp->bucket_ns = rp->run_interval_ns;
		/* a bucket must hold at least one interval or rates get spiky */
		while (rp->bucket_ns < rp->run_interval_ns) {
			if (rp->any_bucket)
				halve_all(rp);
			else
				rp->bucket_ns *= 2;
		}
	}
	rp->last_seq = 0;
	rp->last_seq_t = rp->run_start_ns;
	if (!rp->page_size && nr_get_u64(rec, "page_size", &v) && v >= 512 && v <= (1 << 24))
		rp->page_size = v;
	rp->run_pb = nr_get_u64(rec, "pageblock_order", &v) && v < 32 ? (__s64)v : -1;
	return add_host(rp, rec);
}

static void sum_object(const cJSON *o, const char *const *keys, __u64 *sums, int n)
{
	unsigned long long v;

	for (int i = 0; i < n; i++) {
		if (nr_get_u64(o, keys[i], &v))
			sums[i] = sat_add(sums[i], v);
	}
}

static int feed_interval(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	static const char *const ev[] = { "kmalloc",	     "kfree",	"kmem_cache_alloc",
					  "kmem_cache_free", "vmalloc", "vfree" };
	static const char *const um[] = { "kfree", "kmem_cache_free", "vfree" };
	static const char *const dr[] = { "sites_full", "live_full",	"ringbuf_full",
					  "stacks",	"pending_full", "recursion" };
	unsigned long long seq, end, v;
	long long live;
	double d;

	if (!nr_get_u64(rec, "seq", &seq))
		return bad_field(r, "interval", "seq", "is not a non-negative integer");
	if (!nr_get_time(rec, "end_ns", &end))
		return bad_field(r, "interval", "end_ns", "is not a time in ns");
	rp->last_seq = seq;
	rp->last_seq_t = end;
	if (!in_window(rp, end))
		return 0;
	seen_time(rp, end);
	rp->intervals++;
	if (nr_get_num(rec, "duration_s", &d) && d >= 0 && d < 1e9)
		rp->seconds += d;
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "events"), ev, rp->events, 6);
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "unmatched_frees"), um, rp->unmatched, 3);
	sum_object(cJSON_GetObjectItemCaseSensitive(rec, "drops"), dr, rp->drops, 6);
	if (nr_get_u64(rec, "stale_live", &v))
		rp->stale_live = sat_add(rp->stale_live, v);
	if (nr_get_u64(rec, "self_ignored", &v))
		rp->self_ignored = sat_add(rp->self_ignored, v);
	if (end >= rp->live_t && nr_get_s64(rec, "live", &live)) {
		rp->live = live;
		rp->live_bytes = nr_get_s64(rec, "live_bytes", &live) ? live : 0;
		rp->live_t = end;
	}
	return 0;
}

static const char *kind_norm(const char *k)
{
	return !strcmp(k, "cache") ? "kmem_cache" : k;
}

static bool caller_match(const struct report *rp, const char *caller, const char *site)
{
	const char *pat = rp->opts.caller;

	if (!pat)
		return true;
	if (!strpbrk(pat, "*?["))
		return strstr(caller, pat) || strstr(site, pat);
	return !fnmatch(pat, caller, 0) || !fnmatch(pat, site, 0);
}

static bool wanted(const struct report *rp, const char *kind, const char *caller, const char *site)
{
	if (rp->opts.kind && strcmp(kind_norm(rp->opts.kind), kind))
		return false;
	return caller_match(rp, caller, site);
}

static struct rp_site *get_site(struct report *rp, struct rp_strmap *m, const char *kind,
				const char *cache, const char *caller, const char *site)
{
	size_t n = strlen(kind) + strlen(cache) + strlen(caller) + strlen(site) + 4;
	struct rp_site *s;
	char *key = malloc(n);

	if (!key)
		return NULL;
	snprintf(key, n, "%s\x1f%s\x1f%s\x1f%s", kind, cache, caller, site);
	s = sm_get(m, key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (s) {
			s->kind = strdup(kind);
			s->cache = strdup(cache);
			s->caller = strdup(caller);
			s->site = strdup(site);
		}
		if (!s || !s->kind || !s->cache || !s->caller || !s->site || sm_put(m, key, s) ||
		    (m == rp->site_map ? push(&rp->sites, &rp->nr_sites, s) :
					 push(&rp->pages, &rp->nr_pages, s))) {
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
			s->gfps[i].allocs = sat_add(s->gfps[i].allocs, n);
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
		h[b] = sat_add(h[b], v);
	}
	return true;
}

static bool is_class(__u64 c)
{
	return c >= 8 && (!(c & (c - 1)) || c == 96 || c == 192);
}

/* largest size served by the next smaller kmalloc class */
static __u64 class_below(__u64 c)
{
	switch (c) {
	case 96:
		return 64;
	case 128:
		return 96;
	case 192:
		return 128;
	case 256:
		return 192;
	default:
		return c / 2;
	}
}

static int add_part(struct rp_site *s, __u64 size, bool est, __u64 allocs, __u64 req, __u64 alloc)
{
	struct rp_class_part *p;

	for (size_t i = 0; i < s->nr_parts; i++) {
		p = &s->parts[i];
		if (p->size == size && p->estimated == est) {
			p->allocs += allocs;
			p->req += req;
			p->alloc += alloc;
			return 0;
		}
	}
	p = realloc(s->parts, (s->nr_parts + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->parts = p;
	p[s->nr_parts++] = (struct rp_class_part){ size, est, allocs, req, alloc };
	return 0;
}

/*
 * Size class of one interval's kmalloc allocations: exact when they all had
 * one class (bytes_alloc / allocs is a class and every requested-size bucket
 * can land in it), else each size bucket's share goes to the largest class
 * its sizes can use, 2^(i+1), marked estimated.
 */
static int classify(struct rp_site *s, __u64 allocs, __u64 req, __u64 alloc, const __u64 *h)
{
	__u64 total = 0, c, dreq = 0, dalloc = 0, dn = 0;
	bool uniform;
	int last = -1;

	for (int i = 0; i < RP_HIST; i++) {
		total = sat_add(total, h[i]);
		if (h[i])
			last = i;
	}
	c = allocs ? alloc / allocs : 0;
	uniform = allocs && alloc % allocs == 0 && is_class(c);
	for (int i = 0; uniform && i <= last; i++) {
		__u64 lo = i ? 1ULL << i : 0, hi = i ? (2ULL << i) - 1 : 1;

		if (h[i] && (lo > c || hi <= class_below(c)))
			uniform = false;
	}
	if (uniform || last < 0)
		return add_part(s, uniform ? c : 0, !uniform, allocs, req, alloc);
	for (int i = 0; i <= last; i++) {
		double share = (double)h[i] / total;
		__u64 n = allocs * share, q = req * share, a = alloc * share;

		if (!h[i])
			continue;
		if (i == last) { /* the remainder: sums stay exact */
			n = allocs - dn;
			q = req - dreq;
			a = alloc - dalloc;
		}
		dn += n;
		dreq += q;
		dalloc += a;
		if (add_part(s, i < 3 ? 8 : 2ULL << i, true, n, q, a))
			return -ENOMEM;
	}
	return 0;
}

static void add_live(struct rp_pt *p, __s64 live, __u64 t)
{
	struct rp_pt one = { .live_first = live,
			     .live_last = live,
			     .live_min = live,
			     .live_max = live,
			     .t_first = t,
			     .t_last = t,
			     .nlive = 1 };

	pt_merge(p, &one);
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
	f = sm_get(rp->fold_map, key);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || sm_put(rp->fold_map, key, f) || push(&rp->folds, &rp->nr_folds, f)) {
			free(f);
			free(key);
			return -ENOMEM;
		}
		f->stack = key;
	} else {
		free(key);
	}
	f->bytes = sat_add(f->bytes, bytes);
	f->count = sat_add(f->count, count);
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
			return bad_field(r, "site", names[i], "is not an integer in [0, 2^53]") ?:
												  1;
	}
	if (cJSON_GetObjectItemCaseSensitive(rec, "live") && !nr_get_s64(rec, "live", &v->live))
		return bad_field(r, "site", "live", "is not an integer") ?: 1;
	if (cJSON_GetObjectItemCaseSensitive(rec, "live_bytes") &&
	    !nr_get_s64(rec, "live_bytes", &v->live_bytes))
		return bad_field(r, "site", "live_bytes", "is not an integer") ?: 1;
	return 0;
}

static int site_gfps(struct ndjson_reader *r, struct rp_site *s, const cJSON *g)
{
	const cJSON *it;

	if (!g)
		return 0;
	if (!cJSON_IsObject(g))
		return bad_field(r, "site", "gfp", "is not an object") ?: 1;
	cJSON_ArrayForEach(it, g)
	{
		unsigned long long n;

		if (!nr_item_u64(it, &n))
			return bad_field(r, "site", "gfp", "has a count that is not an integer") ?:
												   1;
		if (add_gfp(s, it->string, n))
			return -ENOMEM;
	}
	return 0;
}

static void site_add(struct rp_site *s, const struct site_vals *v, __u64 t, const __u64 *h)
{
	s->allocs = sat_add(s->allocs, v->allocs);
	s->frees = sat_add(s->frees, v->frees);
	s->failed = sat_add(s->failed, v->failed);
	s->bytes_req = sat_add(s->bytes_req, v->req);
	s->bytes_alloc = sat_add(s->bytes_alloc, v->alloc);
	s->bytes_freed = sat_add(s->bytes_freed, v->freed);
	s->cross_cpu_frees = sat_add(s->cross_cpu_frees, v->xcpu);
	for (int i = 0; i < RP_HIST; i++)
		s->sizes[i] = sat_add(s->sizes[i], h[i]);
	if (!s->live_t || t >= s->live_t) {
		s->live = v->live;
		s->live_bytes = v->live_bytes;
		s->live_t = t;
	}
}

static int feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *kind = nr_get_str(rec, "kind"), *caller = nr_get_str(rec, "caller");
	const char *site = nr_get_str(rec, "site"), *cache = nr_get_str(rec, "cache");
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, "stack");
	__u64 h[RP_HIST] = {};
	struct site_vals v;
	struct rp_site *s;
	int rc;

	if (!kind || !caller || !site)
		return bad_field(r, "site",
				 !kind	 ? "kind" :
				 !caller ? "caller" :
					   "site",
				 "is missing or not a string");
	if (!wanted(rp, kind, caller, site))
		return 0;
	rc = read_site_vals(r, rec, &v);
	if (rc)
		return rc < 0 ? rc : 0;
	if (!read_hist(cJSON_GetObjectItemCaseSensitive(rec, "sizes"), h))
		return bad_field(r, "site", "sizes", "is not a log2 histogram");
	if (stack && !cJSON_IsArray(stack))
		return bad_field(r, "site", "stack", "is not an array");
	s = get_site(rp, rp->site_map, kind, cache ? cache : "", caller, site);
	if (!s)
		return -ENOMEM;
	rc = site_gfps(r, s, cJSON_GetObjectItemCaseSensitive(rec, "gfp"));
	if (rc)
		return rc < 0 ? rc : 0;
	site_add(s, &v, t, h);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "req_unknown")))
		s->req_unknown = true;
	if (!strcmp(kind, "kmalloc") && v.allocs && !s->req_unknown &&
	    classify(s, v.allocs, v.req, v.alloc, h))
		return -ENOMEM;
	if (t) {
		struct rp_pt *p = site_point(rp, s, t, v.allocs, v.alloc);

		if (!p)
			return -ENOMEM;
		if (cJSON_GetObjectItemCaseSensitive(rec, "live_bytes"))
			add_live(p, v.live_bytes, t);
	}
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, v.alloc, v.allocs);
	return 0;
}

static int feed_page_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *caller = nr_get_str(rec, "caller"), *site = nr_get_str(rec, "site");
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, "stack");
	unsigned long long order, allocs, pages;
	struct rp_site *s;
	__u64 bytes;

	if (!caller)
		return bad_field(r, "page_site", "caller", "is missing or not a string");
	site = site ? site : caller;
	if (!nr_get_u64(rec, "order", &order) || order >= 32)
		return bad_field(r, "page_site", "order", "is not an order in [0, 31]");
	if (!nr_get_u64(rec, "allocs", &allocs) || !nr_get_u64(rec, "pages", &pages))
		return bad_field(r, "page_site", "allocs/pages", "is not an integer in [0, 2^53]");
	if (stack && !cJSON_IsArray(stack))
		return bad_field(r, "page_site", "stack", "is not an array");
	if (!caller_match(rp, caller, site))
		return 0;
	s = get_site(rp, rp->page_map, "page", "", caller, site);
	if (!s)
		return -ENOMEM;
	bytes = pages * (rp->page_size ? rp->page_size : 4096);
	s->allocs = sat_add(s->allocs, allocs);
	s->pages = sat_add(s->pages, pages);
	s->bytes_alloc = sat_add(s->bytes_alloc, bytes);
	s->orders |= 1u << order;
	if (t && !site_point(rp, s, t, allocs, bytes))
		return -ENOMEM;
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, bytes, allocs);
	return 0;
}

static void stat_add(struct rp_stat4 *s, double v, __u64 t)
{
	if (!s->any || t < s->t_first) {
		s->first = v;
		s->t_first = t;
	}
	if (!s->any || t >= s->t_last) {
		s->last = v;
		s->t_last = t;
	}
	if (!s->any || v < s->min)
		s->min = v;
	if (!s->any || v > s->max)
		s->max = v;
	s->any = true;
}

static struct rp_zone *get_zone(struct report *rp, __s64 node, const char *name)
{
	char key[96];
	struct rp_zone *z;

	snprintf(key, sizeof(key), "%lld\x1f%.64s", (long long)node, name);
	z = sm_get(rp->zone_map, key);
	if (z)
		return z;
	z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->node = node;
	z->zone = strndup(name, 64);
	if (!z->zone || sm_put(rp->zone_map, key, z) || push(&rp->zones, &rp->nr_zones, z)) {
		free(z->zone);
		free(z);
		return NULL;
	}
	return z;
}

/* numbers of an array; false when it is not an array of finite numbers */
static bool num_array(const cJSON *a, double *v, int max, int *n)
{
	const cJSON *it;

	*n = 0;
	if (!cJSON_IsArray(a))
		return false;
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
			return false;
		if (*n < max)
			v[(*n)++] = it->valuedouble;
	}
	return true;
}

static int zone_point(struct report *rp, struct rp_zone *z, const double *vals, bool ran_out,
		      __u64 t)
{
	struct rp_zpt *p;

	if (ran_out) {
		if (!z->ran_out || t < z->ran_out_first)
			z->ran_out_first = t;
		if (t > z->ran_out_last)
			z->ran_out_last = t;
		z->ran_out++;
	}
	z->snapshots++;
	if (!t)
		return 0;
	p = series_at((void **)&z->zv, &z->zbase, &z->zlen, sizeof(*p), bucket_of(rp, t));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		p->unus[i] += vals[i];
		p->frag[i] += vals[2 + i];
		p->free[i] += vals[4 + i];
	}
	p->n++;
	p->ran_out |= ran_out;
	return 0;
}

static int feed_buddyinfo(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	double fr[64], un[64], fi[64], vals[6];
	const char *zone = nr_get_str(rec, "zone");
	int nf, nu, nfi, ord[2];
	unsigned long long pb;
	long long node = 0;
	struct rp_zone *z;

	if (!zone)
		return bad_field(r, "buddyinfo", "zone", "is missing or not a string");
	if (cJSON_GetObjectItemCaseSensitive(rec, "node") && !nr_get_s64(rec, "node", &node))
		return bad_field(r, "buddyinfo", "node", "is not an integer");
	if (!num_array(cJSON_GetObjectItemCaseSensitive(rec, "free"), fr, 64, &nf) ||
	    !num_array(cJSON_GetObjectItemCaseSensitive(rec, "unusable_index"), un, 64, &nu) ||
	    !num_array(cJSON_GetObjectItemCaseSensitive(rec, "frag_index"), fi, 64, &nfi))
		return bad_field(r, "buddyinfo", "free/unusable_index/frag_index",
				 "is not an array of numbers");
	for (int i = 0; i < nf || i < nu || i < nfi; i++) {
		if ((i < nf && !(fr[i] >= 0 && fr[i] <= 9007199254740992.0)) ||
		    (i < nu && !(un[i] >= -0.001 && un[i] <= 1.001)) ||
		    (i < nfi && !(fi[i] >= -1.001 && fi[i] <= 1.001)))
			return bad_field(r, "buddyinfo", "free/unusable_index/frag_index",
					 "has a value out of range");
	}
	/* a snapshot may say which pageblock order it was read with */
	if (nr_get_u64(rec, "pageblock_order", &pb) && pb < 32)
		rp->run_pb = pb;
	ord[0] = 3;
	ord[1] = rp->run_pb >= 0 ? rp->run_pb : DEFAULT_PAGEBLOCK_ORDER;
	if (rp->run_pb < 0)
		rp->pageblock_assumed = true;
	if (rp->pageblock_order < 0 || rp->run_pb >= 0)
		rp->pageblock_order = ord[1];
	if (nf <= ord[1] || nu <= ord[1] || nfi <= ord[1] || nf <= 3)
		return nr_problem(
			r,
			"buddyinfo record: arrays shorter than the pageblock order %d: record skipped",
			ord[1]);
	z = get_zone(rp, node, zone);
	if (!z)
		return -ENOMEM;
	rp->frag_records++;
	for (int i = 0; i < 2; i++) {
		double freeb = 0;

		for (int n = ord[i]; n < nf; n++)
			freeb += fr[n];
		vals[i] = un[ord[i]];
		vals[2 + i] = fi[ord[i]];
		vals[4 + i] = freeb;
		stat_add(&z->unus[i], un[ord[i]], t);
		stat_add(&z->frag[i], fi[ord[i]], t);
		stat_add(&z->free[i], freeb, t);
	}
	return zone_point(rp, z, vals, vals[4] == 0, t);
}

static char *dup_or(const char *s, const char *def)
{
	return strdup(s ? s : def);
}

static int feed_correlation(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	struct rp_corr c = {}, *l;
	double rv;

	if (!nr_get_str(rec, "caller"))
		return bad_field(r, "correlation", "caller", "is missing or not a string");
	if (!nr_get_num(rec, "r", &rv) || rv < -1.000001 || rv > 1.000001)
		return bad_field(r, "correlation", "r", "is not a number in [-1, 1]");
	rp->frag_records++;
	if (t < rp->corr_t)
		return 0;
	if (t > rp->corr_t) {
		/* a later window: the earlier ranking is superseded */
		for (size_t i = 0; i < rp->nr_corr; i++) {
			free(rp->corr[i].caller);
			free(rp->corr[i].activity);
			free(rp->corr[i].target);
			free(rp->corr[i].zone);
		}
		rp->nr_corr = 0;
		rp->corr_t = t;
	}
	c.r = rv;
	nr_get_s64(rec, "node", &c.node);
	nr_get_s64(rec, "n", &c.n);
	nr_get_s64(rec, "lag", &c.lag);
	nr_get_s64(rec, "window", &c.window);
	nr_get_s64(rec, "seq", &c.seq);
	c.caller = dup_or(nr_get_str(rec, "caller"), "?");
	c.activity = dup_or(nr_get_str(rec, "activity"), "?");
	c.target = dup_or(nr_get_str(rec, "target"), "?");
	c.zone = dup_or(nr_get_str(rec, "zone"), "?");
	l = realloc(rp->corr, (rp->nr_corr + 1) * sizeof(*l));
	if (!l || !c.caller || !c.activity || !c.target || !c.zone) {
		free(c.caller);
		free(c.activity);
		free(c.target);
		free(c.zone);
		if (l)
			rp->corr = l;
		return -ENOMEM;
	}
	rp->corr = l;
	rp->corr[rp->nr_corr++] = c;
	return 0;
}

static int feed_vmstat(struct report *rp, const cJSON *rec)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(rec, "delta"), *it;

	rp->frag_records++;
	if (!cJSON_IsObject(d))
		return 0;
	cJSON_ArrayForEach(it, d)
	{
		unsigned long long v;
		__u64 *slot;

		if (!nr_item_u64(it, &v))
			continue;
		slot = sm_get(rp->vmstat_map, it->string);
		if (!slot) {
			char **k = realloc(rp->vm_keys, (rp->nr_vm + 1) * sizeof(*k));
			__u64 *vals;

			if (!k)
				return -ENOMEM;
			rp->vm_keys = k;
			vals = calloc(1, sizeof(*vals));
			if (!vals || sm_put(rp->vmstat_map, it->string, vals)) {
				free(vals);
				return -ENOMEM;
			}
			k[rp->nr_vm++] = strdup(it->string);
			slot = vals;
		}
		*slot = sat_add(*slot, v);
	}
	return 0;
}

int report_feed(struct report *rp, struct ndjson_reader *r, const cJSON *rec)
{
	const char *type = nr_get_str(rec, "type");
	__u64 t;

	if (!type)
		return 0;
	if (!strcmp(type, "header"))
		return feed_header(rp, rec);
	if (!strcmp(type, "interval"))
		return feed_interval(rp, r, rec);
	t = rec_time(rp, rec);
	if (!in_window(rp, t))
		return 0;
	if (!strcmp(type, "site") || !strcmp(type, "page_site") || !strcmp(type, "buddyinfo"))
		seen_time(rp, t);
	if (!strcmp(type, "site"))
		return feed_site(rp, r, rec, t);
	if (!strcmp(type, "page_site"))
		return feed_page_site(rp, r, rec, t);
	if (!strcmp(type, "buddyinfo"))
		return feed_buddyinfo(rp, r, rec, t);
	if (!strcmp(type, "correlation"))
		return feed_correlation(rp, r, rec, t);
	if (!strcmp(type, "vmstat"))
		return feed_vmstat(rp, rec);
	if (!strcmp(type, "failure"))
		rp->failures++;
	/* other types: not used by the report, ignored as the contract says */
	return 0;
}

int report_read(struct report *rp, struct ndjson_reader *r)
{
	const struct nr_stats *st;
	struct rp_input *in;
	cJSON *rec;
	int rc;

	/* each input starts a new run until its header says otherwise */
	rp->run_start_ns = rp->run_interval_ns = rp->last_seq = rp->last_seq_t = 0;
	rp->run_pb = -1;
	while ((rc = nr_next(r, &rec)) > 0) {
		rc = report_feed(rp, r, rec);
		if (rc == -ENOMEM) {
			nr_problem(r, "out of memory");
			break;
		}
		if (rc < 0)
			break;
	}
	st = nr_stats(r);
	in = realloc(rp->inputs, (rp->nr_inputs + 1) * sizeof(*in));
	if (in) {
		rp->inputs = in;
		in = &in[rp->nr_inputs++];
		in->path = strdup(nr_path(r));
		in->lines = st->lines;
		in->records = st->records;
		in->problems = st->problems;
		in->skipped = st->skipped;
	}
	return rc < 0 ? -1 : 0;
}

/* ---- derived results ------------------------------------------------------ */

static const char *const sort_names[RP_SORT_NR] = {
	[RP_SORT_BYTES] = "bytes", [RP_SORT_ALLOCS] = "allocs", [RP_SORT_SLACK] = "slack",
	[RP_SORT_FRAG] = "frag",   [RP_SORT_LIVE] = "live",	[RP_SORT_PINGPONG] = "pingpong",
	[RP_SORT_GFP] = "gfp",
};

int rp_sort_parse(const char *s, enum rp_sort *out)
{
	for (int i = 0; i < RP_SORT_NR; i++) {
		if (!strcmp(s, sort_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rp_sort_name(enum rp_sort k)
{
	return k < RP_SORT_NR ? sort_names[k] : "?";
}

__u64 rp_site_slack(const struct rp_site *s)
{
	return s->bytes_alloc > s->bytes_req ? s->bytes_alloc - s->bytes_req : 0;
}

double rp_site_frag(const struct rp_site *s)
{
	return s->bytes_alloc ? 100.0 * rp_site_slack(s) / s->bytes_alloc : 0;
}

const struct rp_gfp *rp_site_top_gfp(const struct rp_site *s)
{
	const struct rp_gfp *best = NULL;

	for (size_t i = 0; i < s->nr_gfps; i++) {
		if (!best || s->gfps[i].allocs > best->allocs)
			best = &s->gfps[i];
	}
	return best;
}

static double sort_value(const struct rp_site *s, enum rp_sort k)
{
	switch (k) {
	case RP_SORT_ALLOCS:
		return s->allocs;
	case RP_SORT_SLACK:
		return rp_site_slack(s);
	case RP_SORT_FRAG:
		return rp_site_frag(s);
	case RP_SORT_LIVE:
		return s->live_bytes;
	case RP_SORT_PINGPONG:
		return s->cross_cpu_frees;
	case RP_SORT_GFP:
		/* sites called with several GFP combinations first */
		return s->nr_gfps;
	case RP_SORT_BYTES:
	default:
		return s->bytes_alloc;
	}
}

static enum rp_sort cmp_key;

static int cmp_sites(const void *a, const void *b)
{
	const struct rp_site *x = *(const struct rp_site *const *)a;
	const struct rp_site *y = *(const struct rp_site *const *)b;
	double vx = sort_value(x, cmp_key), vy = sort_value(y, cmp_key);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->bytes_alloc != y->bytes_alloc)
		return x->bytes_alloc < y->bytes_alloc ? 1 : -1;
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return strcmp(x->site, y->site) ?: strcmp(x->kind, y->kind) ?: strcmp(x->cache, y->cache);
}

static void sort_sites(struct rp_site **l, size_t n, enum rp_sort k)
{
	cmp_key = k;
	if (n)
		qsort(l, n, sizeof(*l),
		      cmp_sites); // NOLINT(bugprone-sizeof-expression): array of pointers
}

static void top3(struct rp_site **top, __u64 *vals, struct rp_site *s, __u64 v)
{
	for (int i = 0; i < 3; i++) {
		if (!top[i] || v > vals[i]) {
			for (int j = 2; j > i; j--) {
				top[j] = top[j - 1];
				vals[j] = vals[j - 1];
			}
			top[i] = s;
			vals[i] = v;
			return;
		}
	}
}

static struct rp_class *class_row(struct report *rp, __u64 size)
{
	struct rp_class *c;

	for (size_t i = 0; i < rp->nr_classes; i++) {
		if (rp->classes[i].size == size)
			return &rp->classes[i];
	}
	c = realloc(rp->classes, (rp->nr_classes + 1) * sizeof(*c));
	if (!c)
		return NULL;
	rp->classes = c;
	c = &c[rp->nr_classes++];
	memset(c, 0, sizeof(*c));
	c->size = size;
	return c;
}

static int cmp_class(const void *a, const void *b)
{
	const struct rp_class *x = a, *y = b;

	if (x->slack != y->slack)
		return x->slack < y->slack ? 1 : -1;
	return x->size < y->size ? -1 : x->size > y->size;
}

static void build_classes(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_site *s = rp->sites[i];

		for (size_t j = 0; j < s->nr_parts; j++) {
			const struct rp_class_part *p = &s->parts[j];
			struct rp_class *c = class_row(rp, p->size);
			__u64 slack = p->alloc > p->req ? p->alloc - p->req : 0;

			if (!c)
				return;
			c->estimated |= p->estimated;
			c->allocs += p->allocs;
			c->req += p->req;
			c->alloc += p->alloc;
			c->slack += slack;
		}
	}
	/* a site's slack in a class: its parts summed (exact and estimated) */
	for (size_t k = 0; k < rp->nr_classes; k++) {
		struct rp_class *c = &rp->classes[k];

		for (size_t i = 0; i < rp->nr_sites; i++) {
			__u64 slack = 0;

			for (size_t j = 0; j < rp->sites[i]->nr_parts; j++) {
				const struct rp_class_part *p = &rp->sites[i]->parts[j];

				if (p->size == c->size && p->alloc > p->req)
					slack += p->alloc - p->req;
			}
			if (slack)
				top3(c->top, c->top_slack, rp->sites[i], slack);
		}
	}
	if (rp->nr_classes)
		qsort(rp->classes, rp->nr_classes, sizeof(*rp->classes), cmp_class);
}

static int cmp_gfp_row(const void *a, const void *b)
{
	const struct rp_gfp_row *x = a, *y = b;

	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return strcmp(x->flags, y->flags);
}

static void build_gfp_rows(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		struct rp_site *s = rp->sites[i];

		for (size_t j = 0; j < s->nr_gfps; j++) {
			struct rp_gfp_row *row = NULL;

			for (size_t k = 0; k < rp->nr_gfp_rows; k++) {
				if (!strcmp(rp->gfp_rows[k].flags, s->gfps[j].flags))
					row = &rp->gfp_rows[k];
			}
			if (!row) {
				row = realloc(rp->gfp_rows, (rp->nr_gfp_rows + 1) * sizeof(*row));
				if (!row)
					return;
				rp->gfp_rows = row;
				row = &row[rp->nr_gfp_rows++];
				memset(row, 0, sizeof(*row));
				row->flags = s->gfps[j].flags;
			}
			row->allocs += s->gfps[j].allocs;
			row->sites++;
			top3(row->top, row->top_allocs, s, s->gfps[j].allocs);
		}
	}
	if (rp->nr_gfp_rows)
		qsort(rp->gfp_rows, rp->nr_gfp_rows, sizeof(*rp->gfp_rows), cmp_gfp_row);
}

/*
 * A leak suspect: at least three observations of its live bytes, never
 * going down (checked per time bucket: within one, first/last are the
 * extremes; between two, the next starts no lower), and more at the end.
 */
static void leak_check(struct rp_site *s)
{
	const struct rp_pt *first = NULL, *prev = NULL;
	__u32 points = 0;

	s->growth = 0;
	for (size_t i = 0; i < s->ser.len; i++) {
		const struct rp_pt *p = &s->ser.v[i];

		if (!p->nlive)
			continue;
		if (p->live_min != p->live_first || p->live_max != p->live_last)
			return;
		if (prev && p->live_first < prev->live_last)
			return;
		first = first ? first : p;
		prev = p;
		points += p->nlive;
	}
	if (points < 3 || prev->live_last <= first->live_first || prev->t_last <= first->t_first)
		return;
	s->live_from = first->live_first;
	s->live_to = prev->live_last;
	s->t_from = first->t_first;
	s->t_to = prev->t_last;
	s->growth = (double)(s->live_to - s->live_from) * NS / (s->t_to - s->t_from);
}

static int cmp_growth(const void *a, const void *b)
{
	const struct rp_site *x = *(const struct rp_site *const *)a;
	const struct rp_site *y = *(const struct rp_site *const *)b;

	if (x->growth != y->growth)
		return x->growth < y->growth ? 1 : -1;
	return strcmp(x->site, y->site);
}

static void build_leaks(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++) {
		leak_check(rp->sites[i]);
		if (rp->sites[i]->growth > 0 && push(&rp->leaks, &rp->nr_leaks, rp->sites[i]))
			return;
	}
	if (rp->nr_leaks)
		qsort(rp->leaks, rp->nr_leaks, sizeof(*rp->leaks), cmp_growth);
}

static bool bucket_ran_out(const struct report *rp, __s64 b)
{
	for (size_t i = 0; i < rp->nr_zones; i++) {
		const struct rp_zone *z = rp->zones[i];

		if (b >= z->zbase && b < z->zbase + (__s64)z->zlen && z->zv[b - z->zbase].ran_out)
			return true;
	}
	return false;
}

/* Top 10 of a list by bytes in the buckets where order-3 blocks ran out. */
static size_t exhaust_top(struct rp_site **list, size_t n, const bool *out, __s64 lo,
			  struct rp_site **top, double *vals)
{
	size_t nr = 0;

	for (size_t i = 0; i < n; i++) {
		const struct rp_series *ser = &list[i]->ser;
		double sum = 0;
		size_t k = 0;

		for (size_t j = 0; j < ser->len; j++) {
			if (out[ser->base + j - lo])
				sum += ser->v[j].bytes;
		}
		if (sum <= 0)
			continue;
		while (k < nr && vals[k] >= sum)
			k++;
		if (k >= 10)
			continue;
		for (size_t m = nr < 10 ? nr : 9; m > k; m--) {
			top[m] = top[m - 1];
			vals[m] = vals[m - 1];
		}
		top[k] = list[i];
		vals[k] = sum;
		nr += nr < 10;
	}
	return nr;
}

static void build_exhaustion(struct report *rp)
{
	size_t n;
	bool *out;

	if (!rp->any_bucket)
		return;
	n = rp->b_hi - rp->b_lo + 1;
	out = calloc(n, sizeof(*out));
	if (!out)
		return;
	for (size_t i = 0; i < n; i++) {
		out[i] = bucket_ran_out(rp, rp->b_lo + i);
		rp->exhaust_buckets += out[i];
	}
	if (rp->exhaust_buckets) {
		rp->nr_exhaust_sites = exhaust_top(rp->sites, rp->nr_sites, out, rp->b_lo,
						   rp->exhaust_sites, rp->exhaust_site_bytes);
		rp->nr_exhaust_pages = exhaust_top(rp->pages, rp->nr_pages, out, rp->b_lo,
						   rp->exhaust_pages, rp->exhaust_page_bytes);
	}
	free(out);
}

static int cmp_corr(const void *a, const void *b)
{
	const struct rp_corr *x = a, *y = b;

	if (x->r != y->r)
		return x->r < y->r ? 1 : -1;
	return strcmp(x->caller, y->caller);
}

static int cmp_fold(const void *a, const void *b)
{
	return strcmp((*(const struct rp_fold *const *)a)->stack,
		      (*(const struct rp_fold *const *)b)->stack);
}

void report_finish(struct report *rp)
{
	struct rp_site *t = rp->total;

	for (size_t i = 0; i < rp->nr_sites; i++) {
		const struct rp_site *s = rp->sites[i];

		t->allocs = sat_add(t->allocs, s->allocs);
		t->frees = sat_add(t->frees, s->frees);
		t->failed = sat_add(t->failed, s->failed);
		t->bytes_req = sat_add(t->bytes_req, s->bytes_req);
		t->bytes_alloc = sat_add(t->bytes_alloc, s->bytes_alloc);
		t->bytes_freed = sat_add(t->bytes_freed, s->bytes_freed);
		t->cross_cpu_frees = sat_add(t->cross_cpu_frees, s->cross_cpu_frees);
		t->live = sat_add_s(t->live, s->live);
		t->live_bytes = sat_add_s(t->live_bytes, s->live_bytes);
	}
	build_classes(rp);
	build_gfp_rows(rp);
	build_leaks(rp);
	build_exhaustion(rp);
	sort_sites(rp->sites, rp->nr_sites, rp->opts.sort);
	cmp_key = RP_SORT_BYTES;
	sort_sites(rp->pages, rp->nr_pages, RP_SORT_BYTES);
	if (rp->nr_corr)
		qsort(rp->corr, rp->nr_corr, sizeof(*rp->corr), cmp_corr);
	if (rp->nr_folds)
		qsort(rp->folds, rp->nr_folds, sizeof(*rp->folds), cmp_fold);
}

int report_init(struct report *rp, const struct rp_opts *o)
{
	memset(rp, 0, sizeof(*rp));
	rp->opts = *o;
	rp->pageblock_order = -1;
	rp->run_pb = -1;
	rp->site_map = calloc(1, sizeof(struct rp_strmap));
	rp->page_map = calloc(1, sizeof(struct rp_strmap));
	rp->zone_map = calloc(1, sizeof(struct rp_strmap));
	rp->fold_map = calloc(1, sizeof(struct rp_strmap));
	rp->vmstat_map = calloc(1, sizeof(struct rp_strmap));
	rp->total = calloc(1, sizeof(*rp->total));
	if (!rp->site_map || !rp->page_map || !rp->zone_map || !rp->fold_map || !rp->vmstat_map ||
	    !rp->total) {
		report_free(rp);
		return -ENOMEM;
	}
	return 0;
}

static void site_free(struct rp_site *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_gfps; i++)
		free(s->gfps[i].flags);
	free(s->gfps);
	free(s->parts);
	free(s->ser.v);
	free(s->kind);
	free(s->cache);
	free(s->caller);
	free(s->site);
	free(s);
}

void report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_sites; i++)
		site_free(rp->sites[i]);
	for (size_t i = 0; i < rp->nr_pages; i++)
		site_free(rp->pages[i]);
	for (size_t i = 0; i < rp->nr_zones; i++) {
		free(rp->zones[i]->zone);
		free(rp->zones[i]->zv);
		free(rp->zones[i]);
	}
	for (size_t i = 0; i < rp->nr_folds; i++) {
		free(rp->folds[i]->stack);
		free(rp->folds[i]);
	}
	for (size_t i = 0; i < rp->nr_corr; i++) {
		free(rp->corr[i].caller);
		free(rp->corr[i].activity);
		free(rp->corr[i].target);
		free(rp->corr[i].zone);
	}
	for (size_t i = 0; i < rp->nr_vm; i++) {
		free(sm_get(rp->vmstat_map, rp->vm_keys[i]));
		free(rp->vm_keys[i]);
	}
	for (size_t i = 0; i < rp->nr_inputs; i++)
		free(rp->inputs[i].path);
	for (size_t i = 0; i < rp->nr_hosts; i++) {
		free(rp->hosts[i].hostname);
		free(rp->hosts[i].kernel);
		free(rp->hosts[i].machine);
	}
	free(rp->hosts);
	free(rp->inputs);
	free(rp->vm_keys);
	free(rp->sites);
	free(rp->pages);
	free(rp->zones);
	free(rp->folds);
	free(rp->corr);
	free(rp->classes);
	free(rp->gfp_rows);
	free(rp->leaks);
	site_free(rp->total);
	sm_free(rp->site_map);
	sm_free(rp->page_map);
	sm_free(rp->zone_map);
	sm_free(rp->fold_map);
	sm_free(rp->vmstat_map);
	memset(rp, 0, sizeof(*rp));
}

__u64 rp_vmstat(const struct report *rp, const char *key)
{
	const __u64 *v = sm_get(rp->vmstat_map, key);

	return v ? *v : 0;
}
