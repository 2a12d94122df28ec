// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "filter.h"
#include "gfp.h"
#include "schema.h"
#include "table.h"
#include "tracer.h"
#include "util.h"

#define CALLER_W 36

int gfp_label(const struct gfp_table *gfp, const struct gfp_count *g, char *buf, size_t sz)
{
	if (!g || !g->known)
		return snprintf(buf, sz, "-");
	return gfp_decode(gfp, g->gfp, buf, sz);
}

static const char *kind_label(const struct site *s)
{
	return s->id.kind == KMS_KIND_CACHE && s->id.cache[0] ? s->id.cache : kind_name(s->id.kind);
}

/* LIVE, ">=N" when the live table could not hold all of the site's objects */
static const char *live_label(const struct site *s, char *buf, size_t sz)
{
	char n[16];

	fmt_count(s->live > 0 ? s->live : 0, n, sizeof(n));
	snprintf(buf, sz, "%s%s", s->live_untracked ? ">=" : "", n);
	return buf;
}

/* --by: the COMM or CGROUP column, wide enough for a comm */
#define OWNER_W 16

static void print_row(FILE *f, const struct site *s, const struct gfp_table *gfp, bool by)
{
	char a[16], b[16], c[24], d[16], e[16], g[16], im[16], ch[16], flags[256];
	char shown[2560], kind[4 * KMS_CACHE_NAME_LEN + 1]; /* room for 4 bytes per escaped byte */
	char own[4 * 256 + 1];
	const char *where = sanitize(s->where, shown, sizeof(shown));
	size_t len = strlen(where);

	gfp_label(gfp, site_top_gfp(s), flags, sizeof(flags));
	if (s->nr_gfps > 1)
		strncat(flags, " +", sizeof(flags) - strlen(flags) - 1);
	/* keep the tail of long names: the offset is what tells sites apart */
	if (len > CALLER_W)
		where += len - CALLER_W;
	fprintf(f, "%-*s %-18.18s %8s %8s %8s %8s %8s %8s %8s %6.1f%% %8s ", CALLER_W, where,
		sanitize(kind_label(s), kind, sizeof(kind)), fmt_count(s->tot.allocs, a, sizeof(a)),
		fmt_count(s->tot.frees, b, sizeof(b)),
		fmt_count(s->tot.implied_frees, im, sizeof(im)), live_label(s, c, sizeof(c)),
		fmt_bytes(s->tot.bytes_req, d, sizeof(d)),
		fmt_bytes(s->tot.bytes_alloc, e, sizeof(e)),
		fmt_bytes(site_slack(&s->tot), g, sizeof(g)), site_frag(&s->tot),
		fmt_bytes(s->tot.bytes_charged, ch, sizeof(ch)));
	if (by)
		fprintf(f, "%-*s ", OWNER_W, s->owner ? sanitize(s->owner, own, sizeof(own)) : "-");
	fprintf(f, "%s\n", flags);
}

/* "COMM" or "CGROUP" when the sites are split by --by, else NULL */
static const char *owner_title(const struct site_table *st)
{
	for (size_t i = 0; i < st->nr; i++) {
		if (st->list[i]->owner_kind == OWNER_COMM)
			return "COMM";
		if (st->list[i]->owner_kind == OWNER_CGROUP)
			return "CGROUP";
	}
	return NULL;
}

void print_site_table(FILE *f, struct site_table *st, enum sort_key key, __u64 top,
		      const struct gfp_table *gfp)
{
	const char *owner = owner_title(st);
	bool implied = false, bound = false;
	size_t shown = 0;

	site_table_sort(st, key);
	fprintf(f, "%-*s %-18s %8s %8s %8s %8s %8s %8s %8s %7s %8s ", CALLER_W, "CALLER", "KIND",
		"ALLOCS", "FREES", "IMPLIED", "LIVE", "REQ", "ALLOC", "SLACK", "SLACK%", "CHARGED");
	if (owner)
		fprintf(f, "%-*s ", OWNER_W, owner);
	fprintf(f, "GFP\n");
	for (size_t i = 0; i < st->nr && (!top || shown < top); i++) {
		const struct site *s = st->list[i];

		if (!s->tot.allocs && !s->tot.failed)
			continue;
		print_row(f, s, gfp, owner != NULL);
		implied |= s->tot.implied_frees != 0;
		bound |= s->live_untracked != 0;
		shown++;
	}
	if (!shown)
		fprintf(f, "(no allocations seen)\n");
	else if (shown < st->nr)
		fprintf(f, "... %zu more sites (--top 0 shows all), sorted by %s\n", st->nr - shown,
			sort_key_name(key));
	if (implied)
		fprintf(f,
			"IMPLIED: frees the tracepoints did not show (kfree_bulk, kfree_rcu ...), counted when the address was allocated again\n");
	if (bound)
		fprintf(f,
			">=N: a lower bound, the live table could not hold all of the site's objects (see the summary)\n");
	fprintf(f,
		"CHARGED: allocated bytes charged to a memory cgroup (__GFP_ACCOUNT or a SLAB_ACCOUNT cache)\n");
}

/* --pid, --comm, --cgroup, --by as the summary says them */
static void print_filter(FILE *f, const struct tracer_opts *o)
{
	if (filter_on(o)) {
		fprintf(f, "  Filter              ");
		for (__u32 i = 0; i < o->nr_filter_pids; i++)
			fprintf(f, "%s%u", i ? "," : " pid ", o->filter_pids[i]);
		if (o->filter_comm[0])
			fprintf(f, " comm %s", o->filter_comm);
		if (o->filter_cgroup[0])
			fprintf(f, " cgroup %s", o->filter_cgroup);
		fprintf(f, " (allocations of others not traced, unmatched frees not counted)\n");
	}
	if (o->by)
		fprintf(f, "  Split by             %s, %u distinct at most (the rest: \"other\")\n",
			o->by == KMS_BY_COMM ? "comm" : "cgroup", o->by_max);
}

/* Which sites the live table failed, and the fix: a table that holds them. */
static void print_live_hint(FILE *f, const struct site_table *st, __u32 entries)
{
	__u64 untracked = 0, sites = 0;
	char a[16];
	__u32 n;

	for (size_t i = 0; i < st->nr; i++) {
		untracked += st->list[i]->live_untracked;
		sites += !!st->list[i]->live_untracked;
	}
	if (!untracked) {
		fprintf(f, "\n");
		return;
	}
	n = live_entries_hint(entries, untracked);
	fprintf(f, ", a lower bound\n");
	fprintf(f,
		"  Live table full:     %10llu objects at %llu sites not tracked (LIVE shown as >=N)\n",
		(unsigned long long)untracked, (unsigned long long)sites);
	fprintf(f,
		"                       raise --live-entries (now %u) to %u: %s of kernel memory (%zu bytes per entry)\n",
		live_table_slots(entries), n, fmt_bytes(live_table_bytes(n), a, sizeof(a)),
		sizeof(struct kms_live_slot));
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0;
}

void print_summary(FILE *f, const struct site_table *st, const struct run_summary *sum,
		   const struct tracer *t)
{
	struct site_counts tot = {};
	__s64 live = 0, live_bytes = 0;
	const __u64 *c = sum->counters;
	char a[16], b[16], d[16];
	__u64 unmatched;

	for (size_t i = 0; i < st->nr; i++) {
		const struct site *s = st->list[i];

		schema_counts_add(&tot, &s->tot);
		live += s->live;
		live_bytes += s->live_bytes;
	}
	unmatched = c[KMS_CNT_UNMATCHED_KFREE] + c[KMS_CNT_UNMATCHED_CACHE_FREE] +
		    c[KMS_CNT_UNMATCHED_VFREE];
	fprintf(f, "\nSUMMARY (%.1f s, %llu sites)\n", sum->seconds, (unsigned long long)st->nr);
	fprintf(f, "  Total requested      %10s in %llu allocations\n",
		fmt_bytes(tot.bytes_req, a, sizeof(a)), (unsigned long long)tot.allocs);
	fprintf(f, "  Total allocated      %10s\n", fmt_bytes(tot.bytes_alloc, a, sizeof(a)));
	fprintf(f, "  Slack                %10s, %.2f%% of allocated\n",
		fmt_bytes(site_slack(&tot), a, sizeof(a)), site_frag(&tot));
	fprintf(f, "  Charged to memcg     %10s, %.2f%% of allocated; uncharged %s\n",
		fmt_bytes(tot.bytes_charged, a, sizeof(a)), pct(tot.bytes_charged, tot.bytes_alloc),
		fmt_bytes(tot.bytes_alloc - tot.bytes_charged, b, sizeof(b)));
	fprintf(f,
		"  Total freed          %10s in %llu matched frees; %llu unmatched (allocated before tracing)\n",
		fmt_bytes(tot.bytes_freed, a, sizeof(a)), (unsigned long long)tot.frees,
		(unsigned long long)unmatched);
	fprintf(f,
		"  Implied frees        %10s in %llu frees the tracepoints did not show (address reused)\n",
		fmt_bytes(tot.implied_bytes, a, sizeof(a)), (unsigned long long)tot.implied_frees);
	fprintf(f, "  Cross-CPU frees      %10llu (%.1f%% of matched frees)\n",
		(unsigned long long)tot.cross_cpu_frees, pct(tot.cross_cpu_frees, tot.frees));
	fprintf(f, "  Live (tracked)       %10lld objects, %s", (long long)live,
		fmt_bytes(live_bytes > 0 ? live_bytes : 0, a, sizeof(a)));
	print_live_hint(f, st, sum->live_entries);
	fprintf(f, "  Failed allocations   %10llu\n", (unsigned long long)tot.failed);
	fprintf(f,
		"  Events               kmalloc %s, kfree %s, kmem_cache_alloc %s, kmem_cache_free %s, vmalloc %s, vfree %s\n",
		fmt_count(c[KMS_CNT_EV_KMALLOC], a, sizeof(a)),
		fmt_count(c[KMS_CNT_EV_KFREE], b, sizeof(b)),
		fmt_count(c[KMS_CNT_EV_CACHE_ALLOC], d, sizeof(d)),
		fmt_count(c[KMS_CNT_EV_CACHE_FREE], (char[16]){}, 16),
		fmt_count(c[KMS_CNT_EV_VMALLOC], (char[16]){}, 16),
		fmt_count(c[KMS_CNT_EV_VFREE], (char[16]){}, 16));
	fprintf(f,
		"  Drops                site map full %llu, live map full %llu, ring buffer %llu, stacks %llu, kprobe pairing %llu, recursion %llu\n",
		(unsigned long long)c[KMS_CNT_DROP_SITES], (unsigned long long)c[KMS_CNT_DROP_LIVE],
		(unsigned long long)c[KMS_CNT_DROP_RINGBUF],
		(unsigned long long)c[KMS_CNT_DROP_STACK],
		(unsigned long long)c[KMS_CNT_DROP_PENDING],
		(unsigned long long)sum->recursion_misses);
	fprintf(f, "  Attach               kmalloc=%s kmem_cache=%s vmalloc=%s\n", t->kmalloc_mode,
		t->cache_mode, vm_mode_name(t->vm_mode));
	if (sum->opts)
		print_filter(f, sum->opts);
	if (t->vm_mode == KMS_VM_TRACEPOINT)
		fprintf(f,
			"                       (vmalloc via tracepoints: requested size and GFP flags not visible, REQ = page-rounded size)\n");
}
