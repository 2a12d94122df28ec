// SPDX-License-Identifier: GPL-2.0
/*
 * Skeleton lifecycle: open -> configure -> load -> attach -> read -> destroy.
 *
 * The vmalloc attach mode is chosen by really trying, fastest first:
 * fexit on the vmalloc core (gets size, gfp, caller and the result in one
 * program), then kprobe/kretprobe on it, then the vmalloc:* tracepoints
 * (caller found by walking the stack). A failed attempt throws the whole
 * object away and tries again, so no half-attached state survives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kmemscope.h"
#include "kmem.skel.h"
#include "htab.h"
#include "ksyms.h"
#include "sites.h"
#include "tracer.h"
#include "util.h"

const struct tracer_opts tracer_defaults = {
	.kmalloc = true,
	.cache = true,
	.vmalloc = true,
	.vm_mode = KMS_VM_NONE,
	.track_live = true,
	.live_entries = 0, /* auto: live_entries_auto() */
	.site_entries = 16384,
	.stack_entries = 4096,
	.life_sample = 16,
	.ringbuf_size = 256 * 1024,
	.frag = true,
	.pages = false,
	.page_order = 1,
	.pagetype_period = 10,
	.corr_window = 60,
	.corr_lag = 5,
};

/* the vmalloc core, newest name first (6.10 added the _noprof suffix) */
static const char *const vm_core_names[] = { "__vmalloc_node_range_noprof",
					     "__vmalloc_node_range" };

/*
 * Functions a vmalloc-family allocation passes through before
 * alloc_vmap_area(): the caller we report is the first frame outside them.
 */
static const struct {
	const char *name;
	__u32 flags;
} vm_internal[] = {
	{ "alloc_vmap_area", 0 },
	{ "__get_vm_area_node", KMS_SKIP_GUARD },
	{ "__get_vm_area_caller", 0 },
	{ "get_vm_area_caller", 0 },
	{ "get_vm_area", 0 },
	{ "__vmalloc_node_range_noprof", 0 },
	{ "__vmalloc_node_range", 0 },
	{ "__vmalloc_node_noprof", 0 },
	{ "__vmalloc_node", 0 },
	{ "__vmalloc_noprof", 0 },
	{ "__vmalloc", 0 },
	{ "vmalloc_noprof", 0 },
	{ "vmalloc", 0 },
	{ "vzalloc_noprof", 0 },
	{ "vzalloc", 0 },
	{ "vmalloc_node_noprof", 0 },
	{ "vmalloc_node", 0 },
	{ "vzalloc_node_noprof", 0 },
	{ "vzalloc_node", 0 },
	{ "vmalloc_user_noprof", 0 },
	{ "vmalloc_user", 0 },
	{ "vmalloc_32_noprof", 0 },
	{ "vmalloc_huge_node_noprof", 0 },
	{ "vmalloc_huge_noprof", 0 },
	{ "vmalloc_huge", 0 },
	{ "__kvmalloc_node_noprof", 0 },
	{ "kvmalloc_node", 0 },
	{ "__kvmalloc_node", 0 },
	{ "kvrealloc_noprof", 0 },
	{ "vmap", 0 },
	{ "vm_map_ram", 0 },
	{ "perf_trace_alloc_vmap_area", 0 },
};

/* slab entry points that trace a large kmalloc a second time (see kmem.bpf.c) */
static const char *const kmalloc_dup_names[] = {
	"__kmalloc_noprof",
	"__kmalloc_node_noprof",
	"__kmalloc_node_track_caller_noprof",
	"__kvmalloc_node_noprof",
	"__kmalloc",
	"__kmalloc_node",
	"__kmalloc_node_track_caller",
};

const char *vm_mode_name(enum kms_vm_mode m)
{
	switch (m) {
	case KMS_VM_FENTRY:
		return "fentry";
	case KMS_VM_KPROBE:
		return "kprobe";
	case KMS_VM_TRACEPOINT:
		return "tracepoint";
	default:
		return "off";
	}
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* failed attempts are expected while probing modes: only with -vv */
	if (log_level < 2)
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static const char *vm_core_name(const struct ksyms *ks)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_core_names); i++) {
		if (ks && ksyms__by_name(ks, vm_core_names[i]))
			return vm_core_names[i];
	}
	/* without symbols, guess by kernel generation: libbpf will tell if wrong */
	return vm_core_names[0];
}

static void set_skip_ranges(struct kmem_bpf *skel, const struct ksyms *ks)
{
	__u32 n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vm_internal) && n < KMS_MAX_SKIP; i++) {
		__u64 start, end;

		if (!ks || ksyms__range(ks, vm_internal[i].name, &start, &end))
			continue;
		skel->rodata->skip_start[n] = start;
		skel->rodata->skip_end[n] = end;
		skel->rodata->skip_flags[n] = vm_internal[i].flags;
		n++;
	}
	skel->rodata->nr_skip = n;
	if (!n)
		log_warn(
			"no kernel symbols: vmalloc callers will show as alloc_vmap_area's own address");
}

static void set_dup_ranges(struct kmem_bpf *skel, const struct ksyms *ks)
{
	__u32 n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kmalloc_dup_names) && n < KMS_MAX_DUP; i++) {
		__u64 start, end;

		if (!ks || ksyms__range(ks, kmalloc_dup_names[i], &start, &end))
			continue;
		skel->rodata->dup_start[n] = start;
		skel->rodata->dup_end[n] = end;
		n++;
	}
	skel->rodata->nr_dup = n;
	/* SLUB's KMALLOC_MAX_CACHE_SIZE: above it kmalloc takes whole pages */
	skel->rodata->large_kmalloc = 2 * sysconf(_SC_PAGESIZE);
}

/* A parameter type as text: "gfp_t", "long unsigned int", "*void", "*kmem_cache". */
static void type_text(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *prefix = "";

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_ptr(t)) {
		prefix = "*";
		t = btf__type_by_id(btf, t->type);
		while (t && (btf_is_const(t) || btf_is_volatile(t)))
			t = btf__type_by_id(btf, t->type);
	}
	snprintf(buf, len, "%s%s", prefix,
		 t && t->name_off ? btf__name_by_offset(btf, t->name_off) : "void");
}

/*
 * Raw tracepoint programs read their arguments by position, so they are
 * used only when the kernel's prototype (btf_trace_<name>, whose first
 * parameter is the probe's data pointer) starts with the expected types.
 */
static bool raw_proto_ok(const struct btf *btf, const char *tp, const char *const *want, int n,
			 bool exact)
{
	char name[64], got[64];
	const struct btf_param *p;
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return false;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < n + 1 || (exact && btf_vlen(t) != n + 1))
		return false;
	p = btf_params(t);
	for (int i = 0; i < n; i++) {
		type_text(btf, p[i + 1].type, got, sizeof(got));
		if (strcmp(got, want[i]))
			return false;
	}
	return true;
}

/* What the running kernel's BTF says about the kmem tracepoints. */
struct kmem_kernel {
	/*
	 * 6.1 gave kmem:kmalloc and kmem:kmem_cache_alloc their own record
	 * layouts (and dropped the _node twins); each layout has its own
	 * classic tracepoint program
	 */
	bool new_layout;
	/* the raw tracepoint programs' prototypes match */
	bool raw_kmalloc, raw_cache_alloc, raw_kfree, raw_cache_free;
};

/* Read once: every vmalloc mode tried loads the object again. */
static const struct kmem_kernel *kmem_kernel(void)
{
	static const char *const kmalloc[] = {
		"long unsigned int", "*void", "size_t", "size_t", "gfp_t", "int"
	};
	static const char *const cache[] = { "long unsigned int", "*void", "*kmem_cache", "gfp_t",
					     "int" };
	static const char *const free[] = { "long unsigned int", "*void" };
	static struct kmem_kernel k;
	static bool done;
	struct btf *btf;

	if (done)
		return &k;
	done = true;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		/* no BTF means no CO-RE either: libbpf will say so at load */
		k.new_layout = true;
		return &k;
	}
	k.new_layout = btf__find_by_name_kind(btf, "trace_event_raw_kmalloc", BTF_KIND_STRUCT) >= 0;
	k.raw_kmalloc = raw_proto_ok(btf, "kmalloc", kmalloc, ARRAY_SIZE(kmalloc), true);
	k.raw_cache_alloc = raw_proto_ok(btf, "kmem_cache_alloc", cache, ARRAY_SIZE(cache), true);
	k.raw_kfree = raw_proto_ok(btf, "kfree", free, ARRAY_SIZE(free), false);
	k.raw_cache_free = raw_proto_ok(btf, "kmem_cache_free", free, ARRAY_SIZE(free), false);
	btf__free(btf);
	return &k;
}

/*
 * Raw tracepoint programs where the kernel's prototypes allow (and the user
 * did not ask for classic ones); the classic tracepoint program of the
 * running kernel's layout is loaded as well, as the fallback should the raw
 * one fail to attach, unless the user asked for raw tracepoints only. Free
 * programs only run with live tracking.
 */
static void set_autoload(struct kmem_bpf *s, const struct tracer_opts *o, enum kms_vm_mode mode)
{
	const struct kmem_kernel *k = kmem_kernel();
	bool new = k->new_layout, raw = o->kmem_mode != KMS_KMEM_TRACEPOINT;
	/* --kmem-mode raw: raw tracepoints or nothing, no silent fallback */
	bool classic = o->kmem_mode != KMS_KMEM_RAW;
	bool frees = (o->kmalloc || o->cache) && o->track_live;
	struct {
		struct bpf_program *prog;
		bool on;
	} progs[] = {
		{ s->progs.kms_kmalloc_raw, o->kmalloc && raw && k->raw_kmalloc },
		{ s->progs.kms_cache_alloc_raw, o->cache && raw && k->raw_cache_alloc },
		{ s->progs.kms_kfree_raw, frees && raw && k->raw_kfree },
		{ s->progs.kms_cache_free_raw, frees && raw && k->raw_cache_free },
		{ s->progs.kms_kmalloc,
		  classic && o->kmalloc && new &&tracepoint_exists("kmem", "kmalloc") },
		{ s->progs.kms_kmalloc_old,
		  classic && o->kmalloc && !new &&tracepoint_exists("kmem", "kmalloc") },
		{ s->progs.kms_kmalloc_node,
		  classic && o->kmalloc && tracepoint_exists("kmem", "kmalloc_node") },
		{ s->progs.kms_kfree, classic && frees && tracepoint_exists("kmem", "kfree") },
		{ s->progs.kms_cache_alloc,
		  classic && o->cache && new &&tracepoint_exists("kmem", "kmem_cache_alloc") },
		{ s->progs.kms_cache_alloc_old,
		  classic && o->cache && !new &&tracepoint_exists("kmem", "kmem_cache_alloc") },
		{ s->progs.kms_cache_alloc_nd,
		  classic && o->cache && tracepoint_exists("kmem", "kmem_cache_alloc_node") },
		{ s->progs.kms_cache_free,
		  classic && frees && tracepoint_exists("kmem", "kmem_cache_free") },
		{ s->progs.kms_vmalloc_fx, mode == KMS_VM_FENTRY },
		{ s->progs.kms_vfree_fe, mode == KMS_VM_FENTRY && o->track_live },
		{ s->progs.kms_vmalloc_kp, mode == KMS_VM_KPROBE },
		{ s->progs.kms_vmalloc_krp, mode == KMS_VM_KPROBE },
		{ s->progs.kms_vfree_kp, mode == KMS_VM_KPROBE && o->track_live },
		{ s->progs.kms_vmap_alloc, mode == KMS_VM_TRACEPOINT },
		{ s->progs.kms_vmap_free, mode == KMS_VM_TRACEPOINT && o->track_live },
	};

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		bpf_program__set_autoload(progs[i].prog, progs[i].on);
}

static __u32 pow2_at_least(__u64 n)
{
	__u32 p = 1;

	while (p < n && p < (1U << 31))
		p <<= 1;
	return p;
}

static __u32 log2_u32(__u32 v)
{
	__u32 r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/*
 * The site table gets twice the slots of the entries asked for:
 * --site-entries sites then fit with buckets to spare (it probes a window
 * of two buckets), and a fuller table would start to drop before the
 * asked-for number is reached. The live table gets the slots asked for
 * (live_table_buckets): --live-entries N never tracks more than N objects,
 * and what it cannot hold is counted per site (live_untracked).
 */
static void size_tables(struct kmem_bpf *s, const struct tracer_opts *o)
{
	__u32 site_buckets = pow2_at_least(2ULL * o->site_entries / KMS_SITE_WAYS);
	__u32 live_buckets =
		!o->track_live ?
			1 :
			live_table_buckets(o->live_entries ? o->live_entries : live_entries_auto());

	bpf_map__set_max_entries(s->maps.site_tab, site_buckets);
	bpf_map__set_max_entries(s->maps.site_stats, o->site_entries);
	bpf_map__set_max_entries(s->maps.site_meta, o->site_entries);
	bpf_map__set_max_entries(s->maps.live_tab, live_buckets);
	s->rodata->site_mask = site_buckets - 1;
	s->rodata->live_mask = live_buckets - 1;
	s->rodata->max_sites = o->site_entries;
	s->rodata->life_sample_shift = log2_u32(o->life_sample ? o->life_sample : 1);
}

static int configure(struct kmem_bpf *s, const struct tracer_opts *o, const struct ksyms *ks,
		     enum kms_vm_mode mode, const char *target)
{
	int err;

	s->rodata->self_tgid = getpid();
	s->rodata->track_live = o->track_live;
	s->rodata->page_size = sysconf(_SC_PAGESIZE);
	if (mode == KMS_VM_TRACEPOINT)
		set_skip_ranges(s, ks);
	set_dup_ranges(s, ks);
	size_tables(s, o);
	bpf_map__set_max_entries(s->maps.stacks, o->stack_entries);
	bpf_map__set_max_entries(s->maps.events, o->ringbuf_size);
	set_autoload(s, o, mode);
	if (mode == KMS_VM_FENTRY) {
		err = bpf_program__set_attach_target(s->progs.kms_vmalloc_fx, 0, target);
		if (err)
			return err;
	}
	return 0;
}

static int attach_prog(struct bpf_program *prog, struct bpf_link **link)
{
	if (!bpf_program__autoload(prog))
		return 0;
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

static int attach_vmalloc(struct tracer *t, enum kms_vm_mode mode)
{
	struct kmem_bpf *s = t->skel;
	int err = 0;

	switch (mode) {
	case KMS_VM_FENTRY:
		err = attach_prog(s->progs.kms_vmalloc_fx, &s->links.kms_vmalloc_fx);
		if (!err)
			err = attach_prog(s->progs.kms_vfree_fe, &s->links.kms_vfree_fe);
		break;
	case KMS_VM_KPROBE:
		s->links.kms_vmalloc_kp =
			bpf_program__attach_kprobe(s->progs.kms_vmalloc_kp, false, t->vm_target);
		if (!s->links.kms_vmalloc_kp)
			return -errno;
		s->links.kms_vmalloc_krp =
			bpf_program__attach_kprobe(s->progs.kms_vmalloc_krp, true, t->vm_target);
		if (!s->links.kms_vmalloc_krp)
			return -errno;
		err = attach_prog(s->progs.kms_vfree_kp, &s->links.kms_vfree_kp);
		break;
	case KMS_VM_TRACEPOINT:
		err = attach_prog(s->progs.kms_vmap_alloc, &s->links.kms_vmap_alloc);
		if (!err)
			err = attach_prog(s->progs.kms_vmap_free, &s->links.kms_vmap_free);
		break;
	default:
		break;
	}
	return err;
}

/*
 * kmem tracepoints one by one, the raw program first and the classic one
 * of the running kernel's layout if that fails: a tracepoint that cannot
 * be attached at all is a warning, never fatal.
 */
static const char *attach_kmem_tp(struct bpf_program *raw, struct bpf_link **raw_link,
				  struct bpf_program *const *tp, struct bpf_link **const *tp_link,
				  int n, const char *name)
{
	bool attached = false;
	int err = 0;

	if (bpf_program__autoload(raw)) {
		err = attach_prog(raw, raw_link);
		if (!err)
			return "raw_tracepoint";
		log_warn("cannot attach raw tracepoint %s (%s): using the tracepoint", name,
			 strerror(-err));
	}
	for (int i = 0; i < n; i++) {
		if (!bpf_program__autoload(tp[i]))
			continue;
		err = attach_prog(tp[i], tp_link[i]);
		if (err)
			log_warn("cannot attach tracepoint kmem:%s (%s): skipped", name,
				 strerror(-err));
		else
			attached = true;
	}
	return attached ? "tracepoint" : "off";
}

static void attach_kmem(struct tracer *t)
{
	struct kmem_bpf *s = t->skel;
	const char *mode;

	mode = attach_kmem_tp(
		s->progs.kms_kmalloc_raw, &s->links.kms_kmalloc_raw,
		(struct bpf_program *const[]){ s->progs.kms_kmalloc, s->progs.kms_kmalloc_old,
					       s->progs.kms_kmalloc_node },
		(struct bpf_link * *const[]){ &s->links.kms_kmalloc, &s->links.kms_kmalloc_old,
					      &s->links.kms_kmalloc_node },
		3, "kmalloc");
	snprintf(t->kmalloc_mode, sizeof(t->kmalloc_mode), "%s", mode);
	mode = attach_kmem_tp(s->progs.kms_cache_alloc_raw, &s->links.kms_cache_alloc_raw,
			      (struct bpf_program *const[]){ s->progs.kms_cache_alloc,
							     s->progs.kms_cache_alloc_old,
							     s->progs.kms_cache_alloc_nd },
			      (struct bpf_link * *const[]){ &s->links.kms_cache_alloc,
							    &s->links.kms_cache_alloc_old,
							    &s->links.kms_cache_alloc_nd },
			      3, "kmem_cache_alloc");
	snprintf(t->cache_mode, sizeof(t->cache_mode), "%s", mode);
	attach_kmem_tp(s->progs.kms_kfree_raw, &s->links.kms_kfree_raw,
		       (struct bpf_program *const[]){ s->progs.kms_kfree },
		       (struct bpf_link * *const[]){ &s->links.kms_kfree }, 1, "kfree");
	attach_kmem_tp(s->progs.kms_cache_free_raw, &s->links.kms_cache_free_raw,
		       (struct bpf_program *const[]){ s->progs.kms_cache_free },
		       (struct bpf_link * *const[]){ &s->links.kms_cache_free }, 1,
		       "kmem_cache_free");
}

static void note_refusal(struct tracer *t, enum kms_vm_mode mode, const char *step, int err)
{
	size_t n = strlen(t->vm_tried);

	snprintf(t->vm_tried + n, sizeof(t->vm_tried) - n, "%s%s %s: %s", n ? "; " : "",
		 vm_mode_name(mode), step, strerror(-err));
	log_info("vmalloc: %s mode refused at %s (%s)", vm_mode_name(mode), step, strerror(-err));
}

static int try_mode(struct tracer *t, const struct tracer_opts *o, const struct ksyms *ks,
		    enum kms_vm_mode mode)
{
	int err;

	t->skel = kmem_bpf__open();
	if (!t->skel)
		return -errno;
	err = configure(t->skel, o, ks, mode, t->vm_target);
	if (err) {
		note_refusal(t, mode, "configure", err);
		goto fail;
	}
	err = kmem_bpf__load(t->skel);
	if (err) {
		if (mode != KMS_VM_NONE)
			note_refusal(t, mode, "load", err);
		goto fail;
	}
	err = attach_vmalloc(t, mode);
	if (err) {
		note_refusal(t, mode, "attach", err);
		goto fail;
	}
	return 0;
fail:
	kmem_bpf__destroy(t->skel);
	t->skel = NULL;
	return err;
}

static void describe_vm(struct tracer *t)
{
	switch (t->vm_mode) {
	case KMS_VM_FENTRY:
		snprintf(t->vm_desc, sizeof(t->vm_desc), "fentry (fexit %s, fentry vfree)",
			 t->vm_target);
		break;
	case KMS_VM_KPROBE:
		snprintf(t->vm_desc, sizeof(t->vm_desc),
			 "kprobe (kprobe+kretprobe %s, kprobe vfree)", t->vm_target);
		break;
	case KMS_VM_TRACEPOINT:
		snprintf(t->vm_desc, sizeof(t->vm_desc),
			 "tracepoint (vmalloc:alloc_vmap_area, vmalloc:free_vmap_area_noflush)");
		break;
	default:
		snprintf(t->vm_desc, sizeof(t->vm_desc), "off");
	}
}

static struct {
	tracer_fail_fn fn;
	void *ctx;
} fail_sink;

static int fail_cb(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size < sizeof(struct kms_fail_event) || !fail_sink.fn)
		return 0;
	return fail_sink.fn(data, fail_sink.ctx);
}

int tracer_start(struct tracer *t, const struct tracer_opts *o, const struct ksyms *ks,
		 tracer_fail_fn on_fail, void *fail_ctx)
{
	static const enum kms_vm_mode order[] = { KMS_VM_FENTRY, KMS_VM_KPROBE, KMS_VM_TRACEPOINT };
	int err = -ENOENT;

	memset(t, 0, sizeof(*t));
	libbpf_set_print(libbpf_log);
	t->ncpu = libbpf_num_possible_cpus();
	if (t->ncpu < 0)
		return t->ncpu;
	snprintf(t->vm_target, sizeof(t->vm_target), "%s", vm_core_name(ks));

	if (o->vmalloc) {
		for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
			if (o->vm_mode != KMS_VM_NONE && o->vm_mode != order[i])
				continue;
			if (order[i] == KMS_VM_TRACEPOINT &&
			    !tracepoint_exists("vmalloc", "alloc_vmap_area")) {
				note_refusal(t, order[i], "lookup", -ENOENT);
				continue;
			}
			err = try_mode(t, o, ks, order[i]);
			/*
			 * EPERM here is not about privileges (checked before):
			 * kernels that refuse tracing programs say it that way.
			 */
			if (!err) {
				t->vm_mode = order[i];
				break;
			}
		}
		if (!t->skel)
			log_warn(
				"vmalloc cannot be traced on this kernel (%s): tracing kmalloc and kmem_cache only",
				t->vm_tried);
	}
	if (!t->skel) {
		err = try_mode(t, o, ks, KMS_VM_NONE);
		if (err)
			return err;
	}
	t->max_sites = o->site_entries;
	describe_vm(t);
	attach_kmem(t);
	if (o->kmem_mode == KMS_KMEM_RAW && ((o->kmalloc && !strcmp(t->kmalloc_mode, "off")) ||
					     (o->cache && !strcmp(t->cache_mode, "off"))))
		log_warn(
			"--kmem-mode raw: this kernel's kmem tracepoint prototypes are not the ones the raw programs read, or their attach failed: kmalloc=%s kmem_cache=%s (use --kmem-mode auto)",
			t->kmalloc_mode, t->cache_mode);
	fail_sink.fn = on_fail;
	fail_sink.ctx = fail_ctx;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), fail_cb, NULL, NULL);
	if (!t->rb) {
		err = -errno;
		tracer_stop(t);
		return err;
	}
	log_info("attach modes: kmalloc=%s kmem_cache=%s vmalloc=%s", t->kmalloc_mode,
		 t->cache_mode, t->vm_desc);
	return 0;
}

int tracer_read_counters(struct tracer *t, __u64 out[KMS_CNT_NR])
{
	int fd = bpf_map__fd(t->skel->maps.counters);
	__u64 *vals = calloc(t->ncpu, sizeof(__u64));

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < KMS_CNT_NR; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < t->ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	/* events are not counted in the kernel: the sites' counters add up to them */
	out[KMS_CNT_EV_KMALLOC] = t->events[KMS_CNT_EV_KMALLOC];
	out[KMS_CNT_EV_CACHE_ALLOC] = t->events[KMS_CNT_EV_CACHE_ALLOC];
	out[KMS_CNT_EV_VMALLOC] = t->events[KMS_CNT_EV_VMALLOC];
	out[KMS_CNT_EV_KFREE] = t->events[KMS_CNT_EV_KFREE] + out[KMS_CNT_UNMATCHED_KFREE];
	out[KMS_CNT_EV_CACHE_FREE] =
		t->events[KMS_CNT_EV_CACHE_FREE] + out[KMS_CNT_UNMATCHED_CACHE_FREE];
	out[KMS_CNT_EV_VFREE] = t->events[KMS_CNT_EV_VFREE] + out[KMS_CNT_UNMATCHED_VFREE];
	return 0;
}

/* Sum one site's per-CPU counters. Histograms wrap modulo 2^32 by design. */
static void add_cpus(const struct kms_site_counters *v, int ncpu, bool live,
		     struct kms_site_stats *sum)
{
	for (int c = 0; c < ncpu; c++, v++) {
		sum->allocs += v->allocs;
		sum->frees += v->frees;
		sum->failed += v->failed;
		sum->bytes_req += v->bytes_req;
		sum->bytes_alloc += v->bytes_alloc;
		sum->bytes_freed += v->bytes_freed;
		sum->live += v->tracked - v->frees - v->stale;
		sum->live_bytes += v->tracked_bytes - v->bytes_freed - v->stale_bytes;
		sum->cross_cpu_frees += v->cross_cpu_frees;
		sum->implied_frees += v->stale;
		sum->implied_bytes += v->stale_bytes;
		/* every successful allocation is tracked but those the table refused */
		if (live)
			sum->live_untracked += v->allocs - v->tracked;
		for (int i = 0; i < KMS_SIZE_BUCKETS; i++)
			sum->size_hist[i] += v->size_hist[i];
		for (int i = 0; i < KMS_LIFE_BUCKETS; i++)
			sum->life_hist[i] += v->life_hist[i];
	}
}

static void add_events(struct tracer *t, __u32 kind, const struct kms_site_counters *v)
{
	for (int c = 0; c < t->ncpu; c++, v++) {
		__u64 allocs = v->allocs + v->failed;

		switch (kind) {
		case KMS_KIND_KMALLOC:
		case KMS_KIND_CACHE:
			t->events[kind == KMS_KIND_KMALLOC ? KMS_CNT_EV_KMALLOC :
							     KMS_CNT_EV_CACHE_ALLOC] += allocs;
			t->events[KMS_CNT_EV_KFREE] += v->frees - v->cache_frees;
			t->events[KMS_CNT_EV_CACHE_FREE] += v->cache_frees;
			break;
		case KMS_KIND_VMALLOC:
			t->events[KMS_CNT_EV_VMALLOC] += allocs;
			t->events[KMS_CNT_EV_VFREE] += v->frees;
			break;
		}
	}
}

static int map_meta(struct tracer *t)
{
	size_t len = (size_t)t->max_sites * sizeof(struct kms_site_meta);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	len = (len + page - 1) / page * page;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(t->skel->maps.site_meta), 0);
	if (p == MAP_FAILED)
		return -errno;
	t->meta = p;
	t->meta_len = len;
	t->canon = calloc(t->max_sites, sizeof(*t->canon));
	t->has_alias = calloc(t->max_sites, sizeof(*t->has_alias));
	t->by_key = calloc(1, sizeof(*t->by_key));
	if (!t->canon || !t->has_alias || !t->by_key)
		return -ENOMEM;
	htab_init(t->by_key, sizeof(struct kms_site_key));
	return 0;
}

/*
 * Read the keys of sites numbered since the last call. A key whose meta is
 * not published yet (a CPU is still filling it) is read next time; its
 * counts wait in the kernel meanwhile. A key seen before under a lower
 * number is an alias of it.
 */
static void learn_keys(struct tracer *t, __u32 n)
{
	while (t->nr_known < n) {
		const struct kms_site_meta *m = &t->meta[t->nr_known];
		__u32 *first;

		if (!__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE))
			break;
		first = htab_get(t->by_key, &m->key);
		if (first) {
			t->canon[t->nr_known] = *first;
			t->has_alias[*first] = true;
		} else {
			t->canon[t->nr_known] = t->nr_known;
			htab_put(t->by_key, &m->key, &t->canon[t->nr_known]);
		}
		t->nr_known++;
	}
}

struct alias_sum {
	__u32 canon;
	struct kms_site_stats sum;
};

static int batch_buffers(struct tracer *t, __u32 cap)
{
	free(t->keys);
	free(t->vals);
	t->batch_cap = cap;
	t->keys = calloc(cap, sizeof(__u32));
	t->vals = calloc((size_t)cap * t->ncpu, sizeof(struct kms_site_counters));
	return t->keys && t->vals ? 0 : -ENOMEM;
}

/* Per-CPU counters of sites [from, from + *count): batched, or one by one on old kernels. */
static int read_counters_range(struct tracer *t, __u32 from, __u32 *count)
{
	int fd = bpf_map__fd(t->skel->maps.site_stats);
	__u32 in = from - 1, out; /* the batch resumes after the key in_batch names */
	int err;

	if (!t->batch_unsupported) {
		err = bpf_map_lookup_batch(fd, from ? &in : NULL, &out, t->keys, t->vals, count,
					   NULL);
		if (!err || err == -ENOENT)
			return 0;
		if (err != -EINVAL && err != -EOPNOTSUPP)
			return err;
		t->batch_unsupported = true;
	}
	for (__u32 i = 0; i < *count; i++) {
		__u32 key = from + i;

		err = bpf_map_lookup_elem(
			fd, &key, (struct kms_site_counters *)t->vals + (size_t)i * t->ncpu);
		if (err)
			return err;
	}
	return 0;
}

/* the running sum of an aliased key (rare: at most a few per run) */
static struct kms_site_stats *alias_slot(struct alias_sum **v, size_t *n, __u32 canon)
{
	struct alias_sum *grown;

	for (size_t i = 0; i < *n; i++) {
		if ((*v)[i].canon == canon)
			return &(*v)[i].sum;
	}
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return NULL;
	*v = grown;
	memset(&grown[*n], 0, sizeof(grown[*n]));
	grown[*n].canon = canon;
	return &grown[(*n)++].sum;
}

int tracer_for_each_site(struct tracer *t, tracer_site_fn fn, void *ctx)
{
	__u64 next = __atomic_load_n(&t->skel->bss->next_site, __ATOMIC_ACQUIRE);
	struct alias_sum *alias = NULL;
	size_t nr_alias = 0;
	int err = 0;
	__u32 n;

	if (!t->meta && (err = map_meta(t)))
		return err;
	if (!t->batch_cap && batch_buffers(t, 4096))
		return -ENOMEM;
	learn_keys(t, next < t->max_sites ? next : t->max_sites);
	n = t->nr_known;
	memset(t->events, 0, sizeof(t->events));
	for (__u32 from = 0; from < n && !err;) {
		__u32 count = n - from < t->batch_cap ? n - from : t->batch_cap;

		err = read_counters_range(t, from, &count);
		for (__u32 i = 0; i < count && !err; i++) {
			const struct kms_site_counters *v =
				(struct kms_site_counters *)t->vals + (size_t)i * t->ncpu;
			const struct kms_site_key *key = &t->meta[from + i].key;
			__u32 c = t->canon[from + i];
			struct kms_site_stats sum = {}, *into = &sum;

			add_events(t, key->kind, v);
			if (t->has_alias[c]) {
				into = alias_slot(&alias, &nr_alias, c);
				if (!into)
					err = -ENOMEM;
			}
			if (into)
				add_cpus(v, t->ncpu, t->skel->rodata->track_live, into);
			if (into == &sum)
				fn(from + i, key, &sum, ctx);
		}
		if (!count)
			break;
		from += count;
	}
	for (size_t i = 0; i < nr_alias && !err; i++)
		fn(alias[i].canon, &t->meta[alias[i].canon].key, &alias[i].sum, ctx);
	free(alias);
	return err;
}

int tracer_stack(struct tracer *t, __s32 id, __u64 ips[KMS_STACK_DEPTH])
{
	memset(ips, 0, KMS_STACK_DEPTH * sizeof(__u64));
	if (id < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &id, ips);
}

__u64 tracer_recursion_misses(struct tracer *t)
{
	struct bpf_program *prog;
	__u64 total = 0;

	bpf_object__for_each_program (prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		total += info.recursion_misses;
	}
	return total;
}

int tracer_poll(struct tracer *t)
{
	int n = ring_buffer__consume(t->rb);

	return n < 0 ? n : 0;
}

static __u64 fdinfo_memlock(int fd)
{
	char path[64], *text, *p;
	__u64 v = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = read_file(path, NULL);
	if (!text)
		return 0;
	p = strstr(text, "memlock:");
	if (p)
		v = strtoull(p + 8, NULL, 10);
	free(text);
	return v;
}

__u64 tracer_map_bytes(struct tracer *t)
{
	struct bpf_map *map;
	__u64 total = 0;

	bpf_object__for_each_map (map, t->skel->obj) {
		int fd = bpf_map__fd(map);

		if (fd >= 0)
			total += fdinfo_memlock(fd);
	}
	return total;
}

void tracer_stop(struct tracer *t)
{
	ring_buffer__free(t->rb);
	t->rb = NULL;
	kmem_bpf__destroy(t->skel);
	t->skel = NULL;
	free(t->keys);
	free(t->vals);
	t->keys = t->vals = NULL;
	t->batch_cap = 0;
	if (t->meta)
		munmap((void *)t->meta, t->meta_len);
	t->meta = NULL;
	if (t->by_key)
		htab_free(t->by_key);
	free(t->by_key);
	free(t->canon);
	free(t->has_alias);
	t->by_key = NULL;
	t->canon = NULL;
	t->has_alias = NULL;
	t->nr_known = 0;
}
