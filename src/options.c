// SPDX-License-Identifier: GPL-2.0
/*
 * The one table of options and configuration keys, and everything derived
 * from it: getopt_long tables, value parsing and range checks, --help, the
 * config file's keys, the reload diff and the man page's lists.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "env.h"
#include "options.h"
#include "report.h"
#include "report_rank.h"
#include "top_view.h"
#include "util.h"

#define FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)
#define TOPT(member) FIELD(struct tracer_opts, member)
#define REC(member) FIELD(struct record_env, member)
#define TOP(member) FIELD(struct top_args, member)
#define CFG(member) FIELD(struct daemon_config, member)
#define RPT(member) FIELD(struct report_args, member)
#define STS(member) FIELD(struct status_args, member)
#define DMN(member) FIELD(struct daemon_args, member)

static const char *const vm_mode_names[] = { "auto", "fentry", "kprobe", "tracepoint", NULL };
static const char *const kmem_mode_names[] = { "auto", "raw", "tracepoint", NULL };
static const char *const bulk_mode_names[] = { "auto", "fentry", "kprobe", "off", NULL };
static const char *const format_names[] = { "text", "json", NULL };
static const char *const weight_names[] = { "bytes", "count", NULL };
const char *const opt_status_commands[] = { "status", "state", "snapshot", NULL };

static bool parse_record_sort(const char *s, void *field)
{
	return !sort_key_parse(s, field);
}

static bool parse_report_sort(const char *s, void *field)
{
	enum rp_sort k;

	if (rp_sort_parse(s, &k))
		return false;
	*(int *)field = k;
	return true;
}

/* top's columns: a key letter of the view, or the column's word */
static bool parse_top_sort(const char *s, void *field)
{
	static const char *const words[COL_NR] = {
		[COL_CALLER] = "caller",   [COL_KIND] = "kind",	  [COL_ALLOCS] = "allocs",
		[COL_BYTES] = "bytes",	   [COL_LIVE] = "live",	  [COL_LIVE_BYTES] = "live_bytes",
		[COL_AVG_REQ] = "avg_req", [COL_SLACK] = "slack", [COL_PINGPONG] = "pingpong",
		[COL_GFP] = "gfp",
	};
	int col = strlen(s) == 1 ? top_col_for_key(s[0]) : -1;

	for (int i = 0; col < 0 && i < COL_NR; i++)
		if (!strcmp(s, words[i]))
			col = i;
	if (col < 0)
		return false;
	*(int *)field = col;
	return true;
}

static bool parse_kind(const char *s, void *field)
{
	static const char *const kinds[] = { "kmalloc", "kmem_cache", "cache", "vmalloc" };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(s, kinds[i])) {
			*(const char **)field = s;
			return true;
		}
	}
	return false;
}

static bool parse_time(const char *s, void *field)
{
	return rp_parse_time(s, now_real_ns(), field);
}

/*
 * The table. An option several commands take with different defaults (the
 * daemon's interval is 10s, record's 1s) has one entry per command; the
 * unit test checks that such entries agree in everything else.
 */
/* the trailing fields (expect, names, parse, alias_of) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct opt_spec opt_specs[] = {
	/* record */
	{ "duration", 'd', NULL, OT_DURATION, OC_RECORD, 0, REC(duration), 0.001, 31536000, NULL,
	  "SEC", "stop after SEC seconds (suffix s, m, h, d; default: until Ctrl-C)" },
	{ "interval", 'i', NULL, OT_DURATION, OC_RECORD, 0, REC(interval), 0.01, 86400, "1", "SEC",
	  "read the kernel maps every SEC seconds; one export interval each" },
	{ "output", 'o', NULL, OT_FILE, OC_RECORD, 0, REC(output), 0, 0, NULL, "FILE",
	  "also write NDJSON records to FILE ('-': stdout; gzip if it ends in .gz); created "
	  "mode 0600" },
	{ "sort", 's', NULL, OT_CUSTOM, OC_RECORD, 0, REC(sort), 0, 0, "bytes", "KEY",
	  "sort by bytes, allocs, slack, frag, live or pingpong",
	  "expected bytes, allocs, slack, frag, live or pingpong", NULL, parse_record_sort },
	{ "top", 'n', NULL, OT_UINT, OC_RECORD, 0, REC(top), 0, 1000000, "20", "N",
	  "rows in the table, 0 = all", "expected a number of rows, 0 for all" },
	{ "pagetype-period", 0, NULL, OT_DURATION, OC_RECORD, OF_REATTACH, REC(pagetype_period), 1,
	  86400, "10", "SEC",
	  "read /proc/pagetypeinfo and slabinfo every SEC seconds (at least one interval; it "
	  "takes the zone lock)" },
	/* top */
	{ "interval", 'i', NULL, OT_DURATION, OC_TOP, 0, TOP(interval), 0.01, 86400, "1", "SEC",
	  "refresh every SEC seconds" },
	{ "delay", 0, NULL, OT_DURATION, OC_TOP, OF_HIDDEN, TOP(interval), 0.01, 86400, NULL, "SEC",
	  "refresh every SEC seconds", NULL, NULL, NULL, "interval" },
	{ "pagetype-period", 0, NULL, OT_DURATION, OC_TOP, OF_REATTACH, TOP(pagetype_period), 1,
	  86400, "10", "SEC",
	  "read /proc/pagetypeinfo and slabinfo every SEC seconds (at least one interval; it "
	  "takes the zone lock)" },
	{ "once", 0, NULL, OT_FLAG, OC_TOP, 0, TOP(once), 0, 0, NULL, NULL,
	  "print one screen to stdout and exit (for scripts)" },
	{ "sort", 's', NULL, OT_CUSTOM, OC_TOP, 0, TOP(sort), 0, 0, "bytes", "KEY",
	  "initial sort: a sort key letter (see '?' in the view) or caller, kind, allocs, bytes, "
	  "live, live_bytes, avg_req, slack, pingpong, gfp",
	  "expected a key letter or caller, kind, allocs, bytes, live, live_bytes, avg_req, slack, "
	  "pingpong, gfp",
	  NULL, parse_top_sort },
	{ "standalone", 0, NULL, OT_FLAG, OC_TOP, 0, TOP(standalone), 0, 0, NULL, NULL,
	  "always trace with our own BPF programs" },
	{ "socket", 0, NULL, OT_STRING, OC_TOP, 0, TOP(socket), 0, 107, NULL, "PATH",
	  "always read the daemon at PATH (default $KMEMSCOPE_SOCKET, else the daemon's "
	  "control socket)",
	  "expected a path of at most 107 bytes" },
	/* daemon: command line */
	{ "config", 'c', NULL, OT_STRING, OC_DAEMON, 0, DMN(config), 0, PATH_MAX - 1, NULL, "FILE",
	  "configuration file (default $CONFIGURATION_DIRECTORY/kmemscope.conf or "
	  "/etc/kmemscope/kmemscope.conf; built-in defaults if absent)",
	  "expected a file name" },
	{ "check-config", 0, NULL, OT_STRING, OC_DAEMON, 0, DMN(check), 0, 0, NULL, "FILE",
	  "validate FILE and exit (0 valid, 2 invalid)" },
	{ "state-dir", 0, NULL, OT_STRING, OC_DAEMON, OF_ABSOLUTE, DMN(state_dir), 0,
	  PATH_MAX - 128, NULL, "DIR",
	  "segments go to DIR (default: export_dir, else $STATE_DIRECTORY, else "
	  "/var/lib/kmemscope)",
	  "expected an absolute directory path" },
	{ "socket", 0, NULL, OT_STRING, OC_DAEMON, 0, DMN(socket), 0, 107, NULL, "PATH",
	  "control socket (default $RUNTIME_DIRECTORY/control.sock, else "
	  "/run/kmemscope/control.sock)",
	  "expected a path of at most 107 bytes" },
	/* daemon: command line and config file; the command line wins, also on reload */
	{ "interval", 'i', "interval", OT_DURATION, OC_DAEMON | OC_CONFIG, 0, CFG(interval), 0.01,
	  86400, "10", "SEC", "seconds between interval records (reads of the kernel maps)" },
	{ "pagetype-period", 0, "pagetype_period", OT_DURATION, OC_DAEMON | OC_CONFIG, OF_REATTACH,
	  CFG(pagetype_period), 1, 86400, "60", "SEC",
	  "seconds between /proc/pagetypeinfo and slabinfo snapshots; at least `interval`" },
	{ "top-sites", 0, "top_sites", OT_UINT, OC_DAEMON | OC_CONFIG, 0, CFG(top_sites), 0,
	  1000000, "100", "N",
	  "site records per interval, the biggest by bytes allocated (0 = every active site)",
	  "expected a number of sites, 0 for all" },
	{ "export-dir", 0, "export_dir", OT_PATH, OC_DAEMON | OC_CONFIG, OF_EMPTY_OK,
	  CFG(export_dir), 0, 0, "", "DIR",
	  "where segments go; empty: $STATE_DIRECTORY (/var/lib/kmemscope under systemd); "
	  "changes take effect at the next restart",
	  "expected an absolute directory path" },
	{ "rotate-size", 0, "rotate_size", OT_BYTES, OC_DAEMON | OC_CONFIG, 0, CFG(rotate_bytes),
	  4096, 1ULL << 40, "16M", "B", "start a new segment at this compressed size" },
	{ "rotate-age", 0, "rotate_age", OT_DURATION, OC_DAEMON | OC_CONFIG, 0, CFG(rotate_age), 1,
	  365 * 86400, "1h", "SEC", "... or when the segment is this old" },
	{ "retain-segments", 0, "retain_segments", OT_UINT, OC_DAEMON | OC_CONFIG, 0,
	  CFG(retain_segments), 2, 1000000, "168", "N",
	  "keep at most this many segments, the open one included" },
	{ "retain-bytes", 0, "retain_bytes", OT_BYTES, OC_DAEMON | OC_CONFIG, 0, CFG(retain_bytes),
	  8192, 1ULL << 50, "1G", "B",
	  "... and at most this many bytes of them; at least twice rotate_size" },
	{ "queue-limit", 0, "queue_limit", OT_BYTES, OC_DAEMON | OC_CONFIG, 0, CFG(queue_limit),
	  65536, 4ULL << 30, "64M", "B",
	  "bytes of records held in memory while writes fail (later intervals are then not "
	  "kept)" },
	{ "prom-textfile", 0, "prom_textfile", OT_PATH, OC_DAEMON | OC_CONFIG, OF_EMPTY_OK,
	  CFG(prom_textfile), 0, 0, "", "PATH",
	  "also write Prometheus metrics to PATH every interval (node_exporter's textfile "
	  "collector; empty: off)",
	  "expected an absolute file path, or empty for none" },
	/* every tracing command, into struct tracer_opts */
	{ "allocators", 'a', "allocators", OT_ALLOCATORS, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, 0, 0, 0, 0, "kmalloc,cache,vmalloc", "LIST",
	  "allocators to trace: a comma list of kmalloc, cache (kmem_cache), vmalloc" },
	{ "vmalloc-mode", 0, "vmalloc_mode", OT_ENUM, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(vm_mode), 0, 0, "auto", "M",
	  "how vmalloc is traced: auto (fentry, else kprobe, else tracepoint), fentry, "
	  "kprobe or tracepoint",
	  NULL, vm_mode_names },
	{ "kmem-mode", 0, "kmem_mode", OT_ENUM, OC_TRACING | OC_CONFIG, OF_TOPTS | OF_REATTACH,
	  TOPT(kmem_mode), 0, 0, "auto", "M",
	  "how kmalloc and kmem_cache are traced: auto (raw tracepoints when the "
	  "kernel's prototypes match, else tracepoints), raw (raw tracepoints or "
	  "nothing) or tracepoint",
	  NULL, kmem_mode_names },
	{ "bulk-free-mode", 0, "bulk_free_mode", OT_ENUM, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(bulk_mode), 0, 0, "auto", "M",
	  "how bulk frees (kmem_cache_free_bulk: kfree_bulk, kfree_rcu's batches) are "
	  "matched: auto (fentry, else kprobe, else off), fentry, kprobe or off (then "
	  "their objects count as freed only when their address is handed out again)",
	  NULL, bulk_mode_names },
	{ "live-entries", 0, "live_entries", OT_UINT, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(live_entries), 1, 1U << 26, "131072", "N",
	  "live objects tracked for matching frees and lifetimes; objects beyond are "
	  "counted as live_full drops" },
	{ "life-sample", 0, "life_sample", OT_UINT, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH | OF_POW2, TOPT(life_sample), 1, 65536, "16", "N",
	  "measure the lifetime of 1 allocation in N per site and CPU (1 = every "
	  "object)" },
	{ "site-entries", 0, "site_entries", OT_UINT, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(site_entries), 1, 1U << 22, "16384", "N",
	  "distinct (call site, GFP flags, cache) keys in the kernel" },
	{ "no-live", 0, "track_live", OT_FLAG, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH | OF_NEGATE, TOPT(track_live), 0, 0, "yes", NULL,
	  "do not match frees to allocations (cheaper; no lifetimes, no live bytes)", NULL, NULL,
	  NULL, NULL, "match frees to allocations (lifetimes, live bytes); no is cheaper" },
	{ "ringbuf-size", 0, "ringbuf_size", OT_BYTES, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH | OF_POW2 | OF_PAGE_MULT, TOPT(ringbuf_size), 4096, 1U << 30,
	  "256K", "B", "ring buffer for allocation failure records" },
	{ "raw-addresses", 0, "raw_addresses", OT_FLAG, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(raw_addresses), 0, 0, "no", NULL,
	  "show unsymbolizable call sites as raw kernel addresses (they reveal the "
	  "KASLR offset; default: [unknown])" },
	{ "pages", 0, "pages", OT_FLAG, OC_TRACING | OC_CONFIG, OF_TOPTS | OF_REATTACH, TOPT(pages),
	  0, 0, "no", NULL,
	  "also trace the page allocator (mm_page_alloc/free, extfrag fallbacks, "
	  "compaction); it fires on every page fault" },
	/* orders above the kernel's MAX_PAGE_ORDER (10 by default) never occur:
		 * a threshold above it would trace nothing */
	{ "page-order", 0, "page_order_threshold", OT_UINT, OC_TRACING | OC_CONFIG,
	  OF_TOPTS | OF_REATTACH, TOPT(page_order), 0, 10, "1", "N",
	  "attribute page allocations of order >= N to their callers (with pages; 0 = "
	  "all, expensive; 3 is the kernel's costly order)" },
	{ "no-frag", 0, "frag", OT_FLAG, OC_TRACING | OC_CONFIG, OF_TOPTS | OF_REATTACH | OF_NEGATE,
	  TOPT(frag), 0, 0, "yes", NULL,
	  "no fragmentation view: no buddyinfo, vmstat, meminfo, pagetypeinfo and "
	  "slabinfo snapshots",
	  NULL, NULL, NULL, NULL,
	  "fragmentation view: /proc/buddyinfo, vmstat, meminfo every interval, pagetypeinfo and "
	  "slabinfo every pagetype_period" },
	{ "corr-window", 0, "corr_window", OT_UINT, OC_TRACING | OC_CONFIG, OF_TOPTS | OF_REATTACH,
	  TOPT(corr_window), 3, 100000, "60", "N",
	  "correlation of callers' activity with fragmentation: the sliding window, in "
	  "intervals" },
	{ "corr-lag", 0, "corr_lag", OT_UINT, OC_TRACING | OC_CONFIG, OF_TOPTS | OF_REATTACH,
	  TOPT(corr_lag), 0, 1000, "5", "K",
	  "look for fragmentation changes 0..K intervals after the activity (K < "
	  "the window)" },
	/* report */
	{ "sort", 's', NULL, OT_CUSTOM, OC_REPORT, 0, RPT(sort), 0, 0, "bytes", "KEY",
	  "bytes, allocs, slack, frag, live, pingpong, gfp (gfp: most distinct GFP "
	  "combinations)",
	  "expected bytes, allocs, slack, frag, live, pingpong or gfp", NULL, parse_report_sort },
	{ "top", 'n', NULL, OT_UINT, OC_REPORT, 0, RPT(top), 0, 1000000, "20", "N",
	  "rows per table, 0 = all", "expected a number of rows, 0 for all" },
	{ "kind", 'k', NULL, OT_CUSTOM, OC_REPORT, 0, RPT(kind), 0, 0, NULL, "KIND",
	  "only kmalloc, kmem_cache (or cache) or vmalloc sites",
	  "expected kmalloc, kmem_cache or vmalloc", NULL, parse_kind },
	{ "caller", 0, NULL, OT_STRING, OC_REPORT, 0, RPT(caller), 0, 0, NULL, "PATTERN",
	  "only sites whose caller or site matches the glob PATTERN (a substring when it has no "
	  "* ? [)",
	  "expected a pattern" },
	{ "since", 0, NULL, OT_CUSTOM, OC_REPORT, 0, RPT(since_ns), 0, 0, NULL, "TIME",
	  "only intervals that ended at or after TIME: 2026-11-22T04:10:00Z (UTC), "
	  "@EPOCH_SECONDS, or -30s/-10m/-2h/-1d (ago)",
	  "expected 2026-11-22T04:10:00Z, @EPOCH or -10m", NULL, parse_time },
	{ "until", 0, NULL, OT_CUSTOM, OC_REPORT, 0, RPT(until_ns), 0, 0, NULL, "TIME",
	  "... at or before TIME", "expected 2026-11-22T04:10:00Z, @EPOCH or -10m", NULL,
	  parse_time },
	{ "format", 'f', NULL, OT_ENUM, OC_REPORT, 0, RPT(format), 0, 0, "text", "FMT",
	  "text or json", NULL, format_names },
	{ "html", 0, NULL, OT_FILE, OC_REPORT, 0, RPT(html), 0, 0, NULL, "FILE",
	  "write a self-contained HTML report with charts to FILE ('-': stdout)" },
	{ "folded", 0, NULL, OT_FLAG, OC_REPORT, 0, RPT(folded), 0, 0, NULL, NULL,
	  "print allocation stacks in folded format (FlameGraph, speedscope) instead of the "
	  "report" },
	{ "weight", 0, NULL, OT_ENUM, OC_REPORT, 0, RPT(weight), 0, 0, "bytes", "W",
	  "folded stack weight: bytes or count", NULL, weight_names },
	{ "strict", 0, NULL, OT_FLAG, OC_REPORT, 0, RPT(strict), 0, 0, NULL, NULL,
	  "any bad input is an error (default: skip it, warn)" },
	/* status */
	{ "socket", 0, NULL, OT_STRING, OC_STATUS, 0, STS(socket), 0, 107, NULL, "PATH",
	  "control socket (default $RUNTIME_DIRECTORY/control.sock, else "
	  "/run/kmemscope/control.sock)",
	  "expected a path of at most 107 bytes" },
	{ "json", 'j', NULL, OT_FLAG, OC_STATUS, 0, STS(json), 0, 0, NULL, NULL,
	  "print the daemon's reply as it is (JSON)" },
	{ "command", 0, NULL, OT_ENUM, OC_STATUS, 0, STS(command), 0, 0, "status", "CMD",
	  "send another command: state, snapshot", NULL, opt_status_commands },
	/* common */
	{ "verbose", 'v', NULL, OT_COUNT, OC_RECORD | OC_DAEMON, 0, 0, 0, 0, 0, NULL, NULL,
	  "more messages on stderr (attach modes, progress; twice: libbpf's too)" },
	{ "help", 'h', NULL, OT_HELP, OC_TRACING | OC_REPORT | OC_STATUS, 0, 0, 0, 0, 0, NULL, NULL,
	  "this help" },
};
#pragma GCC diagnostic pop

const size_t opt_nr_specs = ARRAY_SIZE(opt_specs);

const char *opt_cmd_name(unsigned cmd)
{
	static const char *const names[] = { "record", "top", "daemon", "report", "status" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (cmd == 1U << i)
			return names[i];
	return "?";
}

static void *field(const struct opt_spec *s, const struct opt_dest *d)
{
	char *base = s->flags & OF_TOPTS ? (char *)d->topts : s->key ? d->cfg : d->cmd;

	return base ? base + s->off : NULL;
}

static void store_uint(void *f, size_t size, __u64 v)
{
	if (size == 1)
		*(bool *)f = v;
	else if (size == 4)
		*(__u32 *)f = v;
	else
		*(__u64 *)f = v;
}

static __u64 load_uint(const void *f, size_t size)
{
	if (size == 1)
		return *(const bool *)f;
	return size == 4 ? *(const __u32 *)f : *(const __u64 *)f;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]))
			return *out = true;
		if (!strcmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool check_uint(const struct opt_spec *s, __u64 v)
{
	if (v < s->min || v > s->max)
		return false;
	if ((s->flags & OF_POW2) && (v & (v - 1)))
		return false;
	return !(s->flags & OF_PAGE_MULT) || !(v % sysconf(_SC_PAGESIZE));
}

static bool set_enum(const struct opt_spec *s, const char *val, void *f)
{
	for (int i = 0; s->names[i]; i++) {
		if (!strcmp(val, s->names[i])) {
			store_uint(f, s->size, i);
			return true;
		}
	}
	return false;
}

bool opt_set(const struct opt_spec *s, const char *val, const struct opt_dest *d)
{
	void *f = field(s, d);
	__u64 u;
	bool b;

	if (!f || !val)
		return false;
	switch (s->type) {
	case OT_FLAG:
		if (!parse_bool(val, &b))
			return false;
		*(bool *)f = b;
		return true;
	case OT_UINT:
		if (!parse_u64(val, 0, ~0ULL, &u) || !check_uint(s, u))
			return false;
		store_uint(f, s->size, u);
		return true;
	case OT_BYTES:
		if (!parse_bytes(val, 0, ~0ULL, &u) || !check_uint(s, u))
			return false;
		store_uint(f, s->size, u);
		return true;
	case OT_DURATION:
		return parse_duration(val, s->min, s->max, f);
	case OT_ENUM:
		return set_enum(s, val, f);
	case OT_ALLOCATORS:
		return !parse_allocators(val, d->topts);
	case OT_PATH:
		if (!*val && (s->flags & OF_EMPTY_OK)) {
			*(char *)f = '\0';
			return true;
		}
		/* absolute: the daemon runs with / as its working directory */
		if (val[0] != '/' || strlen(val) >= s->size)
			return false;
		strcpy(f, val);
		return true;
	case OT_FILE:
	case OT_STRING:
		if (!*val || (s->max && strlen(val) > s->max))
			return false;
		if ((s->flags & OF_ABSOLUTE) && val[0] != '/')
			return false;
		*(const char **)f = val;
		return true;
	case OT_CUSTOM:
		return s->parse(val, f);
	case OT_COUNT:
	case OT_HELP:
		break;
	}
	return false;
}

static const char *join_names(const char *const *names, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && n < sz; i++)
		n += snprintf(buf + n, sz - n, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
			      names[i]);
	return buf;
}

/* v in the largest unit that divides it: 4096 -> "4K", 86400 -> "1d" */
static const char *fmt_exact(double v, bool bytes, char *buf, size_t sz)
{
	static const struct {
		char unit;
		double mul;
	} units[] = { { 'T', 1ULL << 40 }, { 'G', 1 << 30 }, { 'M', 1 << 20 }, { 'K', 1 << 10 },
		      { 'd', 86400 },	   { 'h', 3600 },    { 'm', 60 } };

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (bytes != (units[i].unit <= 'Z') || v < units[i].mul)
			continue;
		if (fmod(v, units[i].mul) == 0) {
			snprintf(buf, sz, "%.0f%c", v / units[i].mul, units[i].unit);
			return buf;
		}
	}
	snprintf(buf, sz, bytes ? "%.0f" : "%gs", v);
	return buf;
}

const char *opt_expect(const struct opt_spec *s, char *buf, size_t sz)
{
	char names[128], a[16], b[16];

	if (s->expect) {
		snprintf(buf, sz, "%s", s->expect);
		return buf;
	}
	switch (s->type) {
	case OT_FLAG:
		snprintf(buf, sz, "expected yes or no");
		break;
	case OT_UINT:
		snprintf(buf, sz, "expected %s%.0f .. %.0f",
			 s->flags & OF_POW2 ? "a power of two " : "", s->min, s->max);
		break;
	case OT_BYTES:
		snprintf(buf, sz, "expected %s between %s and %s (suffix K, M, G, T allowed)%s",
			 s->flags & OF_POW2 ? "a power of two of bytes" : "bytes",
			 fmt_exact(s->min, true, a, 16), fmt_exact(s->max, true, b, 16),
			 s->flags & OF_PAGE_MULT ? ", a multiple of the page size" : "");
		break;
	case OT_DURATION:
		snprintf(buf, sz, "expected seconds between %s and %s (suffix s, m, h, d allowed)",
			 fmt_exact(s->min, false, a, 16), fmt_exact(s->max, false, b, 16));
		break;
	case OT_ENUM:
		snprintf(buf, sz, "expected %s", join_names(s->names, names, sizeof(names)));
		break;
	case OT_ALLOCATORS:
		snprintf(buf, sz, "expected a comma list of kmalloc, cache, vmalloc");
		break;
	case OT_PATH:
		snprintf(buf, sz, "expected an absolute path");
		break;
	default:
		snprintf(buf, sz, "expected a %s", s->metavar ? s->metavar : "value");
		break;
	}
	return buf;
}

const char *opt_format(const struct opt_spec *s, const struct opt_dest *d, char *buf, size_t sz)
{
	const void *f = field(s, d);
	const struct tracer_opts *o = d->topts;

	buf[0] = '\0';
	if (!f)
		return buf;
	switch (s->type) {
	case OT_FLAG:
		snprintf(buf, sz, "%s", *(const bool *)f ? "yes" : "no");
		break;
	case OT_UINT:
	case OT_BYTES:
		snprintf(buf, sz, "%llu", (unsigned long long)load_uint(f, s->size));
		break;
	case OT_DURATION:
		snprintf(buf, sz, "%g", *(const double *)f);
		break;
	case OT_ENUM: {
		__u64 i = load_uint(f, s->size);

		for (__u64 k = 0; s->names[k]; k++)
			if (k == i)
				snprintf(buf, sz, "%s", s->names[k]);
		break;
	}
	case OT_ALLOCATORS:
		snprintf(buf, sz, "%s%s%s", o->kmalloc ? "kmalloc," : "", o->cache ? "cache," : "",
			 o->vmalloc ? "vmalloc," : "");
		if (*buf)
			buf[strlen(buf) - 1] = '\0';
		break;
	case OT_PATH:
		snprintf(buf, sz, "%s", (const char *)f);
		break;
	default:
		break;
	}
	return buf;
}

void opt_defaults(unsigned cmd, const struct opt_dest *d)
{
	for (size_t i = 0; i < opt_nr_specs; i++) {
		const struct opt_spec *s = &opt_specs[i];

		/* "" is no value: the field stays empty */
		if ((s->cmds & cmd) && s->def && *s->def && field(s, d) && !opt_set(s, s->def, d))
			log_err("built-in default of %s does not parse: '%s'", s->name, s->def);
	}
}

int opt_usage_error(unsigned cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmemscope %s: ", opt_cmd_name(cmd));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kmemscope %s --help'.\n", opt_cmd_name(cmd));
	return 2;
}

static bool takes_value(const struct opt_spec *s)
{
	return s->type != OT_FLAG && s->type != OT_COUNT && s->type != OT_HELP;
}

const struct opt_spec *opt_find_long(unsigned cmd, const char *name)
{
	for (size_t i = 0; i < opt_nr_specs; i++)
		if ((opt_specs[i].cmds & cmd) && opt_specs[i].name &&
		    !strcmp(opt_specs[i].name, name))
			return &opt_specs[i];
	return NULL;
}

/* config keys renamed since: the old name still works, with a warning */
static const struct {
	const char *old, *key;
} renamed_keys[] = {
	{ NULL, NULL },
};

const struct opt_spec *opt_find_key(const char *key, const char **renamed_from)
{
	*renamed_from = NULL;
	for (size_t i = 0; renamed_keys[i].old; i++) {
		if (!strcmp(key, renamed_keys[i].old)) {
			*renamed_from = key;
			key = renamed_keys[i].key;
			break;
		}
	}
	for (size_t i = 0; i < opt_nr_specs; i++)
		if ((opt_specs[i].cmds & OC_CONFIG) && !strcmp(opt_specs[i].key, key))
			return &opt_specs[i];
	return NULL;
}

static const struct opt_spec *by_letter(unsigned cmd, int c)
{
	for (size_t i = 0; i < opt_nr_specs; i++)
		if ((opt_specs[i].cmds & cmd) && opt_specs[i].letter == c)
			return &opt_specs[i];
	return NULL;
}

/* the getopt_long tables of cmd: long options carry 256 + their index */
static void build_getopt(unsigned cmd, struct option *lo, char *shorts)
{
	size_t n = 0, k = 0;

	shorts[k++] = ':';
	for (size_t i = 0; i < opt_nr_specs; i++) {
		const struct opt_spec *s = &opt_specs[i];

		if (!(s->cmds & cmd) || !s->name)
			continue;
		lo[n++] =
			(struct option){ s->name, takes_value(s) ? required_argument : no_argument,
					 NULL, 256 + (int)i };
		if (s->letter) {
			shorts[k++] = s->letter;
			if (takes_value(s))
				shorts[k++] = ':';
		}
	}
	lo[n] = (struct option){};
	shorts[k] = '\0';
}

static int apply_cli(unsigned cmd, const struct opt_spec *s, const char *arg,
		     const struct opt_dest *d)
{
	char e[160];

	switch (s->type) {
	case OT_HELP:
		opt_print_help(stdout, cmd);
		return 1;
	case OT_COUNT:
		log_level++;
		return 0;
	case OT_FLAG:
		*(bool *)field(s, d) = !(s->flags & OF_NEGATE);
		return 0;
	default:
		if (opt_set(s, arg, d))
			return 0;
		return opt_usage_error(cmd, "invalid --%s '%s': %s", s->name, arg,
				       opt_expect(s, e, sizeof(e)));
	}
}

/* a command-line value as the config file spells it */
static const char *given_value(const struct opt_spec *s, const char *arg)
{
	if (takes_value(s))
		return arg;
	return s->flags & OF_NEGATE ? "no" : "yes";
}

int opt_parse_cli(unsigned cmd, int argc, char **argv, const struct opt_dest *d,
		  struct opt_given *given, size_t *nr_given)
{
	struct option lo[ARRAY_SIZE(opt_specs) + 1];
	char shorts[2 * ARRAY_SIZE(opt_specs) + 2];
	size_t max_given = nr_given ? *nr_given : 0;
	const struct opt_spec *s;
	int c, rc;

	if (nr_given)
		*nr_given = 0;
	build_getopt(cmd, lo, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == ':')
			return opt_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		s = c >= 256 ? &opt_specs[c - 256] : c == '?' ? NULL : by_letter(cmd, c);
		if (!s)
			return opt_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		rc = apply_cli(cmd, s, optarg, d);
		if (rc)
			return rc;
		if (!given || !nr_given || !s->key)
			continue;
		if (*nr_given == max_given)
			return opt_usage_error(cmd, "too many options");
		given[(*nr_given)++] = (struct opt_given){ s, given_value(s, optarg) };
	}
	return 0;
}

bool opt_reattach_changed(unsigned cmd, const struct opt_dest *a, const struct opt_dest *b)
{
	char x[PATH_MAX], y[PATH_MAX];

	for (size_t i = 0; i < opt_nr_specs; i++) {
		const struct opt_spec *s = &opt_specs[i];

		if ((s->cmds & cmd) && (s->flags & OF_REATTACH) &&
		    strcmp(opt_format(s, a, x, sizeof(x)), opt_format(s, b, y, sizeof(y))))
			return true;
	}
	return false;
}

__u32 opt_period_intervals(double period, double interval)
{
	double n = period / interval + 0.5;

	return n >= 1 ? (__u32)n : 1;
}

const char *opt_range(const struct opt_spec *s, char *buf, size_t sz)
{
	char a[16], b[16];

	if (s->type == OT_UINT)
		snprintf(buf, sz, "%.0f .. %.0f", s->min, s->max);
	else if (s->type == OT_BYTES || s->type == OT_DURATION)
		snprintf(buf, sz, "%s .. %s", fmt_exact(s->min, s->type == OT_BYTES, a, sizeof(a)),
			 fmt_exact(s->max, s->type == OT_BYTES, b, sizeof(b)));
	else
		return NULL;
	return buf;
}
