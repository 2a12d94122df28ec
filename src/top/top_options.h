/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope top`'s options (top layer, top_options.c): its own and the tracing ones. */
#ifndef KMEMSCOPE_TOP_OPTIONS_H
#define KMEMSCOPE_TOP_OPTIONS_H

#include <stdbool.h>
#include "options.h"
#include "tracer.h"

struct top_args {
	double interval;
	double pagetype_period;
	bool once, standalone;
	const char *socket;
	const char *replay; /* --replay FILE|DIR */
	int sort; /* enum top_col */
	unsigned int history; /* intervals kept for [ ] and TREND */
	struct tracer_opts topts;
};

extern const struct opt_command top_command;

/* 0: run; 1: help was printed (exit 0); 2: usage error was printed (exit 2) */
int top_parse_args(int argc, char **argv, struct top_args *a);

#endif
