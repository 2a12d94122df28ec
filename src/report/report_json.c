// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report --format json`: the text report's results as one document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_json.h"
#include "report_notes.h"
#include "report_page.h"
#include "report_rank.h"
#include "report_slab.h"
#include "schema.h"

/* the report's own field: a LIVE the live table could not hold whole */
#define LIVE_LOWER_BOUND "live_lower_bound"

static void num(cJSON *o, const char *name, double v)
{
	cJSON_AddNumberToObject(o, name, v);
}

static cJSON *hist(const __u64 *h)
{
	cJSON *o = cJSON_CreateObject();
	char key[32];

	for (int i = 0; i < RP_HIST; i++) {
		if (!h[i])
			continue;
		snprintf(key, sizeof(key), "%llu", i ? 1ULL << i : 0ULL);
		num(o, key, h[i]);
	}
	return o;
}

/* live, live_bytes and whether they are a lower bound (objects the live table could not hold) */
static void live_json(cJSON *o, const struct rp_site *s)
{
	num(o, FLD_LIVE, s->live);
	num(o, FLD_LIVE_BYTES, s->live_bytes);
	num(o, FLD_LIVE_UNTRACKED, s->live_untracked);
	cJSON_AddBoolToObject(o, LIVE_LOWER_BOUND, rp_live_lower(s));
}

/* the counters of a site, of the totals, of what top_sites left out: the export's names */
static void counts_json(cJSON *o, const struct rp_site *s)
{
	num(o, FLD_ALLOCS, s->allocs);
	num(o, FLD_FREES, s->frees);
	num(o, FLD_IMPLIED_FREES, s->implied_frees);
	num(o, FLD_FAILED, s->failed);
	num(o, FLD_BYTES_REQ, s->bytes_req);
	num(o, FLD_BYTES_ALLOC, s->bytes_alloc);
	num(o, FLD_SLACK, rp_site_slack(s));
	num(o, "slack_pct", rp_site_slack_pct(s));
	num(o, FLD_BYTES_FREED, s->bytes_freed);
	num(o, FLD_CROSS_CPU_FREES, s->cross_cpu_frees);
	num(o, FLD_BYTES_CHARGED, s->bytes_charged);
}

static cJSON *site_json(const struct rp_site *s)
{
	cJSON *o = cJSON_CreateObject(), *g;

	cJSON_AddStringToObject(o, FLD_KIND, s->kind);
	if (s->cache[0])
		cJSON_AddStringToObject(o, FLD_CACHE, s->cache);
	cJSON_AddStringToObject(o, FLD_CALLER, s->caller);
	cJSON_AddStringToObject(o, FLD_SITE, s->site);
	counts_json(o, s);
	live_json(o, s);
	if (s->req_unknown)
		cJSON_AddBoolToObject(o, FLD_REQ_UNKNOWN, true);
	g = cJSON_AddObjectToObject(o, FLD_GFP);
	for (size_t i = 0; i < s->nr_gfps; i++)
		num(g, s->gfps[i].flags, s->gfps[i].allocs);
	cJSON_AddItemToObject(o, FLD_SIZES, hist(s->sizes));
	if (s->nr_asizes) {
		g = cJSON_AddObjectToObject(o, FLD_ALLOC_SIZES);
		for (size_t i = 0; g && i < s->nr_asizes; i++)
			schema_alloc_size_add(g, s->asizes[i].size, s->asizes[i].allocs,
					      s->asizes[i].req);
	}
	return o;
}

static cJSON *site_ref(const struct rp_site *s, const char *what, double v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, FLD_KIND, s->kind);
	cJSON_AddStringToObject(o, FLD_CALLER, s->caller);
	cJSON_AddStringToObject(o, FLD_SITE, s->site);
	num(o, what, v);
	return o;
}

/* what the site records left out (site_rest), in the totals above; null when nothing */
static cJSON *cut_json(const struct report *rp)
{
	const struct rp_site *r = rp->rest;
	cJSON *o;

	if (!rp->rest_intervals)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	num(o, "intervals", rp->rest_intervals);
	num(o, "of_intervals", rp->intervals);
	num(o, FLD_TOP_SITES, rp->top_sites);
	num(o, "sites_folded", rp->rest_sites);
	counts_json(o, r);
	num(o, "pct_of_bytes",
	    rp->total->bytes_alloc ? 100.0 * r->bytes_alloc / rp->total->bytes_alloc : 0);
	return o;
}

static void add_note(cJSON *a, bool (*note)(const struct report *, char *, size_t),
		     const struct report *rp)
{
	char n[RP_NOTE_LEN];

	if (note(rp, n, sizeof(n)))
		cJSON_AddItemToArray(a, cJSON_CreateString(n));
}

static cJSON *notes_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	add_note(a, rp_note_cut, rp);
	add_note(a, rp_note_rest_filtered, rp);
	add_note(a, rp_note_over, rp);
	add_note(a, rp_note_gaps, rp);
	add_note(a, rp_note_live_lower, rp);
	return a;
}

static cJSON *summary_json(const struct report *rp)
{
	const struct rp_site *t = rp->total;
	cJSON *o = cJSON_CreateObject(), *d;

	num(o, "seconds", rp->seconds);
	num(o, "intervals", rp->intervals);
	num(o, FLD_SITES, rp->nr_sites);
	counts_json(o, t);
	num(o, FLD_UNMATCHED_FREES, rp_unmatched_total(rp));
	num(o, FLD_LIVE, rp->live);
	num(o, FLD_LIVE_BYTES, rp->live_bytes);
	cJSON_AddBoolToObject(o, LIVE_LOWER_BOUND, rp->untracked_sites > 0);
	num(o, FLD_LIVE_UNTRACKED, rp->untracked);
	num(o, "live_lower_bound_sites", rp->untracked_sites);
	num(o, "failure_records", rp->failures);
	d = cJSON_AddObjectToObject(o, FLD_DROPS);
	for (int i = 0; i < RP_KERNEL_DROPS; i++)
		num(d, schema_drops[i].name, rp->drops[i]);
	num(d, FLD_DROP_RECURSION, rp->drops[RP_KERNEL_DROPS]);
	cJSON_AddItemToObject(o, "detail_cut", cut_json(rp));
	cJSON_AddItemToObject(o, "notes", notes_json(rp));
	return o;
}

static cJSON *classes_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_classes; i++) {
		const struct rp_class *k = &rp->classes[i];
		cJSON *o = cJSON_CreateObject(), *top;

		num(o, "size", k->size);
		cJSON_AddBoolToObject(o, "estimated", k->estimated);
		num(o, FLD_ALLOCS, k->allocs);
		num(o, FLD_BYTES_REQ, k->req);
		num(o, FLD_BYTES_ALLOC, k->alloc);
		num(o, FLD_SLACK, k->slack);
		top = cJSON_AddArrayToObject(o, "top_sites");
		for (int j = 0; j < 3 && k->top[j]; j++)
			cJSON_AddItemToArray(top, site_ref(k->top[j], FLD_SLACK, k->top_slack[j]));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *advice_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_advice && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_advice *v = &rp->advice[i];
		cJSON *o = site_ref(v->s, FLD_SLACK, v->slack), *d, *t;

		num(o, FLD_ALLOCS, v->allocs);
		num(o, FLD_BYTES_REQ, v->req);
		cJSON_AddBoolToObject(o, "one_request_size", v->fixed);
		d = cJSON_AddObjectToObject(o, "dedicated_cache");
		num(d, "object_size", v->obj);
		num(d, "bytes_per_object", v->obj_cost);
		num(d, FLD_SLACK, v->dedicated_slack);
		num(d, "saved", v->dedicated_saved);
		t = cJSON_AddObjectToObject(o, "trim");
		if (v->trim_class) {
			num(t, "class", v->trim_class);
			num(t, "to_class", v->trim_to);
			num(t, "shrink_by", v->trim_by);
			num(t, FLD_ALLOCS, v->trim_allocs);
			num(t, "saved", v->trim_saved);
		}
		num(o, "saved", v->best_saved);
		num(o, "saved_per_s", v->saved_per_s);
		num(o, "saved_at_live", v->saved_at_live);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *slabs_json(const struct report *rp)
{
	__u64 ps = rp->page_size ? rp->page_size : 4096;
	cJSON *o = cJSON_CreateObject(), *a;

	num(o, "snapshots", rp->slab_records);
	a = cJSON_AddArrayToObject(o, FLD_CACHES);
	for (size_t i = 0; a && i < rp->nr_slabs && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_slab *s = rp->slabs[i];
		cJSON *c = cJSON_CreateObject(), *al;
		char *dup, *tok, *save = NULL;

		cJSON_AddStringToObject(c, FLD_NAME, s->name);
		al = cJSON_AddArrayToObject(c, FLD_ALIASES);
		dup = strdup(s->aliases);
		for (tok = dup ? strtok_r(dup, ", ", &save) : NULL; tok;
		     tok = strtok_r(NULL, ", ", &save))
			cJSON_AddItemToArray(al, cJSON_CreateString(tok));
		free(dup);
		num(c, FLD_ACTIVE_OBJS, s->active_objs);
		num(c, FLD_NUM_OBJS, s->num_objs);
		num(c, FLD_OBJSIZE, s->objsize);
		num(c, FLD_OBJPERSLAB, s->objperslab);
		num(c, FLD_PAGESPERSLAB, s->pagesperslab);
		num(c, "slabs", rp_slab_count(s->num_objs, s->objperslab));
		num(c, "utilisation", s->num_objs ? (double)s->active_objs / s->num_objs : 0);
		num(c, "memory", rp_slab_memory(s->num_objs, s->objperslab, s->pagesperslab, ps));
		num(c, "memory_first", s->mem_first);
		num(c, "memory_max", s->mem_max);
		cJSON_AddItemToArray(a, c);
	}
	return o;
}

static cJSON *stat_json(const struct rp_stat4 *s);

static cJSON *page_view_json(const struct report *rp)
{
	const struct rp_page_view *pv = &rp->pv;
	cJSON *o = cJSON_CreateObject(), *m, *a, *c;

	m = cJSON_AddObjectToObject(o, FLD_MEMINFO);
	for (size_t i = 0; m && i < 5; i++) {
		if (pv->meminfo[i].any)
			cJSON_AddItemToObject(m, schema_meminfo_keys[i],
					      stat_json(&pv->meminfo[i]));
	}
	a = cJSON_AddArrayToObject(o, "orders");
	for (int k = 0; a && k < RP_PAGE_ORDERS; k++) {
		if (!pv->alloc_allocs[k] && !pv->free_frees[k])
			continue;
		c = cJSON_CreateObject();
		num(c, FLD_ORDER, k);
		num(c, FLD_ALLOCS, pv->alloc_allocs[k]);
		num(c, "pages_allocated", pv->alloc_pages[k]);
		num(c, FLD_FREES, pv->free_frees[k]);
		num(c, "pages_freed", pv->free_pages[k]);
		cJSON_AddItemToArray(a, c);
	}
	c = cJSON_AddObjectToObject(o, "compaction");
	num(c, "records", pv->compaction_records);
	for (int i = 0; c && i < 6; i++)
		num(c, rp_compact_names[i], pv->compact[i]);
	a = cJSON_AddArrayToObject(o, "extfrag");
	for (size_t i = 0; a && i < pv->nr_ext && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_extfrag *e = &pv->ext[i];

		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, FLD_CALLER, e->caller);
		cJSON_AddStringToObject(c, FLD_ALLOC_MIGRATETYPE, e->alloc_mt);
		cJSON_AddStringToObject(c, FLD_FALLBACK_MIGRATETYPE, e->fallback_mt);
		num(c, FLD_COUNT, e->count);
		num(c, "steals", e->steals);
		m = cJSON_AddArrayToObject(c, "fallback_orders");
		for (int k = 0; m && k < 64; k++) {
			if (e->orders & (1ULL << k))
				cJSON_AddItemToArray(m, cJSON_CreateNumber(k));
		}
		cJSON_AddItemToArray(a, c);
	}
	return o;
}

static cJSON *gfp_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_gfp_rows; i++) {
		const struct rp_gfp_row *g = &rp->gfp_rows[i];
		cJSON *o = cJSON_CreateObject(), *top;

		cJSON_AddStringToObject(o, FLD_GFP, g->flags);
		num(o, FLD_ALLOCS, g->allocs);
		num(o, FLD_SITES, g->sites);
		top = cJSON_AddArrayToObject(o, "top_sites");
		for (int j = 0; j < 3 && g->top[j]; j++)
			cJSON_AddItemToArray(top,
					     site_ref(g->top[j], FLD_ALLOCS, g->top_allocs[j]));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *stat_json(const struct rp_stat4 *s)
{
	cJSON *o = cJSON_CreateObject();

	num(o, "first", s->first);
	num(o, "min", s->min);
	num(o, "max", s->max);
	num(o, "last", s->last);
	return o;
}

static cJSON *zone_json(const struct report *rp, const struct rp_zone *z)
{
	cJSON *o = cJSON_CreateObject(), *orders = cJSON_AddArrayToObject(o, "orders");

	num(o, FLD_NODE, z->node);
	cJSON_AddStringToObject(o, FLD_ZONE, z->zone);
	num(o, "snapshots", z->snapshots);
	num(o, "order3_ran_out", z->ran_out);
	for (int i = 0; i < 2; i++) {
		cJSON *e = cJSON_CreateObject();

		num(e, FLD_ORDER, i ? rp->pageblock_order : 3);
		cJSON_AddItemToObject(e, FLD_UNUSABLE_INDEX, stat_json(&z->unus[i]));
		cJSON_AddItemToObject(e, FLD_FRAG_INDEX, stat_json(&z->frag[i]));
		cJSON_AddItemToObject(e, "free_blocks", stat_json(&z->free[i]));
		cJSON_AddItemToArray(orders, e);
	}
	return o;
}

static cJSON *frag_json(const struct report *rp)
{
	cJSON *o = cJSON_CreateObject(), *zones, *ex, *l;

	if (!rp->nr_zones && !rp->nr_corr && !rp->nr_pages && !rp->frag_records) {
		cJSON_AddStringToObject(o, "note", "no fragmentation records in the input");
		return o;
	}
	num(o, FLD_PAGEBLOCK_ORDER, rp->pageblock_order);
	cJSON_AddBoolToObject(o, "pageblock_order_assumed", rp->pageblock_assumed);
	zones = cJSON_AddArrayToObject(o, "zones");
	for (size_t i = 0; i < rp->nr_zones; i++)
		cJSON_AddItemToArray(zones, zone_json(rp, rp->zones[i]));
	ex = cJSON_AddObjectToObject(o, "order3_exhaustion");
	num(ex, "buckets", rp->exhaust_buckets);
	num(ex, "bucket_s", rp->bucket_ns / 1e9);
	l = cJSON_AddArrayToObject(ex, FLD_SITES);
	for (size_t i = 0; i < rp->nr_exhaust_sites; i++)
		cJSON_AddItemToArray(
			l, site_ref(rp->exhaust_sites[i], "bytes", rp->exhaust_site_bytes[i]));
	l = cJSON_AddArrayToObject(ex, "page_sites");
	for (size_t i = 0; i < rp->nr_exhaust_pages; i++)
		cJSON_AddItemToArray(
			l, site_ref(rp->exhaust_pages[i], "bytes", rp->exhaust_page_bytes[i]));
	return o;
}

static cJSON *corr_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_corr; i++) {
		const struct rp_corr *c = &rp->corr[i];
		cJSON *o = cJSON_CreateObject();

		num(o, FLD_SEQ, c->seq);
		num(o, FLD_WINDOW, c->window);
		cJSON_AddStringToObject(o, FLD_CALLER, c->caller);
		cJSON_AddStringToObject(o, FLD_ACTIVITY, c->activity);
		cJSON_AddStringToObject(o, FLD_TARGET, c->target);
		num(o, FLD_NODE, c->node);
		cJSON_AddStringToObject(o, FLD_ZONE, c->zone);
		num(o, FLD_R, c->r);
		num(o, FLD_N, c->n);
		num(o, FLD_LAG, c->lag);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *leaks_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_leaks && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_site *s = rp->leaks[i];
		cJSON *o = site_ref(s, "growth_bytes_per_s", s->growth);

		num(o, "live_bytes_from", s->live_from);
		num(o, "live_bytes_to", s->live_to);
		num(o, "from_ns", s->t_from);
		num(o, "to_ns", s->t_to);
		num(o, FLD_IMPLIED_FREES, s->implied_frees);
		num(o, FLD_LIVE_UNTRACKED, s->live_untracked);
		cJSON_AddBoolToObject(o, LIVE_LOWER_BOUND, rp_live_lower(s));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* sites whose live bytes grew but whose objects end mostly as implied frees */
static cJSON *not_leaks_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_implied; i++) {
		const struct rp_site *s = rp->implied[i];
		cJSON *o = site_ref(s, "growth_bytes_per_s", s->growth);
		char n[RP_NOTE_LEN + 256];

		num(o, FLD_FREES, s->frees);
		num(o, FLD_IMPLIED_FREES, s->implied_frees);
		rp_note_implied(s, n, sizeof(n));
		cJSON_AddStringToObject(o, "reason", n);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *pages_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_pages && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_site *s = rp->pages[i];
		cJSON *o = site_ref(s, "allocs", s->allocs), *orders;

		num(o, FLD_PAGES, s->pages);
		num(o, "bytes", s->bytes_alloc);
		orders = cJSON_AddArrayToObject(o, "orders");
		for (int k = 0; k < 32; k++) {
			if (s->orders & (1u << k))
				cJSON_AddItemToArray(orders, cJSON_CreateNumber(k));
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *inputs_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_inputs; i++) {
		const struct rp_input *in = &rp->inputs[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", in->path);
		num(o, "lines", in->lines);
		num(o, "records", in->records);
		num(o, "problems", in->problems);
		num(o, "skipped", in->skipped);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *hosts_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_hosts; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, FLD_HOSTNAME, rp->hosts[i].hostname);
		cJSON_AddStringToObject(o, FLD_KERNEL, rp->hosts[i].kernel);
		cJSON_AddStringToObject(o, FLD_MACHINE, rp->hosts[i].machine);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* a --by recording's totals per comm or cgroup, biggest first: [{"comm": "x", ...}] */
static cJSON *owners_json(const struct report *rp)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < rp->nr_owners; i++) {
		const struct rp_owner *w = &rp->owners[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, rp->owner_field, w->name);
		num(o, FLD_ALLOCS, w->allocs);
		num(o, FLD_BYTES_REQ, w->bytes_req);
		num(o, FLD_BYTES_ALLOC, w->bytes_alloc);
		num(o, FLD_BYTES_CHARGED, w->bytes_charged);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *report_json(struct report *rp)
{
	cJSON *o = cJSON_CreateObject(), *w, *sites;
	size_t shown = 0;

	cJSON_AddStringToObject(o, FLD_TYPE, "report");
	num(o, FLD_SCHEMA, 1);
	cJSON_AddItemToObject(o, "inputs", inputs_json(rp));
	cJSON_AddItemToObject(o, "hosts", hosts_json(rp));
	w = cJSON_AddObjectToObject(o, FLD_WINDOW);
	num(w, FLD_START_NS, rp->t_min);
	num(w, FLD_END_NS, rp->t_max);
	num(w, "since_ns", rp->opts.since_ns);
	num(w, "until_ns", rp->opts.until_ns);
	cJSON_AddStringToObject(o, "sort", rp_sort_name(rp->opts.sort));
	sites = cJSON_AddArrayToObject(o, FLD_SITES);
	for (size_t i = 0; i < rp->nr_sites && (!rp->opts.top || shown < rp->opts.top); i++) {
		if (!rp->sites[i]->allocs && !rp->sites[i]->failed)
			continue;
		cJSON_AddItemToArray(sites, site_json(rp->sites[i]));
		shown++;
	}
	num(o, "sites_not_shown", rp->nr_sites - shown);
	cJSON_AddItemToObject(o, "summary", summary_json(rp));
	cJSON_AddItemToObject(o, "slack_by_class", classes_json(rp));
	cJSON_AddItemToObject(o, "right_sizing", advice_json(rp));
	cJSON_AddItemToObject(o, "slab_caches", slabs_json(rp));
	cJSON_AddItemToObject(o, FLD_GFP, gfp_json(rp));
	cJSON_AddItemToObject(o, "fragmentation", frag_json(rp));
	cJSON_AddItemToObject(o, "page_sites", pages_json(rp));
	cJSON_AddItemToObject(o, "page_allocator", page_view_json(rp));
	cJSON_AddItemToObject(o, "correlation", corr_json(rp));
	cJSON_AddItemToObject(o, "owners", owners_json(rp));
	cJSON_AddItemToObject(o, "leak_suspects", leaks_json(rp));
	cJSON_AddItemToObject(o, "not_leak_suspects", not_leaks_json(rp));
	return o;
}
