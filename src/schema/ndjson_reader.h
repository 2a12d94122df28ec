/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streaming reader for kmemscope exports (docs/export-format.md): plain
 * NDJSON or gzip (several concatenated members, a member cut off by a crash,
 * a corrupt member skipped up to the next one), from a file, stdin or memory.
 * Every problem is reported as "FILE:LINE: what"; by default the bad part is
 * skipped with a warning, with NR_STRICT the first problem ends the read.
 * Memory is bounded (NR_MAX_LINE per line) and every loop consumes input, so
 * no input can make it hang or crash.
 */
#ifndef KMEMSCOPE_NDJSON_READER_H
#define KMEMSCOPE_NDJSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "schema.h"

#define NR_SCHEMA KMS_SCHEMA_VERSION /* the newest export schema this reader understands */
#define NR_MAX_LINE (16u << 20)
#define NR_MAX_DEPTH 32 /* JSON nesting; exports use 3 levels */
/*
 * Strings are cut at what kmemscope can write (docs/report.md, "Limits"):
 * symbols at KSYM_NAME_LEN (512) plus "+0x<offset>/0x<size>", cache names
 * and comm at the sizes the BPF side records, anything else at PATH_MAX
 * (cgroup paths). Control characters and bytes that are not UTF-8 become
 * "\x1b" escapes.
 */
#define NR_SYM_MAX (512 + 40)
#define NR_STR_MAX 4096
#define NR_COMM_MAX 16 /* TASK_COMM_LEN */
#define NR_MAX_WARNINGS 20 /* printed per file; the rest are only counted */

enum { NR_STRICT = 1 };

struct nr_stats {
	unsigned long lines; /* lines seen (decompressed) */
	unsigned long records; /* records handed out */
	unsigned long problems; /* bad lines, gzip errors, schema problems */
	unsigned long skipped; /* records not handed out (bad or newer schema) */
};

struct ndjson_reader;

/* Where problems go: the default prints "kmemscope report: warning: FILE:LINE: msg". */
typedef void (*nr_diag_fn)(void *ctx, const char *path, unsigned long line, bool fatal,
			   const char *msg);
void nr_set_diag(nr_diag_fn fn, void *ctx);

/*
 * Cap and sanitize every string and key of rec in place (what the reader
 * does to each record; status and top do it to the daemon's replies before
 * they print them). False: out of memory.
 */
bool nr_tidy(cJSON *rec);

/* path "-" is stdin. NULL with errno set when it cannot be opened. */
struct ndjson_reader *nr_open(const char *path, unsigned flags);
/* Read an open descriptor (the reader closes it); name is used in messages. */
struct ndjson_reader *nr_open_fd(int fd, const char *name, unsigned flags);
/* Read from memory (tests, fuzzing); name is used in messages. */
struct ndjson_reader *nr_open_mem(const void *buf, size_t len, const char *name, unsigned flags);
void nr_close(struct ndjson_reader *r);

/*
 * Next record: 1 and *rec (an object with a string "type"; owned by the
 * reader until the next call), 0 at the end, -1 after a fatal problem (already
 * reported). Header records are returned too, after their schema check.
 */
int nr_next(struct ndjson_reader *r, cJSON **rec);

/*
 * Report a problem with the record just returned (a field of the wrong type,
 * say): a warning, or fatal with NR_STRICT. Returns 0 to go on, -1 to stop.
 */
__attribute__((format(printf, 2, 3))) int nr_problem(struct ndjson_reader *r, const char *fmt, ...);

const char *nr_path(const struct ndjson_reader *r);
unsigned long nr_line(const struct ndjson_reader *r);
const struct nr_stats *nr_stats(const struct ndjson_reader *r);
/* The header of the records being read (NULL before one); valid until the next nr_next(). */
const cJSON *nr_header(const struct ndjson_reader *r);

/*
 * Field access with validation: a JSON integer in [0, 2^53] (exact in a
 * double), a finite number, a string. They return false when the field is
 * absent or of the wrong kind; *_req variants report that as a problem.
 */
bool nr_get_u64(const cJSON *o, const char *name, unsigned long long *out);
bool nr_get_s64(const cJSON *o, const char *name, long long *out);
bool nr_get_num(const cJSON *o, const char *name, double *out);
/* A time in ns since the epoch: beyond 2^53, so written as an inexact double. */
bool nr_get_time(const cJSON *o, const char *name, unsigned long long *out);
const char *nr_get_str(const cJSON *o, const char *name);
/* Integer value of a number item (not by name); false when not an exact integer in range. */
bool nr_item_u64(const cJSON *it, unsigned long long *out);

#endif
