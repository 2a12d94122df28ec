// SPDX-License-Identifier: GPL-2.0
/* site and page_site records: per-site sums, GFP combinations, size histograms, folded stacks. */
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "schema.h"
#include "report_filter.h"
#include "report_series.h"
#include "report_site.h"
#include "report_sizeclass.h"

#define MAX_FRAMES 128

/* NULL: out of memory, or errno ENOSPC when the table holds --max-sites sites already */
static struct rp_site *get_site(struct report *rp, struct htab *m, const char *kind,
				const char *cache, const char *caller, const char *site)
{
	size_t n = strlen(kind) + strlen(cache) + strlen(caller) + strlen(site) + 4;
	size_t have = m == &rp->site_map ? rp->nr_sites : rp->nr_pages;
	struct rp_site *s;
	char *key = malloc(n);

	if (!key)
		return NULL;
	snprintf(key, n, "%s\x1f%s\x1f%s\x1f%s", kind, cache, caller, site);
	s = htab_get(m, key);
	if (!s && rp->opts.max_sites && have >= rp->opts.max_sites) {
		free(key);
		errno = ENOSPC;
		return NULL;
	}
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
			errno = ENOMEM;
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

/*
 * The folded line of a stack array (innermost first) into *f, created on
 * first use; site: the site its sampled counts scale to (NULL: exact).
 * 0; 1: no line (the stack is not usable, said through the reader, or past
 * the bound, counted in over_folds); or -ENOMEM.
 */
static int fold_get(struct report *rp, struct ndjson_reader *r, const cJSON *stack,
		    struct rp_site *site, struct rp_fold **out)
{
	const char *frames[MAX_FRAMES];
	struct rp_fold *f;
	size_t n = 0, len = 24; /* room for the site's address */
	const cJSON *it;
	char *key, *p;

	cJSON_ArrayForEach(it, stack)
	{
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return nr_problem(r, "\"stack\" has an element that is not a frame name: stack ignored") ?:
				       1;
		if (n < MAX_FRAMES) {
			frames[n++] = it->valuestring;
			len += strlen(it->valuestring) + 1;
		}
	}
	if (!n)
		return 1;
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
	if (site)
		sprintf(p - 1, "\x01%p", (void *)site);
	f = htab_get(&rp->fold_map, key);
	if (!f && ((rp->opts.max_sites && rp->nr_folds >= rp->opts.max_sites) ||
		   rp->fold_bytes + len > RP_FOLD_BYTES_MAX)) {
		/* bounded like the sites: 128 frames of 552 bytes make 70 KB keys */
		free(key);
		rp->over_folds++;
		return 1; /* no line: the caller adds nothing */
	}
	if (!f) {
		rp->fold_bytes += len;
		f = calloc(1, sizeof(*f));
		if (!f || htab_put(&rp->fold_map, key, f) ||
		    rp_push(&rp->folds, &rp->nr_folds, f)) {
			free(f);
			free(key);
			return -ENOMEM;
		}
		f->stack = key;
		f->site = site;
		if (site) /* the table has its own copy of the key: the line is the stack */
			*strchr(key, '\x01') = '\0';
	} else {
		free(key);
	}
	*out = f;
	return 0;
}

static int fold_add(struct report *rp, struct ndjson_reader *r, const cJSON *stack, __u64 bytes,
		    __u64 count)
{
	struct rp_fold *f;
	int rc = fold_get(rp, r, stack, NULL, &f);

	if (rc)
		return rc < 0 ? rc : 0;
	f->bytes = rp_sat_add(f->bytes, bytes);
	f->count = rp_sat_add(f->count, count);
	return 0;
}

/* one sampled stack of a site's "stacks": its sums into the site's line of that stack */
static int fold_sampled(struct report *rp, struct ndjson_reader *r, struct rp_site *s,
			const cJSON *e, __u64 t)
{
	unsigned long long allocs, req, alloc;
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(e, FLD_STACK);
	struct rp_fold *f;
	long long live;
	int rc;

	if (!cJSON_IsArray(stack) || !nr_get_u64(e, FLD_ALLOCS, &allocs) ||
	    !nr_get_u64(e, FLD_BYTES_REQ, &req) || !nr_get_u64(e, FLD_BYTES_ALLOC, &alloc))
		return rp_bad_field(r, REC_SITE, FLD_STACKS, "has an element without stack, allocs, bytes_req, bytes_alloc") ?:
			       0;
	rc = fold_get(rp, r, stack, s, &f);
	if (rc)
		return rc < 0 ? rc : 0;
	f->s_allocs = rp_sat_add(f->s_allocs, allocs);
	f->s_alloc = rp_sat_add(f->s_alloc, alloc);
	f->s_slack = rp_sat_add(f->s_slack, alloc > req ? alloc - req : 0);
	/* a current value: the latest counts */
	if (nr_get_s64(e, FLD_LIVE_BYTES, &live) && (!f->s_live_t || t >= f->s_live_t)) {
		f->s_live_bytes = live;
		f->s_live_t = t;
	}
	return 0;
}

/*
 * A site's sampled stacks, and its one-frame line: what its stacks cannot
 * share out (no sample at all, or none with the weight) is printed there.
 */
static int fold_site(struct report *rp, struct ndjson_reader *r, struct rp_site *s,
		     const cJSON *stacks, __u64 t)
{
	cJSON *one = cJSON_CreateArray();
	const cJSON *e;
	struct rp_fold *f;
	int rc = 0;

	if (!one || !cJSON_AddItemToArray(one, cJSON_CreateString(s->site)))
		rc = -ENOMEM;
	else
		rc = fold_get(rp, r, one, s, &f);
	cJSON_Delete(one);
	if (rc)
		return rc < 0 ? rc : 0;
	f->one_frame = true;
	cJSON_ArrayForEach(e, stacks)
	{
		rc = fold_sampled(rp, r, s, e, t);
		if (rc)
			return rc;
	}
	return 0;
}

struct site_vals {
	unsigned long long allocs, frees, failed, req, alloc, freed, xcpu, implied, untracked,
		charged;
	long long live, live_bytes;
};

/* the counters of site and site_rest records; need: allocs and the byte counts */
static const struct {
	const char *name;
	size_t off;
	bool need;
} counters[] = {
	{ FLD_ALLOCS, offsetof(struct site_vals, allocs), true },
	{ FLD_FREES, offsetof(struct site_vals, frees), false },
	{ FLD_FAILED, offsetof(struct site_vals, failed), false },
	{ FLD_BYTES_REQ, offsetof(struct site_vals, req), true },
	{ FLD_BYTES_ALLOC, offsetof(struct site_vals, alloc), true },
	{ FLD_BYTES_FREED, offsetof(struct site_vals, freed), false },
	{ FLD_CROSS_CPU_FREES, offsetof(struct site_vals, xcpu), false },
	/* newer fields: absent in older files, read as 0 */
	{ FLD_IMPLIED_FREES, offsetof(struct site_vals, implied), false },
	{ FLD_LIVE_UNTRACKED, offsetof(struct site_vals, untracked), false },
	{ FLD_BYTES_CHARGED, offsetof(struct site_vals, charged), false },
};

/* a signed field, 0 when absent; false when present and not an integer */
static bool opt_s64(const cJSON *rec, const char *name, long long *v)
{
	return !cJSON_GetObjectItemCaseSensitive(rec, name) || nr_get_s64(rec, name, v);
}

static int read_site_vals(struct ndjson_reader *r, const char *type, const cJSON *rec,
			  struct site_vals *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, counters[i].name);
		unsigned long long *dst = (unsigned long long *)((char *)v + counters[i].off);

		if ((it || counters[i].need) && !nr_item_u64(it, dst))
			return rp_bad_field(r, type, counters[i].name, "is not an integer in [0, 2^53]") ?:
				       1;
	}
	if (!opt_s64(rec, FLD_LIVE, &v->live))
		return rp_bad_field(r, type, FLD_LIVE, "is not an integer") ?: 1;
	if (!opt_s64(rec, FLD_LIVE_BYTES, &v->live_bytes))
		return rp_bad_field(r, type, FLD_LIVE_BYTES, "is not an integer") ?: 1;
	return 0;
}

static int site_gfps(struct ndjson_reader *r, struct rp_site *s, const cJSON *g)
{
	const cJSON *it;

	if (!g)
		return 0;
	if (!cJSON_IsObject(g))
		return rp_bad_field(r, REC_SITE, FLD_GFP, "is not an object") ?: 1;
	cJSON_ArrayForEach(it, g)
	{
		unsigned long long n;

		if (!nr_item_u64(it, &n))
			return rp_bad_field(r, REC_SITE, FLD_GFP, "has a count that is not an integer") ?:
				       1;
		if (add_gfp(s, it->string, n))
			return -ENOMEM;
	}
	return 0;
}

/*
 * alloc_sizes {"512": {"allocs": n, "bytes_req": b}}: exact per allocated
 * size. *had: the record has them (then the size classes need no estimate).
 */
static int site_asizes(struct ndjson_reader *r, struct rp_site *s, const cJSON *o, bool *had)
{
	const cJSON *it;

	*had = false;
	if (!o)
		return 0;
	if (!cJSON_IsObject(o))
		return rp_bad_field(r, REC_SITE, FLD_ALLOC_SIZES, "is not an object") ?: 1;
	/* checked whole before any is added: a bad record adds nothing */
	for (int pass = 0; pass < 2; pass++) {
		cJSON_ArrayForEach(it, o)
		{
			unsigned long long n, q;
			char *end;
			unsigned long long size = strtoull(it->string, &end, 10);

			if (*end || !size || !nr_get_u64(it, FLD_ALLOCS, &n) ||
			    !nr_get_u64(it, FLD_BYTES_REQ, &q))
				return rp_bad_field(r, REC_SITE, FLD_ALLOC_SIZES, "has an entry that is not size: {allocs, bytes_req}") ?:
					       1;
			if (pass &&
			    rp_add_asize(s, !strcmp(s->kind, KIND_NAME_KMALLOC), size, n, q))
				return -ENOMEM;
		}
	}
	*had = true;
	return 0;
}

/* the comm or cgroup of a site record of a --by recording, and which field it is */
static const char *owner_of(const cJSON *rec, const char **field)
{
	const char *comm = nr_get_str(rec, FLD_COMM), *cg = nr_get_str(rec, FLD_CGROUP);

	*field = comm ? FLD_COMM : FLD_CGROUP;
	return comm ? comm : cg;
}

bool rp_owner_wanted(const struct report *rp, const cJSON *rec)
{
	const char *comm = nr_get_str(rec, FLD_COMM), *cg = nr_get_str(rec, FLD_CGROUP);

	if (rp->opts.comm && (!comm || fnmatch(rp->opts.comm, comm, 0)))
		return false;
	return !rp->opts.cgroup || (cg && !fnmatch(rp->opts.cgroup, cg, 0));
}

int rp_owner_add(struct report *rp, const cJSON *rec, __u64 allocs, __u64 req, __u64 alloc,
		 __u64 charged)
{
	const char *field, *name = owner_of(rec, &field);
	struct rp_owner *o = NULL, *v;

	if (!name)
		return 0;
	rp->owner_field = field;
	for (size_t i = 0; i < rp->nr_owners && !o; i++)
		if (!strcmp(rp->owners[i].name, name))
			o = &rp->owners[i];
	if (!o) {
		v = realloc(rp->owners, (rp->nr_owners + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rp->owners = v;
		o = &v[rp->nr_owners];
		memset(o, 0, sizeof(*o));
		o->name = strdup(name);
		if (!o->name)
			return -ENOMEM;
		rp->nr_owners++;
	}
	o->allocs = rp_sat_add(o->allocs, allocs);
	o->bytes_req = rp_sat_add(o->bytes_req, req);
	o->bytes_alloc = rp_sat_add(o->bytes_alloc, alloc);
	o->bytes_charged = rp_sat_add(o->bytes_charged, charged);
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
	s->implied_frees = rp_sat_add(s->implied_frees, v->implied);
	s->bytes_charged = rp_sat_add(s->bytes_charged, v->charged);
	for (int i = 0; i < RP_HIST; i++)
		s->sizes[i] = rp_sat_add(s->sizes[i], h[i]);
	if (!s->live_t || t >= s->live_t) {
		/* current values, like the kernel's: the latest one counts */
		s->live = v->live;
		s->live_bytes = v->live_bytes;
		s->live_untracked = v->untracked;
		s->live_t = t;
	}
}

/* the site's entry for this stack (innermost first), added when new; NULL on ENOMEM */
static struct rp_stack *get_stack(struct rp_site *s, const cJSON *frames)
{
	size_t n = (size_t)cJSON_GetArraySize(frames), j;
	struct rp_stack *st;
	const cJSON *it;

	for (size_t i = 0; i < s->nr_stacks; i++) {
		st = &s->stacks[i];
		if (st->nr_frames != n)
			continue;
		j = 0;
		cJSON_ArrayForEach(it, frames)
		{
			if (strcmp(st->frames[j], it->valuestring))
				break;
			j++;
		}
		if (j == n)
			return st;
	}
	st = realloc(s->stacks, (s->nr_stacks + 1) * sizeof(*st));
	if (!st)
		return NULL;
	s->stacks = st;
	st = &st[s->nr_stacks];
	memset(st, 0, sizeof(*st));
	st->frames = calloc(n ? n : 1, sizeof(*st->frames));
	if (!st->frames)
		return NULL;
	s->nr_stacks++;
	cJSON_ArrayForEach(it, frames)
	{
		st->frames[st->nr_frames] = strdup(it->valuestring);
		if (!st->frames[st->nr_frames++])
			return NULL;
	}
	return st;
}

/* one element of "stacks": a non-empty array of frame names and its sampled counts */
static bool stack_ok(const cJSON *e, struct site_vals *v)
{
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(e, FLD_STACK), *it;

	if (!cJSON_IsArray(frames) || !cJSON_GetArraySize(frames))
		return false;
	cJSON_ArrayForEach(it, frames)
	{
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return false;
	}
	memset(v, 0, sizeof(*v));
	return nr_get_u64(e, FLD_ALLOCS, &v->allocs) && nr_get_u64(e, FLD_BYTES_ALLOC, &v->alloc) &&
	       (!cJSON_GetObjectItemCaseSensitive(e, FLD_BYTES_REQ) ||
		nr_get_u64(e, FLD_BYTES_REQ, &v->req)) &&
	       opt_s64(e, FLD_LIVE, &v->live) && opt_s64(e, FLD_LIVE_BYTES, &v->live_bytes);
}

/*
 * The sampled stacks of a site record: counts summed over intervals, live
 * values the latest record's (a stack absent from it has none live).
 */
static int site_stacks(struct ndjson_reader *r, struct rp_site *s, const cJSON *arr, __u64 t)
{
	bool latest = !s->stacks_t || t >= s->stacks_t;
	struct site_vals v;
	const cJSON *e;

	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr))
		return rp_bad_field(r, REC_SITE, FLD_STACKS, "is not an array") ?: 1;
	cJSON_ArrayForEach(e, arr)
	{
		if (!stack_ok(e, &v))
			return rp_bad_field(r, REC_SITE, FLD_STACKS,
					    "has an element without a stack of frame names and "
					    "integer counts") ?:
				       1;
	}
	if (latest) {
		for (size_t i = 0; i < s->nr_stacks; i++)
			s->stacks[i].live = s->stacks[i].live_bytes = 0;
		s->stacks_t = t;
	}
	cJSON_ArrayForEach(e, arr)
	{
		struct rp_stack *st;

		stack_ok(e, &v);
		st = get_stack(s, cJSON_GetObjectItemCaseSensitive(e, FLD_STACK));
		if (!st)
			return -ENOMEM;
		st->allocs = rp_sat_add(st->allocs, v.allocs);
		st->bytes_req = rp_sat_add(st->bytes_req, v.req);
		st->bytes_alloc = rp_sat_add(st->bytes_alloc, v.alloc);
		if (latest) {
			st->live = v.live;
			st->live_bytes = v.live_bytes;
		}
	}
	return 0;
}

/* the counters and size histogram every site-like record has; 0, 1: skipped, or -ENOMEM */
static int read_counts(struct ndjson_reader *r, const char *type, const cJSON *rec,
		       struct site_vals *v, __u64 *h)
{
	int rc = read_site_vals(r, type, rec, v);

	if (rc)
		return rc;
	if (!read_hist(cJSON_GetObjectItemCaseSensitive(rec, FLD_SIZES), h))
		return rp_bad_field(r, type, FLD_SIZES, "is not a log2 histogram") ?: 1;
	return 0;
}

/*
 * A site beyond --max-sites: into the totals with what site_rest left out
 * (bounded memory for any number of distinct names), counted for the note.
 */
static int over_site(struct report *rp, struct site_vals *v, __u64 t, const __u64 *h)
{
	rp->over_records++;
	rp->over_allocs = rp_sat_add(rp->over_allocs, v->allocs);
	rp->over_bytes = rp_sat_add(rp->over_bytes, v->alloc);
	v->live = v->live_bytes = 0; /* as for site_rest: the interval has the live totals */
	site_add(rp->rest, v, t, h);
	if (t && !rp_site_point(rp, rp->rest, t, v->allocs, v->alloc))
		return -ENOMEM;
	return 0;
}

int rp_feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *kind = nr_get_str(rec, FLD_KIND), *caller = nr_get_str(rec, FLD_CALLER);
	const char *site = nr_get_str(rec, FLD_SITE), *cache = nr_get_str(rec, FLD_CACHE);
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACK);
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACKS);
	__u64 h[RP_HIST] = {};
	struct site_vals v;
	struct rp_site *s;
	bool exact;
	int rc;

	if (!kind || !caller || !site)
		return rp_bad_field(r, REC_SITE,
				    !kind   ? FLD_KIND :
				    !caller ? FLD_CALLER :
					      FLD_SITE,
				    "is missing or not a string");
	if (!rp_wanted(rp, kind, caller, site) || !rp_owner_wanted(rp, rec))
		return 0;
	rc = read_counts(r, REC_SITE, rec, &v, h);
	if (rc)
		return rc < 0 ? rc : 0;
	if (rp_owner_add(rp, rec, v.allocs, v.req, v.alloc, v.charged))
		return -ENOMEM;
	if (stack && !cJSON_IsArray(stack))
		return rp_bad_field(r, REC_SITE, FLD_STACK, "is not an array");
	if (stacks && !cJSON_IsArray(stacks))
		return rp_bad_field(r, REC_SITE, FLD_STACKS, "is not an array");
	s = get_site(rp, &rp->site_map, kind, cache ? cache : "", caller, site);
	if (!s && errno == ENOSPC)
		return over_site(rp, &v, t, h);
	if (!s)
		return -ENOMEM;
	rc = site_gfps(r, s, cJSON_GetObjectItemCaseSensitive(rec, FLD_GFP));
	if (rc)
		return rc < 0 ? rc : 0;
	rc = site_stacks(r, s, cJSON_GetObjectItemCaseSensitive(rec, FLD_STACKS), t);
	if (rc)
		return rc < 0 ? rc : 0;
	rc = site_asizes(r, s, cJSON_GetObjectItemCaseSensitive(rec, FLD_ALLOC_SIZES), &exact);
	if (rc)
		return rc < 0 ? rc : 0;
	site_add(s, &v, t, h);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, FLD_REQ_UNKNOWN)))
		s->req_unknown = true;
	/* exports before alloc_sizes: the classes estimated from the size histogram */
	if (!exact && !strcmp(kind, KIND_NAME_KMALLOC) && v.allocs && !s->req_unknown &&
	    rp_classify(s, v.allocs, v.req, v.alloc, h))
		return -ENOMEM;
	if (t) {
		struct rp_pt *p = rp_site_point(rp, s, t, v.allocs, v.alloc);

		if (!p)
			return -ENOMEM;
		if (cJSON_GetObjectItemCaseSensitive(rec, FLD_LIVE_BYTES))
			rp_add_live(p, v.live_bytes, t);
	}
	if (stacks || rp->stack_sampled)
		return fold_site(rp, r, s, stacks, t);
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, v.alloc, v.allocs);
	return 0;
}

/*
 * What the site records of an interval left out: into the totals and their
 * time series, never into a site of its own (it has no kind or caller).
 * Its live values are not used: the interval record has the live totals.
 */
int rp_feed_site_rest(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	unsigned long long sites = 0;
	__u64 h[RP_HIST] = {};
	struct site_vals v;
	int rc;

	if (rp->opts.kind || rp->opts.caller || rp->opts.comm || rp->opts.cgroup) {
		/* the folded sites' kinds, callers, owners are unknown: cannot be filtered */
		rp->rest_filtered = true;
		return 0;
	}
	rc = read_counts(r, REC_SITE_REST, rec, &v, h);
	if (rc)
		return rc < 0 ? rc : 0;
	if (cJSON_GetObjectItemCaseSensitive(rec, FLD_SITES) && !nr_get_u64(rec, FLD_SITES, &sites))
		return rp_bad_field(r, REC_SITE_REST, FLD_SITES, "is not a non-negative integer");
	v.live = v.live_bytes = 0;
	site_add(rp->rest, &v, t, h);
	rp->rest_intervals++;
	rp->rest_sites = rp_sat_add(rp->rest_sites, sites);
	if (t && !rp_site_point(rp, rp->rest, t, v.allocs, v.alloc))
		return -ENOMEM;
	return 0;
}

int rp_feed_page_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *caller = nr_get_str(rec, FLD_CALLER), *site = nr_get_str(rec, FLD_SITE);
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACK);
	unsigned long long order, allocs, pages;
	struct rp_site *s;
	__u64 bytes;

	if (!caller)
		return rp_bad_field(r, REC_PAGE_SITE, FLD_CALLER, "is missing or not a string");
	site = site ? site : caller;
	if (!nr_get_u64(rec, FLD_ORDER, &order) || order >= 32)
		return rp_bad_field(r, REC_PAGE_SITE, FLD_ORDER, "is not an order in [0, 31]");
	if (!nr_get_u64(rec, FLD_ALLOCS, &allocs))
		return rp_bad_field(r, REC_PAGE_SITE, FLD_ALLOCS, "is not an integer in [0, 2^53]");
	if (!nr_get_u64(rec, FLD_PAGES, &pages))
		return rp_bad_field(r, REC_PAGE_SITE, FLD_PAGES, "is not an integer in [0, 2^53]");
	if (stack && !cJSON_IsArray(stack))
		return rp_bad_field(r, REC_PAGE_SITE, FLD_STACK, "is not an array");
	if (!rp_caller_match(rp, caller, site))
		return 0;
	s = get_site(rp, &rp->page_map, KIND_NAME_PAGE, "", caller, site);
	if (!s && errno == ENOSPC) {
		rp->over_page_records++;
		return 0;
	}
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
