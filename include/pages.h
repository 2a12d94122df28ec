/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by bpf/pages.bpf.c and src/kernel/page_tracer.c (page allocator and
 * compaction). The skipped ranges and their flags are kmemscope.h's.
 */
#ifndef KMEMSCOPE_PAGES_H
#define KMEMSCOPE_PAGES_H

#include "kmemscope.h"

#define KMS_PAGE_ORDERS 16 /* per-order arrays; larger orders fold into the last */
#define KMS_PAGE_STACK_DEPTH KMS_STACK_DEPTH

struct kms_page_key {
	__u32 order;
	__s32 migratetype;
	__u32 gfp;
	__u32 pad;
};

struct kms_page_val {
	__u64 count;
	__u64 pages;
};

/* page allocations of order >= threshold, by calling function */
struct kms_page_site_key {
	__u64 call_site;
	__u32 order;
	__s32 stack_id;
};

struct kms_extfrag_key {
	__u64 call_site;
	__s32 alloc_order;
	__s32 fallback_order;
	__s32 alloc_migratetype;
	__s32 fallback_migratetype;
	__u32 change_ownership;
	__u32 pad;
};

enum kms_page_counter {
	KMS_PG_EV_ALLOC,
	KMS_PG_EV_FREE,
	KMS_PG_EV_EXTFRAG,
	KMS_PG_COMPACT_BEGIN,
	KMS_PG_COMPACT_END,
	KMS_PG_COMPACT_TRY,
	KMS_PG_COMPACT_DEFERRED,
	KMS_PG_COMPACT_DEFER,
	KMS_PG_COMPACT_DEFER_RESET,
	KMS_PG_DROP_KEYS, /* (order, migratetype, gfp) map full */
	KMS_PG_DROP_SITES, /* caller map full */
	KMS_PG_DROP_EXTFRAG, /* extfrag map full */
	KMS_PG_DROP_STACK,
	KMS_PG_NR,
};

#endif
