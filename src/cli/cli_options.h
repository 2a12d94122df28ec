/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole program's options (command layer, cli_options.c): every command's
 * option list, for the man page generator (`kmemscope __man-options`) and the
 * consistency test. No lower layer sees this.
 */
#ifndef KMEMSCOPE_CLI_OPTIONS_H
#define KMEMSCOPE_CLI_OPTIONS_H

#include <stdio.h>
#include "options.h"

/* record, top, daemon, report, status; NULL-terminated */
extern const struct opt_command *const kms_commands[];
/* the commands that trace, and so take session_tracing_table; NULL-terminated */
extern const struct opt_command *const kms_tracing_commands[];

/* The man page's option and key lists (roff). */
void kms_print_man(FILE *f);

#endif
