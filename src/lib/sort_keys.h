/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sort keys (lib layer, sort_keys.c): one vocabulary of per-site
 * quantities for record, top and report. Each command maps the quantities it
 * can sort by to its own key (record: enum sort_key, top: enum top_col,
 * report: enum rp_sort) and refuses the others by name.
 */
#ifndef KMEMSCOPE_SORT_KEYS_H
#define KMEMSCOPE_SORT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum sort_qty {
	SQ_ALLOCS,
	SQ_BYTES,
	SQ_SLACK,
	SQ_SLACK_PCT,
	SQ_LIVE,
	SQ_LIVE_BYTES,
	SQ_AVG_REQ,
	SQ_PINGPONG,
	SQ_GFP,
	SQ_CALLER,
	SQ_KIND,
	SQ_NR,
};

struct sort_qty_info {
	const char *name; /* what --sort takes */
	const char *column; /* the column headers that show it */
	const char *meaning;
};
extern const struct sort_qty_info sort_qtys[SQ_NR];

/* old spellings: still accepted, the same quantity */
struct sort_alias {
	const char *old;
	enum sort_qty q;
};
extern const struct sort_alias sort_aliases[];
extern const size_t sort_nr_aliases;

/* A name or an old spelling to its quantity: 0, or -EINVAL. */
int sort_qty_parse(const char *s, enum sort_qty *q);
const char *sort_qty_name(enum sort_qty q);

/*
 * A command's keys: map[q] is the command's key for q plus one, 0 where it
 * cannot sort by q. Resolves s (name or old spelling) into *key: 0, or
 * -EINVAL when s is no quantity or one the command lacks.
 */
int sort_key_lookup(const char *s, const int map[SQ_NR], int *key);
/* The name of a command's key (the first quantity mapped to it), or "?". */
const char *sort_key_word(const int map[SQ_NR], int key);

#endif
