// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ksyms.h"
#include "procfs.h"
#include "sites.h"
#include "sort_keys.h"
#include "util.h"

struct kkey_state {
	struct kms_site_stats prev;
	struct site *site;
};

/* one (kernel site number, stack) entry: its last cumulative reading */
struct skey_state {
	__u64 allocs, bytes_req, bytes_alloc;
	struct site *site;
	size_t idx; /* in site->stacks */
};

/* the quantities of the shared vocabulary record sorts by, as its keys + 1 */
static const int sort_map[SQ_NR] = {
	[SQ_BYTES] = SORT_BYTES + 1,	   [SQ_ALLOCS] = SORT_ALLOCS + 1,
	[SQ_SLACK] = SORT_SLACK + 1,	   [SQ_SLACK_PCT] = SORT_FRAG + 1,
	[SQ_LIVE] = SORT_LIVE + 1,	   [SQ_LIVE_BYTES] = SORT_LIVE_BYTES + 1,
	[SQ_PINGPONG] = SORT_PINGPONG + 1,
};

void site_table_init(struct site_table *st, const struct ksyms *ks)
{
	memset(st, 0, sizeof(*st));
	htab_init(&st->kkeys, sizeof(struct kms_site_key));
	htab_init(&st->ids, sizeof(struct site_id));
	htab_init(&st->skeys, sizeof(struct kms_stack_key));
	st->ks = ks;
}

void site_table_free(struct site_table *st)
{
	struct htab_ent *e;

	htab_for_each (&st->kkeys, e)
		free(e->val);
	htab_for_each (&st->skeys, e)
		free(e->val);
	htab_free(&st->skeys);
	for (size_t i = 0; i < st->nr; i++) {
		free(st->list[i]->caller);
		free(st->list[i]->where);
		free(st->list[i]->gfps);
		free(st->list[i]->sizes);
		free(st->list[i]->owner);
		free(st->list[i]->stacks);
		free(st->list[i]);
	}
	free(st->list);
	free(st->by_num);
	htab_free(&st->kkeys);
	htab_free(&st->ids);
	cgroup_names_free(&st->cgroups);
}

const char *kind_name(__u32 kind)
{
	switch (kind) {
	case KMS_KIND_KMALLOC:
		return "kmalloc";
	case KMS_KIND_CACHE:
		return "kmem_cache";
	case KMS_KIND_VMALLOC:
		return "vmalloc";
	default:
		return "unknown";
	}
}

static char *symbolize(const struct ksyms *ks, __u64 addr, bool with_offset)
{
	char buf[256];

	ksyms__format(ks, addr, with_offset, buf, sizeof(buf));
	return strdup(buf);
}

static struct site *site_new(struct site_table *st, const struct site_id *id)
{
	struct site *s = calloc(1, sizeof(*s));
	struct site **list;

	if (!s)
		return NULL;
	s->id = *id;
	s->stack_id = -1;
	s->caller = symbolize(st->ks, id->call_site, false);
	s->where = symbolize(st->ks, id->call_site, true);
	if (st->nr == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;

		list = realloc(
			st->list,
			cap * sizeof(*list)); // NOLINT(bugprone-sizeof-expression): an array of pointers
		if (!list)
			goto fail;
		st->list = list;
		st->cap = cap;
	}
	if (!s->caller || !s->where || htab_put(&st->ids, id, s))
		goto fail;
	st->list[st->nr++] = s;
	return s;
fail:
	free(s->caller);
	free(s->where);
	free(s);
	return NULL;
}

/* --by: a comm the kernel copied, or a cgroup id to look up (once per site) */
static void name_owner(struct site_table *st, struct site *s, const struct kms_site_key *key)
{
	char buf[512];

	if (!key->owner)
		return;
	s->owner_kind = key->comm[0] ? OWNER_COMM : OWNER_CGROUP;
	if (key->owner == KMS_OWNER_OTHER)
		snprintf(buf, sizeof(buf), "other");
	else if (s->owner_kind == OWNER_COMM)
		snprintf(buf, sizeof(buf), "%.*s", KMS_COMM_LEN, key->comm);
	else
		cgroup_names_get(&st->cgroups, key->owner, buf, sizeof(buf));
	s->owner = strdup(buf);
}

static struct kkey_state *kkey_state(struct site_table *st, const struct kms_site_key *key)
{
	struct kkey_state *ks = htab_get(&st->kkeys, key);
	struct site_id id = {};

	if (ks)
		return ks;
	id.call_site = key->call_site;
	id.kind = key->kind;
	memcpy(id.cache, key->cache, sizeof(id.cache));
	id.owner = key->owner;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	ks->site = htab_get(&st->ids, &id);
	if (!ks->site) {
		ks->site = site_new(st, &id);
		if (ks->site)
			name_owner(st, ks->site, key);
	}
	if (!ks->site || htab_put(&st->kkeys, key, ks)) {
		free(ks);
		return NULL;
	}
	return ks;
}

static struct gfp_count *gfp_slot(struct site *s, const struct kms_site_key *key)
{
	bool known = !(key->flags & KMS_KEY_NO_GFP);
	struct gfp_count *g;

	for (size_t i = 0; i < s->nr_gfps; i++) {
		if (s->gfps[i].gfp == key->gfp && s->gfps[i].known == known)
			return &s->gfps[i];
	}
	g = realloc(s->gfps, (s->nr_gfps + 1) * sizeof(*g));
	if (!g)
		return NULL;
	s->gfps = g;
	g = &s->gfps[s->nr_gfps++];
	memset(g, 0, sizeof(*g));
	g->gfp = key->gfp;
	g->known = known;
	return g;
}

void site_table_begin(struct site_table *st)
{
	for (size_t i = 0; i < st->nr; i++) {
		struct site *s = st->list[i];

		if (s->has_delta) /* most sites are idle in most intervals */
			memset(&s->delta, 0, sizeof(s->delta));
		s->has_delta = false;
		s->prev_live_bytes = s->live_bytes;
		s->live = s->live_bytes = 0;
		s->live_untracked = 0;
		for (size_t g = 0; g < s->nr_gfps; g++)
			s->gfps[g].delta = 0;
		for (size_t z = 0; z < s->nr_sizes; z++)
			s->sizes[z].d_allocs = s->sizes[z].d_bytes_req = 0;
		for (size_t k = 0; k < s->nr_stacks; k++) {
			struct site_stack *t = &s->stacks[k];

			t->d_allocs = t->d_bytes_req = t->d_bytes_alloc = 0;
			t->prev_live = t->live;
			t->prev_live_bytes = t->live_bytes;
			t->live = t->live_bytes = 0;
		}
	}
}

bool site_stack_changed(const struct site_stack *k)
{
	return k->d_allocs || k->live != k->prev_live || k->live_bytes != k->prev_live_bytes;
}

/* the site's entry for a stack id, created on first use */
static struct site_stack *site_stack_of(struct site *s, __s32 stack_id, size_t *idx)
{
	struct site_stack *v;

	for (size_t i = 0; i < s->nr_stacks; i++) {
		if (s->stacks[i].stack_id == stack_id) {
			*idx = i;
			return &s->stacks[i];
		}
	}
	v = realloc(s->stacks, (s->nr_stacks + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->stacks = v;
	v = &s->stacks[s->nr_stacks];
	memset(v, 0, sizeof(*v));
	v->stack_id = stack_id;
	*idx = s->nr_stacks++;
	return v;
}

/*
 * One cumulative reading of a (site number, stack): its deltas and totals
 * into the site's stack entry, its live counts added (several kernel
 * numbers of one site, its GFP variants, may share a stack).
 */
static void feed_stack(struct site_table *st, struct site *site, const struct kms_stack_key *key,
		       __u64 allocs, __u64 req, __u64 alloc, __s64 live, __s64 live_bytes)
{
	struct skey_state *k = htab_get(&st->skeys, key);
	struct site_stack *t;

	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k || !site_stack_of(site, key->stack_id, &k->idx) ||
		    htab_put(&st->skeys, key, k)) {
			free(k);
			log_warn("out of memory aggregating stacks");
			return;
		}
		k->site = site;
	}
	t = &k->site->stacks[k->idx];
	t->d_allocs += allocs - k->allocs;
	t->d_bytes_req += req - k->bytes_req;
	t->d_bytes_alloc += alloc - k->bytes_alloc;
	t->allocs += allocs - k->allocs;
	t->bytes_req += req - k->bytes_req;
	t->bytes_alloc += alloc - k->bytes_alloc;
	t->live += live;
	t->live_bytes += live_bytes;
	k->allocs = allocs;
	k->bytes_req = req;
	k->bytes_alloc = alloc;
}

void site_table_feed_stack(const struct kms_stack_key *key, const struct kms_stack_counts *v,
			   void *ctx)
{
	struct site_table *st = ctx;
	struct kkey_state *ks;

	/* the site numbers were all read by the site_table_feed calls before */
	if (key->site >= st->by_num_cap || !(ks = st->by_num[key->site]))
		return;
	feed_stack(st, ks->site, key, v->allocs, v->bytes_req, v->bytes_alloc,
		   (__s64)(v->tracked - v->frees), (__s64)(v->tracked_bytes - v->bytes_freed));
}

static inline void add2(__u64 *delta, __u64 *tot, __u64 d)
{
	*delta += d;
	*tot += d;
}

/* one pass, no temporary: with 10^5 sites this loop is most of a drain */
static void add_delta(struct site *s, const struct kms_site_stats *cur,
		      const struct kms_site_stats *prev, __u64 *allocs_delta)
{
	struct site_counts *d = &s->delta, *t = &s->tot;

	add2(&d->allocs, &t->allocs, cur->allocs - prev->allocs);
	add2(&d->frees, &t->frees, cur->frees - prev->frees);
	add2(&d->failed, &t->failed, cur->failed - prev->failed);
	add2(&d->bytes_req, &t->bytes_req, cur->bytes_req - prev->bytes_req);
	add2(&d->bytes_alloc, &t->bytes_alloc, cur->bytes_alloc - prev->bytes_alloc);
	add2(&d->bytes_freed, &t->bytes_freed, cur->bytes_freed - prev->bytes_freed);
	add2(&d->cross_cpu_frees, &t->cross_cpu_frees,
	     cur->cross_cpu_frees - prev->cross_cpu_frees);
	add2(&d->implied_frees, &t->implied_frees, cur->implied_frees - prev->implied_frees);
	add2(&d->implied_bytes, &t->implied_bytes, cur->implied_bytes - prev->implied_bytes);
	add2(&d->bytes_charged, &t->bytes_charged, cur->bytes_charged - prev->bytes_charged);
	/* 32-bit kernel counters: the difference modulo 2^32 is the delta */
	for (int i = 0; i < KMS_SIZE_BUCKETS; i++)
		add2(&d->size_hist[i], &t->size_hist[i],
		     (__u32)(cur->size_hist[i] - prev->size_hist[i]));
	for (int i = 0; i < KMS_LIFE_BUCKETS; i++)
		add2(&d->life_hist[i], &t->life_hist[i],
		     (__u32)(cur->life_hist[i] - prev->life_hist[i]));
	s->has_delta = true;
	*allocs_delta = (cur->allocs - prev->allocs) + (cur->failed - prev->failed);
}

/* The state of kernel site number num: one array index once it is known. */
static struct kkey_state *num_state(struct site_table *st, __u32 num,
				    const struct kms_site_key *key)
{
	struct kkey_state *ks;

	if (num == SITE_NO_NUM)
		return kkey_state(st, key);
	if (num < st->by_num_cap && st->by_num[num])
		return st->by_num[num];
	ks = kkey_state(st, key);
	if (ks && num >= st->by_num_cap) {
		size_t cap = st->by_num_cap ? st->by_num_cap : 1024;
		struct kkey_state **v;

		while (cap <= num)
			cap *= 2;
		v = realloc(st->by_num, cap * sizeof(*v));
		if (!v)
			return ks; /* found by hashing, next time too */
		memset(v + st->by_num_cap, 0, (cap - st->by_num_cap) * sizeof(*v));
		st->by_num = v;
		st->by_num_cap = cap;
	}
	if (ks)
		st->by_num[num] = ks;
	return ks;
}

/* the current values (not deltas): a site's kernel keys add up */
static void add_current(struct site *s, const struct kms_site_stats *sum)
{
	s->live += sum->live;
	s->live_bytes += sum->live_bytes;
	s->live_untracked += sum->live_untracked;
}

/* the site's entry for an allocated size; the list is kept by size, smallest first */
static struct size_count *size_slot(struct site *s, __u32 size)
{
	struct size_count *z;
	size_t i = 0;

	while (i < s->nr_sizes && s->sizes[i].size < size)
		i++;
	if (i < s->nr_sizes && s->sizes[i].size == size)
		return &s->sizes[i];
	z = realloc(s->sizes, (s->nr_sizes + 1) * sizeof(*z));
	if (!z)
		return NULL;
	s->sizes = z;
	memmove(&z[i + 1], &z[i], (s->nr_sizes - i) * sizeof(*z));
	s->nr_sizes++;
	memset(&z[i], 0, sizeof(*z));
	z[i].size = size;
	return &z[i];
}

/*
 * A key's new allocations under its allocated size. kmem_cache keys carry
 * no size (alloc_size 0): every object of a cache has the same size, so
 * bytes_alloc / allocs is it.
 */
static void add_size(struct site *s, const struct kms_site_key *key,
		     const struct kms_site_stats *cur, const struct kms_site_stats *prev)
{
	__u64 n = cur->allocs - prev->allocs, req = cur->bytes_req - prev->bytes_req;
	__u64 size = key->alloc_size;
	struct size_count *z;

	if (!n)
		return;
	if (!size)
		size = (cur->bytes_alloc - prev->bytes_alloc) / n;
	z = size_slot(s, size < 0xffffffffULL ? size : 0xffffffffU);
	if (!z)
		return;
	z->allocs += n;
	z->d_allocs += n;
	z->bytes_req += req;
	z->d_bytes_req += req;
}

void site_table_feed(__u32 num, const struct kms_site_key *key, const struct kms_site_stats *sum,
		     void *ctx)
{
	struct site_table *st = ctx;
	struct kkey_state *ks = num_state(st, num, key);
	struct gfp_count *g;
	__u64 n;

	if (!ks) {
		log_warn("out of memory aggregating sites");
		return;
	}
	/* vmalloc: the key's stack is a stack of the site, with exact counts */
	if (key->stack_id >= 0 && num != SITE_NO_NUM)
		feed_stack(st, ks->site,
			   &(struct kms_stack_key){ .site = num, .stack_id = key->stack_id },
			   sum->allocs, sum->bytes_req, sum->bytes_alloc, sum->live,
			   sum->live_bytes);
	/*
	 * Nothing happened at this key since the last reading (most keys, most
	 * intervals): only its live counts are needed, they were cleared by
	 * site_table_begin. Skips writing the deltas and totals.
	 */
	if (ks->site->nr_gfps && !memcmp(sum, &ks->prev, sizeof(*sum))) {
		add_current(ks->site, sum);
		return;
	}
	add_delta(ks->site, sum, &ks->prev, &n);
	add_size(ks->site, key, sum, &ks->prev);
	ks->prev = *sum;
	add_current(ks->site, sum);
	if (key->flags & KMS_KEY_NO_REQ)
		ks->site->no_req = true;
	if (key->stack_id >= 0 && ks->site->stack_id < 0)
		ks->site->stack_id = key->stack_id;
	g = gfp_slot(ks->site, key);
	if (g) {
		g->delta += n;
		g->total += n;
	}
}

bool site_active(const struct site *s)
{
	/* an implied free is activity: its site may have nothing else this interval */
	return s->delta.allocs || s->delta.frees || s->delta.failed || s->delta.implied_frees;
}

__u64 site_slack(const struct site_counts *c)
{
	return c->bytes_alloc > c->bytes_req ? c->bytes_alloc - c->bytes_req : 0;
}

double site_frag(const struct site_counts *c)
{
	return c->bytes_alloc ? 100.0 * site_slack(c) / c->bytes_alloc : 0;
}

const struct gfp_count *site_top_gfp(const struct site *s)
{
	const struct gfp_count *best = NULL;

	for (size_t i = 0; i < s->nr_gfps; i++) {
		if (!best || s->gfps[i].total > best->total)
			best = &s->gfps[i];
	}
	return best;
}

static __u64 pow2_at_least(__u64 n)
{
	__u64 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

__u32 live_table_buckets(__u32 entries)
{
	return pow2_at_least((entries + KMS_LIVE_WAYS - 1) / KMS_LIVE_WAYS);
}

__u32 live_table_slots(__u32 entries)
{
	return live_table_buckets(entries) * KMS_LIVE_WAYS;
}

__u64 live_table_bytes(__u32 entries)
{
	return (__u64)live_table_buckets(entries) * sizeof(struct kms_live_bucket);
}

__u32 live_entries_for(__u64 mem_bytes, long ncpu)
{
	__u64 n = mem_bytes / LIVE_AUTO_MEM_PER_ENTRY +
		  (__u64)(ncpu > 0 ? ncpu : 1) * LIVE_AUTO_PER_CPU;

	n = pow2_at_least(n);
	return n < LIVE_AUTO_MIN ? LIVE_AUTO_MIN : n > LIVE_AUTO_MAX ? LIVE_AUTO_MAX : n;
}

__u32 live_entries_auto(void)
{
	struct kvlist mi = {};
	__u64 mem = 0;

	if (meminfo_read(&mi) || !kv_get(&mi, "MemTotal", &mem))
		log_warn("cannot read MemTotal from /proc/meminfo: the live table gets %u entries",
			 LIVE_AUTO_MIN);
	kvlist_free(&mi);
	return live_entries_for(mem, sysconf(_SC_NPROCESSORS_ONLN));
}

__u32 live_entries_hint(__u32 entries, __u64 untracked)
{
	/* an eighth more: the last slots of a full table are hard to reach */
	__u64 want = pow2_at_least((live_table_slots(entries) + untracked) * 9 / 8);

	return want < (1U << 26) ? want : 1U << 26;
}

int sort_key_parse(const char *s, enum sort_key *out)
{
	int k;

	if (sort_key_lookup(s, sort_map, &k))
		return -EINVAL;
	*out = k;
	return 0;
}

const char *sort_key_name(enum sort_key k)
{
	return sort_key_word(sort_map, k);
}

static double sort_value(const struct site *s, enum sort_key key)
{
	switch (key) {
	case SORT_ALLOCS:
		return s->tot.allocs;
	case SORT_SLACK:
		return site_slack(&s->tot);
	case SORT_FRAG:
		return site_frag(&s->tot);
	case SORT_LIVE:
		return s->live;
	case SORT_LIVE_BYTES:
		return s->live_bytes;
	case SORT_PINGPONG:
		return s->tot.cross_cpu_frees;
	case SORT_BYTES:
	default:
		return s->tot.bytes_alloc;
	}
}

static enum sort_key cmp_key;

static int cmp_sites(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
	double vx = sort_value(x, cmp_key), vy = sort_value(y, cmp_key);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	/* ties: more allocations first, then by address for a stable order */
	if (x->tot.allocs != y->tot.allocs)
		return x->tot.allocs < y->tot.allocs ? 1 : -1;
	return x->id.call_site < y->id.call_site ? -1 : x->id.call_site > y->id.call_site;
}

/* the sort keys copied out of the sites: comparisons stay in one array */
struct sort_ent {
	double v;
	__u64 allocs;
	__u64 call_site;
	struct site *s;
};

static int cmp_ents(const void *a, const void *b)
{
	const struct sort_ent *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return x->call_site < y->call_site ? -1 : x->call_site > y->call_site;
}

void site_table_sort(struct site_table *st, enum sort_key key)
{
	struct sort_ent *e = malloc(st->nr * sizeof(*e) + 1);

	cmp_key = key;
	if (!e) {
		qsort(st->list, st->nr, sizeof(*st->list), cmp_sites);
		return;
	}
	for (size_t i = 0; i < st->nr; i++) {
		e[i].v = sort_value(st->list[i], key);
		e[i].allocs = st->list[i]->tot.allocs;
		e[i].call_site = st->list[i]->id.call_site;
		e[i].s = st->list[i];
	}
	qsort(e, st->nr, sizeof(*e), cmp_ents);
	for (size_t i = 0; i < st->nr; i++)
		st->list[i] = e[i].s;
	free(e);
}
