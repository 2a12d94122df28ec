// SPDX-License-Identifier: GPL-2.0
/* `kmemscope record`: trace, read the maps every interval, export, print. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "record_options.h"
#include "export.h"
#include "record.h"
#include "session.h"
#include "table.h"
#include "safefile.h"
#include "util.h"

struct recorder {
	struct record_env env;
	struct session s;
	struct export out;
	bool exporting;
};

static void describe_start(struct recorder *r)
{
	const struct tracer *t = &r->s.tracer;
	char what[128] = "";

	if (strcmp(t->kmalloc_mode, "off"))
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

/* The fix for a run that attached nothing, from what was asked for. */
static const char *attach_fix(const struct tracer_opts *o)
{
	if (o->vmalloc && o->vm_mode != KMS_VM_NONE)
		return "use --vmalloc-mode auto";
	if ((o->kmalloc || o->cache) && o->kmem_mode == KMS_KMEM_RAW)
		return "use --kmem-mode auto";
	if (!o->kmalloc && !o->cache)
		return "add kmalloc,cache to --allocators";
	return "the kernel needs the kmem and vmalloc tracepoints (CONFIG_TRACEPOINTS) and BTF; run with -vv for libbpf's log";
}

/*
 * A run with no program attached would print an empty table and exit 0,
 * which a script cannot tell from an idle machine: fail and say why.
 * The page allocator (--pages) counts: it is traced too.
 */
static int check_attached(const struct recorder *r)
{
	const struct tracer *t = &r->s.tracer;
	const struct tracer_opts *o = &r->env.topts;

	if (strcmp(t->kmalloc_mode, "off") || strcmp(t->cache_mode, "off") ||
	    t->vm_mode != KMS_VM_NONE || r->s.frag.pt.skel)
		return 0;
	log_err("no allocator could be attached (kmalloc=%s kmem_cache=%s vmalloc=off%s%s): %s",
		o->kmalloc ? "refused" : "not asked", o->cache ? "refused" : "not asked",
		*t->vm_tried ? ": " : (o->vmalloc ? "" : ", not asked"), t->vm_tried,
		attach_fix(o));
	return -ENODEV;
}

/* Sleep until the deadline or a stop signal. Returns true on a signal. */
static int drain(struct recorder *r)
{
	int err = session_drain(&r->s);

	if (err) {
		log_err("cannot read the BPF maps: %s", strerror(-err));
		return err;
	}
	if (!r->exporting)
		return 0;
	err = session_export(&r->s, &r->out);
	err = err ? err : export_flush(&r->out);
	if (err)
		log_err("cannot write %s: %s (the file keeps every interval before this one)",
			r->env.output, strerror(-err));
	return err;
}

static int run_loop(struct recorder *r, const sigset_t *set)
{
	__u64 step = r->env.interval * 1e9, start = r->s.start_mono, next = start + step;
	__u64 end = r->env.duration ? start + (__u64)(r->env.duration * 1e9) : 0;
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
		log_err("cannot write --output %s: %s", r->env.output, safefile_strerror(err));
		return err;
	}
	r->exporting = true;
	return 0;
}

static void print_results(struct recorder *r)
{
	/* with -o - the records own stdout: the table goes to stderr */
	FILE *f = r->env.output && !strcmp(r->env.output, "-") ? stderr : stdout;
	struct run_summary sum = {};

	sum.seconds = (r->s.now_mono - r->s.start_mono) / 1e9;
	sum.intervals = r->s.seq;
	memcpy(sum.counters, r->s.counters, sizeof(sum.counters));
	sum.recursion_misses = r->s.recursion;
	sum.live_entries = r->s.topts.live_entries;
	sum.opts = &r->s.topts;
	print_site_table(f, &r->s.sites, r->env.sort, r->env.top, r->s.gfp);
	print_summary(f, &r->s.sites, &sum, &r->s.tracer);
	frag_print_summary(f, &r->s.frag);
	fflush(f);
}

int cmd_record(int argc, char **argv)
{
	struct recorder r = { .out.fd = -1 };
	sigset_t set;
	int err;

	err = record_parse_args(argc, argv, &r.env);
	if (err)
		return err == 1 ? 0 : 2;
	/* a bad --output is reported before anything is loaded */
	if (open_output(&r))
		return 1;
	/* stop signals are taken synchronously by sigtimedwait() */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	err = session_start(&r.s, &r.env.topts, r.env.interval);
	err = err ? err : check_attached(&r);
	if (err)
		goto cleanup;
	if (r.exporting) {
		err = export_add(&r.out, session_header(&r.s));
		err = err ? err : export_flush(&r.out);
		if (err) {
			log_err("cannot write %s: %s", r.env.output, strerror(-err));
			goto cleanup;
		}
	}
	describe_start(&r);
	err = run_loop(&r, &set);
	if (!err && session_finish(&r.s, r.exporting ? &r.out : NULL) == 0 && r.exporting)
		err = export_flush(&r.out);
	print_results(&r);
cleanup:
	session_stop(&r.s);
	if (r.exporting) {
		int cerr = export_close(&r.out);

		if (cerr && !err) {
			log_err("cannot write %s: %s", r.env.output, strerror(-cerr));
			err = cerr;
		}
	}
	return err ? 1 : 0;
}
