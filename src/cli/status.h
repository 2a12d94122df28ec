/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope status`: the daemon's status document (docs/control-socket.md) as text. */
#ifndef KMEMSCOPE_STATUS_H
#define KMEMSCOPE_STATUS_H

#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "options.h"

/* the command line's settings */
struct status_args {
	const char *socket;
	bool json;
	int command; /* index into status_commands */
};
extern const char *const status_commands[];
extern const struct opt_command status_command;

/* Print the summary of a status document; -1 when o is not one. */
int status_print(FILE *out, const cJSON *o);

#endif
