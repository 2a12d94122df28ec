/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line settings of `kmemscope record`. */
#ifndef KMEMSCOPE_RECORD_OPTIONS_H
#define KMEMSCOPE_RECORD_OPTIONS_H

#include <linux/types.h>
#include "options.h"
#include "sites.h"
#include "tracer.h"

struct record_env {
	double duration; /* seconds, 0: until Ctrl-C */
	double interval; /* seconds between reads of the kernel maps */
	double pagetype_period; /* seconds; the session counts intervals (topts) */
	const char *output;
	enum sort_key sort;
	__u64 top;
	struct tracer_opts topts;
};

extern const struct opt_command record_command;

/* 0: run; 1: help was printed (exit 0); 2: usage error was printed (exit 2) */
int record_parse_args(int argc, char **argv, struct record_env *env);

#endif
