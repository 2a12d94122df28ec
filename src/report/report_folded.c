// SPDX-License-Identifier: GPL-2.0
/*
 * `kmemscope report --folded`: "root;...;leaf WEIGHT" lines, the input of
 * FlameGraph's flamegraph.pl and of speedscope. The stacks were reversed
 * (export arrays are innermost first) and merged while reading.
 */
#include "report_folded.h"

int report_print_folded(FILE *f, struct report *rp)
{
	size_t printed = 0;

	for (size_t i = 0; i < rp->nr_folds; i++) {
		const struct rp_fold *s = rp->folds[i];
		__u64 w = rp->opts.folded_count ? s->count : s->bytes;

		/* FlameGraph drops zero weights anyway; keep the output clean */
		if (!w)
			continue;
		fprintf(f, "%s %llu\n", s->stack, (unsigned long long)w);
		printed++;
	}
	return printed ? 0 : 1;
}
