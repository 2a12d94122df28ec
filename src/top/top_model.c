// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`: the state document turned into rows and zones, sorted and filtered. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson_reader.h"
#include "schema.h"
#include "top_model.h"
#include "util.h"

double top_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

const char *top_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

static void top_gfp(const cJSON *gfp, char *buf, size_t sz)
{
	const cJSON *e, *best = NULL;
	int n = 0;

	cJSON_ArrayForEach(e, gfp)
	{
		if (!cJSON_IsNumber(e))
			continue;
		n++;
		if (!best || e->valuedouble > best->valuedouble)
			best = e;
	}
	if (!best) {
		copy(buf, sz, "-");
		return;
	}
	snprintf(buf, sz, "%s%s", best->string, n > 1 ? " +" : "");
}

static enum top_kind kind_class(const char *kind)
{
	if (!strcmp(kind, KIND_NAME_KMALLOC))
		return KIND_KMALLOC;
	if (!strcmp(kind, KIND_NAME_CACHE))
		return KIND_CACHE;
	if (!strcmp(kind, KIND_NAME_VMALLOC))
		return KIND_VMALLOC;
	if (!strcmp(kind, KIND_NAME_PAGE))
		return KIND_PAGE;
	return KIND_ALL;
}

static void load_row(struct top_row *r, const cJSON *s, double dur)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(s, FLD_DELTA);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, FLD_TOTAL);
	const char *kind = top_str(s, FLD_KIND);

	memset(r, 0, sizeof(*r));
	r->site = s;
	copy(r->site_name, sizeof(r->site_name), top_str(s, FLD_SITE));
	copy(r->caller, sizeof(r->caller), top_str(s, FLD_CALLER));
	if (!r->site_name[0])
		copy(r->site_name, sizeof(r->site_name), r->caller);
	/* --by: whose row it is, first (the filter matches it too) */
	if (*top_str(s, FLD_COMM) || *top_str(s, FLD_CGROUP)) {
		char name[sizeof(r->site_name)];

		copy(r->owner, sizeof(r->owner),
		     *top_str(s, FLD_COMM) ? top_str(s, FLD_COMM) : top_str(s, FLD_CGROUP));
		copy(name, sizeof(name), r->site_name);
		/* bounded: a cgroup path may be long, the site keeps its offset */
		snprintf(r->site_name, sizeof(r->site_name), "%.40s: %.100s",
			 *top_str(s, FLD_COMM) ? top_str(s, FLD_COMM) : top_str(s, FLD_CGROUP),
			 name);
	}
	r->kclass = kind_class(kind);
	copy(r->kind, sizeof(r->kind),
	     r->kclass == KIND_CACHE && *top_str(s, FLD_CACHE) ? top_str(s, FLD_CACHE) : kind);
	top_gfp(cJSON_GetObjectItemCaseSensitive(s, FLD_GFP), r->gfp, sizeof(r->gfp));
	r->req_unknown = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, FLD_REQ_UNKNOWN));
	r->d_allocs = top_num(d, FLD_ALLOCS);
	r->d_req = top_num(d, FLD_BYTES_REQ);
	r->d_alloc_bytes = top_num(d, FLD_BYTES_ALLOC);
	r->d_slack = top_num(d, FLD_SLACK);
	if (dur > 0) {
		r->rate_allocs = r->d_allocs / dur;
		r->rate_bytes = r->d_alloc_bytes / dur;
		r->rate_pingpong = top_num(d, FLD_CROSS_CPU_FREES) / dur;
		r->rate_slack = r->d_slack / dur;
	}
	for (int i = 0; i < TOP_TREND_W; i++)
		r->trend[i] = NAN;
	r->tot_allocs = top_num(t, FLD_ALLOCS);
	r->tot_bytes = top_num(t, FLD_BYTES_ALLOC);
	r->tot_pingpong = top_num(t, FLD_CROSS_CPU_FREES);
	r->t_req = top_num(t, FLD_BYTES_REQ);
	r->t_alloc_bytes = r->tot_bytes;
	r->t_slack = top_num(t, FLD_SLACK);
	r->t_charged = top_num(t, FLD_BYTES_CHARGED);
	r->live = top_num(s, FLD_LIVE);
	r->live_bytes = top_num(s, FLD_LIVE_BYTES);
	r->live_untracked = top_num(s, FLD_LIVE_UNTRACKED);
}

/* "pid 12,34  comm x*  cgroup /sys/fs/cgroup/a   split by comm (64 at most)" */
static void load_who(struct top_model *m, const cJSON *set)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(set, FLD_FILTER), *p;
	size_t n = 0, sz = sizeof(m->who);

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(f, FLD_PID))
	{
		if (n < sz)
			n += snprintf(m->who + n, sz - n, "%s%.0f", n ? "," : "pid ",
				      p->valuedouble);
	}
	if (*top_str(f, FLD_COMM) && n < sz)
		n += snprintf(m->who + n, sz - n, "%scomm %s", n ? "  " : "", top_str(f, FLD_COMM));
	if (*top_str(f, FLD_CGROUP) && n < sz)
		n += snprintf(m->who + n, sz - n, "%scgroup %s", n ? "  " : "",
			      top_str(f, FLD_CGROUP));
	if (*top_str(set, FLD_BY) && n < sz)
		snprintf(m->who + n, sz - n, "%ssplit by %s (%.0f at most, the rest \"other\")",
			 n ? "   " : "", top_str(set, FLD_BY), top_num(set, FLD_BY_MAX));
}

/* the numbers of a row added into an owner's row */
static void add_row(struct top_row *g, const struct top_row *r)
{
	g->rate_allocs += r->rate_allocs;
	g->rate_bytes += r->rate_bytes;
	g->rate_pingpong += r->rate_pingpong;
	g->tot_allocs += r->tot_allocs;
	g->tot_bytes += r->tot_bytes;
	g->tot_pingpong += r->tot_pingpong;
	g->d_allocs += r->d_allocs;
	g->d_req += r->d_req;
	g->d_slack += r->d_slack;
	g->d_alloc_bytes += r->d_alloc_bytes;
	g->t_req += r->t_req;
	g->t_slack += r->t_slack;
	g->t_alloc_bytes += r->t_alloc_bytes;
	g->t_charged += r->t_charged;
	g->live += r->live;
	g->live_bytes += r->live_bytes;
	g->live_untracked += r->live_untracked;
}

/* --by recordings: one more row per comm or cgroup, its sites summed (shown with w) */
static void add_groups(struct top_model *m)
{
	size_t nr_sites = m->nr_rows;

	for (size_t i = 0; i < nr_sites; i++) {
		const struct top_row *r = &m->rows[i];
		struct top_row *g = NULL;
		char owner[sizeof(r->owner)];

		if (!r->owner[0])
			continue;
		copy(owner, sizeof(owner), r->owner);
		for (size_t j = nr_sites; j < m->nr_rows && !g; j++)
			if (!strcmp(m->rows[j].owner, owner))
				g = &m->rows[j];
		if (!g) {
			g = &m->rows[m->nr_rows++];
			memset(g, 0, sizeof(*g));
			g->group = true;
			copy(g->owner, sizeof(g->owner), owner);
			copy(g->site_name, sizeof(g->site_name), owner);
			copy(g->caller, sizeof(g->caller), owner);
			copy(g->kind, sizeof(g->kind), "(all sites)");
			copy(g->gfp, sizeof(g->gfp), "-");
		}
		add_row(g, r);
	}
}

static int load_zones(struct top_model *m, const cJSON *bi, const struct top_model *prev)
{
	const cJSON *z;
	size_t n = 0;

	if (!cJSON_IsArray(bi))
		return 0;
	m->zones = calloc(cJSON_GetArraySize(bi) + 1, sizeof(*m->zones));
	if (!m->zones)
		return -ENOMEM;
	cJSON_ArrayForEach(z, bi)
	{
		struct top_zone *zo = &m->zones[n];
		const cJSON *fr = cJSON_GetObjectItemCaseSensitive(z, FLD_FREE);
		const cJSON *ui = cJSON_GetObjectItemCaseSensitive(z, FLD_UNUSABLE_INDEX);
		const cJSON *fi = cJSON_GetObjectItemCaseSensitive(z, FLD_FRAG_INDEX);

		if (!cJSON_IsObject(z) || !cJSON_IsArray(fr))
			continue;
		zo->node = top_num(z, FLD_NODE);
		copy(zo->zone, sizeof(zo->zone), top_str(z, FLD_ZONE));
		zo->nr_orders = cJSON_GetArraySize(fr);
		if (zo->nr_orders > TOP_MAX_ORDERS)
			zo->nr_orders = TOP_MAX_ORDERS;
		for (int i = 0; i < zo->nr_orders; i++) {
			const cJSON *a = cJSON_GetArrayItem(ui, i), *b = cJSON_GetArrayItem(fi, i);

			zo->free[i] = cJSON_GetArrayItem(fr, i)->valuedouble;
			zo->unusable[i] = cJSON_IsNumber(a) ? a->valuedouble : NAN;
			zo->frag[i] = cJSON_IsNumber(b) ? b->valuedouble : NAN;
		}
		for (size_t j = 0; prev && j < prev->nr_zones; j++) {
			const struct top_zone *p = &prev->zones[j];

			if (p->node == zo->node && !strcmp(p->zone, zo->zone)) {
				zo->has_prev = true;
				memcpy(zo->prev_unusable, p->unusable, sizeof(p->unusable));
			}
		}
		n++;
	}
	m->nr_zones = n;
	return 0;
}

int top_model_load(struct top_model *m, cJSON *state, const struct top_model *prev)
{
	const cJSON *hdr, *iv, *ev, *dr, *e, *sites, *s, *mi;
	size_t n = 0;
	int err;

	memset(m, 0, sizeof(*m));
	m->state = state;
	m->pageblock_order = -1;
	if (!cJSON_IsObject(state) || strcmp(top_str(state, FLD_TYPE), REC_STATE))
		return -EINVAL;
	/* names (comm, caches, sites) are drawn on the terminal: no control characters */
	if (!nr_tidy(state))
		return -ENOMEM;
	hdr = cJSON_GetObjectItemCaseSensitive(state, FLD_HEADER);
	iv = cJSON_GetObjectItemCaseSensitive(state, FLD_INTERVAL);
	m->uptime_s = top_num(state, FLD_UPTIME_NS) / 1e9;
	m->duration_s = top_num(iv, FLD_DURATION_S);
	m->page_size = top_num(hdr, FLD_PAGE_SIZE);
	if (m->page_size <= 0)
		m->page_size = 4096;
	e = cJSON_GetObjectItemCaseSensitive(hdr, FLD_ATTACH);
	snprintf(m->attach, sizeof(m->attach), "kmalloc %s, kmem_cache %s, vmalloc %s",
		 *top_str(e, FLD_ATT_KMALLOC) ? top_str(e, FLD_ATT_KMALLOC) : "?",
		 *top_str(e, FLD_ATT_KMEM_CACHE) ? top_str(e, FLD_ATT_KMEM_CACHE) : "?",
		 *top_str(e, FLD_ATT_VMALLOC) ? top_str(e, FLD_ATT_VMALLOC) : "?");
	if (*top_str(e, FLD_ATT_PAGE))
		snprintf(m->attach + strlen(m->attach), sizeof(m->attach) - strlen(m->attach),
			 ", page %s", top_str(e, FLD_ATT_PAGE));
	load_who(m, cJSON_GetObjectItemCaseSensitive(hdr, FLD_SETTINGS));
	ev = cJSON_GetObjectItemCaseSensitive(iv, FLD_EVENTS);
	if (m->duration_s > 0) {
		m->ev_kmalloc = top_num(ev, EV_KMALLOC) / m->duration_s;
		m->ev_cache = top_num(ev, EV_CACHE_ALLOC) / m->duration_s;
		m->ev_vmalloc = top_num(ev, EV_VMALLOC) / m->duration_s;
		m->ev_page = cJSON_HasObjectItem(ev, FLD_EV_PAGE_ALLOC) ?
				     top_num(ev, FLD_EV_PAGE_ALLOC) / m->duration_s :
				     -1;
	} else {
		m->ev_page = cJSON_HasObjectItem(ev, FLD_EV_PAGE_ALLOC) ? 0 : -1;
	}
	dr = cJSON_GetObjectItemCaseSensitive(iv, FLD_DROPS);
	cJSON_ArrayForEach(e, dr)
	{
		size_t len = strlen(m->drop_kinds);

		if (!cJSON_IsNumber(e) || e->valuedouble <= 0)
			continue;
		m->drops += e->valuedouble;
		snprintf(m->drop_kinds + len, sizeof(m->drop_kinds) - len, "%s%s %.0f",
			 len ? ", " : "", e->string, e->valuedouble);
	}
	mi = cJSON_GetObjectItemCaseSensitive(state, FLD_MEMINFO);
	if (cJSON_IsObject(mi)) {
		m->has_meminfo = true;
		m->slab = top_num(mi, MI_SLAB);
		m->sunreclaim = top_num(mi, MI_SUNRECLAIM);
		m->vmalloc_used = top_num(mi, MI_VMALLOC_USED);
		m->memfree = top_num(mi, MI_MEMFREE);
	}
	e = cJSON_GetObjectItemCaseSensitive(state, FLD_PAGEBLOCK_ORDER);
	if (cJSON_IsNumber(e))
		m->pageblock_order = e->valueint;
	err = load_zones(m, cJSON_GetObjectItemCaseSensitive(state, FLD_BUDDYINFO), prev);
	if (err)
		return err;

	sites = cJSON_GetObjectItemCaseSensitive(state, FLD_SITES);
	/* room for one owner row per site at most (add_groups) */
	m->rows = calloc(2 * cJSON_GetArraySize(sites) + 1, sizeof(*m->rows));
	m->vis = calloc(2 * cJSON_GetArraySize(sites) + 1, sizeof(*m->vis));
	if (!m->rows || !m->vis)
		return -ENOMEM;
	cJSON_ArrayForEach(s, sites)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, FLD_TOTAL);

		/* a site that never allocated (only frees seen) has nothing to show */
		if (!cJSON_IsObject(s) ||
		    (top_num(t, FLD_ALLOCS) == 0 && top_num(t, FLD_FAILED) == 0))
			continue;
		load_row(&m->rows[n++], s, m->duration_s);
	}
	m->nr_rows = n;
	add_groups(m);
	return 0;
}

void top_model_free(struct top_model *m)
{
	cJSON_Delete(m->state);
	free(m->zones);
	free(m->rows);
	free(m->vis);
	memset(m, 0, sizeof(*m));
}

/* --- sorting and filtering --------------------------------------------------- */

/* Numeric value of a column; -1 when it has none ("-"). */
double top_col_value(const struct top_row *r, enum top_col c, bool totals)
{
	bool iv = !totals && r->d_allocs > 0; /* ratios over the interval when it had any */

	switch (c) {
	case COL_ALLOCS:
		return totals ? r->tot_allocs : r->rate_allocs;
	case COL_BYTES:
		return totals ? r->tot_bytes : r->rate_bytes;
	case COL_LIVE:
		return r->live;
	case COL_LIVE_BYTES:
		return r->live_bytes;
	case COL_AVG_REQ:
		if (iv)
			return r->d_req / r->d_allocs;
		return r->tot_allocs > 0 ? r->t_req / r->tot_allocs : -1;
	case COL_SLACK:
		if (r->req_unknown)
			return -1;
		if (iv)
			return r->d_alloc_bytes > 0 ? 100.0 * r->d_slack / r->d_alloc_bytes : -1;
		return r->t_alloc_bytes > 0 ? 100.0 * r->t_slack / r->t_alloc_bytes : -1;
	case COL_PINGPONG:
		return totals ? r->tot_pingpong : r->rate_pingpong;
	case COL_SLACK_BYTES:
		if (r->req_unknown)
			return -1;
		return totals ? r->t_slack : r->rate_slack;
	default:
		return 0;
	}
}

static int cmp_dbl_desc(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct top_model *m = ((void **)ctx)[0];
	const struct top_opts *o = ((void **)ctx)[1];
	const struct top_row *a = &m->rows[*(const size_t *)pa];
	const struct top_row *b = &m->rows[*(const size_t *)pb];
	int c;

	switch (o->sort) {
	case COL_CALLER:
		c = strcmp(a->site_name, b->site_name);
		break;
	case COL_KIND:
		c = strcmp(a->kind, b->kind);
		break;
	case COL_GFP:
		c = strcmp(a->gfp, b->gfp);
		break;
	default:
		c = cmp_dbl_desc(top_col_value(a, o->sort, o->totals),
				 top_col_value(b, o->sort, o->totals));
	}
	if (o->reverse)
		c = -c;
	/* stable ties: busiest first, then by name */
	if (!c)
		c = cmp_dbl_desc(a->tot_bytes, b->tot_bytes);
	if (!c)
		c = strcmp(a->site_name, b->site_name);
	return c;
}

static bool row_matches(const struct top_row *r, const struct top_opts *o)
{
	if (r->group != o->by_owner)
		return false; /* w shows the owners' rows, else the sites' */
	if (o->kind != KIND_ALL && r->kclass != o->kind)
		return false;
	if (!o->filter[0])
		return true;
	return strcasestr(r->site_name, o->filter) || strcasestr(r->caller, o->filter) ||
	       strcasestr(r->kind, o->filter);
}

void top_model_view(struct top_model *m, const struct top_opts *o)
{
	void *ctx[2] = { m, (void *)o };

	m->nr_vis = 0;
	for (size_t i = 0; i < m->nr_rows; i++) {
		if (row_matches(&m->rows[i], o))
			m->vis[m->nr_vis++] = i;
	}
	qsort_r(m->vis, m->nr_vis, sizeof(*m->vis), cmp_rows, ctx);
}
