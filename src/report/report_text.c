// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report` text output: the record table plus the offline sections. */
#include <string.h>
#include <time.h>
#include "report_frag.h"
#include "report_notes.h"
#include "report_page.h"
#include "report_rank.h"
#include "report_advise.h"
#include "report_slab.h"
#include "report_text.h"
#include "schema.h"
#include "util.h"

#define CALLER_W 36
#define NS 1e9

static const char *kind_label(const struct rp_site *s)
{
	return s->cache[0] ? s->cache : s->kind;
}

static void gfp_cell(const struct rp_site *s, char *buf, size_t sz)
{
	const struct rp_gfp *g = rp_site_top_gfp(s);

	snprintf(buf, sz, "%s%s", g ? g->flags : "-", s->nr_gfps > 1 ? " +" : "");
}

static const char *tail(const char *s, size_t w)
{
	size_t len = strlen(s);

	/* keep the tail of long names: the offset is what tells sites apart */
	return len > w ? s + len - w : s;
}

static void print_row(FILE *f, const struct rp_site *s)
{
	char a[16], b[16], c[24], d[16], e[16], g[16], im[16], flags[256];

	gfp_cell(s, flags, sizeof(flags));
	fprintf(f, "%-*s %-18.18s %8s %8s %8s %8s %8s %8s %8s %6.1f%% %s\n", CALLER_W,
		tail(s->site, CALLER_W), kind_label(s), fmt_count(s->allocs, a, sizeof(a)),
		fmt_count(s->frees, b, sizeof(b)), fmt_count(s->implied_frees, im, sizeof(im)),
		rp_fmt_live(s, c, sizeof(c)), fmt_bytes(s->bytes_req, d, sizeof(d)),
		fmt_bytes(s->bytes_alloc, e, sizeof(e)), fmt_bytes(rp_site_slack(s), g, sizeof(g)),
		rp_site_slack_pct(s), flags);
}

static void print_sites(FILE *f, struct report *rp)
{
	size_t shown = 0;

	fprintf(f, "%-*s %-18s %8s %8s %8s %8s %8s %8s %8s %7s %s\n", CALLER_W, "CALLER", "KIND",
		"ALLOCS", "FREES", "IMPLIED", "LIVE", "REQ", "ALLOC", "SLACK", "SLACK%", "GFP");
	for (size_t i = 0; i < rp->nr_sites && (!rp->opts.top || shown < rp->opts.top); i++) {
		if (!rp->sites[i]->allocs && !rp->sites[i]->failed)
			continue;
		print_row(f, rp->sites[i]);
		shown++;
	}
	if (!shown)
		fprintf(f, "(no allocations in the input%s)\n",
			rp->opts.kind || rp->opts.caller || rp->opts.since_ns || rp->opts.until_ns ?
				" that match the filters" :
				"");
	else if (shown < rp->nr_sites)
		fprintf(f, "... %zu more sites (--top 0 shows all), sorted by %s\n",
			rp->nr_sites - shown, rp_sort_name(rp->opts.sort));
}

static double pct(double part, double whole)
{
	return whole ? 100.0 * part / whole : 0;
}

/* what the totals and LIVE above cannot say themselves */
static void print_notes(FILE *f, const struct report *rp)
{
	char n[RP_NOTE_LEN];

	if (rp_note_cut(rp, n, sizeof(n)))
		fprintf(f, "  Note: %s\n", n);
	if (rp_note_rest_filtered(rp, n, sizeof(n)))
		fprintf(f, "  Note: %s\n", n);
	if (rp_note_over(rp, n, sizeof(n)))
		fprintf(f, "  Note: %s\n", n);
	if (rp_note_gaps(rp, n, sizeof(n)))
		fprintf(f, "  Note: %s\n", n);
	if (rp_note_live_lower(rp, n, sizeof(n)))
		fprintf(f, "  Hint: %s\n", n);
}

static void print_summary(FILE *f, struct report *rp)
{
	const struct rp_site *t = rp->total;
	__u64 unmatched = rp_unmatched_total(rp);
	char a[16], b[16], live[32];

	fprintf(f, "\nSUMMARY (%.1f s in %llu intervals, %zu sites)\n", rp->seconds,
		(unsigned long long)rp->intervals, rp->nr_sites);
	fprintf(f, "  Total requested      %10s in %llu allocations\n",
		fmt_bytes(t->bytes_req, a, sizeof(a)), (unsigned long long)t->allocs);
	fprintf(f, "  Total allocated      %10s\n", fmt_bytes(t->bytes_alloc, a, sizeof(a)));
	fprintf(f, "  Slack                %10s, %.2f%% of allocated\n",
		fmt_bytes(rp_site_slack(t), a, sizeof(a)), rp_site_slack_pct(t));
	fprintf(f, "  Charged to memcg     %10s, %.2f%% of allocated; uncharged %s\n",
		fmt_bytes(t->bytes_charged, a, sizeof(a)), pct(t->bytes_charged, t->bytes_alloc),
		fmt_bytes(t->bytes_alloc - t->bytes_charged, b, sizeof(b)));
	fprintf(f,
		"  Total freed          %10s in %llu matched frees; %llu unmatched (allocated before tracing); %llu implied (allocated again while tracked)\n",
		fmt_bytes(t->bytes_freed, a, sizeof(a)), (unsigned long long)t->frees,
		(unsigned long long)unmatched, (unsigned long long)t->implied_frees);
	fprintf(f, "  Cross-CPU frees      %10llu (%.1f%% of matched frees)\n",
		(unsigned long long)t->cross_cpu_frees, pct(t->cross_cpu_frees, t->frees));
	snprintf(live, sizeof(live), "%s%lld", rp->untracked_sites ? ">=" : "",
		 (long long)rp->live);
	fprintf(f, "  Live at the end      %10s objects, %s (all sites, last interval%s)\n", live,
		fmt_bytes(rp->live_bytes > 0 ? rp->live_bytes : 0, b, sizeof(b)),
		rp->untracked_sites ? "; a lower bound, see the hint" : "");
	fprintf(f, "  Failed allocations   %10llu\n", (unsigned long long)t->failed);
	fprintf(f,
		"  Drops                site map full %llu, live map full %llu, ring buffer %llu, stacks %llu, kprobe pairing %llu, bulk free overflow %llu, recursion %llu\n",
		(unsigned long long)rp->drops[0], (unsigned long long)rp->drops[1],
		(unsigned long long)rp->drops[2], (unsigned long long)rp->drops[3],
		(unsigned long long)rp->drops[4], (unsigned long long)rp->drops[5],
		(unsigned long long)rp->drops[6]);
	print_notes(f, rp);
}

static void print_site_list(FILE *f, struct rp_site *const *top, const __u64 *vals, int n,
			    bool bytes)
{
	char b[16];

	for (int i = 0; i < n && top[i]; i++)
		fprintf(f, "%s%s (%s)", i ? ", " : "", top[i]->site,
			bytes ? fmt_bytes(vals[i], b, sizeof(b)) :
				fmt_count(vals[i], b, sizeof(b)));
}

static void print_classes(FILE *f, struct report *rp)
{
	char a[16], b[16], c[16], d[16];
	bool est = false;

	fprintf(f, "\nSLACK BY KMALLOC SIZE CLASS (who wastes the most)\n");
	if (!rp->nr_classes) {
		fprintf(f, "(no kmalloc allocations)\n");
		return;
	}
	fprintf(f, "%8s %8s %8s %8s %8s %7s  %s\n", "CLASS", "ALLOCS", "REQ", "ALLOC", "SLACK",
		"SLACK%", "TOP SITES BY SLACK");
	for (size_t i = 0; i < rp->nr_classes; i++) {
		const struct rp_class *k = &rp->classes[i];
		char cls[24];

		est |= k->estimated;
		if (k->size)
			snprintf(cls, sizeof(cls), "%s%s", k->estimated ? "~" : "",
				 fmt_bytes(k->size, d, sizeof(d)));
		else
			snprintf(cls, sizeof(cls), "?");
		fprintf(f, "%8s %8s %8s %8s %8s %6.1f%%  ", cls, fmt_count(k->allocs, a, sizeof(a)),
			fmt_bytes(k->req, b, sizeof(b)), fmt_bytes(k->alloc, c, sizeof(c)),
			fmt_bytes(k->slack, d, sizeof(d)), pct(k->slack, k->alloc));
		print_site_list(f, k->top, k->top_slack, 3, true);
		fputc('\n', f);
	}
	if (est) /* exports before alloc_sizes */
		fprintf(f,
			"(~: part of the class was estimated from the size histogram, see docs/report.md)\n");
}

static void print_advice(FILE *f, struct report *rp)
{
	char a[16], b[16], c[16], d[16], e[16];

	fprintf(f,
		"\nRIGHT-SIZING (kmalloc sites with slack of at least %.0f%% and %s; model: docs/report.md)\n",
		RP_ADVISE_MIN_PCT, fmt_bytes(RP_ADVISE_MIN_BYTES, a, sizeof(a)));
	if (!rp->nr_advice) {
		fprintf(f, "(none: no kmalloc site with alloc_sizes has that much slack)\n");
		return;
	}
	fprintf(f, "%-32s %8s %8s  %-22s %-30s %8s %8s\n", "SITE", "ALLOCS", "SLACK",
		"DEDICATED CACHE", "TRIM REQUESTS", "SAVED/s", "AT LIVE");
	for (size_t i = 0; i < rp->nr_advice && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_advice *v = &rp->advice[i];
		char ded[32], trim[48];

		snprintf(ded, sizeof(ded), "%s%llu B: -%s",
			 v->fixed ? "" : "<=", (unsigned long long)v->obj,
			 fmt_bytes(rp_u64(v->dedicated_saved), b, sizeof(b)));
		if (v->trim_class)
			snprintf(trim, sizeof(trim), "%llu->%llu (-%llu B): -%s",
				 (unsigned long long)v->trim_class, (unsigned long long)v->trim_to,
				 (unsigned long long)v->trim_by,
				 fmt_bytes(rp_u64(v->trim_saved), c, sizeof(c)));
		else
			snprintf(trim, sizeof(trim), "-");
		fprintf(f, "%-32.32s %8s %8s  %-22s %-30s %8s %8s\n", v->s->site,
			fmt_count(v->allocs, a, sizeof(a)),
			fmt_bytes(rp_u64(v->slack), d, sizeof(d)), ded, trim,
			fmt_bytes(rp_u64(v->saved_per_s), e, sizeof(e)),
			fmt_bytes(rp_u64(v->saved_at_live), c, sizeof(c)));
	}
	fprintf(f,
		"(DEDICATED CACHE: object size (<=: the largest request the histogram allows) and bytes saved;\n"
		" TRIM: requests cut by that much fit the class below; AT LIVE: saved over the live objects)\n");
}

static void print_slabs(FILE *f, struct report *rp)
{
	__u64 ps = rp->page_size ? rp->page_size : 4096;
	char a[16], b[16], c[16], d[16], e[16];

	fprintf(f, "\nSLAB CACHES (/proc/slabinfo snapshots: the last one, by memory)\n");
	if (!rp->nr_slabs) {
		fprintf(f,
			"(no slabinfo records in the input: record with the fragmentation view)\n");
		return;
	}
	fprintf(f, "%-44s %15s %8s %7s %6s %8s %8s %8s\n", "CACHE", "ACTIVE/TOTAL", "OBJSIZE",
		"SLABS", "USE%", "MEMORY", "FIRST", "PEAK");
	for (size_t i = 0; i < rp->nr_slabs && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_slab *s = rp->slabs[i];
		__u64 slabs = rp_slab_count(s->num_objs, s->objperslab);
		char name[128], objs[40];

		if (*s->aliases)
			snprintf(name, sizeof(name), "%s (merged: %s)", s->name, s->aliases);
		else
			snprintf(name, sizeof(name), "%s", s->name);
		snprintf(objs, sizeof(objs), "%s/%s", fmt_count(s->active_objs, a, sizeof(a)),
			 fmt_count(s->num_objs, b, sizeof(b)));
		fprintf(f, "%-44s %15s %8llu %7llu %5.1f%% %8s %8s %8s\n", name, objs,
			(unsigned long long)s->objsize, (unsigned long long)slabs,
			pct(s->active_objs, s->num_objs),
			fmt_bytes(rp_slab_memory(s->num_objs, s->objperslab, s->pagesperslab, ps),
				  c, sizeof(c)),
			fmt_bytes(s->mem_first, d, sizeof(d)), fmt_bytes(s->mem_max, e, sizeof(e)));
	}
	fprintf(f,
		"(%llu snapshots; MEMORY: whole slabs, at the last one; FIRST: at the first; PEAK: the largest)\n",
		(unsigned long long)rp->slab_records);
}

static void print_gfp(FILE *f, struct report *rp)
{
	__u64 total = 0;
	char a[16];

	fprintf(f, "\nGFP FLAGS\n");
	if (!rp->nr_gfp_rows) {
		fprintf(f, "(no allocations)\n");
		return;
	}
	for (size_t i = 0; i < rp->nr_gfp_rows; i++)
		total += rp->gfp_rows[i].allocs;
	fprintf(f, "%-44s %8s %6s %6s  %s\n", "GFP", "ALLOCS", "SHARE", "SITES", "TOP SITES");
	for (size_t i = 0; i < rp->nr_gfp_rows; i++) {
		const struct rp_gfp_row *g = &rp->gfp_rows[i];

		fprintf(f, "%-44s %8s %5.1f%% %6llu  ", g->flags,
			fmt_count(g->allocs, a, sizeof(a)), pct(g->allocs, total),
			(unsigned long long)g->sites);
		print_site_list(f, g->top, g->top_allocs, 3, false);
		fputc('\n', f);
	}
}

static void stat_cells(FILE *f, const struct rp_stat4 *s, const char *fmt)
{
	const double v[4] = { s->first, s->min, s->max, s->last };

	for (int i = 0; i < 4; i++)
		fprintf(f, fmt, v[i]);
}

static void print_exhaustion(FILE *f, struct report *rp)
{
	char a[16], t1[32], t2[32];
	bool any = false;

	for (size_t i = 0; i < rp->nr_zones; i++) {
		const struct rp_zone *z = rp->zones[i];

		if (!z->ran_out)
			continue;
		any = true;
		fprintf(f,
			"  node %lld %s: no free block of order >= 3 in %llu of %llu snapshots (%s .. %s)\n",
			(long long)z->node, z->zone, (unsigned long long)z->ran_out,
			(unsigned long long)z->snapshots,
			rp_fmt_time(z->ran_out_first, t1, sizeof(t1)),
			rp_fmt_time(z->ran_out_last, t2, sizeof(t2)));
	}
	if (!any) {
		fprintf(f, "  Order-3 blocks never ran out in any zone.\n");
		return;
	}
	fprintf(f, "  Allocating in those periods (bytes, time buckets of %.3g s):\n",
		rp->bucket_ns / NS);
	for (size_t i = 0; i < rp->nr_exhaust_pages; i++)
		fprintf(f, "    %-8s %-40s %8s\n", "page", rp->exhaust_pages[i]->site,
			fmt_bytes(rp_u64(rp->exhaust_page_bytes[i]), a, sizeof(a)));
	for (size_t i = 0; i < rp->nr_exhaust_sites; i++)
		fprintf(f, "    %-8.8s %-40s %8s\n", rp->exhaust_sites[i]->kind,
			rp->exhaust_sites[i]->site,
			fmt_bytes(rp_u64(rp->exhaust_site_bytes[i]), a, sizeof(a)));
}

static void print_fragmentation(FILE *f, struct report *rp)
{
	static const char *const vm[] = { "compact_stall",	"compact_fail",
					  "compact_success",	"allocstall_normal",
					  "allocstall_movable", "thp_fault_fallback" };
	bool any_vm = false;

	fprintf(f, "\nFRAGMENTATION TIMELINE\n");
	if (!rp->nr_zones && !rp->nr_corr && !rp->nr_pages && !rp->frag_records) {
		fprintf(f, "no fragmentation records in the input\n");
		return;
	}
	if (rp->nr_zones) {
		fprintf(f, "pageblock order %lld%s\n", (long long)rp->pageblock_order,
			rp->pageblock_assumed ?
				" (assumed: the x86 default; the header has no pageblock_order)" :
				"");
		fprintf(f, "%-14s %5s  %-27s  %-31s  %s\n", "ZONE", "ORDER",
			"UNUSABLE first/min/max/last", "FRAG INDEX first/min/max/last",
			"FREE BLOCKS >= ORDER first/min/max/last");
	}
	for (size_t i = 0; i < rp->nr_zones; i++) {
		const struct rp_zone *z = rp->zones[i];

		for (int o = 0; o < 2; o++) {
			char name[32];

			snprintf(name, sizeof(name), "%lld/%s", (long long)z->node, z->zone);
			fprintf(f, "%-14.14s %5lld ", name,
				o ? (long long)rp->pageblock_order : 3LL);
			stat_cells(f, &z->unus[o], " %6.3f");
			fprintf(f, "  ");
			stat_cells(f, &z->frag[o], " %7.3f");
			fprintf(f, "  ");
			stat_cells(f, &z->free[o], " %8.0f");
			fputc('\n', f);
		}
	}
	if (rp->nr_zones)
		print_exhaustion(f, rp);
	for (size_t i = 0; i < sizeof(vm) / sizeof(vm[0]); i++) {
		__u64 v = rp_vmstat(rp, vm[i]);

		if (!v)
			continue;
		fprintf(f, "%s%s %llu", any_vm ? ", " : "  vmstat: ", vm[i], (unsigned long long)v);
		any_vm = true;
	}
	if (any_vm)
		fputc('\n', f);
}

static void print_pages(FILE *f, struct report *rp)
{
	char a[16], b[16];

	if (!rp->nr_pages)
		return;
	fprintf(f, "\nHIGH-ORDER PAGE ALLOCATIONS (page_site)\n");
	fprintf(f, "%-*s %-10s %8s %8s %8s\n", CALLER_W, "CALLER", "ORDERS", "ALLOCS", "PAGES",
		"BYTES");
	for (size_t i = 0; i < rp->nr_pages && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_site *s = rp->pages[i];
		char orders[64] = "";

		for (int o = 0; o < 32; o++) {
			if (s->orders & (1u << o))
				snprintf(orders + strlen(orders), sizeof(orders) - strlen(orders),
					 "%s%d", orders[0] ? "," : "", o);
		}
		fprintf(f, "%-*s %-10s %8s %8llu %8s\n", CALLER_W, tail(s->site, CALLER_W), orders,
			fmt_count(s->allocs, a, sizeof(a)), (unsigned long long)s->pages,
			fmt_bytes(s->bytes_alloc, b, sizeof(b)));
	}
}

static void print_correlation(FILE *f, struct report *rp)
{
	fprintf(f, "\nCORRELATION RANKING");
	if (!rp->nr_corr) {
		fprintf(f, "\n(no correlation records in the input)\n");
		return;
	}
	fprintf(f,
		" (last window: interval %lld, %lld intervals; correlation, not proof of cause)\n",
		(long long)rp->corr[0].seq, (long long)rp->corr[0].window);
	fprintf(f, "%-28s %-18s %-26s %-10s %6s %4s %4s\n", "CALLER", "ACTIVITY", "TARGET", "ZONE",
		"R", "N", "LAG");
	for (size_t i = 0; i < rp->nr_corr; i++) {
		const struct rp_corr *c = &rp->corr[i];
		char zone[32];

		snprintf(zone, sizeof(zone), "%lld/%s", (long long)c->node, c->zone);
		fprintf(f, "%-28.28s %-18.18s %-26.26s %-10.10s %6.2f %4lld %4lld\n", c->caller,
			c->activity, c->target, zone, c->r, (long long)c->n, (long long)c->lag);
	}
}

static void print_leak_rows(FILE *f, struct report *rp)
{
	char a[16], b[16], c[16], to[24];

	fprintf(f, "%-*s %-12s %10s %10s %12s\n", CALLER_W, "CALLER", "KIND", "FROM", "TO",
		"GROWTH/s");
	for (size_t i = 0; i < rp->nr_leaks && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_site *s = rp->leaks[i];

		snprintf(to, sizeof(to), "%s%s", rp_live_lower(s) ? ">=" : "",
			 fmt_bytes(s->live_to, b, sizeof(b)));
		fprintf(f, "%-*s %-12.12s %10s %10s %11s/s", CALLER_W, tail(s->site, CALLER_W),
			kind_label(s), fmt_bytes(s->live_from, a, sizeof(a)), to,
			fmt_bytes(rp_u64(s->growth), c, sizeof(c)));
		/* some of its objects did end unseen: less sure, say how many */
		if (s->implied_frees)
			fprintf(f, "  (%llu implied frees)", (unsigned long long)s->implied_frees);
		fputc('\n', f);
	}
}

static void print_leaks(FILE *f, struct report *rp)
{
	fprintf(f, "\nLEAK SUSPECTS (live bytes only grew over the window)\n");
	if (!rp->nr_leaks)
		fprintf(f, "(none)\n");
	else
		print_leak_rows(f, rp);
	for (size_t i = 0; i < rp->nr_implied; i++) {
		char n[RP_NOTE_LEN + 256];

		rp_note_implied(rp->implied[i], n, sizeof(n));
		fprintf(f, "  %s\n", n);
	}
}

static void print_head(FILE *f, struct report *rp)
{
	unsigned long problems = 0, records = 0;
	char t1[32], t2[32];

	for (size_t i = 0; i < rp->nr_inputs; i++) {
		problems += rp->inputs[i].problems;
		records += rp->inputs[i].records;
	}
	fprintf(f, "kmemscope report: %zu input%s, %lu records, %s .. %s", rp->nr_inputs,
		rp->nr_inputs == 1 ? "" : "s", records, rp_fmt_time(rp->t_min, t1, sizeof(t1)),
		rp_fmt_time(rp->t_max, t2, sizeof(t2)));
	for (size_t i = 0; i < rp->nr_hosts && i < 4; i++)
		fprintf(f, "%s%s (%s %s)", i ? ", " : ", host ", rp->hosts[i].hostname,
			rp->hosts[i].kernel, rp->hosts[i].machine);
	fputc('\n', f);
	if (problems)
		fprintf(f, "%lu input problems were skipped (see the warnings on stderr)\n",
			problems);
	fputc('\n', f);
}

static void orders_text(FILE *f, __u64 bits)
{
	bool first = true;

	for (int o = 0; o < 64; o++) {
		if (bits & (1ULL << o)) {
			fprintf(f, "%s%d", first ? "" : ",", o);
			first = false;
		}
	}
}

static void print_page_view(FILE *f, struct report *rp)
{
	const struct rp_page_view *pv = &rp->pv;
	char a[16], b[16], c[16], d[16];
	bool any = false;

	fprintf(f, "\nPAGE ALLOCATOR\n");
	if (pv->meminfo_records) {
		fprintf(f, "meminfo (first / min / max / last):\n");
		for (size_t i = 0; i < 5; i++) {
			const struct rp_stat4 *m = &pv->meminfo[i];

			if (m->any)
				fprintf(f, "  %-14s %8s %8s %8s %8s\n", schema_meminfo_keys[i],
					fmt_bytes(rp_u64(m->first), a, sizeof(a)),
					fmt_bytes(rp_u64(m->min), b, sizeof(b)),
					fmt_bytes(rp_u64(m->max), c, sizeof(c)),
					fmt_bytes(rp_u64(m->last), d, sizeof(d)));
		}
	}
	if (pv->page_records) {
		fprintf(f,
			"pages by order (page_alloc / page_free records):\n  %5s %10s %10s %10s %10s\n",
			"ORDER", "ALLOCS", "PAGES", "FREES", "PAGES");
		for (int o = 0; o < RP_PAGE_ORDERS; o++) {
			if (!pv->alloc_allocs[o] && !pv->free_frees[o])
				continue;
			fprintf(f, "  %5d %10s %10s %10s %10s\n", o,
				fmt_count(pv->alloc_allocs[o], a, sizeof(a)),
				fmt_count(pv->alloc_pages[o], b, sizeof(b)),
				fmt_count(pv->free_frees[o], c, sizeof(c)),
				fmt_count(pv->free_pages[o], d, sizeof(d)));
		}
	}
	if (pv->compaction_records) {
		fprintf(f, "compaction:");
		for (int i = 0; i < 6; i++)
			fprintf(f, " %s %llu", rp_compact_names[i],
				(unsigned long long)pv->compact[i]);
		fputc('\n', f);
	}
	if (pv->nr_ext) {
		fprintf(f,
			"extfrag fallbacks (an allocation took a pageblock of another migratetype; STEALS: the pageblock changed type):\n"
			"  %-36s %-12s %-12s %8s %8s  %s\n",
			"CALLER", "WANTED", "FROM", "COUNT", "STEALS", "ORDERS");
		for (size_t i = 0; i < pv->nr_ext && (!rp->opts.top || i < rp->opts.top); i++) {
			const struct rp_extfrag *e = &pv->ext[i];

			fprintf(f, "  %-36.36s %-12s %-12s %8s %8s  ", e->caller, e->alloc_mt,
				e->fallback_mt, fmt_count(e->count, a, sizeof(a)),
				fmt_count(e->steals, b, sizeof(b)));
			orders_text(f, e->orders);
			fputc('\n', f);
		}
	}
	any = pv->meminfo_records || pv->page_records || pv->compaction_records || pv->nr_ext;
	if (!any)
		fprintf(f,
			"(no meminfo, page_alloc, compaction or extfrag records in the input: record with --pages for the page allocator)\n");
	else if (!pv->ext_records && !pv->compaction_records)
		fprintf(f, "(no extfrag or compaction records: record with --pages)\n");
}

/* a --by recording: allocations per comm or cgroup, biggest first */
static void print_owners(FILE *f, const struct report *rp)
{
	char a[16], b[16], c[16];

	if (!rp->nr_owners)
		return;
	fprintf(f, "\nBY %s\n%-40s %10s %10s %10s %10s\n",
		!strcmp(rp->owner_field, FLD_COMM) ? "COMM" : "CGROUP",
		!strcmp(rp->owner_field, FLD_COMM) ? "COMM" : "CGROUP", "ALLOCS", "REQ", "ALLOC",
		"CHARGED");
	for (size_t i = 0; i < rp->nr_owners && (!rp->opts.top || i < rp->opts.top); i++) {
		const struct rp_owner *w = &rp->owners[i];

		fprintf(f, "%-40s %10llu %10s %10s %10s\n", w->name, (unsigned long long)w->allocs,
			fmt_bytes(w->bytes_req, a, sizeof(a)),
			fmt_bytes(w->bytes_alloc, b, sizeof(b)),
			fmt_bytes(w->bytes_charged, c, sizeof(c)));
	}
}

void report_print_text(FILE *f, struct report *rp)
{
	print_head(f, rp);
	print_sites(f, rp);
	print_summary(f, rp);
	print_owners(f, rp);
	print_classes(f, rp);
	print_advice(f, rp);
	print_slabs(f, rp);
	print_gfp(f, rp);
	print_fragmentation(f, rp);
	print_pages(f, rp);
	print_page_view(f, rp);
	print_correlation(f, rp);
	print_leaks(f, rp);
}
