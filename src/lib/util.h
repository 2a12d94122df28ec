/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMEMSCOPE_UTIL_H
#define KMEMSCOPE_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 0 quiet, 1 --verbose, 2 -vv (adds libbpf's debug output) */
extern int log_level;
/* prefix each line with its syslog priority, "<3>", for journald (the daemon) */
extern bool log_prio_prefix;

__attribute__((format(printf, 1, 2))) void log_err(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_debug(const char *fmt, ...);

/* CLOCK_MONOTONIC / CLOCK_REALTIME in ns (the BPF side uses the monotonic clock) */
__u64 now_mono_ns(void);
/* Sleep until the monotonic deadline (ns) or one of the signals. True on a signal. */
bool wait_until(__u64 deadline, const sigset_t *set);
__u64 now_real_ns(void);

/*
 * Make sure tracefs is mounted; mounts it at /sys/kernel/tracing when it is
 * not. Returns the tracefs directory, or NULL after logging what is missing.
 */
const char *tracefs_dir(void);
/* Does tracefs have events/<category>/<name>? */
bool tracepoint_exists(const char *category, const char *name);

/* "1.5K", "12M", ... (binary units, like slabtop); buf needs 16 bytes */
const char *fmt_bytes(__u64 v, char *buf, size_t sz);
/* "12k", "3.4M" for counts */
const char *fmt_count(__u64 v, char *buf, size_t sz);

/* Parse a non-negative decimal; false on junk, overflow, or outside [min, max]. */
bool parse_u64(const char *s, __u64 min, __u64 max, __u64 *out);
/* Parse seconds, fractions allowed ("0.5"); false on junk or outside [min, max]. */
bool parse_seconds(const char *s, double min, double max, double *out);

/* write() all of it, retrying short writes and EINTR. 0 or -errno. */
int write_all(int fd, const void *p, size_t n);
/* Read a whole small file into a NUL-terminated malloc'd buffer. NULL + errno. */
char *read_file(const char *path, size_t *len);

/*
 * Strings from the kernel, a task or an input file, made safe for a
 * terminal or a log line: C0 controls (newline and tab included), DEL, C1
 * controls and bytes that are not UTF-8 become visible "\x1b" escapes;
 * valid UTF-8 text stays as it is.
 */
/* Into buf (sz >= 5), cut short rather than mid-escape. Returns buf. */
const char *sanitize(const char *s, char *buf, size_t sz);
/* The same for the first n bytes of s (cap: at most cap of them, "..." marks the cut) into a malloc'd string. NULL: out of memory. */
char *sanitize_dup(const char *s, size_t n, size_t cap);
/* Does s need sanitize() (or is it longer than cap bytes)? */
bool needs_sanitize(const char *s, size_t cap);
/* s as valid UTF-8 for a JSON text: bytes that are not UTF-8 become U+FFFD. s itself, or a malloc'd copy (s freed); NULL: out of memory. */
char *utf8_repair(char *s);

#endif
