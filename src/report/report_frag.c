// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation records (buddyinfo, correlation, vmstat) and what is derived
 * from them: the sites that allocated while order-3 blocks had run out.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report_filter.h"
#include "report_frag.h"
#include "report_series.h"
#include "schema.h"

#define DEFAULT_PAGEBLOCK_ORDER 9

void rp_stat_add(struct rp_stat4 *s, double v, __u64 t)
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
	z = htab_get(&rp->zone_map, key);
	if (z)
		return z;
	z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->node = node;
	z->zone = strndup(name, 64);
	if (!z->zone || htab_put(&rp->zone_map, key, z) || rp_push(&rp->zones, &rp->nr_zones, z)) {
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
		      __u64 t, const double *fr, int nf)
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
	p = rp_series_at((void **)&z->zv, &z->zbase, &z->zlen, sizeof(*p), rp_bucket_of(rp, t));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		p->unus[i] += vals[i];
		p->frag[i] += vals[2 + i];
		p->free[i] += vals[4 + i];
	}
	for (int o = 0; o < nf && o < RP_PAGE_ORDERS; o++)
		p->orders[o] += fr[o];
	if (nf > z->nr_orders)
		z->nr_orders = nf < RP_PAGE_ORDERS ? nf : RP_PAGE_ORDERS;
	p->n++;
	p->ran_out |= ran_out;
	return 0;
}

int rp_feed_buddyinfo(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	double fr[64], un[64], fi[64], vals[6];
	const char *zone = nr_get_str(rec, FLD_ZONE);
	int nf, nu, nfi, ord[2];
	unsigned long long pb;
	long long node = 0;
	struct rp_zone *z;

	if (!zone)
		return rp_bad_field(r, REC_BUDDYINFO, FLD_ZONE, "is missing or not a string");
	if (cJSON_GetObjectItemCaseSensitive(rec, FLD_NODE) && !nr_get_s64(rec, FLD_NODE, &node))
		return rp_bad_field(r, REC_BUDDYINFO, FLD_NODE, "is not an integer");
	if (!num_array(cJSON_GetObjectItemCaseSensitive(rec, FLD_FREE), fr, 64, &nf) ||
	    !num_array(cJSON_GetObjectItemCaseSensitive(rec, FLD_UNUSABLE_INDEX), un, 64, &nu) ||
	    !num_array(cJSON_GetObjectItemCaseSensitive(rec, FLD_FRAG_INDEX), fi, 64, &nfi))
		return rp_bad_field(r, REC_BUDDYINFO,
				    FLD_FREE "/" FLD_UNUSABLE_INDEX "/" FLD_FRAG_INDEX,
				    "is not an array of numbers");
	for (int i = 0; i < nf || i < nu || i < nfi; i++) {
		if ((i < nf && !(fr[i] >= 0 && fr[i] <= 9007199254740992.0)) ||
		    (i < nu && !(un[i] >= -0.001 && un[i] <= 1.001)) ||
		    (i < nfi && !(fi[i] >= -1.001 && fi[i] <= 1.001)))
			return rp_bad_field(r, REC_BUDDYINFO,
					    FLD_FREE "/" FLD_UNUSABLE_INDEX "/" FLD_FRAG_INDEX,
					    "has a value out of range");
	}
	/* a snapshot may say which pageblock order it was read with */
	if (nr_get_u64(rec, FLD_PAGEBLOCK_ORDER, &pb) && pb < 32)
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
			REC_BUDDYINFO
			" record: arrays shorter than the pageblock order %d: record skipped",
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
		rp_stat_add(&z->unus[i], un[ord[i]], t);
		rp_stat_add(&z->frag[i], fi[ord[i]], t);
		rp_stat_add(&z->free[i], freeb, t);
	}
	return zone_point(rp, z, vals, vals[4] == 0, t, fr, nf);
}

static char *dup_or(const char *s, const char *def)
{
	return strdup(s ? s : def);
}

int rp_feed_correlation(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	struct rp_corr c = {}, *l;
	double rv;

	if (!nr_get_str(rec, FLD_CALLER))
		return rp_bad_field(r, REC_CORRELATION, FLD_CALLER, "is missing or not a string");
	if (!nr_get_num(rec, FLD_R, &rv) || rv < -1.000001 || rv > 1.000001)
		return rp_bad_field(r, REC_CORRELATION, FLD_R, "is not a number in [-1, 1]");
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
	nr_get_s64(rec, FLD_NODE, &c.node);
	nr_get_s64(rec, FLD_N, &c.n);
	nr_get_s64(rec, FLD_LAG, &c.lag);
	nr_get_s64(rec, FLD_WINDOW, &c.window);
	nr_get_s64(rec, FLD_SEQ, &c.seq);
	c.caller = dup_or(nr_get_str(rec, FLD_CALLER), "?");
	c.activity = dup_or(nr_get_str(rec, FLD_ACTIVITY), "?");
	c.target = dup_or(nr_get_str(rec, FLD_TARGET), "?");
	c.zone = dup_or(nr_get_str(rec, FLD_ZONE), "?");
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

int rp_feed_vmstat(struct report *rp, const cJSON *rec)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(rec, FLD_DELTA), *it;

	rp->frag_records++;
	if (!cJSON_IsObject(d))
		return 0;
	cJSON_ArrayForEach(it, d)
	{
		unsigned long long v;
		__u64 *slot;

		if (!nr_item_u64(it, &v))
			continue;
		slot = htab_get(&rp->vmstat_map, it->string);
		if (!slot) {
			char **k = realloc(rp->vm_keys, (rp->nr_vm + 1) * sizeof(*k));
			__u64 *vals;

			if (!k)
				return -ENOMEM;
			rp->vm_keys = k;
			vals = calloc(1, sizeof(*vals));
			if (!vals || htab_put(&rp->vmstat_map, it->string, vals)) {
				free(vals);
				return -ENOMEM;
			}
			k[rp->nr_vm++] = strdup(it->string);
			slot = vals;
		}
		*slot = rp_sat_add(*slot, v);
	}
	return 0;
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

void rp_build_exhaustion(struct report *rp)
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

__u64 rp_vmstat(const struct report *rp, const char *key)
{
	const __u64 *v = htab_get(&rp->vmstat_map, key);

	return v ? *v : 0;
}
