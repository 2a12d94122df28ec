// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "export.h"
#include "safefile.h"
#include "util.h"
#include "ksyms.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int export_open(struct export *x, const char *path)
{
	memset(x, 0, sizeof(*x));
	return export_attach(x, path);
}

int export_attach(struct export *x, const char *path)
{
	struct safefile sf;
	int err;

	x->gz = false;
	x->good_size = 0;
	free(x->path);
	x->path = NULL;
	/* '-': standard output, plain NDJSON, its mode the caller's business */
	if (!strcmp(path, "-")) {
		x->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
		x->path = strdup(path);
		return x->fd < 0 ? -errno : x->path ? 0 : -ENOMEM;
	}
	/*
	 * kernel addresses and symbol offsets inside: root only, in a file of
	 * our own that replaces the target at once (a SIGKILL later still
	 * leaves whole intervals at the path)
	 */
	err = safefile_open(&sf, path, 0600);
	if (err)
		return err;
	err = safefile_publish(&sf);
	if (err) {
		safefile_abort(&sf);
		return err;
	}
	x->fd = sf.fd;
	free(sf.path);
	x->gz = ends_with(path, ".gz");
	x->path = strdup(path);
	return x->path ? 0 : -ENOMEM;
}

static int reserve(struct export *x, size_t more)
{
	size_t cap = x->cap ? x->cap : 65536;
	char *p;

	while (x->len + more > cap)
		cap *= 2;
	if (cap == x->cap)
		return 0;
	p = realloc(x->buf, cap);
	if (!p)
		return -ENOMEM;
	x->buf = p;
	x->cap = cap;
	return 0;
}

/* Compress buf into one complete gzip member. */
static int gzip_member(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
	z_stream zs = {};
	int rc;

	*out = NULL;
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY))
		return -ENOMEM;
	*out_len = deflateBound(&zs, len);
	*out = malloc(*out_len);
	if (!*out) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	zs.next_out = *out;
	zs.avail_out = *out_len;
	rc = deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}

/* n bytes at offset at (0: in front, x->len: at the end) */
static int insert_bytes(struct export *x, const void *data, size_t n, size_t at)
{
	int err = reserve(x, n);

	if (err)
		return err;
	memmove(x->buf + at + n, x->buf + at, x->len - at);
	memcpy(x->buf + at, data, n);
	x->len += n;
	return 0;
}

/*
 * One line at offset at. In front of members already compressed (a new
 * file's header), the line is a member of its own.
 */
static int insert(struct export *x, cJSON *rec, size_t at)
{
	char *line = cJSON_PrintUnformatted(rec);
	unsigned char *z = NULL;
	size_t n;
	int err;

	cJSON_Delete(rec);
	/* a task's comm is any bytes: JSON readers need UTF-8 */
	line = line ? utf8_repair(line) : NULL;
	if (!line)
		return -ENOMEM;
	n = strlen(line);
	line[n++] = '\n'; /* over the NUL: the line is not used as a string any more */
	if (at < x->packed) {
		err = gzip_member(line, n, &z, &n);
		if (!err) {
			x->compressions++;
			err = insert_bytes(x, z, n, at);
		}
		if (!err)
			x->packed += n;
		free(z);
	} else {
		err = insert_bytes(x, line, n, at);
	}
	free(line);
	return err;
}

int export_add(struct export *x, cJSON *rec)
{
	return insert(x, rec, x->len);
}

int export_prepend(struct export *x, cJSON *rec)
{
	return insert(x, rec, 0);
}

void export_abandon(struct export *x, bool drop_queue)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->path);
	x->path = NULL;
	if (drop_queue) {
		free(x->buf);
		x->buf = NULL;
		x->len = x->cap = x->packed = 0;
	}
}

int export_pack(struct export *x)
{
	size_t text = x->len - x->packed, n;
	unsigned char *z;
	int err;

	if (!x->gz || !text)
		return 0;
	err = gzip_member(x->buf + x->packed, text, &z, &n);
	if (!err && n > text)
		err = reserve(x, n - text);
	if (!err) {
		/* the member replaces its lines */
		memcpy(x->buf + x->packed, z, n);
		x->len = x->packed += n;
		x->compressions++;
	}
	free(z);
	return err;
}

int export_flush(struct export *x)
{
	int err;

	if (!x->len)
		return 0;
	/* compressed once: a retry writes the same members */
	err = export_pack(x);
	if (err)
		return err;
	err = write_all(x->fd, x->buf, x->len);
	if (err) {
		/* roll back the partial write: the file ends on a whole interval */
		if (ftruncate(x->fd, x->good_size) == 0)
			lseek(x->fd, x->good_size, SEEK_SET);
		return err;
	}
	x->good_size += x->len;
	x->len = x->packed = 0;
	return 0;
}

int export_close(struct export *x)
{
	int err = 0;

	if (x->fd < 0)
		return 0;
	err = export_flush(x);
	if (!err && fsync(x->fd) && errno != EINVAL)
		err = -errno;
	if (close(x->fd) && !err)
		err = -errno;
	x->fd = -1;
	free(x->buf);
	free(x->path);
	x->buf = x->path = NULL;
	x->len = x->cap = x->packed = 0;
	return err;
}

void json_add_u64(cJSON *o, const char *name, __u64 v)
{
	char buf[24];

	/* a double holds integers exactly only below 2^53: timestamps in ns are above */
	if (v < (1ULL << 53)) {
		cJSON_AddNumberToObject(o, name, (double)v);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	cJSON_AddRawToObject(o, name, buf);
}

void json_add_s64(cJSON *o, const char *name, __s64 v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

cJSON *json_log2_hist(const __u64 *h, int nr)
{
	cJSON *o = cJSON_CreateObject();
	char key[32];

	for (int i = 0; o && i < nr; i++) {
		if (!h[i])
			continue;
		snprintf(key, sizeof(key), "%llu", i ? 1ULL << i : 0ULL);
		json_add_u64(o, key, h[i]);
	}
	return o;
}

cJSON *json_stack(const struct ksyms *ks, const __u64 *ips, int n)
{
	cJSON *a = cJSON_CreateArray();
	char buf[256];

	for (int i = 0; a && i < n; i++) {
		ksyms__format(ks, ips[i], true, buf, sizeof(buf));
		cJSON_AddItemToArray(a, cJSON_CreateString(buf));
	}
	return a;
}
