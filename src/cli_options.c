// SPDX-License-Identifier: GPL-2.0
/* Every command's options together: the man page's lists and the consistency test. */
#include "cli_options.h"
#include "daemon_options.h"
#include "env.h"
#include "report_options.h"
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

void kms_print_man(FILE *f)
{
	opt_print_man(f, kms_commands, &daemon_config_keys);
}
