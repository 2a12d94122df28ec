// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the caller scan's address ranges (src/kernel/callers.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "callers.h"
#include "kmemscope.h"
#include "ksyms.h"

#define K(x) (0xffffffff81000000ULL + (x))

/* tests/data/README.md says where these come from */
#define KALLSYMS_618 "tests/data/kallsyms-6.18-vmalloc.txt"
#define KALLSYMS_APART "tests/data/kallsyms-trace-run-apart.txt"

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

static struct ksyms *load(const char *path)
{
	struct ksyms *ks = ksyms__load(path);

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
	struct ksyms *ks = load(KALLSYMS_618);
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
	struct ksyms *ks = load(KALLSYMS_APART);
	struct ranges r;

	(void)state;
	assert_int_equal(fill(ks, vm_fns, 4, &r), 0);
	assert_int_equal(r.nr, 2);
	assert_int_equal(lookup(&r, K(0x1100)), -1);
	assert_int_equal(lookup(&r, K(0x9050)), 1);
	ksyms__free(ks);
}

/* more ranges than slots: the first KMS_MAX_SKIP are kept */
static void test_capped(void **state)
{
	struct ksyms *ks = load(KALLSYMS_618);
	struct skip_fn fns[KMS_MAX_SKIP + 8];
	struct ranges r;

	(void)state;
	for (int i = 0; i < KMS_MAX_SKIP + 8; i++)
		fns[i] =
			(struct skip_fn){ i & 1 ? "__get_vm_area_node" : "alloc_vmap_area", i & 1 };
	assert_int_equal(fill(ks, fns, KMS_MAX_SKIP + 8, &r), KMS_MAX_SKIP);
	assert_int_equal(r.nr, KMS_MAX_SKIP);
	/* no room left for the tracing ranges */
	assert_int_equal(r.flags[KMS_MAX_SKIP - 1], KMS_SKIP_GUARD);
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
