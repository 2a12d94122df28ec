/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report`'s options (command layer, report_options.c). */
#ifndef KMEMSCOPE_REPORT_OPTIONS_H
#define KMEMSCOPE_REPORT_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>
#include "options.h"

struct report_args {
	int sort; /* enum rp_sort */
	__u64 top;
	const char *kind;
	const char *caller;
	const char *comm, *cgroup; /* recordings made with --by: one comm / cgroup (glob) */
	__u64 since_ns, until_ns;
	int format; /* 0 text, 1 json */
	const char *html;
	const char *pprof;
	bool folded, strict;
	int weight; /* 0 bytes, 1 count */
	__u64 max_sites;
	bool diff; /* --diff A B */
};

extern const struct opt_command report_command;

#endif
