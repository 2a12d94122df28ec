// SPDX-License-Identifier: GPL-2.0
/* `kmemscope record`: trace, read the maps every interval, export, print. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include "env.h"
#include "export.h"
#include "gfp.h"
#include "ksyms.h"
#include "record.h"
#include "table.h"
#include "util.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define MAX_FAIL_LOGS 10 /* failure lines on stderr per interval */

struct recorder {
	struct record_env env;
	struct tracer tracer;
	struct site_table sites;
	struct ksyms *ks;
	struct gfp_table *gfp;
	struct export out;
	bool exporting;
	__u64 start_mono, start_real, last_mono;
	__u64 seq;
	__u64 prev_counters[KMS_CNT_NR];
	__u64 prev_recursion;
	__u64 failures_logged;
};

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

/* Say which capability is missing before libbpf fails with a bare EPERM. */
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
	struct recorder *r = ctx;
	char where[256], flags[256];
	cJSON *o;

	ksyms__format(r->ks, e->call_site, true, where, sizeof(where));
	if (e->kind == KMS_KIND_VMALLOC && r->tracer.vm_mode == KMS_VM_TRACEPOINT)
		snprintf(flags, sizeof(flags), "-");
	else
		gfp_decode(r->gfp, e->gfp, flags, sizeof(flags));
	if (r->failures_logged++ < MAX_FAIL_LOGS)
		log_warn("allocation failure: %s of %llu bytes at %s, %s, by %.16s (pid %u)",
			 e->cache[0] ? e->cache : kind_name(e->kind), (unsigned long long)e->bytes_req,
			 where, flags, e->comm, e->pid);
	if (!r->exporting)
		return 0;
	o = cJSON_CreateObject();
	if (!o)
		return 0;
	cJSON_AddStringToObject(o, "type", "failure");
	json_add_u64(o, "ts_ns", e->ts);
	cJSON_AddStringToObject(o, "kind", kind_name(e->kind));
	if (e->cache[0])
		cJSON_AddStringToObject(o, "cache", e->cache);
	cJSON_AddStringToObject(o, "site", where);
	json_add_u64(o, "bytes_req", e->bytes_req);
	cJSON_AddStringToObject(o, "gfp", flags);
	json_add_u64(o, "pid", e->pid);
	cJSON_AddStringToObject(o, "comm", e->comm);
	export_add(&r->out, o);
	return 0;
}

static cJSON *header_record(struct recorder *r)
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
	json_add_u64(o, "ncpu", r->tracer.ncpu);
	json_add_u64(o, "start_ns", r->start_real);
	json_add_u64(o, "start_mono_ns", r->start_mono);
	cJSON_AddNumberToObject(o, "interval_s", r->env.interval);
	modes = cJSON_AddObjectToObject(o, "attach");
	cJSON_AddStringToObject(modes, "kmalloc", r->tracer.kmalloc_mode);
	cJSON_AddStringToObject(modes, "kmem_cache", r->tracer.cache_mode);
	cJSON_AddStringToObject(modes, "vmalloc", vm_mode_name(r->tracer.vm_mode));
	cJSON_AddStringToObject(modes, "vmalloc_detail", r->tracer.vm_desc);
	if (r->tracer.vm_tried[0])
		cJSON_AddStringToObject(modes, "vmalloc_refused", r->tracer.vm_tried);
	set = cJSON_AddObjectToObject(o, "settings");
	cJSON_AddBoolToObject(set, "track_live", r->env.topts.track_live);
	json_add_u64(set, "live_entries", r->env.topts.live_entries);
	json_add_u64(set, "site_entries", r->env.topts.site_entries);
	cJSON_AddStringToObject(o, "gfp_names", r->gfp ? gfp_table__source(r->gfp) : "raw");
	cJSON_AddBoolToObject(o, "symbols", r->ks && !ksyms__hidden(r->ks));
	return o;
}

static void add_counts(cJSON *o, const char *name, const char *const *keys, const int *idx,
		       int n, const __u64 *d)
{
	cJSON *c = cJSON_AddObjectToObject(o, name);

	for (int i = 0; i < n; i++)
		json_add_u64(c, keys[i], d[idx[i]]);
}

static cJSON *interval_record(struct recorder *r, __u64 t0, __u64 t1, const __u64 *d,
			      __u64 recursion, size_t active)
{
	static const char *const ev_keys[] = { "kmalloc",	   "kfree",  "kmem_cache_alloc",
					       "kmem_cache_free", "vmalloc", "vfree" };
	static const int ev_idx[] = { KMS_CNT_EV_KMALLOC,     KMS_CNT_EV_KFREE,
				      KMS_CNT_EV_CACHE_ALLOC, KMS_CNT_EV_CACHE_FREE,
				      KMS_CNT_EV_VMALLOC,     KMS_CNT_EV_VFREE };
	static const char *const um_keys[] = { "kfree", "kmem_cache_free", "vfree" };
	static const int um_idx[] = { KMS_CNT_UNMATCHED_KFREE, KMS_CNT_UNMATCHED_CACHE_FREE,
				      KMS_CNT_UNMATCHED_VFREE };
	static const char *const dr_keys[] = { "sites_full", "live_full",    "ringbuf_full",
					       "stacks",     "pending_full" };
	static const int dr_idx[] = { KMS_CNT_DROP_SITES, KMS_CNT_DROP_LIVE, KMS_CNT_DROP_RINGBUF,
				      KMS_CNT_DROP_STACK, KMS_CNT_DROP_PENDING };
	cJSON *o = cJSON_CreateObject();
	__s64 live = 0, live_bytes = 0;

	for (size_t i = 0; i < r->sites.nr; i++) {
		live += r->sites.list[i]->live;
		live_bytes += r->sites.list[i]->live_bytes;
	}
	cJSON_AddStringToObject(o, "type", "interval");
	json_add_u64(o, "seq", r->seq);
	json_add_u64(o, "start_ns", r->start_real + (t0 - r->start_mono));
	json_add_u64(o, "end_ns", r->start_real + (t1 - r->start_mono));
	cJSON_AddNumberToObject(o, "duration_s", (t1 - t0) / 1e9);
	add_counts(o, "events", ev_keys, ev_idx, ARRAY_SIZE(ev_idx), d);
	add_counts(o, "unmatched_frees", um_keys, um_idx, ARRAY_SIZE(um_idx), d);
	add_counts(o, "drops", dr_keys, dr_idx, ARRAY_SIZE(dr_idx), d);
	json_add_u64(cJSON_GetObjectItem(o, "drops"), "recursion", recursion);
	json_add_u64(o, "stale_live", d[KMS_CNT_STALE_LIVE]);
	json_add_u64(o, "self_ignored", d[KMS_CNT_SELF]);
	json_add_u64(o, "active_sites", active);
	json_add_u64(o, "sites", r->sites.nr);
	json_add_s64(o, "live", live);
	json_add_s64(o, "live_bytes", live_bytes);
	return o;
}

static cJSON *site_record(struct recorder *r, const struct site *s)
{
	const struct site_counts *d = &s->delta;
	cJSON *o = cJSON_CreateObject(), *g;
	char flags[256];

	cJSON_AddStringToObject(o, "type", "site");
	json_add_u64(o, "seq", r->seq);
	cJSON_AddStringToObject(o, "kind", kind_name(s->id.kind));
	if (s->id.kind == KMS_KIND_CACHE)
		cJSON_AddStringToObject(o, "cache", s->id.cache);
	cJSON_AddStringToObject(o, "caller", s->caller);
	cJSON_AddStringToObject(o, "site", s->where);
	json_add_u64(o, "allocs", d->allocs);
	json_add_u64(o, "frees", d->frees);
	json_add_u64(o, "failed", d->failed);
	json_add_u64(o, "bytes_req", d->bytes_req);
	json_add_u64(o, "bytes_alloc", d->bytes_alloc);
	json_add_u64(o, "slack", site_slack(d));
	json_add_u64(o, "bytes_freed", d->bytes_freed);
	json_add_s64(o, "live", s->live);
	json_add_s64(o, "live_bytes", s->live_bytes);
	json_add_u64(o, "cross_cpu_frees", d->cross_cpu_frees);
	if (s->no_req)
		cJSON_AddBoolToObject(o, "req_unknown", true);
	g = cJSON_AddObjectToObject(o, "gfp");
	for (size_t i = 0; i < s->nr_gfps; i++) {
		const struct gfp_count *c = &s->gfps[i];
		cJSON *prev;

		if (!c->delta)
			continue;
		if (c->known)
			gfp_decode(r->gfp, c->gfp, flags, sizeof(flags));
		else
			snprintf(flags, sizeof(flags), "unknown");
		/* two raw values can decode alike (unnamed bits aside): add up */
		prev = cJSON_GetObjectItem(g, flags);
		if (prev)
			cJSON_SetNumberValue(prev, prev->valuedouble + c->delta);
		else
			json_add_u64(g, flags, c->delta);
	}
	cJSON_AddItemToObject(o, "sizes", json_log2_hist(d->size_hist, KMS_SIZE_BUCKETS));
	cJSON_AddItemToObject(o, "lifetimes_ns", json_log2_hist(d->life_hist, KMS_LIFE_BUCKETS));
	return o;
}

static int export_interval(struct recorder *r, __u64 t0, __u64 t1, const __u64 *d,
			   __u64 recursion)
{
	size_t active = 0;
	int err;

	for (size_t i = 0; i < r->sites.nr; i++)
		active += site_active(r->sites.list[i]);
	err = export_add(&r->out, interval_record(r, t0, t1, d, recursion, active));
	for (size_t i = 0; !err && i < r->sites.nr; i++) {
		if (site_active(r->sites.list[i]))
			err = export_add(&r->out, site_record(r, r->sites.list[i]));
	}
	return err ? err : export_flush(&r->out);
}

/* Read the kernel maps: one interval. */
static int drain(struct recorder *r)
{
	__u64 now = now_mono_ns(), c[KMS_CNT_NR], d[KMS_CNT_NR], rec;
	int err;

	r->failures_logged = 0;
	tracer_poll(&r->tracer);
	site_table_begin(&r->sites);
	err = tracer_for_each_site(&r->tracer, site_table_feed, &r->sites);
	if (err)
		return err;
	err = tracer_read_counters(&r->tracer, c);
	if (err)
		return err;
	rec = tracer_recursion_misses(&r->tracer);
	for (int i = 0; i < KMS_CNT_NR; i++)
		d[i] = c[i] - r->prev_counters[i];
	r->seq++;
	if (r->exporting) {
		err = export_interval(r, r->last_mono, now, d, rec - r->prev_recursion);
		if (err) {
			log_err("cannot write %s: %s (the file keeps every interval before this one)",
				r->env.output, strerror(-err));
			return err;
		}
	}
	memcpy(r->prev_counters, c, sizeof(c));
	r->prev_recursion = rec;
	r->last_mono = now;
	return 0;
}

static void describe_start(struct recorder *r)
{
	const struct tracer *t = &r->tracer;
	char what[128] = "";

	if (t->skel && strcmp(t->kmalloc_mode, "off"))
		strcat(what, "kmalloc, ");
	if (strcmp(t->cache_mode, "off"))
		strcat(what, "kmem_cache, ");
	if (t->vm_mode != KMS_VM_NONE)
		strcat(what, "vmalloc, ");
	if (*what)
		what[strlen(what) - 2] = '\0';
	fprintf(stderr, "Tracing %s (vmalloc mode: %s)%s. Hit Ctrl-C to end.\n", what,
		vm_mode_name(t->vm_mode), r->exporting ? ", exporting" : "");
}

/* Sleep until the deadline or a stop signal. Returns true on a signal. */
static bool wait_until(__u64 deadline, const sigset_t *set)
{
	__u64 now = now_mono_ns();
	struct timespec ts;

	if (deadline <= now)
		return false;
	ts.tv_sec = (deadline - now) / 1000000000ULL;
	ts.tv_nsec = (deadline - now) % 1000000000ULL;
	for (;;) {
		int sig = sigtimedwait(set, NULL, &ts);

		if (sig > 0)
			return true;
		if (errno == EAGAIN)
			return false;
		if (errno != EINTR)
			return false;
	}
}

static int run_loop(struct recorder *r, const sigset_t *set)
{
	__u64 step = r->env.interval * 1e9, next = r->start_mono + step;
	__u64 end = r->env.duration ? r->start_mono + (__u64)(r->env.duration * 1e9) : 0;
	int err;

	for (;;) {
		__u64 deadline = end && end < next ? end : next;
		bool stop = wait_until(deadline, set);

		err = drain(r);
		if (err || stop || (end && now_mono_ns() >= end))
			return err;
		while (next <= now_mono_ns())
			next += step;
	}
}

static int open_output(struct recorder *r)
{
	int err;

	if (!r->env.output)
		return 0;
	err = export_open(&r->out, r->env.output);
	if (err) {
		log_err("cannot write --output %s: %s", r->env.output, strerror(-err));
		return err;
	}
	r->exporting = true;
	return 0;
}

static void load_symbols(struct recorder *r)
{
	r->ks = ksyms__load("/proc/kallsyms");
	if (!r->ks)
		log_warn("cannot read /proc/kallsyms (%s): call sites shown as raw addresses",
			 strerror(errno));
	else if (ksyms__hidden(r->ks))
		log_warn("kernel addresses are hidden (kernel.kptr_restrict=%s): call sites shown as raw addresses; run as root or set kernel.kptr_restrict=0",
			 "1 or 2");
	r->gfp = gfp_table__load(tracefs_dir());
	if (!r->gfp)
		log_warn("cannot find the kernel's GFP flag names (no tracefs format, no BTF enum): flags shown in hex");
	else
		log_info("GFP flag names from %s", gfp_table__source(r->gfp));
}

int cmd_record(int argc, char **argv)
{
	struct recorder r = { .out.fd = -1 };
	struct run_summary sum = {};
	sigset_t set;
	int err;

	err = record_parse_args(argc, argv, &r.env);
	if (err)
		return err == 1 ? 0 : 2;
	if (open_output(&r))
		return 1;
	if (check_bpf_permissions("kmemscope record") || !tracefs_dir()) {
		err = -EPERM;
		goto cleanup;
	}
	load_symbols(&r);
	site_table_init(&r.sites, r.ks);

	/* stop signals are taken synchronously by sigtimedwait() */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	err = tracer_start(&r.tracer, &r.env.topts, r.ks, on_failure, &r);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			log_err("loading BPF programs was refused (%s): kmemscope needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); is kernel.unprivileged_bpf_disabled or a lockdown in force?",
				strerror(-err));
		else
			log_err("cannot load the BPF programs: %s (run with -vv for libbpf's log)",
				strerror(-err));
		goto cleanup;
	}
	r.start_mono = r.last_mono = now_mono_ns();
	r.start_real = now_real_ns();
	if (r.exporting) {
		err = export_add(&r.out, header_record(&r));
		err = err ? err : export_flush(&r.out);
		if (err) {
			log_err("cannot write %s: %s", r.env.output, strerror(-err));
			goto cleanup;
		}
	}
	describe_start(&r);
	err = run_loop(&r, &set);

	sum.seconds = (now_mono_ns() - r.start_mono) / 1e9;
	sum.intervals = r.seq;
	memcpy(sum.counters, r.prev_counters, sizeof(sum.counters));
	sum.recursion_misses = r.prev_recursion;
	print_site_table(stdout, &r.sites, r.env.sort, r.env.top, r.gfp);
	print_summary(stdout, &r.sites, &sum, &r.tracer);
	fflush(stdout);
cleanup:
	tracer_stop(&r.tracer);
	if (r.exporting) {
		int cerr = export_close(&r.out);

		if (cerr && !err) {
			log_err("cannot write %s: %s", r.env.output, strerror(-cerr));
			err = cerr;
		}
	}
	site_table_free(&r.sites);
	gfp_table__free(r.gfp);
	ksyms__free(r.ks);
	return err ? 1 : 0;
}
