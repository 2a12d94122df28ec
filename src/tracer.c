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
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kmemscope.h"
#include "kmem.skel.h"
#include "ksyms.h"
#include "tracer.h"
#include "util.h"

const struct tracer_opts tracer_defaults = {
	.kmalloc = true,
	.cache = true,
	.vmalloc = true,
	.vm_mode = KMS_VM_NONE,
	.track_live = true,
	.live_entries = 131072,
	.site_entries = 16384,
	.stack_entries = 4096,
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

/*
 * 6.1 gave kmem:kmalloc and kmem:kmem_cache_alloc their own record layouts
 * (and dropped the _node twins). Each layout has its own program; the
 * kernel's BTF says which one applies.
 */
static bool kmem_new_layout(void)
{
	static int cached = -1;
	struct btf *btf;

	if (cached >= 0)
		return cached;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		/* no BTF means no CO-RE either: libbpf will say so at load */
		cached = 1;
		return true;
	}
	cached = btf__find_by_name_kind(btf, "trace_event_raw_kmalloc", BTF_KIND_STRUCT) >= 0;
	btf__free(btf);
	return cached;
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

static void set_autoload(struct kmem_bpf *s, const struct tracer_opts *o, enum kms_vm_mode mode)
{
	bool new = kmem_new_layout();
	bool frees = o->kmalloc || o->cache;
	struct {
		struct bpf_program *prog;
		bool on;
	} progs[] = {
		{ s->progs.kms_kmalloc, o->kmalloc && new &&tracepoint_exists("kmem", "kmalloc") },
		{ s->progs.kms_kmalloc_old,
		  o->kmalloc && !new &&tracepoint_exists("kmem", "kmalloc") },
		{ s->progs.kms_kmalloc_node,
		  o->kmalloc && tracepoint_exists("kmem", "kmalloc_node") },
		{ s->progs.kms_kfree, frees && tracepoint_exists("kmem", "kfree") },
		{ s->progs.kms_cache_alloc,
		  o->cache && new &&tracepoint_exists("kmem", "kmem_cache_alloc") },
		{ s->progs.kms_cache_alloc_old,
		  o->cache && !new &&tracepoint_exists("kmem", "kmem_cache_alloc") },
		{ s->progs.kms_cache_alloc_nd,
		  o->cache && tracepoint_exists("kmem", "kmem_cache_alloc_node") },
		{ s->progs.kms_cache_free, frees && tracepoint_exists("kmem", "kmem_cache_free") },
		{ s->progs.kms_vmalloc_fx, mode == KMS_VM_FENTRY },
		{ s->progs.kms_vfree_fe, mode == KMS_VM_FENTRY },
		{ s->progs.kms_vmalloc_kp, mode == KMS_VM_KPROBE },
		{ s->progs.kms_vmalloc_krp, mode == KMS_VM_KPROBE },
		{ s->progs.kms_vfree_kp, mode == KMS_VM_KPROBE },
		{ s->progs.kms_vmap_alloc, mode == KMS_VM_TRACEPOINT },
		{ s->progs.kms_vmap_free, mode == KMS_VM_TRACEPOINT },
	};

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		bpf_program__set_autoload(progs[i].prog, progs[i].on);
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
	bpf_map__set_max_entries(s->maps.sites, o->site_entries);
	/* a map cannot be empty: keep one slot when live tracking is off */
	bpf_map__set_max_entries(s->maps.live, o->track_live ? o->live_entries : 1);
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

/* kmem tracepoints one by one: a missing one is a warning, never fatal */
static void attach_kmem(struct tracer *t)
{
	struct kmem_bpf *s = t->skel;
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		const char *name;
	} tps[] = {
		{ s->progs.kms_kmalloc, &s->links.kms_kmalloc, "kmem:kmalloc" },
		{ s->progs.kms_kmalloc_old, &s->links.kms_kmalloc_old, "kmem:kmalloc" },
		{ s->progs.kms_kmalloc_node, &s->links.kms_kmalloc_node, "kmem:kmalloc_node" },
		{ s->progs.kms_kfree, &s->links.kms_kfree, "kmem:kfree" },
		{ s->progs.kms_cache_alloc, &s->links.kms_cache_alloc, "kmem:kmem_cache_alloc" },
		{ s->progs.kms_cache_alloc_old, &s->links.kms_cache_alloc_old,
		  "kmem:kmem_cache_alloc" },
		{ s->progs.kms_cache_alloc_nd, &s->links.kms_cache_alloc_nd,
		  "kmem:kmem_cache_alloc_node" },
		{ s->progs.kms_cache_free, &s->links.kms_cache_free, "kmem:kmem_cache_free" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tps); i++) {
		int err = attach_prog(tps[i].prog, tps[i].link);

		if (err) {
			log_warn("cannot attach tracepoint %s (%s): skipped", tps[i].name,
				 strerror(-err));
			bpf_program__set_autoload(tps[i].prog, false);
		}
	}
	snprintf(t->kmalloc_mode, sizeof(t->kmalloc_mode), "%s",
		 s->links.kms_kmalloc || s->links.kms_kmalloc_old ? "tracepoint" : "off");
	snprintf(t->cache_mode, sizeof(t->cache_mode), "%s",
		 s->links.kms_cache_alloc || s->links.kms_cache_alloc_old ? "tracepoint" : "off");
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
	describe_vm(t);
	attach_kmem(t);
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
	return 0;
}

/* Sum one site's per-CPU values. Histograms wrap modulo 2^32 by design. */
static void sum_cpus(const struct kms_site_stats *v, int ncpu, struct kms_site_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < ncpu; c++, v++) {
		sum->allocs += v->allocs;
		sum->frees += v->frees;
		sum->failed += v->failed;
		sum->bytes_req += v->bytes_req;
		sum->bytes_alloc += v->bytes_alloc;
		sum->bytes_freed += v->bytes_freed;
		sum->live += v->live;
		sum->live_bytes += v->live_bytes;
		sum->cross_cpu_frees += v->cross_cpu_frees;
		for (int i = 0; i < KMS_SIZE_BUCKETS; i++)
			sum->size_hist[i] += v->size_hist[i];
		for (int i = 0; i < KMS_LIFE_BUCKETS; i++)
			sum->life_hist[i] += v->life_hist[i];
	}
}

static int batch_buffers(struct tracer *t, __u32 cap)
{
	free(t->keys);
	free(t->vals);
	t->batch_cap = cap;
	t->keys = calloc(cap, sizeof(struct kms_site_key));
	t->vals = calloc((size_t)cap * t->ncpu, sizeof(struct kms_site_stats));
	return t->keys && t->vals ? 0 : -ENOMEM;
}

/* One element at a time: for kernels without batch operations on this map type. */
static int for_each_slow(struct tracer *t, tracer_site_fn fn, void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.sites);
	struct kms_site_key key, next;
	struct kms_site_stats sum;
	void *prev = NULL;
	int err;

	if (!t->vals && batch_buffers(t, 1))
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		err = bpf_map_lookup_elem(fd, &key, t->vals);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		sum_cpus(t->vals, t->ncpu, &sum);
		fn(&key, &sum, ctx);
	}
	return 0;
}

int tracer_for_each_site(struct tracer *t, tracer_site_fn fn, void *ctx)
{
	int fd = bpf_map__fd(t->skel->maps.sites);
	__u32 batch = 0, count;
	bool first = true;
	int err;

	if (t->batch_unsupported)
		return for_each_slow(t, fn, ctx);
	if (!t->batch_cap && batch_buffers(t, 1024))
		return -ENOMEM;
	for (;;) {
		struct kms_site_stats sum;

		count = t->batch_cap;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, t->keys, t->vals,
					   &count, NULL);
		if (err && err != -ENOENT) {
			if (err == -ENOSPC && batch_buffers(t, t->batch_cap * 2) == 0)
				continue; /* one hash bucket held more than the buffer */
			if (first && (err == -EINVAL || err == -EOPNOTSUPP)) {
				t->batch_unsupported = true;
				return for_each_slow(t, fn, ctx);
			}
			return err;
		}
		for (__u32 i = 0; i < count; i++) {
			const struct kms_site_key *k = (struct kms_site_key *)t->keys + i;
			const struct kms_site_stats *v =
				(struct kms_site_stats *)t->vals + (size_t)i * t->ncpu;

			sum_cpus(v, t->ncpu, &sum);
			fn(k, &sum, ctx);
		}
		if (err == -ENOENT)
			return 0;
		first = false;
	}
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
}
