/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model behind `kmemscope top`: the state document
 * (docs/control-socket.md) turned into rows and zones, sorted and filtered.
 * Pure: no terminal, no kernel.
 */
#ifndef KMEMSCOPE_TOP_MODEL_H
#define KMEMSCOPE_TOP_MODEL_H

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
	COL_SLACK_BYTES, /* slack bytes per second (totals: since the start) */
	COL_TREND, /* BYTES/s over the kept history (top_history.h), not a sort key */
	COL_NR,
};

#define TOP_TREND_W 12 /* intervals in the TREND sparkline */

/* kind filter, cycled by `k` */
enum top_kind {
	KIND_ALL,
	KIND_KMALLOC,
	KIND_CACHE,
	KIND_VMALLOC,
	KIND_PAGE,
	KIND_NR,
};

struct top_row {
	const cJSON *site; /* the state's site object (details) */
	char site_name[160]; /* "load_msg+0x41"; "kmsq_a: load_msg+0x41" when split by --by */
	double t_charged; /* bytes charged to a memory cgroup, since the start */
	char owner[48]; /* --by: the site's comm or cgroup, "" when not split */
	bool group; /* the sum of the rows of one owner (w), not a site: site is NULL */
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
	double rate_slack;
	/* BYTES/s of the last TOP_TREND_W intervals, oldest first; NaN: not seen */
	double trend[TOP_TREND_W];
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
	char who[320]; /* the filters and --by of the recording, "" when none */
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
	bool by_owner; /* w: one row per comm or cgroup of a --by recording */
	bool utf8; /* block characters for the bar charts */
	char source[160]; /* "standalone" or "daemon /run/kmemscope/control.sock" */
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
/* Numeric value of a column; -1 when it has none ("-"). */
double top_col_value(const struct top_row *r, enum top_col c, bool totals);
/* A number or string member of a state object: 0 / "" when absent. */
double top_num(const cJSON *o, const char *key);
const char *top_str(const cJSON *o, const char *key);

#endif
