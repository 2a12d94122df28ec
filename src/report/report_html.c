// SPDX-License-Identifier: GPL-2.0
/*
 * `kmemscope report --html`: one self-contained page. Charts are inline SVG
 * written here (no scripts needed to see them); a few lines of inline script
 * only make the tables sortable. A Content-Security-Policy forbids any
 * network access, so the page is the same offline as online.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report_advise.h"
#include "report_axis.h"
#include "report_html.h"
#include "report_notes.h"
#include "report_page.h"
#include "report_rank.h"
#include "report_slab.h"
#include "schema.h"
#include "util.h"

#define W 1100
#define PH 170 /* panel height */
#define ML 80 /* left margin: y labels */
#define MR 230 /* right margin: legend */
#define MT 26
#define MB 26
#define MAX_TABLE_ROWS 500
#define LEGEND_CHARS 28 /* in MR - 26 pixels, at up to 7.5px a character */
#define BAR_LABEL_CHARS 42 /* in the bars' 324-pixel label column */
#define MAX_TIP_POINTS 2000 /* per-point tooltips up to this many points a line */
#define HEAT_LW 52 /* the heat map's "order 10" column */

static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
				      "#9467bd", "#8c564b", "#e377c2", "#17becf" };

void rp_html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

struct axis {
	double t0, t1; /* seconds since the epoch */
	double y0, y1;
	int top; /* panel's top y in the svg */
	struct rp_ticks yt; /* y ticks from y0 */
	const char *suffix; /* after each y label's unit: "/s" */
};

static double px(const struct axis *a, double t)
{
	return ML + (t - a->t0) / (a->t1 - a->t0) * (W - ML - MR);
}

static double py(const struct axis *a, double v)
{
	if (v < a->y0)
		v = a->y0;
	if (v > a->y1)
		v = a->y1;
	return a->top + MT + (1 - (v - a->y0) / (a->y1 - a->y0)) * (PH - MT - MB);
}

/*
 * A label that must fit in max characters (11px text: about 6.5px each):
 * cut with an ellipsis, the whole of it in a tooltip. Labels used to run
 * past the left edge of the page (long GFP combinations).
 */
static void esc_fit(FILE *f, const char *s, size_t max)
{
	size_t n = strlen(s), cut = max > 1 ? max - 1 : 0;

	if (n <= max) {
		rp_html_esc(f, s);
		return;
	}
	/* never in the middle of a UTF-8 sequence */
	while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	fprintf(f, "<title>");
	rp_html_esc(f, s);
	fprintf(f, "</title>");
	for (size_t i = 0; i < cut; i++) {
		char c[2] = { s[i], 0 };

		rp_html_esc(f, c);
	}
	fputs("&#8230;", f);
}

/* y axis from 0 (or y0) to a round number of steps in the printed unit */
static void axis_y(struct axis *a, double y0, double max, bool bytes)
{
	rp_y_ticks(max, bytes, &a->yt);
	a->y0 = y0;
	a->y1 = y0 + a->yt.max;
}

/* a fixed range, in n steps (the indices' -1..1 and 0..1) */
static void axis_fixed(struct axis *a, double y0, double y1, int n)
{
	a->yt = (struct rp_ticks){
		.unit = 1, .uname = "", .step = (y1 - y0) / n, .max = y1 - y0, .n = n
	};
	a->y0 = y0;
	a->y1 = y1;
}

static void panel_frame(FILE *f, const struct axis *a, const char *title)
{
	double span = a->t1 - a->t0, step = rp_time_step(span);
	char buf[40];

	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"pt\">", ML, a->top + MT - 10);
	rp_html_esc(f, title);
	fprintf(f, "</text>\n");
	for (int i = 0; i <= a->yt.n; i++) {
		double v = a->y0 + a->yt.step * i, y = py(a, v);

		rp_tick_label(&a->yt, v, a->suffix, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", ML,
			W - MR, y, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"yl\">%s</text>\n", ML - 4, y + 4,
			buf);
	}
	/* an integer count of steps: adding a double step would drift */
	for (int i = 0;; i++) {
		double t = rp_time_first(a->t0, step) + i * step;

		if (t > a->t1 + 1e-6)
			break;
		rp_time_label(t, step, span, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"grid\"/>",
			px(a, t), px(a, t), a->top + MT, a->top + PH - MB);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xl\">%s</text>", px(a, t),
			a->top + PH - MB + 16, buf);
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", ML,
		a->top + MT, W - ML - MR, PH - MT - MB);
}

static void legend(FILE *f, const struct axis *a, int i, const char *color, const char *label)
{
	int y = a->top + MT + 12 + i * 16;

	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>", W - MR + 10,
		y - 4, color);
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"lg\">", W - MR + 26, y);
	esc_fit(f, label, LEGEND_CHARS);
	fprintf(f, "</text>\n");
}

/* red bands where a zone had no free block of order >= 3 */
static void ran_out_bands(FILE *f, const struct report *rp, const struct axis *a)
{
	double w = rp->bucket_ns / 1e9;

	for (__s64 b = rp->b_lo; b <= rp->b_hi; b++) {
		bool out = false;

		for (size_t i = 0; i < rp->nr_zones && !out; i++) {
			const struct rp_zone *z = rp->zones[i];

			out = b >= z->zbase && b < z->zbase + (__s64)z->zlen &&
			      z->zv[b - z->zbase].ran_out;
		}
		if (!out)
			continue;
		fprintf(f,
			"<rect class=\"out\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>order-3 blocks ran out</title></rect>\n",
			px(a, b * w), a->top + MT, px(a, (b + 1) * w) - px(a, b * w) + 0.5,
			PH - MT - MB);
	}
}

/* invisible markers over the points, each with its value and time as a tooltip */
static void point_tips(FILE *f, const struct report *rp, const struct axis *a, const double *y,
		       size_t n, const char *label)
{
	double w = rp->bucket_ns / 1e9;
	char v[40], t[40];

	if (n > MAX_TIP_POINTS)
		return;
	fprintf(f, "<g class=\"tips\">");
	for (size_t i = 0; i < n; i++) {
		double ts = (rp->b_lo + i + 0.5) * w;

		if (isnan(y[i]))
			continue;
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>", px(a, ts),
			py(a, y[i]));
		rp_html_esc(f, label);
		if (a->yt.uname[0])
			rp_tick_label(&a->yt, y[i], a->suffix, v, sizeof(v));
		else
			snprintf(v, sizeof(v), "%.3f", y[i]);
		fprintf(f, "\n%s at %s</title></circle>", v,
			rp_time_label(ts, 0.1, 0, t, sizeof(t)));
	}
	fprintf(f, "</g>\n");
}

/* One line: y[i] of bucket b_lo + i; NaN leaves a gap. */
static void line(FILE *f, const struct report *rp, const struct axis *a, const double *y, size_t n,
		 const char *color, const char *label)
{
	double w = rp->bucket_ns / 1e9;
	bool pen = false;

	fprintf(f, "<path class=\"ln\" stroke=\"%s\" d=\"", color);
	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i])) {
			pen = false;
			continue;
		}
		fprintf(f, "%c%.1f %.1f ", pen ? 'L' : 'M', px(a, (rp->b_lo + i + 0.5) * w),
			py(a, y[i]));
		pen = true;
	}
	fprintf(f, "\"><title>");
	rp_html_esc(f, label);
	fprintf(f, "</title></path>\n");
	point_tips(f, rp, a, y, n, label);
}

static double series_max(const double *y, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(y[i]) && y[i] > m)
			m = y[i];
	}
	return m;
}

static void zone_values(const struct report *rp, const struct rp_zone *z, int what, int o,
			double *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__s64 b = rp->b_lo + i;
		const struct rp_zpt *p;

		y[i] = NAN;
		if (b < z->zbase || b >= z->zbase + (__s64)z->zlen)
			continue;
		p = &z->zv[b - z->zbase];
		if (p->n)
			y[i] = (what ? p->frag[o] : p->unus[o]) / p->n;
	}
}

static const char *const zone_titles[] = {
	"Unusable free space index (0: all free memory usable, 1: none)",
	"Fragmentation index (extfrag_index; -1: a block of that order is free)",
};

/*
 * A panel whose lines are all one flat value says nothing a sentence
 * cannot (the fragmentation index is -1 throughout on most machines):
 * true, with the value, when every point of every zone is the same.
 */
static bool zone_constant(const struct report *rp, int what, double *y, size_t n, double *val)
{
	bool any = false;

	for (size_t i = 0; i < rp->nr_zones; i++) {
		for (int o = 0; o < 2; o++) {
			zone_values(rp, rp->zones[i], what, o, y, n);
			for (size_t k = 0; k < n; k++) {
				if (isnan(y[k]))
					continue;
				if (any && fabs(y[k] - *val) > 1e-9)
					return false;
				*val = y[k];
				any = true;
			}
		}
	}
	return any;
}

static void zone_panel(FILE *f, const struct report *rp, struct axis *a, int what, double *y,
		       size_t n)
{
	int k = 0;

	if (what)
		axis_fixed(a, -1, 1, 4);
	else
		axis_fixed(a, 0, 1, 4);
	a->suffix = "";
	panel_frame(f, a, zone_titles[what]);
	ran_out_bands(f, rp, a);
	for (size_t i = 0; i < rp->nr_zones; i++) {
		for (int o = 0; o < 2; o++, k++) {
			char label[96];

			snprintf(label, sizeof(label), "node %lld %s order %lld",
				 (long long)rp->zones[i]->node, rp->zones[i]->zone,
				 o ? (long long)rp->pageblock_order : 3LL);
			zone_values(rp, rp->zones[i], what, o, y, n);
			line(f, rp, a, y, n, colors[k % 8], label);
			if (k < 9)
				legend(f, a, k, colors[k % 8], label);
		}
	}
}

static void site_values(const struct report *rp, const struct rp_site *s, bool live, double *y,
			size_t n)
{
	double w = rp->bucket_ns / 1e9, carry = NAN;

	for (size_t i = 0; i < n; i++) {
		__s64 b = rp->b_lo + i;
		const struct rp_pt *p = NULL;

		if (b >= s->ser.base && b < s->ser.base + (__s64)s->ser.len)
			p = &s->ser.v[b - s->ser.base];
		if (!live) {
			y[i] = p ? p->bytes / w : 0;
			continue;
		}
		/* live bytes only change when the site is active: carry forward */
		if (p && p->nlive)
			carry = p->live_last;
		y[i] = carry;
	}
}

/* the legend of a top site: its cache or kind too when another top site has its name */
static const char *site_label(struct rp_site **top, size_t nt, size_t i, char *buf, size_t sz)
{
	for (size_t j = 0; j < nt; j++) {
		if (j != i && !strcmp(top[j]->site, top[i]->site)) {
			snprintf(buf, sz, "%s %s", top[i]->site,
				 top[i]->cache[0] ? top[i]->cache : top[i]->kind);
			return buf;
		}
	}
	return top[i]->site;
}

static void sites_panel(FILE *f, const struct report *rp, struct axis *a, struct rp_site **top,
			size_t nt, bool live, double *y, size_t n)
{
	double max = 0;

	for (size_t i = 0; i < nt; i++) {
		site_values(rp, top[i], live, y, n);
		max = fmax(max, series_max(y, n));
	}
	axis_y(a, 0, max, true);
	a->suffix = live ? "" : "/s";
	panel_frame(f, a,
		    live ? "Live bytes of the top sites (allocated while tracing, not yet freed)" :
			   "Allocation rate of the top callers (bytes allocated per second)");
	if (!live)
		ran_out_bands(f, rp, a);
	for (size_t i = 0; i < nt; i++) {
		char buf[512];
		const char *label = site_label(top, nt, i, buf, sizeof(buf));

		site_values(rp, top[i], live, y, n);
		line(f, rp, a, y, n, colors[i % 8], label);
		legend(f, a, i, colors[i % 8], label);
	}
}

static int cmp_bytes(const void *x, const void *y)
{
	const struct rp_site *a = *(const struct rp_site *const *)x;
	const struct rp_site *b = *(const struct rp_site *const *)y;

	return a->bytes_alloc < b->bytes_alloc ? 1 : a->bytes_alloc > b->bytes_alloc ? -1 : 0;
}

static int cmp_live(const void *x, const void *y)
{
	const struct rp_site *a = *(const struct rp_site *const *)x;
	const struct rp_site *b = *(const struct rp_site *const *)y;

	return a->live_bytes < b->live_bytes ? 1 : a->live_bytes > b->live_bytes ? -1 : 0;
}

/* the top n sites by a key, without disturbing the report's own order */
static size_t top_sites(const struct report *rp, struct rp_site **out, size_t n,
			int (*cmp)(const void *, const void *))
{
	struct rp_site **l;
	size_t k = 0;

	if (!rp->nr_sites)
		return 0;
	l = malloc(rp->nr_sites * sizeof(*l));
	if (!l)
		return 0;
	memcpy(l, rp->sites, rp->nr_sites * sizeof(*l));
	qsort(l, rp->nr_sites, sizeof(*l), cmp);
	for (size_t i = 0; i < rp->nr_sites && k < n; i++) {
		if (cmp == cmp_live ? l[i]->live_bytes > 0 : l[i]->bytes_alloc > 0)
			out[k++] = l[i];
	}
	free(l);
	return k;
}

/* which zone panels to draw; a sentence for each flat one instead */
static int zone_panels(FILE *f, const struct report *rp, double *y, size_t n, bool show[2])
{
	int panels = 0;

	for (int what = 0; what < 2; what++) {
		double v = 0;

		show[what] = rp->nr_zones && !zone_constant(rp, what, y, n, &v);
		panels += show[what];
		if (!rp->nr_zones || show[what])
			continue;
		fprintf(f, "<p class=\"note\" id=\"flat%d\">", what);
		rp_html_esc(f, zone_titles[what]);
		fprintf(f,
			": %.3f throughout, in every zone and order shown (chart left out)</p>\n",
			v);
	}
	return panels;
}

static void time_charts(FILE *f, const struct report *rp)
{
	struct rp_site *top[RP_CHART_SITES];
	size_t n = rp->any_bucket ? rp->b_hi - rp->b_lo + 1 : 0, nt;
	struct axis a = {};
	bool show[2];
	int panels;
	double *y;

	fprintf(f, "<h2>Fragmentation and allocations over time</h2>\n");
	if (!n) {
		fprintf(f, "<p class=\"note\">no timed records in the input</p>\n");
		return;
	}
	if (!rp->nr_zones)
		fprintf(f,
			"<p class=\"note\" id=\"nofrag\">no fragmentation records in the input</p>\n");
	else
		fprintf(f,
			"<p class=\"note\">Red bands: a zone had no free block of order &ge; 3. Pageblock order %lld%s. One point per %.3g s.</p>\n",
			(long long)rp->pageblock_order,
			rp->pageblock_assumed ? " (assumed: the x86 default)" : "",
			rp->bucket_ns / 1e9);
	y = calloc(n, sizeof(*y));
	if (!y)
		return;
	panels = zone_panels(f, rp, y, n, show) + 1;
	a.t0 = rp->b_lo * (rp->bucket_ns / 1e9);
	a.t1 = (rp->b_hi + 1) * (rp->bucket_ns / 1e9);
	fprintf(f,
		"<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		W, panels * PH, W, panels * PH);
	for (int what = 0; what < 2; what++) {
		if (!show[what])
			continue;
		zone_panel(f, rp, &a, what, y, n);
		a.top += PH;
	}
	nt = top_sites(rp, top, RP_CHART_SITES, cmp_bytes);
	sites_panel(f, rp, &a, top, nt, false, y, n);
	fprintf(f, "</svg>\n");
	fprintf(f, "<h2>Live bytes over time</h2>\n");
	nt = top_sites(rp, top, RP_CHART_SITES, cmp_live);
	if (!nt) {
		fprintf(f, "<p class=\"note\">no site has live bytes at the end</p>\n");
	} else {
		a.top = 0;
		fprintf(f,
			"<svg id=\"live\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
			W, PH, W, PH);
		sites_panel(f, rp, &a, top, nt, true, y, n);
		fprintf(f, "</svg>\n");
	}
	free(y);
}

/* a value in the charts' byte units: "30.2 KiB" */
static const char *bytes_label(double v, char *buf, size_t sz)
{
	struct rp_ticks t;

	rp_y_ticks(v, true, &t);
	snprintf(buf, sz, "%.3g %s", v / t.unit, t.uname);
	return buf;
}

/* horizontal bars: label, value, tooltip */
static void bars(FILE *f, const char *id, size_t n, const char *const *labels, const double *v,
		 const char *const *tips, bool bytes)
{
	int bh = 20, lw = 330, h = n * (bh + 4) + 8;
	double max = 0;
	char buf[32];

	for (size_t i = 0; i < n; i++)
		max = fmax(max, v[i]);
	max = max > 0 ? max : 1;
	fprintf(f,
		"<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		id, W, h, W, h);
	for (size_t i = 0; i < n; i++) {
		int y = 4 + i * (bh + 4);
		double w = (W - lw - 120) * v[i] / max;

		if (bytes)
			bytes_label(v[i], buf, sizeof(buf));
		else
			fmt_count(rp_u64(v[i]), buf, sizeof(buf));
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"yl\">", lw - 6, y + 15);
		esc_fit(f, labels[i], BAR_LABEL_CHARS);
		fprintf(f,
			"</text><rect class=\"bar\" fill=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>",
			colors[i % 8], lw, y, w > 1 ? w : 1, bh);
		rp_html_esc(f, tips[i]);
		fprintf(f, "</title></rect><text x=\"%.1f\" y=\"%d\" class=\"lg\">%s</text>\n",
			lw + (w > 1 ? w : 1) + 6, y + 15, buf);
	}
	fprintf(f, "</svg>\n");
}

/* "kmalloc-512: load_msg" or, when several sites share the class, "... +2 sites" */
static void class_label(const struct rp_class *c, char *b, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%skmalloc-%s", c->estimated ? "~" : "",
			 fmt_bytes(c->size, b, 16));

	if (n < 0 || (size_t)n >= sz || !c->top[0])
		return;
	n += snprintf(buf + n, sz - n, ": %s", c->top[0]->caller);
	if ((size_t)n < sz && c->sites > 1)
		snprintf(buf + n, sz - n, " +%llu site%s", (unsigned long long)c->sites - 1,
			 c->sites > 2 ? "s" : "");
}

static void class_chart(FILE *f, const struct report *rp)
{
	size_t n = rp->nr_classes < 16 ? rp->nr_classes : 16;
	char lab[16][64], tip[16][256], b[16];
	const char *labels[16], *tips[16];
	double v[16];

	fprintf(f, "<h2>Slack per kmalloc size class</h2>\n");
	if (!n) {
		fprintf(f, "<p class=\"note\">no kmalloc allocations</p>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rp_class *c = &rp->classes[i];

		class_label(c, b, lab[i], sizeof(lab[i]));
		snprintf(tip[i], sizeof(tip[i]),
			 "%llu allocations, %llu sites with slack; top: %s%s%s%s%s",
			 (unsigned long long)c->allocs, (unsigned long long)c->sites,
			 c->top[0] ? c->top[0]->site : "-", c->top[1] ? ", " : "",
			 c->top[1] ? c->top[1]->site : "", c->top[2] ? ", " : "",
			 c->top[2] ? c->top[2]->site : "");
		labels[i] = lab[i];
		tips[i] = tip[i];
		v[i] = c->slack;
	}
	bars(f, "slack", n, labels, v, tips, true);
}

static void gfp_chart(FILE *f, const struct report *rp)
{
	size_t n = rp->nr_gfp_rows < 16 ? rp->nr_gfp_rows : 16;
	const char *labels[16], *tips[16];
	char tip[16][256];
	double v[16];

	fprintf(f, "<h2>GFP flags (allocations per combination)</h2>\n");
	if (!n) {
		fprintf(f, "<p class=\"note\">no allocations</p>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rp_gfp_row *g = &rp->gfp_rows[i];

		snprintf(tip[i], sizeof(tip[i]), "%llu sites; top: %s",
			 (unsigned long long)g->sites, g->top[0] ? g->top[0]->site : "-");
		labels[i] = g->flags;
		tips[i] = tip[i];
		v[i] = g->allocs;
	}
	bars(f, "gfp", n, labels, v, tips, false);
}

static void th(FILE *f, const char *const *cols, int n)
{
	fprintf(f, "<thead><tr>");
	for (int i = 0; i < n; i++)
		fprintf(f, "<th>%s</th>", cols[i]);
	fprintf(f, "</tr></thead><tbody>\n");
}

static void td_text(FILE *f, const char *s)
{
	fprintf(f, "<td>");
	rp_html_esc(f, s);
	fprintf(f, "</td>");
}

static void td_num(FILE *f, double v, const char *shown)
{
	fprintf(f, "<td class=\"n\" data-v=\"%.17g\">%s</td>", v, shown);
}

static void td_bytes(FILE *f, double v)
{
	char b[16];

	td_num(f, v, fmt_bytes(rp_u64(v), b, sizeof(b)));
}

static void td_count(FILE *f, double v)
{
	char b[32];

	snprintf(b, sizeof(b), "%.0f", v);
	td_num(f, v, b);
}

/* a live count or bytes; a lower bound is marked and says why */
static void td_live(FILE *f, const struct rp_site *s, double v, const char *shown)
{
	char b[32];

	if (!shown) {
		snprintf(b, sizeof(b), "%.0f", v);
		shown = b;
	}
	if (!rp_live_lower(s)) {
		td_num(f, v, shown);
		return;
	}
	fprintf(f,
		"<td class=\"n lb\" data-v=\"%.17g\" title=\"a lower bound: %llu objects of this site were not tracked (live table full)\">&ge;%s</td>",
		v, (unsigned long long)s->live_untracked, shown);
}

static void sites_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = { "caller",	     "kind",	"allocs",    "frees",
					    "implied frees", "live",	"requested", "allocated",
					    "slack",	     "slack %", "GFP" };
	size_t shown = 0;

	fprintf(f, "<h2>Call sites</h2>\n<table class=\"sortable\" id=\"sites\">");
	th(f, cols, 11);
	for (size_t i = 0; i < rp->nr_sites && shown < MAX_TABLE_ROWS; i++) {
		const struct rp_site *s = rp->sites[i];
		const struct rp_gfp *g = rp_site_top_gfp(s);
		char b[32];

		if (!s->allocs && !s->failed)
			continue;
		shown++;
		fprintf(f, "<tr>");
		td_text(f, s->site);
		td_text(f, s->cache[0] ? s->cache : s->kind);
		td_count(f, s->allocs);
		td_count(f, s->frees);
		td_count(f, s->implied_frees);
		td_live(f, s, s->live, NULL);
		td_bytes(f, s->bytes_req);
		td_bytes(f, s->bytes_alloc);
		td_bytes(f, rp_site_slack(s));
		snprintf(b, sizeof(b), "%.1f", rp_site_slack_pct(s));
		td_num(f, rp_site_slack_pct(s), b);
		td_text(f, g ? g->flags : "-");
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
	if (shown < rp->nr_sites)
		fprintf(f,
			"<p class=\"note\">%zu sites in all; the first %zu by %s are shown</p>\n",
			rp->nr_sites, shown, rp_sort_name(rp->opts.sort));
}

static void note_p(FILE *f, const char *id, bool (*note)(const struct report *, char *, size_t),
		   const struct report *rp)
{
	char n[RP_NOTE_LEN];

	if (!note(rp, n, sizeof(n)))
		return;
	fprintf(f, "<p class=\"note warn\" id=\"%s\">", id);
	rp_html_esc(f, n);
	fprintf(f, "</p>\n");
}

static void summary(FILE *f, const struct report *rp)
{
	const struct rp_site *t = rp->total;
	char a[16], b[16], c[16], d[16];

	fprintf(f, "<div class=\"cards\">");
	fprintf(f, "<div><b>%s</b>requested</div><div><b>%s</b>allocated</div>",
		fmt_bytes(t->bytes_req, a, sizeof(a)), fmt_bytes(t->bytes_alloc, b, sizeof(b)));
	fprintf(f, "<div><b>%s</b>slack (%.1f%%)</div><div><b>%s</b>freed</div>",
		fmt_bytes(rp_site_slack(t), c, sizeof(c)), rp_site_slack_pct(t),
		fmt_bytes(t->bytes_freed, d, sizeof(d)));
	fprintf(f, "<div><b>%llu</b>allocations</div><div><b>%llu</b>cross-CPU frees</div>",
		(unsigned long long)t->allocs, (unsigned long long)t->cross_cpu_frees);
	fprintf(f, "<div><b>%llu</b>implied frees</div>", (unsigned long long)t->implied_frees);
	fprintf(f, "<div><b>%s</b>charged to memcg</div>",
		fmt_bytes(t->bytes_charged, a, sizeof(a)));
	fprintf(f, "<div><b>%llu</b>drops</div><div><b>%llu</b>intervals</div></div>\n",
		(unsigned long long)rp_drops_total(rp), (unsigned long long)rp->intervals);
	note_p(f, "cut", rp_note_cut, rp);
	note_p(f, "restfiltered", rp_note_rest_filtered, rp);
	note_p(f, "oversites", rp_note_over, rp);
	note_p(f, "gaps", rp_note_gaps, rp);
	note_p(f, "livelower", rp_note_live_lower, rp);
}

static void advice_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = {
		"site",		 "allocs", "slack",   "dedicated cache", "saved",
		"trim requests", "saved",  "saved/s", "saved at live"
	};

	fprintf(f, "<h2>Right-sizing</h2>\n");
	if (!rp->nr_advice) {
		fprintf(f,
			"<p class=\"note\">no kmalloc site with alloc_sizes has significant slack</p>\n");
		return;
	}
	fprintf(f,
		"<p class=\"note\">kmalloc sites with slack of at least %.0f%% and %d bytes: the slack of a dedicated cache of the best object size (8-byte alignment, slab tail included), and the saving of requests trimmed to the next smaller kmalloc class; ranked by bytes saved. Model: docs/report.md.</p><table class=\"sortable\" id=\"advice\">",
		RP_ADVISE_MIN_PCT, RP_ADVISE_MIN_BYTES);
	th(f, cols, 9);
	for (size_t i = 0; i < rp->nr_advice && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_advice *v = &rp->advice[i];
		char b[64];

		fprintf(f, "<tr>");
		td_text(f, v->s->site);
		td_count(f, v->allocs);
		td_bytes(f, v->slack);
		snprintf(b, sizeof(b), "%s%llu B",
			 v->fixed ? "" : "<=", (unsigned long long)v->obj);
		td_text(f, b);
		td_bytes(f, v->dedicated_saved);
		if (v->trim_class)
			snprintf(b, sizeof(b), "kmalloc-%llu -> %llu: -%llu B",
				 (unsigned long long)v->trim_class, (unsigned long long)v->trim_to,
				 (unsigned long long)v->trim_by);
		else
			snprintf(b, sizeof(b), "-");
		td_text(f, b);
		td_bytes(f, v->trim_saved);
		td_bytes(f, v->saved_per_s);
		td_bytes(f, v->saved_at_live);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void slab_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = { "cache", "active", "total", "object size", "slabs",
					    "use %", "memory", "first", "peak" };
	__u64 ps = rp->page_size ? rp->page_size : 4096;

	fprintf(f, "<h2>Slab caches</h2>\n");
	if (!rp->nr_slabs) {
		fprintf(f, "<p class=\"note\">no slabinfo records in the input</p>\n");
		return;
	}
	fprintf(f,
		"<p class=\"note\">/proc/slabinfo, the last of %llu snapshots, by memory (whole slabs); first: at the first snapshot; peak: the largest. Merged caches (from /sys/kernel/slab) are named after the cache they were merged into.</p><table class=\"sortable\" id=\"slabs\">",
		(unsigned long long)rp->slab_records);
	th(f, cols, 9);
	for (size_t i = 0; i < rp->nr_slabs && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_slab *s = rp->slabs[i];
		__u64 slabs = rp_slab_count(s->num_objs, s->objperslab);
		char b[32];

		fprintf(f, "<tr><td>");
		rp_html_esc(f, s->name);
		if (*s->aliases) {
			fprintf(f, " (merged: ");
			rp_html_esc(f, s->aliases);
			fprintf(f, ")");
		}
		fprintf(f, "</td>");
		td_count(f, s->active_objs);
		td_count(f, s->num_objs);
		td_count(f, s->objsize);
		td_count(f, slabs);
		snprintf(b, sizeof(b), "%.1f",
			 s->num_objs ? 100.0 * s->active_objs / s->num_objs : 0);
		td_num(f, s->num_objs ? 100.0 * s->active_objs / s->num_objs : 0, b);
		td_bytes(f, rp_slab_memory(s->num_objs, s->objperslab, s->pagesperslab, ps));
		td_bytes(f, s->mem_first);
		td_bytes(f, s->mem_max);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

/* free blocks per order over time, one SVG grid per zone: darker = more (log scale) */
static void buddy_heat_map(FILE *f, const struct report *rp)
{
	for (size_t i = 0; i < rp->nr_zones; i++) {
		const struct rp_zone *z = rp->zones[i];
		double max = 0, cw;
		int rows = z->nr_orders, h = 14;

		if (!z->zlen || !rows)
			continue;
		for (size_t b = 0; b < z->zlen; b++) {
			for (int o = 0; z->zv[b].n && o < rows; o++)
				max = fmax(max, log1p(z->zv[b].orders[o] / z->zv[b].n));
		}
		cw = z->zlen < 300 ? 600.0 / z->zlen : 2;
		fprintf(f, "<h3>Node %lld, zone ", (long long)z->node);
		rp_html_esc(f, z->zone);
		/* a view box like the other charts: their labels are measured against it */
		fprintf(f,
			": free blocks per order over time</h3>\n<svg width=\"%.0f\" height=\"%d\" viewBox=\"0 0 %.0f %d\" role=\"img\">",
			HEAT_LW + cw * z->zlen, rows * h + 4, HEAT_LW + cw * z->zlen, rows * h + 4);
		for (int o = 0; o < rows; o++)
			fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"10\">order %d</text>",
				(rows - 1 - o) * h + 11, o);
		for (size_t b = 0; b < z->zlen; b++) {
			const struct rp_zpt *p = &z->zv[b];

			for (int o = 0; p->n && o < rows; o++) {
				double v = p->orders[o] / p->n, a = max > 0 ? log1p(v) / max : 0;

				fprintf(f,
					"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#1f77b4\" fill-opacity=\"%.2f\"><title>order %d: %.0f free blocks</title></rect>",
					HEAT_LW + cw * b, (rows - 1 - o) * h, cw, h - 1,
					0.05 + 0.95 * a, o, v);
			}
		}
		fprintf(f, "</svg>\n");
	}
}

static void page_view_html(FILE *f, const struct report *rp)
{
	static const char *const ext_cols[] = { "caller", "wanted", "from", "count", "steals" };
	static const char *const ord_cols[] = { "order", "allocs", "pages", "frees", "pages" };
	static const char *const mi_cols[] = { "meminfo", "first", "min", "max", "last" };
	const struct rp_page_view *pv = &rp->pv;

	fprintf(f, "<h2>Page allocator</h2>\n");
	if (!pv->meminfo_records && !pv->page_records && !pv->compaction_records && !pv->nr_ext &&
	    !rp->nr_zones) {
		fprintf(f,
			"<p class=\"note\">no meminfo, buddyinfo, page_alloc, compaction or extfrag records in the input (record with --pages)</p>\n");
		return;
	}
	buddy_heat_map(f, rp);
	if (pv->meminfo_records) {
		fprintf(f, "<table class=\"sortable\" id=\"meminfo\">");
		th(f, mi_cols, 5);
		for (size_t i = 0; i < 5; i++) {
			const struct rp_stat4 *m = &pv->meminfo[i];

			if (!m->any)
				continue;
			fprintf(f, "<tr>");
			td_text(f, schema_meminfo_keys[i]);
			td_bytes(f, m->first);
			td_bytes(f, m->min);
			td_bytes(f, m->max);
			td_bytes(f, m->last);
			fprintf(f, "</tr>\n");
		}
		fprintf(f, "</tbody></table>\n");
	}
	if (pv->page_records) {
		fprintf(f, "<h3>Pages by order</h3><table class=\"sortable\" id=\"orders\">");
		th(f, ord_cols, 5);
		for (int o = 0; o < RP_PAGE_ORDERS; o++) {
			if (!pv->alloc_allocs[o] && !pv->free_frees[o])
				continue;
			fprintf(f, "<tr>");
			td_count(f, o);
			td_count(f, pv->alloc_allocs[o]);
			td_count(f, pv->alloc_pages[o]);
			td_count(f, pv->free_frees[o]);
			td_count(f, pv->free_pages[o]);
			fprintf(f, "</tr>\n");
		}
		fprintf(f, "</tbody></table>\n");
	}
	if (pv->compaction_records) {
		fprintf(f, "<p>compaction:");
		for (int i = 0; i < 6; i++)
			fprintf(f, " %s %llu", rp_compact_names[i],
				(unsigned long long)pv->compact[i]);
		fprintf(f, "</p>\n");
	}
	if (!pv->nr_ext)
		return;
	fprintf(f,
		"<h3>Extfrag fallbacks</h3><p class=\"note\">an allocation took a pageblock of another migratetype; steals: the pageblock changed type (long-term fragmentation)</p><table class=\"sortable\" id=\"extfrag\">");
	th(f, ext_cols, 5);
	for (size_t i = 0; i < pv->nr_ext && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_extfrag *e = &pv->ext[i];

		fprintf(f, "<tr>");
		td_text(f, e->caller);
		td_text(f, e->alloc_mt);
		td_text(f, e->fallback_mt);
		td_count(f, e->count);
		td_count(f, e->steals);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

/* a --by recording: the comms or cgroups that allocated the most (10 at most) */
static void owners_table(FILE *f, const struct report *rp)
{
	bool comm = rp->nr_owners && !strcmp(rp->owner_field, FLD_COMM);
	const char *cols[] = { comm ? "Comm" : "Cgroup", "Allocs", "Requested", "Allocated",
			       "Charged to memcg" };

	if (!rp->nr_owners)
		return;
	fprintf(f, "<h2>Top %s</h2>\n<table class=\"sortable\" id=\"owners\">",
		comm ? "comms" : "cgroups");
	th(f, cols, 5);
	for (size_t i = 0; i < rp->nr_owners && i < 10; i++) {
		const struct rp_owner *w = &rp->owners[i];

		fprintf(f, "<tr>");
		td_text(f, w->name);
		td_count(f, w->allocs);
		td_bytes(f, w->bytes_req);
		td_bytes(f, w->bytes_alloc);
		td_bytes(f, w->bytes_charged);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void corr_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = {
		"caller", "activity", "target", "zone", "r", "n", "lag"
	};

	fprintf(f, "<h2>Correlation ranking (last window)</h2>\n");
	if (!rp->nr_corr) {
		fprintf(f, "<p class=\"note\">no correlation records in the input</p>\n");
		return;
	}
	fprintf(f,
		"<p class=\"note\">Pearson's r between a caller's activity and the later change of the target; correlation, not proof of cause.</p><table class=\"sortable\" id=\"corr\">");
	th(f, cols, 7);
	for (size_t i = 0; i < rp->nr_corr; i++) {
		const struct rp_corr *c = &rp->corr[i];
		char b[32];

		fprintf(f, "<tr>");
		td_text(f, c->caller);
		td_text(f, c->activity);
		td_text(f, c->target);
		snprintf(b, sizeof(b), "%lld/", (long long)c->node);
		fprintf(f, "<td>%s", b);
		rp_html_esc(f, c->zone);
		fprintf(f, "</td>");
		snprintf(b, sizeof(b), "%.2f", c->r);
		td_num(f, c->r, b);
		td_count(f, c->n);
		td_count(f, c->lag);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void frag_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = { "zone", "order", "unusable first",	  "min",
					    "max",  "last",  "frag index first",  "min",
					    "max",  "last",  "free blocks first", "last" };

	if (!rp->nr_zones)
		return;
	fprintf(f,
		"<h2>Fragmentation timeline per zone</h2><table class=\"sortable\" id=\"frag\">");
	th(f, cols, 12);
	for (size_t i = 0; i < rp->nr_zones; i++) {
		const struct rp_zone *z = rp->zones[i];

		for (int o = 0; o < 2; o++) {
			const struct rp_stat4 *u = &z->unus[o], *x = &z->frag[o];
			const double v[] = { u->first, u->min, u->max, u->last,
					     x->first, x->min, x->max, x->last };
			char b[32];

			fprintf(f, "<tr><td>%lld/", (long long)z->node);
			rp_html_esc(f, z->zone);
			fprintf(f, "</td>");
			td_count(f, o ? rp->pageblock_order : 3);
			for (int k = 0; k < 8; k++) {
				snprintf(b, sizeof(b), "%.3f", v[k]);
				td_num(f, v[k], b);
			}
			td_count(f, z->free[o].first);
			td_count(f, z->free[o].last);
			fprintf(f, "</tr>\n");
		}
	}
	fprintf(f, "</tbody></table>\n");
}

/* growing sites that are not suspects, and why */
static void implied_notes(FILE *f, const struct report *rp)
{
	for (size_t i = 0; i < rp->nr_implied && i < MAX_TABLE_ROWS; i++) {
		char n[RP_NOTE_LEN + 256];

		rp_note_implied(rp->implied[i], n, sizeof(n));
		fprintf(f, "<p class=\"note implied\">");
		rp_html_esc(f, n);
		fprintf(f, "</p>\n");
	}
}

static void leak_table(FILE *f, const struct report *rp)
{
	static const char *const cols[] = { "site", "kind", "live from", "live to", "growth/s" };

	fprintf(f, "<h2>Leak suspects</h2>\n");
	implied_notes(f, rp);
	if (!rp->nr_leaks) {
		fprintf(f, "<p class=\"note\">no site whose live bytes only grew</p>\n");
		return;
	}
	fprintf(f, "<table class=\"sortable\" id=\"leaks\">");
	th(f, cols, 5);
	for (size_t i = 0; i < rp->nr_leaks && i < MAX_TABLE_ROWS; i++) {
		const struct rp_site *s = rp->leaks[i];
		char b[16];

		fprintf(f, "<tr>");
		td_text(f, s->site);
		td_text(f, s->cache[0] ? s->cache : s->kind);
		td_bytes(f, s->live_from);
		td_live(f, s, s->live_to, fmt_bytes(rp_u64(s->live_to), b, sizeof(b)));
		td_bytes(f, s->growth);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static const char css[] =
	"body{font:14px system-ui,sans-serif;margin:20px;color:#222;max-width:1200px}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}"
	".note{color:#666}.warn{color:#a15c00}td.lb{color:#a15c00;font-weight:bold}.cards{display:flex;flex-wrap:wrap;gap:10px}"
	".cards div{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}"
	".cards b{display:block;font-size:18px}"
	"table{border-collapse:collapse;font-size:12px}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}"
	"th{cursor:pointer;background:#f4f4f4;user-select:none}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"svg text{font:11px system-ui,sans-serif;fill:#333}.pt{font-weight:bold}.yl{text-anchor:end}"
	".xl{text-anchor:middle}.grid{stroke:#eee}.frame{fill:none;stroke:#bbb}"
	".ln{fill:none;stroke-width:1.6}.out{fill:#d62728;fill-opacity:.15}"
	".tips circle{fill:transparent}.tips circle:hover{fill:#333;fill-opacity:.5}";

/* sortable tables; also marks the page as ready for the tests */
static const char js[] =
	"'use strict';\n"
	"function sortBy(th){const tb=th.closest('table').tBodies[0];const i=th.cellIndex;"
	"const dir=th.dataset.dir==='d'?'a':'d';th.dataset.dir=dir;"
	"const key=r=>{const c=r.cells[i];return c.dataset.v!==undefined?parseFloat(c.dataset.v):c.textContent};"
	"const rows=Array.from(tb.rows);rows.sort((a,b)=>{const x=key(a),y=key(b);"
	"const c=typeof x==='number'?x-y:String(x).localeCompare(String(y));return dir==='d'?-c:c});"
	"rows.forEach(r=>tb.appendChild(r));}\n"
	"document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortBy(th)));\n"
	/*
	 * labels that overflow their chart (the tests read data-clipped): a
	 * text's box must lie inside its svg's view box
	 */
	"let clipped=0;document.querySelectorAll('svg').forEach(svg=>{const b0=svg.viewBox.baseVal;"
	"const vb=b0&&b0.width?b0:{x:0,y:0,width:svg.width.baseVal.value,height:svg.height.baseVal.value};"
	"svg.querySelectorAll('text').forEach(t=>{const b=t.getBBox();"
	"if(b.x<vb.x-0.5||b.y<vb.y-0.5||b.x+b.width>vb.x+vb.width+0.5||b.y+b.height>vb.y+vb.height+0.5)"
	"{clipped++;t.classList.add('clipped');}})});document.body.dataset.clipped=String(clipped);\n"
	"document.body.dataset.ready='1';console.log('kmemscope report ready');\n";

int report_write_html(FILE *f, struct report *rp)
{
	char t1[32], t2[32];

	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		"<title>kmemscope report</title><style>%s</style></head><body>\n",
		css);
	fprintf(f, "<h1>kmemscope report</h1>\n<p class=\"note\">%s .. %s UTC, %zu input%s",
		rp_fmt_time(rp->t_min, t1, sizeof(t1)), rp_fmt_time(rp->t_max, t2, sizeof(t2)),
		rp->nr_inputs, rp->nr_inputs == 1 ? "" : "s");
	for (size_t i = 0; i < rp->nr_hosts && i < 4; i++) {
		fprintf(f, "%s", i ? ", " : ", host ");
		rp_html_esc(f, rp->hosts[i].hostname);
		fprintf(f, " (");
		rp_html_esc(f, rp->hosts[i].kernel);
		fprintf(f, ")");
	}
	fprintf(f, "</p>\n");
	summary(f, rp);
	time_charts(f, rp);
	class_chart(f, rp);
	advice_table(f, rp);
	slab_table(f, rp);
	page_view_html(f, rp);
	gfp_chart(f, rp);
	sites_table(f, rp);
	owners_table(f, rp);
	frag_table(f, rp);
	corr_table(f, rp);
	leak_table(f, rp);
	fprintf(f, "<script>%s</script>\n</body></html>\n", js);
	return ferror(f) ? -1 : 0;
}
