// SPDX-License-Identifier: GPL-2.0
/*
 * /proc parsers against captured files of several kernels (tests/data,
 * see its README.md), against garbage, and against this machine's files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "procfs.h"
#include "util.h"

static char *fixture(const char *name)
{
	char path[256];
	char *text;

	snprintf(path, sizeof(path), "tests/data/%s", name);
	text = read_file(path, NULL);
	if (!text)
		fail_msg("cannot read %s (run from the top of the tree)", path);
	return text;
}

static struct buddyinfo parse_buddy(const char *name)
{
	struct buddyinfo b;
	char *text = fixture(name);

	assert_int_equal(buddyinfo_parse(text, &b), 0);
	free(text);
	return b;
}

static struct pagetypeinfo parse_pt(const char *name)
{
	struct pagetypeinfo p;
	char *text = fixture(name);

	assert_int_equal(pagetypeinfo_parse(text, &p), 0);
	free(text);
	return p;
}

static void assert_zone(const struct buddy_zone *z, int node, const char *name, int orders)
{
	assert_int_equal(z->node, node);
	assert_string_equal(z->zone, name);
	assert_int_equal(z->nr_orders, orders);
}

static void assert_types(const struct pagetypeinfo *p, const char *const *names, int nr)
{
	int i;

	assert_int_equal(p->nr_types, nr);
	for (i = 0; i < nr; i++)
		assert_string_equal(p->types[i], names[i]);
}

/*
 * Every zone of buddyinfo is the sum of its pagetypeinfo rows, one row per
 * migratetype; a capped row only tells that the sum is above the cap.
 */
static void assert_sums(const struct buddyinfo *b, const struct pagetypeinfo *p)
{
	int i, j, o, rows;

	for (i = 0; i < b->nr; i++) {
		const struct buddy_zone *z = &b->zones[i];
		__u64 sum[KMS_MAX_ORDERS] = { 0 };
		bool capped[KMS_MAX_ORDERS] = { 0 };

		rows = 0;
		for (j = 0; j < p->nr_rows; j++) {
			const struct pagetype_row *r = &p->rows[j];

			if (r->node != z->node || strcmp(r->zone, z->zone))
				continue;
			rows++;
			assert_int_equal(r->nr_orders, z->nr_orders);
			for (o = 0; o < r->nr_orders; o++) {
				sum[o] += r->free[o];
				capped[o] |= r->capped[o];
			}
		}
		assert_int_equal(rows, p->nr_types);
		for (o = 0; o < z->nr_orders; o++) {
			if (capped[o])
				assert_true(z->free[o] >= sum[o] - 1);
			else
				assert_int_equal(z->free[o], sum[o]);
		}
	}
}

static void test_buddyinfo_6_18(void **state)
{
	struct buddyinfo b = parse_buddy("buddyinfo-6.18.txt");

	(void)state;
	assert_int_equal(b.nr, 3);
	assert_zone(&b.zones[0], 0, "DMA", 11);
	assert_zone(&b.zones[1], 0, "DMA32", 11);
	assert_zone(&b.zones[2], 0, "Normal", 11);
	assert_int_equal(b.zones[0].free[10], 3);
	assert_int_equal(b.zones[1].free[10], 752);
	assert_int_equal(b.zones[2].free[0], 2599);
	buddyinfo_free(&b);
	assert_null(b.zones);
	assert_int_equal(b.nr, 0);
}

static void test_buddyinfo_layouts(void **state)
{
	struct buddyinfo b;

	(void)state;
	b = parse_buddy("buddyinfo-multinode.txt");
	assert_int_equal(b.nr, 5);
	assert_zone(&b.zones[2], 0, "Normal", 11);
	assert_zone(&b.zones[3], 1, "Normal", 11);
	assert_zone(&b.zones[4], 1, "Movable", 11);
	assert_int_equal(b.zones[4].free[0], 3409);
	assert_int_equal(b.zones[4].free[10], 1);
	buddyinfo_free(&b);

	b = parse_buddy("buddyinfo-6.12-arm64-16k.txt");
	assert_int_equal(b.nr, 2);
	assert_zone(&b.zones[1], 0, "Normal", 12);
	buddyinfo_free(&b);

	b = parse_buddy("buddyinfo-6.12-arm64-64k.txt");
	assert_zone(&b.zones[0], 0, "DMA", 14);
	assert_int_equal(b.zones[1].free[13], 28);
	buddyinfo_free(&b);
}

static void test_pagetypeinfo_6_18(void **state)
{
	static const char *const types[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
					     "Isolate" };
	struct pagetypeinfo p = parse_pt("pagetypeinfo-6.18.txt");
	struct buddyinfo b = parse_buddy("buddyinfo-6.18.txt");

	(void)state;
	assert_int_equal(p.pageblock_order, 9);
	assert_int_equal(p.pages_per_block, 512);
	assert_types(&p, types, 5);
	assert_int_equal(p.nr_rows, 15);
	assert_int_equal(p.nr_blocks, 3);
	assert_string_equal(p.rows[10].zone, "Normal");
	assert_string_equal(p.rows[10].migratetype, "Unmovable");
	assert_int_equal(p.rows[10].free[0], 556);
	assert_false(p.rows[10].capped[0]);
	assert_string_equal(p.blocks[1].zone, "DMA32");
	assert_int_equal(p.blocks[1].nr_types, 5);
	assert_int_equal(p.blocks[1].blocks[1], 1528);
	assert_sums(&b, &p);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);
}

static void test_pagetypeinfo_reserve_multinode(void **state)
{
	static const char *const types[] = { "Unmovable", "Reclaimable", "Movable", "Reserve",
					     "Isolate" };
	struct pagetypeinfo p = parse_pt("pagetypeinfo-3.10-reserve.txt");
	struct buddyinfo b = parse_buddy("buddyinfo-3.10-reserve.txt");

	(void)state;
	assert_types(&p, types, 5);
	assert_int_equal(p.nr_rows, 4 * 5);
	assert_int_equal(p.nr_blocks, 4);
	assert_int_equal(p.rows[15].node, 1);
	assert_string_equal(p.rows[18].migratetype, "Reserve");
	assert_int_equal(p.blocks[3].node, 1);
	assert_int_equal(p.blocks[3].blocks[3], 302);
	assert_sums(&b, &p);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);
}

static void test_pagetypeinfo_cma_capped(void **state)
{
	static const char *const types[] = { "Unmovable",  "Movable", "Reclaimable",
					     "HighAtomic", "CMA",     "Isolate" };
	struct pagetypeinfo p = parse_pt("pagetypeinfo-5.10-cma.txt");
	struct buddyinfo b = parse_buddy("buddyinfo-5.10-cma.txt");
	const struct pagetype_row *r = &p.rows[13];

	(void)state;
	assert_types(&p, types, 6);
	assert_int_equal(p.nr_rows, 18);
	/* the mixed-blocks table (page_owner) is not taken as block counts */
	assert_int_equal(p.nr_blocks, 3);
	assert_int_equal(p.blocks[2].blocks[5], 213);
	assert_string_equal(r->zone, "Normal");
	assert_string_equal(r->migratetype, "Movable");
	assert_true(r->capped[0] && r->capped[1]);
	assert_int_equal(r->free[0], 100001);
	assert_int_equal(r->free[1], 100001);
	assert_false(r->capped[2]);
	assert_int_equal(r->free[2], 99999);
	assert_sums(&b, &p);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);
}

static void test_pagetypeinfo_other_configs(void **state)
{
	static const char *const four[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic" };
	struct pagetypeinfo p;
	struct buddyinfo b;

	(void)state;
	p = parse_pt("pagetypeinfo-4.19-noisolate.txt");
	b = parse_buddy("buddyinfo-4.19-noisolate.txt");
	assert_types(&p, four, 4);
	assert_int_equal(p.nr_rows, 12);
	assert_sums(&b, &p);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);

	p = parse_pt("pagetypeinfo-6.12-arm64-16k.txt");
	b = parse_buddy("buddyinfo-6.12-arm64-16k.txt");
	assert_int_equal(p.pageblock_order, 11);
	assert_int_equal(p.pages_per_block, 2048);
	assert_int_equal(p.rows[0].nr_orders, 12);
	assert_int_equal(p.nr_types, 6);
	assert_sums(&b, &p);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);
}

static void test_buddyinfo_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"\n\n",
		"garbage\n",
		"Node 0, zone      DMA\n",
		"Node 0 zone DMA 1 2 3\n",
		"Node x, zone DMA 1 2 3\n",
		"Node -1, zone DMA 1 2 3\n",
		"Node 0, zone DMA 1 2 x\n",
		"Node 0, zone DMA 1 -2 3\n",
		"Node 0, zone DMA 1 2 >3\n",
		"Node 0, zone DMA, 1 2 3\n",
		"Node 0, zone DMA 1 2 99999999999999999999999\n",
		"Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
		"Node 0, zone DMA 1 2 3\nNode 0, zone\n",
		"Node 0, zone ThisZoneNameIsFarTooLongToBeAZoneName 1 2\n",
		"Node 99999999999, zone DMA 1\n",
		/* the last line cut short */
		"Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2\n",
	};
	struct buddyinfo b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		b.nr = 42;
		if (buddyinfo_parse(bad[i], &b) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(b.zones);
		assert_int_equal(b.nr, 0);
	}
	assert_int_equal(buddyinfo_parse(NULL, &b), -EINVAL);
	/* no trailing newline, CRs and tabs are fine */
	assert_int_equal(buddyinfo_parse("Node 0, zone\tDMA 1 2 3\r", &b), 0);
	assert_int_equal(b.zones[0].nr_orders, 3);
	buddyinfo_free(&b);
}

static void test_pagetypeinfo_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"Page block order: 9\n",
		/* a row before the header that gives the order count */
		"Page block order: 9\nPages per block:  512\n"
		"Node    0, zone      DMA, type    Unmovable      0      0\n",
		/* header says two orders, the row has three */
		"Page block order: 9\nPages per block:  512\n\n"
		"Free pages count per migrate type at order       0      1 \n"
		"Node    0, zone      DMA, type    Unmovable      0      0      0 \n"
		"\nNumber of blocks type     Unmovable \nNode 0, zone      DMA            1 \n",
		/* block row with more columns than types */
		"Page block order: 9\nPages per block:  512\n\n"
		"Free pages count per migrate type at order       0      1 \n"
		"Node    0, zone      DMA, type    Unmovable      0      0 \n"
		"\nNumber of blocks type     Unmovable \nNode 0, zone      DMA            1 2 \n",
		/* order header not counting from 0 */
		"Page block order: 9\nPages per block:  512\n\n"
		"Free pages count per migrate type at order       1      2 \n",
		"Page block order: x\n",
		"Something else entirely\n",
	};
	struct pagetypeinfo p;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (pagetypeinfo_parse(bad[i], &p) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(p.rows);
		assert_null(p.blocks);
		assert_int_equal(p.nr_rows, 0);
	}
}

/*
 * Every prefix of the real file, and the file with bytes overwritten, must
 * parse or give -EINVAL; never crash or read past the text (run the test
 * under valgrind or ASan to check the latter).
 */
static void test_truncated_and_corrupt(void **state)
{
	char *text = fixture("pagetypeinfo-5.10-cma.txt");
	char *btext = fixture("buddyinfo-multinode.txt");
	size_t len = strlen(text), blen = strlen(btext), i;
	struct pagetypeinfo p;
	struct buddyinfo b;
	unsigned int seed = 1;
	int err, ok = 0;

	(void)state;
	for (i = 0; i <= len; i++) {
		char *cut = strndup(text, i);

		err = pagetypeinfo_parse(cut, &p);
		assert_true(err == 0 || err == -EINVAL);
		ok += !err;
		pagetypeinfo_free(&p);
		free(cut);
	}
	/* the whole file, and cuts at the end of a complete zone row */
	assert_true(ok >= 1);
	for (i = 0; i <= blen; i++) {
		char *cut = strndup(btext, i);

		err = buddyinfo_parse(cut, &b);
		assert_true(err == 0 || err == -EINVAL);
		buddyinfo_free(&b);
		free(cut);
	}
	for (i = 0; i < 2000; i++) {
		char *bad = strdup(text);

		bad[rand_r(&seed) % len] = "0> ,\n\t9xZ-"[rand_r(&seed) % 10];
		err = pagetypeinfo_parse(bad, &p);
		assert_true(err == 0 || err == -EINVAL);
		pagetypeinfo_free(&p);
		free(bad);
	}
	free(text);
	free(btext);
}

static void test_vmstat_meminfo(void **state)
{
	char *vm = fixture("vmstat-6.18.txt"), *mi = fixture("meminfo-6.18.txt");
	struct kvlist l;
	__u64 v;

	(void)state;
	assert_int_equal(vmstat_parse(vm, &l), 0);
	assert_true(l.nr > 100);
	assert_true(kv_get(&l, "nr_free_pages", &v) && v > 0);
	assert_true(kv_get(&l, "compact_stall", NULL));
	assert_false(kv_get(&l, "no_such_counter", &v));
	kvlist_free(&l);

	assert_int_equal(meminfo_parse(mi, &l), 0);
	assert_true(kv_get(&l, "MemTotal", &v));
	assert_int_equal(v, 24683620ULL * 1024);
	assert_true(kv_get(&l, "Active(anon)", &v));
	/* counts without a unit stay counts */
	assert_true(kv_get(&l, "HugePages_Total", &v));
	assert_int_equal(v, 0);
	kvlist_free(&l);
	free(vm);
	free(mi);

	assert_int_equal(meminfo_parse("MemTotal: 1 kB\nHugePages_Free: 3\n", &l), 0);
	assert_true(kv_get(&l, "HugePages_Free", &v) && v == 3);
	kvlist_free(&l);
	assert_int_equal(meminfo_parse("MemTotal: 12 MB\n", &l), -EINVAL);
	assert_int_equal(meminfo_parse("MemTotal 12 kB\n", &l), -EINVAL);
	assert_int_equal(meminfo_parse("MemTotal: 99999999999999999999 kB\n", &l), -EINVAL);
	assert_int_equal(meminfo_parse("MemTotal: 18014398509481984 kB\n", &l), -EINVAL);
	assert_int_equal(vmstat_parse("nr_free_pages\n", &l), -EINVAL);
	assert_int_equal(vmstat_parse("nr_free_pages 1 2\n", &l), -EINVAL);
	assert_int_equal(vmstat_parse("", &l), -EINVAL);
	assert_null(l.v);
}

static const struct slab_cache *slab_named(const struct slabinfo *s, const char *name)
{
	for (int i = 0; i < s->nr; i++) {
		if (!strcmp(s->caches[i].name, name))
			return &s->caches[i];
	}
	return NULL;
}

/*
 * Merged caches from the captured /sys/kernel/slab symlinks: signal_cache
 * (":A-0001152") holds UNIX and UNIX-STREAM; ":0000048" is shown as
 * shared_policy_node with five aliases; an unmerged cache has none.
 */
static void test_slab_aliases(void **state)
{
	char *text = fixture("slabinfo-6.18.txt"), *links = fixture("slab-links-6.18.txt");
	char *names[256], *targets[256], *save = NULL, *line;
	const struct slab_cache *c;
	struct slabinfo s;
	int n = 0;

	(void)state;
	for (line = strtok_r(links, "\n", &save); line && n < 256;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		assert_non_null(sp);
		*sp = '\0';
		names[n] = line;
		targets[n++] = sp + 1;
	}
	assert_int_equal(n, 194);
	assert_int_equal(slabinfo_parse(text, &s), 0);
	assert_int_equal(
		slab_aliases_apply(&s, (const char *const *)names, (const char *const *)targets, n),
		0);
	c = slab_named(&s, "signal_cache");
	assert_non_null(c);
	assert_int_equal(c->nr_aliases, 2);
	assert_string_equal(c->aliases[0], "UNIX");
	assert_string_equal(c->aliases[1], "UNIX-STREAM");
	c = slab_named(&s, "shared_policy_node");
	assert_non_null(c);
	assert_int_equal(c->nr_aliases, 5);
	assert_string_equal(c->aliases[0], "Acpi-Namespace");
	c = slab_named(&s, "kmalloc-512");
	assert_non_null(c);
	assert_int_equal(c->nr_aliases, 0);
	slabinfo_free(&s);
	free(text);
	free(links);
}

/* slab_aliases_read on a directory of symlinks like /sys/kernel/slab's */
static void test_slab_aliases_read(void **state)
{
	char dir[] = "/tmp/kms-slab.XXXXXX", path[256];
	static const char *const links[][2] = { { "signal_cache", ":A-0001152" },
						{ "UNIX", ":A-0001152" },
						{ "UNIX-STREAM", ":A-0001152" },
						{ "pid", ":0000128" } };
	struct slabinfo s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, links[i][0]);
		assert_int_equal(symlink(links[i][1], path), 0);
	}
	snprintf(path, sizeof(path), "%s/kmalloc-512", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(slabinfo_parse("slabinfo - version: 2.1\n# name x\n"
					"signal_cache 1 2 1152 14 4 : tunables\n"
					"kmalloc-512 1 2 512 16 2 : tunables\n",
					&s),
			 0);
	assert_int_equal(slab_aliases_read(&s, dir), 0);
	assert_int_equal(s.caches[0].nr_aliases, 2);
	assert_string_equal(s.caches[0].aliases[0], "UNIX");
	assert_int_equal(s.caches[1].nr_aliases, 0);
	slabinfo_free(&s);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, links[i][0]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/kmalloc-512", dir);
	rmdir(path);
	rmdir(dir);
	assert_int_equal(slab_aliases_read(&s, "/nonexistent-kms"), -ENOENT);
}

static void test_slabinfo(void **state)
{
	char *text = fixture("slabinfo-6.18.txt");
	struct slabinfo s;
	int i, found = 0;

	(void)state;
	assert_int_equal(slabinfo_parse(text, &s), 0);
	assert_int_equal(s.nr, 232);
	assert_string_equal(s.caches[0].name, "btrfs_delayed_node");
	assert_int_equal(s.caches[0].objsize, 312);
	assert_int_equal(s.caches[0].objperslab, 13);
	assert_int_equal(s.caches[0].pagesperslab, 1);
	for (i = 0; i < s.nr; i++) {
		assert_true(s.caches[i].active_objs <= s.caches[i].num_objs);
		found += !strcmp(s.caches[i].name, "kmalloc-64");
	}
	assert_int_equal(found, 1);
	slabinfo_free(&s);
	free(text);

	assert_int_equal(slabinfo_parse("slabinfo - version: 1.1\n# name\n", &s), -EINVAL);
	assert_int_equal(slabinfo_parse("kmalloc-64 1 2 64 64 1 : tunables\n", &s), -EINVAL);
	assert_int_equal(slabinfo_parse("slabinfo - version: 2.1\n# name <active_objs>\n"
					"kmalloc-64 1 2 64 64 : tunables 0 0 0\n",
					&s),
			 -EINVAL);
	/* only the headers: no caches, still the format */
	assert_int_equal(slabinfo_parse("slabinfo - version: 2.1\n# name <active_objs>\n", &s), 0);
	assert_int_equal(s.nr, 0);
	slabinfo_free(&s);
}

static void test_live(void **state)
{
	struct pagetypeinfo p;
	struct buddyinfo b;
	struct slabinfo s;
	struct kvlist l;
	__u64 v;
	int i, j, err;

	(void)state;
	assert_int_equal(buddyinfo_read(&b), 0);
	assert_true(b.nr >= 1);
	err = pagetypeinfo_read(&p);
	if (err == -EACCES || err == -EPERM) {
		buddyinfo_free(&b);
		skip(); /* 0400 since 5.4: root only */
	}
	assert_int_equal(err, 0);
	/* the same zones, and the order count of pagetypeinfo's header */
	assert_int_equal(p.nr_blocks, b.nr);
	for (i = 0; i < b.nr; i++) {
		assert_int_equal(p.blocks[i].node, b.zones[i].node);
		assert_string_equal(p.blocks[i].zone, b.zones[i].zone);
		assert_int_equal(p.blocks[i].nr_types, p.nr_types);
	}
	for (j = 0; j < p.nr_rows; j++)
		assert_int_equal(p.rows[j].nr_orders, b.zones[0].nr_orders);
	for (i = 0; i < b.nr; i++)
		assert_int_equal(b.zones[i].nr_orders, p.rows[0].nr_orders);
	assert_int_equal(p.nr_rows, b.nr * p.nr_types);
	assert_int_equal(p.pages_per_block, 1ULL << p.pageblock_order);
	pagetypeinfo_free(&p);
	buddyinfo_free(&b);

	assert_int_equal(vmstat_read(&l), 0);
	assert_true(kv_get(&l, "nr_free_pages", &v));
	kvlist_free(&l);
	assert_int_equal(meminfo_read(&l), 0);
	assert_true(kv_get(&l, "MemTotal", &v) && v > 0 && v % 1024 == 0);
	kvlist_free(&l);
	assert_int_equal(slabinfo_read(&s), 0);
	assert_true(s.nr > 0);
	slabinfo_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buddyinfo_6_18),
		cmocka_unit_test(test_buddyinfo_layouts),
		cmocka_unit_test(test_pagetypeinfo_6_18),
		cmocka_unit_test(test_pagetypeinfo_reserve_multinode),
		cmocka_unit_test(test_pagetypeinfo_cma_capped),
		cmocka_unit_test(test_pagetypeinfo_other_configs),
		cmocka_unit_test(test_buddyinfo_garbage),
		cmocka_unit_test(test_pagetypeinfo_garbage),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_vmstat_meminfo),
		cmocka_unit_test(test_slabinfo),
		cmocka_unit_test(test_slab_aliases),
		cmocka_unit_test(test_slab_aliases_read),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
