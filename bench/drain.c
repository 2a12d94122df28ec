// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregator drain micro-benchmark: what one interval's read costs user
 * space with N distinct kernel sites.
 *
 *  synthetic: site_table_begin + site_table_feed of N keys + site_table_sort
 *             (the aggregation alone, keys fed from memory);
 *  bpf:       the real path: the kmem skeleton's site_stats (per-CPU array)
 *             and site_meta maps, loaded with no program, filled with N
 *             sites on every CPU, read by tracer_for_each_site (keys from
 *             the mmapped site_meta, counters by bpf_map_lookup_batch).
 *
 * Each point: the first interval (new sites: symbolized, inserted) and the
 * median of the following steady-state intervals, with every site changed
 * in every interval (the worst case) and with 1 site in 100 changed (a
 * machine with many distinct sites has most of them idle in any second).
 * Prints one JSON line per N. Usage: drain [N...]   (default 100 1000 10000 100000)
 * drain --check [N]: PASS/FAIL lines for the tests (N sites read back, and
 * two site numbers sharing one key delivered once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kmemscope.h"
#include "kmem.skel.h"
#include "ksyms.h"
#include "sites.h"
#include "tracer.h"

#define REPS 7

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* kernel text addresses, spread like real call sites; 1 in 8 is a cache */
static void make_key(struct kms_site_key *k, __u64 base, long i)
{
	memset(k, 0, sizeof(*k));
	k->call_site = base + (__u64)i * 37;
	k->gfp = 0xcc0 | ((i & 3) << 20);
	k->stack_id = -1;
	k->kind = i % 8 == 0 ? KMS_KIND_CACHE : KMS_KIND_KMALLOC;
	if (k->kind == KMS_KIND_CACHE)
		snprintf(k->cache, sizeof(k->cache), "cache-%ld", i % 64);
}

static void make_stats(struct kms_site_stats *s, long i, int rep)
{
	memset(s, 0, sizeof(*s));
	s->allocs = 1000 + i + rep * 10;
	s->frees = 900 + i + rep * 9;
	s->bytes_req = s->allocs * 100;
	s->bytes_alloc = s->allocs * 128;
	s->bytes_freed = s->frees * 128;
	s->live = s->allocs - s->frees;
	s->live_bytes = s->live * 128;
	s->size_hist[6] = s->allocs;
	s->life_hist[12] = s->frees;
}

/* sites changed in a steady-state interval: every one, or 1 in `sparse` */
static long sparse = 1;

static int rep_of(long i, int rep)
{
	return i % sparse == 0 ? rep : 0;
}

static void synthetic(long n, const struct ksyms *ks, __u64 base, double *first, double *steady)
{
	struct kms_site_key *keys = calloc(n, sizeof(*keys));
	struct kms_site_stats *vals = calloc(n, sizeof(*vals));
	struct site_table st;
	double t[REPS];

	site_table_init(&st, ks);
	for (long i = 0; i < n; i++)
		make_key(&keys[i], base, i);
	for (int r = 0; r <= REPS; r++) {
		double t0;

		for (long i = 0; i < n; i++)
			make_stats(&vals[i], i, rep_of(i, r));
		t0 = now_ms();
		site_table_begin(&st);
		for (long i = 0; i < n; i++)
			site_table_feed(i, &keys[i], &vals[i], &st);
		site_table_sort(&st, SORT_BYTES);
		if (r == 0)
			*first = now_ms() - t0;
		else
			t[r - 1] = now_ms() - t0;
	}
	*steady = median(t, REPS);
	site_table_free(&st);
	free(keys);
	free(vals);
}

/* the kernel-side form of make_stats: what one CPU's counters hold */
static void make_counters(struct kms_site_counters *c, long i, int rep)
{
	struct kms_site_stats s;

	make_stats(&s, i, rep);
	memset(c, 0, sizeof(*c));
	c->allocs = s.allocs;
	c->frees = s.frees;
	c->bytes_req = s.bytes_req;
	c->bytes_alloc = s.bytes_alloc;
	c->bytes_freed = s.bytes_freed;
	c->tracked = s.allocs;
	c->tracked_bytes = s.bytes_alloc;
	memcpy(c->size_hist, s.size_hist, sizeof(c->size_hist));
	memcpy(c->life_hist, s.life_hist, sizeof(c->life_hist));
}

/*
 * The kmem skeleton's site maps alone (no program loaded), sized for n
 * sites, with number i publishing the key of make_key(key_of[i]) (or of i)
 * as the programs would, and t set up to read them as the tracer does.
 */
static int load_site_maps(struct tracer *t, __u32 n, __u64 base, const __u32 *key_of)
{
	struct kmem_bpf *skel = kmem_bpf__open();
	struct bpf_program *p;
	int err = 0;

	if (!skel)
		return -1;
	bpf_object__for_each_program (p, skel->obj)
		bpf_program__set_autoload(p, false);
	bpf_map__set_max_entries(skel->maps.site_stats, n);
	bpf_map__set_max_entries(skel->maps.site_meta, n);
	if (kmem_bpf__load(skel)) {
		fprintf(stderr, "drain: cannot load the kmem maps\n");
		kmem_bpf__destroy(skel);
		return -1;
	}
	for (__u32 i = 0; i < n && !err; i++) {
		struct kms_site_meta m = { .ready = 1 };

		make_key(&m.key, base, key_of ? key_of[i] : i);
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.site_meta), &i, &m, BPF_ANY);
	}
	skel->bss->next_site = n;
	t->skel = skel;
	t->ncpu = libbpf_num_possible_cpus();
	t->max_sites = n;
	if (err) {
		tracer_stop(t);
		return -1;
	}
	return 0;
}

static int bpfmap(long n, const struct ksyms *ks, __u64 base, double *first, double *steady)
{
	int ncpu = libbpf_num_possible_cpus();
	struct kms_site_counters *vals = calloc(ncpu, sizeof(*vals));
	struct tracer t = {};
	struct site_table st;
	double tt[REPS];
	int fd, err = 0;

	if (!vals || load_site_maps(&t, n, base, NULL)) {
		free(vals);
		return -1;
	}
	fd = bpf_map__fd(t.skel->maps.site_stats);
	site_table_init(&st, ks);
	for (int r = 0; r <= REPS && !err; r++) {
		double t0;

		for (__u32 i = 0; i < n; i++) {
			for (int c = 0; c < ncpu; c++)
				make_counters(&vals[c], i, rep_of(i, r));
			if (bpf_map_update_elem(fd, &i, vals, BPF_ANY)) {
				perror("bpf_map_update_elem");
				err = -1;
				break;
			}
		}
		t0 = now_ms();
		site_table_begin(&st);
		err = err ?: tracer_for_each_site(&t, site_table_feed, &st);
		site_table_sort(&st, SORT_BYTES);
		if (r == 0)
			*first = now_ms() - t0;
		else
			tt[r - 1] = now_ms() - t0;
		if (st.nr != (size_t)n) {
			fprintf(stderr, "drain: read %zu sites of %ld\n", st.nr, n);
			err = -1;
		}
	}
	*steady = err ? 0 : median(tt, REPS);
	site_table_free(&st);
	tracer_stop(&t);
	free(vals);
	return err;
}

struct alias_seen {
	__u64 allocs;
	size_t calls;
	__u64 call_site;
};

static void alias_fn(__u32 num, const struct kms_site_key *k, const struct kms_site_stats *s,
		     void *ctx)
{
	struct alias_seen *a = ctx;

	(void)num;
	a->calls++;
	if (k->call_site == a->call_site)
		a->allocs += s->allocs;
}

/*
 * Two site numbers with one key (two CPUs created the key at once): the
 * reader must deliver the key once, with both numbers' counts added.
 */
static int alias_check(__u64 base)
{
	int ncpu = libbpf_num_possible_cpus();
	struct kms_site_counters *vals = calloc(ncpu, sizeof(*vals));
	static const __u32 key_of[3] = { 0, 1, 0 }; /* number 2 repeats number 0's key */
	struct alias_seen seen = {};
	struct tracer t = {};
	int err = 0;

	if (!vals || load_site_maps(&t, 3, base, key_of)) {
		free(vals);
		return -1;
	}
	for (int c = 0; c < ncpu; c++)
		make_counters(&vals[c], 0, 0);
	for (__u32 i = 0; i < 3 && !err; i++)
		err = bpf_map_update_elem(bpf_map__fd(t.skel->maps.site_stats), &i, vals, BPF_ANY);
	seen.call_site = base;
	err = err ?: tracer_for_each_site(&t, alias_fn, &seen);
	printf("%s: drain_alias_merged: %zu keys delivered for 3 numbers (want 2), key 0 allocs %llu (want %llu)\n",
	       !err && seen.calls == 2 && seen.allocs == 2ULL * ncpu * vals[0].allocs ? "PASS" :
											"FAIL",
	       seen.calls, (unsigned long long)seen.allocs,
	       (unsigned long long)(2ULL * ncpu * vals[0].allocs));
	tracer_stop(&t);
	free(vals);
	return err;
}

int main(int argc, char **argv)
{
	static const long def[] = { 100, 1000, 10000, 100000 };
	struct ksyms *ks = ksyms__load("/proc/kallsyms");
	const struct ksym *k = ks ? ksyms__by_name(ks, "__kmalloc_noprof") : NULL;
	/* real text addresses when kallsyms is readable: symbolization as in a real run */
	__u64 base = k && !ksyms__hidden(ks) ? k->addr : 0xffffffff81000000ULL;
	int nn = argc > 1 ? argc - 1 : 4;

	if (argc > 1 && !strcmp(argv[1], "--check")) {
		/* tests/e2e/drain.sh: more sites than one batch read holds, and aliases */
		long n = argc > 2 ? atol(argv[2]) : 5000;
		double f, st;
		int err = bpfmap(n, ks, base, &f, &st);

		printf("%s: drain_reads_all_sites: %ld sites over %ld-site batches\n",
		       err ? "FAIL" : "PASS", n, 4096L);
		err |= alias_check(base);
		ksyms__free(ks);
		return err ? 1 : 0;
	}

	for (int a = 0; a < nn; a++) {
		long n = argc > 1 ? atol(argv[a + 1]) : def[a];
		double sf = 0, ss = 0, bf = 0, bs = 0, sf1, ss1 = 0, bf1, bs1 = 0;
		int berr;

		sparse = 1;
		synthetic(n, ks, base, &sf, &ss);
		berr = bpfmap(n, ks, base, &bf, &bs);
		sparse = 100;
		synthetic(n, ks, base, &sf1, &ss1);
		berr |= bpfmap(n, ks, base, &bf1, &bs1);
		printf("{\"sites\":%ld,\"synthetic_first_ms\":%.3f,\"synthetic_ms\":%.3f,"
		       "\"bpf_first_ms\":%.3f,\"bpf_ms\":%.3f,\"synthetic_1pct_ms\":%.3f,"
		       "\"bpf_1pct_ms\":%.3f,\"bpf_ok\":%s,\"ncpu\":%d}\n",
		       n, sf, ss, bf, bs, ss1, bs1, berr ? "false" : "true",
		       libbpf_num_possible_cpus());
		fflush(stdout);
	}
	ksyms__free(ks);
	return 0;
}
