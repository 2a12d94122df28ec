// SPDX-License-Identifier: GPL-2.0
/* The export and state schema: the field table and one builder per record type. */
#include <string.h>
#include "export.h"
#include "schema.h"
#include "sites.h"
#include "util.h"

const struct schema_counter schema_events[7] = {
	{ "kmalloc", KMS_CNT_EV_KMALLOC },
	{ EV_KFREE, KMS_CNT_EV_KFREE },
	{ "kmem_cache_alloc", KMS_CNT_EV_CACHE_ALLOC },
	{ "kmem_cache_free", KMS_CNT_EV_CACHE_FREE },
	{ "vmalloc", KMS_CNT_EV_VMALLOC },
	{ "vfree", KMS_CNT_EV_VFREE },
	{ EV_BULK_FREE, KMS_CNT_EV_BULK_FREE },
};
const struct schema_counter schema_unmatched[4] = {
	{ EV_KFREE, KMS_CNT_UNMATCHED_KFREE },
	{ EV_CACHE_FREE, KMS_CNT_UNMATCHED_CACHE_FREE },
	{ EV_VFREE, KMS_CNT_UNMATCHED_VFREE },
	{ EV_BULK_FREE, KMS_CNT_UNMATCHED_BULK },
};
const struct schema_counter schema_drops[6] = {
	{ "sites_full", KMS_CNT_DROP_SITES },	  { "live_full", KMS_CNT_DROP_LIVE },
	{ "ringbuf_full", KMS_CNT_DROP_RINGBUF }, { "stacks", KMS_CNT_DROP_STACK },
	{ "pending_full", KMS_CNT_DROP_PENDING }, { "bulk_overflow", KMS_CNT_DROP_BULK },
};
const char *const schema_meminfo_keys[5] = { MI_MEMFREE, MI_SLAB, MI_SRECLAIMABLE, MI_SUNRECLAIM,
					     MI_VMALLOC_USED };

#define COUNTS                                                                              \
	FLD_ALLOCS, FLD_FREES, FLD_FAILED, FLD_BYTES_REQ, FLD_BYTES_ALLOC, FLD_SLACK,       \
		FLD_BYTES_FREED, FLD_CROSS_CPU_FREES, FLD_IMPLIED_FREES, FLD_IMPLIED_BYTES, \
		FLD_BYTES_CHARGED, FLD_SIZES, FLD_LIFETIMES_NS

static const char *const f_header[] = {
	FLD_TYPE,
	FLD_SCHEMA,
	FLD_TOOL,
	FLD_VERSION,
	FLD_KERNEL,
	FLD_MACHINE,
	FLD_HOSTNAME,
	FLD_PAGE_SIZE,
	FLD_NCPU,
	FLD_START_NS,
	FLD_INTERVAL_S,
	FLD_PAGEBLOCK_ORDER,
	FLD_ATTACH,
	FLD_ATTACH "." FLD_ATT_KMALLOC,
	FLD_ATTACH "." FLD_ATT_KMEM_CACHE,
	FLD_ATTACH "." FLD_ATT_VMALLOC,
	FLD_ATTACH "." FLD_ATT_VMALLOC_DETAIL,
	FLD_ATTACH "." FLD_ATT_VMALLOC_REFUSED,
	FLD_ATTACH "." FLD_ATT_PAGE,
	FLD_ATTACH "." FLD_ATT_BULK_FREE,
	FLD_ATTACH "." FLD_ATT_BULK_FREE_REFUSED,
	FLD_ATTACH "." FLD_ATT_CLAIMS,
	FLD_ATTACH "." FLD_ATT_CLAIMS_REFUSED,
	FLD_SETTINGS,
	FLD_SETTINGS "." FLD_TRACK_LIVE,
	FLD_SETTINGS "." FLD_LIVE_ENTRIES,
	FLD_SETTINGS "." FLD_SITE_ENTRIES,
	FLD_SETTINGS "." FLD_LIFE_SAMPLE,
	FLD_SETTINGS "." FLD_FILTER,
	FLD_SETTINGS "." FLD_FILTER "." FLD_PID,
	FLD_SETTINGS "." FLD_FILTER "." FLD_COMM,
	FLD_SETTINGS "." FLD_FILTER "." FLD_CGROUP,
	FLD_SETTINGS "." FLD_BY,
	FLD_SETTINGS "." FLD_BY_MAX,
	FLD_SETTINGS "." FLD_STACK_SAMPLE,
	FLD_GFP_NAMES,
	FLD_SYMBOLS,
	FLD_RAW_ADDRESSES,
	FLD_DAEMON,
	FLD_DAEMON "." FLD_SEGMENT_START_NS,
	FLD_DAEMON "." FLD_FIRST_SEQ,
	FLD_DAEMON "." FLD_TOP_SITES,
	NULL,
};
static const char *const f_interval[] = {
	FLD_TYPE,
	FLD_SEQ,
	FLD_START_NS,
	FLD_END_NS,
	FLD_DURATION_S,
	FLD_EVENTS,
	FLD_EVENTS "." EV_KMALLOC,
	FLD_EVENTS "." EV_KFREE,
	FLD_EVENTS "." EV_CACHE_ALLOC,
	FLD_EVENTS "." EV_CACHE_FREE,
	FLD_EVENTS "." EV_VMALLOC,
	FLD_EVENTS "." EV_VFREE,
	FLD_EVENTS "." EV_BULK_FREE,
	FLD_EVENTS "." FLD_EV_PAGE_ALLOC,
	FLD_UNMATCHED_FREES,
	FLD_UNMATCHED_FREES "." EV_KFREE,
	FLD_UNMATCHED_FREES "." EV_CACHE_FREE,
	FLD_UNMATCHED_FREES "." EV_VFREE,
	FLD_UNMATCHED_FREES "." EV_BULK_FREE,
	FLD_DROPS,
	FLD_DROPS ".sites_full",
	FLD_DROPS ".live_full",
	FLD_DROPS ".ringbuf_full",
	FLD_DROPS ".stacks",
	FLD_DROPS ".pending_full",
	FLD_DROPS ".bulk_overflow",
	FLD_DROPS "." FLD_DROP_RECURSION,
	FLD_STALE_LIVE,
	FLD_SELF_IGNORED,
	FLD_KERNEL_DUPLICATES,
	FLD_ACTIVE_SITES,
	FLD_SITES,
	FLD_BYTES_REQ,
	FLD_BYTES_ALLOC,
	FLD_LIVE,
	FLD_LIVE_BYTES,
	FLD_LIVE_UNTRACKED,
	NULL,
};
static const char *const f_site[] = {
	FLD_TYPE,
	FLD_SEQ,
	FLD_KIND,
	FLD_CACHE,
	FLD_CALLER,
	FLD_SITE,
	COUNTS,
	FLD_LIVE,
	FLD_LIVE_BYTES,
	FLD_LIVE_UNTRACKED,
	FLD_REQ_UNKNOWN,
	FLD_GFP,
	FLD_STACK,
	FLD_ALLOC_SIZES,
	FLD_COMM,
	FLD_CGROUP,
	FLD_STACKS,
	/* NOLINTBEGIN(bugprone-suspicious-missing-comma): nested names are "a.b" on purpose */
	FLD_STACKS "." FLD_STACK,
	FLD_STACKS "." FLD_ALLOCS,
	FLD_STACKS "." FLD_BYTES_REQ,
	FLD_STACKS "." FLD_BYTES_ALLOC,
	FLD_STACKS "." FLD_LIVE,
	FLD_STACKS "." FLD_LIVE_BYTES,
	/* NOLINTEND(bugprone-suspicious-missing-comma) */
	NULL,
};
static const char *const f_site_rest[] = {
	FLD_TYPE, FLD_SEQ, FLD_SITES, COUNTS, FLD_LIVE, FLD_LIVE_BYTES, FLD_LIVE_UNTRACKED, NULL,
};
static const char *const f_failure[] = {
	FLD_TYPE,      FLD_SEQ, FLD_TS_NS, FLD_KIND, FLD_CACHE, FLD_SITE,
	FLD_BYTES_REQ, FLD_GFP, FLD_PID,   FLD_COMM, NULL,
};
static const char *const f_buddyinfo[] = {
	FLD_TYPE,	    FLD_SEQ,	    FLD_TS_NS, FLD_NODE, FLD_ZONE, FLD_FREE,
	FLD_UNUSABLE_INDEX, FLD_FRAG_INDEX, NULL,
};
static const char *const f_pagetype[] = {
	FLD_TYPE, FLD_SEQ,    FLD_NODE,	      FLD_ZONE, FLD_MIGRATETYPE,
	FLD_FREE, FLD_CAPPED, FLD_PAGEBLOCKS, NULL,
};
static const char *const f_vmstat[] = { FLD_TYPE, FLD_SEQ, FLD_DELTA, NULL };
static const char *const f_meminfo[] = { FLD_TYPE,	  FLD_SEQ,	 MI_MEMFREE,	  MI_SLAB,
					 MI_SRECLAIMABLE, MI_SUNRECLAIM, MI_VMALLOC_USED, NULL };
static const char *const f_slabinfo[] = {
	FLD_TYPE,
	FLD_SEQ,
	FLD_CACHES,
	FLD_CACHES "." FLD_NAME,
	FLD_CACHES "." FLD_ACTIVE_OBJS,
	FLD_CACHES "." FLD_NUM_OBJS,
	FLD_CACHES "." FLD_OBJSIZE,
	FLD_CACHES "." FLD_OBJPERSLAB,
	FLD_CACHES "." FLD_PAGESPERSLAB,
	FLD_CACHES "." FLD_ALIASES,
	NULL,
};
static const char *const f_page_alloc[] = {
	FLD_TYPE, FLD_SEQ, FLD_ORDER, FLD_MIGRATETYPE, FLD_GFP, FLD_ALLOCS, FLD_PAGES, NULL,
};
static const char *const f_page_free[] = {
	FLD_TYPE, FLD_SEQ, FLD_ORDER, FLD_FREES, FLD_PAGES, NULL
};
static const char *const f_page_site[] = {
	FLD_TYPE, FLD_SEQ, FLD_CALLER, FLD_SITE, FLD_ORDER, FLD_ALLOCS, FLD_PAGES, FLD_STACK, NULL,
};
static const char *const f_extfrag[] = {
	FLD_TYPE,
	FLD_SEQ,
	FLD_CALLER,
	FLD_SITE,
	FLD_ALLOC_ORDER,
	FLD_FALLBACK_ORDER,
	FLD_ALLOC_MIGRATETYPE,
	FLD_FALLBACK_MIGRATETYPE,
	FLD_CHANGE_OWNERSHIP,
	FLD_COUNT,
	NULL,
};
static const char *const f_compaction[] = {
	FLD_TYPE,
	FLD_SEQ,
	FLD_BEGIN,
	FLD_END,
	FLD_TRY_TO_COMPACT,
	FLD_DEFERRED,
	FLD_DEFER_COMPACTION,
	FLD_DEFER_RESET,
	NULL,
};
static const char *const f_correlation[] = {
	FLD_TYPE, FLD_SEQ,  FLD_WINDOW, FLD_CALLER, FLD_ACTIVITY, FLD_TARGET,
	FLD_NODE, FLD_ZONE, FLD_R,	FLD_N,	    FLD_LAG,	  NULL,
};

const struct schema_record schema_records[] = {
	{ REC_HEADER, f_header },
	{ REC_INTERVAL, f_interval },
	{ REC_SITE, f_site },
	{ REC_SITE_REST, f_site_rest },
	{ REC_FAILURE, f_failure },
	{ REC_BUDDYINFO, f_buddyinfo },
	{ REC_PAGETYPE, f_pagetype },
	{ REC_VMSTAT, f_vmstat },
	{ REC_MEMINFO, f_meminfo },
	{ REC_SLABINFO, f_slabinfo },
	{ REC_PAGE_ALLOC, f_page_alloc },
	{ REC_PAGE_FREE, f_page_free },
	{ REC_PAGE_SITE, f_page_site },
	{ REC_EXTFRAG, f_extfrag },
	{ REC_COMPACTION, f_compaction },
	{ REC_CORRELATION, f_correlation },
};
const size_t schema_nr_records = ARRAY_SIZE(schema_records);

const struct schema_record *schema_find(const char *type)
{
	for (size_t i = 0; i < schema_nr_records; i++)
		if (!strcmp(schema_records[i].type, type))
			return &schema_records[i];
	return NULL;
}

/* a document without a seq: header, state, status */
static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, FLD_TYPE, type);
	return o;
}

cJSON *schema_rec(const char *type, __u64 seq)
{
	cJSON *o = typed(type);

	json_add_u64(o, FLD_SEQ, seq);
	return o;
}

/* settings.filter: only the filters that are on */
static void add_filter(cJSON *set, const struct schema_header *h)
{
	bool comm = h->filter_comm && h->filter_comm[0];
	bool cgroup = h->filter_cgroup && h->filter_cgroup[0];
	cJSON *f, *a;

	if (!h->nr_filter_pids && !comm && !cgroup)
		return;
	f = cJSON_AddObjectToObject(set, FLD_FILTER);
	if (h->nr_filter_pids) {
		a = cJSON_AddArrayToObject(f, FLD_PID);
		for (__u32 i = 0; a && i < h->nr_filter_pids; i++)
			cJSON_AddItemToArray(a, cJSON_CreateNumber(h->filter_pids[i]));
	}
	if (comm)
		cJSON_AddStringToObject(f, FLD_COMM, h->filter_comm);
	if (cgroup)
		cJSON_AddStringToObject(f, FLD_CGROUP, h->filter_cgroup);
}

cJSON *schema_header(const struct schema_header *h)
{
	cJSON *o = typed(REC_HEADER), *a, *set;

	cJSON_AddNumberToObject(o, FLD_SCHEMA, KMS_SCHEMA_VERSION);
	cJSON_AddStringToObject(o, FLD_TOOL, "kmemscope");
	cJSON_AddStringToObject(o, FLD_VERSION, h->version);
	cJSON_AddStringToObject(o, FLD_KERNEL, h->kernel);
	cJSON_AddStringToObject(o, FLD_MACHINE, h->machine);
	cJSON_AddStringToObject(o, FLD_HOSTNAME, h->hostname);
	json_add_u64(o, FLD_PAGE_SIZE, h->page_size);
	json_add_u64(o, FLD_NCPU, h->ncpu);
	json_add_u64(o, FLD_START_NS, h->start_ns);
	cJSON_AddNumberToObject(o, FLD_INTERVAL_S, h->interval_s);
	if (h->pageblock_order > 0)
		json_add_u64(o, FLD_PAGEBLOCK_ORDER, h->pageblock_order);
	a = cJSON_AddObjectToObject(o, FLD_ATTACH);
	cJSON_AddStringToObject(a, FLD_ATT_KMALLOC, h->kmalloc);
	cJSON_AddStringToObject(a, FLD_ATT_KMEM_CACHE, h->kmem_cache);
	cJSON_AddStringToObject(a, FLD_ATT_VMALLOC, h->vmalloc);
	cJSON_AddStringToObject(a, FLD_ATT_VMALLOC_DETAIL, h->vmalloc_detail);
	if (h->vmalloc_refused && h->vmalloc_refused[0])
		cJSON_AddStringToObject(a, FLD_ATT_VMALLOC_REFUSED, h->vmalloc_refused);
	if (h->page)
		cJSON_AddStringToObject(a, FLD_ATT_PAGE, h->page);
	if (h->bulk_free)
		cJSON_AddStringToObject(a, FLD_ATT_BULK_FREE, h->bulk_free);
	if (h->bulk_free_refused && h->bulk_free_refused[0])
		cJSON_AddStringToObject(a, FLD_ATT_BULK_FREE_REFUSED, h->bulk_free_refused);
	if (h->claims)
		cJSON_AddStringToObject(a, FLD_ATT_CLAIMS, h->claims);
	if (h->claims_refused && h->claims_refused[0])
		cJSON_AddStringToObject(a, FLD_ATT_CLAIMS_REFUSED, h->claims_refused);
	set = cJSON_AddObjectToObject(o, FLD_SETTINGS);
	cJSON_AddBoolToObject(set, FLD_TRACK_LIVE, h->track_live);
	json_add_u64(set, FLD_LIVE_ENTRIES, h->live_entries);
	json_add_u64(set, FLD_SITE_ENTRIES, h->site_entries);
	json_add_u64(set, FLD_LIFE_SAMPLE, h->life_sample);
	add_filter(set, h);
	if (h->by) {
		cJSON_AddStringToObject(set, FLD_BY, h->by);
		json_add_u64(set, FLD_BY_MAX, h->by_max);
	}
	json_add_u64(set, FLD_STACK_SAMPLE, h->stack_sample);
	cJSON_AddStringToObject(o, FLD_GFP_NAMES, h->gfp_names);
	cJSON_AddBoolToObject(o, FLD_SYMBOLS, h->symbols);
	cJSON_AddBoolToObject(o, FLD_RAW_ADDRESSES, h->raw_addresses);
	return o;
}

void schema_header_daemon(cJSON *hdr, __u64 segment_start_ns, __u64 first_seq, __u64 top_sites)
{
	cJSON *d = cJSON_AddObjectToObject(hdr, FLD_DAEMON);

	json_add_u64(d, FLD_SEGMENT_START_NS, segment_start_ns);
	json_add_u64(d, FLD_FIRST_SEQ, first_seq);
	json_add_u64(d, FLD_TOP_SITES, top_sites);
}

static cJSON *add_counters(cJSON *o, const char *name, const struct schema_counter *c, size_t n,
			   const __u64 *v)
{
	cJSON *obj = cJSON_AddObjectToObject(o, name);

	for (size_t i = 0; i < n; i++)
		json_add_u64(obj, c[i].name, v[c[i].idx]);
	return obj;
}

cJSON *schema_interval(const struct schema_interval *iv)
{
	cJSON *o = schema_rec(REC_INTERVAL, iv->seq), *ev, *dr;

	json_add_u64(o, FLD_START_NS, iv->start_ns);
	json_add_u64(o, FLD_END_NS, iv->end_ns);
	cJSON_AddNumberToObject(o, FLD_DURATION_S, iv->duration_s);
	ev = add_counters(o, FLD_EVENTS, schema_events, ARRAY_SIZE(schema_events), iv->delta);
	if (iv->pages)
		json_add_u64(ev, FLD_EV_PAGE_ALLOC, iv->page_allocs);
	add_counters(o, FLD_UNMATCHED_FREES, schema_unmatched, ARRAY_SIZE(schema_unmatched),
		     iv->delta);
	dr = add_counters(o, FLD_DROPS, schema_drops, ARRAY_SIZE(schema_drops), iv->delta);
	json_add_u64(dr, FLD_DROP_RECURSION, iv->recursion);
	json_add_u64(o, FLD_STALE_LIVE, iv->delta[KMS_CNT_STALE_LIVE]);
	json_add_u64(o, FLD_SELF_IGNORED, iv->delta[KMS_CNT_SELF]);
	json_add_u64(o, FLD_KERNEL_DUPLICATES, iv->delta[KMS_CNT_DUP_LARGE]);
	json_add_u64(o, FLD_ACTIVE_SITES, iv->active_sites);
	json_add_u64(o, FLD_SITES, iv->sites);
	json_add_u64(o, FLD_BYTES_REQ, iv->bytes_req);
	json_add_u64(o, FLD_BYTES_ALLOC, iv->bytes_alloc);
	json_add_s64(o, FLD_LIVE, iv->live);
	json_add_s64(o, FLD_LIVE_BYTES, iv->live_bytes);
	json_add_u64(o, FLD_LIVE_UNTRACKED, iv->live_untracked);
	return o;
}

void schema_counts_add(struct site_counts *sum, const struct site_counts *c)
{
	sum->allocs += c->allocs;
	sum->frees += c->frees;
	sum->failed += c->failed;
	sum->bytes_req += c->bytes_req;
	sum->bytes_alloc += c->bytes_alloc;
	sum->bytes_freed += c->bytes_freed;
	sum->cross_cpu_frees += c->cross_cpu_frees;
	sum->implied_frees += c->implied_frees;
	sum->implied_bytes += c->implied_bytes;
	sum->bytes_charged += c->bytes_charged;
	for (int i = 0; i < KMS_SIZE_BUCKETS; i++)
		sum->size_hist[i] += c->size_hist[i];
	for (int i = 0; i < KMS_LIFE_BUCKETS; i++)
		sum->life_hist[i] += c->life_hist[i];
}

void schema_add_counts(cJSON *o, const struct site_counts *c)
{
	json_add_u64(o, FLD_ALLOCS, c->allocs);
	json_add_u64(o, FLD_FREES, c->frees);
	json_add_u64(o, FLD_FAILED, c->failed);
	json_add_u64(o, FLD_BYTES_REQ, c->bytes_req);
	json_add_u64(o, FLD_BYTES_ALLOC, c->bytes_alloc);
	json_add_u64(o, FLD_SLACK, site_slack(c));
	json_add_u64(o, FLD_BYTES_FREED, c->bytes_freed);
	json_add_u64(o, FLD_CROSS_CPU_FREES, c->cross_cpu_frees);
	json_add_u64(o, FLD_IMPLIED_FREES, c->implied_frees);
	json_add_u64(o, FLD_IMPLIED_BYTES, c->implied_bytes);
	json_add_u64(o, FLD_BYTES_CHARGED, c->bytes_charged);
	cJSON_AddItemToObject(o, FLD_SIZES, json_log2_hist(c->size_hist, KMS_SIZE_BUCKETS));
	cJSON_AddItemToObject(o, FLD_LIFETIMES_NS, json_log2_hist(c->life_hist, KMS_LIFE_BUCKETS));
}

static void add_site_id(cJSON *o, const struct schema_site *s)
{
	cJSON_AddStringToObject(o, FLD_KIND, s->kind);
	if (s->cache)
		cJSON_AddStringToObject(o, FLD_CACHE, s->cache);
	cJSON_AddStringToObject(o, FLD_CALLER, s->caller);
	cJSON_AddStringToObject(o, FLD_SITE, s->site);
	if (s->comm)
		cJSON_AddStringToObject(o, FLD_COMM, s->comm);
	if (s->cgroup)
		cJSON_AddStringToObject(o, FLD_CGROUP, s->cgroup);
}

static void add_site_tail(cJSON *o, struct schema_site *s)
{
	json_add_s64(o, FLD_LIVE, s->live);
	json_add_s64(o, FLD_LIVE_BYTES, s->live_bytes);
	json_add_u64(o, FLD_LIVE_UNTRACKED, s->live_untracked);
	if (s->req_unknown)
		cJSON_AddBoolToObject(o, FLD_REQ_UNKNOWN, true);
}

static void add_site_objects(cJSON *o, struct schema_site *s)
{
	cJSON_AddItemToObject(o, FLD_GFP, s->gfp ? s->gfp : cJSON_CreateObject());
	if (s->stack)
		cJSON_AddItemToObject(o, FLD_STACK, s->stack);
	if (s->alloc_sizes)
		cJSON_AddItemToObject(o, FLD_ALLOC_SIZES, s->alloc_sizes);
	if (s->stacks)
		cJSON_AddItemToObject(o, FLD_STACKS, s->stacks);
	s->gfp = s->stack = s->alloc_sizes = s->stacks = NULL;
}

void schema_alloc_size_add(cJSON *o, __u64 size, __u64 allocs, __u64 bytes_req)
{
	cJSON *prev, *e;
	const cJSON *v;
	char key[24];

	snprintf(key, sizeof(key), "%llu", (unsigned long long)size);
	prev = cJSON_GetObjectItemCaseSensitive(o, key);
	if (prev) { /* the size again: the sums replace it */
		v = cJSON_GetObjectItemCaseSensitive(prev, FLD_ALLOCS);
		allocs += cJSON_IsNumber(v) ? (__u64)v->valuedouble : 0;
		v = cJSON_GetObjectItemCaseSensitive(prev, FLD_BYTES_REQ);
		bytes_req += cJSON_IsNumber(v) ? (__u64)v->valuedouble : 0;
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	}
	e = cJSON_AddObjectToObject(o, key);
	if (!e)
		return;
	json_add_u64(e, FLD_ALLOCS, allocs);
	json_add_u64(e, FLD_BYTES_REQ, bytes_req);
}

cJSON *schema_stack(cJSON *frames, const struct schema_stack *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, FLD_STACK, frames);
	json_add_u64(o, FLD_ALLOCS, c->allocs);
	json_add_u64(o, FLD_BYTES_REQ, c->bytes_req);
	json_add_u64(o, FLD_BYTES_ALLOC, c->bytes_alloc);
	json_add_s64(o, FLD_LIVE, c->live);
	json_add_s64(o, FLD_LIVE_BYTES, c->live_bytes);
	return o;
}

cJSON *schema_site(struct schema_site *s)
{
	cJSON *o = schema_rec(REC_SITE, s->seq);

	add_site_id(o, s);
	schema_add_counts(o, s->delta);
	add_site_tail(o, s);
	add_site_objects(o, s);
	return o;
}

static cJSON *counts_object(const struct site_counts *c)
{
	cJSON *o = cJSON_CreateObject();

	schema_add_counts(o, c);
	return o;
}

cJSON *schema_state_site(struct schema_site *s)
{
	cJSON *o = cJSON_CreateObject();

	add_site_id(o, s);
	add_site_tail(o, s);
	cJSON_AddItemToObject(o, FLD_DELTA, counts_object(s->delta));
	cJSON_AddItemToObject(o, FLD_TOTAL, counts_object(s->total ? s->total : s->delta));
	add_site_objects(o, s);
	return o;
}

cJSON *schema_site_rest(const struct schema_site_rest *r)
{
	cJSON *o = schema_rec(REC_SITE_REST, r->seq);

	json_add_u64(o, FLD_SITES, r->sites);
	schema_add_counts(o, r->c);
	json_add_s64(o, FLD_LIVE, r->live);
	json_add_s64(o, FLD_LIVE_BYTES, r->live_bytes);
	json_add_u64(o, FLD_LIVE_UNTRACKED, r->live_untracked);
	return o;
}

cJSON *schema_failure(const struct schema_failure *f)
{
	cJSON *o = schema_rec(REC_FAILURE, f->seq);

	json_add_u64(o, FLD_TS_NS, f->ts_ns);
	cJSON_AddStringToObject(o, FLD_KIND, f->kind);
	if (f->cache && f->cache[0])
		cJSON_AddStringToObject(o, FLD_CACHE, f->cache);
	cJSON_AddStringToObject(o, FLD_SITE, f->site);
	json_add_u64(o, FLD_BYTES_REQ, f->bytes_req);
	cJSON_AddStringToObject(o, FLD_GFP, f->gfp);
	json_add_u64(o, FLD_PID, f->pid);
	cJSON_AddStringToObject(o, FLD_COMM, f->comm);
	return o;
}

static cJSON *u64_array(const __u64 *v, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

static cJSON *double_array(const double *v, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

/* seq 0: an entry of the state document (no type, seq, ts) */
static cJSON *state_or_rec(const char *type, __u64 seq)
{
	return seq ? schema_rec(type, seq) : cJSON_CreateObject();
}

cJSON *schema_buddyinfo(const struct schema_buddy *b)
{
	cJSON *o = state_or_rec(REC_BUDDYINFO, b->seq);

	if (b->seq)
		json_add_u64(o, FLD_TS_NS, b->ts_ns);
	json_add_u64(o, FLD_NODE, b->node);
	cJSON_AddStringToObject(o, FLD_ZONE, b->zone);
	cJSON_AddItemToObject(o, FLD_FREE, u64_array(b->free, b->nr_orders));
	cJSON_AddItemToObject(o, FLD_UNUSABLE_INDEX, double_array(b->unusable, b->nr_orders));
	cJSON_AddItemToObject(o, FLD_FRAG_INDEX, double_array(b->frag, b->nr_orders));
	return o;
}

cJSON *schema_pagetype(const struct schema_pagetype *p)
{
	cJSON *o = state_or_rec(REC_PAGETYPE, p->seq);

	json_add_u64(o, FLD_NODE, p->node);
	cJSON_AddStringToObject(o, FLD_ZONE, p->zone);
	cJSON_AddStringToObject(o, FLD_MIGRATETYPE, p->migratetype);
	cJSON_AddItemToObject(o, FLD_FREE, u64_array(p->free, p->nr_orders));
	if (p->capped)
		cJSON_AddBoolToObject(o, FLD_CAPPED, true);
	if (p->pageblocks >= 0)
		json_add_u64(o, FLD_PAGEBLOCKS, p->pageblocks);
	return o;
}

cJSON *schema_vmstat(__u64 seq, cJSON **delta)
{
	cJSON *o = schema_rec(REC_VMSTAT, seq);

	*delta = cJSON_AddObjectToObject(o, FLD_DELTA);
	return o;
}

cJSON *schema_meminfo(__u64 seq, const __u64 *vals, const bool *has)
{
	cJSON *o = state_or_rec(REC_MEMINFO, seq);

	for (size_t i = 0; i < ARRAY_SIZE(schema_meminfo_keys); i++)
		if (has[i])
			json_add_u64(o, schema_meminfo_keys[i], vals[i]);
	return o;
}

cJSON *schema_slabinfo(__u64 seq, const struct schema_slab *c, int n)
{
	cJSON *o = schema_rec(REC_SLABINFO, seq), *a = cJSON_AddArrayToObject(o, FLD_CACHES);

	for (int i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, FLD_NAME, c[i].name);
		json_add_u64(e, FLD_ACTIVE_OBJS, c[i].active_objs);
		json_add_u64(e, FLD_NUM_OBJS, c[i].num_objs);
		json_add_u64(e, FLD_OBJSIZE, c[i].objsize);
		json_add_u64(e, FLD_OBJPERSLAB, c[i].objperslab);
		json_add_u64(e, FLD_PAGESPERSLAB, c[i].pagesperslab);
		if (c[i].nr_aliases)
			cJSON_AddItemToObject(
				e, FLD_ALIASES,
				cJSON_CreateStringArray(c[i].aliases, c[i].nr_aliases));
		cJSON_AddItemToArray(a, e);
	}
	return o;
}

cJSON *schema_page_alloc(__u64 seq, int order, const char *migratetype, const char *gfp,
			 __u64 allocs, __u64 pages)
{
	cJSON *o = schema_rec(REC_PAGE_ALLOC, seq);

	json_add_u64(o, FLD_ORDER, order);
	cJSON_AddStringToObject(o, FLD_MIGRATETYPE, migratetype);
	cJSON_AddStringToObject(o, FLD_GFP, gfp);
	json_add_u64(o, FLD_ALLOCS, allocs);
	json_add_u64(o, FLD_PAGES, pages);
	return o;
}

cJSON *schema_page_free(__u64 seq, int order, __u64 frees, __u64 pages)
{
	cJSON *o = schema_rec(REC_PAGE_FREE, seq);

	json_add_u64(o, FLD_ORDER, order);
	json_add_u64(o, FLD_FREES, frees);
	json_add_u64(o, FLD_PAGES, pages);
	return o;
}

cJSON *schema_page_site(__u64 seq, const char *caller, const char *site, int order, __u64 allocs,
			__u64 pages, cJSON *stack)
{
	cJSON *o = schema_rec(REC_PAGE_SITE, seq);

	cJSON_AddStringToObject(o, FLD_CALLER, caller);
	cJSON_AddStringToObject(o, FLD_SITE, site);
	json_add_u64(o, FLD_ORDER, order);
	json_add_u64(o, FLD_ALLOCS, allocs);
	json_add_u64(o, FLD_PAGES, pages);
	if (stack)
		cJSON_AddItemToObject(o, FLD_STACK, stack);
	return o;
}

cJSON *schema_extfrag(const struct schema_extfrag *e)
{
	cJSON *o = schema_rec(REC_EXTFRAG, e->seq);

	cJSON_AddStringToObject(o, FLD_CALLER, e->caller);
	cJSON_AddStringToObject(o, FLD_SITE, e->site);
	json_add_u64(o, FLD_ALLOC_ORDER, e->alloc_order);
	json_add_u64(o, FLD_FALLBACK_ORDER, e->fallback_order);
	cJSON_AddStringToObject(o, FLD_ALLOC_MIGRATETYPE, e->alloc_migratetype);
	cJSON_AddStringToObject(o, FLD_FALLBACK_MIGRATETYPE, e->fallback_migratetype);
	cJSON_AddBoolToObject(o, FLD_CHANGE_OWNERSHIP, e->change_ownership);
	json_add_u64(o, FLD_COUNT, e->count);
	return o;
}

cJSON *schema_compaction(const struct schema_compaction *c)
{
	cJSON *o = schema_rec(REC_COMPACTION, c->seq);

	json_add_u64(o, FLD_BEGIN, c->begin);
	json_add_u64(o, FLD_END, c->end);
	json_add_u64(o, FLD_TRY_TO_COMPACT, c->try_to_compact);
	json_add_u64(o, FLD_DEFERRED, c->deferred);
	json_add_u64(o, FLD_DEFER_COMPACTION, c->defer_compaction);
	json_add_u64(o, FLD_DEFER_RESET, c->defer_reset);
	return o;
}

cJSON *schema_correlation(const struct schema_correlation *c)
{
	cJSON *o = schema_rec(REC_CORRELATION, c->seq);

	json_add_u64(o, FLD_WINDOW, c->window);
	cJSON_AddStringToObject(o, FLD_CALLER, c->caller);
	cJSON_AddStringToObject(o, FLD_ACTIVITY, c->activity);
	cJSON_AddStringToObject(o, FLD_TARGET, c->target);
	if (c->zone) {
		json_add_u64(o, FLD_NODE, c->node);
		cJSON_AddStringToObject(o, FLD_ZONE, c->zone);
	}
	cJSON_AddNumberToObject(o, FLD_R, c->r);
	json_add_u64(o, FLD_N, c->n);
	json_add_u64(o, FLD_LAG, c->lag);
	return o;
}

cJSON *schema_state(cJSON *header, cJSON *interval, __u64 uptime_ns, cJSON **sites)
{
	cJSON *o = typed(REC_STATE);

	cJSON_AddItemToObject(o, FLD_HEADER, header);
	cJSON_AddItemToObject(o, FLD_INTERVAL, interval);
	json_add_u64(o, FLD_UPTIME_NS, uptime_ns);
	*sites = cJSON_AddArrayToObject(o, FLD_SITES);
	return o;
}

cJSON *schema_status(const struct schema_status *s)
{
	cJSON *o = typed(REC_STATUS), *dr, *w;

	json_add_u64(o, FLD_PID, s->pid);
	cJSON_AddStringToObject(o, FLD_VERSION, s->version);
	json_add_u64(o, FLD_UPTIME_NS, s->uptime_ns);
	cJSON_AddNumberToObject(o, FLD_INTERVAL_S, s->interval_s);
	json_add_u64(o, FLD_SEQ, s->seq);
	cJSON_AddStringToObject(o, FLD_SEGMENT, s->segment);
	json_add_u64(o, FLD_SEGMENT_BYTES, s->segment_bytes);
	cJSON_AddStringToObject(o, FLD_STATE_DIR, s->state_dir);
	json_add_u64(o, FLD_SEGMENTS, s->segments);
	json_add_u64(o, FLD_DISK_BYTES, s->disk_bytes);
	cJSON_AddNumberToObject(o, FLD_EVENTS_PER_S, s->events_per_s);
	dr = add_counters(o, FLD_DROPS, schema_drops, ARRAY_SIZE(schema_drops), s->counters);
	json_add_u64(dr, FLD_DROP_RECURSION, s->recursion);
	cJSON_AddItemToObject(o, FLD_ATTACH, s->attach ? s->attach : cJSON_CreateObject());
	w = cJSON_AddObjectToObject(o, FLD_WRITES);
	cJSON_AddBoolToObject(w, FLD_OK, s->ok);
	if (!s->ok)
		cJSON_AddStringToObject(w, FLD_ERROR, s->error);
	json_add_u64(w, FLD_QUEUED_BYTES, s->queued_bytes);
	json_add_u64(w, FLD_ERRORS, s->errors);
	json_add_u64(w, FLD_INTERVALS_WRITTEN, s->intervals_written);
	json_add_u64(w, FLD_INTERVALS_DROPPED, s->intervals_dropped);
	json_add_u64(w, FLD_SEGMENTS_DELETED, s->segments_deleted);
	json_add_u64(w, FLD_QUEUED_INTERVALS, s->queued_intervals);
	json_add_u64(w, FLD_COMPRESSIONS, s->compressions);
	cJSON_AddStringToObject(o, FLD_CONFIG, s->config);
	cJSON_AddStringToObject(o, FLD_PROM_TEXTFILE, s->prom_textfile);
	return o;
}
