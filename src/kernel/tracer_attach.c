// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and attaching bpf/kmem.bpf.c: open -> configure -> load -> attach.
 * Reading the maps afterwards is tracer.c's.
 *
 * The vmalloc attach mode is chosen by really trying, fastest first:
 * fexit on the vmalloc core (gets size, gfp, caller and the result in one
 * program), then kprobe/kretprobe on it, then the vmalloc:* tracepoints
 * (caller found by walking the stack). A failed attempt throws the whole
 * object away and tries again, so no half-attached state survives.
 *
 * Bulk frees (kmem_cache_free_bulk: kfree_bulk, kfree_rcu's batches) are
 * traced the same way, fentry first, then kprobe, else not at all, but in
 * a second instance of the object that shares the first one's maps: its
 * refusal never costs the kmalloc, kmem_cache and vmalloc programs, and
 * its tries do not multiply the vmalloc ones.
 */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "callers.h"
#include "filter.h"
#include "kmemscope.h"
#include "kmem.skel.h"
#include "kmem_compat.skel.h"
#include "kmem_nokfunc.skel.h"
#include "ksyms.h"
#include "sites.h"
#include "tracer.h"
#include "cgroup.h"
#include "util.h"

/* the vmalloc core, newest name first (6.10 added the _noprof suffix) */
static const char *const vm_core_names[] = { "__vmalloc_node_range_noprof",
					     "__vmalloc_node_range" };

/*
 * Functions a vmalloc-family allocation passes through before
 * alloc_vmap_area(): the caller we report is the first frame outside them.
 */
static const struct skip_fn vm_internal[] = {
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
};

/* the bulk free function; kfree_bulk() is an inline calling it (6.1 to 6.18) */
static const char bulk_free_fn[] = "kmem_cache_free_bulk";

/* the tracepoint whose program looks for a caller */
static const char *const vm_tps[] = { "alloc_vmap_area" };

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
	__u32 n = skip_ranges_fill(ks, vm_internal, ARRAY_SIZE(vm_internal), vm_tps,
				   ARRAY_SIZE(vm_tps), skel->rodata->skip_start,
				   skel->rodata->skip_end, skel->rodata->skip_flags,
				   &skel->rodata->nr_skip);

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
	/* what charges an allocation to a memory cgroup (0: no memcg) */
	__u32 gfp_account;
	__u64 slab_account;
	/* bpf_get_kmem_cache() (6.13+) is in vmlinux: kmem.bpf.c, else kmem_nokfunc.bpf.c */
	bool kmem_cache_kfunc;
};

/* An enumerator of any enum in btf (the GFP bits' enum has no name); -1 if none. */
static long long btf_enum_value(const struct btf *btf, const char *name)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_is_enum(t) ? btf_enum(t) : NULL;

		for (int i = 0; e && i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return e->val;
	}
	return -1;
}

/*
 * The bits of __GFP_ACCOUNT and SLAB_ACCOUNT: enumerators of their bit
 * numbers since 6.9 (GFP) and 6.10 (slab); before, #defines that BTF does
 * not have, whose values did not change since memcg accounting began (4.5).
 */
static void account_bits(const struct btf *btf, struct kmem_kernel *k)
{
	long long gfp = btf_enum_value(btf, "___GFP_ACCOUNT_BIT");
	long long slab = btf_enum_value(btf, "_SLAB_ACCOUNT");

	if (btf__find_by_name_kind(btf, "mem_cgroup", BTF_KIND_STRUCT) < 0)
		return; /* CONFIG_MEMCG off: nothing is charged */
	k->gfp_account = gfp >= 0 ? 1U << gfp : 0x400000U;
	k->slab_account = slab >= 0 ? 1ULL << slab : 0x04000000ULL;
}

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
	account_bits(btf, &k);
	k.kmem_cache_kfunc = btf__find_by_name_kind(btf, "bpf_get_kmem_cache", BTF_KIND_FUNC) >= 0;
	btf__free(btf);
	return &k;
}

/* what a program of bpf/kmem.bpf.c serves */
enum prog_hook {
	HOOK_KMALLOC,
	HOOK_CACHE_ALLOC,
	HOOK_KFREE,
	HOOK_CACHE_FREE,
	HOOK_VMALLOC,
	HOOK_BULK_FREE, /* the bulk instance only: see attach_bulk() */
	HOOK_NR,
};

/* record layouts of the classic kmem tracepoints (bpf/core_fixes.bpf.h) */
enum prog_layout {
	LAYOUT_ANY,
	LAYOUT_NEW, /* 6.1+ */
	LAYOUT_OLD, /* before 6.1 */
};

enum prog_attach {
	ATTACH_AUTO, /* from the section name (or the fentry target set at open) */
	ATTACH_KPROBE, /* on target, or the vmalloc core found at run time */
	ATTACH_KRETPROBE,
};

/*
 * Every program of kmem.bpf.c, and when it runs: which tracepoint or
 * vmalloc mode it serves, whether it is the raw tracepoint program (used
 * where the kernel's prototype matches) or the classic one of a record
 * layout, whether it is a free (loaded with live tracking only) and how it
 * is attached. Loading, attaching and describing all read this table.
 */
static const struct prog_desc {
	const char *name;
	enum prog_hook hook;
	const char *tp; /* kmem:<tp>: the tracepoint (classic programs: loaded when it exists) */
	bool raw;
	enum prog_layout layout;
	enum kms_vm_mode vm; /* vmalloc programs: the mode they belong to */
	enum kms_bulk_mode bulk; /* bulk free programs: the mode they belong to */
	bool free;
	enum prog_attach attach;
	const char *target; /* kprobes: the function (NULL: the vmalloc core) */
} prog_table[] = {
	{ "kms_kmalloc_raw", HOOK_KMALLOC, "kmalloc", .raw = true },
	{ "kms_cache_alloc_raw", HOOK_CACHE_ALLOC, "kmem_cache_alloc", .raw = true },
	{ "kms_kfree_raw", HOOK_KFREE, "kfree", .raw = true, .free = true },
	{ "kms_cache_free_raw", HOOK_CACHE_FREE, "kmem_cache_free", .raw = true, .free = true },
	{ "kms_kmalloc", HOOK_KMALLOC, "kmalloc", .layout = LAYOUT_NEW },
	{ "kms_kmalloc_old", HOOK_KMALLOC, "kmalloc", .layout = LAYOUT_OLD },
	{ "kms_kmalloc_node", HOOK_KMALLOC, "kmalloc_node", .layout = LAYOUT_ANY },
	{ "kms_kfree", HOOK_KFREE, "kfree", .free = true },
	{ "kms_cache_alloc", HOOK_CACHE_ALLOC, "kmem_cache_alloc", .layout = LAYOUT_NEW },
	{ "kms_cache_alloc_old", HOOK_CACHE_ALLOC, "kmem_cache_alloc", .layout = LAYOUT_OLD },
	{ "kms_cache_alloc_nd", HOOK_CACHE_ALLOC, "kmem_cache_alloc_node", .layout = LAYOUT_ANY },
	{ "kms_cache_free", HOOK_CACHE_FREE, "kmem_cache_free", .free = true },
	{ "kms_vmalloc_fx", HOOK_VMALLOC, .vm = KMS_VM_FENTRY },
	{ "kms_vfree_fe", HOOK_VMALLOC, .vm = KMS_VM_FENTRY, .free = true },
	{ "kms_vmalloc_kp", HOOK_VMALLOC, .vm = KMS_VM_KPROBE, .attach = ATTACH_KPROBE },
	{ "kms_vmalloc_krp", HOOK_VMALLOC, .vm = KMS_VM_KPROBE, .attach = ATTACH_KRETPROBE },
	{ "kms_vfree_kp", HOOK_VMALLOC, .vm = KMS_VM_KPROBE, .free = true },
	{ "kms_vmap_alloc", HOOK_VMALLOC, .vm = KMS_VM_TRACEPOINT },
	{ "kms_vmap_free", HOOK_VMALLOC, .vm = KMS_VM_TRACEPOINT, .free = true },
	{ "kms_free_bulk_fe", HOOK_BULK_FREE, .bulk = KMS_BULK_FENTRY, .free = true },
	{ "kms_free_bulk_kp", HOOK_BULK_FREE, .bulk = KMS_BULK_KPROBE, .free = true,
	  .attach = ATTACH_KPROBE, .target = bulk_free_fn },
};

/* the skeleton's program and link slots of a table entry */
static const struct bpf_prog_skeleton *prog_slot(const struct kmem_bpf *s,
						 const struct prog_desc *d)
{
	for (int i = 0; i < s->skeleton->prog_cnt; i++) {
		if (!strcmp(s->skeleton->progs[i].name, d->name))
			return &s->skeleton->progs[i];
	}
	return NULL;
}

/*
 * Whether a program is loaded. Raw tracepoint programs where the kernel's
 * prototypes allow (and the user did not ask for classic ones); the
 * classic tracepoint program of the running kernel's layout as well, as
 * the fallback should the raw one fail to attach, unless the user asked
 * for raw tracepoints only. Free programs only run with live tracking.
 */
static bool prog_wanted(const struct prog_desc *d, const struct tracer_opts *o,
			enum kms_vm_mode mode)
{
	const struct kmem_kernel *k = kmem_kernel();
	const bool hook_on[HOOK_NR] = {
		[HOOK_KMALLOC] = o->kmalloc,
		[HOOK_CACHE_ALLOC] = o->cache,
		[HOOK_KFREE] = (o->kmalloc || o->cache) && o->track_live,
		[HOOK_CACHE_FREE] = (o->kmalloc || o->cache) && o->track_live,
		[HOOK_VMALLOC] = true,
		[HOOK_BULK_FREE] = false, /* the main instance never loads them */
	};
	const bool raw_ok[HOOK_NR] = {
		[HOOK_KMALLOC] = k->raw_kmalloc,
		[HOOK_CACHE_ALLOC] = k->raw_cache_alloc,
		[HOOK_KFREE] = k->raw_kfree,
		[HOOK_CACHE_FREE] = k->raw_cache_free,
	};

	if (!hook_on[d->hook])
		return false;
	if (d->hook == HOOK_VMALLOC)
		return d->vm == mode && (!d->free || o->track_live);
	if (d->raw)
		return o->kmem_mode != KMS_KMEM_TRACEPOINT && raw_ok[d->hook];
	/* --kmem-mode raw: raw tracepoints or nothing, no silent fallback */
	if (o->kmem_mode == KMS_KMEM_RAW)
		return false;
	if ((d->layout == LAYOUT_NEW && !k->new_layout) ||
	    (d->layout == LAYOUT_OLD && k->new_layout))
		return false;
	return tracepoint_exists("kmem", d->tp);
}

/* Only the table's programs load: one missing from it stays out, never loads by default. */
static void set_autoload(struct kmem_bpf *s, const struct tracer_opts *o, enum kms_vm_mode mode)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, s->obj)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < ARRAY_SIZE(prog_table); i++) {
		const struct bpf_prog_skeleton *p = prog_slot(s, &prog_table[i]);

		if (p)
			bpf_program__set_autoload(*p->prog, prog_wanted(&prog_table[i], o, mode));
		else
			log_warn("BPF program %s is not in the object: not loaded",
				 prog_table[i].name);
	}
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

/* --pid, --comm, --cgroup, --by: the programs' read-only switches */
static void set_filters(struct kmem_bpf *s, const struct tracer_opts *o)
{
	struct filter_vals v;

	filter_vals(o, &v);
	FILTER_SET_RODATA(s->rodata, &v);
	s->rodata->by_mode = o->by;
	bpf_map__set_max_entries(s->maps.owners, o->by ? o->by_max : 1);
	s->rodata->gfp_account = kmem_kernel()->gfp_account;
	s->rodata->slab_account = kmem_kernel()->slab_account;
}

int tracer_check_filters(const struct tracer_opts *o)
{
	char mnt[256];
	int fd;

	for (__u32 i = 0; i < o->nr_filter_pids; i++) {
		if (kill(o->filter_pids[i], 0) && errno == ESRCH) {
			log_err("--pid %u: no such process: give the id of a running process (see ps -e)",
				o->filter_pids[i]);
			return -ESRCH;
		}
	}
	if (o->filter_cgroup[0]) {
		fd = cgroup2_open(o->filter_cgroup, "--cgroup");
		if (fd < 0)
			return fd;
		close(fd);
	}
	if (o->by == KMS_BY_CGROUP && cgroup2_mount(mnt, sizeof(mnt))) {
		log_err("--by cgroup needs cgroup v2 and this machine has no cgroup2 hierarchy mounted (cgroup v1 only): mount one (mount -t cgroup2 none /sys/fs/cgroup/unified) or use --by comm");
		return -ENOENT;
	}
	return 0;
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
	set_filters(s, o);
	bpf_map__set_max_entries(s->maps.stacks, o->stack_entries);
	bpf_map__set_max_entries(s->maps.stack_samples, o->stack_sample ? o->stack_sites : 1);
	s->rodata->stack_sample = o->stack_sample;
	bpf_map__set_max_entries(s->maps.events, o->ringbuf_size);
	set_autoload(s, o, mode);
	if (mode == KMS_VM_FENTRY) {
		err = bpf_program__set_attach_target(s->progs.kms_vmalloc_fx, 0, target);
		if (err)
			return err;
	}
	return 0;
}

/* Attach one loaded program of the table in instance s (0 when it is not loaded). */
static int attach_prog(struct tracer *t, struct kmem_bpf *s, const struct prog_desc *d)
{
	const struct bpf_prog_skeleton *p = prog_slot(s, d);

	if (!p || !bpf_program__autoload(*p->prog))
		return 0;
	if (d->attach == ATTACH_AUTO)
		*p->link = bpf_program__attach(*p->prog);
	else
		*p->link = bpf_program__attach_kprobe(*p->prog, d->attach == ATTACH_KRETPROBE,
						      d->target ? d->target : t->vm_target);
	return *p->link ? 0 : -errno;
}

static int attach_desc(struct tracer *t, const struct prog_desc *d)
{
	return attach_prog(t, t->skel, d);
}

static int attach_vmalloc(struct tracer *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(prog_table); i++) {
		int err;

		if (prog_table[i].hook != HOOK_VMALLOC)
			continue;
		err = attach_desc(t, &prog_table[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * One kmem tracepoint, the raw program first and the classic one of the
 * running kernel's layout if that fails: a tracepoint that cannot be
 * attached at all is a warning, never fatal.
 */
static const char *attach_hook(struct tracer *t, enum prog_hook hook, const char *name)
{
	bool attached = false;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(prog_table); i++) {
		const struct prog_desc *d = &prog_table[i];
		const struct bpf_prog_skeleton *p = prog_slot(t->skel, d);

		if (d->hook != hook || !d->raw || !p || !bpf_program__autoload(*p->prog))
			continue;
		err = attach_desc(t, d);
		if (!err)
			return "raw_tracepoint";
		log_warn("cannot attach raw tracepoint %s (%s): using the tracepoint", name,
			 strerror(-err));
	}
	for (size_t i = 0; i < ARRAY_SIZE(prog_table); i++) {
		const struct prog_desc *d = &prog_table[i];
		const struct bpf_prog_skeleton *p = prog_slot(t->skel, d);

		if (d->hook != hook || d->raw || !p || !bpf_program__autoload(*p->prog))
			continue;
		err = attach_desc(t, d);
		if (err)
			log_warn("cannot attach tracepoint kmem:%s (%s): skipped", d->tp,
				 strerror(-err));
		else
			attached = true;
	}
	return attached ? "tracepoint" : "off";
}

static void attach_kmem(struct tracer *t)
{
	snprintf(t->kmalloc_mode, sizeof(t->kmalloc_mode), "%s",
		 attach_hook(t, HOOK_KMALLOC, "kmalloc"));
	snprintf(t->cache_mode, sizeof(t->cache_mode), "%s",
		 attach_hook(t, HOOK_CACHE_ALLOC, "kmem_cache_alloc"));
	attach_hook(t, HOOK_KFREE, "kfree");
	attach_hook(t, HOOK_CACHE_FREE, "kmem_cache_free");
}

static void note_refusal(struct tracer *t, enum kms_vm_mode mode, const char *step, int err)
{
	size_t n = strlen(t->vm_tried);

	snprintf(t->vm_tried + n, sizeof(t->vm_tried) - n, "%s%s %s: %s", n ? "; " : "",
		 vm_mode_name(mode), step, strerror(-err));
	log_info("vmalloc: %s mode refused at %s (%s)", vm_mode_name(mode), step, strerror(-err));
}

/*
 * Does the kernel take BPF compare-and-swap (5.12+)? A socket filter that
 * does one on its stack, loaded for real: a kernel without it refuses the
 * instruction ("BPF_STX uses reserved fields"), and with it kmem.bpf.c.
 */
static int probe_cmpxchg(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_STX | BPF_DW | BPF_MEM,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_0,
		  .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_DW | BPF_ATOMIC,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1,
		  .off = -8,
		  .imm = BPF_CMPXCHG },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "kms_cmpxchg", "GPL", insns,
			       ARRAY_SIZE(insns), NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * kmem.bpf.c, or on a kernel without compare-and-swap the same source
 * compiled without it (kmem_compat.bpf.c, claims.bpf.h), or on one without
 * the bpf_get_kmem_cache() kfunc the source without that
 * (kmem_nokfunc.bpf.c): the objects have the same maps, programs and
 * variables, so kmem.bpf.c's skeleton opens each.
 */
static struct kmem_bpf *kmem_open(const struct tracer *t)
{
	bool kfunc = kmem_kernel()->kmem_cache_kfunc;
	struct kmem_bpf *s;
	int err;

	if (!t->compat && kfunc)
		return kmem_bpf__open();
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	err = kmem_bpf__create_skeleton(s);
	if (!err) {
		s->skeleton->data = t->compat ? kmem_compat_bpf__elf_bytes(&s->skeleton->data_sz) :
						kmem_nokfunc_bpf__elf_bytes(&s->skeleton->data_sz);
		err = bpf_object__open_skeleton(s->skeleton, NULL);
	}
	if (err) {
		kmem_bpf__destroy(s);
		errno = -err;
		return NULL;
	}
	return s;
}

/*
 * The compat object's claim maps: a key per site slot and per site number
 * (a number follows each slot claimed, also past max_sites), per live slot.
 */
static void size_claims(struct kmem_bpf *s)
{
	__u32 site_keys = 2 * bpf_map__max_entries(s->maps.site_tab) * KMS_SITE_WAYS;

	bpf_map__set_max_entries(s->maps.site_claims, site_keys);
	bpf_map__set_max_entries(s->maps.live_claims,
				 bpf_map__max_entries(s->maps.live_tab) * KMS_LIVE_WAYS);
}

static int try_mode(struct tracer *t, const struct tracer_opts *o, const struct ksyms *ks,
		    enum kms_vm_mode mode)
{
	int err;

	t->skel = kmem_open(t);
	if (!t->skel)
		return -errno;
	err = configure(t->skel, o, ks, mode, t->vm_target);
	if (!err && t->compat)
		size_claims(t->skel);
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
	err = filter_set_cgroup(t->skel->maps.filter_cg, o);
	if (err)
		goto fail;
	err = attach_vmalloc(t);
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

static void note_bulk_refusal(struct tracer *t, enum kms_bulk_mode mode, const char *step, int err)
{
	size_t n = strlen(t->bulk_tried);

	snprintf(t->bulk_tried + n, sizeof(t->bulk_tried) - n, "%s%s %s: %s", n ? "; " : "",
		 bulk_mode_name(mode), step, strerror(-err));
	log_info("bulk frees: %s mode refused at %s (%s)", bulk_mode_name(mode), step,
		 strerror(-err));
}

/*
 * The bulk instance uses the main instance's maps (live objects, sites,
 * counters) and the same settings: .rodata is copied, so the verifier
 * sees the same constants (table masks, track_live) in both.
 */
static int share_maps(struct kmem_bpf *b, const struct kmem_bpf *main)
{
	struct bpf_map *m;

	bpf_object__for_each_map (m, b->obj) {
		const struct bpf_map *from;
		int err;

		if (bpf_map__is_internal(m))
			continue;
		from = bpf_object__find_map_by_name(main->obj, bpf_map__name(m));
		if (!from)
			return -ENOENT;
		err = bpf_map__reuse_fd(m, bpf_map__fd(from));
		if (err)
			return err;
	}
	memcpy(b->rodata, main->rodata, sizeof(*b->rodata));
	return 0;
}

/* Load and attach the bulk program of one mode; on failure nothing is left. */
static int try_bulk(struct tracer *t, enum kms_bulk_mode mode)
{
	struct kmem_bpf *b = kmem_open(t);
	const char *step = "configure";
	struct bpf_program *prog;
	int err;

	if (!b)
		return -errno;
	err = share_maps(b, t->skel);
	bpf_object__for_each_program (prog, b->obj)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; !err && i < ARRAY_SIZE(prog_table); i++) {
		const struct bpf_prog_skeleton *p = prog_slot(b, &prog_table[i]);

		if (prog_table[i].hook == HOOK_BULK_FREE && prog_table[i].bulk == mode && p)
			bpf_program__set_autoload(*p->prog, true);
	}
	if (!err) {
		step = "load";
		err = kmem_bpf__load(b);
	}
	for (size_t i = 0; !err && i < ARRAY_SIZE(prog_table); i++) {
		step = "attach";
		if (prog_table[i].hook == HOOK_BULK_FREE && prog_table[i].bulk == mode)
			err = attach_prog(t, b, &prog_table[i]);
	}
	if (err) {
		note_bulk_refusal(t, mode, step, err);
		kmem_bpf__destroy(b);
		return err;
	}
	t->bulk = b;
	return 0;
}

/*
 * Frees that the kmem tracepoints do not show, matched when they happen:
 * fentry, else kprobe, else off (said in the header's attach.bulk_free and
 * with -v; the objects are then noticed only when their address is handed
 * out again, as stale_live). Only useful where frees are matched at all.
 */
static void attach_bulk(struct tracer *t, const struct tracer_opts *o)
{
	static const enum kms_bulk_mode order[] = { KMS_BULK_FENTRY, KMS_BULK_KPROBE };

	t->bulk_mode = KMS_BULK_OFF;
	if (o->bulk_mode == KMS_BULK_OFF) {
		snprintf(t->bulk_tried, sizeof(t->bulk_tried), "--bulk-free-mode off");
		return;
	}
	if (!o->track_live || !(o->kmalloc || o->cache)) {
		snprintf(t->bulk_tried, sizeof(t->bulk_tried), "%s",
			 o->track_live ? "kmalloc and kmem_cache not traced" : "--no-live");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (o->bulk_mode != KMS_BULK_AUTO && o->bulk_mode != order[i])
			continue;
		if (!try_bulk(t, order[i])) {
			t->bulk_mode = order[i];
			return;
		}
	}
	if (o->bulk_mode != KMS_BULK_AUTO)
		log_warn("--bulk-free-mode %s: cannot trace %s (%s); its frees are seen only when "
			 "an address is handed out again (use --bulk-free-mode auto)",
			 bulk_mode_name(o->bulk_mode), bulk_free_fn, t->bulk_tried);
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

/* ring buffer callback: ctx is the tracer */
static int fail_cb(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (size < sizeof(struct kms_fail_event) || !t->on_fail)
		return 0;
	return t->on_fail(data, t->fail_ctx);
}

/*
 * The programs are CO-RE: without the kernel's BTF nothing loads, and
 * libbpf's own message does not say why. An empty file counts as missing.
 */
static int need_btf(void)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct stat st;

	if (!stat(path, &st) && st.st_size > 0)
		return 0;
	log_err("this kernel has no BTF (%s is missing or empty): kmemscope needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		path);
	return -ENODATA;
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
	err = need_btf();
	if (err)
		return err;
	err = probe_cmpxchg();
	if (err) {
		t->compat = true;
		snprintf(t->claims_tried, sizeof(t->claims_tried), "BPF compare-and-swap: %s",
			 strerror(-err));
		log_info("%s: table slots claimed through hash maps (kmem_compat.bpf.c)",
			 t->claims_tried);
	}

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
	t->filtered = filter_on(o);
	describe_vm(t);
	attach_kmem(t);
	attach_bulk(t, o);
	if (o->kmem_mode == KMS_KMEM_RAW && ((o->kmalloc && !strcmp(t->kmalloc_mode, "off")) ||
					     (o->cache && !strcmp(t->cache_mode, "off"))))
		log_warn(
			"--kmem-mode raw: this kernel's kmem tracepoint prototypes are not the ones the raw programs read, or their attach failed: kmalloc=%s kmem_cache=%s (use --kmem-mode auto)",
			t->kmalloc_mode, t->cache_mode);
	t->on_fail = on_fail;
	t->fail_ctx = fail_ctx;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), fail_cb, t, NULL);
	if (!t->rb) {
		err = -errno;
		tracer_stop(t);
		return err;
	}
	log_info("attach modes: kmalloc=%s kmem_cache=%s vmalloc=%s bulk_free=%s (%s) claims=%s",
		 t->kmalloc_mode, t->cache_mode, t->vm_desc, bulk_mode_name(t->bulk_mode),
		 t->bulk_mode == KMS_BULK_OFF ? t->bulk_tried : bulk_free_fn,
		 t->compat ? "hash_map" : "cmpxchg");
	return 0;
}
