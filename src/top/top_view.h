/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope top`'s screen: the model (top_model.h) composed into lines of
 * text. Pure: no terminal, no kernel; the same lines are drawn by ncurses and
 * printed by --once.
 */
#ifndef KMEMSCOPE_TOP_VIEW_H
#define KMEMSCOPE_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "top_model.h"

enum top_pane {
	PANE_TABLE,
	PANE_FRAG,
	PANE_SLAB, /* slab caches of the last slabinfo snapshot */
	PANE_DETAIL,
	PANE_HELP,
};
/* what the user is looking at; top_compose() keeps it consistent */
struct top_ui {
	enum top_pane pane;
	size_t selected; /* index into vis */
	size_t scroll; /* first visible row of the table / pane */
	bool paused;
	bool editing; /* typing the `/` filter */
	int hscroll; /* columns scrolled past, after CALLER (Left/Right) */
	size_t back; /* intervals back in the history ([ and ]); 0: the newest */
	size_t history; /* intervals kept, for the header */
	char status[160];
};

enum top_attr {
	TA_NORMAL,
	TA_TITLE, /* first header line */
	TA_COLHEAD, /* table column header */
	TA_SELECTED,
	TA_WARN,
	TA_DIM,
};

struct top_line {
	char *text;
	enum top_attr attr;
};

struct top_screen {
	struct top_line *lines;
	size_t nr, cap;
};

/* Sort column for a key ('a', 'b', ...), or -1. */
int top_col_for_key(int ch);
/* false for TREND: it has no key and '<' '>' skip it */
bool top_col_sortable(enum top_col c);

/* the table's columns on a screen of some width */
struct top_colset {
	int n;
	enum top_col c[COL_NR]; /* left to right, CALLER first */
	bool show[COL_NR];
	int hidden; /* columns that did not fit */
};
void top_pick_cols(const struct top_opts *o, struct top_ui *ui, int width, struct top_colset *cs);
const char *top_col_name(enum top_col c, bool totals);
const char *top_kind_name(enum top_kind k);

/*
 * Compose the screen: rows x cols (rows 0: everything, as --once prints it).
 * The lines are at most cols display columns wide (cols 0: unlimited).
 */
void top_compose(const struct top_model *m, const struct top_opts *o, struct top_ui *ui, int rows,
		 int cols, struct top_screen *scr);
/* The help text (also docs/top.md). */
extern const char *const top_help[];

void top_screen_clear(struct top_screen *scr);
void top_screen_free(struct top_screen *scr);
/* Display columns of a UTF-8 string (one per character). */
size_t top_text_width(const char *s);

#endif
