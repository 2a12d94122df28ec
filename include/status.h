/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope status`: the daemon's status document (docs/control-socket.md) as text. */
#ifndef KMEMSCOPE_STATUS_H
#define KMEMSCOPE_STATUS_H

#include <stdio.h>
#include <cjson/cJSON.h>

/* Print the summary of a status document; -1 when o is not one. */
int status_print(FILE *out, const cJSON *o);

#endif
