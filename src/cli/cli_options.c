// SPDX-License-Identifier: GPL-2.0
/* Every command's options together: the man page's lists and the consistency test. */
#include "cli_options.h"
#include "daemon_options.h"
#include "record_options.h"
#include "report_options.h"
#include "sort_keys.h"
#include "status.h"
#include "top_options.h"

const struct opt_command *const kms_commands[] = {
	&record_command, &top_command, &daemon_command, &report_command, &status_command, NULL,
};

const struct opt_command *const kms_tracing_commands[] = {
	&record_command,
	&top_command,
	&daemon_command,
	NULL,
};

/* the vocabulary of --sort (sort_keys.c); each command's --sort lists its words */
static void print_sort_keys(FILE *f)
{
	fputs(".SS sort keys\n"
	      "The quantities \\-\\-sort takes in record, top and report, and the columns that show "
	      "them.\n",
	      f);
	for (int i = 0; i < SQ_NR; i++) {
		fputs(".TP\n.B ", f);
		opt_man_escape(f, sort_qtys[i].name);
		fputc('\n', f);
		opt_man_escape(f, sort_qtys[i].meaning);
		fputs(" (", f);
		opt_man_escape(f, sort_qtys[i].column);
		for (size_t k = 0; k < sort_nr_aliases; k++) {
			if (sort_aliases[k].q != (enum sort_qty)i)
				continue;
			fputs("; old spelling ", f);
			opt_man_escape(f, sort_aliases[k].old);
		}
		fputs(").\n", f);
	}
	fputs(".PP\n"
	      "The three commands share these words. Changed: live sorts "
	      "record and report by live objects, as their LIVE column shows (it was live bytes: "
	      "now live_bytes); frag is slack_pct's old spelling; top shows slack only as a "
	      "percentage, so its slack stays the SLACK% column.\n",
	      f);
}

void kms_print_man(FILE *f)
{
	opt_print_man(f, kms_commands, &daemon_config_keys);
	print_sort_keys(f);
}
