/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model behind `kmemscope top`: the state document (docs/control-socket.md)
 * turned into rows, sorted and filtered, and composed into lines of text. Pure:
 * no terminal, no kernel; the same lines are drawn by ncurses and printed by
 * --once.
 */
#ifndef KMEMSCOPE_TOP_VIEW_H
#define KMEMSCOPE_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define TOP_MAX_ORDERS 16

enum top_col {
	COL_CALLER,
	COL_KIND,
	COL_ALLOCS,
	COL_BYTES,
	COL_LIVE,
	COL_LIVE_BYTES,
	COL_AVG_REQ,
	COL_SLACK,
	COL_PINGPONG,
	COL_GFP,
	COL_NR,
};

/* kind filter, cycled by `k` */
enum top_kind {
	KIND_ALL,
	KIND_KMALLOC,
	KIND_CACHE,
	KIND_VMALLOC,
	KIND_PAGE,
	KIND_NR,
};

enum top_pane {
	PANE_TABLE,
	PANE_FRAG,
	PANE_DETAIL,
	PANE_HELP,
};

struct top_row {
	const cJSON *site; /* the state's site object (details) */
	char site_name[128]; /* "load_msg+0x41" */
	char caller[96];
	char kind[32]; /* "kmalloc", "vmalloc", "page" or the cache name */
	enum top_kind kclass;
	char gfp[96]; /* top GFP combination, " +" when there are others */
	bool req_unknown;
	/* per second over the last interval, and since the start */
	double rate_allocs, rate_bytes, rate_pingpong;
	double tot_allocs, tot_bytes, tot_pingpong;
	double d_allocs, d_req, d_slack, d_alloc_bytes; /* last interval */
	double t_req, t_slack, t_alloc_bytes;
	double live, live_bytes;
	double live_untracked; /* > 0: live and live_bytes are lower bounds */
};

struct top_zone {
	int node;
	char zone[16];
	int nr_orders;
	double free[TOP_MAX_ORDERS];
	double unusable[TOP_MAX_ORDERS];
	double frag[TOP_MAX_ORDERS];
	bool has_prev; /* the same zone was in the previous state */
	double prev_unusable[TOP_MAX_ORDERS];
};

struct top_model {
	cJSON *state; /* owned */
	double uptime_s, duration_s;
	double page_size;
	char attach[192];
	/* events per second per allocator over the last interval */
	double ev_kmalloc, ev_cache, ev_vmalloc, ev_page;
	double drops; /* all drop counters of the last interval */
	char drop_kinds[160]; /* "live_full 3, recursion 1" */
	bool has_meminfo;
	double slab, sunreclaim, vmalloc_used, memfree;
	struct top_zone *zones; /* NULL when the state has no buddyinfo */
	size_t nr_zones;
	int pageblock_order; /* -1 unknown */
	struct top_row *rows;
	size_t nr_rows;
	size_t *vis; /* indices into rows: filtered and sorted */
	size_t nr_vis;
};

struct top_opts {
	enum top_col sort;
	bool reverse;
	bool totals; /* totals since the start instead of rates */
	enum top_kind kind;
	char filter[64]; /* substring of caller/site/cache, case-insensitive */
	bool utf8; /* block characters for the bar charts */
	char source[160]; /* "standalone" or "daemon /run/kmemscope/control.sock" */
};

/* what the user is looking at; top_compose() keeps it consistent */
struct top_ui {
	enum top_pane pane;
	size_t selected; /* index into vis */
	size_t scroll; /* first visible row of the table / pane */
	bool paused;
	bool editing; /* typing the `/` filter */
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

/*
 * Take ownership of the state (also on error) and build the rows and zones.
 * prev (may be NULL) is the previous model: the fragmentation strip shows how
 * the indices moved since. 0 or -EINVAL when the document is not a state.
 */
int top_model_load(struct top_model *m, cJSON *state, const struct top_model *prev);
void top_model_free(struct top_model *m);
/* Recompute m->vis from the filter, kind and sort. */
void top_model_view(struct top_model *m, const struct top_opts *o);

/* Sort column for a key ('a', 'b', ...), or -1. */
int top_col_for_key(int ch);
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
