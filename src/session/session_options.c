// SPDX-License-Identifier: GPL-2.0
/*
 * The tracing options: one table, listed by every command that traces
 * (record, top, daemon), its values into struct tracer_opts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "session_options.h"
#include "util.h"

#define TOPT(member) OPT_FIELD(struct tracer_opts, member)

static const char *const vm_mode_names[] = { "auto", "fentry", "kprobe", "tracepoint", NULL };
static const char *const kmem_mode_names[] = { "auto", "raw", "tracepoint", NULL };
static const char *const bulk_mode_names[] = { "auto", "fentry", "kprobe", "off", NULL };

int parse_allocators(const char *list, struct tracer_opts *o)
{
	char buf[128], *tok, *save = NULL;

	if (!list || !*list || strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	o->kmalloc = o->cache = o->vmalloc = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "kmalloc"))
			o->kmalloc = true;
		else if (!strcmp(tok, "cache") || !strcmp(tok, "kmem_cache"))
			o->cache = true;
		else if (!strcmp(tok, "vmalloc"))
			o->vmalloc = true;
		else
			return -EINVAL;
	}
	return o->kmalloc || o->cache || o->vmalloc ? 0 : -EINVAL;
}

static bool set_allocators(const char *s, void *topts)
{
	return !parse_allocators(s, topts);
}

static const char *format_allocators(const void *topts, char *buf, size_t sz)
{
	const struct tracer_opts *o = topts;

	snprintf(buf, sz, "%s%s%s", o->kmalloc ? "kmalloc," : "", o->cache ? "cache," : "",
		 o->vmalloc ? "vmalloc," : "");
	if (*buf)
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static const char *const by_names[] = { "none", "comm", "cgroup", NULL };

/* "1234,5678": at most KMS_MAX_FILTER_PIDS process ids ("" in a config file: none) */
int parse_pids(const char *list, struct tracer_opts *o)
{
	char buf[256], *tok, *save = NULL;
	__u64 v;

	if (!list || strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	o->nr_filter_pids = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_filter_pids == KMS_MAX_FILTER_PIDS || !parse_u64(tok, 1, 0x3fffffff, &v))
			return -EINVAL;
		o->filter_pids[o->nr_filter_pids++] = v;
	}
	return 0;
}

static bool set_pids(const char *s, void *topts)
{
	return !parse_pids(s, topts);
}

static const char *format_pids(const void *topts, char *buf, size_t sz)
{
	const struct tracer_opts *o = topts;
	size_t n = 0;

	buf[0] = '\0';
	for (__u32 i = 0; i < o->nr_filter_pids && n < sz; i++)
		n += snprintf(buf + n, sz - n, "%s%u", i ? "," : "", o->filter_pids[i]);
	return buf;
}

/* a task name (up to 15 characters, the kernel's TASK_COMM_LEN - 1), or a prefix and '*' */
static bool set_comm(const char *s, void *field)
{
	size_t n = strlen(s), star = n && s[n - 1] == '*';

	if (n - star >= KMS_COMM_LEN || memchr(s, '*', n - star))
		return false;
	strcpy(field, s);
	return true;
}

/* an absolute path into the tracer options' char array ("": no filter) */
static bool set_cgroup(const char *s, void *field)
{
	if (*s && (s[0] != '/' || strlen(s) >= sizeof(((struct tracer_opts *)0)->filter_cgroup)))
		return false;
	strcpy(field, s);
	return true;
}

static const char *format_string(const void *field, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s", (const char *)field);
	return buf;
}

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec specs[] = {
	{ "allocators", 'a', "allocators", OT_CUSTOM, OF_TOPTS | OF_REATTACH, 0,
	  sizeof(struct tracer_opts), 0, 0, "kmalloc,cache,vmalloc", "LIST",
	  "allocators to trace: a comma list of kmalloc, cache (kmem_cache), vmalloc",
	  "expected a comma list of kmalloc, cache, vmalloc", NULL, set_allocators, NULL, NULL,
	  format_allocators },
	{ "vmalloc-mode", 0, "vmalloc_mode", OT_ENUM, OF_TOPTS | OF_REATTACH, TOPT(vm_mode), 0, 0,
	  "auto", "M",
	  "how vmalloc is traced: auto (fentry, else kprobe, else tracepoint), fentry, "
	  "kprobe or tracepoint",
	  NULL, vm_mode_names },
	{ "kmem-mode", 0, "kmem_mode", OT_ENUM, OF_TOPTS | OF_REATTACH, TOPT(kmem_mode), 0, 0,
	  "auto", "M",
	  "how kmalloc and kmem_cache are traced: auto (raw tracepoints when the "
	  "kernel's prototypes match, else tracepoints), raw (raw tracepoints or "
	  "nothing) or tracepoint",
	  NULL, kmem_mode_names },
	{ "bulk-free-mode", 0, "bulk_free_mode", OT_ENUM, OF_TOPTS | OF_REATTACH, TOPT(bulk_mode),
	  0, 0, "auto", "M",
	  "how bulk frees (kmem_cache_free_bulk: kfree_bulk, kfree_rcu's batches) are "
	  "matched: auto (fentry, else kprobe, else off), fentry, kprobe or off (then "
	  "their objects count as freed only when their address is handed out again)",
	  NULL, bulk_mode_names },
	{ "live-entries", 0, "live_entries", OT_UINT, OF_TOPTS | OF_REATTACH | OF_AUTO,
	  TOPT(live_entries), 1, 1U << 26, "auto", "N",
	  "live objects tracked for matching frees and lifetimes, at most (the table's slots, "
	  "32 bytes of kernel memory each, rounded up to a power of two); auto: one per 16 KiB "
	  "of MemTotal plus 32768 per CPU, within 262144 .. 4194304 (8 .. 128 MiB). Objects "
	  "beyond are counted per site as live_untracked and LIVE is shown as a lower bound" },
	{ "life-sample", 0, "life_sample", OT_UINT, OF_TOPTS | OF_REATTACH | OF_POW2,
	  TOPT(life_sample), 1, 65536, "16", "N",
	  "measure the lifetime of 1 allocation in N per site and CPU (1 = every "
	  "object)" },
	{ "stack-sample", 0, "stack_sample", OT_UINT, OF_TOPTS | OF_REATTACH | OF_POW2,
	  TOPT(stack_sample), 0, 1U << 24, "128", "N",
	  "take the kernel stack of 1 kmalloc/kmem_cache allocation in N per site and CPU (a "
	  "power of two; scaled to the site's exact counts in report --folded and top; 0 = off; "
	  "vmalloc sites always have their stacks)" },
	{ "site-entries", 0, "site_entries", OT_UINT, OF_TOPTS | OF_REATTACH, TOPT(site_entries), 1,
	  1U << 22, "16384", "N", "distinct (call site, GFP flags, cache) keys in the kernel" },
	{ "no-live", 0, "track_live", OT_FLAG, OF_TOPTS | OF_REATTACH | OF_NEGATE, TOPT(track_live),
	  0, 0, "yes", NULL,
	  "do not match frees to allocations (cheaper; no lifetimes, no live bytes)", NULL, NULL,
	  NULL, NULL, "match frees to allocations (lifetimes, live bytes); no is cheaper" },
	{ "ringbuf-size", 0, "ringbuf_size", OT_BYTES,
	  OF_TOPTS | OF_REATTACH | OF_POW2 | OF_PAGE_MULT, TOPT(ringbuf_size), 4096, 1U << 30,
	  "256K", "B", "ring buffer for allocation failure records" },
	{ "raw-addresses", 0, "raw_addresses", OT_FLAG, OF_TOPTS | OF_REATTACH, TOPT(raw_addresses),
	  0, 0, "no", NULL,
	  "show unsymbolizable call sites as raw kernel addresses (they reveal the "
	  "KASLR offset; default: [unknown])" },
	{ "pages", 0, "pages", OT_FLAG, OF_TOPTS | OF_REATTACH, TOPT(pages), 0, 0, "no", NULL,
	  "also trace the page allocator (mm_page_alloc/free, extfrag fallbacks, "
	  "compaction); it fires on every page fault" },
	/* orders above the kernel's MAX_PAGE_ORDER (10 by default) never occur:
		 * a threshold above it would trace nothing */
	{ "page-order", 0, "page_order_threshold", OT_UINT, OF_TOPTS | OF_REATTACH,
	  TOPT(page_order), 0, 10, "1", "N",
	  "attribute page allocations of order >= N to their callers (with pages; 0 = "
	  "all, expensive; 3 is the kernel's costly order)" },
	{ "no-frag", 0, "frag", OT_FLAG, OF_TOPTS | OF_REATTACH | OF_NEGATE, TOPT(frag), 0, 0,
	  "yes", NULL,
	  "no fragmentation view: no buddyinfo, vmstat, meminfo, pagetypeinfo and "
	  "slabinfo snapshots",
	  NULL, NULL, NULL, NULL,
	  "fragmentation view: /proc/buddyinfo, vmstat, meminfo every interval, pagetypeinfo and "
	  "slabinfo every pagetype_period" },
	{ "corr-window", 0, "corr_window", OT_UINT, OF_TOPTS | OF_REATTACH, TOPT(corr_window), 3,
	  100000, "60", "N",
	  "correlation of callers' activity with fragmentation: the sliding window, in "
	  "intervals" },
	{ "pid", 0, "pid", OT_CUSTOM, OF_TOPTS | OF_REATTACH, 0, sizeof(struct tracer_opts), 0, 0,
	  "", "PID[,PID...]",
	  "trace only the allocations of these processes (thread group ids; frees are matched "
	  "whoever frees)",
	  "expected a comma list of at most 16 process ids", NULL, set_pids, NULL, NULL,
	  format_pids },
	{ "comm", 0, "comm", OT_CUSTOM, OF_TOPTS | OF_REATTACH, TOPT(filter_comm), 0, 0, "", "NAME",
	  "trace only the allocations of tasks named NAME (exact), or whose name starts with "
	  "NAME when it ends in '*'",
	  "expected a task name of at most 15 characters, or a prefix and '*'", NULL, set_comm,
	  NULL, NULL, format_string },
	{ "cgroup", 0, "cgroup", OT_CUSTOM, OF_TOPTS | OF_REATTACH, TOPT(filter_cgroup), 0, 0, "",
	  "PATH",
	  "trace only the allocations of tasks in this cgroup v2 directory or below it "
	  "(an absolute path under the cgroup2 mount)",
	  "expected an absolute path of a cgroup v2 directory", NULL, set_cgroup, NULL, NULL,
	  format_string },
	{ "by", 0, "by", OT_ENUM, OF_TOPTS | OF_REATTACH, TOPT(by), 0, 0, "none", "KEY",
	  "split each call site by the allocating task's comm or cgroup (v2 path): none, comm "
	  "or cgroup",
	  NULL, by_names },
	{ "by-max", 0, "by_max", OT_UINT, OF_TOPTS | OF_REATTACH, TOPT(by_max), 1, 65536, "64", "N",
	  "with --by: distinct comms or cgroups kept apart, at most; the allocations of the "
	  "others are counted in one \"other\" row" },
	{ "corr-lag", 0, "corr_lag", OT_UINT, OF_TOPTS | OF_REATTACH, TOPT(corr_lag), 0, 1000, "5",
	  "K",
	  "look for fragmentation changes 0..K intervals after the activity (K < "
	  "the window)" },
};
#pragma GCC diagnostic pop

const struct opt_table session_tracing_table = OPT_TABLE(specs);

__u32 tracing_period_intervals(double period, double interval)
{
	double n = period / interval + 0.5;

	return n >= 1 ? (__u32)n : 1;
}

int tracing_parse_cli(const struct opt_command *c, int argc, char **argv, const struct opt_dest *d)
{
	int rc;

	*(struct tracer_opts *)d->topts = tracer_defaults;
	opt_defaults(c, d);
	rc = opt_parse_cli(c, argc, argv, d, NULL, NULL);
	if (rc)
		return rc;
	if (optind < argc)
		return opt_usage_error(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int tracing_finish(const struct opt_command *c, struct tracer_opts *o, double period,
		   double interval)
{
	if (o->corr_lag >= o->corr_window)
		return opt_usage_error(
			c, "invalid --corr-lag %u: must be smaller than --corr-window %u",
			o->corr_lag, o->corr_window);
	o->pagetype_period = tracing_period_intervals(period, interval);
	return 0;
}
