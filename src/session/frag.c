// SPDX-License-Identifier: GPL-2.0
/* Fragmentation snapshots, page allocator counts and their correlation. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "export.h"
#include "frag.h"
#include "fragindex.h"
#include "gfp.h"
#include "ksyms.h"
#include "schema.h"
#include "sites.h"
#include "tracer.h"
#include "util.h"

enum source {
	SRC_BUDDYINFO = 1 << 0,
	SRC_PAGETYPEINFO = 1 << 1,
	SRC_VMSTAT = 1 << 2,
	SRC_MEMINFO = 1 << 3,
	SRC_SLABINFO = 1 << 4,
};

static const char *const target_names[FT_NR] = {
	[FT_UNUSABLE_ORDER3] = "unusable_index_order3",
	[FT_UNUSABLE_PAGEBLOCK] = "unusable_index_pageblock",
	[FT_FREE_ORDER3] = "free_blocks_order3",
	[FT_FREE_PAGEBLOCK] = "free_blocks_pageblock",
};

/* A source that is absent or unreadable is reported once, then skipped. */
static void absent(struct frag *f, enum source src, const char *path, int err)
{
	if (f->absent & src)
		return;
	f->absent |= src;
	log_warn("cannot read %s (%s): left out of the fragmentation view", path, strerror(-err));
}

/* Migratetype names as the kernel orders them: pagetypeinfo's header, else BTF. */
static void migratetypes_from_btf(struct frag *f)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "migratetype", BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *name = btf__name_by_offset(btf, e->name_off);
			char *d;

			if (strncmp(name, "MIGRATE_", 8) || e->val < 0 ||
			    e->val >= KMS_MAX_ORDERS || !strcmp(name, "MIGRATE_TYPES") ||
			    !strcmp(name, "MIGRATE_PCPTYPES"))
				continue;
			/* MIGRATE_UNMOVABLE -> Unmovable, close to pagetypeinfo's names */
			d = f->types[e->val];
			snprintf(d, KMS_NAME_LEN, "%s", name + 8);
			for (char *p = d + 1; *p; p++)
				*p = tolower((unsigned char)*p);
			if (e->val + 1 > f->nr_types)
				f->nr_types = e->val + 1;
		}
	}
	btf__free(btf);
}

const char *migratetype_name(const struct frag *f, int mt, char *buf, size_t sz)
{
	if (mt >= 0 && mt < f->nr_types && f->types[mt][0])
		snprintf(buf, sz, "%s", f->types[mt]);
	else
		snprintf(buf, sz, "%d", mt);
	return buf;
}

static void read_pagetypeinfo(struct frag *f)
{
	int err;

	pagetypeinfo_free(&f->pti);
	err = pagetypeinfo_read(&f->pti);
	f->pti_fresh = !err;
	if (err)
		absent(f, SRC_PAGETYPEINFO, "/proc/pagetypeinfo", err);
}

static void setup_targets(struct frag *f)
{
	char name[96];

	for (int i = 0; i < f->cur.nr && f->nr_zones < FRAG_MAX_ZONES; i++) {
		const struct buddy_zone *z = &f->cur.zones[i];
		struct frag_zone *fz = &f->zones[f->nr_zones];

		fz->node = z->node;
		snprintf(fz->zone, sizeof(fz->zone), "%s", z->zone);
		for (int t = 0; t < FT_NR; t++) {
			int idx;

			snprintf(name, sizeof(name), "%s node %d zone %s", target_names[t], z->node,
				 z->zone);
			idx = corr_add_target(&f->corr, name);
			if (idx < 0)
				return;
			if (t == 0)
				fz->target = idx;
		}
		f->nr_zones++;
	}
}

int frag_start(struct frag *f, const struct tracer_opts *o, const struct ksyms *ks,
	       const struct gfp_table *gfp)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->on = o->frag;
	f->ks = ks;
	f->gfp = gfp;
	f->page_size = sysconf(_SC_PAGESIZE);
	f->pagetype_period = o->pagetype_period ? o->pagetype_period : 1;
	f->corr_window = o->corr_window;
	if (!f->on)
		return 0;
	err = corr_init(&f->corr, o->corr_window, o->corr_lag);
	if (err)
		return err;
	/* a couple of coinciding spikes in a short run is no evidence */
	if (f->corr.min_n < (int)o->corr_window / 4)
		f->corr.min_n = o->corr_window / 4;
	read_pagetypeinfo(f);
	if (f->pti_fresh && f->pti.pageblock_order > 0) {
		f->pageblock_order = f->pti.pageblock_order;
		f->nr_types = f->pti.nr_types;
		memcpy(f->types, f->pti.types, sizeof(f->types));
	} else {
		migratetypes_from_btf(f);
	}
	err = buddyinfo_read(&f->cur);
	if (err) {
		absent(f, SRC_BUDDYINFO, "/proc/buddyinfo", err);
	} else if (!f->pageblock_order && f->cur.nr) {
		/* pagetypeinfo is root-only; the usual value, capped by the orders we see */
		f->pageblock_order =
			f->cur.zones[0].nr_orders - 1 < 9 ? f->cur.zones[0].nr_orders - 1 : 9;
		snprintf(f->pageblock_note, sizeof(f->pageblock_note),
			 "assumed (pagetypeinfo unreadable)");
	}
	setup_targets(f);
	/* the rest of the view works without it: a warning, not a failure */
	if (o->pages && !page_tracer_start(&f->pt, o, ks))
		f->pages = true;
	return 0;
}

/* Unusable free space index as a fraction, unrounded (the kernel's maths, in doubles). */
static double unusable_fraction(const struct buddy_zone *z, int order)
{
	double free_pages = 0, suitable = 0;

	for (int o = 0; o < z->nr_orders; o++) {
		free_pages += (double)z->free[o] * (1ULL << o);
		if (o >= order)
			suitable += (double)z->free[o] * (1ULL << o);
	}
	return free_pages ? (free_pages - suitable) / free_pages : 1;
}

static const struct buddy_zone *find_zone(const struct buddyinfo *b, int node, const char *zone)
{
	for (int i = 0; i < b->nr; i++) {
		if (b->zones[i].node == node && !strcmp(b->zones[i].zone, zone))
			return &b->zones[i];
	}
	return NULL;
}

static void feed_targets(struct frag *f)
{
	for (int i = 0; i < f->nr_zones; i++) {
		struct frag_zone *fz = &f->zones[i];
		const struct buddy_zone *z = find_zone(&f->cur, fz->node, fz->zone);
		int pb = f->pageblock_order, o3 = 3;
		double v[FT_NR];

		if (!z)
			continue;
		if (pb >= z->nr_orders)
			pb = z->nr_orders - 1;
		if (o3 >= z->nr_orders)
			o3 = z->nr_orders - 1;
		v[FT_UNUSABLE_ORDER3] = unusable_fraction(z, o3);
		v[FT_UNUSABLE_PAGEBLOCK] = unusable_fraction(z, pb);
		v[FT_FREE_ORDER3] = z->free[o3];
		v[FT_FREE_PAGEBLOCK] = z->free[pb];
		if (fz->have_prev) {
			/* every series grows with fragmentation: free blocks count as lost */
			corr_set_target(&f->corr, fz->target + FT_UNUSABLE_ORDER3,
					v[FT_UNUSABLE_ORDER3] - fz->prev[FT_UNUSABLE_ORDER3]);
			corr_set_target(&f->corr, fz->target + FT_UNUSABLE_PAGEBLOCK,
					v[FT_UNUSABLE_PAGEBLOCK] - fz->prev[FT_UNUSABLE_PAGEBLOCK]);
			corr_set_target(&f->corr, fz->target + FT_FREE_ORDER3,
					fz->prev[FT_FREE_ORDER3] - v[FT_FREE_ORDER3]);
			corr_set_target(&f->corr, fz->target + FT_FREE_PAGEBLOCK,
					fz->prev[FT_FREE_PAGEBLOCK] - v[FT_FREE_PAGEBLOCK]);
		}
		memcpy(fz->prev, v, sizeof(v));
		fz->have_prev = true;
	}
}

static void caller_name(const struct frag *f, __u64 addr, char *buf, size_t sz)
{
	ksyms__format(f->ks, addr, false, buf, sz);
}

static void feed_activity(struct frag *f, struct site_table *sites)
{
	char name[128];

	for (size_t i = 0; sites && i < sites->nr; i++) {
		const struct site *s = sites->list[i];
		__s64 growth = s->live_bytes - s->prev_live_bytes;

		if (s->id.kind == KMS_KIND_VMALLOC && s->delta.bytes_alloc)
			corr_add_activity(&f->corr, s->caller, CORR_VMALLOC_PAGES,
					  (double)s->delta.bytes_alloc / f->page_size);
		if (growth)
			corr_add_activity(&f->corr, s->caller, CORR_LIVE_GROWTH, growth);
	}
	if (!f->pages)
		return;
	for (int i = 0; i < f->pt.sites.nr; i++) {
		const struct pg_delta *d = &f->pt.sites.v[i];

		caller_name(f, d->k.site.call_site, name, sizeof(name));
		corr_add_activity(&f->corr, name, CORR_HIGH_ORDER_PAGES, d->pages);
	}
	for (int i = 0; i < f->pt.extfrags.nr; i++) {
		const struct pg_delta *d = &f->pt.extfrags.v[i];

		caller_name(f, d->k.extfrag.call_site, name, sizeof(name));
		corr_add_activity(&f->corr, name, CORR_EXTFRAG, d->count);
	}
}

static bool vmstat_wanted(const char *name)
{
	return !strncmp(name, "compact_", 8) || !strncmp(name, "allocstall_", 11) ||
	       !strncmp(name, "pgalloc_", 8) || !strcmp(name, "pgfree") ||
	       (!strncmp(name, "thp_", 4) && strstr(name, "fallback"));
}

static void read_vmstat(struct frag *f)
{
	struct kvlist cur = {};
	int err = vmstat_read(&cur);

	kvlist_free(&f->vm_delta);
	if (err) {
		absent(f, SRC_VMSTAT, "/proc/vmstat", err);
		return;
	}
	if (f->vm_have_prev) {
		f->vm_delta.v = calloc(cur.nr ? cur.nr : 1, sizeof(struct kv));
		for (int i = 0; f->vm_delta.v && i < cur.nr; i++) {
			__u64 prev;

			if (!vmstat_wanted(cur.v[i].name) ||
			    !kv_get(&f->vm_prev, cur.v[i].name, &prev))
				continue;
			f->vm_delta.v[f->vm_delta.nr] = cur.v[i];
			f->vm_delta.v[f->vm_delta.nr++].value = cur.v[i].value - prev;
		}
	}
	kvlist_free(&f->vm_prev);
	f->vm_prev = cur;
	f->vm_have_prev = true;
}

int frag_snapshot(struct frag *f, __u64 seq, struct site_table *sites)
{
	int err;

	f->seq = seq;
	f->ranked = false;
	if (!f->on)
		return 0;
	buddyinfo_free(&f->cur);
	err = buddyinfo_read(&f->cur);
	if (err) {
		absent(f, SRC_BUDDYINFO, "/proc/buddyinfo", err);
	} else if (!f->have_first) {
		buddyinfo_free(&f->first);
		f->first.zones = malloc(f->cur.nr * sizeof(*f->cur.zones) + 1);
		if (f->first.zones) {
			memcpy(f->first.zones, f->cur.zones, f->cur.nr * sizeof(*f->cur.zones));
			f->first.nr = f->cur.nr;
			f->have_first = true;
		}
	}
	f->pti_fresh = f->slab_fresh = false;
	if (seq % f->pagetype_period == 0)
		read_pagetypeinfo(f);
	read_vmstat(f);
	kvlist_free(&f->meminfo);
	err = meminfo_read(&f->meminfo);
	if (err)
		absent(f, SRC_MEMINFO, "/proc/meminfo", err);
	if (seq % f->pagetype_period == 0 && !(f->absent & SRC_SLABINFO)) {
		slabinfo_free(&f->slab);
		err = slabinfo_read(&f->slab);
		f->slab_fresh = !err;
		/* merged caches: best effort (no sysfs, SLAB instead of SLUB: none) */
		if (!err)
			slab_aliases_read(&f->slab, "/sys/kernel/slab");
		if (err)
			absent(f, SRC_SLABINFO, "/proc/slabinfo", err);
	}
	if (f->pages) {
		err = page_tracer_drain(&f->pt);
		if (err)
			log_warn("cannot read the page allocator maps: %s", strerror(-err));
	}
	feed_targets(f);
	feed_activity(f, sites);
	corr_commit(&f->corr);
	if (f->corr_window && seq % f->corr_window == 0)
		frag_rank(f);
	return 0;
}

void frag_rank(struct frag *f)
{
	if (!f->on)
		return;
	f->nr_top = corr_rank(&f->corr, f->top, FRAG_TOP);
	/* only positive associations say "this precedes more fragmentation" */
	while (f->nr_top && f->top[f->nr_top - 1].r <= 0)
		f->nr_top--;
	f->ranked = true;
}

/* a zone's buddyinfo; seq 0: the state document's form */
static cJSON *buddy_zone_json(const struct buddy_zone *z, __u64 seq, __u64 ts)
{
	double unusable[KMS_MAX_ORDERS], frag[KMS_MAX_ORDERS];

	for (int o = 0; o < z->nr_orders; o++) {
		unusable[o] = unusable_index(z->free, z->nr_orders, o) / 1000.0;
		frag[o] = fragmentation_index(z->free, z->nr_orders, o) / 1000.0;
	}
	return schema_buddyinfo(&(struct schema_buddy){
		.seq = seq,
		.ts_ns = ts,
		.node = z->node,
		.nr_orders = z->nr_orders,
		.zone = z->zone,
		.free = z->free,
		.unusable = unusable,
		.frag = frag,
	});
}

/* a pagetype row; seq 0: the state document's form (no pageblocks) */
static cJSON *pagetype_row_json(const struct frag *f, const struct pagetype_row *r, __u64 seq)
{
	struct schema_pagetype p = {
		.seq = seq,
		.node = r->node,
		.nr_orders = r->nr_orders,
		.zone = r->zone,
		.migratetype = r->migratetype,
		.free = r->free,
		.pageblocks = -1,
	};

	for (int k = 0; k < r->nr_orders; k++)
		p.capped |= r->capped[k];
	for (int b = 0; seq && b < f->pti.nr_blocks; b++) {
		const struct pagetype_blocks *pb = &f->pti.blocks[b];

		if (pb->node != r->node || strcmp(pb->zone, r->zone))
			continue;
		for (int t = 0; t < f->pti.nr_types && t < pb->nr_types; t++)
			if (!strcmp(f->pti.types[t], r->migratetype))
				p.pageblocks = pb->blocks[t];
	}
	return schema_pagetype(&p);
}

static cJSON *meminfo_json(const struct frag *f, __u64 seq)
{
	__u64 v[ARRAY_SIZE(schema_meminfo_keys)] = {};
	bool has[ARRAY_SIZE(schema_meminfo_keys)] = {};

	for (size_t i = 0; i < ARRAY_SIZE(schema_meminfo_keys); i++)
		has[i] = kv_get(&f->meminfo, schema_meminfo_keys[i], &v[i]);
	return schema_meminfo(seq, v, has);
}

static cJSON *slabinfo_json(const struct frag *f)
{
	struct schema_slab *c = calloc(f->slab.nr + 1, sizeof(*c));
	cJSON *o;

	if (!c)
		return NULL;
	for (int i = 0; i < f->slab.nr; i++) {
		const struct slab_cache *sc = &f->slab.caches[i];

		c[i] = (struct schema_slab){ sc->name,
					     sc->active_objs,
					     sc->num_objs,
					     sc->objsize,
					     sc->objperslab,
					     sc->pagesperslab,
					     (const char *const *)sc->aliases,
					     sc->nr_aliases };
	}
	o = schema_slabinfo(f->seq, c, f->slab.nr);
	free(c);
	return o;
}

static int export_snapshots(struct frag *f, struct export *x, __u64 ts)
{
	int err = 0;

	for (int i = 0; !err && i < f->cur.nr; i++)
		err = export_add(x, buddy_zone_json(&f->cur.zones[i], f->seq, ts));
	for (int i = 0; !err && f->pti_fresh && i < f->pti.nr_rows; i++)
		err = export_add(x, pagetype_row_json(f, &f->pti.rows[i], f->seq));
	if (!err && f->vm_delta.nr) {
		cJSON *d, *o = schema_vmstat(f->seq, &d);

		for (int i = 0; i < f->vm_delta.nr; i++)
			json_add_u64(d, f->vm_delta.v[i].name, f->vm_delta.v[i].value);
		err = export_add(x, o);
	}
	if (!err && f->meminfo.nr)
		err = export_add(x, meminfo_json(f, f->seq));
	if (!err && f->slab_fresh) {
		cJSON *o = slabinfo_json(f);

		err = o ? export_add(x, o) : -ENOMEM;
	}
	return err;
}

static cJSON *stack_json(struct frag *f, __s32 id)
{
	__u64 ips[KMS_PAGE_STACK_DEPTH];
	int n = page_tracer_stack(&f->pt, id, ips, KMS_PAGE_STACK_DEPTH);

	return n ? json_stack(f->ks, ips, n) : NULL;
}

/* "func" and "func+0x1a" of a call site */
static void caller_names(struct frag *f, __u64 addr, char *caller, char *site, size_t sz)
{
	ksyms__format(f->ks, addr, false, caller, sz);
	ksyms__format(f->ks, addr, true, site, sz);
}

static int export_page_counts(struct frag *f, struct export *x)
{
	const struct page_tracer *pt = &f->pt;
	char mt[KMS_NAME_LEN], flags[256];
	int err = 0;

	for (int i = 0; !err && i < pt->allocs.nr; i++) {
		const struct pg_delta *d = &pt->allocs.v[i];

		gfp_decode(f->gfp, d->k.page.gfp, flags, sizeof(flags));
		err = export_add(x, schema_page_alloc(f->seq, d->k.page.order,
						      migratetype_name(f, d->k.page.migratetype, mt,
								       sizeof(mt)),
						      flags, d->count, d->pages));
	}
	for (int i = 0; !err && i < KMS_PAGE_ORDERS; i++)
		if (pt->frees[i].count)
			err = export_add(x, schema_page_free(f->seq, i, pt->frees[i].count,
							     pt->frees[i].pages));
	return err;
}

static int export_pages(struct frag *f, struct export *x)
{
	const struct page_tracer *pt = &f->pt;
	char mt[KMS_NAME_LEN], mt2[KMS_NAME_LEN], caller[256], site[256];
	int err = export_page_counts(f, x);

	for (int i = 0; !err && i < pt->sites.nr; i++) {
		const struct pg_delta *d = &pt->sites.v[i];

		caller_names(f, d->k.site.call_site, caller, site, sizeof(caller));
		err = export_add(x,
				 schema_page_site(f->seq, caller, site, d->k.site.order, d->count,
						  d->pages, stack_json(f, d->k.site.stack_id)));
	}
	for (int i = 0; !err && i < pt->extfrags.nr; i++) {
		const struct kms_extfrag_key *k = &pt->extfrags.v[i].k.extfrag;

		caller_names(f, k->call_site, caller, site, sizeof(caller));
		err = export_add(x, schema_extfrag(&(struct schema_extfrag){
					    .seq = f->seq,
					    .count = pt->extfrags.v[i].count,
					    .caller = caller,
					    .site = site,
					    .alloc_migratetype = migratetype_name(
						    f, k->alloc_migratetype, mt, sizeof(mt)),
					    .fallback_migratetype = migratetype_name(
						    f, k->fallback_migratetype, mt2, sizeof(mt2)),
					    .alloc_order = k->alloc_order,
					    .fallback_order = k->fallback_order,
					    .change_ownership = k->change_ownership,
				    }));
	}
	if (!err && pt->compaction)
		err = export_add(x, schema_compaction(&(struct schema_compaction){
					    .seq = f->seq,
					    .begin = pt->delta[KMS_PG_COMPACT_BEGIN],
					    .end = pt->delta[KMS_PG_COMPACT_END],
					    .try_to_compact = pt->delta[KMS_PG_COMPACT_TRY],
					    .deferred = pt->delta[KMS_PG_COMPACT_DEFERRED],
					    .defer_compaction = pt->delta[KMS_PG_COMPACT_DEFER],
					    .defer_reset = pt->delta[KMS_PG_COMPACT_DEFER_RESET],
				    }));
	return err;
}

static cJSON *correlation_json(struct frag *f, const struct corr_result *r)
{
	struct schema_correlation c = {
		.seq = f->seq,
		.window = f->corr_window,
		.n = r->n,
		.lag = r->lag,
		.caller = r->caller,
		.activity = corr_activity_name(r->activity),
		.target = target_names[0],
		.r = round(r->r * 1000) / 1000,
	};

	for (int i = 0; i < f->nr_zones; i++) {
		const struct frag_zone *fz = &f->zones[i];

		if (r->target >= fz->target && r->target < fz->target + FT_NR) {
			c.zone = fz->zone;
			c.node = fz->node;
			c.target = target_names[r->target - fz->target];
		}
	}
	return schema_correlation(&c);
}

int frag_export_ranking(struct frag *f, struct export *x)
{
	int err = 0;

	for (int i = 0; !err && f->ranked && i < f->nr_top; i++)
		err = export_add(x, correlation_json(f, &f->top[i]));
	return err;
}

int frag_export(struct frag *f, struct export *x)
{
	int err;

	if (!f->on)
		return 0;
	err = export_snapshots(f, x, now_real_ns());
	if (!err && f->pages)
		err = export_pages(f, x);
	return err ? err : frag_export_ranking(f, x);
}

/* the interval's change of one page caller (order, stack), 0 when none */
static const struct pg_delta *page_site_delta(const struct frag *f,
					      const struct kms_page_site_key *k)
{
	for (int i = 0; i < f->pt.sites.nr; i++)
		if (!memcmp(&f->pt.sites.v[i].k.site, k, sizeof(*k)))
			return &f->pt.sites.v[i];
	return NULL;
}

/* page allocations of order >= the threshold, as state sites of kind "page" */
static void state_page_sites(struct frag *f, cJSON *sites)
{
	struct htab_ent *e;

	htab_for_each (&f->pt.prev_sites, e) {
		const struct kms_page_site_key *k = e->key;
		const struct kms_page_val *tot = e->val;
		const struct pg_delta *d = page_site_delta(f, k);
		struct site_counts dc = {}, tc = {};
		char caller[256], site[256];
		struct schema_site v = { .kind = KIND_NAME_PAGE,
					 .caller = caller,
					 .site = site,
					 .delta = &dc,
					 .total = &tc };

		if (d) {
			dc.allocs = d->count;
			dc.bytes_req = dc.bytes_alloc = d->pages * f->page_size;
		}
		tc.allocs = tot->count;
		tc.bytes_req = tc.bytes_alloc = tot->pages * f->page_size;
		caller_names(f, k->call_site, caller, site, sizeof(caller));
		v.stack = stack_json(f, k->stack_id);
		cJSON_AddItemToArray(sites, schema_state_site(&v));
	}
}

void frag_state(struct frag *f, cJSON *state)
{
	cJSON *a;

	if (f->on && f->pages)
		state_page_sites(f, cJSON_GetObjectItemCaseSensitive(state, FLD_SITES));
	if (!f->on || !f->cur.nr)
		return;
	a = cJSON_AddArrayToObject(state, FLD_BUDDYINFO);
	for (int i = 0; i < f->cur.nr; i++)
		cJSON_AddItemToArray(a, buddy_zone_json(&f->cur.zones[i], 0, 0));
	json_add_u64(state, FLD_PAGEBLOCK_ORDER, f->pageblock_order);
	cJSON_AddItemToObject(state, FLD_MEMINFO, meminfo_json(f, 0));
	if (f->pti.nr_rows) {
		a = cJSON_AddArrayToObject(state, FLD_PAGETYPE);
		for (int i = 0; i < f->pti.nr_rows; i++)
			cJSON_AddItemToArray(a, pagetype_row_json(f, &f->pti.rows[i], 0));
	}
	if (f->slab.nr) { /* the record's caches, for top's slab pane */
		cJSON *rec = slabinfo_json(f);

		a = rec ? cJSON_DetachItemFromObjectCaseSensitive(rec, FLD_CACHES) : NULL;
		if (a)
			cJSON_AddItemToObject(state, FLD_SLABINFO, a);
		cJSON_Delete(rec);
	}
}

static void print_zone(FILE *out, const struct buddy_zone *a, const struct buddy_zone *b, int pb)
{
	char x[16], y[16], p[16], q[16];

	fprintf(out, "  Node %d, zone %-8s order:", b->node, b->zone);
	for (int o = 0; o < b->nr_orders; o++)
		fprintf(out, " %7d", o);
	fprintf(out, "\n    free blocks first    ");
	for (int o = 0; o < a->nr_orders; o++)
		fprintf(out, " %7llu", (unsigned long long)a->free[o]);
	fprintf(out, "\n    free blocks last     ");
	for (int o = 0; o < b->nr_orders; o++)
		fprintf(out, " %7llu", (unsigned long long)b->free[o]);
	if (pb >= b->nr_orders)
		pb = b->nr_orders - 1;
	fprintf(out, "\n    unusable index  order 3: %s -> %s   order %d (pageblock): %s -> %s\n",
		fmt_index(unusable_index(a->free, a->nr_orders, 3), x, sizeof(x)),
		fmt_index(unusable_index(b->free, b->nr_orders, 3), y, sizeof(y)), pb,
		fmt_index(unusable_index(a->free, a->nr_orders, pb), p, sizeof(p)),
		fmt_index(unusable_index(b->free, b->nr_orders, pb), q, sizeof(q)));
	fprintf(out, "    frag index      order 3: %s -> %s   order %d (pageblock): %s -> %s\n",
		fmt_index(fragmentation_index(a->free, a->nr_orders, 3), x, sizeof(x)),
		fmt_index(fragmentation_index(b->free, b->nr_orders, 3), y, sizeof(y)), pb,
		fmt_index(fragmentation_index(a->free, a->nr_orders, pb), p, sizeof(p)),
		fmt_index(fragmentation_index(b->free, b->nr_orders, pb), q, sizeof(q)));
}

void frag_print_summary(FILE *out, struct frag *f)
{
	if (!f->on || !f->have_first)
		return;
	fprintf(out,
		"\nFRAGMENTATION (/proc/buddyinfo, first -> last snapshot; order n = blocks of 2^n pages)\n");
	for (int i = 0; i < f->cur.nr; i++) {
		const struct buddy_zone *b = &f->cur.zones[i];
		const struct buddy_zone *a = find_zone(&f->first, b->node, b->zone);

		print_zone(out, a ? a : b, b, f->pageblock_order);
	}
	if (f->pageblock_note[0])
		fprintf(out, "  pageblock order %d %s\n", f->pageblock_order, f->pageblock_note);
	if (f->pages)
		fprintf(out,
			"  page allocator: %llu allocations, %llu frees, %llu fallbacks to other migratetypes, %llu compactions\n",
			(unsigned long long)f->pt.counters[KMS_PG_EV_ALLOC],
			(unsigned long long)f->pt.counters[KMS_PG_EV_FREE],
			(unsigned long long)f->pt.counters[KMS_PG_EV_EXTFRAG],
			(unsigned long long)f->pt.counters[KMS_PG_COMPACT_BEGIN]);
	if (f->pages && f->pt.filtered)
		fprintf(out,
			"  (events of the whole machine; with the task filter the page_alloc, page_site and extfrag records count the filtered tasks' allocations only, page frees are not counted, and compaction and buddyinfo stay the machine's)\n");
	if (!f->nr_top) {
		fprintf(out,
			"  correlation: not enough intervals or no caller activity tracked fragmentation\n");
		return;
	}
	fprintf(out,
		"\n  Callers whose activity preceded fragmentation (correlation, not proof of cause):\n");
	fprintf(out, "  %-32s %-18s %-26s %-14s %6s %4s %4s\n", "CALLER", "ACTIVITY", "TARGET",
		"ZONE", "R", "N", "LAG");
	for (int i = 0; i < f->nr_top && i < 5; i++) {
		const struct corr_result *r = &f->top[i];
		const struct frag_zone *fz = NULL;

		for (int z = 0; z < f->nr_zones; z++)
			if (r->target >= f->zones[z].target &&
			    r->target < f->zones[z].target + FT_NR)
				fz = &f->zones[z];
		fprintf(out, "  %-32.32s %-18s %-26s %-14s %6.3f %4d %4d\n", r->caller,
			corr_activity_name(r->activity),
			fz ? target_names[r->target - fz->target] : "?", fz ? fz->zone : "?", r->r,
			r->n, r->lag);
	}
}

void frag_stop(struct frag *f)
{
	if (f->pages)
		page_tracer_stop(&f->pt);
	f->pages = false;
	buddyinfo_free(&f->first);
	buddyinfo_free(&f->cur);
	pagetypeinfo_free(&f->pti);
	kvlist_free(&f->vm_prev);
	kvlist_free(&f->vm_delta);
	kvlist_free(&f->meminfo);
	slabinfo_free(&f->slab);
	if (f->on)
		corr_free(&f->corr);
	f->on = false;
}
