// SPDX-License-Identifier: GPL-2.0
/* User side of bpf/pages.bpf.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pages.h"
#include "pages.skel.h"
#include "callers.h"
#include "filter.h"
#include "ksyms.h"
#include "page_tracer.h"
#include "tracer.h"
#include "util.h"

/*
 * Functions between a page allocation's real caller and the tracepoint:
 * the page allocator's entry points and internals, and the slab/vmalloc
 * layers that allocate pages on behalf of their own callers (a new slab is
 * charged to whoever needed the object that did not fit).
 */
static const struct skip_fn page_internal[] = {
	{ "__alloc_frozen_pages_noprof", 0 },
	{ "__alloc_pages_noprof", 0 },
	{ "__alloc_pages", 0 },
	{ "alloc_pages_noprof", 0 },
	{ "alloc_pages", 0 },
	{ "alloc_frozen_pages_noprof", 0 },
	{ "__alloc_pages_slowpath", 0 },
	{ "__alloc_pages_slowpath.constprop.0", 0 },
	{ "get_page_from_freelist", 0 },
	{ "rmqueue", 0 },
	{ "__rmqueue", 0 },
	{ "rmqueue_bulk", 0 },
	{ "rmqueue_buddy", 0 },
	{ "rmqueue_pcplist", 0 },
	{ "__rmqueue_pcplist", 0 },
	{ "__rmqueue_smallest", 0 },
	{ "__rmqueue_fallback", 0 },
	{ "__rmqueue_claim", 0 },
	{ "__rmqueue_steal", 0 },
	{ "try_to_claim_block", 0 },
	{ "steal_suitable_fallback", 0 },
	{ "alloc_pages_mpol_noprof", 0 },
	{ "alloc_pages_mpol", 0 },
	{ "alloc_frozen_pages_nolock_noprof", 0 },
	{ "__folio_alloc_noprof", 0 },
	{ "__folio_alloc", 0 },
	{ "folio_alloc_noprof", 0 },
	{ "folio_alloc", 0 },
	{ "folio_alloc_mpol_noprof", 0 },
	{ "vma_alloc_folio_noprof", 0 },
	{ "vma_alloc_folio", 0 },
	/* arm64's own zeroed-page wrapper (6.1; vma_alloc_zeroed_movable_folio later) */
	{ "alloc_zeroed_user_highpage_movable", 0 },
	{ "vma_alloc_zeroed_movable_folio", 0 },
	/* before 5.13 (5.10) */
	{ "__alloc_pages_nodemask", 0 },
	{ "alloc_pages_current", 0 },
	{ "alloc_pages_vma", 0 },
	{ "alloc_pages_bulk_noprof", 0 },
	{ "__alloc_pages_bulk", 0 },
	{ "alloc_pages_bulk_array_mempolicy_noprof", 0 },
	{ "alloc_pages_bulk_mempolicy_noprof", 0 },
	{ "get_free_pages_noprof", 0 },
	{ "__get_free_pages_noprof", 0 },
	{ "__get_free_pages", 0 },
	{ "get_zeroed_page_noprof", 0 },
	{ "get_zeroed_page", 0 },
	{ "alloc_pages_exact_noprof", 0 },
	{ "alloc_pages_node_noprof", 0 },
	{ "__alloc_pages_node_noprof", 0 },
	{ "alloc_slab_page", 0 },
	{ "allocate_slab", 0 },
	{ "new_slab", 0 },
	{ "___slab_alloc", 0 },
	{ "__slab_alloc", 0 },
	{ "__slab_alloc.isra.0", 0 },
	{ "__slab_alloc.constprop.0", 0 },
	{ "slab_alloc_node", 0 },
	{ "kmem_cache_alloc_noprof", 0 },
	{ "kmem_cache_alloc_lru_noprof", 0 },
	{ "kmem_cache_alloc_node_noprof", 0 },
	{ "__kmalloc_noprof", 0 },
	{ "__kmalloc_node_noprof", 0 },
	{ "__kmalloc_cache_noprof", 0 },
	{ "__kmalloc_cache_node_noprof", 0 },
	{ "__kmalloc_node_track_caller_noprof", 0 },
	{ "___kmalloc_large_node", 0 },
	{ "__kmalloc_large_node_noprof", 0 },
	{ "__kmalloc_large_noprof", 0 },
	{ "kmalloc_large_noprof", 0 },
	{ "__kvmalloc_node_noprof", 0 },
	{ "__vmalloc_area_node", 0 },
	{ "vm_area_alloc_pages", 0 },
	{ "__vmalloc_node_range_noprof", 0 },
	{ "__vmalloc_node_noprof", 0 },
	{ "__vmalloc_noprof", 0 },
	{ "vmalloc_noprof", 0 },
	{ "vzalloc_noprof", 0 },
};

/* the tracepoints whose programs look for a caller */
static const char *const page_tps[] = { "mm_page_alloc", "mm_page_alloc_extfrag" };

static int set_skips(struct pages_bpf *skel, const struct ksyms *ks)
{
	return skip_ranges_fill(ks, page_internal, ARRAY_SIZE(page_internal), page_tps,
				ARRAY_SIZE(page_tps), skel->rodata->skip_start,
				skel->rodata->skip_end, skel->rodata->skip_flags,
				&skel->rodata->nr_skip);
}

static bool attach_one(struct bpf_program *prog, struct bpf_link **link, const char *what)
{
	*link = bpf_program__attach(prog);
	if (!*link)
		log_warn("cannot attach %s (%s): skipped", what, strerror(errno));
	return *link != NULL;
}

int page_tracer_start(struct page_tracer *pt, const struct tracer_opts *o, const struct ksyms *ks)
{
	__u32 order_threshold = o->page_order;
	struct filter_vals fv;
	struct pages_bpf *s;
	bool cmp = tracepoint_exists("compaction", "mm_compaction_begin");
	bool ext = tracepoint_exists("kmem", "mm_page_alloc_extfrag");
	int err;

	memset(pt, 0, sizeof(*pt));
	htab_init(&pt->prev_allocs, sizeof(struct kms_page_key));
	htab_init(&pt->prev_sites, sizeof(struct kms_page_site_key));
	htab_init(&pt->prev_extfrag, sizeof(struct kms_extfrag_key));
	pt->ncpu = libbpf_num_possible_cpus();
	pt->order_threshold = order_threshold;
	if (!tracepoint_exists("kmem", "mm_page_alloc")) {
		log_warn("tracepoint kmem:mm_page_alloc not found: page allocator not traced");
		return -ENOENT;
	}
	s = pt->skel = pages_bpf__open();
	if (!s)
		return -errno;
	s->rodata->order_threshold = order_threshold;
	s->rodata->self_tgid = getpid();
	filter_vals(o, &fv);
	FILTER_SET_RODATA(s->rodata, &fv);
	pt->filtered = fv.any;
	if (!set_skips(s, ks))
		log_warn(
			"no kernel symbols: page allocation callers will be allocator-internal addresses");
	bpf_program__set_autoload(s->progs.kms_extfrag, ext);
	bpf_program__set_autoload(s->progs.kms_cmp_begin, cmp);
	bpf_program__set_autoload(s->progs.kms_cmp_end, cmp);
	bpf_program__set_autoload(
		s->progs.kms_cmp_try,
		cmp && tracepoint_exists("compaction", "mm_compaction_try_to_compact_pages"));
	bpf_program__set_autoload(s->progs.kms_cmp_deferred, cmp);
	bpf_program__set_autoload(s->progs.kms_cmp_defer, cmp);
	bpf_program__set_autoload(s->progs.kms_cmp_reset, cmp);
	err = pages_bpf__load(s);
	if (err) {
		log_err("cannot load the page allocator programs: %s", strerror(-err));
		page_tracer_stop(pt);
		return err;
	}
	err = filter_set_cgroup(s->maps.filter_cg, o);
	if (err) {
		page_tracer_stop(pt);
		return err;
	}
	if (!attach_one(s->progs.kms_page_alloc, &s->links.kms_page_alloc, "kmem:mm_page_alloc")) {
		err = -errno;
		page_tracer_stop(pt);
		return err;
	}
	attach_one(s->progs.kms_page_free, &s->links.kms_page_free, "kmem:mm_page_free");
	if (ext)
		pt->extfrag = attach_one(s->progs.kms_extfrag, &s->links.kms_extfrag,
					 "kmem:mm_page_alloc_extfrag");
	if (cmp) {
		struct {
			struct bpf_program *prog;
			struct bpf_link **link;
		} cp[] = {
			{ s->progs.kms_cmp_begin, &s->links.kms_cmp_begin },
			{ s->progs.kms_cmp_end, &s->links.kms_cmp_end },
			{ s->progs.kms_cmp_try, &s->links.kms_cmp_try },
			{ s->progs.kms_cmp_deferred, &s->links.kms_cmp_deferred },
			{ s->progs.kms_cmp_defer, &s->links.kms_cmp_defer },
			{ s->progs.kms_cmp_reset, &s->links.kms_cmp_reset },
		};

		pt->compaction = true;
		for (size_t i = 0; i < ARRAY_SIZE(cp); i++) {
			if (bpf_program__autoload(cp[i].prog))
				pt->compaction &= attach_one(cp[i].prog, cp[i].link,
							     bpf_program__name(cp[i].prog));
		}
	}
	log_info(
		"page allocator traced: mm_page_alloc/free, extfrag %s, compaction %s, callers for order >= %u",
		pt->extfrag ? "on" : "off", pt->compaction ? "on" : "off", order_threshold);
	return 0;
}

static int list_add(struct pg_list *l, const void *key, size_t ksz, __u64 count, __u64 pages)
{
	struct pg_delta *d;

	if (l->nr == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;

		d = realloc(l->v, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		l->v = d;
		l->cap = cap;
	}
	d = &l->v[l->nr++];
	memset(d, 0, sizeof(*d));
	memcpy(&d->k, key, ksz);
	d->count = count;
	d->pages = pages;
	return 0;
}

/* Walk one per-CPU hash: sum CPUs, diff against the previous reading. */
static int drain_hash(struct page_tracer *pt, struct bpf_map *map, struct htab *prev,
		      struct pg_list *out)
{
	size_t ksz = bpf_map__key_size(map);
	struct kms_page_val *vals = calloc(pt->ncpu, sizeof(*vals));
	unsigned char key[sizeof(((struct pg_delta *)0)->k)], next[sizeof(key)];
	int fd = bpf_map__fd(map), err = 0;
	void *pk = NULL;

	out->nr = 0;
	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, pk, next)) {
		struct kms_page_val sum = {}, *old;

		memcpy(key, next, ksz);
		pk = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue;
		for (int c = 0; c < pt->ncpu; c++) {
			sum.count += vals[c].count;
			sum.pages += vals[c].pages;
		}
		old = htab_get(prev, key);
		if (!old) {
			old = calloc(1, sizeof(*old));
			if (!old || htab_put(prev, key, old)) {
				free(old);
				err = -ENOMEM;
				break;
			}
		}
		if (sum.count != old->count)
			err = list_add(out, key, ksz, sum.count - old->count,
				       sum.pages - old->pages);
		*old = sum;
		if (err)
			break;
	}
	free(vals);
	return err;
}

static int drain_frees(struct page_tracer *pt)
{
	struct kms_page_val *vals = calloc(pt->ncpu, sizeof(*vals));
	int fd = bpf_map__fd(pt->skel->maps.page_frees);

	if (!vals)
		return -ENOMEM;
	for (__u32 o = 0; o < KMS_PAGE_ORDERS; o++) {
		__u64 count = 0, pages = 0;

		pt->frees[o].count = pt->frees[o].pages = 0;
		if (bpf_map_lookup_elem(fd, &o, vals))
			continue;
		for (int c = 0; c < pt->ncpu; c++) {
			count += vals[c].count;
			pages += vals[c].pages;
		}
		pt->frees[o].count = count - pt->prev_frees[o][0];
		pt->frees[o].pages = pages - pt->prev_frees[o][1];
		pt->prev_frees[o][0] = count;
		pt->prev_frees[o][1] = pages;
	}
	free(vals);
	return 0;
}

static void drain_counters(struct page_tracer *pt)
{
	int fd = bpf_map__fd(pt->skel->maps.counters);
	__u64 *vals = calloc(pt->ncpu, sizeof(*vals));

	if (!vals)
		return;
	for (__u32 i = 0; i < KMS_PG_NR; i++) {
		__u64 sum = 0;

		if (!bpf_map_lookup_elem(fd, &i, vals))
			for (int c = 0; c < pt->ncpu; c++)
				sum += vals[c];
		pt->delta[i] = sum - pt->counters[i];
		pt->counters[i] = sum;
	}
	free(vals);
}

int page_tracer_drain(struct page_tracer *pt)
{
	struct pages_bpf *s = pt->skel;
	int err;

	err = drain_hash(pt, s->maps.page_allocs, &pt->prev_allocs, &pt->allocs);
	err = err ? err : drain_hash(pt, s->maps.page_sites, &pt->prev_sites, &pt->sites);
	err = err ? err : drain_hash(pt, s->maps.extfrag, &pt->prev_extfrag, &pt->extfrags);
	err = err ? err : drain_frees(pt);
	drain_counters(pt);
	return err;
}

int page_tracer_stack(struct page_tracer *pt, __s32 id, __u64 *ips, int max)
{
	__u64 buf[KMS_PAGE_STACK_DEPTH] = {};
	int n = 0;

	if (id < 0 || bpf_map_lookup_elem(bpf_map__fd(pt->skel->maps.page_stacks), &id, buf))
		return 0;
	while (n < max && n < KMS_PAGE_STACK_DEPTH && buf[n]) {
		ips[n] = buf[n];
		n++;
	}
	return n;
}

static void free_prev(struct htab *h)
{
	struct htab_ent *e;

	htab_for_each (h, e)
		free(e->val);
	htab_free(h);
}

void page_tracer_stop(struct page_tracer *pt)
{
	pages_bpf__destroy(pt->skel);
	pt->skel = NULL;
	free_prev(&pt->prev_allocs);
	free_prev(&pt->prev_sites);
	free_prev(&pt->prev_extfrag);
	free(pt->allocs.v);
	free(pt->sites.v);
	free(pt->extfrags.v);
	memset(&pt->allocs, 0, sizeof(pt->allocs));
	memset(&pt->sites, 0, sizeof(pt->sites));
	memset(&pt->extfrags, 0, sizeof(pt->extfrags));
}
