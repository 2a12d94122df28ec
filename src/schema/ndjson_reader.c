// SPDX-License-Identifier: GPL-2.0
/* Streaming NDJSON(.gz) reader with file:line problem reports. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "schema.h"
#include "ndjson_reader.h"
#include "util.h"

#define IBUF 65536
#define OBUF 65536
#define MAX_EXACT 9007199254740992.0 /* 2^53 */

struct ndjson_reader {
	char *path;
	unsigned flags;
	int fd; /* -1 for memory input */
	bool own_fd;
	const unsigned char *mem;
	size_t mem_len, mem_pos;

	unsigned char ibuf[IBUF];
	size_t ipos, ilen;
	unsigned long long in_off; /* compressed bytes consumed before ibuf[0] */
	bool in_eof;

	bool gz, probed, member_open;
	unsigned long long member_start; /* input offset of the open member */
	z_stream zs;
	bool zs_init;

	char obuf[OBUF];
	size_t opos, olen;
	bool broke; /* the partial line belongs to a broken gzip member */
	bool done, failed;

	char *line;
	size_t len, cap;
	bool overlong;

	cJSON *rec, *header;
	bool seen_record; /* a record (or header) was read from this input */
	bool skip_run; /* records after a header of a newer schema */
	struct nr_stats st;
};

static nr_diag_fn diag_fn;
static void *diag_ctx;

void nr_set_diag(nr_diag_fn fn, void *ctx)
{
	diag_fn = fn;
	diag_ctx = ctx;
}

static void default_diag(const char *raw, unsigned long line, bool fatal, const char *msg)
{
	char path[1024];

	sanitize(raw, path, sizeof(path)); /* a file name in a directory is anyone's */
	if (line)
		fprintf(stderr, "kmemscope report: %s: %s:%lu: %s\n", fatal ? "error" : "warning",
			path, line, msg);
	else
		fprintf(stderr, "kmemscope report: %s: %s: %s\n", fatal ? "error" : "warning", path,
			msg);
}

static void diag(struct ndjson_reader *r, unsigned long line, bool fatal, const char *msg)
{
	if (diag_fn)
		diag_fn(diag_ctx, r->path, line, fatal, msg);
	else
		default_diag(r->path, line, fatal, msg);
}

/* The line a problem is about: the one being assembled, or the last one read. */
static unsigned long cur_line(const struct ndjson_reader *r)
{
	return r->len || r->overlong ? r->st.lines + 1 : r->st.lines;
}

static int vproblem(struct ndjson_reader *r, unsigned long line, const char *fmt, va_list ap)
{
	bool fatal = r->flags & NR_STRICT;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	r->st.problems++;
	/* a corrupt file must not flood the terminal: count beyond the first few */
	if (fatal || r->st.problems <= NR_MAX_WARNINGS)
		diag(r, line, fatal, msg);
	if (!fatal)
		return 0;
	r->failed = true;
	return -1;
}

__attribute__((format(printf, 3, 4))) static int
problem_at(struct ndjson_reader *r, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(r, line, fmt, ap);
	va_end(ap);
	return rc;
}

int nr_problem(struct ndjson_reader *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(r, r->st.lines, fmt, ap);
	va_end(ap);
	return rc;
}

static struct ndjson_reader *alloc_reader(const char *name, unsigned flags)
{
	struct ndjson_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->path = strdup(name);
	if (!r->path) {
		free(r);
		return NULL;
	}
	r->flags = flags;
	r->fd = -1;
	return r;
}

struct ndjson_reader *nr_open_fd(int fd, const char *name, unsigned flags)
{
	struct ndjson_reader *r = alloc_reader(name, flags);

	if (!r) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	r->fd = fd;
	r->own_fd = true;
	return r;
}

struct ndjson_reader *nr_open(const char *path, unsigned flags)
{
	struct ndjson_reader *r;
	int fd;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? NULL : nr_open_fd(fd, path, flags);
	}
	r = alloc_reader("(stdin)", flags);
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->fd = 0;
	return r;
}

struct ndjson_reader *nr_open_mem(const void *buf, size_t len, const char *name, unsigned flags)
{
	struct ndjson_reader *r = alloc_reader(name, flags);

	if (!r)
		return NULL;
	r->mem = buf;
	r->mem_len = len;
	return r;
}

void nr_close(struct ndjson_reader *r)
{
	if (!r)
		return;
	if (r->st.problems > NR_MAX_WARNINGS && !(r->flags & NR_STRICT)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%lu more problems not shown (%lu in all)",
			 r->st.problems - NR_MAX_WARNINGS, r->st.problems);
		diag(r, 0, false, msg);
	}
	if (r->own_fd)
		close(r->fd);
	if (r->zs_init)
		inflateEnd(&r->zs);
	cJSON_Delete(r->rec);
	cJSON_Delete(r->header);
	free(r->line);
	free(r->path);
	free(r);
}

/* Move unread input to the front and read more. Returns bytes available. */
static size_t fill_in(struct ndjson_reader *r)
{
	size_t avail;

	if (r->ipos) {
		memmove(r->ibuf, r->ibuf + r->ipos, r->ilen - r->ipos);
		r->in_off += r->ipos;
		r->ilen -= r->ipos;
		r->ipos = 0;
	}
	while (!r->in_eof && r->ilen < IBUF) {
		size_t want = IBUF - r->ilen;
		ssize_t n;

		if (r->fd < 0) {
			n = r->mem_len - r->mem_pos < want ? r->mem_len - r->mem_pos : want;
			memcpy(r->ibuf + r->ilen, r->mem + r->mem_pos, n);
			r->mem_pos += n;
		} else {
			n = read(r->fd, r->ibuf + r->ilen, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				problem_at(r, cur_line(r), "read error: %s", strerror(errno));
				n = 0;
			}
		}
		if (n == 0)
			r->in_eof = true;
		r->ilen += n;
		/* a pipe gives what it has: decompress that instead of waiting */
		if (n > 0 && r->fd >= 0)
			break;
	}
	avail = r->ilen - r->ipos;
	return avail;
}

static bool gz_magic_at(const struct ndjson_reader *r, size_t i)
{
	return r->ibuf[i] == 0x1f && r->ibuf[i + 1] == 0x8b && r->ibuf[i + 2] == 8;
}

/* Skip to the next gzip member header. False when the input ends first. */
static bool resync(struct ndjson_reader *r)
{
	for (;;) {
		for (size_t i = r->ipos; i + 3 <= r->ilen; i++) {
			if (gz_magic_at(r, i)) {
				r->ipos = i;
				return true;
			}
		}
		/* keep the last two bytes: the magic may straddle the refill */
		if (r->ilen - r->ipos > 2)
			r->ipos = r->ilen - 2;
		if (r->in_eof) {
			r->ipos = r->ilen;
			return false;
		}
		fill_in(r);
	}
}

static unsigned long long in_pos(const struct ndjson_reader *r)
{
	return r->in_off + r->ipos;
}

/* After a broken member: drop the partial line, restart at the next member. */
static int gz_broken(struct ndjson_reader *r, const char *what)
{
	unsigned long long at = in_pos(r);
	bool was_open = r->member_open;

	r->broke = true;
	inflateReset(&r->zs);
	r->member_open = false;
	if (problem_at(r, cur_line(r),
		       "%s at compressed byte %llu: skipping to the next gzip member", what, at))
		return -1;
	/*
	 * Corrupt deflate data can decode for a while before zlib notices,
	 * past the start of the next member: look again from just after the
	 * start of the broken one when that is still buffered. Either way the
	 * search starts later than the last one, so this always progresses.
	 */
	if (was_open && r->member_start + 1 >= r->in_off && r->member_start + 1 <= in_pos(r))
		r->ipos = r->member_start + 1 - r->in_off;
	else
		r->ipos += r->ipos < r->ilen;
	return resync(r) ? 0 : 1;
}

/* Decompress some output into obuf. 1 data, 0 end of input, -1 fatal. */
static int gz_read(struct ndjson_reader *r)
{
	for (;;) {
		size_t before;
		int rc;

		if (r->ipos == r->ilen && !fill_in(r)) {
			if (r->member_open) {
				r->broke = true;
				r->member_open = false;
				if (problem_at(
					    r, cur_line(r),
					    "gzip data cut off after %llu compressed bytes (crash or copy in progress?): dropping the incomplete last line",
					    in_pos(r)))
					return -1;
			}
			return 0;
		}
		if (!r->member_open) {
			if (r->ilen - r->ipos < 3 && !r->in_eof)
				fill_in(r);
			/* members are back to back; anything else is corruption */
			if (r->ilen - r->ipos >= 3 && !gz_magic_at(r, r->ipos)) {
				rc = gz_broken(r, "data that is not a gzip member");
				if (rc)
					return rc < 0 ? -1 : 0;
			}
			r->member_open = true;
			r->member_start = in_pos(r);
		}
		r->zs.next_in = r->ibuf + r->ipos;
		r->zs.avail_in = r->ilen - r->ipos;
		r->zs.next_out = (unsigned char *)r->obuf;
		r->zs.avail_out = OBUF;
		before = r->ipos;
		rc = inflate(&r->zs, Z_NO_FLUSH);
		r->ipos = r->ilen - r->zs.avail_in;
		r->olen = OBUF - r->zs.avail_out;
		r->opos = 0;
		if (rc == Z_STREAM_END) {
			inflateReset(&r->zs);
			r->member_open = false;
		} else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR ||
			   (r->ipos == before && !r->olen)) {
			/* the last case: no progress possible, never spin on it */
			r->olen = 0;
			rc = gz_broken(r, "corrupt gzip data");
			if (rc)
				return rc < 0 ? -1 : 0;
			continue;
		} else if (rc == Z_MEM_ERROR) {
			problem_at(r, cur_line(r), "out of memory decompressing");
			r->failed = true;
			return -1;
		}
		if (r->olen)
			return 1;
	}
}

/* Refill obuf with the next input bytes. 1 data, 0 end, -1 fatal. */
static int read_more(struct ndjson_reader *r)
{
	if (!r->probed) {
		r->probed = true;
		fill_in(r);
		/* by content, not name: "x.ndjson" may be gzip and vice versa */
		r->gz = r->ilen >= 2 && r->ibuf[0] == 0x1f && r->ibuf[1] == 0x8b;
		if (r->gz) {
			if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
				problem_at(r, 0, "cannot initialise zlib");
				r->failed = true;
				return -1;
			}
			r->zs_init = true;
		}
	}
	if (r->gz)
		return gz_read(r);
	if (r->ipos == r->ilen && !fill_in(r))
		return 0;
	r->olen = r->ilen - r->ipos < OBUF ? r->ilen - r->ipos : OBUF;
	memcpy(r->obuf, r->ibuf + r->ipos, r->olen);
	r->ipos += r->olen;
	r->opos = 0;
	return 1;
}

static int append(struct ndjson_reader *r, const char *p, size_t n)
{
	if (r->overlong)
		return 0;
	if (r->len + n > NR_MAX_LINE) {
		/* keep counting the line but not its bytes */
		r->overlong = true;
		r->len = 0;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *l;

		while (cap < r->len + n + 1)
			cap *= 2;
		l = realloc(r->line, cap);
		if (!l)
			return -1;
		r->line = l;
		r->cap = cap;
	}
	memcpy(r->line + r->len, p, n);
	r->len += n;
	return 0;
}

/* Deepest bracket nesting outside strings; cJSON recurses per level. */
static int json_depth(const char *s, size_t n)
{
	int depth = 0, max = 0;
	bool str = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return max;
}

/* A line that is not handed out: counted, and reported as a problem. */
__attribute__((format(printf, 2, 3))) static int skip_line(struct ndjson_reader *r, const char *fmt,
							   ...)
{
	va_list ap;
	int rc;

	r->st.skipped++;
	va_start(ap, fmt);
	rc = vproblem(r, r->st.lines, fmt, ap);
	va_end(ap);
	return rc;
}

static int check_header(struct ndjson_reader *r, cJSON *rec)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, FLD_SCHEMA);
	unsigned long long schema;

	r->skip_run = false;
	if (!nr_item_u64(s, &schema) || schema < 1) {
		r->skip_run = true;
		return skip_line(
			r,
			"header has no valid \"schema\" number: skipping records up to the next header");
	}
	if (schema > NR_SCHEMA) {
		r->skip_run = true;
		return skip_line(
			r,
			"export schema %llu is newer than this kmemscope reads (%d): skipping records up to the next header; use a newer kmemscope",
			schema, NR_SCHEMA);
	}
	cJSON_Delete(r->header);
	r->header = cJSON_Duplicate(rec, true);
	return 0;
}

/* Parse the assembled line. 1 record, 0 skipped, -1 fatal. */
/*
 * The longest string each field can hold as kmemscope writes it: longer ones
 * are cut (one hostile line must not cost memory in every copy the report
 * keeps of it).
 */
static size_t str_cap(const char *key)
{
	static const struct {
		const char *key;
		size_t cap;
	} caps[] = {
		{ FLD_CALLER, NR_SYM_MAX }, { FLD_SITE, NR_SYM_MAX },
		{ FLD_STACK, NR_SYM_MAX },  { FLD_CACHE, KMS_CACHE_NAME_LEN },
		{ FLD_COMM, NR_COMM_MAX },
	};

	for (size_t i = 0; key && i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (!strcmp(key, caps[i].key))
			return caps[i].cap;
	}
	return NR_STR_MAX;
}

/* a malloc'd string cJSON owns (its default allocator) replaced by its tidy copy */
static bool tidy_str(char **s, size_t cap)
{
	char *t;

	if (!needs_sanitize(*s, cap))
		return true;
	t = sanitize_dup(*s, strlen(*s), cap);
	if (!t)
		return false;
	free(*s);
	*s = t;
	return true;
}

/*
 * Every string and key of a record, capped and with control characters and
 * bytes that are not UTF-8 as visible escapes: what the report prints on a
 * terminal or writes as JSON is then safe, whichever output reads it.
 * Array elements take the cap of the key that holds the array.
 */
static bool tidy(cJSON *it, const char *key)
{
	for (; it; it = it->next) {
		const char *k;

		if (it->string && !(it->type & cJSON_StringIsConst) &&
		    !tidy_str(&it->string, NR_STR_MAX))
			return false;
		/* after the key's tidying: it may have freed the key it had */
		k = it->string ? it->string : key;
		if (cJSON_IsString(it) && !(it->type & cJSON_IsReference) &&
		    !tidy_str(&it->valuestring, str_cap(k)))
			return false;
		if (it->child && !tidy(it->child, k))
			return false;
	}
	return true;
}

bool nr_tidy(cJSON *rec)
{
	return !rec || tidy(rec->child, NULL);
}

static int parse_line(struct ndjson_reader *r, bool last_unterminated)
{
	const cJSON *type;
	const char *end = NULL;
	size_t n = r->len;
	cJSON *rec;
	int depth;

	r->st.lines++;
	if (r->overlong)
		return skip_line(r, "line longer than %u bytes: skipped", NR_MAX_LINE);
	while (n && (r->line[n - 1] == '\r' || r->line[n - 1] == ' ' || r->line[n - 1] == '\t'))
		n--;
	if (!n)
		return 0; /* blank lines are harmless */
	if (memchr(r->line, '\0', n))
		return skip_line(r, "binary data (NUL byte) in the line: skipped");
	depth = json_depth(r->line, n);
	if (depth > NR_MAX_DEPTH)
		return skip_line(r, "JSON nested %d levels deep (limit %d): skipped", depth,
				 NR_MAX_DEPTH);
	r->line[n] = '\0';
	rec = cJSON_ParseWithLengthOpts(r->line, n, &end, false);
	if (!rec) {
		if (last_unterminated)
			return skip_line(r, "last line is cut off (truncated file): skipped");
		return skip_line(r, "malformed JSON at column %zu: skipped",
				 end && end >= r->line ? (size_t)(end - r->line) + 1 : 1);
	}
	cJSON_Delete(r->rec);
	r->rec = rec;
	if (!nr_tidy(rec))
		return skip_line(r, "out of memory: skipped");
	if (!cJSON_IsObject(rec))
		return skip_line(r, "not a JSON object: skipped");
	type = cJSON_GetObjectItemCaseSensitive(rec, FLD_TYPE);
	if (!cJSON_IsString(type))
		return skip_line(r, "record has no \"type\" string: skipped");
	if (!strcmp(type->valuestring, REC_HEADER)) {
		r->seen_record = true;
		return check_header(r, rec) ?: !r->skip_run;
	}
	if (!r->seen_record) {
		r->seen_record = true;
		if (problem_at(
			    r, r->st.lines,
			    "no header before the first record (type \"%s\"): reading the records as schema %d",
			    type->valuestring, NR_SCHEMA))
			return -1;
	}
	if (r->skip_run) {
		r->st.skipped++;
		return 0;
	}
	return 1;
}

static int take_line(struct ndjson_reader *r, bool unterminated)
{
	int rc = parse_line(r, unterminated);

	r->len = 0;
	r->overlong = false;
	return rc;
}

int nr_next(struct ndjson_reader *r, cJSON **rec)
{
	for (;;) {
		char *nl;
		int rc;

		if (r->failed)
			return -1;
		if (r->done)
			return 0;
		if (r->opos == r->olen) {
			rc = read_more(r);
			if (r->broke) {
				/* the rest of that line is lost with the broken member */
				r->broke = false;
				r->len = 0;
				r->overlong = false;
			}
			if (rc < 0)
				return -1;
			if (rc == 0) {
				r->done = true;
				if (!r->len && !r->overlong)
					return 0;
				rc = take_line(r, true);
				if (rc <= 0)
					return rc;
				goto got;
			}
		}
		nl = memchr(r->obuf + r->opos, '\n', r->olen - r->opos);
		if (!nl) {
			if (append(r, r->obuf + r->opos, r->olen - r->opos))
				goto oom;
			r->opos = r->olen;
			continue;
		}
		if (append(r, r->obuf + r->opos, nl - (r->obuf + r->opos)))
			goto oom;
		r->opos = nl - r->obuf + 1;
		rc = take_line(r, false);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
got:
		r->st.records++;
		*rec = r->rec;
		return 1;
	}
oom:
	problem_at(r, cur_line(r), "out of memory");
	r->failed = true;
	return -1;
}

const char *nr_path(const struct ndjson_reader *r)
{
	return r->path;
}

unsigned long nr_line(const struct ndjson_reader *r)
{
	return r->st.lines;
}

const struct nr_stats *nr_stats(const struct ndjson_reader *r)
{
	return &r->st;
}

const cJSON *nr_header(const struct ndjson_reader *r)
{
	return r->header;
}

bool nr_item_u64(const cJSON *it, unsigned long long *out)
{
	double v;

	if (!cJSON_IsNumber(it))
		return false;
	v = it->valuedouble;
	/* also rejects inf (1e999 parses to HUGE_VAL) before any conversion */
	if (!(v >= 0 && v <= MAX_EXACT) || v != floor(v))
		return false;
	*out = (unsigned long long)v;
	return true;
}

bool nr_get_u64(const cJSON *o, const char *name, unsigned long long *out)
{
	return nr_item_u64(cJSON_GetObjectItemCaseSensitive(o, name), out);
}

bool nr_get_s64(const cJSON *o, const char *name, long long *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	double v;

	if (!cJSON_IsNumber(it))
		return false;
	v = it->valuedouble;
	if (!(v >= -MAX_EXACT && v <= MAX_EXACT) || v != floor(v))
		return false;
	*out = (long long)v;
	return true;
}

bool nr_get_time(const cJSON *o, const char *name, unsigned long long *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	double v;

	if (!cJSON_IsNumber(it))
		return false;
	v = it->valuedouble;
	/* below 2^64 so the conversion is defined */
	if (!(v >= 0 && v < 18446744073709549568.0))
		return false;
	*out = (unsigned long long)v;
	return true;
}

bool nr_get_num(const cJSON *o, const char *name, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return false;
	*out = it->valuedouble;
	return true;
}

const char *nr_get_str(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(it) && it->valuestring ? it->valuestring : NULL;
}
