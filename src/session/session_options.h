/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracing options (session layer): every command that traces (record,
 * top, daemon) lists this table, into its struct tracer_opts, and the daemon
 * reads the same settings as config keys.
 */
#ifndef KMEMSCOPE_SESSION_OPTIONS_H
#define KMEMSCOPE_SESSION_OPTIONS_H

#include <linux/types.h>
#include "options.h"
#include "tracer.h"

extern const struct opt_table session_tracing_table;

/* "kmalloc,cache,vmalloc" into the tracer options; -EINVAL on an unknown name */
int parse_allocators(const char *list, struct tracer_opts *o);
/* "1234,5678" into the tracer options' pid filter; -EINVAL past 16 or on a non-number */
int parse_pids(const char *list, struct tracer_opts *o);
/* the session counts the pagetypeinfo period in intervals */
__u32 tracing_period_intervals(double period, double interval);
/*
 * The tracer's and the table's defaults, then the command line of a tracing
 * command c, which takes no other arguments: 0, 1 (help printed) or 2 (usage
 * error printed).
 */
int tracing_parse_cli(const struct opt_command *c, int argc, char **argv, const struct opt_dest *d);
/*
 * After the command line of a tracing command c: the rules between tracing
 * options, and the pagetypeinfo period (seconds) in intervals. 0, or 2 after
 * a usage error.
 */
int tracing_finish(const struct opt_command *c, struct tracer_opts *o, double period,
		   double interval);

#endif
