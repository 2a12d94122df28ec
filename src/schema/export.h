/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NDJSON export (docs/export-format.md). Records are collected per interval
 * and written with one write(): plain, or as one complete gzip member when the
 * file name ends in ".gz" (concatenated members are one valid gzip stream),
 * so a reader always finds whole intervals. A failed write is rolled back
 * with ftruncate() so no half record is left behind.
 */
#ifndef KMEMSCOPE_EXPORT_H
#define KMEMSCOPE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include <cjson/cJSON.h>
#include "schema.h" /* KMS_SCHEMA_VERSION, the record builders */

struct export
{
	int fd;
	bool gz;
	char *path;
	char *buf;
	size_t len, cap;
	off_t good_size;
	/*
	 * gz: buf[0, packed) holds whole gzip members (compressed once, when
	 * packed), buf[packed, len) the lines not compressed yet
	 */
	size_t packed;
	__u64 compressions; /* gzip members made: once per member, not per retry */
};

/* Create path with mode 0600 (safefile.h: a new file renamed over a regular one). -errno. */
int export_open(struct export *x, const char *path);
/* The same for an export whose queue is kept (records queued before a file was due). */
int export_attach(struct export *x, const char *path);
/* Queue one record (takes ownership of rec). -ENOMEM. */
int export_add(struct export *x, cJSON *rec);
/* Queue one record in front of everything queued (a new file's header). -ENOMEM. */
int export_prepend(struct export *x, cJSON *rec);
/* Close without writing (a failed file, the end); the queue stays unless drop_queue. */
void export_abandon(struct export *x, bool drop_queue);
/* gz: compress the lines queued since the last pack into one member (an interval). -errno. */
int export_pack(struct export *x);
/* Write what was queued. On error the file is cut back to its last good size. -errno. */
int export_flush(struct export *x);
/* Flush and close. -errno of the flush or close. */
int export_close(struct export *x);

/* JSON helpers: integers beyond 2^53 would lose precision as doubles, so
 * addresses are written as hex strings and counters checked by the caller. */
void json_add_u64(cJSON *o, const char *name, __u64 v);
void json_add_s64(cJSON *o, const char *name, __s64 v);
struct ksyms;
/* ["func+0x1a", ...]: a stack, innermost frame first */
cJSON *json_stack(const struct ksyms *ks, const __u64 *ips, int n);
/* {"<lower bound>": count} for the non-empty log2 buckets */
cJSON *json_log2_hist(const __u64 *h, int nr);

#endif
