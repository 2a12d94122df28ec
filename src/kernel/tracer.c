// SPDX-License-Identifier: GPL-2.0
/*
 * Reading bpf/kmem.bpf.c's maps once loaded (tracer_attach.c loads and
 * attaches it): counters, sites, stacks, failure records; then destroy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kmemscope.h"
#include "kmem.skel.h"
#include "htab.h"
#include "tracer.h"
#include "util.h"

const struct tracer_opts tracer_defaults = {
	.kmalloc = true,
	.cache = true,
	.vmalloc = true,
	.vm_mode = KMS_VM_NONE,
	.track_live = true,
	.live_entries = 0, /* auto: live_entries_auto() */
	.site_entries = 16384,
	.stack_entries = 16384,
	.stack_sample = 128,
	.stack_sites = 16384,
	.life_sample = 16,
	.ringbuf_size = 256 * 1024,
	.frag = true,
	.pages = false,
	.page_order = 1,
	.pagetype_period = 10,
	.corr_window = 60,
	.corr_lag = 5,
	.by_max = 64,
};

const char *vm_mode_name(enum kms_vm_mode m)
{
	switch (m) {
	case KMS_VM_FENTRY:
		return "fentry";
	case KMS_VM_KPROBE:
		return "kprobe";
	case KMS_VM_TRACEPOINT:
		return "tracepoint";
	default:
		return "off";
	}
}

const char *bulk_mode_name(enum kms_bulk_mode m)
{
	switch (m) {
	case KMS_BULK_FENTRY:
		return "fentry";
	case KMS_BULK_KPROBE:
		return "kprobe";
	case KMS_BULK_AUTO:
		return "auto";
	default:
		return "off";
	}
}

int tracer_read_counters(struct tracer *t, __u64 out[KMS_CNT_NR])
{
	int fd = bpf_map__fd(t->skel->maps.counters);
	__u64 *vals = calloc(t->ncpu, sizeof(__u64));

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < KMS_CNT_NR; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < t->ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	/*
	 * With a filter most frees are of objects never traced: as unmatched
	 * frees they would only be noise (the export header's filter says why
	 * they are 0). The frees of traced objects are still matched.
	 */
	if (t->filtered) {
		out[KMS_CNT_UNMATCHED_KFREE] = out[KMS_CNT_UNMATCHED_CACHE_FREE] = 0;
		out[KMS_CNT_UNMATCHED_VFREE] = out[KMS_CNT_UNMATCHED_BULK] = 0;
	}
	/* events are not counted in the kernel: the sites' counters add up to them */
	out[KMS_CNT_EV_KMALLOC] = t->events[KMS_CNT_EV_KMALLOC];
	out[KMS_CNT_EV_CACHE_ALLOC] = t->events[KMS_CNT_EV_CACHE_ALLOC];
	out[KMS_CNT_EV_VMALLOC] = t->events[KMS_CNT_EV_VMALLOC];
	out[KMS_CNT_EV_KFREE] = t->events[KMS_CNT_EV_KFREE] + out[KMS_CNT_UNMATCHED_KFREE];
	out[KMS_CNT_EV_CACHE_FREE] =
		t->events[KMS_CNT_EV_CACHE_FREE] + out[KMS_CNT_UNMATCHED_CACHE_FREE];
	out[KMS_CNT_EV_VFREE] = t->events[KMS_CNT_EV_VFREE] + out[KMS_CNT_UNMATCHED_VFREE];
	out[KMS_CNT_EV_BULK_FREE] = t->events[KMS_CNT_EV_BULK_FREE] + out[KMS_CNT_UNMATCHED_BULK] +
				    out[KMS_CNT_DROP_BULK];
	return 0;
}

/* Sum one site's per-CPU counters. Histograms wrap modulo 2^32 by design. */
static void add_cpus(const struct kms_site_counters *v, int ncpu, bool live,
		     struct kms_site_stats *sum)
{
	for (int c = 0; c < ncpu; c++, v++) {
		sum->allocs += v->allocs;
		sum->frees += v->frees;
		sum->failed += v->failed;
		sum->bytes_req += v->bytes_req;
		sum->bytes_alloc += v->bytes_alloc;
		sum->bytes_freed += v->bytes_freed;
		sum->live += v->tracked - v->frees - v->stale;
		sum->live_bytes += v->tracked_bytes - v->bytes_freed - v->stale_bytes;
		sum->cross_cpu_frees += v->cross_cpu_frees;
		sum->implied_frees += v->stale;
		sum->implied_bytes += v->stale_bytes;
		/* every successful allocation is tracked but those the table refused */
		if (live)
			sum->live_untracked += v->allocs - v->tracked;
		for (int i = 0; i < KMS_SIZE_BUCKETS; i++)
			sum->size_hist[i] += v->size_hist[i];
		for (int i = 0; i < KMS_LIFE_BUCKETS; i++)
			sum->life_hist[i] += v->life_hist[i];
	}
}

static void add_events(struct tracer *t, __u32 kind, const struct kms_site_counters *v)
{
	for (int c = 0; c < t->ncpu; c++, v++) {
		__u64 allocs = v->allocs + v->failed;

		switch (kind) {
		case KMS_KIND_KMALLOC:
		case KMS_KIND_CACHE:
			t->events[kind == KMS_KIND_KMALLOC ? KMS_CNT_EV_KMALLOC :
							     KMS_CNT_EV_CACHE_ALLOC] += allocs;
			t->events[KMS_CNT_EV_KFREE] += v->frees - v->cache_frees - v->bulk_frees;
			t->events[KMS_CNT_EV_CACHE_FREE] += v->cache_frees;
			t->events[KMS_CNT_EV_BULK_FREE] += v->bulk_frees;
			break;
		case KMS_KIND_VMALLOC:
			t->events[KMS_CNT_EV_VMALLOC] += allocs;
			/* kvfree_rcu'd vmalloc areas are vfree'd: no bulk frees here */
			t->events[KMS_CNT_EV_VFREE] += v->frees;
			break;
		}
	}
}

static int map_meta(struct tracer *t)
{
	size_t len = (size_t)t->max_sites * sizeof(struct kms_site_meta);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	len = (len + page - 1) / page * page;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(t->skel->maps.site_meta), 0);
	if (p == MAP_FAILED)
		return -errno;
	t->meta = p;
	t->meta_len = len;
	t->canon = calloc(t->max_sites, sizeof(*t->canon));
	t->has_alias = calloc(t->max_sites, sizeof(*t->has_alias));
	t->by_key = calloc(1, sizeof(*t->by_key));
	if (!t->canon || !t->has_alias || !t->by_key)
		return -ENOMEM;
	htab_init(t->by_key, sizeof(struct kms_site_key));
	return 0;
}

/*
 * Read the keys of sites numbered since the last call. A key whose meta is
 * not published yet (a CPU is still filling it) is read next time; its
 * counts wait in the kernel meanwhile. A key seen before under a lower
 * number is an alias of it.
 */
static void learn_keys(struct tracer *t, __u32 n)
{
	while (t->nr_known < n) {
		const struct kms_site_meta *m = &t->meta[t->nr_known];
		__u32 *first;

		if (!__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE))
			break;
		first = htab_get(t->by_key, &m->key);
		if (first) {
			t->canon[t->nr_known] = *first;
			t->has_alias[*first] = true;
		} else {
			t->canon[t->nr_known] = t->nr_known;
			htab_put(t->by_key, &m->key, &t->canon[t->nr_known]);
		}
		t->nr_known++;
	}
}

struct alias_sum {
	__u32 canon;
	struct kms_site_stats sum;
};

static int batch_buffers(struct tracer *t, __u32 cap)
{
	free(t->keys);
	free(t->vals);
	t->batch_cap = cap;
	t->keys = calloc(cap, sizeof(__u32));
	t->vals = calloc((size_t)cap * t->ncpu, sizeof(struct kms_site_counters));
	return t->keys && t->vals ? 0 : -ENOMEM;
}

/* Per-CPU counters of sites [from, from + *count): batched, or one by one on old kernels. */
static int read_counters_range(struct tracer *t, __u32 from, __u32 *count)
{
	int fd = bpf_map__fd(t->skel->maps.site_stats);
	__u32 in = from - 1, out; /* the batch resumes after the key in_batch names */
	int err;

	if (!t->batch_unsupported) {
		err = bpf_map_lookup_batch(fd, from ? &in : NULL, &out, t->keys, t->vals, count,
					   NULL);
		if (!err || err == -ENOENT)
			return 0;
		/* 524: the kernel's ENOTSUPP, 5.10's answer for per-CPU arrays */
		if (err != -EINVAL && err != -EOPNOTSUPP && err != -524)
			return err;
		t->batch_unsupported = true;
	}
	for (__u32 i = 0; i < *count; i++) {
		__u32 key = from + i;

		err = bpf_map_lookup_elem(
			fd, &key, (struct kms_site_counters *)t->vals + (size_t)i * t->ncpu);
		if (err)
			return err;
	}
	return 0;
}

/* the running sum of an aliased key (rare: at most a few per run) */
static struct kms_site_stats *alias_slot(struct alias_sum **v, size_t *n, __u32 canon)
{
	struct alias_sum *grown;

	for (size_t i = 0; i < *n; i++) {
		if ((*v)[i].canon == canon)
			return &(*v)[i].sum;
	}
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return NULL;
	*v = grown;
	memset(&grown[*n], 0, sizeof(grown[*n]));
	grown[*n].canon = canon;
	return &grown[(*n)++].sum;
}

int tracer_for_each_site(struct tracer *t, tracer_site_fn fn, void *ctx)
{
	__u64 next = __atomic_load_n(&t->skel->bss->next_site, __ATOMIC_ACQUIRE);
	struct alias_sum *alias = NULL;
	size_t nr_alias = 0;
	int err = 0;
	__u32 n;

	if (!t->meta && (err = map_meta(t)))
		return err;
	if (!t->batch_cap && batch_buffers(t, 4096))
		return -ENOMEM;
	learn_keys(t, next < t->max_sites ? next : t->max_sites);
	n = t->nr_known;
	memset(t->events, 0, sizeof(t->events));
	for (__u32 from = 0; from < n && !err;) {
		__u32 count = n - from < t->batch_cap ? n - from : t->batch_cap;

		err = read_counters_range(t, from, &count);
		for (__u32 i = 0; i < count && !err; i++) {
			const struct kms_site_counters *v =
				(struct kms_site_counters *)t->vals + (size_t)i * t->ncpu;
			const struct kms_site_key *key = &t->meta[from + i].key;
			__u32 c = t->canon[from + i];
			struct kms_site_stats sum = {}, *into = &sum;

			add_events(t, key->kind, v);
			if (t->has_alias[c]) {
				into = alias_slot(&alias, &nr_alias, c);
				if (!into)
					err = -ENOMEM;
			}
			if (into)
				add_cpus(v, t->ncpu, t->skel->rodata->track_live, into);
			/* one key, one GFP combination and cache: all charged or none */
			if (into && key->flags & KMS_KEY_CHARGED)
				into->bytes_charged = into->bytes_alloc;
			if (into == &sum)
				fn(from + i, key, &sum, ctx);
		}
		if (!count)
			break;
		from += count;
	}
	for (size_t i = 0; i < nr_alias && !err; i++)
		fn(alias[i].canon, &t->meta[alias[i].canon].key, &alias[i].sum, ctx);
	free(alias);
	return err;
}

/* (site, stack) entries per batch read; a bucket with more asks for a bigger batch */
#define STACK_BATCH 1024

/* the sampled stacks' table in batches: two syscalls per entry cost ms at 16K entries */
static int stacks_batched(struct tracer *t, int fd, tracer_stack_fn fn, void *ctx)
{
	__u32 cap = STACK_BATCH, n;
	__u64 in = 0, out = 0; /* the hash map's batch token: a bucket number */
	struct kms_stack_counts *vals = NULL;
	struct kms_stack_key *keys = NULL;
	bool first = true;
	int err = 0;

	for (;;) {
		if (!keys) {
			keys = calloc(cap, sizeof(*keys));
			vals = calloc(cap, sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		n = cap;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, NULL);
		if (err == -ENOSPC && cap < (1U << 20)) { /* one bucket holds more than cap */
			free(keys);
			free(vals);
			keys = NULL;
			cap *= 2;
			continue;
		}
		if (err && err != -ENOENT)
			break;
		for (__u32 i = 0; i < n; i++)
			fn(&keys[i], &vals[i], ctx);
		if (err == -ENOENT) { /* the end */
			err = 0;
			break;
		}
		in = out;
		first = false;
	}
	free(keys);
	free(vals);
	if ((err == -EINVAL || err == -EOPNOTSUPP) && first)
		t->stack_batch_unsupported = true;
	return err;
}

int tracer_for_each_stack(struct tracer *t, tracer_stack_fn fn, void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.stack_samples);
	struct kms_stack_key key, next;
	struct kms_stack_counts v;
	void *prev = NULL;
	int err;

	if (!t->skel->rodata->stack_sample)
		return 0;
	if (!t->stack_batch_unsupported) {
		err = stacks_batched(t, fd, fn, ctx);
		if (!t->stack_batch_unsupported)
			return err;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		/* entries are never deleted: a failed lookup is an error */
		if (bpf_map_lookup_elem(fd, &next, &v))
			return -errno;
		fn(&next, &v, ctx);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int tracer_stack(struct tracer *t, __s32 id, __u64 ips[KMS_STACK_DEPTH])
{
	memset(ips, 0, KMS_STACK_DEPTH * sizeof(__u64));
	if (id < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &id, ips);
}

/* the kernel's per-program figures of one skeleton, added to st */
static void add_prog_stats(const struct kmem_bpf *s, struct tracer_prog_stats *st)
{
	struct bpf_program *prog;

	if (!s)
		return;
	bpf_object__for_each_program (prog, s->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		st->recursion_misses += info.recursion_misses;
		st->run_time_ns += info.run_time_ns;
		st->run_cnt += info.run_cnt;
	}
}

void tracer_prog_stats(struct tracer *t, struct tracer_prog_stats *st)
{
	memset(st, 0, sizeof(*st));
	add_prog_stats(t->skel, st);
	add_prog_stats(t->bulk, st);
}

__u64 tracer_recursion_misses(struct tracer *t)
{
	struct tracer_prog_stats st;

	tracer_prog_stats(t, &st);
	return st.recursion_misses;
}

int tracer_poll(struct tracer *t)
{
	int n = ring_buffer__consume(t->rb);

	return n < 0 ? n : 0;
}

void tracer_stop(struct tracer *t)
{
	ring_buffer__free(t->rb);
	t->rb = NULL;
	kmem_bpf__destroy(t->bulk);
	t->bulk = NULL;
	kmem_bpf__destroy(t->skel);
	t->skel = NULL;
	free(t->keys);
	free(t->vals);
	t->keys = t->vals = NULL;
	t->batch_cap = 0;
	if (t->meta)
		munmap((void *)t->meta, t->meta_len);
	t->meta = NULL;
	if (t->by_key)
		htab_free(t->by_key);
	free(t->by_key);
	free(t->canon);
	free(t->has_alias);
	t->by_key = NULL;
	t->canon = NULL;
	t->has_alias = NULL;
	t->nr_known = 0;
}
