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

/* one more zeroed element at the end of the array *arrp of n, counted by the caller; NULL: ENOMEM */
static void *grow(void *arrp, size_t n, size_t size)
{
	char *v = realloc(*(void **)arrp, (n + 1) * size);

	if (!v)
		return NULL;
	*(void **)arrp = v;
	memset(v + n * size, 0, size);
	return v + n * size;
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
	struct rp_owner *o = NULL;

	if (!name)
		return 0;
	rp->owner_field = field;
	for (size_t i = 0; i < rp->nr_owners && !o; i++)
		if (!strcmp(rp->owners[i].name, name))
			o = &rp->owners[i];
	if (!o) {
		o = grow(&rp->owners, rp->nr_owners, sizeof(*o));
		if (!o)
			return -ENOMEM;
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

/*
 * Live values are current values, like the kernel's: the latest record's
 * count. True when time t is the latest yet (*live_t then becomes t).
 */
static bool latest(__u64 *live_t, __u64 t)
{
	if (*live_t && t < *live_t)
		return false;
	*live_t = t;
	return true;
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
	if (latest(&s->live_t, t)) {
		s->live = v->live;
		s->live_bytes = v->live_bytes;
		s->live_untracked = v->untracked;
	}
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
static int over_site(struct report *rp, const struct site_vals *v, __u64 t, const __u64 *h)
{
	struct site_vals c = *v;

	rp->over_records++;
	rp->over_allocs = rp_sat_add(rp->over_allocs, v->allocs);
	rp->over_bytes = rp_sat_add(rp->over_bytes, v->alloc);
	c.live = c.live_bytes = 0; /* as for site_rest: the interval has the live totals */
	site_add(rp->rest, &c, t, h);
	if (t && !rp_site_point(rp, rp->rest, t, v->allocs, v->alloc))
		return -ENOMEM;
	return 0;
}

/* the slice of the record's owner (none: not split), added when new; NULL on ENOMEM */
static struct rp_slice *get_slice(struct rp_site *s, const cJSON *rec)
{
	const char *field, *name = owner_of(rec, &field);
	struct rp_slice *o;

	for (size_t i = 0; i < s->nr_slices; i++) {
		o = &s->slices[i];
		if (name ? o->owner && o->owner_field == field && !strcmp(o->owner, name) :
			   !o->owner)
			return o;
	}
	o = grow(&s->slices, s->nr_slices, sizeof(*o));
	if (!o)
		return NULL;
	if (name) {
		o->owner = strdup(name);
		if (!o->owner)
			return NULL;
		o->owner_field = field;
	}
	s->nr_slices++;
	return o;
}

/* the slice's entry for this stack (innermost first), added when new; NULL on ENOMEM */
static struct rp_stack *get_stack(struct rp_slice *o, const cJSON *frames)
{
	size_t n = (size_t)cJSON_GetArraySize(frames), j;
	struct rp_stack *st;
	const cJSON *it;

	for (size_t i = 0; i < o->nr_stacks; i++) {
		st = &o->stacks[i];
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
	st = grow(&o->stacks, o->nr_stacks, sizeof(*st));
	if (!st)
		return NULL;
	st->frames = calloc(n ? n : 1, sizeof(*st->frames));
	if (!st->frames)
		return NULL;
	o->nr_stacks++;
	cJSON_ArrayForEach(it, frames)
	{
		st->frames[st->nr_frames] = strdup(it->valuestring);
		if (!st->frames[st->nr_frames++])
			return NULL;
	}
	return st;
}

/* one element of a site's "stacks", read: its frames and sampled counts */
struct stack_elem {
	const cJSON *frames; /* a non-empty array of frame names, innermost first */
	unsigned long long allocs, req, alloc;
	long long live, live_bytes; /* 0 when absent */
};

/* the one reading of a "stacks" element; false when it is not one */
static bool stack_read(const cJSON *e, struct stack_elem *x)
{
	const cJSON *it;

	memset(x, 0, sizeof(*x));
	x->frames = cJSON_GetObjectItemCaseSensitive(e, FLD_STACK);
	if (!cJSON_IsArray(x->frames) || !cJSON_GetArraySize(x->frames))
		return false;
	cJSON_ArrayForEach(it, x->frames)
	{
		if (!cJSON_IsString(it) || !it->valuestring[0])
			return false;
	}
	return nr_get_u64(e, FLD_ALLOCS, &x->allocs) && nr_get_u64(e, FLD_BYTES_REQ, &x->req) &&
	       nr_get_u64(e, FLD_BYTES_ALLOC, &x->alloc) && opt_s64(e, FLD_LIVE, &x->live) &&
	       opt_s64(e, FLD_LIVE_BYTES, &x->live_bytes);
}

/*
 * A record's "stacks" into *out, read whole before anything is added: one
 * bad element skips the record. 0; 1: skipped (said); or -ENOMEM.
 */
static int stacks_read(struct ndjson_reader *r, const cJSON *arr, struct stack_elem **out,
		       size_t *n)
{
	size_t cap = (size_t)cJSON_GetArraySize(arr);
	const cJSON *e;

	*n = 0;
	*out = NULL;
	if (!cap)
		return 0;
	*out = calloc(cap, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(e, arr)
	{
		if (*n == cap || !stack_read(e, &(*out)[*n]))
			return rp_bad_field(r, REC_SITE, FLD_STACKS,
					    "has an element without a stack of frame names and "
					    "integer counts") ?:
				       1;
		(*n)++;
	}
	return 0;
}

/*
 * A record's sampled stacks into its slice: counts summed over intervals,
 * live values the latest record's that lists the stack. fold: each stack
 * is linked to its site's folded line of it (made on first sight).
 */
static int slice_stacks(struct report *rp, struct ndjson_reader *r, struct rp_site *s,
			struct rp_slice *o, const struct stack_elem *x, size_t n, __u64 t,
			bool fold)
{
	for (size_t i = 0; i < n; i++) {
		struct rp_stack *st = get_stack(o, x[i].frames);
		int rc;

		if (!st)
			return -ENOMEM;
		st->allocs = rp_sat_add(st->allocs, x[i].allocs);
		st->bytes_req = rp_sat_add(st->bytes_req, x[i].req);
		st->bytes_alloc = rp_sat_add(st->bytes_alloc, x[i].alloc);
		st->slack =
			rp_sat_add(st->slack, x[i].alloc > x[i].req ? x[i].alloc - x[i].req : 0);
		if (latest(&st->live_t, t)) {
			st->live = x[i].live;
			st->live_bytes = x[i].live_bytes;
		}
		rc = st->fold || !fold ? 0 : fold_get(rp, r, x[i].frames, s, &st->fold);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void slices_live(struct rp_site *s)
{
	s->live = s->live_bytes = 0;
	s->live_untracked = 0;
	for (size_t i = 0; i < s->nr_slices; i++) {
		s->live = rp_sat_add_s(s->live, s->slices[i].live);
		s->live_bytes = rp_sat_add_s(s->live_bytes, s->slices[i].live_bytes);
		s->live_untracked = rp_sat_add(s->live_untracked, s->slices[i].live_untracked);
	}
}

/* the record's counts into its owner's slice of the site */
static struct rp_slice *slice_add(struct rp_site *s, const cJSON *rec, const struct site_vals *v,
				  __u64 t)
{
	struct rp_slice *o = get_slice(s, rec);

	if (!o)
		return NULL;
	o->allocs = rp_sat_add(o->allocs, v->allocs);
	o->bytes_req = rp_sat_add(o->bytes_req, v->req);
	o->bytes_alloc = rp_sat_add(o->bytes_alloc, v->alloc);
	if (latest(&o->live_t, t)) {
		o->live = v->live;
		o->live_bytes = v->live_bytes;
		o->live_untracked = v->untracked;
	}
	if (o->owner) /* each owner's records have its own live values: the site's are their sum */
		slices_live(s);
	return o;
}

/*
 * A site's one-frame line: what its stacks cannot share out (no sample, or
 * none with the weight). 0; 1: no line (past the bound); or -ENOMEM.
 */
static int fold_one(struct report *rp, struct ndjson_reader *r, struct rp_site *s)
{
	cJSON *one = cJSON_CreateArray();
	struct rp_fold *f;
	int rc = -ENOMEM;

	if (one && cJSON_AddItemToArray(one, cJSON_CreateString(s->site)))
		rc = fold_get(rp, r, one, s, &f);
	cJSON_Delete(one);
	if (!rc)
		f->one_frame = true;
	return rc;
}

/* --by: the owners' summed live bytes of the site's pending interval into its series */
static int owner_live_flush(struct report *rp, struct rp_site *s)
{
	struct rp_pt *p;

	if (!s->owner_live_t)
		return 0;
	p = rp_site_point(rp, s, s->owner_live_t, 0, 0);
	if (!p)
		return -ENOMEM;
	rp_add_live(p, s->owner_live, s->owner_live_t);
	s->owner_live_t = 0;
	return 0;
}

/*
 * An owner's record at t: the sum of every owner's latest live bytes (each
 * slice keeps its own) is the site's at t once all of t's records are in,
 * so a series point is taken when the site moves on to another interval.
 */
static int owner_live(struct report *rp, struct rp_site *s, __u64 t)
{
	int rc = s->owner_live_t != t ? owner_live_flush(rp, s) : 0;

	if (rc)
		return rc;
	s->owner_live_t = t;
	s->owner_live = s->live_bytes;
	return 0;
}

int rp_owner_live_flush(struct report *rp)
{
	int rc = 0;

	for (size_t i = 0; i < rp->nr_sites && !rc; i++)
		rc = owner_live_flush(rp, rp->sites[i]);
	return rc;
}

void rp_fold_sums(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_folds; i++) {
		struct rp_fold *f = rp->folds[i];

		f->s_allocs = f->s_alloc = f->s_slack = 0;
		f->s_live_bytes = 0;
	}
	for (size_t i = 0; i < rp->nr_sites; i++) {
		const struct rp_site *s = rp->sites[i];

		for (size_t k = 0; k < s->nr_slices; k++) {
			for (size_t j = 0; j < s->slices[k].nr_stacks; j++) {
				const struct rp_stack *st = &s->slices[k].stacks[j];
				struct rp_fold *f = st->fold;

				if (!f)
					continue;
				f->s_allocs = rp_sat_add(f->s_allocs, st->allocs);
				f->s_alloc = rp_sat_add(f->s_alloc, st->bytes_alloc);
				f->s_slack = rp_sat_add(f->s_slack, st->slack);
				f->s_live_bytes = rp_sat_add_s(f->s_live_bytes, st->live_bytes);
			}
		}
	}
}

/* a site record read whole (counts v, sizes h, sampled stacks x) into its site */
static int site_feed(struct report *rp, struct ndjson_reader *r, const cJSON *rec,
		     const struct site_vals *v, const __u64 *h, const struct stack_elem *x,
		     size_t nx, __u64 t)
{
	const char *kind = nr_get_str(rec, FLD_KIND), *cache = nr_get_str(rec, FLD_CACHE);
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACK);
	struct rp_slice *o;
	struct rp_site *s;
	bool exact;
	int rc;

	s = get_site(rp, &rp->site_map, kind, cache ? cache : "", nr_get_str(rec, FLD_CALLER),
		     nr_get_str(rec, FLD_SITE));
	if (!s && errno == ENOSPC)
		return over_site(rp, v, t, h);
	if (!s)
		return -ENOMEM;
	rc = site_gfps(r, s, cJSON_GetObjectItemCaseSensitive(rec, FLD_GFP));
	if (!rc)
		rc = site_asizes(r, s, cJSON_GetObjectItemCaseSensitive(rec, FLD_ALLOC_SIZES),
				 &exact);
	if (rc)
		return rc;
	site_add(s, v, t, h);
	o = slice_add(s, rec, v, t);
	if (!o)
		return -ENOMEM;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, FLD_REQ_UNKNOWN)))
		s->req_unknown = true;
	/* exports before alloc_sizes: the classes estimated from the size histogram */
	if (!exact && !strcmp(kind, KIND_NAME_KMALLOC) && v->allocs && !s->req_unknown &&
	    rp_classify(s, v->allocs, v->req, v->alloc, h))
		return -ENOMEM;
	if (t) {
		struct rp_pt *p = rp_site_point(rp, s, t, v->allocs, v->alloc);

		if (!p)
			return -ENOMEM;
		if (cJSON_GetObjectItemCaseSensitive(rec, FLD_LIVE_BYTES)) {
			if (o->owner)
				rc = owner_live(rp, s, t);
			else
				rp_add_live(p, v->live_bytes, t);
		}
		if (rc)
			return rc;
	}
	if (cJSON_GetObjectItemCaseSensitive(rec, FLD_STACKS) || rp->stack_sampled) {
		rc = fold_one(rp, r, s);
		return rc < 0 ? rc : slice_stacks(rp, r, s, o, x, nx, t, !rc);
	}
	if (stack && cJSON_GetArraySize(stack))
		return fold_add(rp, r, stack, v->alloc, v->allocs);
	return 0;
}

int rp_feed_site(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const char *kind = nr_get_str(rec, FLD_KIND), *caller = nr_get_str(rec, FLD_CALLER);
	const char *site = nr_get_str(rec, FLD_SITE);
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACK);
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(rec, FLD_STACKS);
	struct stack_elem *x;
	__u64 h[RP_HIST] = {};
	struct site_vals v;
	size_t nx;
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
	if (stack && !cJSON_IsArray(stack))
		return rp_bad_field(r, REC_SITE, FLD_STACK, "is not an array");
	if (stacks && !cJSON_IsArray(stacks))
		return rp_bad_field(r, REC_SITE, FLD_STACKS, "is not an array");
	rc = stacks_read(r, stacks, &x, &nx);
	if (!rc && rp_owner_add(rp, rec, v.allocs, v.req, v.alloc, v.charged))
		rc = -ENOMEM;
	if (!rc)
		rc = site_feed(rp, r, rec, &v, h, x, nx, t);
	free(x);
	return rc < 0 ? rc : 0;
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
