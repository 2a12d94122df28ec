// SPDX-License-Identifier: GPL-2.0
/*
 * slabinfo records: per cache its last snapshot (objects, object size,
 * slabs), its memory at the first snapshot and at its largest, and the
 * caches merged into it (aliases, read from /sys/kernel/slab at record time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_filter.h"
#include "report_slab.h"
#include "schema.h"

__u64 rp_slab_count(__u64 num_objs, __u64 objperslab)
{
	return objperslab ? (num_objs + objperslab - 1) / objperslab : 0;
}

__u64 rp_slab_memory(__u64 num_objs, __u64 objperslab, __u64 pagesperslab, __u64 page_size)
{
	return rp_slab_count(num_objs, objperslab) * pagesperslab * page_size;
}

static struct rp_slab *slab_of(struct report *rp, const char *name)
{
	struct rp_slab *s = htab_get(&rp->slab_map, name);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name);
	s->aliases = strdup("");
	if (!s->name || !s->aliases || htab_put(&rp->slab_map, name, s) ||
	    rp_push(&rp->slabs, &rp->nr_slabs, s)) {
		/* leaks the partial cache on ENOMEM: the report stops anyway */
		return NULL;
	}
	return s;
}

/* ["UNIX", "UNIX-STREAM"] -> "UNIX, UNIX-STREAM"; NULL without memory */
static char *join_aliases(const cJSON *a)
{
	const cJSON *it;
	size_t len = 1;
	char *s;

	cJSON_ArrayForEach(it, a) len += cJSON_IsString(it) ? strlen(it->valuestring) + 2 : 0;
	s = calloc(1, len);
	if (!s)
		return NULL;
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it))
			continue;
		if (*s)
			strcat(s, ", ");
		strcat(s, it->valuestring);
	}
	return s;
}

static int feed_cache(struct report *rp, const cJSON *c, __u64 t)
{
	const char *name = nr_get_str(c, FLD_NAME);
	unsigned long long v[5];
	const char *const f[5] = { FLD_ACTIVE_OBJS, FLD_NUM_OBJS, FLD_OBJSIZE, FLD_OBJPERSLAB,
				   FLD_PAGESPERSLAB };
	const cJSON *al = cJSON_GetObjectItemCaseSensitive(c, FLD_ALIASES);
	struct rp_slab *s;
	__u64 mem;

	for (int i = 0; i < 5; i++) {
		if (!nr_get_u64(c, f[i], &v[i]))
			return 1;
	}
	if (!name)
		return 1;
	s = slab_of(rp, name);
	if (!s)
		return -ENOMEM;
	mem = rp_slab_memory(v[1], v[3], v[4], rp->page_size ? rp->page_size : 4096);
	if (!s->snapshots)
		s->mem_first = mem;
	if (mem > s->mem_max)
		s->mem_max = mem;
	s->snapshots++;
	if (s->t_last && t < s->t_last)
		return 0; /* an older snapshot: the last one's figures stay */
	s->t_last = t;
	s->active_objs = v[0];
	s->num_objs = v[1];
	s->objsize = v[2];
	s->objperslab = v[3];
	s->pagesperslab = v[4];
	if (cJSON_IsArray(al)) {
		char *j = join_aliases(al);

		if (!j)
			return -ENOMEM;
		free(s->aliases);
		s->aliases = j;
	}
	return 0;
}

int rp_feed_slabinfo(struct report *rp, struct ndjson_reader *r, const cJSON *rec, __u64 t)
{
	const cJSON *caches = cJSON_GetObjectItemCaseSensitive(rec, FLD_CACHES), *c;
	int bad = 0;

	if (!cJSON_IsArray(caches))
		return rp_bad_field(r, REC_SLABINFO, FLD_CACHES, "is not an array");
	rp->slab_records++;
	cJSON_ArrayForEach(c, caches)
	{
		int rc = feed_cache(rp, c, t);

		if (rc < 0)
			return rc;
		bad |= rc;
	}
	return bad ? rp_bad_field(r, REC_SLABINFO, FLD_CACHES,
				  "has a cache without name or object counts") :
		     0;
}

static __u64 page_size_of;

static int cmp_slab(const void *a, const void *b)
{
	const struct rp_slab *x = *(const struct rp_slab *const *)a;
	const struct rp_slab *y = *(const struct rp_slab *const *)b;
	__u64 mx = rp_slab_memory(x->num_objs, x->objperslab, x->pagesperslab, page_size_of);
	__u64 my = rp_slab_memory(y->num_objs, y->objperslab, y->pagesperslab, page_size_of);

	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(x->name, y->name);
}

void rp_sort_slabs(struct report *rp)
{
	page_size_of = rp->page_size ? rp->page_size : 4096;
	if (rp->nr_slabs)
		qsort(rp->slabs, rp->nr_slabs, sizeof(*rp->slabs), cmp_slab);
}
