// SPDX-License-Identifier: GPL-2.0
/* Site merging, per-interval deltas, slack and fragmentation maths, sorting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "sites.h"

static struct kms_site_key key(__u64 site, __u32 gfp, __u32 kind, const char *cache)
{
	struct kms_site_key k = { .call_site = site, .gfp = gfp, .kind = kind, .stack_id = -1 };

	if (cache)
		strncpy(k.cache, cache, sizeof(k.cache) - 1);
	return k;
}

static struct kms_site_stats stats(__u64 allocs, __u64 req, __u64 alloc)
{
	struct kms_site_stats s = { .allocs = allocs, .bytes_req = req, .bytes_alloc = alloc };

	s.live = allocs;
	s.live_bytes = alloc;
	return s;
}

static void test_slack_and_frag(void **state)
{
	/* msgsnd(100 bytes): kmalloc(148) lands in kmalloc-192 */
	struct site_counts c = { .bytes_req = 148, .bytes_alloc = 192 };

	(void)state;
	assert_int_equal(site_slack(&c), 44);
	assert_true(site_frag(&c) > 22.91 && site_frag(&c) < 22.92);
	c.bytes_req = c.bytes_alloc = 0;
	assert_int_equal(site_slack(&c), 0);
	assert_true(site_frag(&c) == 0);
	/* never negative, even if a layout reports req > alloc */
	c.bytes_req = 10;
	c.bytes_alloc = 8;
	assert_int_equal(site_slack(&c), 0);
}

static void test_deltas_and_totals(void **state)
{
	struct site_table st;
	struct kms_site_key k = key(0xffffffff81000010ULL, 0xcc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_stats s = stats(10, 1480, 1920);

	(void)state;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &k, &s, &st);
	assert_int_equal(st.nr, 1);
	assert_int_equal(st.list[0]->delta.allocs, 10);
	assert_int_equal(st.list[0]->tot.bytes_alloc, 1920);
	/* next interval: cumulative 15 -> delta 5, totals 15 */
	s = stats(15, 2220, 2880);
	s.frees = 4;
	s.live = 11;
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &k, &s, &st);
	assert_int_equal(st.list[0]->delta.allocs, 5);
	assert_int_equal(st.list[0]->delta.frees, 4);
	assert_int_equal(st.list[0]->delta.bytes_req, 740);
	assert_int_equal(st.list[0]->tot.allocs, 15);
	assert_int_equal(st.list[0]->live, 11);
	assert_true(site_active(st.list[0]));
	/* nothing new: inactive, live unchanged */
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &k, &s, &st);
	assert_false(site_active(st.list[0]));
	assert_int_equal(st.list[0]->live, 11);
	site_table_free(&st);
}

/* one interval's reading of stack 5 under the site's numbers 3 and 7 */
static void feed_stack5(struct site_table *st, const struct kms_stack_counts *v3,
			const struct kms_stack_counts *v7)
{
	site_table_begin(st);
	site_table_feed_stack(&(struct kms_stack_key){ .site = 3, .stack_id = 5 }, v3, st);
	site_table_feed_stack(&(struct kms_stack_key){ .site = 7, .stack_id = 5 }, v7, st);
}

/*
 * Sampled stacks: two GFP variants (two kernel numbers) of one site share a
 * stack; their samples add up in the site's entry, deltas per interval,
 * live values current; an entry of an unknown number is ignored.
 */
static void test_sampled_stacks(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x1000, 0xcc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_key b = key(0x1000, 0xdc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_stats sa = stats(64, 640, 1024), sb = stats(64, 640, 1024);
	struct kms_stack_counts v1 = {
		.allocs = 2, .bytes_req = 20, .bytes_alloc = 32, .tracked = 2, .tracked_bytes = 32
	};
	struct kms_stack_counts v2 = { .allocs = 1,
				       .bytes_req = 10,
				       .bytes_alloc = 16,
				       .tracked = 1,
				       .tracked_bytes = 16,
				       .frees = 1,
				       .bytes_freed = 16 };
	const struct site_stack *k;

	(void)state;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(3, &a, &sa, &st);
	site_table_feed(7, &b, &sb, &st);
	site_table_feed_stack(&(struct kms_stack_key){ .site = 3, .stack_id = 5 }, &v1, &st);
	site_table_feed_stack(&(struct kms_stack_key){ .site = 7, .stack_id = 5 }, &v2, &st);
	site_table_feed_stack(&(struct kms_stack_key){ .site = 9, .stack_id = 5 }, &v2, &st);
	assert_int_equal(st.nr, 1);
	assert_int_equal(st.list[0]->nr_stacks, 1);
	k = &st.list[0]->stacks[0];
	assert_int_equal(k->stack_id, 5);
	assert_int_equal(k->d_allocs, 3);
	assert_int_equal(k->d_bytes_req, 30);
	assert_int_equal(k->d_bytes_alloc, 48);
	assert_int_equal(k->live, 2);
	assert_int_equal(k->live_bytes, 32);
	assert_true(site_stack_changed(k));
	/* next interval: one more sample on number 3; live 2 -> 3 */
	v1.allocs = 3;
	v1.bytes_alloc = 48;
	v1.tracked = 3;
	v1.tracked_bytes = 48;
	feed_stack5(&st, &v1, &v2);
	k = &st.list[0]->stacks[0];
	assert_int_equal(k->d_allocs, 1);
	assert_int_equal(k->allocs, 4);
	assert_int_equal(k->bytes_alloc, 64);
	assert_int_equal(k->live, 3);
	/* nothing new: unchanged */
	feed_stack5(&st, &v1, &v2);
	assert_false(site_stack_changed(&st.list[0]->stacks[0]));
	site_table_free(&st);
}

/* vmalloc: a kernel key's own stack is a stack of its site, with exact counts */
static void test_vmalloc_key_stacks(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x2000, 0, KMS_KIND_VMALLOC, NULL);
	struct kms_site_key b = key(0x2000, 0, KMS_KIND_VMALLOC, NULL);
	struct kms_site_stats sa = stats(2, 8192, 8192), sb = stats(1, 4096, 4096);

	(void)state;
	a.stack_id = 11;
	b.stack_id = 12;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(0, &a, &sa, &st);
	site_table_feed(1, &b, &sb, &st);
	assert_int_equal(st.nr, 1);
	assert_int_equal(st.list[0]->nr_stacks, 2);
	assert_int_equal(st.list[0]->stacks[0].d_allocs, 2);
	assert_int_equal(st.list[0]->stacks[1].d_bytes_alloc, 4096);
	assert_int_equal(st.list[0]->stacks[1].live, 1);
	site_table_free(&st);
}

static void test_gfp_variants_merge(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x1000, 0xcc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_key b = key(0x1000, 0xdc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_stats sa = stats(3, 30, 32), sb = stats(7, 70, 96);

	(void)state;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_int_equal(st.nr, 1);
	assert_int_equal(st.list[0]->tot.allocs, 10);
	assert_int_equal(st.list[0]->live, 10);
	assert_int_equal(st.list[0]->nr_gfps, 2);
	assert_int_equal(site_top_gfp(st.list[0])->gfp, 0xdc0);
	assert_int_equal(site_top_gfp(st.list[0])->total, 7);
	site_table_free(&st);
}

/*
 * The kernel keys a kmalloc site by allocated size too: msgsnd(333) is
 * kmalloc(381) in kmalloc-512, msgsnd(100) kmalloc(148) in kmalloc-192.
 * One site, with an exact breakdown per size; a kmem_cache key (no size)
 * gets its objects' size from bytes_alloc / allocs.
 */
static void test_alloc_sizes_merge(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x1000, 0xcc0, KMS_KIND_KMALLOC, NULL), b = a;
	struct kms_site_key c = key(0x2000, 0xcc0, KMS_KIND_CACHE, "dentry");
	struct kms_site_stats sa = stats(777, 777 * 381, 777 * 512);
	struct kms_site_stats sb = stats(555, 555 * 148, 555 * 192), sc = stats(4, 768, 768);
	struct site *m;

	(void)state;
	a.alloc_size = 512;
	b.alloc_size = 192;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	site_table_feed(SITE_NO_NUM, &c, &sc, &st);
	assert_int_equal(st.nr, 2);
	m = st.list[0];
	assert_int_equal(m->tot.allocs, 1332);
	assert_int_equal(m->nr_sizes, 2);
	/* kept by size: 192 first */
	assert_int_equal(m->sizes[0].size, 192);
	assert_int_equal(m->sizes[0].allocs, 555);
	assert_int_equal(m->sizes[0].bytes_req, 555 * 148);
	assert_int_equal(m->sizes[1].size, 512);
	assert_int_equal(m->sizes[1].d_allocs, 777);
	assert_int_equal(m->sizes[1].d_bytes_req, 777 * 381);
	assert_int_equal(st.list[1]->nr_sizes, 1);
	assert_int_equal(st.list[1]->sizes[0].size, 192);
	assert_int_equal(st.list[1]->sizes[0].allocs, 4);
	/* next interval: 10 more of 512; deltas restart, totals add */
	sa = stats(787, 787 * 381, 787 * 512);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_int_equal(m->sizes[1].allocs, 787);
	assert_int_equal(m->sizes[1].d_allocs, 10);
	assert_int_equal(m->sizes[1].d_bytes_req, 3810);
	assert_int_equal(m->sizes[0].d_allocs, 0);
	assert_int_equal(m->sizes[0].allocs, 555);
	site_table_free(&st);
}

static void test_kind_and_cache_split_sites(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x1000, 0xcc0, KMS_KIND_CACHE, "dentry");
	struct kms_site_key b = key(0x1000, 0xcc0, KMS_KIND_CACHE, "inode_cache");
	struct kms_site_key c = key(0x1000, 0xcc0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_stats s = stats(1, 8, 8);

	(void)state;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &s, &st);
	site_table_feed(SITE_NO_NUM, &b, &s, &st);
	site_table_feed(SITE_NO_NUM, &c, &s, &st);
	assert_int_equal(st.nr, 3);
	site_table_free(&st);
}

static void test_hist_wraps_modulo_2_32(void **state)
{
	struct site_table st;
	struct kms_site_key k = key(0x2000, 0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_stats s = stats(1, 1, 8);

	(void)state;
	site_table_init(&st, NULL);
	s.size_hist[3] = 0xfffffff0U;
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &k, &s, &st);
	/* the 32-bit counter wrapped: 0xfffffff0 + 0x20 = 0x10 */
	s.size_hist[3] = 0x10;
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &k, &s, &st);
	assert_int_equal(st.list[0]->delta.size_hist[3], 0x20);
	assert_int_equal(st.list[0]->tot.size_hist[3], 0xfffffff0ULL + 0x20);
	site_table_free(&st);
}

static void test_sort_keys(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x1000, 0, KMS_KIND_KMALLOC, NULL);
	struct kms_site_key b = key(0x2000, 0, KMS_KIND_KMALLOC, NULL);
	/* a: many small exact allocations; b: few with lots of slack */
	struct kms_site_stats sa = stats(100, 6400, 6400), sb = stats(2, 2100, 8192);
	enum sort_key k;

	(void)state;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	site_table_sort(&st, SORT_ALLOCS);
	assert_int_equal(st.list[0]->id.call_site, 0x1000);
	site_table_sort(&st, SORT_SLACK);
	assert_int_equal(st.list[0]->id.call_site, 0x2000);
	site_table_sort(&st, SORT_BYTES);
	assert_int_equal(st.list[0]->id.call_site, 0x2000);
	site_table_sort(&st, SORT_FRAG);
	assert_int_equal(st.list[0]->id.call_site, 0x2000);
	assert_int_equal(sort_key_parse("pingpong", &k), 0);
	assert_int_equal(k, SORT_PINGPONG);
	assert_int_not_equal(sort_key_parse("size", &k), 0);
	site_table_free(&st);
}

/*
 * Implied frees (stale addresses) are deltas like frees; live_untracked is a
 * current value like live: summed over a site's GFP variants, cleared by
 * begin, and still counted when a key did not change (the fast path).
 */
static void test_implied_and_untracked(void **state)
{
	struct site_table st;
	struct kms_site_key a = key(0x3000, 0xcc0, KMS_KIND_CACHE, "eventpoll_epi");
	struct kms_site_key b = key(0x3000, 0xdc0, KMS_KIND_CACHE, "eventpoll_epi");
	struct kms_site_stats sa = stats(4000, 512000, 512000), sb = stats(10, 1280, 1280);

	(void)state;
	site_table_init(&st, NULL);
	sa.frees = 2756;
	sa.implied_frees = 1243;
	sa.implied_bytes = 1243 * 128;
	sa.live = 1;
	sa.live_untracked = 0;
	sb.live_untracked = 6;
	sb.live = 4;
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_int_equal(st.nr, 1);
	assert_int_equal(st.list[0]->delta.implied_frees, 1243);
	assert_int_equal(st.list[0]->tot.implied_bytes, 1243 * 128);
	assert_int_equal(st.list[0]->live, 5);
	assert_int_equal(st.list[0]->live_untracked, 6);
	/* only implied frees in the next interval: the site is active */
	sa.implied_frees += 1;
	sa.live -= 1;
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_true(site_active(st.list[0]));
	assert_int_equal(st.list[0]->delta.implied_frees, 1);
	assert_int_equal(st.list[0]->delta.allocs, 0);
	assert_int_equal(st.list[0]->tot.implied_frees, 1244);
	/* b unchanged: its untracked objects still count, not twice */
	assert_int_equal(st.list[0]->live_untracked, 6);
	assert_int_equal(st.list[0]->live, 4);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_false(site_active(st.list[0]));
	assert_int_equal(st.list[0]->live_untracked, 6);
	site_table_free(&st);
}

/* the default live table and the --live-entries hint */
static void test_live_table_sizing(void **state)
{
	(void)state;
	/* this VM: 24731708 kB, 2 CPUs -> 1545731 + 65536 entries -> 2^21, 64 MiB */
	assert_int_equal(live_entries_for(24731708ULL << 10, 2), 1U << 21);
	assert_int_equal(live_table_bytes(1U << 21), 64ULL << 20);
	/* a small machine: 262144 entries, 8 MiB */
	assert_int_equal(live_entries_for(1ULL << 30, 1), LIVE_AUTO_MIN);
	assert_int_equal(live_table_bytes(LIVE_AUTO_MIN), 8ULL << 20);
	assert_int_equal(live_entries_for(0, 0), LIVE_AUTO_MIN);
	/* the cap: 128 MiB of table however big the machine */
	assert_int_equal(live_entries_for(1ULL << 42, 256), LIVE_AUTO_MAX);
	assert_int_equal(live_table_bytes(LIVE_AUTO_MAX), 128ULL << 20);
	/* CPUs count: 8 GiB and 16 CPUs is 2^20, with 48 CPUs 2^21 */
	assert_int_equal(live_entries_for(8ULL << 30, 16), 1U << 20);
	assert_int_equal(live_entries_for(8ULL << 30, 48), 1U << 21);
	/* never more slots than asked, up to the next power of two of buckets */
	assert_int_equal(live_table_slots(1024), 1024);
	assert_int_equal(live_table_bytes(1024), 1024 * 32);
	assert_int_equal(live_table_slots(64), 64);
	assert_int_equal(live_table_slots(1000), 1024);
	assert_int_equal(live_table_slots(1), KMS_LIVE_WAYS);
	/* the hint holds what was tracked and what was not, an eighth more */
	assert_int_equal(live_entries_hint(1024, 1976), 4096);
	assert_int_equal(live_entries_hint(1024, 2617), 4096);
	assert_int_equal(live_entries_hint(1024, 2618), 8192);
	assert_int_equal(live_entries_hint(1U << 26, 5), 1U << 26);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slack_and_frag),
		cmocka_unit_test(test_deltas_and_totals),
		cmocka_unit_test(test_gfp_variants_merge),
		cmocka_unit_test(test_alloc_sizes_merge),
		cmocka_unit_test(test_sampled_stacks),
		cmocka_unit_test(test_vmalloc_key_stacks),
		cmocka_unit_test(test_kind_and_cache_split_sites),
		cmocka_unit_test(test_hist_wraps_modulo_2_32),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_implied_and_untracked),
		cmocka_unit_test(test_live_table_sizing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
