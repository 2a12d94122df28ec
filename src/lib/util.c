// SPDX-License-Identifier: GPL-2.0
/* Logging, clocks, tracefs, number parsing and formatting. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

int log_level;
bool log_prio_prefix;

static void vlog(int prio, const char *prefix, const char *fmt, va_list ap)
{
	/* "<3>" etc.: journald reads it as the syslog priority of the line */
	if (log_prio_prefix)
		fprintf(stderr, "<%d>", prio);
	fprintf(stderr, "kmemscope: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(fn, prio, prefix, min_level) \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		if (log_level < (min_level))    \
			return;                 \
		va_start(ap, fmt);              \
		vlog(prio, prefix, fmt, ap);    \
		va_end(ap);                     \
	}

DEFINE_LOG(log_err, 3, "error: ", 0)
DEFINE_LOG(log_warn, 4, "warning: ", 0)
DEFINE_LOG(log_info, 6, "", 1)
DEFINE_LOG(log_debug, 7, "debug: ", 2)

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

bool wait_until(__u64 deadline, const sigset_t *set)
{
	__u64 now = now_mono_ns();
	struct timespec ts;

	if (deadline <= now)
		return false;
	ts.tv_sec = (deadline - now) / 1000000000ULL;
	ts.tv_nsec = (deadline - now) % 1000000000ULL;
	for (;;) {
		int sig = sigtimedwait(set, NULL, &ts);

		if (sig > 0)
			return true;
		if (errno != EINTR)
			return false;
	}
}

__u64 now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static bool has_events(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events", dir);
	return access(path, F_OK) == 0;
}

const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	static const char *found;

	if (found)
		return found;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (has_events(dirs[i]))
			return found = dirs[i];
	}
	if (mount("nodev", dirs[0], "tracefs", 0, NULL) && errno != EBUSY) {
		log_err("tracefs is not mounted and mounting it failed (%s): run 'mount -t tracefs nodev %s' as root",
			strerror(errno), dirs[0]);
		return NULL;
	}
	if (!has_events(dirs[0])) {
		log_err("tracefs at %s has no events/ directory: the kernel needs CONFIG_TRACEPOINTS and CONFIG_EVENT_TRACING",
			dirs[0]);
		return NULL;
	}
	log_info("mounted tracefs at %s", dirs[0]);
	return found = dirs[0];
}

bool tracepoint_exists(const char *category, const char *name)
{
	const char *dir = tracefs_dir();
	char path[512];

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s", dir, category, name);
	return access(path, F_OK) == 0;
}

static const char *fmt_scaled(__u64 v, double base, const char *const *units, char *buf, size_t sz)
{
	double d = v;
	int u = 0;

	while (d >= base && units[u + 1]) {
		d /= base;
		u++;
	}
	if (u == 0)
		snprintf(buf, sz, "%llu", (unsigned long long)v);
	else if (d < 10)
		snprintf(buf, sz, "%.1f%s", d, units[u]);
	else
		snprintf(buf, sz, "%.0f%s", d, units[u]);
	return buf;
}

const char *fmt_bytes(__u64 v, char *buf, size_t sz)
{
	static const char *const units[] = { "", "K", "M", "G", "T", "P", NULL };

	return fmt_scaled(v, 1024, units, buf, sz);
}

const char *fmt_count(__u64 v, char *buf, size_t sz)
{
	static const char *const units[] = { "", "k", "M", "G", "T", NULL };

	if (v < 100000) {
		snprintf(buf, sz, "%llu", (unsigned long long)v);
		return buf;
	}
	return fmt_scaled(v, 1000, units, buf, sz);
}

bool parse_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

char *read_file(const char *path, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf, *tmp;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		goto fail;
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			tmp = realloc(buf, cap);
			if (!tmp)
				goto fail;
			buf = tmp;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
fail:
	r = errno;
	free(buf);
	close(fd);
	errno = r;
	return NULL;
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		n -= w;
	}
	return 0;
}

/* Length of the UTF-8 sequence at p (at most n bytes), 0 when not UTF-8. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 :
		     p[0] < 0xc2 ? 0 :
		     p[0] < 0xe0 ? 2 :
		     p[0] < 0xf0 ? 3 :
		     p[0] < 0xf5 ? 4 :
				   0;

	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

/* printable as it is: not C0, DEL nor C1 (U+0080..U+009F is C2 80..C2 9F) */
static size_t safe_len(const unsigned char *p, size_t n)
{
	size_t len = utf8_len(p, n);

	if (len == 1 && (p[0] < 0x20 || p[0] == 0x7f))
		return 0;
	if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return len;
}

/* Escape n bytes of s into out (room for 4 * n + 1); returns the length written. */
static size_t escape(const char *s, size_t n, char *out, size_t room)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < n) {
		size_t len = safe_len(p + i, n - i);

		if (len) {
			if (o + len >= room)
				break;
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
			continue;
		}
		if (o + 4 >= room)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
		i++;
	}
	out[o] = '\0';
	return o;
}

const char *sanitize(const char *s, char *buf, size_t sz)
{
	escape(s, strlen(s), buf, sz);
	return buf;
}

char *sanitize_dup(const char *s, size_t n, size_t cap)
{
	bool cut = cap && n > cap;
	size_t room;
	char *out;

	if (cut)
		n = cap;
	room = 4 * n + 4;
	out = malloc(room);
	if (!out)
		return NULL;
	n = escape(s, n, out, room);
	if (cut)
		strcpy(out + n, "...");
	return out;
}

bool needs_sanitize(const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (cap && n > cap)
		return true;
	for (size_t i = 0, len; i < n; i += len) {
		/* the common case, printable ASCII, without a call */
		len = p[i] >= 0x20 && p[i] < 0x7f ? 1 : safe_len(p + i, n - i);
		if (!len)
			return true;
	}
	return false;
}

char *utf8_repair(char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), bad = 0, o = 0;
	char *out;

	for (size_t i = 0, len; i < n; i += len ? len : 1) {
		len = utf8_len(p + i, n - i);
		bad += !len;
	}
	if (!bad)
		return s;
	out = malloc(n + 2 * bad + 1);
	if (out) {
		for (size_t i = 0, len; i < n; i += len ? len : 1) {
			len = utf8_len(p + i, n - i);
			if (len) {
				memcpy(out + o, p + i, len);
				o += len;
			} else {
				memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
				o += 3;
			}
		}
		out[o] = '\0';
	}
	free(s);
	return out;
}
