// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the caller scan's address ranges (src/callers.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callers.h"
#include "kmemscope.h"
#include "ksyms.h"

#define K(x) (0xffffffff81000000ULL + (x))

/* From /proc/kallsyms of 6.18 (x86_64), KASLR offset removed. */
static const char fixture_618[] =
	"ffffffff814b8320 T bpf_trace_run1\n"
	"ffffffff814b84c0 t __pfx___bpf_trace_bpf_trace_printk\n"
	"ffffffff814b84d0 t __bpf_trace_bpf_trace_printk\n"
	"ffffffff814b84e0 T __pfx_bpf_trace_run2\n"
	"ffffffff814b84f0 T bpf_trace_run2\n"
	"ffffffff814b86a0 T __pfx_bpf_trace_run3\n"
	"ffffffff814b86b0 T bpf_trace_run3\n"
	"ffffffff814b8860 T __pfx_bpf_trace_run4\n"
	"ffffffff814b8870 T bpf_trace_run4\n"
	"ffffffff814b8a30 T __pfx_bpf_trace_run5\n"
	"ffffffff814b8a40 T bpf_trace_run5\n"
	"ffffffff814b8c10 T __pfx_bpf_trace_run6\n"
	"ffffffff814b8c20 T bpf_trace_run6\n"
	"ffffffff814b8df0 T __pfx_bpf_trace_run7\n"
	"ffffffff814b8e00 T bpf_trace_run7\n"
	"ffffffff814b8fe0 T __pfx_bpf_trace_run8\n"
	"ffffffff814b8ff0 T bpf_trace_run8\n"
	"ffffffff814b91e0 T __pfx_bpf_trace_run9\n"
	"ffffffff814b91f0 T bpf_trace_run9\n"
	"ffffffff814b93f0 T __pfx_bpf_trace_run10\n"
	"ffffffff814b9400 T bpf_trace_run10\n"
	"ffffffff814b9610 T __pfx_bpf_trace_run11\n"
	"ffffffff814b9620 T bpf_trace_run11\n"
	"ffffffff814b9830 T __pfx_bpf_trace_run12\n"
	"ffffffff814b9840 T bpf_trace_run12\n"
	"ffffffff814b9a60 T __pfx_bpf_probe_read_kernel\n"
	"ffffffff81603250 T __traceiter_alloc_vmap_area\n"
	"ffffffff816032e0 T __pfx___probestub_alloc_vmap_area\n"
	"ffffffff816032f0 T __probestub_alloc_vmap_area\n"
	"ffffffff81603300 T __pfx___traceiter_purge_vmap_area_lazy\n"
	"ffffffff816037b0 t perf_trace_alloc_vmap_area\n"
	"ffffffff816038d0 t __pfx_perf_trace_purge_vmap_area_lazy\n"
	"ffffffff81603b00 t trace_event_raw_event_alloc_vmap_area\n"
	"ffffffff81603bc0 t __pfx_trace_event_raw_event_purge_vmap_area_lazy\n"
	"ffffffff81603e90 t __bpf_trace_alloc_vmap_area\n"
	"ffffffff81603ea0 t __pfx___bpf_trace_purge_vmap_area_lazy\n"
	"ffffffff81607740 t alloc_vmap_area\n"
	"ffffffff816085c0 T __pfx_pcpu_get_vm_areas\n"
	"ffffffff8160abb0 T __get_vm_area_node\n"
	"ffffffff8160acf0 T __pfx___get_vm_area_caller\n"
	"ffffffff8160b530 T __vmalloc_node_range_noprof\n"
	"ffffffff8160bd90 T __pfx_vmalloc_huge_node_noprof\n";

static const struct skip_fn vm_fns[] = {
	{ "alloc_vmap_area", 0 },
	{ "__get_vm_area_node", KMS_SKIP_GUARD },
	{ "not_in_this_kernel", 0 },
	{ "__vmalloc_node_range_noprof", 0 },
};
static const char *const vm_tps[] = { "alloc_vmap_area" };

struct ranges {
	__u64 start[KMS_MAX_SKIP], end[KMS_MAX_SKIP];
	__u32 flags[KMS_MAX_SKIP], nr;
};

static struct ksyms *load_text(const char *text)
{
	char path[] = "/tmp/test_callers.XXXXXX";
	size_t len = strlen(text);
	struct ksyms *ks;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	ks = ksyms__load(path);
	unlink(path);
	assert_non_null(ks);
	return ks;
}

static __u32 fill(const struct ksyms *ks, const struct skip_fn *fns, size_t nfns, struct ranges *r)
{
	memset(r, 0, sizeof(*r));
	return skip_ranges_fill(ks, fns, nfns, vm_tps, 1, r->start, r->end, r->flags, &r->nr);
}

/* the range holding addr, or -1: what the BPF scan does */
static int lookup(const struct ranges *r, __u64 addr)
{
	for (__u32 i = 0; i < r->nr; i++) {
		if (addr >= r->start[i] && addr < r->end[i])
			return i;
	}
	return -1;
}

/* allocator functions first, with their flags; the machinery after them, flagged */
static void test_vmalloc_618(void **state)
{
	struct ksyms *ks = load_text(fixture_618);
	struct ranges r;
	int i;

	(void)state;
	assert_int_equal(fill(ks, vm_fns, 4, &r), 3);
	/* 3 allocator functions, 5 of the event's tracing functions, bpf_trace_run1..12 as one */
	assert_int_equal(r.nr, 3 + 5 + 1);
	assert_int_equal(r.start[0], K(0x607740));
	assert_int_equal(r.end[0], K(0x6085c0));
	assert_int_equal(r.flags[0], 0);
	assert_int_equal(r.flags[1], KMS_SKIP_GUARD);
	for (__u32 j = 3; j < r.nr; j++)
		assert_int_equal(r.flags[j], KMS_SKIP_TRACING);
	/* __traceiter_alloc_vmap_area+0x57: the frame that used to become the caller */
	i = lookup(&r, K(0x603250 + 0x57));
	assert_true(i >= 3);
	assert_int_equal(r.flags[i], KMS_SKIP_TRACING);
	/* every bpf_trace_runN and what lies between them */
	for (__u64 a = K(0x4b8320); a < K(0x4b9a60); a += 0x10)
		assert_int_equal(lookup(&r, a), (int)r.nr - 1);
	assert_int_equal(lookup(&r, K(0x4b9a60)), -1);
	/* the purge event's functions are not the alloc event's */
	assert_int_equal(lookup(&r, K(0x603300)), -1);
	ksyms__free(ks);
}

/* bpf_trace_run functions far apart: one range each */
static void test_bpf_trace_run_apart(void **state)
{
	static const char text[] = "ffffffff81001000 T bpf_trace_run1\n"
				   "ffffffff81001100 T other\n"
				   "ffffffff81009000 T bpf_trace_run2\n"
				   "ffffffff81009100 T other2\n";
	struct ksyms *ks = load_text(text);
	struct ranges r;

	(void)state;
	assert_int_equal(fill(ks, vm_fns, 4, &r), 0);
	assert_int_equal(r.nr, 2);
	assert_int_equal(lookup(&r, K(0x1100)), -1);
	assert_int_equal(lookup(&r, K(0x9050)), 1);
	ksyms__free(ks);
}

/* more functions than slots: the first KMS_MAX_SKIP are kept */
static void test_capped(void **state)
{
	struct skip_fn fns[KMS_MAX_SKIP + 8];
	char text[(KMS_MAX_SKIP + 9) * 40], names[KMS_MAX_SKIP + 8][16];
	size_t off = 0;
	struct ksyms *ks;
	struct ranges r;

	(void)state;
	for (int i = 0; i < KMS_MAX_SKIP + 8; i++) {
		snprintf(names[i], sizeof(names[i]), "fn%d", i);
		fns[i].name = names[i];
		fns[i].flags = 0;
		off += snprintf(text + off, sizeof(text) - off, "%016llx T fn%d\n",
				(unsigned long long)K(0x100 * (i + 1)), i);
	}
	snprintf(text + off, sizeof(text) - off, "%016llx T end\n",
		 (unsigned long long)K(0x100 * (KMS_MAX_SKIP + 9)));
	ks = load_text(text);
	assert_int_equal(fill(ks, fns, KMS_MAX_SKIP + 8, &r), KMS_MAX_SKIP);
	assert_int_equal(r.nr, KMS_MAX_SKIP);
	assert_int_equal(r.start[KMS_MAX_SKIP - 1], K(0x100 * KMS_MAX_SKIP));
	ksyms__free(ks);
}

/* no symbols: no ranges, and the caller says so */
static void test_no_symbols(void **state)
{
	struct ranges r;

	(void)state;
	assert_int_equal(fill(NULL, vm_fns, 4, &r), 0);
	assert_int_equal(r.nr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmalloc_618),
		cmocka_unit_test(test_bpf_trace_run_apart),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_no_symbols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
