// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`'s command line: its table, then the tracing options for --standalone. */
#include <string.h>
#include "session_options.h"
#include "sort_keys.h"
#include "top_options.h"
#include "top_view.h"

#define TOP(member) OPT_FIELD(struct top_args, member)

/* top's columns by the shared sort keys: "slack" is slack bytes, as in record and report */
static const int sort_map[SQ_NR] = {
	[SQ_CALLER] = COL_CALLER + 1,	  [SQ_KIND] = COL_KIND + 1,
	[SQ_ALLOCS] = COL_ALLOCS + 1,	  [SQ_BYTES] = COL_BYTES + 1,
	[SQ_LIVE] = COL_LIVE + 1,	  [SQ_LIVE_BYTES] = COL_LIVE_BYTES + 1,
	[SQ_AVG_REQ] = COL_AVG_REQ + 1,	  [SQ_SLACK_PCT] = COL_SLACK + 1,
	[SQ_SLACK] = COL_SLACK_BYTES + 1, [SQ_PINGPONG] = COL_PINGPONG + 1,
	[SQ_GFP] = COL_GFP + 1,
};

/* a key letter of the view, or a sort key */
static bool parse_top_sort(const char *s, void *field)
{
	int col = strlen(s) == 1 ? top_col_for_key(s[0]) : -1;

	if (col < 0 && sort_key_lookup(s, sort_map, &col))
		return false;
	*(int *)field = col;
	return true;
}

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec specs[] = {
	{ "interval", 'i', NULL, OT_DURATION, 0, TOP(interval), 0.01, 86400, "1", "SEC",
	  "refresh every SEC seconds" },
	{ "delay", 0, NULL, OT_DURATION, OF_HIDDEN, TOP(interval), 0.01, 86400, NULL, "SEC",
	  "refresh every SEC seconds", NULL, NULL, NULL, "interval" },
	{ "pagetype-period", 0, NULL, OT_DURATION, OF_REATTACH, TOP(pagetype_period), 1, 86400,
	  "10", "SEC",
	  "read /proc/pagetypeinfo and slabinfo every SEC seconds (at least one interval; it "
	  "takes the zone lock)" },
	{ "once", 0, NULL, OT_FLAG, 0, TOP(once), 0, 0, NULL, NULL,
	  "print one screen to stdout and exit (for scripts)" },
	{ "sort", 's', NULL, OT_CUSTOM, 0, TOP(sort), 0, 0, "bytes", "KEY",
	  "initial sort: a sort key letter (see '?' in the view) or caller, kind, allocs, bytes, "
	  "live, live_bytes, avg_req, slack_pct, slack (bytes), pingpong, gfp",
	  "expected a key letter or caller, kind, allocs, bytes, live, live_bytes, avg_req, "
	  "slack_pct, slack, pingpong, gfp",
	  NULL, parse_top_sort },
	{ "history", 0, NULL, OT_UINT, 0, TOP(history), 1, 3600, "60", "N",
	  "keep the last N intervals in memory: [ and ] step back through them, TREND draws "
	  "them (at most 16 MiB of them are kept)",
	  "expected a number of intervals from 1 to 3600" },
	{ "replay", 0, NULL, OT_STRING, 0, TOP(replay), 0, 0, NULL, "PATH",
	  "replay a recording (record -o FILE, or a daemon's state directory) one interval "
	  "per refresh, with the same keys; --once prints its last interval",
	  "expected an export file or a state directory" },
	{ "standalone", 0, NULL, OT_FLAG, 0, TOP(standalone), 0, 0, NULL, NULL,
	  "always trace with our own BPF programs" },
	{ "socket", 0, NULL, OT_STRING, 0, TOP(socket), 0, 107, NULL, "PATH",
	  "always read the daemon at PATH (default $KMEMSCOPE_SOCKET, else the daemon's "
	  "control socket)",
	  "expected a path of at most 107 bytes" },
};
#pragma GCC diagnostic pop

static const struct opt_table table = OPT_TABLE(specs);

const struct opt_command top_command = {
	.name = "top",
	.head = "Usage: kmemscope top [OPTIONS]\n"
		"\n"
		"Live view of kernel memory allocations per call site, like slabtop/htop.\n"
		"Reads the kmemscope daemon's control socket when a daemon answers on it,\n"
		"otherwise loads its own BPF programs (needs root) with the tracing options\n"
		"of 'kmemscope record'.\n",
	.tail = "Keys: sort n o a b l c s u x p g, < > move the sort column, r reverse,\n"
		"/ filter, k kind, t rates/totals, f fragmentation, m slab caches, w rows\n"
		"per comm/cgroup (--by), Enter detail, [ ] } back/forward/newest in the\n"
		"history, Left/Right scroll the columns, space pause, ? help, q quit.\n"
		"NO_COLOR=1 turns colours off.\n",
	.tables = (const struct opt_table *const[]){ &table, &session_tracing_table,
						     &opt_help_table, NULL },
};

int top_parse_args(int argc, char **argv, struct top_args *a)
{
	const struct opt_dest d = { .cmd = a, .topts = &a->topts };
	int rc;

	memset(a, 0, sizeof(*a));
	rc = tracing_parse_cli(&top_command, argc, argv, &d);
	if (rc)
		return rc;
	if (a->standalone && a->socket)
		return opt_usage_error(&top_command,
				       "--standalone and --socket exclude each other");
	if (a->replay && (a->standalone || a->socket))
		return opt_usage_error(
			&top_command,
			"--replay reads a recording: leave out --standalone and --socket");
	return tracing_finish(&top_command, &a->topts, a->pagetype_period, a->interval);
}
