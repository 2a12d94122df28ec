/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model of `kmemscope report`: what the exports say, summed over files
 * and time. report_read() (report_ingest.h) takes records one at a time
 * (memory does not grow with the number of intervals: time series are kept
 * in at most RP_MAX_BUCKETS time buckets whose width doubles when the data
 * spans more), report_finish() (report_rank.h) derives the rankings, and the
 * writers (text, JSON, HTML, folded) print the result. The writers depend on
 * this model only, never on each other.
 */
#ifndef KMEMSCOPE_REPORT_MODEL_H
#define KMEMSCOPE_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "htab.h"

#define RP_NS 1000000000ULL
#define RP_MAX_BUCKETS 240
#define RP_HIST 64
#define RP_CHART_SITES 6
#define RP_PAGE_ORDERS 16 /* page orders kept: buddyinfo heat map, page_alloc by order */
/* lengths of schema.h's schema_events, schema_unmatched, schema_drops */
#define RP_EVENTS 7
#define RP_UNMATCHED 4
#define RP_KERNEL_DROPS 6

enum rp_sort {
	RP_SORT_BYTES,
	RP_SORT_ALLOCS,
	RP_SORT_SLACK,
	RP_SORT_FRAG,
	RP_SORT_LIVE, /* live objects */
	RP_SORT_PINGPONG,
	RP_SORT_GFP,
	RP_SORT_LIVE_BYTES,
	RP_SORT_NR,
};

/* the folded stacks' names together (--folded): at most this many bytes */
#define RP_FOLD_BYTES_MAX (64u << 20)

struct rp_opts {
	enum rp_sort sort;
	__u64 top; /* rows, 0 = all */
	const char *kind; /* "kmalloc", "kmem_cache", "vmalloc" or NULL */
	const char *caller; /* glob on caller/site, substring without wildcards */
	__u64 since_ns, until_ns; /* 0: open */
	bool folded_count; /* --weight count */
	__u64 max_sites; /* distinct sites kept per table (--max-sites); 0: no limit */
	const char *comm, *cgroup; /* sites split by --by: only this comm / cgroup (glob) */
	int folded_weight; /* --weight: RP_WEIGHT_* */
};

/* the weight of report --folded's lines */
enum rp_weight {
	RP_WEIGHT_BYTES, /* allocated bytes */
	RP_WEIGHT_COUNT, /* allocations */
	RP_WEIGHT_SLACK, /* allocated - requested bytes */
	RP_WEIGHT_LIVE_BYTES, /* allocated bytes still live at the end */
};

/* what the sites of a recording made with --by add up to per comm or cgroup */
struct rp_owner {
	char *name;
	__u64 allocs, bytes_req, bytes_alloc, bytes_charged;
};

/* One point of a time series: values of one time bucket. */
struct rp_pt {
	double allocs, bytes; /* sums over the bucket */
	__s64 live_first, live_last, live_min, live_max;
	__u64 t_first, t_last;
	__u32 nlive;
};

struct rp_series {
	__s64 base; /* bucket index of v[0] */
	size_t len;
	struct rp_pt *v;
};

struct rp_gfp {
	char *flags;
	__u64 allocs;
};

/* slack of one site in one kmalloc size class */
struct rp_class_part {
	__u64 size;
	bool estimated;
	__u64 allocs, req, alloc;
};

/*
 * One sampled kernel stack of a site (FLD_STACKS, read by report_site.c's
 * stack_read): sampled values summed over intervals; its live values are
 * the latest record's that lists it (a stack is listed only when its
 * allocations or live values changed).
 */
struct rp_stack {
	char **frames; /* innermost first */
	size_t nr_frames;
	__u64 allocs, bytes_req, bytes_alloc;
	__u64 slack; /* each element's bytes_alloc - bytes_req (never below 0), summed */
	__s64 live, live_bytes;
	__u64 live_t; /* time of the live values */
	struct rp_fold *fold; /* its --folded line; NULL: past the bound (over_folds) */
};

/*
 * What one owner (comm or cgroup of a --by recording; none otherwise) adds
 * to a site: its counts, latest live values and sampled stacks. The sites
 * of a recording split by owner are one site of the report; --pprof keeps
 * the owners apart (a label each).
 */
struct rp_slice {
	char *owner; /* NULL: the records had no owner */
	const char *owner_field; /* FLD_COMM or FLD_CGROUP; NULL without owner */
	__u64 allocs, bytes_req, bytes_alloc;
	__s64 live, live_bytes;
	__u64 live_untracked, live_t;
	struct rp_stack *stacks;
	size_t nr_stacks;
};

/* a site's allocations of one allocated size (the export's alloc_sizes) */
struct rp_asize {
	__u64 size, allocs, req;
};

struct rp_site {
	char *kind, *cache, *caller, *site;
	__u64 allocs, frees, failed, bytes_req, bytes_alloc, bytes_freed, cross_cpu_frees;
	__u64 implied_frees; /* reallocated while tracked: freed past the tracepoints */
	__u64 live_untracked; /* objects the live table could not hold: live is a lower bound */
	__s64 live, live_bytes;
	__u64 live_t; /* time of the live values */
	__u64 bytes_charged; /* of bytes_alloc, charged to a memory cgroup */
	bool req_unknown;
	__u64 sizes[RP_HIST];
	struct rp_gfp *gfps;
	size_t nr_gfps;
	struct rp_class_part *parts;
	size_t nr_parts;
	struct rp_asize *asizes; /* by size, smallest first; none in exports before alloc_sizes */
	size_t nr_asizes;
	/* page_site only */
	__u64 pages;
	__u32 orders; /* bitmask of the orders seen */
	struct rp_series ser;
	/* leak suspects */
	double growth; /* bytes/s while live bytes only grew, 0 otherwise */
	bool implied_out; /* grew, but its objects end mostly as implied frees: not a suspect */
	__s64 live_from, live_to;
	__u64 t_from, t_to;
	struct rp_slice *slices; /* one per owner, in the order first seen */
	size_t nr_slices;
	/*
	 * --by: the owners' live bytes summed at owner_live_t, not yet in ser:
	 * an interval's owner records come one after another, and the series
	 * takes the sum once the site's next interval (or the end) comes
	 */
	__u64 owner_live_t;
	__s64 owner_live;
	/* report_print_folded's scratch: the sampled stacks' sum, largest, estimates */
	__u64 st_sum, st_used;
	struct rp_fold *st_big;
};

struct rp_stat4 {
	double first, min, max, last;
	__u64 t_first, t_last;
	bool any;
};

/* per-bucket means of one zone's indices */
struct rp_zpt {
	double unus[2], frag[2], free[2];
	__u32 n;
	bool ran_out; /* no free block of order >= 3 at some snapshot */
	double orders[RP_PAGE_ORDERS]; /* free blocks per order, summed over the n snapshots */
};

struct rp_zone {
	__s64 node;
	char *zone;
	struct rp_stat4 unus[2], frag[2], free[2]; /* [0]: order 3, [1]: pageblock order */
	int nr_orders; /* of the buddyinfo records, at most RP_PAGE_ORDERS */
	__u64 snapshots, ran_out;
	__u64 ran_out_first, ran_out_last;
	__s64 zbase;
	size_t zlen;
	struct rp_zpt *zv;
};

struct rp_corr {
	char *caller, *activity, *target, *zone;
	__s64 node, n, lag, window, seq;
	double r;
};

struct rp_class {
	__u64 size;
	bool estimated;
	__u64 allocs, req, alloc, slack;
	__u64 sites; /* sites with slack in the class */
	struct rp_site *top[3];
	__u64 top_slack[3];
};

/* right-sizing advice for one kmalloc site (report_advise.c) */
struct rp_advice {
	const struct rp_site *s;
	bool fixed; /* one class and one log2 request bucket: taken as one request size */
	__u64 allocs;
	double req, slack; /* bytes requested, slack now */
	__u64 obj; /* dedicated cache object size */
	double obj_cost; /* bytes per object in that cache, slab tail included */
	double dedicated_slack, dedicated_saved;
	/* trimming: the class with the largest saving, and the class below it */
	__u64 trim_class, trim_to, trim_by, trim_allocs;
	double trim_saved;
	double best_saved, saved_per_s, saved_at_live;
};

/* one slab cache over the slabinfo snapshots (report_slab.c) */
struct rp_slab {
	char *name;
	char *aliases; /* "UNIX, UNIX-STREAM": caches merged into it; "" for none */
	__u64 active_objs, num_objs, objsize, objperslab, pagesperslab; /* the last snapshot */
	__u64 t_last, snapshots;
	__u64 mem_first, mem_max; /* bytes of slabs: at the first snapshot, the largest */
};

/* extfrag fallbacks of one caller between two migratetypes (report_page.c) */
struct rp_extfrag {
	char *caller, *alloc_mt, *fallback_mt;
	__u64 count, steals; /* steals: with change_ownership (the pageblock changed type) */
	__u64 orders; /* bitmask of the fallback orders */
};

/* the page allocator records of the report: extfrag, compaction, page_alloc/free, meminfo */
struct rp_page_view {
	struct rp_extfrag *ext;
	size_t nr_ext;
	__u64 ext_records, compaction_records, page_records, meminfo_records;
	__u64 compact[6]; /* begin, end, try_to_compact, deferred, defer_compaction, defer_reset */
	__u64 alloc_allocs[RP_PAGE_ORDERS], alloc_pages[RP_PAGE_ORDERS];
	__u64 free_frees[RP_PAGE_ORDERS], free_pages[RP_PAGE_ORDERS];
	struct rp_stat4 meminfo[5]; /* schema_meminfo_keys */
};

struct rp_gfp_row {
	const char *flags;
	__u64 allocs, sites;
	struct rp_site *top[3];
	__u64 top_allocs[3];
};

/*
 * One folded line. A stack of a site's "stacks" (sampled) has site set and
 * the sums of the site's rp_stacks linked to it (one per owner), scaled to
 * the site's exact totals when printed (report_folded.c); a one-frame line (one_frame) stands for a site without
 * any; a site's "stack" (exact, page sites and old vmalloc records) has
 * bytes and count only. stack is "root;...;leaf" (fold_map's key of a
 * site-linked line adds the site's address: two sites may share a stack).
 */
struct rp_fold {
	char *stack;
	__u64 bytes, count;
	struct rp_site *site;
	bool one_frame;
	/* the sampled sums of its stacks (rp_stack.fold, of every owner), by report_finish */
	__u64 s_allocs, s_alloc, s_slack;
	__s64 s_live_bytes;
	__u64 est; /* report_print_folded's scratch: the estimate of the weight */
};

struct rp_input {
	char *path;
	unsigned long lines, records, problems, skipped;
};

/* interval numbers [lo, hi] of one run as one reading (header) of an input had them */
struct rp_seq_range {
	__u64 lo, hi;
	size_t reading, input;
};

/* one recording, known by its header's host and start time (report_dedup.c) */
struct rp_run {
	char *hostname;
	__u64 start_ns;
	struct rp_seq_range *ranges;
	size_t nr_ranges;
};

struct rp_host {
	char *hostname, *kernel, *machine;
};

struct report {
	struct rp_opts opts;
	/* inputs */
	struct rp_input *inputs;
	size_t nr_inputs;
	struct rp_host *hosts;
	size_t nr_hosts;
	__u64 page_size;
	__s64 pageblock_order; /* -1 until known */
	bool pageblock_assumed;
	/* state of the run being read */
	__u64 run_start_ns, run_interval_ns, last_seq, last_seq_t;
	__s64 run_pb;
	/* duplicate input: the same run's intervals read twice count once */
	struct rp_run *runs;
	size_t nr_runs;
	long cur_run, cur_range; /* of the reading, -1: none */
	size_t readings; /* headers read so far */
	bool dup_warned; /* for the input being read */
	__u64 dup_inputs, dup_records; /* inputs that repeated intervals, records skipped */
	/* time */
	__u64 t_min, t_max; /* of the records inside the window */
	__u64 bucket_ns;
	__s64 b_lo, b_hi;
	bool any_bucket;
	/* intervals */
	__u64 intervals;
	double seconds;
	__u64 events[RP_EVENTS], unmatched[RP_UNMATCHED], stale_live, self_ignored;
	__u64 drops[RP_KERNEL_DROPS + 1]; /* schema_drops, then recursion */
	__s64 live, live_bytes;
	__u64 live_t;
	__u64 failures;
	/* sites */
	struct htab site_map, page_map, zone_map, fold_map, vmstat_map; /* keys: strings */
	struct rp_site **sites, **pages;
	size_t nr_sites, nr_pages;
	struct rp_zone **zones;
	size_t nr_zones;
	struct rp_fold **folds;
	size_t nr_folds;
	struct rp_corr *corr;
	size_t nr_corr;
	__u64 corr_t;
	char **vm_keys;
	size_t nr_vm;
	__u64 frag_records;
	/* derived by report_finish() */
	struct rp_class *classes;
	size_t nr_classes;
	struct rp_gfp_row *gfp_rows;
	size_t nr_gfp_rows;
	struct rp_advice *advice; /* ranked by best_saved */
	size_t nr_advice;
	struct rp_page_view pv;
	struct htab slab_map; /* cache name -> struct rp_slab */
	struct rp_slab **slabs; /* by memory at the last snapshot, after report_finish */
	size_t nr_slabs;
	__u64 slab_records;
	struct rp_site **leaks;
	size_t nr_leaks;
	struct rp_site *exhaust_sites[10], *exhaust_pages[10];
	double exhaust_site_bytes[10], exhaust_page_bytes[10];
	size_t nr_exhaust_sites, nr_exhaust_pages;
	__u64 exhaust_buckets;
	struct rp_site *total; /* all filtered sites summed, with rest */
	/* --by recordings: totals per comm or cgroup (owner_field: FLD_COMM / FLD_CGROUP) */
	struct rp_owner *owners;
	size_t nr_owners;
	const char *owner_field;
	/* site_rest: the sites a daemon's top_sites left out, in totals only */
	struct rp_site *rest;
	__u64 rest_intervals, rest_sites; /* intervals with a site_rest, sites folded (sum) */
	__u64 top_sites; /* header.daemon.top_sites, largest seen; 0: unknown */
	bool rest_filtered; /* site_rest skipped: --kind/--caller cannot apply to it */
	/* records of sites beyond --max-sites: in rest (site) or only counted (page_site) */
	__u64 over_records, over_allocs, over_bytes, over_page_records;
	/* distinct folded stacks beyond --max-sites or RP_FOLD_BYTES_MAX: left out */
	__u64 over_folds, fold_bytes;
	__u64 live_entries; /* header.settings.live_entries, largest seen; 0: unknown */
	__u64 stack_sample; /* header.settings.stack_sample, largest seen; 0: off or unknown */
	bool stack_sampled; /* a header's settings.stack_sample > 0: stackless sites fold alone */
	/* derived: sites whose LIVE is a lower bound, objects not tracked */
	__u64 untracked_sites, untracked;
	struct rp_site **implied; /* grew but not suspects: ends mostly implied frees */
	size_t nr_implied;
};

int report_init(struct report *rp, const struct rp_opts *o);
void report_free(struct report *rp);

__u64 rp_site_slack(const struct rp_site *s);
double rp_site_slack_pct(const struct rp_site *s);
const struct rp_gfp *rp_site_top_gfp(const struct rp_site *s);
/* "2026-11-22T04:10:00Z"; "-" for 0 */
const char *rp_fmt_time(__u64 ns, char *buf, size_t sz);

/* double to __u64 without undefined behaviour: clamped to [0, 1.8e19] */
static inline __u64 rp_u64(double v)
{
	return v > 0 ? (v < 1.8e19 ? (__u64)v : (__u64)1.8e19) : 0;
}

/* for the aggregation files */
/* append item to the pointer array *listp of *nr; 0 or -ENOMEM */
int rp_push(void *listp, size_t *nr, void *item);
/* saturating sums: counters summed over many files must not wrap (inline: per field of every record) */
static inline __u64 rp_sat_add(__u64 a, __u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

/* every kernel drop counter, recursion included */
static inline __u64 rp_drops_total(const struct report *rp)
{
	__u64 n = 0;

	for (int i = 0; i <= RP_KERNEL_DROPS; i++)
		n = rp_sat_add(n, rp->drops[i]);
	return n;
}

/* frees of objects allocated before the start, every kind */
static inline __u64 rp_unmatched_total(const struct report *rp)
{
	__u64 n = 0;

	for (int i = 0; i < RP_UNMATCHED; i++)
		n = rp_sat_add(n, rp->unmatched[i]);
	return n;
}

static inline __s64 rp_sat_add_s(__s64 a, __s64 b)
{
	__s64 r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* the site's LIVE is a lower bound: some of its objects were not tracked */
static inline bool rp_live_lower(const struct rp_site *s)
{
	return s->live_untracked > 0;
}

/* keep the three largest v in top/vals, largest first */
void rp_top3(struct rp_site **top, __u64 *vals, struct rp_site *s, __u64 v);

#endif
