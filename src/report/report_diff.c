// SPDX-License-Identifier: GPL-2.0
/*
 * report --diff: two recordings compared site by site and cache by cache.
 * Each side is a finished report; a row pairs a site (kind, cache, caller,
 * site) of A with the same site of B, either side possibly absent (zero).
 * Significance compares the allocation rates of the two sides' time
 * buckets with Welch's t (means of per-bucket rates, their variances).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report_diff.h"
#include "report_html.h"
#include "schema.h"
#include "util.h"

const char *rp_diff_check(const struct report *a, const struct report *b, char *buf, size_t sz)
{
	if (!a->intervals || !b->intervals) {
		snprintf(
			buf, sz,
			"--diff: %s has no interval records: give two recordings of kmemscope record -o",
			!a->intervals ? "A" : "B");
		return buf;
	}
	for (size_t i = 0; i < a->nr_hosts; i++) {
		for (size_t j = 0; j < b->nr_hosts; j++) {
			if (strcmp(a->hosts[i].hostname, b->hosts[j].hostname)) {
				snprintf(
					buf, sz,
					"--diff: A is from host %s, B from host %s: compare two recordings of one host",
					a->hosts[i].hostname, b->hosts[j].hostname);
				return buf;
			}
		}
	}
	return NULL;
}

double rp_diff_delta(const struct rp_diff *d, double va, double vb)
{
	if (d->per_second)
		return (d->sec_b > 0 ? vb / d->sec_b : 0) - (d->sec_a > 0 ? va / d->sec_a : 0);
	return vb - va;
}

/* the report's time buckets: how many, and their width in seconds */
static size_t nr_buckets(const struct report *rp)
{
	return rp->any_bucket ? (size_t)(rp->b_hi - rp->b_lo + 1) : 0;
}

/* a site's allocations per bucket added into acc[nr_buckets(rp)] */
static void add_series(const struct report *rp, const struct rp_site *s, double *acc)
{
	for (size_t i = 0; i < s->ser.len; i++) {
		__s64 b = s->ser.base + (__s64)i - rp->b_lo;

		if (b >= 0 && (size_t)b < nr_buckets(rp))
			acc[b] += s->ser.v[i].allocs;
	}
}

/* mean and sample variance of the per-bucket rates acc[] */
static void side_stats(const struct report *rp, const double *acc, struct rp_diff_side *x)
{
	double w = rp->bucket_ns ? rp->bucket_ns / 1e9 : 1, m = 0, v = 0;
	size_t n = nr_buckets(rp);

	x->n = n;
	for (size_t i = 0; i < n; i++)
		m += acc[i] / w;
	m = n ? m / n : 0;
	for (size_t i = 0; i < n; i++)
		v += (acc[i] / w - m) * (acc[i] / w - m);
	x->mean = m;
	x->var = n > 1 ? v / (n - 1) : 0;
}

static void side_add(struct rp_diff_side *x, const struct rp_site *s)
{
	x->allocs += s->allocs;
	x->bytes_req += s->bytes_req;
	x->bytes_alloc += s->bytes_alloc;
	x->slack += rp_site_slack(s);
	x->live += s->live;
	x->live_bytes += s->live_bytes;
}

static void judge(struct rp_diff_row *r)
{
	double se;

	if (r->a.n < RP_DIFF_MIN_N || r->b.n < RP_DIFF_MIN_N) {
		r->sig = RP_SIG_UNKNOWN;
		return;
	}
	se = sqrt(r->a.var / r->a.n + r->b.var / r->b.n);
	if (se == 0) { /* both sides constant: any difference is real */
		r->t = 0;
		r->sig = r->a.mean != r->b.mean ? RP_SIG_YES : RP_SIG_NO;
		return;
	}
	r->t = (r->b.mean - r->a.mean) / se;
	r->sig = fabs(r->t) > RP_DIFF_T ? RP_SIG_YES : RP_SIG_NO;
}

static struct rp_diff_row *row_of(struct rp_diff_row **v, size_t *n, const char *kind,
				  const char *cache, const char *caller, const char *site)
{
	struct rp_diff_row *r;

	for (size_t i = 0; i < *n; i++) {
		r = &(*v)[i];
		if (!strcmp(r->kind, kind) && !strcmp(r->cache, cache) &&
		    !strcmp(r->caller, caller) && (!site || !strcmp(r->site, site)))
			return r;
	}
	r = realloc(*v, (*n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	*v = r;
	r = &r[(*n)++];
	memset(r, 0, sizeof(*r));
	*r = (struct rp_diff_row){ .kind = kind, .cache = cache, .caller = caller, .site = site };
	return r;
}

/* per row, both sides' allocations per time bucket, while the rows are built */
struct series_acc {
	double **v[2];
	size_t n[2]; /* entries of v[side] (NULL ones too): what to free */
};

static int acc_grow(struct series_acc *acc, const struct rp_diff *d, size_t n)
{
	for (int side = 0; side < 2; side++) {
		double **v = realloc(acc->v[side], n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		acc->v[side] = v;
		v[n - 1] = calloc(nr_buckets(side ? d->b : d->a) + 1, sizeof(double));
		acc->n[side] = n;
		if (!v[n - 1])
			return -ENOMEM;
	}
	return 0;
}

/* the sites of one side into the rows: figures and the rate series */
static int add_side(struct rp_diff *d, int side, struct series_acc *acc)
{
	const struct report *rp = side ? d->b : d->a;

	for (size_t i = 0; i < rp->nr_sites; i++) {
		const struct rp_site *s = rp->sites[i];
		size_t had = d->nr_sites;
		struct rp_diff_row *r;

		r = row_of(&d->sites, &d->nr_sites, s->kind, s->cache, s->caller, s->site);
		if (!r || (d->nr_sites > had && acc_grow(acc, d, d->nr_sites)))
			return -ENOMEM;
		side_add(side ? &r->b : &r->a, s);
		if ((size_t)(r - d->sites) >= acc->n[side] || !acc->v[side][r - d->sites])
			return -ENOMEM; /* acc_grow gave every row its series, or failed */
		add_series(rp, s, acc->v[side][r - d->sites]);
	}
	return 0;
}

/* kmem_cache sites by cache; kmalloc by exact size class (alloc_sizes) */
static int build_caches(struct rp_diff *d)
{
	char name[64];

	for (int side = 0; side < 2; side++) {
		const struct report *rp = side ? d->b : d->a;

		for (size_t i = 0; i < rp->nr_sites; i++) {
			const struct rp_site *s = rp->sites[i];
			struct rp_diff_row *r;

			if (!strcmp(s->kind, KIND_NAME_CACHE)) {
				r = row_of(&d->caches, &d->nr_caches, s->kind, s->cache, s->cache,
					   NULL);
				if (!r)
					return -ENOMEM;
				side_add(side ? &r->b : &r->a, s);
				continue;
			}
			if (strcmp(s->kind, KIND_NAME_KMALLOC))
				continue;
			for (size_t j = 0; j < s->nr_asizes; j++) {
				const struct rp_asize *z = &s->asizes[j];
				struct rp_diff_side *x;
				char *n;

				snprintf(name, sizeof(name), "kmalloc-%llu",
					 (unsigned long long)z->size);
				r = NULL;
				for (size_t k = 0; k < d->nr_caches && !r; k++) {
					if (!strcmp(d->caches[k].cache, name))
						r = &d->caches[k];
				}
				if (!r) {
					n = strdup(name);
					r = n ? row_of(&d->caches, &d->nr_caches, s->kind, n, n,
						       NULL) :
						NULL;
					if (!r) {
						free(n);
						return -ENOMEM;
					}
				}
				x = side ? &r->b : &r->a;
				x->allocs += z->allocs;
				x->bytes_req += z->req;
				x->bytes_alloc += (double)z->size * z->allocs;
				x->slack += (double)z->size * z->allocs - z->req;
			}
		}
	}
	return 0;
}

/*
 * A cache row's live objects: the active objects of its last slabinfo
 * snapshot on both sides (every object of the cache, not only the traced
 * sites'), when both recordings have them.
 */
static void slab_live(struct rp_diff *d)
{
	for (size_t i = 0; i < d->nr_caches; i++) {
		struct rp_diff_row *r = &d->caches[i];
		const struct rp_slab *sa = htab_get(&d->a->slab_map, r->cache);
		const struct rp_slab *sb = htab_get(&d->b->slab_map, r->cache);

		if (!sa || !sb)
			continue;
		r->slab = true;
		r->a.live = sa->active_objs;
		r->b.live = sb->active_objs;
	}
}

static const struct rp_diff *cmp_d;

/* biggest change of allocated bytes first */
static int cmp_rows(const void *x, const void *y)
{
	const struct rp_diff_row *a = x, *b = y;
	double da = fabs(rp_diff_delta(cmp_d, a->a.bytes_alloc, a->b.bytes_alloc));
	double db = fabs(rp_diff_delta(cmp_d, b->a.bytes_alloc, b->b.bytes_alloc));

	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->site ? a->site : a->cache, b->site ? b->site : b->cache);
}

int rp_diff_build(struct rp_diff *d, const struct report *a, const struct report *b,
		  const char *name_a, const char *name_b)
{
	struct series_acc acc = {};
	double lo, hi;
	int err;

	memset(d, 0, sizeof(*d));
	d->a = a;
	d->b = b;
	d->name_a = name_a;
	d->name_b = name_b;
	d->sec_a = a->seconds;
	d->sec_b = b->seconds;
	lo = d->sec_a < d->sec_b ? d->sec_a : d->sec_b;
	hi = d->sec_a < d->sec_b ? d->sec_b : d->sec_a;
	d->per_second = hi > 0 && (hi - lo) / hi > RP_DIFF_SAME_LEN;
	err = add_side(d, 0, &acc) ?: add_side(d, 1, &acc);
	/* rows were added one at a time: acc holds a series for each, or err is set */
	for (size_t i = 0; !err && i < d->nr_sites; i++) {
		if (i < acc.n[0] && i < acc.n[1] && acc.v[0][i] && acc.v[1][i]) {
			side_stats(a, acc.v[0][i], &d->sites[i].a);
			side_stats(b, acc.v[1][i], &d->sites[i].b);
			judge(&d->sites[i]);
		}
	}
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < acc.n[side]; i++)
			free(acc.v[side][i]);
		free(acc.v[side]);
	}
	err = err ?: build_caches(d);
	if (!err)
		slab_live(d);
	cmp_d = d;
	if (d->nr_sites)
		qsort(d->sites, d->nr_sites, sizeof(*d->sites), cmp_rows);
	if (d->nr_caches)
		qsort(d->caches, d->nr_caches, sizeof(*d->caches), cmp_rows);
	return err;
}

void rp_diff_free(struct rp_diff *d)
{
	for (size_t i = 0; i < d->nr_caches; i++) {
		if (!strcmp(d->caches[i].kind, KIND_NAME_KMALLOC))
			free((char *)d->caches[i].cache);
	}
	free(d->sites);
	free(d->caches);
	memset(d, 0, sizeof(*d));
}

/* ---- writers ---------------------------------------------------------- */

static const char *sig_mark(const struct rp_diff_row *r)
{
	return r->sig == RP_SIG_YES ? "*" : r->sig == RP_SIG_NO ? "" : "?";
}

/* "+1.2K" / "-300": a signed figure, bytes or counts */
static const char *fmt_signed(double v, bool bytes, char *buf, size_t sz)
{
	__u64 m = rp_u64(fabs(v) + 0.5);

	if (sz < 2)
		return "";
	buf[0] = v < 0 ? '-' : '+';
	if (bytes)
		fmt_bytes(m, buf + !!m, sz - 1);
	else
		fmt_count(m, buf + !!m, sz - 1);
	return buf;
}

static size_t shown(size_t n, __u64 top)
{
	return top && top < n ? top : n;
}

/* a row's cells: allocs, A's allocs, bytes, slack, live (changes but A's allocs) */
struct diff_cells {
	char v[5][16];
};

static void row_cells(const struct rp_diff *d, const struct rp_diff_row *r, bool sites,
		      struct diff_cells *c)
{
	fmt_signed(rp_diff_delta(d, r->a.allocs, r->b.allocs), false, c->v[0], sizeof(c->v[0]));
	fmt_count(rp_u64(r->a.allocs), c->v[1], sizeof(c->v[1]));
	fmt_signed(rp_diff_delta(d, r->a.bytes_alloc, r->b.bytes_alloc), true, c->v[2],
		   sizeof(c->v[2]));
	fmt_signed(rp_diff_delta(d, r->a.slack, r->b.slack), true, c->v[3], sizeof(c->v[3]));
	if (sites || r->slab)
		fmt_signed(r->b.live - r->a.live, false, c->v[4], sizeof(c->v[4]));
	else
		snprintf(c->v[4], sizeof(c->v[4]), "-");
}

static void text_rows(FILE *f, const struct rp_diff *d, const struct rp_diff_row *v, size_t n,
		      __u64 top, bool sites)
{
	struct diff_cells c;

	fprintf(f, "%-44s %10s %10s %10s %10s %10s %3s\n", sites ? "SITE" : "CACHE",
		d->per_second ? "ALLOCS/s" : "ALLOCS", "A", "BYTES", "SLACK", "LIVE", "SIG");
	for (size_t i = 0; i < shown(n, top); i++) {
		const struct rp_diff_row *r = &v[i];
		char name[160];

		if (sites)
			snprintf(name, sizeof(name), "%.80s%s%.40s", r->site,
				 r->cache[0] ? " " : "", r->cache);
		else
			snprintf(name, sizeof(name), "%.80s", r->cache);
		row_cells(d, r, sites, &c);
		fprintf(f, "%-44.44s %10s %10s %10s %10s %10s %3s\n", name, c.v[0], c.v[1], c.v[2],
			c.v[3], c.v[4], sites ? sig_mark(r) : "");
	}
	if (shown(n, top) < n)
		fprintf(f, "(%zu more; -n 0 shows all)\n", n - shown(n, top));
}

void rp_diff_print_text(FILE *f, const struct rp_diff *d, __u64 top)
{
	fprintf(f, "DIFF: B - A\n");
	fprintf(f, "  A  %s: %.1f s in %llu intervals\n", d->name_a, d->sec_a,
		(unsigned long long)d->a->intervals);
	fprintf(f, "  B  %s: %.1f s in %llu intervals\n", d->name_b, d->sec_b,
		(unsigned long long)d->b->intervals);
	fprintf(f, "  %s\n",
		d->per_second ?
			"lengths differ: ALLOCS, BYTES and SLACK are changes of the rate per second" :
			"lengths within 10%: ALLOCS, BYTES and SLACK are changes of the counts");
	fprintf(f, "  A: A's allocations; LIVE: live objects at the end, B - A\n");
	fprintf(f,
		"  SIG: * the allocation rate changed beyond interval-to-interval variation (|Welch t| > %.0f), ? too few intervals to say\n",
		RP_DIFF_T);
	fprintf(f, "\nSITES (largest change of allocated bytes first)\n");
	if (!d->nr_sites)
		fprintf(f, "(no sites)\n");
	else
		text_rows(f, d, d->sites, d->nr_sites, top, true);
	fprintf(f,
		"\nCACHES (kmem_cache sites by cache; kmalloc by exact size class; LIVE: slabinfo active objects)\n");
	if (!d->nr_caches)
		fprintf(f, "(no caches)\n");
	else
		text_rows(f, d, d->caches, d->nr_caches, top, false);
}

static cJSON *side_json(const struct rp_diff_side *x)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, FLD_ALLOCS, x->allocs);
	cJSON_AddNumberToObject(o, FLD_BYTES_REQ, x->bytes_req);
	cJSON_AddNumberToObject(o, FLD_BYTES_ALLOC, x->bytes_alloc);
	cJSON_AddNumberToObject(o, FLD_SLACK, x->slack);
	cJSON_AddNumberToObject(o, FLD_LIVE, x->live);
	cJSON_AddNumberToObject(o, FLD_LIVE_BYTES, x->live_bytes);
	return o;
}

static double per_s(double v, double sec)
{
	return sec > 0 ? v / sec : 0;
}

static cJSON *delta_json(const struct rp_diff *d, const struct rp_diff_row *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, FLD_ALLOCS, r->b.allocs - r->a.allocs);
	cJSON_AddNumberToObject(o, FLD_BYTES_REQ, r->b.bytes_req - r->a.bytes_req);
	cJSON_AddNumberToObject(o, FLD_BYTES_ALLOC, r->b.bytes_alloc - r->a.bytes_alloc);
	cJSON_AddNumberToObject(o, FLD_SLACK, r->b.slack - r->a.slack);
	cJSON_AddNumberToObject(o, FLD_LIVE, r->b.live - r->a.live);
	cJSON_AddNumberToObject(o, FLD_LIVE_BYTES, r->b.live_bytes - r->a.live_bytes);
	cJSON_AddNumberToObject(o, "allocs_per_s",
				per_s(r->b.allocs, d->sec_b) - per_s(r->a.allocs, d->sec_a));
	cJSON_AddNumberToObject(o, "bytes_alloc_per_s",
				per_s(r->b.bytes_alloc, d->sec_b) -
					per_s(r->a.bytes_alloc, d->sec_a));
	cJSON_AddNumberToObject(o, "slack_per_s",
				per_s(r->b.slack, d->sec_b) - per_s(r->a.slack, d->sec_a));
	return o;
}

static cJSON *rows_json(const struct rp_diff *d, const struct rp_diff_row *v, size_t n, __u64 top,
			bool sites)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < shown(n, top); i++) {
		const struct rp_diff_row *r = &v[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, FLD_KIND, r->kind);
		if (r->cache[0])
			cJSON_AddStringToObject(o, FLD_CACHE, r->cache);
		if (sites) {
			cJSON_AddStringToObject(o, FLD_CALLER, r->caller);
			cJSON_AddStringToObject(o, FLD_SITE, r->site);
		}
		cJSON_AddItemToObject(o, "a", side_json(&r->a));
		cJSON_AddItemToObject(o, "b", side_json(&r->b));
		cJSON_AddItemToObject(o, FLD_DELTA, delta_json(d, r));
		if (!sites) {
			cJSON_AddBoolToObject(o, "live_from_slabinfo", r->slab);
			continue;
		}
		if (r->sig == RP_SIG_UNKNOWN) {
			cJSON_AddNullToObject(o, "significant");
		} else {
			cJSON_AddBoolToObject(o, "significant", r->sig == RP_SIG_YES);
			cJSON_AddNumberToObject(o, "t", r->t);
		}
	}
	return a;
}

static cJSON *run_json(const char *name, const struct report *rp, double sec)
{
	cJSON *o = cJSON_CreateObject(), *h = cJSON_AddArrayToObject(o, "hosts");

	cJSON_AddStringToObject(o, "input", name);
	cJSON_AddNumberToObject(o, "seconds", sec);
	cJSON_AddNumberToObject(o, "intervals", rp->intervals);
	for (size_t i = 0; h && i < rp->nr_hosts; i++)
		cJSON_AddItemToArray(h, cJSON_CreateString(rp->hosts[i].hostname));
	return o;
}

cJSON *rp_diff_json(const struct rp_diff *d, __u64 top)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, FLD_TYPE, "report_diff");
	cJSON_AddItemToObject(o, "a", run_json(d->name_a, d->a, d->sec_a));
	cJSON_AddItemToObject(o, "b", run_json(d->name_b, d->b, d->sec_b));
	cJSON_AddBoolToObject(o, "per_second", d->per_second);
	cJSON_AddItemToObject(o, FLD_SITES, rows_json(d, d->sites, d->nr_sites, top, true));
	cJSON_AddItemToObject(o, FLD_CACHES, rows_json(d, d->caches, d->nr_caches, top, false));
	return o;
}

static void html_rows(FILE *f, const struct rp_diff *d, const struct rp_diff_row *v, size_t n,
		      __u64 top, bool sites)
{
	struct diff_cells c;

	fprintf(f,
		"<table><tr><th>%s</th><th>%s</th><th>A</th><th>bytes</th><th>slack</th><th>live</th><th>sig</th></tr>\n",
		sites ? "site" : "cache", d->per_second ? "allocs/s" : "allocs");
	for (size_t i = 0; i < shown(n, top); i++) {
		const struct rp_diff_row *r = &v[i];

		fputs("<tr><td>", f);
		rp_html_esc(f, sites ? r->site : r->cache);
		if (sites && r->cache[0]) {
			fputc(' ', f);
			rp_html_esc(f, r->cache);
		}
		row_cells(d, r, sites, &c);
		fputs("</td>", f);
		for (int k = 0; k < 5; k++)
			fprintf(f, "<td class=\"n\">%s</td>", c.v[k]);
		fprintf(f, "<td>%s</td></tr>\n", sites ? sig_mark(r) : "");
	}
	fputs("</table>\n", f);
}

int rp_diff_write_html(FILE *f, const struct rp_diff *d, __u64 top)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kmemscope report --diff</title>\n"
	      "<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse;font-size:12px}"
	      "td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}"
	      ".note{color:#555}</style></head><body>\n<h1>kmemscope report --diff: B - A</h1>\n<p>A: ",
	      f);
	rp_html_esc(f, d->name_a);
	fprintf(f, " (%.1f s)<br>B: ", d->sec_a);
	rp_html_esc(f, d->name_b);
	fprintf(f,
		" (%.1f s)</p>\n<p class=\"note\">%s; sig: * beyond interval-to-interval variation (|Welch t| &gt; %.0f), ? too few intervals</p>\n",
		d->sec_b,
		d->per_second ? "lengths differ: changes of the rate per second" :
				"lengths within 10%: changes of the counts",
		RP_DIFF_T);
	fputs("<h2>Sites</h2>\n", f);
	html_rows(f, d, d->sites, d->nr_sites, top, true);
	fputs("<h2>Caches</h2>\n", f);
	html_rows(f, d, d->caches, d->nr_caches, top, false);
	fputs("</body></html>\n", f);
	return ferror(f) ? -EIO : 0;
}
