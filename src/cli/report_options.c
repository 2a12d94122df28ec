// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report`'s command line (the table behind report.c's parse_args). */
#include <string.h>
#include "report.h"
#include "report_options.h"
#include "report_rank.h"
#include "util.h"

#define RPT(member) OPT_FIELD(struct report_args, member)

static const char *const format_names[] = { "text", "json", NULL };
/* in enum rp_weight's order */
static const char *const weight_names[] = { "bytes", "count", "slack", "live_bytes", NULL };

static bool parse_report_sort(const char *s, void *field)
{
	enum rp_sort k;

	if (rp_sort_parse(s, &k))
		return false;
	*(int *)field = k;
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

/* a glob, kept as the argument itself (the options of record spell --comm the same) */
static bool set_pattern(const char *s, void *field)
{
	*(const char **)field = s;
	return *s != '\0';
}

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec specs[] = {
	{ "sort", 's', NULL, OT_CUSTOM, 0, RPT(sort), 0, 0, "bytes", "KEY",
	  "bytes, allocs, slack, slack_pct, live (objects), live_bytes, pingpong, gfp (gfp: most "
	  "distinct GFP combinations)",
	  "expected bytes, allocs, slack, slack_pct, live, live_bytes, pingpong or gfp", NULL,
	  parse_report_sort },
	{ "top", 'n', NULL, OT_UINT, 0, RPT(top), 0, 1000000, "20", "N", "rows per table, 0 = all",
	  "expected a number of rows, 0 for all" },
	{ "kind", 'k', NULL, OT_CUSTOM, 0, RPT(kind), 0, 0, NULL, "KIND",
	  "only kmalloc, kmem_cache (or cache) or vmalloc sites",
	  "expected kmalloc, kmem_cache or vmalloc", NULL, parse_kind },
	{ "caller", 0, NULL, OT_STRING, 0, RPT(caller), 0, 0, NULL, "PATTERN",
	  "only sites whose caller or site matches the glob PATTERN (a substring when it has no "
	  "* ? [)",
	  "expected a pattern" },
	{ "comm", 0, NULL, OT_CUSTOM, 0, RPT(comm), 0, 0, NULL, "PATTERN",
	  "recordings made with --by comm: only the sites of tasks whose name matches the glob "
	  "PATTERN",
	  "expected a pattern", NULL, set_pattern },
	{ "cgroup", 0, NULL, OT_CUSTOM, 0, RPT(cgroup), 0, 0, NULL, "PATTERN",
	  "recordings made with --by cgroup: only the sites of cgroups whose path matches the "
	  "glob PATTERN (\"/system.slice/*\")",
	  "expected a pattern", NULL, set_pattern },
	{ "since", 0, NULL, OT_CUSTOM, 0, RPT(since_ns), 0, 0, NULL, "TIME",
	  "only intervals that ended at or after TIME: 2026-11-22T04:10:00Z (UTC), "
	  "@EPOCH_SECONDS, or -30s/-10m/-2h/-1d (ago)",
	  "expected 2026-11-22T04:10:00Z, @EPOCH or -10m", NULL, parse_time },
	{ "until", 0, NULL, OT_CUSTOM, 0, RPT(until_ns), 0, 0, NULL, "TIME",
	  "... at or before TIME", "expected 2026-11-22T04:10:00Z, @EPOCH or -10m", NULL,
	  parse_time },
	{ "format", 'f', NULL, OT_ENUM, 0, RPT(format), 0, 0, "text", "FMT", "text or json", NULL,
	  format_names },
	{ "html", 0, NULL, OT_FILE, 0, RPT(html), 0, 0, NULL, "FILE",
	  "write a self-contained HTML report with charts to FILE ('-': stdout)" },
	{ "pprof", 0, NULL, OT_FILE, 0, RPT(pprof), 0, 0, NULL, "FILE",
	  "write the sites as a gzip-compressed pprof profile to FILE ('-': stdout) for go tool "
	  "pprof, Pyroscope, Parca" },
	{ "folded", 0, NULL, OT_FLAG, 0, RPT(folded), 0, 0, NULL, NULL,
	  "print allocation stacks in folded format (FlameGraph, speedscope) instead of the "
	  "report" },
	{ "weight", 0, NULL, OT_ENUM, 0, RPT(weight), 0, 0, "bytes", "W",
	  "folded stack weight: bytes (allocated), count (allocations), slack (allocated - "
	  "requested bytes) or live_bytes (still allocated at the end); sampled stacks are "
	  "scaled to their site's exact totals",
	  NULL, weight_names },
	{ "max-sites", 0, NULL, OT_UINT, 0, RPT(max_sites), 0, 100000000, "100000", "N",
	  "distinct sites kept (kmalloc/kmem_cache/vmalloc and page sites each; 0 = no limit): "
	  "the records of further sites are counted in the totals only, with a note; "
	  "memory is about 1 KiB per site",
	  "expected a number of sites, 0 for no limit" },
	{ "strict", 0, NULL, OT_FLAG, 0, RPT(strict), 0, 0, NULL, NULL,
	  "any bad input is an error (default: skip it, warn)" },
	{ "diff", 0, NULL, OT_FLAG, 0, RPT(diff), 0, 0, NULL, NULL,
	  "compare two recordings: kmemscope report --diff A B (files or directories); per-site "
	  "and per-cache changes B - A, per second when their lengths differ" },
};
#pragma GCC diagnostic pop

static const struct opt_table table = OPT_TABLE(specs);

const struct opt_command report_command = {
	.name = "report",
	.head = "Usage: kmemscope report [OPTIONS] [FILE|DIR...]\n"
		"\n"
		"Summarise exports of 'kmemscope record -o' and daemon segments: NDJSON or\n"
		"NDJSON.gz files, directories (their *.ndjson[.gz] files and the daemon's\n"
		"*.active segment, in name order), or stdin ('-' or no argument).\n",
	.tables = (const struct opt_table *const[]){ &table, &opt_help_table, NULL },
};
