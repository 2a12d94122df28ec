// SPDX-License-Identifier: GPL-2.0
/* `kmemscope record`'s command line: its table, the tracing options, -v, -h. */
#include <stdio.h>
#include <string.h>
#include "record_options.h"
#include "session_options.h"

#define REC(member) OPT_FIELD(struct record_env, member)

static bool parse_record_sort(const char *s, void *field)
{
	return !sort_key_parse(s, field);
}

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec specs[] = {
	{ "duration", 'd', NULL, OT_DURATION, 0, REC(duration), 0.001, 31536000, NULL, "SEC",
	  "stop after SEC seconds (suffix s, m, h, d; default: until Ctrl-C)" },
	{ "interval", 'i', NULL, OT_DURATION, 0, REC(interval), 0.01, 86400, "1", "SEC",
	  "read the kernel maps every SEC seconds; one export interval each" },
	{ "output", 'o', NULL, OT_FILE, 0, REC(output), 0, 0, NULL, "FILE",
	  "also write NDJSON records to FILE ('-': stdout; gzip if it ends in .gz); created "
	  "mode 0600" },
	{ "sort", 's', NULL, OT_CUSTOM, 0, REC(sort), 0, 0, "bytes", "KEY",
	  "sort by bytes, allocs, slack, slack_pct, live (objects), live_bytes or pingpong",
	  "expected bytes, allocs, slack, slack_pct, live, live_bytes or pingpong", NULL,
	  parse_record_sort },
	{ "top", 'n', NULL, OT_UINT, 0, REC(top), 0, 1000000, "20", "N",
	  "rows in the table, 0 = all", "expected a number of rows, 0 for all" },
	{ "pagetype-period", 0, NULL, OT_DURATION, OF_REATTACH, REC(pagetype_period), 1, 86400,
	  "10", "SEC",
	  "read /proc/pagetypeinfo and slabinfo every SEC seconds (at least one interval; it "
	  "takes the zone lock)" },
};
#pragma GCC diagnostic pop

static const struct opt_table table = OPT_TABLE(specs);

const struct opt_command record_command = {
	.name = "record",
	.head = "Usage: kmemscope record [OPTIONS]\n"
		"\n"
		"Trace kmalloc, kmem_cache and vmalloc allocations per call site until Ctrl-C\n"
		"(or --duration), then print a table like 'perf kmem stat --caller'.\n"
		"Durations take s, m, h, d suffixes, sizes K, M, G, T.\n",
	.tables = (const struct opt_table *const[]){ &table, &session_tracing_table,
						     &opt_verbose_table, &opt_help_table, NULL },
};

int record_parse_args(int argc, char **argv, struct record_env *env)
{
	const struct opt_dest d = { .cmd = env, .topts = &env->topts };
	int rc;

	memset(env, 0, sizeof(*env));
	rc = tracing_parse_cli(&record_command, argc, argv, &d);
	if (rc)
		return rc;
	return tracing_finish(&record_command, &env->topts, env->pagetype_period, env->interval);
}
