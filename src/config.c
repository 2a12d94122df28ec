// SPDX-License-Identifier: GPL-2.0
/* The daemon's `key = value` configuration file: parsing and validation. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "env.h"
#include "util.h"

/* the session counts periods in intervals */
static void derive_topts(struct daemon_config *c)
{
	c->topts.page_order = c->page_order_threshold;
	c->topts.pagetype_period = (__u32)(c->pagetype_period / c->interval + 0.5) ?: 1;
}

void config_defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval = 10;
	c->pagetype_period = 60;
	c->page_order_threshold = 1; /* like record's --page-order */
	c->top_sites = 100;
	c->topts = tracer_defaults;
	c->rotate_bytes = 16ULL << 20;
	c->rotate_age = 3600;
	c->retain_segments = 168; /* a week of hourly segments */
	c->retain_bytes = 1ULL << 30;
	c->queue_limit = 64ULL << 20;
	derive_topts(c);
}

bool parse_bytes(const char *s, __u64 min, __u64 max, __u64 *out)
{
	static const char suffixes[] = "KMGT";
	char num[32];
	size_t n = s ? strlen(s) : 0;
	const char *p;
	__u64 v, mul = 1;

	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	p = strchr(suffixes, toupper((unsigned char)num[n - 1]));
	if (p && *p) {
		mul = 1ULL << (10 * (p - suffixes + 1));
		num[--n] = '\0';
	}
	if (!parse_u64(num, 0, ~0ULL / mul, &v))
		return false;
	v *= mul;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_duration(const char *s, double min, double max, double *out)
{
	char num[32];
	size_t n = s ? strlen(s) : 0;
	double mul = 1, v;

	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'd':
		mul *= 24;
		/* fall through */
	case 'h':
		mul *= 60;
		/* fall through */
	case 'm':
		mul *= 60;
		/* fall through */
	case 's':
		num[--n] = '\0';
		break;
	}
	if (!parse_seconds(num, 0, INFINITY, &v))
		return false;
	v *= mul;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]))
			return *out = true;
		if (!strcmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_path(const char *s, char *out, size_t sz)
{
	/* absolute: the daemon runs with / as its working directory */
	if (s[0] != '/' || strlen(s) >= sz)
		return false;
	strcpy(out, s);
	return true;
}

struct parser {
	const char *name;
	int line;
	char *err;
	size_t errsz;
	int lines[32]; /* where each key was set, for cross-key errors */
};

__attribute__((format(printf, 3, 4))) static int perr(struct parser *p, int line, const char *fmt,
						      ...)
{
	size_t n;
	va_list ap;

	if (line > 0)
		n = snprintf(p->err, p->errsz, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->errsz, "%s: ", p->name);
	if (n < p->errsz) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errsz - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

enum key_id {
	K_INTERVAL,
	K_PAGETYPE_PERIOD,
	K_PAGE_ORDER_THRESHOLD,
	K_TOP_SITES,
	K_ALLOCATORS,
	K_VMALLOC_MODE,
	K_KMEM_MODE,
	K_LIFE_SAMPLE,
	K_LIVE_ENTRIES,
	K_SITE_ENTRIES,
	K_TRACK_LIVE,
	K_EXPORT_DIR,
	K_ROTATE_SIZE,
	K_ROTATE_AGE,
	K_RETAIN_SEGMENTS,
	K_RETAIN_BYTES,
	K_QUEUE_LIMIT,
	K_PROM_TEXTFILE,
	K_FRAG,
	K_PAGES,
	K_CORR_WINDOW,
	K_CORR_LAG,
	K_NR,
};

static const struct {
	const char *name;
	const char *expect;
} keys[K_NR] = {
	[K_INTERVAL] = { "interval", "seconds between 0.1 and 86400 (suffix s, m, h allowed)" },
	[K_PAGETYPE_PERIOD] = { "pagetype_period", "seconds between 1 and 86400" },
	[K_PAGE_ORDER_THRESHOLD] = { "page_order_threshold", "a page order between 0 and 10" },
	[K_TOP_SITES] = { "top_sites", "a number of sites, 0 for all" },
	[K_ALLOCATORS] = { "allocators", "a comma list of kmalloc, cache, vmalloc" },
	[K_VMALLOC_MODE] = { "vmalloc_mode", "auto, fentry, kprobe or tracepoint" },
	[K_KMEM_MODE] = { "kmem_mode", "auto, raw or tracepoint" },
	[K_LIFE_SAMPLE] = { "life_sample", "a power of two 1 .. 65536" },
	[K_LIVE_ENTRIES] = { "live_entries", "1 .. 67108864" },
	[K_SITE_ENTRIES] = { "site_entries", "1 .. 4194304" },
	[K_TRACK_LIVE] = { "track_live", "yes or no" },
	[K_EXPORT_DIR] = { "export_dir", "an absolute directory path" },
	[K_ROTATE_SIZE] = { "rotate_size", "bytes between 4K and 1T (suffix K, M, G, T allowed)" },
	[K_ROTATE_AGE] = { "rotate_age", "seconds between 1 and 365d (suffix s, m, h, d allowed)" },
	[K_RETAIN_SEGMENTS] = { "retain_segments", "a number of segments between 2 and 1000000" },
	[K_RETAIN_BYTES] = { "retain_bytes",
			     "bytes between 8K and 1P (suffix K, M, G, T allowed)" },
	[K_QUEUE_LIMIT] = { "queue_limit", "bytes between 64K and 4G (suffix K, M, G allowed)" },
	[K_PROM_TEXTFILE] = { "prom_textfile", "an absolute file path, or empty for none" },
	[K_FRAG] = { "frag", "yes or no" },
	[K_PAGES] = { "pages", "yes or no" },
	[K_CORR_WINDOW] = { "corr_window", "intervals between 3 and 100000" },
	[K_CORR_LAG] = { "corr_lag", "intervals between 0 and 1000" },
};

static bool set_key(enum key_id k, const char *v, struct daemon_config *c)
{
	__u64 u;

	switch (k) {
	case K_INTERVAL:
		return parse_duration(v, 0.1, 86400, &c->interval);
	case K_PAGETYPE_PERIOD:
		return parse_duration(v, 1, 86400, &c->pagetype_period);
	case K_PAGE_ORDER_THRESHOLD:
		return parse_u64(v, 0, 10, &c->page_order_threshold);
	case K_TOP_SITES:
		return parse_u64(v, 0, 1000000, &c->top_sites);
	case K_ALLOCATORS:
		return !parse_allocators(v, &c->topts);
	case K_VMALLOC_MODE:
		return !parse_vm_mode(v, &c->topts.vm_mode);
	case K_KMEM_MODE:
		return !parse_kmem_mode(v, &c->topts.kmem_mode);
	case K_LIFE_SAMPLE:
		if (!parse_u64(v, 1, 65536, &u) || (u & (u - 1)))
			return false;
		c->topts.life_sample = u;
		return true;
	case K_LIVE_ENTRIES:
		if (!parse_u64(v, 1, 1U << 26, &u))
			return false;
		c->topts.live_entries = u;
		return true;
	case K_SITE_ENTRIES:
		if (!parse_u64(v, 1, 1U << 22, &u))
			return false;
		c->topts.site_entries = u;
		return true;
	case K_TRACK_LIVE:
		return parse_bool(v, &c->topts.track_live);
	case K_FRAG:
		return parse_bool(v, &c->topts.frag);
	case K_PAGES:
		return parse_bool(v, &c->topts.pages);
	case K_CORR_WINDOW:
		if (!parse_u64(v, 3, 100000, &u))
			return false;
		c->topts.corr_window = u;
		return true;
	case K_CORR_LAG:
		if (!parse_u64(v, 0, 1000, &u))
			return false;
		c->topts.corr_lag = u;
		return true;
	case K_EXPORT_DIR:
		return parse_path(v, c->export_dir, sizeof(c->export_dir));
	case K_ROTATE_SIZE:
		return parse_bytes(v, 4096, 1ULL << 40, &c->rotate_bytes);
	case K_ROTATE_AGE:
		return parse_duration(v, 1, 365 * 86400, &c->rotate_age);
	case K_RETAIN_SEGMENTS:
		return parse_u64(v, 2, 1000000, &c->retain_segments);
	case K_RETAIN_BYTES:
		return parse_bytes(v, 8192, 1ULL << 50, &c->retain_bytes);
	case K_QUEUE_LIMIT:
		return parse_bytes(v, 65536, 4ULL << 30, &c->queue_limit);
	case K_PROM_TEXTFILE:
		if (!*v) {
			c->prom_textfile[0] = '\0';
			return true;
		}
		return parse_path(v, c->prom_textfile, sizeof(c->prom_textfile));
	case K_NR:
		break;
	}
	return false;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* '#' starts a comment at the start of a line or after a blank */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static int parse_line(struct parser *p, char *line, struct daemon_config *c)
{
	char *eq, *key, *val;

	strip_comment(line);
	key = trim(line);
	if (!*key)
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return perr(p, p->line, "expected 'key = value', got '%s'", key);
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	for (int k = 0; k < K_NR; k++) {
		if (strcmp(key, keys[k].name))
			continue;
		if (!set_key(k, val, c))
			return perr(p, p->line, "invalid %s '%s': expected %s", key, val,
				    keys[k].expect);
		p->lines[k] = p->line;
		return 0;
	}
	return perr(p, p->line, "unknown key '%s'", key);
}

/* Rules between keys, reported at the line of the key that broke them. */
static int validate(struct parser *p, struct daemon_config *c)
{
	char a[16], b[16];

	if (c->topts.corr_lag >= c->topts.corr_window)
		return perr(p, p->lines[K_CORR_LAG] ?: p->lines[K_CORR_WINDOW],
			    "corr_lag (%u) must be smaller than corr_window (%u)",
			    c->topts.corr_lag, c->topts.corr_window);

	if (c->pagetype_period < c->interval)
		return perr(p, p->lines[K_PAGETYPE_PERIOD] ?: p->lines[K_INTERVAL],
			    "pagetype_period (%gs) is shorter than interval (%gs)",
			    c->pagetype_period, c->interval);
	if (c->retain_bytes < 2 * c->rotate_bytes)
		return perr(p, p->lines[K_RETAIN_BYTES] ?: p->lines[K_ROTATE_SIZE],
			    "retain_bytes (%s) must be at least twice rotate_size (%s)",
			    fmt_bytes(c->retain_bytes, a, sizeof(a)),
			    fmt_bytes(c->rotate_bytes, b, sizeof(b)));
	derive_topts(c);
	return 0;
}

int config_parse(const char *name, const char *text, struct daemon_config *c, char *err,
		 size_t errsz)
{
	struct parser p = { .name = name, .err = err, .errsz = errsz };
	struct daemon_config n = *c;
	const char *s = text;
	char line[4096];
	int rc;

	if (errsz)
		err[0] = '\0';
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		p.line++;
		if (len >= sizeof(line))
			return perr(&p, p.line, "line too long");
		memcpy(line, s, len);
		line[len] = '\0';
		rc = parse_line(&p, line, &n);
		if (rc)
			return rc;
		s += len + (nl ? 1 : 0);
	}
	rc = validate(&p, &n);
	if (!rc)
		*c = n;
	return rc;
}

int config_load(const char *path, struct daemon_config *c, char *err, size_t errsz)
{
	size_t len;
	char *text = read_file(path, &len);
	int rc;

	if (!text) {
		rc = -errno;
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		return rc;
	}
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errsz, "%s: not a text file (NUL byte)", path);
		return -EINVAL;
	}
	rc = config_parse(path, text, c, err, errsz);
	free(text);
	return rc;
}

bool config_tracer_changed(const struct daemon_config *a, const struct daemon_config *b)
{
	const struct tracer_opts *x = &a->topts, *y = &b->topts;

	return x->kmalloc != y->kmalloc || x->cache != y->cache || x->vmalloc != y->vmalloc ||
	       x->vm_mode != y->vm_mode || x->kmem_mode != y->kmem_mode ||
	       x->life_sample != y->life_sample || x->track_live != y->track_live ||
	       x->live_entries != y->live_entries || x->site_entries != y->site_entries ||
	       x->frag != y->frag || x->pages != y->pages || x->page_order != y->page_order ||
	       x->pagetype_period != y->pagetype_period || x->corr_window != y->corr_window ||
	       x->corr_lag != y->corr_lag;
}

void config_print(FILE *f, const struct daemon_config *c)
{
	char al[64] = "";

	if (c->topts.kmalloc)
		strcat(al, "kmalloc,");
	if (c->topts.cache)
		strcat(al, "cache,");
	if (c->topts.vmalloc)
		strcat(al, "vmalloc,");
	if (*al)
		al[strlen(al) - 1] = '\0';
	fprintf(f, "interval = %g\n", c->interval);
	fprintf(f, "pagetype_period = %g\n", c->pagetype_period);
	fprintf(f, "page_order_threshold = %llu\n", (unsigned long long)c->page_order_threshold);
	fprintf(f, "frag = %s\n", c->topts.frag ? "yes" : "no");
	fprintf(f, "pages = %s\n", c->topts.pages ? "yes" : "no");
	fprintf(f, "corr_window = %u\n", c->topts.corr_window);
	fprintf(f, "corr_lag = %u\n", c->topts.corr_lag);
	fprintf(f, "top_sites = %llu\n", (unsigned long long)c->top_sites);
	fprintf(f, "allocators = %s\n", al);
	fprintf(f, "vmalloc_mode = %s\n", vm_mode_setting(c->topts.vm_mode));
	fprintf(f, "kmem_mode = %s\n", kmem_mode_setting(c->topts.kmem_mode));
	fprintf(f, "life_sample = %u\n", c->topts.life_sample);
	fprintf(f, "live_entries = %u\n", c->topts.live_entries);
	fprintf(f, "site_entries = %u\n", c->topts.site_entries);
	fprintf(f, "track_live = %s\n", c->topts.track_live ? "yes" : "no");
	fprintf(f, "export_dir = %s\n", c->export_dir);
	fprintf(f, "rotate_size = %llu\n", (unsigned long long)c->rotate_bytes);
	fprintf(f, "rotate_age = %g\n", c->rotate_age);
	fprintf(f, "retain_segments = %llu\n", (unsigned long long)c->retain_segments);
	fprintf(f, "retain_bytes = %llu\n", (unsigned long long)c->retain_bytes);
	fprintf(f, "queue_limit = %llu\n", (unsigned long long)c->queue_limit);
	fprintf(f, "prom_textfile = %s\n", c->prom_textfile);
}
