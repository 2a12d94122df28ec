// SPDX-License-Identifier: GPL-2.0
/* The report's aggregate: its life cycle, the per-site figures every writer shows, small helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report_model.h"

int rp_push(void *listp, size_t *nr, void *item)
{
	void ***list = listp;
	void **l = realloc(*list, (*nr + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	l[(*nr)++] = item;
	*list = l;
	return 0;
}

void rp_top3(struct rp_site **top, __u64 *vals, struct rp_site *s, __u64 v)
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

__u64 rp_site_slack(const struct rp_site *s)
{
	return s->bytes_alloc > s->bytes_req ? s->bytes_alloc - s->bytes_req : 0;
}

double rp_site_slack_pct(const struct rp_site *s)
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

const char *rp_fmt_time(__u64 ns, char *buf, size_t sz)
{
	time_t s = ns / RP_NS;
	struct tm tm;

	if (!ns || !gmtime_r(&s, &tm)) {
		snprintf(buf, sz, "-");
		return buf;
	}
	strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int report_init(struct report *rp, const struct rp_opts *o)
{
	memset(rp, 0, sizeof(*rp));
	rp->opts = *o;
	rp->pageblock_order = -1;
	rp->run_pb = -1;
	rp->cur_run = rp->cur_range = -1;
	htab_init(&rp->site_map, HTAB_STR);
	htab_init(&rp->page_map, HTAB_STR);
	htab_init(&rp->zone_map, HTAB_STR);
	htab_init(&rp->fold_map, HTAB_STR);
	htab_init(&rp->vmstat_map, HTAB_STR);
	htab_init(&rp->slab_map, HTAB_STR);
	rp->total = calloc(1, sizeof(*rp->total));
	rp->rest = calloc(1, sizeof(*rp->rest));
	if (!rp->total || !rp->rest) {
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
	for (size_t k = 0; k < s->nr_slices; k++) {
		struct rp_slice *o = &s->slices[k];

		for (size_t i = 0; i < o->nr_stacks; i++) {
			for (size_t j = 0; j < o->stacks[i].nr_frames; j++)
				free(o->stacks[i].frames[j]);
			free(o->stacks[i].frames);
		}
		free(o->stacks);
		free(o->owner);
	}
	free(s->slices);
	free(s->parts);
	free(s->asizes);
	free(s->ser.v);
	free(s->kind);
	free(s->cache);
	free(s->caller);
	free(s->site);
	free(s);
}

void report_free(struct report *rp)
{
	for (size_t i = 0; i < rp->nr_owners; i++)
		free(rp->owners[i].name);
	free(rp->owners);
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
		free(htab_get(&rp->vmstat_map, rp->vm_keys[i]));
		free(rp->vm_keys[i]);
	}
	for (size_t i = 0; i < rp->nr_inputs; i++)
		free(rp->inputs[i].path);
	for (size_t i = 0; i < rp->nr_hosts; i++) {
		free(rp->hosts[i].hostname);
		free(rp->hosts[i].kernel);
		free(rp->hosts[i].machine);
	}
	for (size_t i = 0; i < rp->nr_runs; i++) {
		free(rp->runs[i].hostname);
		free(rp->runs[i].ranges);
	}
	free(rp->runs);
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
	free(rp->advice);
	free(rp->leaks);
	free(rp->implied);
	site_free(rp->total);
	site_free(rp->rest);
	htab_free(&rp->site_map);
	htab_free(&rp->page_map);
	htab_free(&rp->zone_map);
	htab_free(&rp->fold_map);
	htab_free(&rp->vmstat_map);
	for (size_t i = 0; i < rp->nr_slabs; i++) {
		free(rp->slabs[i]->name);
		free(rp->slabs[i]->aliases);
		free(rp->slabs[i]);
	}
	free(rp->slabs);
	htab_free(&rp->slab_map);
	for (size_t i = 0; i < rp->pv.nr_ext; i++) {
		free(rp->pv.ext[i].caller);
		free(rp->pv.ext[i].alloc_mt);
		free(rp->pv.ext[i].fallback_mt);
	}
	free(rp->pv.ext);
	memset(rp, 0, sizeof(*rp));
}
