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
#include "schema.h"
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
	char where[256], flags[256], shown[4 * sizeof(where)], comm[sizeof(e->comm) + 1];
	char cache[4 * sizeof(e->cache) + 1], task[4 * sizeof(e->comm) + 1];
	cJSON *o;

	ksyms__format(s->ks, e->call_site, true, where, sizeof(where));
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e->comm), e->comm);
	if (e->kind == KMS_KIND_VMALLOC && s->tracer.vm_mode == KMS_VM_TRACEPOINT)
		snprintf(flags, sizeof(flags), "unknown");
	else
		gfp_decode(s->gfp, e->gfp, flags, sizeof(flags));
	/* comm is the task's to choose (PR_SET_NAME): escaped, one line */
	if (s->failures_logged++ < MAX_FAIL_LOGS)
		log_warn(
			"allocation failure: %s of %llu bytes at %s, %s, by %s (pid %u)",
			sanitize(e->cache[0] ? e->cache : kind_name(e->kind), cache, sizeof(cache)),
			(unsigned long long)e->bytes_req, sanitize(where, shown, sizeof(shown)),
			flags, sanitize(comm, task, sizeof(task)), e->pid);
	if (cJSON_GetArraySize(s->failures) >= MAX_FAIL_RECORDS)
		return 0;
	/* polled while the interval is being closed: it belongs to the next seq */
	o = schema_failure(&(struct schema_failure){
		.seq = s->seq + 1,
		.ts_ns = s->start_real + (e->ts - s->start_mono),
		.kind = kind_name(e->kind),
		.cache = e->cache,
		.site = where,
		.bytes_req = e->bytes_req,
		.gfp = flags,
		.pid = e->pid,
		.comm = comm,
	});
	if (!o)
		return 0;
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
	if (!s->topts.live_entries) /* auto: the header says what it became */
		s->topts.live_entries = live_entries_auto();
	s->interval_s = interval_s;
	ksyms_raw_addresses = o->raw_addresses;
	if (check_bpf_permissions("kmemscope") || !tracefs_dir())
		return -EPERM;
	err = tracer_check_filters(o);
	if (err)
		return err;
	s->failures = cJSON_CreateArray();
	if (!s->failures)
		return -ENOMEM;
	load_symbols(s);
	site_table_init(&s->sites, s->ks);
	err = tracer_start(&s->tracer, &s->topts, s->ks, on_failure, s);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			log_err("loading BPF programs was refused (%s): kmemscope needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); is kernel.unprivileged_bpf_disabled or a lockdown in force?",
				strerror(-err));
		else if (err != -ENODATA) /* tracer_start said what is missing */
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
	err = tracer_for_each_stack(&s->tracer, site_table_feed_stack, &s->sites);
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
	struct utsname u;
	char host[256] = "";

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	return schema_header(&(struct schema_header){
		.version = KMS_VERSION,
		.kernel = u.release,
		.machine = u.machine,
		.hostname = host,
		.page_size = sysconf(_SC_PAGESIZE),
		.ncpu = s->tracer.ncpu,
		.start_ns = s->start_real,
		.interval_s = s->interval_s,
		.pageblock_order = s->frag.on ? s->frag.pageblock_order : 0,
		.kmalloc = s->tracer.kmalloc_mode,
		.kmem_cache = s->tracer.cache_mode,
		.vmalloc = vm_mode_name(s->tracer.vm_mode),
		.vmalloc_detail = s->tracer.vm_desc,
		.vmalloc_refused = s->tracer.vm_tried,
		.page = s->frag.on && s->frag.pages ? "tracepoint" : NULL,
		.bulk_free = bulk_mode_name(s->tracer.bulk_mode),
		.bulk_free_refused = s->tracer.bulk_tried,
		.claims = s->tracer.compat ? "hash_map" : "cmpxchg",
		.claims_refused = s->tracer.claims_tried,
		.track_live = s->topts.track_live,
		.live_entries = s->topts.live_entries,
		.site_entries = s->topts.site_entries,
		.life_sample = s->topts.life_sample,
		.filter_pids = s->topts.filter_pids,
		.nr_filter_pids = s->topts.nr_filter_pids,
		.filter_comm = s->topts.filter_comm,
		.filter_cgroup = s->topts.filter_cgroup,
		.by = s->topts.by == KMS_BY_COMM   ? "comm" :
		      s->topts.by == KMS_BY_CGROUP ? "cgroup" :
						     NULL,
		.by_max = s->topts.by_max,
		.stack_sample = s->topts.stack_sample,
		.gfp_names = s->gfp ? gfp_table__source(s->gfp) : "raw",
		.symbols = s->ks && ksyms__count(s->ks) && !ksyms__hidden(s->ks),
		.raw_addresses = s->topts.raw_addresses,
	});
}

static cJSON *interval_record(struct session *s, size_t active)
{
	struct schema_interval iv = {
		.seq = s->seq,
		.start_ns = s->start_real + (s->last_mono - s->start_mono),
		.end_ns = s->start_real + (s->now_mono - s->start_mono),
		.duration_s = (s->now_mono - s->last_mono) / 1e9,
		.delta = s->delta,
		.recursion = s->recursion_delta,
		.pages = s->frag.on && s->frag.pages,
		.page_allocs = s->frag.pt.delta[KMS_PG_EV_ALLOC],
		.active_sites = active,
		.sites = s->sites.nr,
	};

	for (size_t i = 0; i < s->sites.nr; i++) {
		const struct site *site = s->sites.list[i];

		iv.live += site->live;
		iv.live_bytes += site->live_bytes;
		iv.live_untracked += site->live_untracked;
		iv.bytes_req += site->delta.bytes_req;
		iv.bytes_alloc += site->delta.bytes_alloc;
	}
	return schema_interval(&iv);
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

/* {"512": {"allocs": n, "bytes_req": b}, ...} of a site's interval deltas or totals */
static cJSON *alloc_sizes_object(const struct site *site, bool totals)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < site->nr_sizes; i++) {
		const struct size_count *z = &site->sizes[i];
		__u64 n = totals ? z->allocs : z->d_allocs;

		if (n)
			schema_alloc_size_add(o, z->size, n,
					      totals ? z->bytes_req : z->d_bytes_req);
	}
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

/*
 * A sampled stack's frames from the call site down (innermost first): the
 * frames above it are the tracing machinery and the allocator, which
 * differ with who else traces the event. Not found (vmalloc, whose stack
 * starts at the allocator already): the whole stack.
 */
static int stack_from_site(const __u64 *ips, __u64 call_site, int *n)
{
	while (*n < KMS_STACK_DEPTH && ips[*n])
		(*n)++;
	for (int i = 0; i < *n; i++) {
		if (ips[i] == call_site)
			return i;
	}
	return 0;
}

/*
 * The site's stacks: those that changed this interval with their interval
 * counts, or (totals) all with their counts since the start. Stack ids
 * that differ only above the call site are one stack here.
 */
static cJSON *stacks_array(struct session *s, const struct site *site, bool totals)
{
	__u64(*ips)[KMS_STACK_DEPTH];
	struct schema_stack *c;
	int *from, *len, nr = 0;
	cJSON *a = NULL;

	if (!site->nr_stacks)
		return NULL;
	ips = calloc(site->nr_stacks, sizeof(*ips));
	c = calloc(site->nr_stacks, sizeof(*c));
	from = calloc(site->nr_stacks, sizeof(*from));
	len = calloc(site->nr_stacks, sizeof(*len));
	for (size_t i = 0; ips && c && from && len && i < site->nr_stacks; i++) {
		const struct site_stack *k = &site->stacks[i];
		int j, n = 0, f;

		if (!totals && !site_stack_changed(k))
			continue;
		if (tracer_stack(&s->tracer, k->stack_id, ips[nr]))
			continue;
		f = stack_from_site(ips[nr], site->id.call_site, &n);
		for (j = 0; j < nr; j++) {
			if (len[j] == n - f &&
			    !memcmp(ips[j] + from[j], ips[nr] + f, (n - f) * sizeof(__u64)))
				break;
		}
		if (j == nr) {
			from[nr] = f;
			len[nr++] = n - f;
		}
		c[j].allocs += totals ? k->allocs : k->d_allocs;
		c[j].bytes_req += totals ? k->bytes_req : k->d_bytes_req;
		c[j].bytes_alloc += totals ? k->bytes_alloc : k->d_bytes_alloc;
		c[j].live += k->live;
		c[j].live_bytes += k->live_bytes;
	}
	if (nr)
		a = cJSON_CreateArray();
	for (int j = 0; a && j < nr; j++)
		cJSON_AddItemToArray(
			a, schema_stack(json_stack(s->ks, ips[j] + from[j], len[j]), &c[j]));
	free(ips);
	free(c);
	free(from);
	free(len);
	return a;
}

/* the builder's view of a site; totals: the state document's form */
static struct schema_site site_view(struct session *s, const struct site *site, bool totals)
{
	return (struct schema_site){
		.seq = s->seq,
		.kind = kind_name(site->id.kind),
		.cache = site->id.kind == KMS_KIND_CACHE ? site->id.cache : NULL,
		.caller = site->caller,
		.site = site->where,
		.delta = &site->delta,
		.total = &site->tot,
		.live = site->live,
		.live_bytes = site->live_bytes,
		.live_untracked = site->live_untracked,
		.req_unknown = site->no_req,
		.comm = site->owner_kind == OWNER_COMM ? site->owner : NULL,
		.cgroup = site->owner_kind == OWNER_CGROUP ? site->owner : NULL,
		.gfp = gfp_object(s, site, totals),
		.stack = stack_array(s, site),
		.alloc_sizes = alloc_sizes_object(site, totals),
		.stacks = stacks_array(s, site, totals),
	};
}

cJSON *session_state(struct session *s)
{
	cJSON *o, *sites;
	size_t active = 0;

	for (size_t i = 0; i < s->sites.nr; i++)
		active += site_active(s->sites.list[i]);
	o = schema_state(session_header(s), interval_record(s, active), s->now_mono - s->start_mono,
			 &sites);
	for (size_t i = 0; i < s->sites.nr; i++) {
		struct schema_site v = site_view(s, s->sites.list[i], true);

		cJSON_AddItemToArray(sites, schema_state_site(&v));
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

/* The active sites without a site record, folded into one: totals stay exact. */
static cJSON *site_rest_record(struct session *s, struct site *const *rest, size_t n)
{
	struct site_counts sum = {};
	struct schema_site_rest r = { .seq = s->seq, .sites = n, .c = &sum };

	for (size_t i = 0; i < n; i++) {
		schema_counts_add(&sum, &rest[i]->delta);
		r.live += rest[i]->live;
		r.live_bytes += rest[i]->live_bytes;
		r.live_untracked += rest[i]->live_untracked;
	}
	return schema_site_rest(&r);
}

int session_export_top(struct session *s, struct export *x, size_t top_sites)
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
	if (top_sites && nact > top_sites) {
		qsort(act, nact, sizeof(*act), cmp_delta_bytes);
		n = top_sites;
	}
	err = export_add(x, interval_record(s, nact));
	while (!err && (f = cJSON_DetachItemFromArray(s->failures, 0)))
		err = export_add(x, f);
	for (size_t i = 0; !err && i < n; i++) {
		struct schema_site v = site_view(s, act[i], false);

		err = export_add(x, schema_site(&v));
	}
	if (!err && n < nact)
		err = export_add(x, site_rest_record(s, act + n, nact - n));
	free(act);
	return err ? err : frag_export(&s->frag, x);
}

int session_export(struct session *s, struct export *x)
{
	return session_export_top(s, x, 0);
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
