/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tracing session: the BPF side, the site table and the kernel counters,
 * read once per interval, plus the export records built from them. Shared
 * by `record`, `daemon` and `top`.
 */
#ifndef KMEMSCOPE_SESSION_H
#define KMEMSCOPE_SESSION_H

#include <stdbool.h>
#include <linux/types.h>
#include <cjson/cJSON.h>
#include "frag.h"
#include "kmemscope.h"
#include "sites.h"
#include "tracer.h"

struct export;
struct ksyms;
struct gfp_table;

struct session {
	struct tracer tracer;
	struct tracer_opts topts;
	struct site_table sites;
	struct ksyms *ks;
	struct gfp_table *gfp;
	double interval_s;
	__u64 start_mono, start_real;
	__u64 last_mono, now_mono; /* the interval just read: [last_mono, now_mono) */
	__u64 seq;
	__u64 counters[KMS_CNT_NR]; /* cumulative */
	__u64 delta[KMS_CNT_NR]; /* of the last interval */
	__u64 recursion, recursion_delta;
	struct frag frag;
	/* failure records waiting for the next export */
	cJSON *failures;
	__u64 failures_logged;
};

/* Load symbols and GFP names, load and attach the programs. -errno after logging. */
int session_start(struct session *s, const struct tracer_opts *o, double interval_s);
/* Read the kernel maps: one interval. */
int session_drain(struct session *s);
/* The header record (schema, kernel, attach modes, settings). */
cJSON *session_header(struct session *s);
/* Queue the last interval's records (interval, failures, every active site). */
int session_export(struct session *s, struct export *x);
/*
 * The same with at most top_sites site records (the most bytes allocated in
 * the interval first; 0: all), the other active sites folded into one
 * site_rest record so that totals stay exact.
 */
int session_export_top(struct session *s, struct export *x, size_t top_sites);
/*
 * The whole current state as one JSON document (docs/control-socket.md):
 * what `top` draws and what the daemon serves on its control socket.
 */
cJSON *session_state(struct session *s);
/* At the end of a run: rank correlations over what was seen and queue them. */
int session_finish(struct session *s, struct export *x);
void session_stop(struct session *s);
/* Log which capability is missing; -EPERM when BPF cannot be loaded. */
int check_bpf_permissions(const char *cmd);

#endif
