// SPDX-License-Identifier: GPL-2.0
/*
 * The unusable free space index and the fragmentation index of
 * mm/vmstat.c, in the kernel's own integer arithmetic so that our numbers
 * match /sys/kernel/debug/extfrag/ digit for digit: the kernel truncates
 * (div_u64) at each step and so must we.
 */
#include <stdbool.h>
#include <stdio.h>
#include "fragindex.h"

/* struct contig_page_info of mm/vmstat.c */
struct contig_info {
	__u64 free_pages;
	__u64 free_blocks_total;
	__u64 free_blocks_suitable;
};

/* fill_contig_page_info(): free[] holds a zone's nr_free for each order */
static void fill_contig_info(const __u64 *free, int nr_orders, int suitable_order,
			     struct contig_info *info)
{
	int order;

	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;
	for (order = 0; order < nr_orders; order++) {
		__u64 blocks = free[order];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable += blocks << (order - suitable_order);
	}
}

/*
 * The kernel only asks for orders it has (0 .. MAX_PAGE_ORDER) and warns
 * otherwise; we answer 0 for an order or order count we cannot compute.
 */
static bool valid(const __u64 *free, int nr_orders, int order)
{
	return free && nr_orders > 0 && nr_orders <= 64 && order >= 0 && order < nr_orders;
}

int unusable_index(const __u64 *free, int nr_orders, int order)
{
	struct contig_info info;

	if (!valid(free, nr_orders, order))
		return 0;
	fill_contig_info(free, nr_orders, order, &info);
	/* no free memory is taken as all free memory being unusable */
	if (!info.free_pages)
		return 1000;
	return (info.free_pages - (info.free_blocks_suitable << order)) * 1000ULL / info.free_pages;
}

int fragmentation_index(const __u64 *free, int nr_orders, int order)
{
	struct contig_info info;
	__u64 requested;

	if (!valid(free, nr_orders, order))
		return 0;
	requested = 1ULL << order;
	fill_contig_info(free, nr_orders, order, &info);
	if (!info.free_blocks_total)
		return 0;
	/* the index only means something when the allocation would fail */
	if (info.free_blocks_suitable)
		return -1000;
	return 1000 -
	       (int)((1000 + info.free_pages * 1000ULL / requested) / info.free_blocks_total);
}

const char *fmt_index(int index, char *buf, size_t sz)
{
	/* seq_printf(m, "%d.%03d ", ...): -1000 comes out as "-1.000" */
	snprintf(buf, sz, "%d.%03d", index / 1000, index % 1000);
	return buf;
}
