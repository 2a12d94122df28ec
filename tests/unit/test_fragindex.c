// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation indices: hand-computed cases, the kernel's edge cases, and
 * the kernel's own numbers from debugfs for this machine's zones.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <cmocka.h>
#include "fragindex.h"
#include "procfs.h"
#include "util.h"

#define EXTFRAG "/sys/kernel/debug/extfrag"

static bool we_mounted;

static const char *fmt(int index)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	return fmt_index(index, buf[i], sizeof(buf[i]));
}

static void test_fmt(void **state)
{
	char small[4];

	(void)state;
	assert_string_equal(fmt(0), "0.000");
	assert_string_equal(fmt(5), "0.005");
	assert_string_equal(fmt(736), "0.736");
	assert_string_equal(fmt(1000), "1.000");
	/* "%d.%03d" of -1000: -1 and 0 */
	assert_string_equal(fmt(-1000), "-1.000");
	/* the kernel's own quirk for other negatives (see below) */
	assert_string_equal(fmt(-500), "0.-500");
	/* truncates rather than overflowing */
	assert_string_equal(fmt_index(1000, small, sizeof(small)), "1.0");
}

static void test_no_free_memory(void **state)
{
	__u64 free[11] = { 0 };
	int o;

	(void)state;
	for (o = 0; o < 11; o++) {
		/* no free memory: all of it unusable; no blocks: index 0 */
		assert_int_equal(unusable_index(free, 11, o), 1000);
		assert_int_equal(fragmentation_index(free, 11, o), 0);
	}
}

static void test_one_big_block(void **state)
{
	__u64 free[11] = { [10] = 1 };
	int o;

	(void)state;
	for (o = 0; o < 11; o++) {
		assert_int_equal(unusable_index(free, 11, o), 0);
		/* a suitable block exists: the allocation would not fail */
		assert_int_equal(fragmentation_index(free, 11, o), -1000);
	}
	assert_string_equal(fmt(fragmentation_index(free, 11, 3)), "-1.000");
}

/*
 * free = {10, 5, 2}: 28 free pages in 17 blocks.
 *   unusable(1) = (28 - 9 * 2) * 1000 / 28 = 357 (357.14)
 *   unusable(2) = (28 - 2 * 4) * 1000 / 28 = 714 (714.29)
 *   unusable(3) = 28 * 1000 / 28 = 1000
 *   frag(3) = 1000 - (1000 + 28000 / 8) / 17 = 1000 - 4500 / 17 = 1000 - 264 = 736
 *   frag(10) = 1000 - (1000 + 28000 / 1024) / 17 = 1000 - 1027 / 17 = 940
 */
static void test_hand_computed(void **state)
{
	__u64 free[11] = { 10, 5, 2 };

	(void)state;
	assert_int_equal(unusable_index(free, 11, 0), 0);
	assert_int_equal(unusable_index(free, 11, 1), 357);
	assert_int_equal(unusable_index(free, 11, 2), 714);
	assert_int_equal(unusable_index(free, 11, 3), 1000);
	assert_int_equal(fragmentation_index(free, 11, 0), -1000);
	assert_int_equal(fragmentation_index(free, 11, 2), -1000);
	assert_int_equal(fragmentation_index(free, 11, 3), 736);
	assert_int_equal(fragmentation_index(free, 11, 10), 940);
	assert_string_equal(fmt(fragmentation_index(free, 11, 3)), "0.736");

	/* truncation, not rounding: 2/3 is 666 */
	free[0] = 2;
	free[1] = 0;
	free[2] = 1;
	/* 6 pages; order 1: suitable 2 blocks of 2 pages -> 2 unusable of 6 */
	assert_int_equal(unusable_index(free, 3, 1), 333);
	/* order 2: 4 of 6 usable */
	assert_int_equal(unusable_index(free, 3, 2), 333);
	free[2] = 0;
	free[1] = 1;
	/* 4 pages, order 2: none usable; frag = 1000 - (1000 + 1000) / 3 = 334 */
	assert_int_equal(fragmentation_index(free, 3, 2), 334);
}

/*
 * A single free order-0 page and a request of order 1: the kernel computes
 * 1000 - (1000 + 500) / 1 in u64 and returns it as int: -500, which its
 * "%2d.%03d" prints as " 0.-500". We do the same.
 */
static void test_kernel_quirks(void **state)
{
	__u64 free[11] = { 1 };

	(void)state;
	assert_int_equal(fragmentation_index(free, 11, 1), -500);
	assert_string_equal(fmt(fragmentation_index(free, 11, 1)), "0.-500");
	/* orders the zone does not have, and bad input: 0 */
	assert_int_equal(fragmentation_index(free, 11, 11), 0);
	assert_int_equal(fragmentation_index(free, 11, -1), 0);
	assert_int_equal(unusable_index(free, 11, 11), 0);
	assert_int_equal(unusable_index(NULL, 11, 0), 0);
	assert_int_equal(unusable_index(free, 0, 0), 0);
}

/* "Node 0, zone      DMA 0.000 0.000 ..." -> its index strings */
static int parse_debugfs_line(char *line, int *node, char *zone, char idx[][16], int max)
{
	char *save, *tok;
	int n = 0;

	if (sscanf(line, "Node %d, zone %31s", node, zone) != 2)
		return -EINVAL;
	tok = strstr(line, zone) + strlen(zone);
	for (tok = strtok_r(tok, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (n == max || strlen(tok) >= 16)
			return -EINVAL;
		strcpy(idx[n++], tok);
	}
	return n;
}

/* Compare one debugfs file with our indices of the zones in b. */
static void compare_file(const char *text, const struct buddyinfo *b, bool unusable)
{
	char *copy = strdup(text), *line, *save;
	char zone[32], idx[KMS_MAX_ORDERS][16];
	int z = 0, node, n, o;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), z++) {
		const struct buddy_zone *bz = &b->zones[z];

		assert_true(z < b->nr);
		n = parse_debugfs_line(line, &node, zone, idx, KMS_MAX_ORDERS);
		assert_int_equal(n, bz->nr_orders);
		assert_int_equal(node, bz->node);
		assert_string_equal(zone, bz->zone);
		for (o = 0; o < n; o++) {
			int i = unusable ? unusable_index(bz->free, n, o) :
					   fragmentation_index(bz->free, n, o);

			if (strcmp(fmt(i), idx[o]))
				fail_msg("%s zone %s order %d: ours %s, kernel's %s",
					 unusable ? "unusable_index" : "extfrag_index", zone, o,
					 fmt(i), idx[o]);
		}
	}
	assert_int_equal(z, b->nr);
	free(copy);
}

static bool same_buddyinfo(const struct buddyinfo *a, const struct buddyinfo *b)
{
	return a->nr == b->nr && !memcmp(a->zones, b->zones, a->nr * sizeof(*a->zones));
}

/*
 * The kernel's numbers for this machine. Free lists change all the time,
 * so read buddyinfo before and after the two debugfs files and only
 * compare when nothing moved in between.
 */
static void test_live_debugfs(void **state)
{
	struct buddyinfo before, after;
	char *unusable = NULL, *extfrag = NULL;
	int tries;

	(void)state;
	if (geteuid())
		skip();
	if (!mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		we_mounted = true;
	else if (errno != EBUSY) /* EBUSY: mounted already */
		skip();
	if (access(EXTFRAG "/unusable_index", R_OK))
		skip(); /* needs CONFIG_DEBUG_FS and CONFIG_COMPACTION */
	for (tries = 0; tries < 200; tries++) {
		assert_int_equal(buddyinfo_read(&before), 0);
		unusable = read_file(EXTFRAG "/unusable_index", NULL);
		extfrag = read_file(EXTFRAG "/extfrag_index", NULL);
		assert_non_null(unusable);
		assert_non_null(extfrag);
		assert_int_equal(buddyinfo_read(&after), 0);
		if (same_buddyinfo(&before, &after))
			break;
		free(unusable);
		free(extfrag);
		buddyinfo_free(&before);
		buddyinfo_free(&after);
	}
	if (tries == 200)
		fail_msg("buddyinfo never held still for two debugfs reads");
	compare_file(unusable, &before, true);
	compare_file(extfrag, &before, false);
	print_message("compared %d zones x %d orders after %d retries\n", before.nr,
		      before.zones[0].nr_orders, tries);
	free(unusable);
	free(extfrag);
	buddyinfo_free(&before);
	buddyinfo_free(&after);
}

/* Leave the machine as we found it, also when the test failed. */
static int unmount_debugfs(void **state)
{
	(void)state;
	if (we_mounted)
		umount("/sys/kernel/debug");
	we_mounted = false;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_no_free_memory),
		cmocka_unit_test(test_one_big_block),
		cmocka_unit_test(test_hand_computed),
		cmocka_unit_test(test_kernel_quirks),
		cmocka_unit_test_teardown(test_live_debugfs, unmount_debugfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
