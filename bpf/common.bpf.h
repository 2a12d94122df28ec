/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every kmemscope BPF object has: the rare-path counters, the filter
 * of kmemscope's own events, and the stack scan that finds an allocation's
 * caller where the tracepoint does not say it (vmalloc tracepoints, page
 * allocator).
 *
 * The including object defines KMS_BPF_NR_COUNTERS (the size of its
 * counter enum) first. User space writes the settings below before load;
 * they are read-only afterwards, so the verifier knows their values and
 * loops bounded by them are checked for their real bounds.
 */
#ifndef KMEMSCOPE_COMMON_BPF_H
#define KMEMSCOPE_COMMON_BPF_H

#ifndef KMS_BPF_NR_COUNTERS
#error "define KMS_BPF_NR_COUNTERS (the object's counter enum size) before common.bpf.h"
#endif

/* kmemscope's own process: its allocations would only blur the picture */
const volatile __u32 self_tgid = 0;

/*
 * Address ranges the caller scan looks past, with their KMS_SKIP_* flags:
 * the allocator's own functions first (the common hits), then the tracing
 * machinery of the object's tracepoints (KMS_SKIP_TRACING).
 */
const volatile __u32 nr_skip = 0;
const volatile __u64 skip_start[KMS_MAX_SKIP] = {};
const volatile __u64 skip_end[KMS_MAX_SKIP] = {};
const volatile __u32 skip_flags[KMS_MAX_SKIP] = {};

/* rare paths only (drops, unmatched frees, our own events): per CPU, no atomics */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KMS_BPF_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * The stack of one event: too large for the 512-byte BPF stack, so a
 * per-CPU buffer. A program cannot nest on its CPU (the kernel skips it
 * and counts a recursion miss), so one buffer per CPU is enough.
 */
struct stack_buf {
	__u64 ip[KMS_STACK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_buf);
} scratch SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool is_self(void)
{
	return self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

/*
 * The skipped range holding ip, or -1. A global function: the verifier
 * checks it once, and the caller scan sees one unknown value per frame;
 * inlined, every frame's walk over the ranges multiplied the states of the
 * scan, and the program went past the verifier's 1M-instruction limit
 * (E2BIG at load) with 62 ranges.
 */
__noinline int skip_index(__u64 ip)
{
	for (int i = 0; i < KMS_MAX_SKIP; i++) {
		if (i >= nr_skip)
			break;
		if (ip >= skip_start[i] && ip < skip_end[i])
			return i;
	}
	return -1;
}

/* What the stack of an event says about its caller. */
struct caller {
	__u64 ip; /* 0 when unknown */
	__u32 flags; /* KMS_SKIP_* of the allocator frames passed */
	__u32 above; /* frames above the allocator's: give to bpf_get_stackid() to drop them */
};

/*
 * Innermost first, a stack seen from a tracepoint holds: the tracing
 * machinery that called this program, then the allocator's own functions,
 * then the caller. The machinery depends on who else uses the tracepoint:
 * alone, the tracepoint calls its probe directly; with a second consumer
 * (a tracefs instance, perf, bpftrace, another kmemscope) the kernel goes
 * through __traceiter_<event>, and the other consumers' programs and
 * trampolines may add more. So frames above the first allocator frame are
 * ignored whatever they are, and the caller is the first frame after the
 * allocator's. The tracing ranges of the event (KMS_SKIP_TRACING) are
 * known as well, for stacks where no allocator frame is found (no
 * symbols, or a path the list does not know): the caller is then the
 * first frame outside every range, as before the allocator ranges existed.
 */
static __always_inline void find_caller(void *ctx, struct caller *c)
{
	struct stack_buf *buf;
	__u32 zero = 0, nr, f;
	bool inside = false;
	__u64 first = 0;
	long n;
	int s;

	c->ip = 0;
	c->flags = 0;
	c->above = 0;
	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return;
	n = bpf_get_stack(ctx, buf->ip, sizeof(buf->ip), 0);
	nr = n > 0 ? (__u64)n / 8 : 0;
	for (int i = 0; i < KMS_STACK_DEPTH; i++) {
		if (i >= nr)
			break;
		s = skip_index(buf->ip[i]);
		if (s < 0) {
			if (inside) {
				c->ip = buf->ip[i];
				return;
			}
			if (!first)
				first = buf->ip[i];
			continue;
		}
		f = skip_flags[s & (KMS_MAX_SKIP - 1)];
		if (f & KMS_SKIP_TRACING)
			continue;
		if (!inside)
			c->above = i;
		inside = true;
		c->flags |= f;
	}
	/* the stack ended inside the allocator (too deep): unknown */
	c->ip = inside ? 0 : first;
}

#endif
