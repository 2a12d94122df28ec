// SPDX-License-Identifier: GPL-2.0
/* `kmemscope daemon`'s command line and config keys (the table behind config.c). */
#include <limits.h>
#include "config.h"
#include "daemon_options.h"
#include "session_options.h"

#define DMN(member) OPT_FIELD(struct daemon_args, member)
#define CFG(member) OPT_FIELD(struct daemon_config, member)

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec cli_specs[] = {
	{ "config", 'c', NULL, OT_STRING, 0, DMN(config), 0, PATH_MAX - 1, NULL, "FILE",
	  "configuration file (default $CONFIGURATION_DIRECTORY/kmemscope.conf or "
	  "/etc/kmemscope/kmemscope.conf; built-in defaults if absent)",
	  "expected a file name" },
	{ "check-config", 0, NULL, OT_STRING, 0, DMN(check), 0, 0, NULL, "FILE",
	  "validate FILE and exit (0 valid, 2 invalid)" },
	{ "state-dir", 0, NULL, OT_STRING, OF_ABSOLUTE, DMN(state_dir), 0, PATH_MAX - 128, NULL,
	  "DIR",
	  "segments go to DIR (default: export_dir, else $STATE_DIRECTORY, else "
	  "/var/lib/kmemscope)",
	  "expected an absolute directory path" },
	{ "socket", 0, NULL, OT_STRING, 0, DMN(socket), 0, 107, NULL, "PATH",
	  "control socket (default $RUNTIME_DIRECTORY/control.sock, else "
	  "/run/kmemscope/control.sock)",
	  "expected a path of at most 107 bytes" },
};

/* command line and config file; the command line wins, also on reload */
static const struct opt_spec key_specs[] = {
	{ "interval", 'i', "interval", OT_DURATION, 0, CFG(interval), 0.01, 86400, "10", "SEC",
	  "seconds between interval records (reads of the kernel maps)" },
	{ "pagetype-period", 0, "pagetype_period", OT_DURATION, OF_REATTACH, CFG(pagetype_period),
	  1, 86400, "60", "SEC",
	  "seconds between /proc/pagetypeinfo and slabinfo snapshots; at least `interval`" },
	{ "top-sites", 0, "top_sites", OT_UINT, 0, CFG(top_sites), 0, 1000000, "100", "N",
	  "site records per interval, the biggest by bytes allocated (0 = every active site)",
	  "expected a number of sites, 0 for all" },
	{ "export-dir", 0, "export_dir", OT_PATH, OF_EMPTY_OK, CFG(export_dir), 0, 0, "", "DIR",
	  "where segments go; empty: $STATE_DIRECTORY (/var/lib/kmemscope under systemd); "
	  "changes take effect at the next restart",
	  "expected an absolute directory path" },
	{ "rotate-size", 0, "rotate_size", OT_BYTES, 0, CFG(rotate_bytes), 4096, 1ULL << 40, "16M",
	  "B", "start a new segment at this compressed size" },
	{ "rotate-age", 0, "rotate_age", OT_DURATION, 0, CFG(rotate_age), 1, 365 * 86400, "1h",
	  "SEC", "... or when the segment is this old" },
	{ "retain-segments", 0, "retain_segments", OT_UINT, 0, CFG(retain_segments), 2, 1000000,
	  "168", "N", "keep at most this many segments, the open one included" },
	{ "retain-bytes", 0, "retain_bytes", OT_BYTES, 0, CFG(retain_bytes), 8192, 1ULL << 50, "1G",
	  "B", "... and at most this many bytes of them; at least twice rotate_size" },
	{ "queue-limit", 0, "queue_limit", OT_BYTES, 0, CFG(queue_limit), 65536, 4ULL << 30, "64M",
	  "B",
	  "bytes of records held in memory (compressed) while writes fail (later intervals are "
	  "then not kept)" },
	{ "prom-textfile", 0, "prom_textfile", OT_PATH, OF_EMPTY_OK, CFG(prom_textfile), 0, 0, "",
	  "PATH",
	  "also write Prometheus metrics to PATH every interval (node_exporter's textfile "
	  "collector; empty: off)",
	  "expected an absolute file path, or empty for none" },
	{ "prom-top-sites", 0, "prom_top_sites", OT_UINT, 0, CFG(prom_top_sites), 1, 100000, "100",
	  "K",
	  "call sites with series of their own in the textfile, the biggest by bytes allocated; "
	  "the rest add up to one site=\"other\" series",
	  "expected a number of sites from 1 to 100000" },
	{ "pprof-segments", 0, "pprof_segments", OT_FLAG, 0, CFG(pprof_segments), 0, 0, "no", NULL,
	  "write a pprof profile (report --pprof) beside every complete segment: "
	  "SEGMENT.pb.gz" },
};
#pragma GCC diagnostic pop

static const struct opt_table cli_table = OPT_TABLE(cli_specs);
static const struct opt_table key_table = OPT_TABLE(key_specs);

const struct opt_command daemon_command = {
	.name = "daemon",
	.head = "Usage: kmemscope daemon [OPTIONS]\n"
		"\n"
		"Trace like 'kmemscope record', continuously, into rotating gzip NDJSON\n"
		"segments in the state directory; serve the current state on a control\n"
		"socket. Meant to run as the kmemscope.service systemd unit. Every option\n"
		"with a config key (kmemscope.conf) overrides that key, also on reload.\n",
	.tail = "Signals: SIGTERM/SIGINT write the interval and exit; SIGHUP reloads the\n"
		"configuration; SIGUSR1 ends the interval now and writes state.json.\n",
	.tables = (const struct opt_table *const[]){ &cli_table, &key_table, &session_tracing_table,
						     &opt_verbose_table, &opt_help_table, NULL },
};

const struct opt_command daemon_config_keys = {
	.name = "daemon",
	.tables = (const struct opt_table *const[]){ &key_table, &session_tracing_table, NULL },
};
