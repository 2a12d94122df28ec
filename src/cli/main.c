// SPDX-License-Identifier: GPL-2.0
/* kmemscope: kernel memory allocation tracer. Subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_options.h"
#include "daemon.h"
#include "gfp.h"
#include "record.h"
#include "report.h"
#include "top.h"
#include "util.h"

static const char usage[] =
	"Usage: kmemscope COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  record     trace kmalloc/kmem_cache/vmalloc per call site, print a table,\n"
	"             optionally export NDJSON (kmemscope record --help)\n"
	"  report     summarise exports offline: tables, JSON, HTML, folded stacks\n"
	"  daemon     trace continuously into rotating segments (the systemd\n"
	"             service; kmemscope daemon --help)\n"
	"  status     show what the running daemon is doing\n"
	"  top        live view of allocations per call site, like slabtop/htop\n"
	"             (kmemscope top --help)\n"
	"  gfp VALUE  decode GFP flag values with the running kernel's names\n"
	"  version    print the version\n"
	"\n"
	"Run 'kmemscope COMMAND --help' for a command's options.\n";

/* `kmemscope gfp 0xcc0 ...`: the decoding the table and the export use */
static int cmd_gfp(int argc, char **argv)
{
	struct gfp_table *t;
	char buf[512];
	int rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: kmemscope gfp VALUE...\nDecode GFP flag values (hex or decimal) as the kernel's trace output does.\n");
		return argc < 2 ? 2 : 0;
	}
	t = gfp_table__load(tracefs_dir());
	if (!t) {
		log_err("cannot find the kernel's GFP flag names: need tracefs (mount -t tracefs nodev /sys/kernel/tracing) or /sys/kernel/btf/vmlinux");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long long v = strtoull(argv[i], &end, 0);

		if (!*argv[i] || *end || argv[i][0] == '-') {
			fprintf(stderr,
				"kmemscope gfp: invalid value '%s': expected a number like 0xcc0\n",
				argv[i]);
			rc = 2;
			continue;
		}
		gfp_decode(t, v, buf, sizeof(buf));
		printf("%s\t%s\n", argv[i], buf);
	}
	gfp_table__free(t);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "daemon"))
		return cmd_daemon(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "top"))
		return cmd_top(argc - 1, argv + 1);
	if (!strcmp(cmd, "gfp"))
		return cmd_gfp(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("kmemscope %s\n", KMS_VERSION);
		return 0;
	}
	/* the man page's option lists (scripts/man-options.sh splices them in) */
	if (!strcmp(cmd, "__man-options")) {
		kms_print_man(stdout);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "kmemscope: unknown command '%s'\n%s", cmd, usage);
	return 2;
}
