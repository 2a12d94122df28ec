/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint record layouts across kernel versions, as CO-RE "flavors":
 * the ___x suffix is dropped by libbpf when matching the running kernel's
 * BTF, so each struct below relocates against whichever layout exists.
 * Which one to use is decided with bpf_core_type_exists() (a load-time
 * constant, so the unused branch is removed by the verifier).
 */
#ifndef KMEMSCOPE_CORE_FIXES_BPF_H
#define KMEMSCOPE_CORE_FIXES_BPF_H

/* 6.1+: kmem:kmalloc has its own class (and no longer a _node twin) */
struct trace_event_raw_kmalloc___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	unsigned long gfp_flags;
} __attribute__((preserve_access_index));

/*
 * 6.1+: kmem:kmem_cache_alloc has its own class; the cache name is a later
 * addition (6.1 has the class without it), so it is read only when
 * bpf_core_field_exists() says so
 */
struct trace_event_raw_kmem_cache_alloc___x {
	unsigned long call_site;
	const void *ptr;
	__u32 __data_loc_name;
	size_t bytes_req;
	size_t bytes_alloc;
	unsigned long gfp_flags;
} __attribute__((preserve_access_index));

/* before 6.1: kmalloc and kmem_cache_alloc shared the kmem_alloc class */
struct trace_event_raw_kmem_alloc___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	gfp_t gfp_flags;
} __attribute__((preserve_access_index));

/* before 6.1: kmalloc_node and kmem_cache_alloc_node */
struct trace_event_raw_kmem_alloc_node___x {
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req;
	size_t bytes_alloc;
	gfp_t gfp_flags;
	int node;
} __attribute__((preserve_access_index));

/*
 * Frees: kfree (kmem_free class before 6.1, kfree after) and
 * kmem_cache_free (with or without a cache name) all start with the common
 * 8-byte header, then call_site and ptr. Their class names differ between
 * versions, so this layout is spelled out rather than relocated.
 */
struct trace_event_raw_kmem_free___x {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
};

/* vmalloc tracepoints (6.4+) */
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

#endif
