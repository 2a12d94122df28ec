// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`: the model composed into lines of text (panes, table, help). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "schema.h"
#include "top_history.h"
#include "top_view.h"
#include "util.h"

#define CALLER_W 32
#define KIND_W 18

const char *const top_help[] = {
	"kmemscope top: kernel memory allocations per call site, live",
	"",
	"Sort (press again or r to reverse; < > move the sort column):",
	"  n  CALLER        o  KIND          a  ALLOC/s       b  BYTES/s",
	"  l  LIVE          c  LIVE BYTES    s  AVG REQ       x  SLACK/s",
	"  u  SLACK%        p  PING-PONG     g  GFP           r  reverse",
	"",
	"View:",
	"  /       filter by name (caller, site or cache); Enter keeps, Esc clears",
	"  k       cycle the kind filter: all, kmalloc, kmem_cache, vmalloc, page",
	"  t       rates over the last interval <-> totals since the start",
	"  w       a --by recording: one row per comm or cgroup <-> per site",
	"  f       fragmentation pane: buddyinfo per zone, both indices per order",
	"  m       slab caches pane: objects, utilisation, memory; merged caches",
	"  Enter   detail of the selected site: sizes, GFP, lifetimes, stacks",
	"  [ ] }   step back / forward through the kept intervals; } the newest",
	"  Left/Right  scroll the columns a narrow terminal hides",
	"  Up/Down PgUp/PgDn Home/End   move the selection / scroll a pane",
	"  space   pause / resume refreshing",
	"  ?       this help;  Esc (or the pane's key again) closes a pane",
	"  Ctrl-L  redraw the screen",
	"  q       quit",
	"",
	"Columns: ALLOC/s and BYTES/s (allocated bytes) over the last interval",
	"(ALLOCS, BYTES since the start with t); LIVE objects not freed yet;",
	"AVG REQ requested bytes per allocation; SLACK% allocated but not",
	"requested (SLACK/s the bytes); PING-PONG frees on another CPU than the",
	"allocation; TREND BYTES/s over the last intervals (a site's highest is a",
	"full block; . not seen); GFP the most frequent flags (+: there are others).",
	NULL,
};

static const struct {
	const char *rate, *total;
	int width; /* negative: left-aligned */
	char key; /* 0: not a sort key */
	int prio; /* narrow terminals drop the lowest first */
} cols[COL_NR] = {
	[COL_CALLER] = { "CALLER", "CALLER", -CALLER_W, 'n', 100 },
	[COL_KIND] = { "KIND", "KIND", -KIND_W, 'o', 60 },
	[COL_ALLOCS] = { "ALLOC/s", "ALLOCS", 9, 'a', 85 },
	[COL_BYTES] = { "BYTES/s", "BYTES", 9, 'b', 90 },
	[COL_LIVE] = { "LIVE", "LIVE", 8, 'l', 50 },
	[COL_LIVE_BYTES] = { "LIVE BYTES", "LIVE BYTES", 10, 'c', 80 },
	[COL_AVG_REQ] = { "AVG REQ", "AVG REQ", 8, 's', 40 },
	[COL_SLACK] = { "SLACK%", "SLACK%", 7, 'u', 55 },
	[COL_PINGPONG] = { "PING-PONG", "PING-PONG", 9, 'p', 20 },
	[COL_GFP] = { "GFP", "GFP", -20, 'g', 30 },
	[COL_SLACK_BYTES] = { "SLACK/s", "SLACK", 9, 'x', 70 },
	[COL_TREND] = { "TREND", "TREND", -TOP_TREND_W, 0, 45 },
};

/* left to right; CALLER is always shown */
static const enum top_col order[COL_NR] = {
	COL_CALLER,  COL_KIND,	      COL_ALLOCS, COL_BYTES,	COL_LIVE,  COL_LIVE_BYTES,
	COL_AVG_REQ, COL_SLACK_BYTES, COL_SLACK,  COL_PINGPONG, COL_TREND, COL_GFP,
};

static const char *const kind_names[KIND_NR] = { "all", KIND_NAME_KMALLOC, KIND_NAME_CACHE,
						 KIND_NAME_VMALLOC, KIND_NAME_PAGE };

int top_col_for_key(int ch)
{
	for (int i = 0; ch && i < COL_NR; i++) {
		if (cols[i].key == ch)
			return i;
	}
	return -1;
}

bool top_col_sortable(enum top_col c)
{
	return cols[c].key != 0;
}

/* display columns of a column and its separator */
static int col_width(int i, enum top_col c)
{
	return abs(cols[c].width) + (i ? 1 : 0);
}

/*
 * The columns that fit in width (0: all). Scrolled (ui->hscroll > 0): the
 * columns from the hscroll-th after CALLER, left to right. Otherwise the
 * most important that fit (the sort column first), in their usual order.
 */
void top_pick_cols(const struct top_opts *o, struct top_ui *ui, int width, struct top_colset *cs)
{
	bool want[COL_NR] = { [COL_CALLER] = true };
	int used = abs(cols[COL_CALLER].width);

	if (ui && ui->hscroll > COL_NR - 2)
		ui->hscroll = COL_NR - 2;
	for (int k = 0; k < COL_NR; k++) {
		enum top_col best = COL_NR;

		if (ui && ui->hscroll) {
			best = k + 1 + ui->hscroll < COL_NR ? order[k + 1 + ui->hscroll] : COL_NR;
		} else {
			for (int c = 0; c < COL_NR; c++) {
				if (want[c] || cols[c].prio < 0)
					continue;
				if (best == COL_NR || (int)c == (int)o->sort ||
				    (cols[c].prio > cols[best].prio && (int)best != (int)o->sort))
					best = c;
			}
		}
		if (best == COL_NR)
			break;
		if (width && used + col_width(1, best) > width) {
			if (ui && ui->hscroll)
				break;
			want[best] = true; /* considered: hidden */
			continue;
		}
		want[best] = true;
		used += col_width(1, best);
		cs->show[best] = true;
	}
	cs->n = 0;
	cs->hidden = 0;
	for (int i = 0; i < COL_NR; i++) {
		if (order[i] == COL_CALLER || cs->show[order[i]])
			cs->c[cs->n++] = order[i];
		else
			cs->hidden++;
	}
}

const char *top_col_name(enum top_col c, bool totals)
{
	return totals ? cols[c].total : cols[c].rate;
}

const char *top_kind_name(enum top_kind k)
{
	return kind_names[k];
}

/* --- text ------------------------------------------------------------------- */

size_t top_text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* cut s to cols display columns (0: no limit) */
static void cut(char *s, int cols)
{
	size_t n = 0;

	if (cols <= 0)
		return;
	for (char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == (size_t)cols) {
			*p = '\0';
			return;
		}
	}
}

void top_screen_clear(struct top_screen *scr)
{
	for (size_t i = 0; i < scr->nr; i++)
		free(scr->lines[i].text);
	scr->nr = 0;
}

void top_screen_free(struct top_screen *scr)
{
	top_screen_clear(scr);
	free(scr->lines);
	memset(scr, 0, sizeof(*scr));
}

struct out {
	struct top_screen *scr;
	int cols;
};

__attribute__((format(printf, 3, 4))) static void add(struct out *o, enum top_attr a,
						      const char *fmt, ...)
{
	char buf[2048], *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cut(buf, o->cols);
	if (o->scr->nr == o->scr->cap) {
		size_t cap = o->scr->cap ? o->scr->cap * 2 : 64;
		struct top_line *l = realloc(o->scr->lines, cap * sizeof(*l));

		if (!l)
			return;
		o->scr->lines = l;
		o->scr->cap = cap;
	}
	text = strdup(buf);
	if (!text)
		return;
	o->scr->lines[o->scr->nr].text = text;
	o->scr->lines[o->scr->nr++].attr = a;
}

static const char *cnt(double v, char *buf, size_t sz)
{
	/* fractions only below one a second: "0.5", then whole numbers */
	if (v > 0 && v < 0.95) {
		snprintf(buf, sz, "%.1f", v);
		return buf;
	}
	return fmt_count(v < 0 ? 0 : llround(v), buf, sz);
}

static const char *byt(double v, char *buf, size_t sz)
{
	return fmt_bytes(v < 0 ? 0 : llround(v), buf, sz);
}

static const char *duration(double s, char *buf, size_t sz)
{
	unsigned long long t = s;

	if (t >= 86400)
		snprintf(buf, sz, "%llud %02llu:%02llu:%02llu", t / 86400, t / 3600 % 24,
			 t / 60 % 60, t % 60);
	else
		snprintf(buf, sz, "%02llu:%02llu:%02llu", t / 3600, t / 60 % 60, t % 60);
	return buf;
}

/* one bar per order, height on a log scale of the free blocks */
static void bars(const struct top_zone *z, bool utf8, char *buf, size_t sz)
{
	static const char *const ub[] = { " ",	    "\u2581", "\u2582", "\u2583", "\u2584",
					  "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ab[] = " .:-=+*#@";
	double max = 0;
	size_t n = 0;

	for (int i = 0; i < z->nr_orders; i++)
		max = z->free[i] > max ? z->free[i] : max;
	buf[0] = '\0';
	for (int i = 0; i < z->nr_orders && n + 4 < sz; i++) {
		int lvl = 0;

		if (z->free[i] > 0)
			lvl = 1 + (int)(7.0 * log1p(z->free[i]) / log1p(max) + 0.5);
		if (lvl > 8)
			lvl = 8;
		if (utf8) {
			strcpy(buf + n, ub[lvl]);
			n += strlen(ub[lvl]);
		} else {
			buf[n++] = ab[lvl];
			buf[n] = '\0';
		}
	}
}

static double zone_free_bytes(const struct top_model *m, const struct top_zone *z)
{
	double b = 0;

	for (int i = 0; i < z->nr_orders; i++)
		b += z->free[i] * ldexp(1, i);
	return b * m->page_size;
}

/* "o3 0.012 (+0.003)" */
static void index_at(const struct top_zone *z, int order, char *buf, size_t sz)
{
	double d;

	if (order < 0 || order >= z->nr_orders || isnan(z->unusable[order])) {
		buf[0] = '\0';
		return;
	}
	d = z->unusable[order] - z->prev_unusable[order];
	if (!z->has_prev || isnan(d))
		snprintf(buf, sz, "o%d %.3f", order, z->unusable[order]);
	else if (fabs(d) < 0.0005)
		snprintf(buf, sz, "o%d %.3f (=)", order, z->unusable[order]);
	else
		snprintf(buf, sz, "o%d %.3f (%+.3f)", order, z->unusable[order], d);
}

static void frag_strip(const struct top_model *m, const struct top_opts *o, struct out *out,
		       size_t max_zones)
{
	char b[160], u3[48], up[48], f[16];

	if (!m->zones) {
		add(out, TA_DIM, "Frag:   fragmentation data not available");
		return;
	}
	for (size_t i = 0; i < m->nr_zones; i++) {
		const struct top_zone *z = &m->zones[i];

		if (max_zones && i == max_zones - 1 && m->nr_zones > max_zones) {
			add(out, TA_NORMAL, "Frag:   ... %zu more zones: press f", m->nr_zones - i);
			break;
		}
		bars(z, o->utf8, b, sizeof(b));
		index_at(z, 3, u3, sizeof(u3));
		index_at(z, m->pageblock_order == 3 ? -1 : m->pageblock_order, up, sizeof(up));
		add(out, TA_NORMAL, "Frag:   Node %d %-8s [%s] free %-6s unusable %s%s%s", z->node,
		    z->zone, b, byt(zone_free_bytes(m, z), f, sizeof(f)), u3, up[0] ? "  " : "",
		    up);
	}
}

/* "   [HISTORY -3 of 60]" while stepping back through the kept intervals */
static const char *history_mark(const struct top_ui *ui, char *buf, size_t sz)
{
	if (!ui || !ui->back)
		return "";
	snprintf(buf, sz, "   [HISTORY -%zu of %zu]", ui->back, ui->history);
	return buf;
}

static void header(const struct top_model *m, const struct top_opts *o, const struct top_ui *ui,
		   struct out *out, bool once)
{
	char a[16], b[16], c[16], d[16], t[32], h[48];

	add(out, TA_TITLE, "kmemscope top - %s   up %s   interval %.1fs%s%s", o->source,
	    duration(m->uptime_s, t, sizeof(t)), m->duration_s,
	    ui && ui->paused ? "   [PAUSED]" : "", history_mark(ui, h, sizeof(h)));
	if (m->ev_page >= 0)
		cnt(m->ev_page, d, sizeof(d));
	add(out, m->drops > 0 ? TA_WARN : TA_NORMAL,
	    "Events/s: kmalloc %s  kmem_cache %s  vmalloc %s%s%s   Drops: %.0f%s%s%s   Sites: %zu",
	    cnt(m->ev_kmalloc, a, sizeof(a)), cnt(m->ev_cache, b, sizeof(b)),
	    cnt(m->ev_vmalloc, c, sizeof(c)), m->ev_page >= 0 ? "  page " : "",
	    m->ev_page >= 0 ? d : "", m->drops, m->drops > 0 ? " (" : "", m->drop_kinds,
	    m->drops > 0 ? ")" : "", m->nr_rows);
	add(out, TA_NORMAL, "Attach:   %s", m->attach);
	if (m->who[0])
		add(out, TA_NORMAL, "Who:      %s", m->who);
	if (m->has_meminfo)
		add(out, TA_NORMAL, "Memory:   Slab %s  SUnreclaim %s  VmallocUsed %s  MemFree %s",
		    byt(m->slab, a, sizeof(a)), byt(m->sunreclaim, b, sizeof(b)),
		    byt(m->vmalloc_used, c, sizeof(c)), byt(m->memfree, d, sizeof(d)));
	else
		add(out, TA_DIM, "Memory:   meminfo not available");
	frag_strip(m, o, out, once ? 0 : 4);
}

static void col_header(const struct top_opts *o, const struct top_colset *cs, struct out *out)
{
	char buf[512], name[32];
	size_t n = 0;

	for (int i = 0; i < cs->n; i++) {
		enum top_col c = cs->c[i];
		int w = cols[c].width;

		snprintf(name, sizeof(name), "%s%s", top_col_name(c, o->totals),
			 c == o->sort ? "*" : "");
		n += snprintf(buf + n, sizeof(buf) - n, i ? " %*s" : "%*s", w, name);
	}
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	add(out, TA_COLHEAD, "%s", buf);
}

static void cell(const struct top_row *r, enum top_col c, bool totals, char *buf, size_t sz)
{
	double v = top_col_value(r, c, totals);

	if (v < 0) {
		snprintf(buf, sz, "-");
		return;
	}
	/* ">=": the live table could not hold all of the site's objects */
	if ((c == COL_LIVE || c == COL_LIVE_BYTES) && r->live_untracked > 0 && sz > 3) {
		snprintf(buf, sz, ">=");
		buf += 2;
		sz -= 2;
	}
	switch (c) {
	case COL_BYTES:
	case COL_LIVE_BYTES:
		byt(v, buf, sz);
		break;
	case COL_AVG_REQ:
		byt(v, buf, sz);
		break;
	case COL_SLACK:
		snprintf(buf, sz, "%.1f", v);
		break;
	case COL_SLACK_BYTES:
		byt(v, buf, sz);
		break;
	default:
		cnt(v, buf, sz);
	}
}

/*
 * Fit "function+0x1a" into the column: cut the function, keep the offset
 * (it tells sites apart) and mark the cut with '~'. The head stays, so the
 * column still reads sorted when sorted by name.
 */
static void short_name(const char *full, char out[CALLER_W + 1])
{
	size_t len = strlen(full), tail;
	const char *plus = strrchr(full, '+');

	if (len <= CALLER_W) {
		strcpy(out, full);
		return;
	}
	tail = plus ? strlen(plus) : 0;
	if (tail > CALLER_W / 2)
		tail = 0;
	memcpy(out, full, CALLER_W - tail - 1);
	out[CALLER_W - tail - 1] = '~';
	memcpy(out + CALLER_W - tail, full + len - tail, tail);
	out[CALLER_W] = '\0';
}

/* the TREND cell: padded by hand, block characters are 3 bytes for 1 column */
static size_t trend_cell(const struct top_row *r, const struct top_opts *o, char *buf, size_t sz)
{
	char s[TOP_TREND_W * 4 + 1];
	size_t n;

	top_sparkline(r->trend, TOP_TREND_W, o->utf8, s, sizeof(s));
	n = snprintf(buf, sz, " %s", s);
	for (size_t w = top_text_width(s); w < TOP_TREND_W && n + 1 < sz; w++)
		buf[n++] = ' ';
	buf[n < sz ? n : sz - 1] = '\0';
	return n < sz ? n : sz - 1;
}

static void row_line(const struct top_row *r, const struct top_opts *o, const struct top_colset *cs,
		     struct out *out, enum top_attr a)
{
	char buf[512], v[32];
	char name[CALLER_W + 1];
	size_t n = 0;

	short_name(r->site_name, name);
	n += snprintf(buf + n, sizeof(buf) - n, "%-*s", CALLER_W, name);
	for (int i = 1; i < cs->n && n < sizeof(buf); i++) {
		enum top_col c = cs->c[i];

		if (c == COL_KIND) {
			n += snprintf(buf + n, sizeof(buf) - n, " %-*.*s", KIND_W, KIND_W, r->kind);
		} else if (c == COL_GFP) {
			n += snprintf(buf + n, sizeof(buf) - n, " %-20s", r->gfp);
		} else if (c == COL_TREND) {
			n += trend_cell(r, o, buf + n, sizeof(buf) - n);
		} else {
			cell(r, c, o->totals, v, sizeof(v));
			n += snprintf(buf + n, sizeof(buf) - n, " %*s", cols[c].width, v);
		}
	}
	while (n && n < sizeof(buf) && buf[n - 1] == ' ')
		buf[--n] = '\0';
	add(out, a, "%s", buf);
}

/* --- panes ------------------------------------------------------------------- */

static double slab_memory(const cJSON *c, double page_size)
{
	double per = top_num(c, FLD_OBJPERSLAB);

	return per > 0 ? ceil(top_num(c, FLD_NUM_OBJS) / per) * top_num(c, FLD_PAGESPERSLAB) *
				 page_size :
			 0;
}

static double slab_page_size;

static int slab_cmp(const void *a, const void *b)
{
	double x = slab_memory(*(const cJSON *const *)a, slab_page_size);
	double y = slab_memory(*(const cJSON *const *)b, slab_page_size);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* the state's slabinfo caches by memory, merged caches with their aliases */
static void slab_pane(const struct top_model *m, struct out *out)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(m->state, FLD_SLABINFO), *c, *al, *e;
	const cJSON **v;
	char name[256], ao[16], to[16], mem[16];
	size_t n = 0;

	if (!cJSON_IsArray(a) || !cJSON_GetArraySize(a)) {
		add(out, TA_DIM,
		    "slab data not available (no /proc/slabinfo yet, or an older daemon)");
		return;
	}
	v = calloc(cJSON_GetArraySize(a), sizeof(*v));
	if (!v)
		return;
	cJSON_ArrayForEach(c, a) v[n++] = c;
	slab_page_size = m->page_size > 0 ? m->page_size : 4096;
	qsort(v, n, sizeof(*v), slab_cmp); // NOLINT(bugprone-sizeof-expression): pointers
	add(out, TA_COLHEAD, "Slab caches (/proc/slabinfo, the last snapshot; by memory)");
	add(out, TA_COLHEAD, "  %-50s %9s %9s %7s %6s %8s", "CACHE", "ACTIVE", "TOTAL", "OBJSIZE",
	    "USE%", "MEMORY");
	for (size_t i = 0; i < n; i++) {
		double act = top_num(v[i], FLD_ACTIVE_OBJS), tot = top_num(v[i], FLD_NUM_OBJS);
		size_t len = snprintf(name, sizeof(name), "%s", top_str(v[i], FLD_NAME));

		al = cJSON_GetObjectItemCaseSensitive(v[i], FLD_ALIASES);
		cJSON_ArrayForEach(e, al)
		{
			if (len < sizeof(name) && cJSON_IsString(e))
				len += snprintf(name + len, sizeof(name) - len, "%s%s",
						e == al->child ? " (merged: " : ", ",
						e->valuestring);
		}
		if (len < sizeof(name) && cJSON_GetArraySize(al))
			snprintf(name + len, sizeof(name) - len, ")");
		add(out, TA_NORMAL, "  %-50s %9s %9s %7.0f %5.1f%% %8s", name,
		    cnt(act, ao, sizeof(ao)), cnt(tot, to, sizeof(to)), top_num(v[i], FLD_OBJSIZE),
		    tot > 0 ? 100.0 * act / tot : 0,
		    byt(slab_memory(v[i], slab_page_size), mem, sizeof(mem)));
	}
	free(v);
}

static void frag_pane(const struct top_model *m, struct out *out)
{
	char line[512], v[32], f[16];
	const cJSON *pt, *e;

	if (!m->zones) {
		add(out, TA_DIM, "fragmentation data not available");
		return;
	}
	if (m->pageblock_order >= 0)
		add(out, TA_COLHEAD, "Fragmentation per zone (pageblock order %d)",
		    m->pageblock_order);
	else
		add(out, TA_COLHEAD, "Fragmentation per zone");
	add(out, TA_DIM,
	    "unusable index: share of free memory in blocks smaller than the order (0: all usable)");
	add(out, TA_DIM,
	    "frag index: -1 a block of the order is free; towards 0 failure from lack of memory, towards 1 from fragmentation");
	pt = cJSON_GetObjectItemCaseSensitive(m->state, FLD_PAGETYPE);
	for (size_t i = 0; i < m->nr_zones; i++) {
		const struct top_zone *z = &m->zones[i];
		size_t n;

		add(out, TA_NORMAL, "%s", "");
		add(out, TA_TITLE, "Node %d, zone %s: free %s", z->node, z->zone,
		    byt(zone_free_bytes(m, z), f, sizeof(f)));
		n = snprintf(line, sizeof(line), "  %-16s", "order");
		for (int k = 0; k < z->nr_orders; k++)
			n += snprintf(line + n, sizeof(line) - n, " %7d", k);
		add(out, TA_NORMAL, "%s", line);
		n = snprintf(line, sizeof(line), "  %-16s", "free blocks");
		for (int k = 0; k < z->nr_orders; k++)
			n += snprintf(line + n, sizeof(line) - n, " %7s",
				      cnt(z->free[k], v, sizeof(v)));
		add(out, TA_NORMAL, "%s", line);
		n = snprintf(line, sizeof(line), "  %-16s", "unusable index");
		for (int k = 0; k < z->nr_orders; k++)
			n += snprintf(line + n, sizeof(line) - n, " %7.3f", z->unusable[k]);
		add(out, TA_NORMAL, "%s", line);
		n = snprintf(line, sizeof(line), "  %-16s", "frag index");
		for (int k = 0; k < z->nr_orders; k++)
			n += snprintf(line + n, sizeof(line) - n, " %7.3f", z->frag[k]);
		add(out, TA_NORMAL, "%s", line);
		/* pagetypeinfo rows of this zone, when the state has them */
		cJSON_ArrayForEach(e, pt)
		{
			const cJSON *fr = cJSON_GetObjectItemCaseSensitive(e, FLD_FREE), *x;
			int k = 0;

			if (top_num(e, FLD_NODE) != z->node ||
			    strcmp(top_str(e, FLD_ZONE), z->zone))
				continue;
			n = snprintf(line, sizeof(line), "  %-16.16s", top_str(e, FLD_MIGRATETYPE));
			cJSON_ArrayForEach(x, fr)
			{
				if (k++ >= z->nr_orders)
					break;
				n += snprintf(line + n, sizeof(line) - n, " %7s",
					      cnt(x->valuedouble, v, sizeof(v)));
			}
			add(out, TA_DIM, "%s", line);
		}
	}
}

static int num_key_cmp(const void *a, const void *b)
{
	double x = strtod((*(const cJSON *const *)a)->string, NULL);
	double y = strtod((*(const cJSON *const *)b)->string, NULL);

	return x < y ? -1 : x > y;
}

typedef const char *(*fmt_fn)(double v, char *buf, size_t sz);

static const char *ns_label(double v, char *buf, size_t sz)
{
	if (v < 1e3)
		snprintf(buf, sz, "%.0fns", v);
	else if (v < 1e6)
		snprintf(buf, sz, "%.0fus", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, sz, "%.0fms", v / 1e6);
	else
		snprintf(buf, sz, "%.0fs", v / 1e9);
	return buf;
}

/* log2 histogram {"64": n, ...}: one line per bucket, sorted, with a bar */
static void histogram(struct out *out, const char *title, const cJSON *h, fmt_fn fmt)
{
	const cJSON *e, *items[128];
	size_t n = 0;
	double total = 0, max = 0;
	char lo[16], hi[16], bar[41];

	cJSON_ArrayForEach(e, h)
	{
		if (n < ARRAY_SIZE(items) && cJSON_IsNumber(e) && e->valuedouble > 0) {
			items[n++] = e;
			total += e->valuedouble;
			max = e->valuedouble > max ? e->valuedouble : max;
		}
	}
	add(out, TA_COLHEAD, "%s", title);
	if (!n) {
		add(out, TA_DIM, "  (none)");
		return;
	}
	qsort(items, n, sizeof(*items),
	      num_key_cmp); // NOLINT(bugprone-sizeof-expression): pointers
	for (size_t i = 0; i < n; i++) {
		double b = strtod(items[i]->string, NULL);
		int w = (int)(40.0 * items[i]->valuedouble / max + 0.5);

		memset(bar, '#', w);
		bar[w] = '\0';
		fmt(b, lo, sizeof(lo));
		fmt(b ? 2 * b : 1, hi, sizeof(hi));
		add(out, TA_NORMAL, "  %8s - %-8s %-40s %10.0f %5.1f%%", lo, hi, bar,
		    items[i]->valuedouble, 100.0 * items[i]->valuedouble / total);
	}
}

static const char *bytes_label(double v, char *buf, size_t sz)
{
	return byt(v, buf, sz);
}

/* alloc_sizes {"512": {"allocs", "bytes_req"}}: exact slack per allocated size */
static void alloc_sizes(struct out *out, const cJSON *o)
{
	const cJSON *e;
	char a[16], b[16], c[16], d[16];
	size_t n = 0;

	add(out, TA_COLHEAD, "Allocated sizes (since start: exact, from the kernel's keys)");
	add(out, TA_COLHEAD, "  %8s %10s %10s %10s %7s", "SIZE", "ALLOCS", "REQ", "SLACK",
	    "SLACK%");
	cJSON_ArrayForEach(e, o)
	{
		double size = strtod(e->string, NULL), allocs = top_num(e, FLD_ALLOCS);
		double req = top_num(e, FLD_BYTES_REQ), bytes = size * allocs;
		double slack = bytes > req ? bytes - req : 0;

		add(out, TA_NORMAL, "  %8s %10s %10s %10s %6.1f%%", byt(size, a, sizeof(a)),
		    cnt(allocs, b, sizeof(b)), byt(req, c, sizeof(c)), byt(slack, d, sizeof(d)),
		    bytes > 0 ? 100.0 * slack / bytes : 0);
		n++;
	}
	if (!n)
		add(out, TA_DIM, "  (none: an older recorder)");
}

/* sampled stacks shown in the detail pane, and frames of each */
#define DETAIL_STACKS 3
#define DETAIL_FRAMES 8

/*
 * A site's top sampled stacks by estimated bytes since the start: the
 * site's exact bytes shared by the stacks' sampled bytes (the ratio
 * estimator of docs/export-format.md).
 */
static void sampled_stacks(const struct top_row *r, struct out *out)
{
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(r->site, FLD_STACKS), *e, *f;
	const cJSON *top[DETAIL_STACKS] = {};
	double sum = 0, v;
	char a[16], b[16];
	int n = 0, i, k;

	cJSON_ArrayForEach(e, stacks)
	{
		v = top_num(e, FLD_BYTES_ALLOC);
		sum += v;
		for (i = 0; i < DETAIL_STACKS; i++) {
			if (!top[i] || v > top_num(top[i], FLD_BYTES_ALLOC))
				break;
		}
		if (i == DETAIL_STACKS)
			continue;
		memmove(&top[i + 1], &top[i], (DETAIL_STACKS - 1 - i) * sizeof(top[0]));
		top[i] = e;
		n += n < DETAIL_STACKS;
	}
	if (!n || sum <= 0)
		return;
	add(out, TA_NORMAL, "%s", "");
	add(out, TA_COLHEAD,
	    "Top stacks of %d (%s, by bytes of the site's %s allocated since start)",
	    cJSON_GetArraySize(stacks),
	    r->kclass == KIND_VMALLOC ? "each recorded" : "sampled and scaled",
	    byt(r->tot_bytes, a, sizeof(a)));
	for (i = 0; i < n; i++) {
		v = top_num(top[i], FLD_BYTES_ALLOC);
		add(out, TA_NORMAL, "  ~%s  %4.1f%%  (%s samples)",
		    byt(r->tot_bytes * v / sum, a, sizeof(a)), 100.0 * v / sum,
		    cnt(top_num(top[i], FLD_ALLOCS), b, sizeof(b)));
		k = 0;
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(top[i], FLD_STACK))
		{
			if (k++ == DETAIL_FRAMES) {
				add(out, TA_DIM, "      ...");
				break;
			}
			add(out, TA_NORMAL, "      %s", cJSON_IsString(f) ? f->valuestring : "?");
		}
	}
}

static void detail_pane(const struct top_model *m, const struct top_opts *o,
			const struct top_ui *ui, struct out *out)
{
	const struct top_row *r;
	const cJSON *t, *gfp, *e, *stack;
	char a[16], b[16], c[16], d[16], g[16];
	double gtot = 0;

	if (ui->selected >= m->nr_vis) {
		add(out, TA_DIM, "no site selected");
		return;
	}
	r = &m->rows[m->vis[ui->selected]];
	t = cJSON_GetObjectItemCaseSensitive(r->site, FLD_TOTAL);
	add(out, TA_TITLE, "%s   caller %s   kind %s", r->site_name, r->caller, r->kind);
	add(out, TA_NORMAL,
	    "  last interval: %s allocs/s, %s/s allocated;  since start: %s allocs, %s, %s frees",
	    cnt(r->rate_allocs, a, sizeof(a)), byt(r->rate_bytes, b, sizeof(b)),
	    cnt(r->tot_allocs, c, sizeof(c)), byt(r->tot_bytes, d, sizeof(d)),
	    cnt(top_num(t, FLD_FREES), g, sizeof(g)));
	if (top_num(t, FLD_IMPLIED_FREES) > 0)
		add(out, TA_NORMAL,
		    "  implied frees: %s (%s), freed past the tracepoints (kfree_rcu, bulk frees), seen when the address was allocated again",
		    cnt(top_num(t, FLD_IMPLIED_FREES), a, sizeof(a)),
		    byt(top_num(t, FLD_IMPLIED_BYTES), b, sizeof(b)));
	add(out, TA_NORMAL,
	    "  live %s%s objects, %s;  failed %.0f;  ping-pong %.0f frees on another CPU",
	    r->live_untracked > 0 ? "at least " : "", cnt(r->live, a, sizeof(a)),
	    byt(r->live_bytes, b, sizeof(b)), top_num(t, FLD_FAILED), r->tot_pingpong);
	if (r->live_untracked > 0)
		add(out, TA_WARN,
		    "  %s allocations the live table could not hold: live is a lower bound (raise --live-entries)",
		    cnt(r->live_untracked, a, sizeof(a)));
	cell(r, COL_AVG_REQ, o->totals, a, sizeof(a));
	cell(r, COL_SLACK, o->totals, b, sizeof(b));
	add(out, TA_NORMAL, "  average request %s bytes;  slack %s%%%s", a, b,
	    r->req_unknown ? " (requested size not visible at this attach point)" : "");
	add(out, TA_NORMAL, "  charged to a memory cgroup %s of %s allocated (since start)",
	    byt(r->t_charged, a, sizeof(a)), byt(r->t_alloc_bytes, b, sizeof(b)));
	add(out, TA_NORMAL, "%s", "");
	histogram(out, "Sizes (since start, bytes requested: from - below)",
		  cJSON_GetObjectItemCaseSensitive(t, FLD_SIZES), bytes_label);
	add(out, TA_NORMAL, "%s", "");
	alloc_sizes(out, cJSON_GetObjectItemCaseSensitive(r->site, FLD_ALLOC_SIZES));
	add(out, TA_NORMAL, "%s", "");
	add(out, TA_COLHEAD, "GFP flags (since start)");
	gfp = cJSON_GetObjectItemCaseSensitive(r->site, FLD_GFP);
	cJSON_ArrayForEach(e, gfp) gtot += cJSON_IsNumber(e) ? e->valuedouble : 0;
	cJSON_ArrayForEach(e, gfp)
	{
		if (cJSON_IsNumber(e))
			add(out, TA_NORMAL, "  %10.0f %5.1f%%  %s", e->valuedouble,
			    gtot > 0 ? 100.0 * e->valuedouble / gtot : 0, e->string);
	}
	if (!gtot)
		add(out, TA_DIM, "  (none)");
	add(out, TA_NORMAL, "%s", "");
	histogram(out, "Lifetimes (since start, allocation to free: from - below)",
		  cJSON_GetObjectItemCaseSensitive(t, FLD_LIFETIMES_NS), ns_label);
	stack = cJSON_GetObjectItemCaseSensitive(r->site, FLD_STACK);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->site, FLD_STACKS))) {
		sampled_stacks(r, out);
	} else if (cJSON_IsArray(stack)) {
		add(out, TA_NORMAL, "%s", "");
		add(out, TA_COLHEAD, "Stack");
		cJSON_ArrayForEach(e, stack)
			add(out, TA_NORMAL, "  %s", cJSON_IsString(e) ? e->valuestring : "?");
	} else if (r->kclass == KIND_VMALLOC || r->kclass == KIND_PAGE) {
		add(out, TA_NORMAL, "%s", "");
		add(out, TA_DIM, "Stack: none recorded for this site");
	}
}

static void status_line(const struct top_model *m, const struct top_opts *o,
			const struct top_ui *ui, const struct top_colset *cs, struct out *out)
{
	char more[64] = "";

	if (ui->editing) {
		add(out, TA_COLHEAD, "Filter: %s_   (Enter keeps, Esc clears)", o->filter);
		return;
	}
	if (ui->pane != PANE_TABLE) {
		add(out, TA_COLHEAD, "%s   Up/Down scroll  Esc back  q quit",
		    ui->status[0] ? ui->status : "");
		return;
	}
	if (cs && (cs->hidden || ui->hscroll))
		snprintf(more, sizeof(more), "  %d col%s hidden (Left/Right)", cs->hidden,
			 cs->hidden == 1 ? "" : "s");
	add(out, TA_COLHEAD, "%s%s%zu/%zu sites  sort %s%s  %s  kind %s%s%s%s%s   ? help  q quit",
	    ui->status, ui->status[0] ? "   " : "", m->nr_vis, m->nr_rows,
	    top_col_name(o->sort, o->totals), o->reverse ? " (reversed)" : "",
	    o->totals ? "totals" : "rates", top_kind_name(o->kind),
	    o->filter[0] ? "  filter '" : "", o->filter, o->filter[0] ? "'" : "", more);
}

/* Lines of a pane, scrolled by ui->scroll into the height left */
static void scrolled(struct top_screen *all, struct top_ui *ui, int height, struct out *out)
{
	size_t h = height > 0 ? height : 0;

	if (all->nr <= h)
		ui->scroll = 0;
	else if (ui->scroll > all->nr - h)
		ui->scroll = all->nr - h;
	for (size_t i = ui->scroll; i < all->nr && i < ui->scroll + h; i++)
		add(out, all->lines[i].attr, "%s", all->lines[i].text);
}

void top_compose(const struct top_model *m, const struct top_opts *o, struct top_ui *ui, int rows,
		 int cols, struct top_screen *scr)
{
	struct out out = { scr, cols };
	struct top_screen pane = {};
	struct out pout = { &pane, cols };
	struct top_colset cs = {};
	int avail;

	top_screen_clear(scr);
	if (!rows) {
		struct top_colset all = {};

		/* --once: header and every row */
		top_pick_cols(o, NULL, 0, &all);
		header(m, o, NULL, &out, true);
		add(&out, TA_NORMAL, "%s", "");
		col_header(o, &all, &out);
		for (size_t i = 0; i < m->nr_vis; i++)
			row_line(&m->rows[m->vis[i]], o, &all, &out, TA_NORMAL);
		if (!m->nr_vis)
			add(&out, TA_DIM, "(no allocations seen)");
		return;
	}
	if (ui->selected >= m->nr_vis)
		ui->selected = m->nr_vis ? m->nr_vis - 1 : 0;
	if (ui->pane != PANE_TABLE) {
		if (ui->pane == PANE_HELP) {
			for (int i = 0; top_help[i]; i++)
				add(&pout, TA_NORMAL, "%s", top_help[i]);
		} else if (ui->pane == PANE_FRAG) {
			frag_pane(m, &pout);
		} else if (ui->pane == PANE_SLAB) {
			slab_pane(m, &pout);
		} else {
			detail_pane(m, o, ui, &pout);
		}
		add(&out, TA_TITLE, "kmemscope top - %s%s", o->source,
		    ui->paused ? "   [PAUSED]" : "");
		scrolled(&pane, ui, rows - 2, &out);
		while ((int)scr->nr < rows - 1)
			add(&out, TA_NORMAL, "%s", "");
		status_line(m, o, ui, NULL, &out);
		top_screen_free(&pane);
		return;
	}
	top_pick_cols(o, ui, cols, &cs);
	header(m, o, ui, &out, false);
	col_header(o, &cs, &out);
	avail = rows - (int)scr->nr - 1;
	if (avail < 1)
		avail = 1;
	if (ui->selected < ui->scroll)
		ui->scroll = ui->selected;
	if (ui->selected >= ui->scroll + avail)
		ui->scroll = ui->selected - avail + 1;
	if (ui->scroll + avail > m->nr_vis)
		ui->scroll = m->nr_vis > (size_t)avail ? m->nr_vis - avail : 0;
	for (size_t i = ui->scroll; i < m->nr_vis && i < ui->scroll + avail; i++)
		row_line(&m->rows[m->vis[i]], o, &cs, &out,
			 i == ui->selected ? TA_SELECTED : TA_NORMAL);
	if (!m->nr_vis)
		add(&out, TA_DIM,
		    m->nr_rows ? "(no site matches the filter)" : "(no allocations seen yet)");
	while ((int)scr->nr < rows - 1)
		add(&out, TA_NORMAL, "%s", "");
	status_line(m, o, ui, &cs, &out);
}
