// SPDX-License-Identifier: GPL-2.0
/* One tracing session: start, read every interval, build export records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include "export.h"
#include "gfp.h"
#include "ksyms.h"
#include "session.h"
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define MAX_FAIL_LOGS 10 /* failure lines on stderr per interval */
#define MAX_FAIL_RECORDS 1000 /* failure records per interval, the rest counted */

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

int check_bpf_permissions(const char *cmd)
{
	if (has_cap(CAP_SYS_ADMIN) || (has_cap(CAP_BPF) && has_cap(CAP_PERFMON)))
		return 0;
	log_err("%s needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs: run it as root (sudo)",
		cmd);
	return -EPERM;
}

static int on_failure(const struct kms_fail_event *e, void *ctx)
{
	struct session *s = ctx;
	char where[256], flags[256];
	cJSON *o;

	ksyms__format(s->ks, e->call_site, true, where, sizeof(where));
	if (e->kind == KMS_KIND_VMALLOC && s->tracer.vm_mode == KMS_VM_TRACEPOINT)
		snprintf(flags, sizeof(flags), "unknown");
	else
		gfp_decode(s->gfp, e->gfp, flags, sizeof(flags));
	if (s->failures_logged++ < MAX_FAIL_LOGS)
		log_warn("allocation failure: %s of %llu bytes at %s, %s, by %.16s (pid %u)",
			 e->cache[0] ? e->cache : kind_name(e->kind),
			 (unsigned long long)e->bytes_req, where, flags, e->comm, e->pid);
	if (cJSON_GetArraySize(s->failures) >= MAX_FAIL_RECORDS)
		return 0;
	o = cJSON_CreateObject();
	if (!o)
		return 0;
	cJSON_AddStringToObject(o, "type", "failure");
	/* polled while the interval is being closed: it belongs to the next seq */
	json_add_u64(o, "seq", s->seq + 1);
	json_add_u64(o, "ts_ns", s->start_real + (e->ts - s->start_mono));
	cJSON_AddStringToObject(o, "kind", kind_name(e->kind));
	if (e->cache[0])
		cJSON_AddStringToObject(o, "cache", e->cache);
	cJSON_AddStringToObject(o, "site", where);
	json_add_u64(o, "bytes_req", e->bytes_req);
	cJSON_AddStringToObject(o, "gfp", flags);
	json_add_u64(o, "pid", e->pid);
	cJSON_AddStringToObject(o, "comm", e->comm);
	cJSON_AddItemToArray(s->failures, o);
	return 0;
}

static void load_symbols(struct session *s)
{
	s->ks = ksyms__load("/proc/kallsyms");
	if (!s->ks)
		log_warn("cannot read /proc/kallsyms (%s): call sites shown as raw addresses",
			 strerror(errno));
	else if (ksyms__hidden(s->ks))
		log_warn(
			"kernel addresses are hidden by kernel.kptr_restrict: call sites shown as raw addresses; run as root with CAP_SYSLOG or set kernel.kptr_restrict=0");
	s->gfp = gfp_table__load(tracefs_dir());
	if (!s->gfp)
		log_warn(
			"cannot find the kernel's GFP flag names (no tracefs format, no BTF enum): flags shown in hex");
	else
		log_info("GFP flag names from %s", gfp_table__source(s->gfp));
}

int session_start(struct session *s, const struct tracer_opts *o, double interval_s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->topts = *o;
	s->interval_s = interval_s;
	ksyms_raw_addresses = o->raw_addresses;
	if (check_bpf_permissions("kmemscope") || !tracefs_dir())
		return -EPERM;
	s->failures = cJSON_CreateArray();
	if (!s->failures)
		return -ENOMEM;
	load_symbols(s);
	site_table_init(&s->sites, s->ks);
	err = tracer_start(&s->tracer, o, s->ks, on_failure, s);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			log_err("loading BPF programs was refused (%s): kmemscope needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); is kernel.unprivileged_bpf_disabled or a lockdown in force?",
				strerror(-err));
		else
			log_err("cannot load the BPF programs: %s (run with -vv for libbpf's log)",
				strerror(-err));
		return err;
	}
	err = frag_start(&s->frag, o, s->ks, s->gfp);
	if (err) {
		log_err("cannot start the fragmentation view: %s", strerror(-err));
		return err;
	}
	s->start_mono = s->last_mono = s->now_mono = now_mono_ns();
	s->start_real = now_real_ns();
	return 0;
}

int session_drain(struct session *s)
{
	__u64 c[KMS_CNT_NR], rec;
	int err;

	s->failures_logged = 0;
	s->last_mono = s->now_mono;
	s->now_mono = now_mono_ns();
	tracer_poll(&s->tracer);
	site_table_begin(&s->sites);
	err = tracer_for_each_site(&s->tracer, site_table_feed, &s->sites);
	if (err)
		return err;
	err = tracer_read_counters(&s->tracer, c);
	if (err)
		return err;
	rec = tracer_recursion_misses(&s->tracer);
	for (int i = 0; i < KMS_CNT_NR; i++)
		s->delta[i] = c[i] - s->counters[i];
	memcpy(s->counters, c, sizeof(c));
	s->recursion_delta = rec - s->recursion;
	s->recursion = rec;
	s->seq++;
	return frag_snapshot(&s->frag, s->seq, &s->sites);
}

cJSON *session_header(struct session *s)
{
	cJSON *o = cJSON_CreateObject(), *modes, *set;
	struct utsname u;
	char host[256] = "";

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	cJSON_AddStringToObject(o, "type", "header");
	cJSON_AddNumberToObject(o, "schema", KMS_SCHEMA_VERSION);
	cJSON_AddStringToObject(o, "tool", "kmemscope");
	cJSON_AddStringToObject(o, "version", KMS_VERSION);
	cJSON_AddStringToObject(o, "kernel", u.release);
	cJSON_AddStringToObject(o, "machine", u.machine);
	cJSON_AddStringToObject(o, "hostname", host);
	json_add_u64(o, "page_size", sysconf(_SC_PAGESIZE));
	json_add_u64(o, "ncpu", s->tracer.ncpu);
	json_add_u64(o, "start_ns", s->start_real);
	cJSON_AddNumberToObject(o, "interval_s", s->interval_s);
	if (s->frag.on && s->frag.pageblock_order)
		json_add_u64(o, "pageblock_order", s->frag.pageblock_order);
	modes = cJSON_AddObjectToObject(o, "attach");
	cJSON_AddStringToObject(modes, "kmalloc", s->tracer.kmalloc_mode);
	cJSON_AddStringToObject(modes, "kmem_cache", s->tracer.cache_mode);
	cJSON_AddStringToObject(modes, "vmalloc", vm_mode_name(s->tracer.vm_mode));
	cJSON_AddStringToObject(modes, "vmalloc_detail", s->tracer.vm_desc);
	if (s->tracer.vm_tried[0])
		cJSON_AddStringToObject(modes, "vmalloc_refused", s->tracer.vm_tried);
	set = cJSON_AddObjectToObject(o, "settings");
	cJSON_AddBoolToObject(set, "track_live", s->topts.track_live);
	json_add_u64(set, "live_entries", s->topts.live_entries);
	json_add_u64(set, "site_entries", s->topts.site_entries);
	json_add_u64(set, "life_sample", s->topts.life_sample);
	cJSON_AddStringToObject(o, "gfp_names", s->gfp ? gfp_table__source(s->gfp) : "raw");
	cJSON_AddBoolToObject(o, "symbols", s->ks && ksyms__count(s->ks) && !ksyms__hidden(s->ks));
	cJSON_AddBoolToObject(o, "raw_addresses", s->topts.raw_addresses);
	return o;
}

static void add_counts(cJSON *o, const char *name, const char *const *keys, const int *idx, int n,
		       const __u64 *d)
{
	cJSON *c = cJSON_AddObjectToObject(o, name);

	for (int i = 0; i < n; i++)
		json_add_u64(c, keys[i], d[idx[i]]);
}

static cJSON *interval_record(struct session *s, size_t active)
{
	static const char *const ev_keys[] = { "kmalloc",	  "kfree",   "kmem_cache_alloc",
					       "kmem_cache_free", "vmalloc", "vfree" };
	static const int ev_idx[] = { KMS_CNT_EV_KMALLOC,     KMS_CNT_EV_KFREE,
				      KMS_CNT_EV_CACHE_ALLOC, KMS_CNT_EV_CACHE_FREE,
				      KMS_CNT_EV_VMALLOC,     KMS_CNT_EV_VFREE };
	static const char *const um_keys[] = { "kfree", "kmem_cache_free", "vfree" };
	static const int um_idx[] = { KMS_CNT_UNMATCHED_KFREE, KMS_CNT_UNMATCHED_CACHE_FREE,
				      KMS_CNT_UNMATCHED_VFREE };
	static const char *const dr_keys[] = { "sites_full", "live_full", "ringbuf_full", "stacks",
					       "pending_full" };
	static const int dr_idx[] = { KMS_CNT_DROP_SITES, KMS_CNT_DROP_LIVE, KMS_CNT_DROP_RINGBUF,
				      KMS_CNT_DROP_STACK, KMS_CNT_DROP_PENDING };
	cJSON *o = cJSON_CreateObject();
	__s64 live = 0, live_bytes = 0;

	for (size_t i = 0; i < s->sites.nr; i++) {
		live += s->sites.list[i]->live;
		live_bytes += s->sites.list[i]->live_bytes;
	}
	cJSON_AddStringToObject(o, "type", "interval");
	json_add_u64(o, "seq", s->seq);
	json_add_u64(o, "start_ns", s->start_real + (s->last_mono - s->start_mono));
	json_add_u64(o, "end_ns", s->start_real + (s->now_mono - s->start_mono));
	cJSON_AddNumberToObject(o, "duration_s", (s->now_mono - s->last_mono) / 1e9);
	add_counts(o, "events", ev_keys, ev_idx, ARRAY_SIZE(ev_idx), s->delta);
	add_counts(o, "unmatched_frees", um_keys, um_idx, ARRAY_SIZE(um_idx), s->delta);
	add_counts(o, "drops", dr_keys, dr_idx, ARRAY_SIZE(dr_idx), s->delta);
	json_add_u64(cJSON_GetObjectItem(o, "drops"), "recursion", s->recursion_delta);
	json_add_u64(o, "stale_live", s->delta[KMS_CNT_STALE_LIVE]);
	json_add_u64(o, "self_ignored", s->delta[KMS_CNT_SELF]);
	json_add_u64(o, "kernel_duplicates", s->delta[KMS_CNT_DUP_LARGE]);
	json_add_u64(o, "active_sites", active);
	json_add_u64(o, "sites", s->sites.nr);
	json_add_s64(o, "live", live);
	json_add_s64(o, "live_bytes", live_bytes);
	return o;
}

/* {"GFP_KERNEL": n, ...} of a site's interval deltas or totals */
static cJSON *gfp_object(struct session *s, const struct site *site, bool totals)
{
	cJSON *g = cJSON_CreateObject();
	char flags[256];

	for (size_t i = 0; g && i < site->nr_gfps; i++) {
		const struct gfp_count *c = &site->gfps[i];
		__u64 n = totals ? c->total : c->delta;
		cJSON *prev;

		if (!n)
			continue;
		if (c->known)
			gfp_decode(s->gfp, c->gfp, flags, sizeof(flags));
		else
			snprintf(flags, sizeof(flags), "unknown");
		/* two raw values can decode alike (unnamed bits aside): add up */
		prev = cJSON_GetObjectItem(g, flags);
		if (prev)
			cJSON_SetNumberValue(prev, prev->valuedouble + n);
		else
			json_add_u64(g, flags, n);
	}
	return g;
}

static cJSON *stack_array(struct session *s, const struct site *site);

/* the counters of one site: an interval's deltas or the totals */
static void add_site_counts(cJSON *o, const struct site_counts *c)
{
	json_add_u64(o, "allocs", c->allocs);
	json_add_u64(o, "frees", c->frees);
	json_add_u64(o, "failed", c->failed);
	json_add_u64(o, "bytes_req", c->bytes_req);
	json_add_u64(o, "bytes_alloc", c->bytes_alloc);
	json_add_u64(o, "slack", site_slack(c));
	json_add_u64(o, "bytes_freed", c->bytes_freed);
	json_add_u64(o, "cross_cpu_frees", c->cross_cpu_frees);
	cJSON_AddItemToObject(o, "sizes", json_log2_hist(c->size_hist, KMS_SIZE_BUCKETS));
	cJSON_AddItemToObject(o, "lifetimes_ns", json_log2_hist(c->life_hist, KMS_LIFE_BUCKETS));
}

static cJSON *counts_object(const struct site_counts *c)
{
	cJSON *o = cJSON_CreateObject();

	add_site_counts(o, c);
	return o;
}

static cJSON *site_record(struct session *s, const struct site *site)
{
	cJSON *o = cJSON_CreateObject(), *stack;

	cJSON_AddStringToObject(o, "type", "site");
	json_add_u64(o, "seq", s->seq);
	cJSON_AddStringToObject(o, "kind", kind_name(site->id.kind));
	if (site->id.kind == KMS_KIND_CACHE)
		cJSON_AddStringToObject(o, "cache", site->id.cache);
	cJSON_AddStringToObject(o, "caller", site->caller);
	cJSON_AddStringToObject(o, "site", site->where);
	add_site_counts(o, &site->delta);
	json_add_s64(o, "live", site->live);
	json_add_s64(o, "live_bytes", site->live_bytes);
	if (site->no_req)
		cJSON_AddBoolToObject(o, "req_unknown", true);
	cJSON_AddItemToObject(o, "gfp", gfp_object(s, site, false));
	stack = stack_array(s, site);
	if (stack)
		cJSON_AddItemToObject(o, "stack", stack);
	return o;
}

static cJSON *stack_array(struct session *s, const struct site *site)
{
	__u64 ips[KMS_STACK_DEPTH];
	int n = 0;

	if (site->stack_id < 0 || tracer_stack(&s->tracer, site->stack_id, ips))
		return NULL;
	while (n < KMS_STACK_DEPTH && ips[n])
		n++;
	return json_stack(s->ks, ips, n);
}

cJSON *session_state(struct session *s)
{
	cJSON *o = cJSON_CreateObject(), *sites, *stack;
	size_t active = 0;

	for (size_t i = 0; i < s->sites.nr; i++)
		active += site_active(s->sites.list[i]);
	cJSON_AddStringToObject(o, "type", "state");
	cJSON_AddItemToObject(o, "header", session_header(s));
	cJSON_AddItemToObject(o, "interval", interval_record(s, active));
	json_add_u64(o, "uptime_ns", s->now_mono - s->start_mono);
	sites = cJSON_AddArrayToObject(o, "sites");
	for (size_t i = 0; i < s->sites.nr; i++) {
		const struct site *site = s->sites.list[i];
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "kind", kind_name(site->id.kind));
		if (site->id.kind == KMS_KIND_CACHE)
			cJSON_AddStringToObject(r, "cache", site->id.cache);
		cJSON_AddStringToObject(r, "caller", site->caller);
		cJSON_AddStringToObject(r, "site", site->where);
		json_add_s64(r, "live", site->live);
		json_add_s64(r, "live_bytes", site->live_bytes);
		if (site->no_req)
			cJSON_AddBoolToObject(r, "req_unknown", true);
		cJSON_AddItemToObject(r, "delta", counts_object(&site->delta));
		cJSON_AddItemToObject(r, "total", counts_object(&site->tot));
		cJSON_AddItemToObject(r, "gfp", gfp_object(s, site, true));
		stack = stack_array(s, site);
		if (stack)
			cJSON_AddItemToObject(r, "stack", stack);
		cJSON_AddItemToArray(sites, r);
	}
	frag_state(&s->frag, o);
	return o;
}

/* biggest allocators of the interval first; ties: more allocations, then list order */
static int cmp_delta_bytes(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;

	if (x->delta.bytes_alloc != y->delta.bytes_alloc)
		return x->delta.bytes_alloc > y->delta.bytes_alloc ? -1 : 1;
	if (x->delta.allocs != y->delta.allocs)
		return x->delta.allocs > y->delta.allocs ? -1 : 1;
	return x < y ? -1 : x > y;
}

int session_export(struct session *s, struct export *x)
{
	struct site **act = calloc(s->sites.nr + 1, sizeof(*act));
	size_t nact = 0, n;
	cJSON *f;
	int err;

	if (!act)
		return -ENOMEM;
	for (size_t i = 0; i < s->sites.nr; i++)
		if (site_active(s->sites.list[i]))
			act[nact++] = s->sites.list[i];
	n = nact;
	if (s->top_sites && nact > s->top_sites) {
		qsort(act, nact, sizeof(*act), cmp_delta_bytes);
		n = s->top_sites;
	}
	err = export_add(x, interval_record(s, nact));
	while (!err && (f = cJSON_DetachItemFromArray(s->failures, 0)))
		err = export_add(x, f);
	for (size_t i = 0; !err && i < n; i++)
		err = export_add(x, site_record(s, act[i]));
	free(act);
	return err ? err : frag_export(&s->frag, x);
}

int session_finish(struct session *s, struct export *x)
{
	/* a ranking of this very interval was already exported by session_export */
	if (s->frag.ranked)
		return 0;
	frag_rank(&s->frag);
	return x ? frag_export_ranking(&s->frag, x) : 0;
}

void session_stop(struct session *s)
{
	frag_stop(&s->frag);
	tracer_stop(&s->tracer);
	site_table_free(&s->sites);
	gfp_table__free(s->gfp);
	ksyms__free(s->ks);
	cJSON_Delete(s->failures);
	s->gfp = NULL;
	s->ks = NULL;
	s->failures = NULL;
}
