/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The export and state schema (docs/export-format.md, docs/control-socket.md):
 * every record type and field name, defined once, and one builder per record
 * type. Writers (record -o, the daemon's segments, the state and status
 * documents) build records only through the builders; readers (report, top,
 * status, the NDJSON reader) look fields up through the same names.
 * schema_records[] lists every field of every record type: the round-trip
 * test and the docs test walk it, so a field added here and not written,
 * read back or documented fails a test.
 */
#ifndef KMEMSCOPE_SCHEMA_H
#define KMEMSCOPE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <cjson/cJSON.h>
#include "kmemscope.h"

struct site_counts;

/* bumped only when a field is removed or changes meaning; readers accept <= */
#define KMS_SCHEMA_VERSION 1

/* record types (the "type" field) */
#define REC_HEADER "header"
#define REC_INTERVAL "interval"
#define REC_SITE "site"
#define REC_SITE_REST "site_rest"
#define REC_FAILURE "failure"
#define REC_BUDDYINFO "buddyinfo"
#define REC_PAGETYPE "pagetype"
#define REC_VMSTAT "vmstat"
#define REC_MEMINFO "meminfo"
#define REC_SLABINFO "slabinfo"
#define REC_PAGE_ALLOC "page_alloc"
#define REC_PAGE_FREE "page_free"
#define REC_PAGE_SITE "page_site"
#define REC_EXTFRAG "extfrag"
#define REC_COMPACTION "compaction"
#define REC_CORRELATION "correlation"
#define REC_STATE "state" /* control socket: the whole current state */
#define REC_STATUS "status" /* control socket: the daemon's health */
#define REC_OK "ok" /* control socket: a command was accepted */
#define REC_ERROR "error" /* control socket: a command was refused, see "error" */

/* fields shared by many records */
#define FLD_TYPE "type" /* one of REC_* */
#define FLD_SEQ "seq" /* interval number, from 1 */
#define FLD_TS_NS "ts_ns" /* when the source was read / the event happened, ns since epoch */
#define FLD_KIND "kind" /* "kmalloc", "kmem_cache", "vmalloc" ("page" in the state doc) */
#define FLD_CACHE "cache" /* kmem_cache name (kmem_cache sites only) */
#define FLD_CALLER "caller" /* function, no offset */
#define FLD_SITE "site" /* "func+0xoff" call site */
#define FLD_GFP "gfp" /* {"flags": count} in sites, a flag string elsewhere */
#define FLD_STACK "stack" /* ["func+0x1a", ...], innermost first */
/* site: [{stack, allocs, bytes_req, bytes_alloc, live, live_bytes}], SAMPLED (vmalloc: exact) */
#define FLD_STACKS "stacks"
#define FLD_NODE "node" /* NUMA node */
#define FLD_ZONE "zone" /* zone name */
#define FLD_FREE "free" /* free blocks per order */
#define FLD_ORDER "order" /* page order */
#define FLD_PAGES "pages" /* pages (4 KiB on x86) */
#define FLD_MIGRATETYPE "migratetype"

/* header */
#define FLD_SCHEMA "schema" /* KMS_SCHEMA_VERSION */
#define FLD_TOOL "tool" /* "kmemscope" */
#define FLD_VERSION "version" /* tool version */
#define FLD_KERNEL "kernel" /* uname -r */
#define FLD_MACHINE "machine" /* uname -m */
#define FLD_HOSTNAME "hostname"
#define FLD_PAGE_SIZE "page_size" /* bytes */
#define FLD_NCPU "ncpu" /* possible CPUs */
#define FLD_START_NS "start_ns" /* tracing (or interval) start, ns since epoch */
#define FLD_INTERVAL_S "interval_s" /* seconds between intervals */
#define FLD_PAGEBLOCK_ORDER "pageblock_order" /* when the fragmentation view is on */
#define FLD_ATTACH "attach" /* {kmalloc, kmem_cache, vmalloc, ...}: attach modes */
#define FLD_ATT_KMALLOC "kmalloc"
#define FLD_ATT_KMEM_CACHE "kmem_cache"
#define FLD_ATT_VMALLOC "vmalloc"
#define FLD_ATT_VMALLOC_DETAIL "vmalloc_detail" /* programs and tracepoints used */
#define FLD_ATT_VMALLOC_REFUSED "vmalloc_refused" /* why faster modes were not used */
#define FLD_ATT_PAGE "page" /* page allocator attach mode, with --pages */
#define FLD_ATT_BULK_FREE "bulk_free" /* kmem_cache_free_bulk: fentry, kprobe or off */
#define FLD_ATT_BULK_FREE_REFUSED "bulk_free_refused" /* why faster modes were not used / off */
#define FLD_ATT_CLAIMS \
	"claims" /* table slots taken by cmpxchg, or hash_map (kernels before 5.12) */
#define FLD_ATT_CLAIMS_REFUSED "claims_refused" /* why not cmpxchg */
#define FLD_SETTINGS "settings" /* {track_live, live_entries, site_entries, life_sample} */
#define FLD_TRACK_LIVE "track_live" /* bool */
#define FLD_LIVE_ENTRIES "live_entries" /* live-object table size */
#define FLD_SITE_ENTRIES "site_entries" /* site table size */
#define FLD_LIFE_SAMPLE "life_sample" /* lifetimes of 1 allocation in N */
/* {pid: [..], comm: "..", cgroup: ".."}: the allocations traced (absent: all) */
#define FLD_FILTER "filter"
#define FLD_BY "by" /* "comm" or "cgroup": sites split by it (absent: not split) */
#define FLD_BY_MAX "by_max" /* with by: distinct comms/cgroups kept apart, the rest "other" */
#define FLD_STACK_SAMPLE \
	"stack_sample" /* a stack for 1 allocation in N per site and CPU, 0 = off */
#define FLD_GFP_NAMES "gfp_names" /* "tracefs format", "BTF" or "raw" */
#define FLD_SYMBOLS "symbols" /* bool: kallsyms was readable */
#define FLD_RAW_ADDRESSES "raw_addresses" /* bool: --raw-addresses */
#define FLD_DAEMON "daemon" /* segments only: {segment_start_ns, first_seq, top_sites} */
#define FLD_SEGMENT_START_NS "segment_start_ns"
#define FLD_FIRST_SEQ "first_seq" /* seq of the segment's first interval */
#define FLD_TOP_SITES "top_sites" /* site records kept per interval, 0 = all */

/* interval */
#define FLD_END_NS "end_ns"
#define FLD_DURATION_S "duration_s"
#define FLD_EVENTS "events" /* allocator events in the interval, by EV_* name */
#define FLD_EV_PAGE_ALLOC "page_alloc" /* events.page_alloc: page allocations, with --pages */
#define FLD_UNMATCHED_FREES "unmatched_frees" /* frees of objects not tracked, by UM_* name */
#define FLD_DROPS "drops" /* what bounded structures lost, by DROP_* name */
#define FLD_DROP_RECURSION "recursion" /* events skipped: a BPF program already ran */
#define FLD_STALE_LIVE "stale_live" /* tracked addresses handed out again */
#define FLD_SELF_IGNORED "self_ignored" /* kmemscope's own allocations */
#define FLD_KERNEL_DUPLICATES "kernel_duplicates" /* 2nd event of one large kmalloc */
#define FLD_ACTIVE_SITES "active_sites" /* sites with activity in the interval */
#define FLD_SITES "sites" /* interval: sites known; site_rest: sites folded in */
#define FLD_LIVE "live" /* live objects now (a current value, not a delta) */
#define FLD_LIVE_BYTES "live_bytes" /* live bytes now */
/* allocations the live table could not hold, since the start (a current value) */
#define FLD_LIVE_UNTRACKED "live_untracked"

/* site counters (site, site_rest, state sites' delta/total) */
#define FLD_ALLOCS "allocs" /* successful allocations */
#define FLD_FREES "frees" /* matched frees */
#define FLD_FAILED "failed" /* allocations that returned NULL */
#define FLD_BYTES_REQ "bytes_req" /* bytes requested */
#define FLD_BYTES_ALLOC "bytes_alloc" /* bytes allocated (size class, page-rounded) */
#define FLD_SLACK "slack" /* bytes_alloc - bytes_req */
#define FLD_BYTES_FREED "bytes_freed" /* allocated bytes of the matched frees */
#define FLD_CROSS_CPU_FREES "cross_cpu_frees" /* matched frees on another CPU */
#define FLD_IMPLIED_FREES "implied_frees" /* frees not traced: the address was allocated again */
#define FLD_IMPLIED_BYTES "implied_bytes" /* allocated bytes of the implied frees */
#define FLD_SIZES "sizes" /* log2 histogram of requested sizes */
#define FLD_LIFETIMES_NS "lifetimes_ns" /* log2 histogram of sampled lifetimes */
#define FLD_REQ_UNKNOWN "req_unknown" /* true: bytes_req is the page-rounded size */
/* {"512": {"allocs": n, "bytes_req": b}}: exact, by allocated size (class, page-rounded) */
#define FLD_ALLOC_SIZES "alloc_sizes"
/* of bytes_alloc, charged to a memory cgroup (__GFP_ACCOUNT or a SLAB_ACCOUNT cache) */
#define FLD_BYTES_CHARGED "bytes_charged"
/* site split by --by cgroup: the allocating task's cgroup v2 path ("other": the rest) */
#define FLD_CGROUP "cgroup"

/* failure */
#define FLD_PID "pid"
#define FLD_COMM "comm" /* also a site's, split by --by comm ("other": the rest) */

/* buddyinfo, pagetype */
#define FLD_UNUSABLE_INDEX "unusable_index" /* per order, 0..1 */
#define FLD_FRAG_INDEX "frag_index" /* per order, -1 or 0..1 */
#define FLD_CAPPED "capped" /* a count printed as >100000 */
#define FLD_PAGEBLOCKS "pageblocks" /* pageblocks of the migratetype */
/* vmstat, slabinfo */
#define FLD_DELTA "delta" /* vmstat counter deltas; state sites: the interval's counts */
#define FLD_CACHES "caches" /* slabinfo: one object per cache */
#define FLD_NAME "name"
#define FLD_ACTIVE_OBJS "active_objs"
#define FLD_NUM_OBJS "num_objs"
#define FLD_OBJSIZE "objsize"
#define FLD_OBJPERSLAB "objperslab"
#define FLD_PAGESPERSLAB "pagesperslab"
#define FLD_ALIASES "aliases" /* slabinfo cache: names of the caches merged into it */
/* page_free, extfrag, compaction */
#define FLD_ALLOC_ORDER "alloc_order"
#define FLD_FALLBACK_ORDER "fallback_order"
#define FLD_ALLOC_MIGRATETYPE "alloc_migratetype"
#define FLD_FALLBACK_MIGRATETYPE "fallback_migratetype"
#define FLD_CHANGE_OWNERSHIP "change_ownership"
#define FLD_COUNT "count"
#define FLD_BEGIN "begin"
#define FLD_END "end"
#define FLD_TRY_TO_COMPACT "try_to_compact"
#define FLD_DEFERRED "deferred"
#define FLD_DEFER_COMPACTION "defer_compaction"
#define FLD_DEFER_RESET "defer_reset"
/* correlation */
#define FLD_WINDOW "window" /* intervals in the sliding window */
#define FLD_ACTIVITY "activity" /* corr_activity_name() */
#define FLD_TARGET "target"
#define FLD_R "r" /* Pearson's r, 3 decimals */
#define FLD_N "n" /* interval pairs */
#define FLD_LAG "lag" /* intervals between activity and change */

/* state document (control socket) */
#define FLD_HEADER "header" /* a header record */
#define FLD_INTERVAL "interval" /* the last interval record */
#define FLD_UPTIME_NS "uptime_ns"
#define FLD_TOTAL "total" /* state sites: counts since the start */
#define FLD_BUDDYINFO "buddyinfo" /* state: array of buddyinfo zones */
#define FLD_MEMINFO "meminfo" /* state: meminfo object */
#define FLD_PAGETYPE "pagetype" /* state: array of pagetype rows */
#define FLD_SLABINFO "slabinfo" /* state: the last slabinfo snapshot's caches */
/* status document */
#define FLD_SEGMENT "segment" /* the .active path being written */
#define FLD_SEGMENT_BYTES "segment_bytes"
#define FLD_STATE_DIR "state_dir"
#define FLD_SEGMENTS "segments" /* segments on disk */
#define FLD_DISK_BYTES "disk_bytes"
#define FLD_EVENTS_PER_S "events_per_s"
#define FLD_WRITES "writes" /* {ok, error, queued_bytes, errors, ...} */
#define FLD_OK "ok"
#define FLD_ERROR "error"
#define FLD_QUEUED_BYTES "queued_bytes"
#define FLD_ERRORS "errors"
#define FLD_INTERVALS_WRITTEN "intervals_written"
#define FLD_INTERVALS_DROPPED "intervals_dropped"
#define FLD_SEGMENTS_DELETED "segments_deleted"
#define FLD_QUEUED_INTERVALS "queued_intervals" /* intervals in queued_bytes */
#define FLD_COMPRESSIONS "compressions" /* gzip members made: one per interval and header */
#define FLD_CONFIG "config"
#define FLD_PROM_TEXTFILE "prom_textfile"

/* the kinds of call sites (FLD_KIND) */
#define KIND_NAME_KMALLOC "kmalloc"
#define KIND_NAME_CACHE "kmem_cache"
#define KIND_NAME_VMALLOC "vmalloc"
#define KIND_NAME_PAGE "page" /* state document only: page allocator callers (--pages) */

/* interval.events (allocations and frees in the interval) */
#define EV_KMALLOC "kmalloc"
#define EV_KFREE "kfree"
#define EV_CACHE_ALLOC "kmem_cache_alloc"
#define EV_CACHE_FREE "kmem_cache_free"
#define EV_VMALLOC "vmalloc"
#define EV_VFREE "vfree"
#define EV_BULK_FREE "bulk_frees" /* objects of bulk frees (kfree_bulk, kfree_rcu batches) */
/* meminfo (bytes, from /proc/meminfo) */
#define MI_MEMFREE "MemFree"
#define MI_SLAB "Slab"
#define MI_SRECLAIMABLE "SReclaimable"
#define MI_SUNRECLAIM "SUnreclaim"
#define MI_VMALLOC_USED "VmallocUsed"

/* a named kernel counter (KMS_CNT_*) */
struct schema_counter {
	const char *name;
	int idx;
};
/* events, unmatched_frees, drops (recursion is added apart: not a KMS_CNT) */
extern const struct schema_counter schema_events[7], schema_unmatched[4], schema_drops[6];
/* the /proc/meminfo keys of the meminfo record (bytes) */
extern const char *const schema_meminfo_keys[5];

/* every field of every record type, for the tests; nested fields as "a.b" */
struct schema_record {
	const char *type;
	const char *const *fields; /* NULL-terminated */
};
extern const struct schema_record schema_records[];
extern const size_t schema_nr_records;
const struct schema_record *schema_find(const char *type);

/* builders ---------------------------------------------------------------- */

/* {"type": type, "seq": seq}: what a builder starts with */
cJSON *schema_rec(const char *type, __u64 seq);

struct schema_header {
	const char *version, *kernel, *machine, *hostname;
	__u64 page_size, ncpu, start_ns;
	double interval_s;
	int pageblock_order; /* <= 0: not written */
	const char *kmalloc, *kmem_cache, *vmalloc, *vmalloc_detail;
	const char *vmalloc_refused; /* NULL or "": not written */
	const char *page; /* NULL: --pages off */
	const char *bulk_free, *bulk_free_refused; /* refused NULL or "": not written */
	bool track_live;
	__u64 live_entries, site_entries, life_sample;
	const __u32 *filter_pids; /* nr_filter_pids of them */
	__u32 nr_filter_pids;
	const char *filter_comm, *filter_cgroup; /* NULL or "": no such filter */
	const char *by; /* NULL: sites not split */
	__u64 by_max;
	const char *gfp_names;
	__u64 stack_sample;
	bool symbols, raw_addresses;
	const char *claims, *claims_refused; /* NULL or "": not written */
};
cJSON *schema_header(const struct schema_header *h);
/* the daemon's addition to a segment's header */
void schema_header_daemon(cJSON *hdr, __u64 segment_start_ns, __u64 first_seq, __u64 top_sites);

struct schema_interval {
	__u64 seq, start_ns, end_ns;
	double duration_s;
	const __u64 *delta; /* KMS_CNT_NR counter deltas */
	__u64 recursion;
	bool pages; /* --pages: events.page_alloc written */
	__u64 page_allocs;
	__u64 active_sites, sites;
	__u64 bytes_req, bytes_alloc; /* over every site: site records + site_rest */
	__s64 live, live_bytes;
	__u64 live_untracked;
};
cJSON *schema_interval(const struct schema_interval *iv);

/* a call site; gfp and stack (may be NULL) are taken over */
struct schema_site {
	__u64 seq;
	const char *kind, *cache, *caller, *site; /* cache NULL: not a kmem_cache site */
	const char *comm, *cgroup; /* --by: the owner of the split site, NULL: none */
	const struct site_counts *delta, *total; /* total: state doc only */
	__s64 live, live_bytes;
	__u64 live_untracked;
	bool req_unknown;
	cJSON *gfp, *stack;
	cJSON *alloc_sizes; /* NULL: not written (schema_alloc_size_add builds it) */
	cJSON *stacks; /* schema_stack() objects, or NULL */
};
/* one element of a site's stacks: frames (taken over) and its sampled counts */
struct schema_stack {
	__u64 allocs, bytes_req, bytes_alloc;
	__s64 live, live_bytes;
};
cJSON *schema_stack(cJSON *frames, const struct schema_stack *c);
/* the export's site record: the interval's counts */
cJSON *schema_site(struct schema_site *s);
/* a site of the state document: "delta" and "total" objects, no type/seq */
cJSON *schema_state_site(struct schema_site *s);
/* alloc_sizes[size] += {allocs, bytes_req}; o an object (FLD_ALLOC_SIZES) */
void schema_alloc_size_add(cJSON *o, __u64 size, __u64 allocs, __u64 bytes_req);
/* sum += c (folding sites into a site_rest) */
void schema_counts_add(struct site_counts *sum, const struct site_counts *c);
/* the counters of a site_counts, flat into o (site, site_rest) */
void schema_add_counts(cJSON *o, const struct site_counts *c);

/* what the site records of one interval left out (see docs/export-format.md) */
struct schema_site_rest {
	__u64 seq, sites; /* sites: active sites folded in */
	const struct site_counts *c;
	__s64 live, live_bytes;
	__u64 live_untracked;
};
cJSON *schema_site_rest(const struct schema_site_rest *r);

struct schema_failure {
	__u64 seq, ts_ns, bytes_req, pid;
	const char *kind, *cache, *site, *gfp, *comm; /* cache NULL/"": none */
};
cJSON *schema_failure(const struct schema_failure *f);

/* buddyinfo zone; seq 0 and ts 0: the state document's form (no type/seq/ts) */
struct schema_buddy {
	__u64 seq, ts_ns;
	int node, nr_orders;
	const char *zone;
	const __u64 *free;
	const double *unusable, *frag;
};
cJSON *schema_buddyinfo(const struct schema_buddy *b);

struct schema_pagetype {
	__u64 seq; /* 0: the state document's form */
	int node, nr_orders;
	const char *zone, *migratetype;
	const __u64 *free;
	bool capped;
	__s64 pageblocks; /* < 0: not written */
};
cJSON *schema_pagetype(const struct schema_pagetype *p);

/* vmstat: the record, and its delta object to fill with the kernel's names */
cJSON *schema_vmstat(__u64 seq, cJSON **delta);
/* meminfo: vals[i] for schema_meminfo_keys[i], has[i] false: absent; seq 0: state form */
cJSON *schema_meminfo(__u64 seq, const __u64 *vals, const bool *has);

struct schema_slab {
	const char *name;
	__u64 active_objs, num_objs, objsize, objperslab, pagesperslab;
	const char *const *aliases; /* caches merged into this one; nr_aliases 0: not written */
	int nr_aliases;
};
cJSON *schema_slabinfo(__u64 seq, const struct schema_slab *c, int n);

cJSON *schema_page_alloc(__u64 seq, int order, const char *migratetype, const char *gfp,
			 __u64 allocs, __u64 pages);
cJSON *schema_page_free(__u64 seq, int order, __u64 frees, __u64 pages);
/* stack (may be NULL) is taken over */
cJSON *schema_page_site(__u64 seq, const char *caller, const char *site, int order, __u64 allocs,
			__u64 pages, cJSON *stack);

struct schema_extfrag {
	__u64 seq, count;
	const char *caller, *site, *alloc_migratetype, *fallback_migratetype;
	int alloc_order, fallback_order;
	bool change_ownership;
};
cJSON *schema_extfrag(const struct schema_extfrag *e);

struct schema_compaction {
	__u64 seq, begin, end, try_to_compact, deferred, defer_compaction, defer_reset;
};
cJSON *schema_compaction(const struct schema_compaction *c);

struct schema_correlation {
	__u64 seq, window, n, lag;
	const char *caller, *activity, *target;
	const char *zone; /* NULL: node and zone not written */
	int node;
	double r;
};
cJSON *schema_correlation(const struct schema_correlation *c);

/* the state document: header and interval records are taken over */
cJSON *schema_state(cJSON *header, cJSON *interval, __u64 uptime_ns, cJSON **sites);

struct schema_status {
	__u64 pid, uptime_ns, seq, segment_bytes, segments, disk_bytes;
	const char *version, *segment, *state_dir, *config, *prom_textfile;
	double interval_s, events_per_s;
	const __u64 *counters; /* KMS_CNT_NR cumulative: the drops */
	__u64 recursion;
	cJSON *attach; /* taken over */
	bool ok;
	const char *error; /* written when !ok */
	__u64 queued_bytes, errors, intervals_written, intervals_dropped, segments_deleted;
	__u64 queued_intervals, compressions;
};
cJSON *schema_status(const struct schema_status *s);

#endif
