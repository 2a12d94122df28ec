/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every tracepoint record layout kmemscope reads, across kernel versions, as
 * CO-RE "flavors": libbpf drops the ___x suffix when matching the running
 * kernel's BTF, so each struct relocates its fields against the layout the
 * kernel has.
 *
 * Where two layouts exist for one event, each has its own program (see
 * kmem.bpf.c) and user space enables the one the kernel has, by looking the
 * record type up in the kernel's BTF (src/kernel/tracer_attach.c). An optional
 * field inside one layout is read behind bpf_core_field_exists(), a
 * load-time constant, so the verifier drops the branch the kernel cannot
 * take.
 *
 * Each layout names the release that introduced or removed it, and the
 * commit where its id was confirmed; "commit not confirmed" gives the
 * release only.
 */
#ifndef KMEMSCOPE_CORE_FIXES_BPF_H
#define KMEMSCOPE_CORE_FIXES_BPF_H

/* ---- kmem: kmalloc and kmem_cache_alloc -------------------------------- */

/*
 * 6.1+: kmem:kmalloc has its own class, commit 2c1d697fb8ba ("mm/slab_common:
 * drop kmem_alloc & avoid dereferencing fields when not using"). gfp_flags
 * is an unsigned long here and a gfp_t before: the CO-RE read takes the
 * size the kernel has.
 */
struct trace_event_raw_kmalloc___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	unsigned long gfp_flags;
} __attribute__((preserve_access_index));

/*
 * 6.1+: kmem:kmem_cache_alloc has its own class, same commit 2c1d697fb8ba.
 * The cache name (__data_loc_name) came later (after 6.12; commit not
 * confirmed: bpftrace's user-tools PR #25 of October 2025 calls it
 * recent), so it is read only behind bpf_core_field_exists().
 */
struct trace_event_raw_kmem_cache_alloc___x {
	unsigned long call_site;
	const void *ptr;
	__u32 __data_loc_name;
	size_t bytes_req;
	size_t bytes_alloc;
	unsigned long gfp_flags;
	bool accounted; /* 6.0+: charged to a memory cgroup */
} __attribute__((preserve_access_index));

/*
 * Before 6.1: kmalloc and kmem_cache_alloc shared the kmem_alloc class,
 * removed by commit 2c1d697fb8ba.
 */
struct trace_event_raw_kmem_alloc___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	gfp_t gfp_flags;
} __attribute__((preserve_access_index));

/*
 * Before 6.1: kmem:kmalloc_node and kmem:kmem_cache_alloc_node, class
 * kmem_alloc_node. 6.1 removed both events when the NUMA and UMA variants
 * of the tracepoints were unified (same series as 2c1d697fb8ba; commit not
 * confirmed, bcc issue #4384 and PR #4393 record the removal for 6.1).
 */
struct trace_event_raw_kmem_alloc_node___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	gfp_t gfp_flags;
	int node;
} __attribute__((preserve_access_index));

/* ---- kmem: kfree and kmem_cache_free ----------------------------------- */

/*
 * kfree used the kmem_free class (shared with kmem_cache_free until
 * kmem_cache_free got the cache name, 5.12, commit not confirmed) until
 * 6.1 gave it its own class (2c1d697fb8ba series). All of them start with
 * the common 8-byte header, then call_site and ptr, and their class names
 * differ between versions, so this layout is spelled out rather than
 * relocated: no preserve_access_index.
 */
struct trace_event_raw_kmem_free___x {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
};

/* ---- vmalloc ----------------------------------------------------------- */

/*
 * 6.4+: the vmalloc tracepoints (alloc_vmap_area, purge_vmap_area_lazy,
 * free_vmap_area_noflush) were added in 6.4 (Uladzislau Rezki's "mm:
 * vmalloc: add tracepoints"; commit not confirmed). Before 6.4 vmalloc is
 * traced by fentry or kprobe only.
 */
struct trace_event_raw_alloc_vmap_area___x {
	unsigned long addr;
	unsigned long size;
	unsigned long align;
	unsigned long vstart;
	unsigned long vend;
	int failed;
} __attribute__((preserve_access_index));

struct trace_event_raw_free_vmap_area_noflush___x {
	unsigned long va_start;
	unsigned long nr_lazy;
	unsigned long nr_lazy_max;
} __attribute__((preserve_access_index));

/* ---- page allocator (pages.bpf.c) -------------------------------------- */

/*
 * kmem:mm_page_alloc and kmem:mm_page_free: one layout in every kernel
 * kmemscope supports: order, gfp_flags and migratetype date from the page
 * allocator tracepoints of 2.6.33 (commit not confirmed).
 */
struct trace_event_raw_mm_page_alloc___x {
	unsigned int order;
	unsigned long gfp_flags;
	int migratetype;
} __attribute__((preserve_access_index));

struct trace_event_raw_mm_page_free___x {
	unsigned int order;
} __attribute__((preserve_access_index));

/*
 * kmem:mm_page_alloc_extfrag: the orders and migrate types since 2.6.33,
 * change_ownership since 3.x (releases not confirmed). Optional: user space
 * loads the program only when the tracepoint exists.
 */
struct trace_event_raw_mm_page_alloc_extfrag___x {
	int alloc_order;
	int fallback_order;
	int alloc_migratetype;
	int fallback_migratetype;
	int change_ownership;
} __attribute__((preserve_access_index));

#endif
