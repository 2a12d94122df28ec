// SPDX-License-Identifier: GPL-2.0
/* The daemon's `key = value` configuration file: parsing and validation. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "daemon_options.h"
#include "session_options.h"
#include "util.h"

/* far more than every key with a comment each: anything larger is not a configuration */
#define CONFIG_MAX_BYTES (1 << 20)

/* the session counts periods in intervals; page_order_threshold mirrors the tracer's */
static void derive_topts(struct daemon_config *c)
{
	c->page_order_threshold = c->topts.page_order;
	c->topts.pagetype_period = tracing_period_intervals(c->pagetype_period, c->interval);
}

static struct opt_dest dest(struct daemon_config *c)
{
	return (struct opt_dest){ .cfg = c, .topts = &c->topts };
}

/* every key's default is in the option tables (daemon_options.c, session_options.c) */
void config_defaults(struct daemon_config *c)
{
	const struct opt_dest d = dest(c);

	memset(c, 0, sizeof(*c));
	c->topts = tracer_defaults;
	opt_defaults(&daemon_config_keys, &d);
	derive_topts(c);
}

/* config keys renamed since: the old name still works, with a warning */
static const struct {
	const char *old, *key;
} renamed_keys[] = {
	{ NULL, NULL },
};

/* The spec of a config key (renamed keys resolved), or NULL. */
static const struct opt_spec *find_key(const char *key, const char **renamed_from)
{
	*renamed_from = NULL;
	for (size_t i = 0; renamed_keys[i].old; i++) {
		if (!strcmp(key, renamed_keys[i].old)) {
			*renamed_from = key;
			key = renamed_keys[i].key;
			break;
		}
	}
	return opt_find_key(&daemon_config_keys, key);
}

/* the index of a key's spec in daemon_config_keys */
static size_t key_index(const struct opt_spec *s)
{
	size_t i = 0;

	while (opt_nth(&daemon_config_keys, i) != s)
		i++;
	return i;
}

struct parser {
	const char *name;
	int line;
	char *err;
	size_t errsz;
	int lines[OPT_MAX_SPECS]; /* where each key was set, by spec, for cross-key errors */
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
	const struct opt_dest d = dest(c);
	const struct opt_spec *spec;
	const char *old;
	char *eq, *key, *val, expect[160];

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
	spec = find_key(key, &old);
	if (!spec)
		return perr(p, p->line, "unknown key '%s'", key);
	if (old)
		log_warn("%s:%d: '%s' is now called '%s'", p->name, p->line, old, spec->key);
	if (!opt_set(spec, val, &d))
		return perr(p, p->line, "invalid %s '%s': %s", key, val,
			    opt_expect(spec, expect, sizeof(expect)));
	p->lines[key_index(spec)] = p->line;
	return 0;
}

/* the line that set key, 0 when it was not set */
static int line_of(const struct parser *p, const char *key)
{
	const char *old;
	const struct opt_spec *s = find_key(key, &old);

	return s ? p->lines[key_index(s)] : 0;
}

/* Rules between keys, reported at the line of the key that broke them. */
static int validate(struct parser *p, struct daemon_config *c)
{
	char a[16], b[16];

	if (c->topts.corr_lag >= c->topts.corr_window)
		return perr(p, line_of(p, "corr_lag") ?: line_of(p, "corr_window"),
			    "corr_lag (%u) must be smaller than corr_window (%u)",
			    c->topts.corr_lag, c->topts.corr_window);

	if (c->pagetype_period < c->interval)
		return perr(p, line_of(p, "pagetype_period") ?: line_of(p, "interval"),
			    "pagetype_period (%gs) is shorter than interval (%gs)",
			    c->pagetype_period, c->interval);
	if (c->retain_bytes < 2 * c->rotate_bytes)
		return perr(p, line_of(p, "retain_bytes") ?: line_of(p, "rotate_size"),
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

/*
 * Open the configuration: only a regular file (a FIFO would block the
 * daemon in open() or read(), a device such as /dev/zero never ends), at
 * most CONFIG_MAX_BYTES. The fd, or -errno with the reason in err.
 */
static int open_config(const char *path, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc;
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errsz,
			 "%s: not a regular file: give the path of a configuration file", path);
	} else if (st.st_size > CONFIG_MAX_BYTES) {
		rc = -EFBIG;
		snprintf(err, errsz, "%s: %lld bytes, more than a configuration file holds (%d)",
			 path, (long long)st.st_size, CONFIG_MAX_BYTES);
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* up to CONFIG_MAX_BYTES + 1 bytes of fd, NUL-terminated; *len of them. -errno. */
static int read_bounded(int fd, char *text, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len <= CONFIG_MAX_BYTES) {
		n = read(fd, text + *len, CONFIG_MAX_BYTES + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += n;
	}
	text[*len] = '\0';
	return 0;
}

/* The file's text (see open_config); NULL with the reason in err and -errno in *rc. */
static char *read_config_text(const char *path, size_t *len, char *err, size_t errsz, int *rc)
{
	int fd = open_config(path, err, errsz);
	char *text;

	*rc = fd < 0 ? fd : 0;
	if (fd < 0)
		return NULL;
	text = malloc(CONFIG_MAX_BYTES + 2);
	*rc = text ? read_bounded(fd, text, len) : -ENOMEM;
	close(fd);
	/* grown since fstat() */
	if (!*rc && *len > CONFIG_MAX_BYTES)
		*rc = -EFBIG;
	if (*rc) {
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(-*rc));
		free(text);
		return NULL;
	}
	return text;
}

int config_load(const char *path, struct daemon_config *c, char *err, size_t errsz)
{
	size_t len = 0;
	int rc;
	char *text = read_config_text(path, &len, err, errsz, &rc);

	if (!text)
		return rc;
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errsz, "%s: not a text file (NUL byte)", path);
		return -EINVAL;
	}
	rc = config_parse(path, text, c, err, errsz);
	free(text);
	return rc;
}

int config_apply_given(struct daemon_config *c, const struct opt_given *g, size_t n, char *err,
		       size_t errsz)
{
	struct parser p = { .name = "command line", .err = err, .errsz = errsz };
	struct daemon_config nc = *c;
	const struct opt_dest d = dest(&nc);
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!opt_set(g[i].spec, g[i].val, &d))
			return perr(&p, 0, "invalid --%s '%s'", g[i].spec->name, g[i].val);
	rc = validate(&p, &nc);
	if (!rc)
		*c = nc;
	return rc;
}

/* the reload diff: the settings marked "re-attach" in the option table */
bool config_tracer_changed(const struct daemon_config *a, const struct daemon_config *b)
{
	const struct opt_dest x = dest((struct daemon_config *)a);
	const struct opt_dest y = dest((struct daemon_config *)b);

	return opt_reattach_changed(&daemon_config_keys, &x, &y) ||
	       a->topts.pagetype_period != b->topts.pagetype_period;
}

void config_print(FILE *f, const struct daemon_config *c)
{
	const struct opt_dest d = dest((struct daemon_config *)c);
	const struct opt_spec *s;
	char buf[PATH_MAX];

	for (size_t i = 0; (s = opt_nth(&daemon_config_keys, i)); i++)
		fprintf(f, "%s = %s\n", s->key, opt_format(s, &d, buf, sizeof(buf)));
}
