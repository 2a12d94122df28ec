/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's configuration file: `key = value` lines, `#` comments.
 * Every key, its default and its range are in the option tables (daemon_options.c,
 * session_options.c)
 * and listed in systemd/kmemscope.conf.
 */
#ifndef KMEMSCOPE_CONFIG_H
#define KMEMSCOPE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "options.h"
#include "tracer.h"

#define KMS_DEFAULT_CONFIG "/etc/kmemscope/kmemscope.conf"
#define KMS_DEFAULT_STATE_DIR "/var/lib/kmemscope"
#define KMS_DEFAULT_RUNTIME_DIR "/run/kmemscope"

struct daemon_config {
	double interval; /* seconds between interval records */
	double pagetype_period; /* seconds between /proc/pagetypeinfo snapshots */
	__u64 page_order_threshold; /* page allocations of this order and up are traced per site */
	__u64 top_sites; /* site records per interval, by bytes allocated; 0 = all */
	struct tracer_opts topts; /* allocators, vmalloc_mode, live/site map sizes, track_live */
	char export_dir[PATH_MAX]; /* "" = $STATE_DIRECTORY or KMS_DEFAULT_STATE_DIR */
	__u64 rotate_bytes; /* start a new segment at this compressed size */
	double rotate_age; /* ... or when the segment is this old (seconds) */
	__u64 retain_segments; /* keep at most this many segments (the open one included) */
	__u64 retain_bytes; /* ... and at most this many bytes of them */
	__u64 queue_limit; /* bytes of records held in memory while writes fail */
	char prom_textfile[PATH_MAX]; /* "" = none */
	__u64 prom_top_sites; /* call sites with their own series; the rest as "other" */
	bool pprof_segments; /* a pprof profile beside every complete segment */
};

/* The built-in defaults. */
void config_defaults(struct daemon_config *c);
/*
 * Parse a config file over the defaults. On error returns -EINVAL (or -errno
 * when the file cannot be read) and writes "FILE:LINE: what" into err.
 */
int config_load(const char *path, struct daemon_config *c, char *err, size_t errsz);
/* The same from a string (the file's contents); name is used in messages. */
int config_parse(const char *name, const char *text, struct daemon_config *c, char *err,
		 size_t errsz);
/* Apply the daemon's command-line settings over a loaded configuration and validate. */
int config_apply_given(struct daemon_config *c, const struct opt_given *g, size_t n, char *err,
		       size_t errsz);
/* Do the two differ in something that needs the BPF programs reloaded? */
bool config_tracer_changed(const struct daemon_config *a, const struct daemon_config *b);
/* Print the effective configuration as a config file. */
void config_print(FILE *f, const struct daemon_config *c);

#endif
