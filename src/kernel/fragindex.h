/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's two fragmentation indices, computed from free block counts
 * exactly as mm/vmstat.c does (fill_contig_page_info, unusable_free_index,
 * __fragmentation_index): integers scaled by 1000, which debugfs prints as
 * "%d.%03d".
 */
#ifndef KMEMSCOPE_FRAGINDEX_H
#define KMEMSCOPE_FRAGINDEX_H

#include <stddef.h>
#include <linux/types.h>

/* Unusable free space index of order: 0 (all free memory usable) .. 1000. */
int unusable_index(const __u64 *free, int nr_orders, int order);
/* Fragmentation index of order: -1000 when a block of >= order is free, else 0 .. 1000. */
int fragmentation_index(const __u64 *free, int nr_orders, int order);
/* "%d.%03d" as debugfs prints an index; returns buf */
const char *fmt_index(int index, char *buf, size_t sz);

#endif
