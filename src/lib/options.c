// SPDX-License-Identifier: GPL-2.0
/*
 * The option engine: value parsing and range checks, getopt_long tables,
 * config keys and the reload diff over the option tables a command lists.
 * It knows no command; --help and the man page are in options_doc.c.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"
#include "util.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec help_specs[] = {
	{ "help", 'h', NULL, OT_HELP, 0, 0, 0, 0, 0, NULL, NULL, "this help" },
};
static const struct opt_spec verbose_specs[] = {
	{ "verbose", 'v', NULL, OT_COUNT, 0, 0, 0, 0, 0, NULL, NULL,
	  "more messages on stderr (attach modes, progress; twice: libbpf's too)" },
};
#pragma GCC diagnostic pop
const struct opt_table opt_help_table = OPT_TABLE(help_specs);
const struct opt_table opt_verbose_table = OPT_TABLE(verbose_specs);

const struct opt_spec *opt_nth(const struct opt_command *c, size_t n)
{
	for (const struct opt_table *const *t = c->tables; *t; t++) {
		if (n < (*t)->nr)
			return &(*t)->specs[n];
		n -= (*t)->nr;
	}
	return NULL;
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

static void *field(const struct opt_spec *s, const struct opt_dest *d)
{
	char *base = s->flags & OF_TOPTS ? (char *)d->topts : s->key ? d->cfg : d->cmd;

	return base ? base + s->off : NULL;
}

static void store_uint(void *f, size_t size, __u64 v)
{
	if (size == 1)
		*(bool *)f = v;
	else if (size == 4)
		*(__u32 *)f = v;
	else
		*(__u64 *)f = v;
}

static __u64 load_uint(const void *f, size_t size)
{
	if (size == 1)
		return *(const bool *)f;
	return size == 4 ? *(const __u32 *)f : *(const __u64 *)f;
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

static bool check_uint(const struct opt_spec *s, __u64 v)
{
	if (v < s->min || v > s->max)
		return false;
	if ((s->flags & OF_POW2) && (v & (v - 1)))
		return false;
	return !(s->flags & OF_PAGE_MULT) || !(v % sysconf(_SC_PAGESIZE));
}

static bool set_enum(const struct opt_spec *s, const char *val, void *f)
{
	for (int i = 0; s->names[i]; i++) {
		if (!strcmp(val, s->names[i])) {
			store_uint(f, s->size, i);
			return true;
		}
	}
	return false;
}

bool opt_set(const struct opt_spec *s, const char *val, const struct opt_dest *d)
{
	void *f = field(s, d);
	__u64 u;
	bool b;

	if (!f || !val)
		return false;
	switch (s->type) {
	case OT_FLAG:
		if (!parse_bool(val, &b))
			return false;
		*(bool *)f = b;
		return true;
	case OT_UINT:
		if ((s->flags & OF_AUTO) && !strcmp(val, "auto")) {
			store_uint(f, s->size, 0);
			return true;
		}
		if (!parse_u64(val, 0, ~0ULL, &u) || !check_uint(s, u))
			return false;
		store_uint(f, s->size, u);
		return true;
	case OT_BYTES:
		if (!parse_bytes(val, 0, ~0ULL, &u) || !check_uint(s, u))
			return false;
		store_uint(f, s->size, u);
		return true;
	case OT_DURATION:
		return parse_duration(val, s->min, s->max, f);
	case OT_ENUM:
		return set_enum(s, val, f);
	case OT_PATH:
		if (!*val && (s->flags & OF_EMPTY_OK)) {
			*(char *)f = '\0';
			return true;
		}
		/* absolute: the daemon runs with / as its working directory */
		if (val[0] != '/' || strlen(val) >= s->size)
			return false;
		strcpy(f, val);
		return true;
	case OT_FILE:
	case OT_STRING:
		if (!*val || (s->max && strlen(val) > s->max))
			return false;
		if ((s->flags & OF_ABSOLUTE) && val[0] != '/')
			return false;
		*(const char **)f = val;
		return true;
	case OT_CUSTOM:
		return s->parse(val, f);
	case OT_COUNT:
	case OT_HELP:
		break;
	}
	return false;
}

static const char *join_names(const char *const *names, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && n < sz; i++)
		n += snprintf(buf + n, sz - n, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
			      names[i]);
	return buf;
}

/* v in the largest unit that divides it: 4096 -> "4K", 86400 -> "1d" */
static const char *fmt_exact(double v, bool bytes, char *buf, size_t sz)
{
	static const struct {
		char unit;
		double mul;
	} units[] = { { 'T', 1ULL << 40 }, { 'G', 1 << 30 }, { 'M', 1 << 20 }, { 'K', 1 << 10 },
		      { 'd', 86400 },	   { 'h', 3600 },    { 'm', 60 } };

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (bytes != (units[i].unit <= 'Z') || v < units[i].mul)
			continue;
		if (fmod(v, units[i].mul) == 0) {
			snprintf(buf, sz, "%.0f%c", v / units[i].mul, units[i].unit);
			return buf;
		}
	}
	snprintf(buf, sz, bytes ? "%.0f" : "%gs", v);
	return buf;
}

const char *opt_expect(const struct opt_spec *s, char *buf, size_t sz)
{
	char names[128], a[16], b[16];

	if (s->expect) {
		snprintf(buf, sz, "%s", s->expect);
		return buf;
	}
	switch (s->type) {
	case OT_FLAG:
		snprintf(buf, sz, "expected yes or no");
		break;
	case OT_UINT:
		snprintf(buf, sz, "expected %s%s%.0f .. %.0f", s->flags & OF_AUTO ? "auto or " : "",
			 s->flags & OF_POW2 ? "a power of two " : "", s->min, s->max);
		break;
	case OT_BYTES:
		snprintf(buf, sz, "expected %s between %s and %s (suffix K, M, G, T allowed)%s",
			 s->flags & OF_POW2 ? "a power of two of bytes" : "bytes",
			 fmt_exact(s->min, true, a, 16), fmt_exact(s->max, true, b, 16),
			 s->flags & OF_PAGE_MULT ? ", a multiple of the page size" : "");
		break;
	case OT_DURATION:
		snprintf(buf, sz, "expected seconds between %s and %s (suffix s, m, h, d allowed)",
			 fmt_exact(s->min, false, a, 16), fmt_exact(s->max, false, b, 16));
		break;
	case OT_ENUM:
		snprintf(buf, sz, "expected %s", join_names(s->names, names, sizeof(names)));
		break;
	case OT_PATH:
		snprintf(buf, sz, "expected an absolute path");
		break;
	default:
		snprintf(buf, sz, "expected a %s", s->metavar ? s->metavar : "value");
		break;
	}
	return buf;
}

const char *opt_format(const struct opt_spec *s, const struct opt_dest *d, char *buf, size_t sz)
{
	const void *f = field(s, d);

	buf[0] = '\0';
	if (!f)
		return buf;
	switch (s->type) {
	case OT_FLAG:
		snprintf(buf, sz, "%s", *(const bool *)f ? "yes" : "no");
		break;
	case OT_UINT:
	case OT_BYTES:
		if ((s->flags & OF_AUTO) && !load_uint(f, s->size))
			snprintf(buf, sz, "auto");
		else
			snprintf(buf, sz, "%llu", (unsigned long long)load_uint(f, s->size));
		break;
	case OT_DURATION:
		snprintf(buf, sz, "%g", *(const double *)f);
		break;
	case OT_ENUM: {
		__u64 i = load_uint(f, s->size);

		for (__u64 k = 0; s->names[k]; k++)
			if (k == i)
				snprintf(buf, sz, "%s", s->names[k]);
		break;
	}
	case OT_CUSTOM:
		if (s->format)
			s->format(f, buf, sz);
		break;
	case OT_PATH:
		snprintf(buf, sz, "%s", (const char *)f);
		break;
	default:
		break;
	}
	return buf;
}

void opt_defaults(const struct opt_command *c, const struct opt_dest *d)
{
	const struct opt_spec *s;

	for (size_t i = 0; (s = opt_nth(c, i)); i++)
		/* "" is no value: the field stays empty */
		if (s->def && *s->def && field(s, d) && !opt_set(s, s->def, d))
			log_err("built-in default of %s does not parse: '%s'", s->name ?: s->key,
				s->def);
}

int opt_usage_error(const struct opt_command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmemscope %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kmemscope %s --help'.\n", c->name);
	return 2;
}

static bool takes_value(const struct opt_spec *s)
{
	return s->type != OT_FLAG && s->type != OT_COUNT && s->type != OT_HELP;
}

const struct opt_spec *opt_find_long(const struct opt_command *c, const char *name)
{
	const struct opt_spec *s;

	for (size_t i = 0; (s = opt_nth(c, i)); i++)
		if (s->name && !strcmp(s->name, name))
			return s;
	return NULL;
}

const struct opt_spec *opt_find_key(const struct opt_command *c, const char *key)
{
	const struct opt_spec *s;

	for (size_t i = 0; (s = opt_nth(c, i)); i++)
		if (s->key && !strcmp(s->key, key))
			return s;
	return NULL;
}

static const struct opt_spec *by_letter(const struct opt_command *c, int ch)
{
	const struct opt_spec *s;

	for (size_t i = 0; (s = opt_nth(c, i)); i++)
		if (s->letter == ch)
			return s;
	return NULL;
}

/* the getopt_long tables of c: long options carry 256 + their index */
static void build_getopt(const struct opt_command *c, struct option *lo, char *shorts)
{
	const struct opt_spec *s;
	size_t n = 0, k = 0;

	shorts[k++] = ':';
	for (size_t i = 0; (s = opt_nth(c, i)) && i < OPT_MAX_SPECS; i++) {
		if (!s->name)
			continue;
		lo[n++] =
			(struct option){ s->name, takes_value(s) ? required_argument : no_argument,
					 NULL, 256 + (int)i };
		if (s->letter) {
			shorts[k++] = s->letter;
			if (takes_value(s))
				shorts[k++] = ':';
		}
	}
	lo[n] = (struct option){};
	shorts[k] = '\0';
}

static int apply_cli(const struct opt_command *c, const struct opt_spec *s, const char *arg,
		     const struct opt_dest *d)
{
	char e[160];

	switch (s->type) {
	case OT_HELP:
		opt_print_help(stdout, c);
		return 1;
	case OT_COUNT:
		log_level++;
		return 0;
	case OT_FLAG:
		*(bool *)field(s, d) = !(s->flags & OF_NEGATE);
		return 0;
	default:
		if (opt_set(s, arg, d))
			return 0;
		return opt_usage_error(c, "invalid --%s '%s': %s", s->name, arg,
				       opt_expect(s, e, sizeof(e)));
	}
}

/* a command-line value as the config file spells it */
static const char *given_value(const struct opt_spec *s, const char *arg)
{
	if (takes_value(s))
		return arg;
	return s->flags & OF_NEGATE ? "no" : "yes";
}

int opt_parse_cli(const struct opt_command *c, int argc, char **argv, const struct opt_dest *d,
		  struct opt_given *given, size_t *nr_given)
{
	struct option lo[OPT_MAX_SPECS + 1];
	char shorts[2 * OPT_MAX_SPECS + 2];
	size_t max_given = nr_given ? *nr_given : 0;
	const struct opt_spec *s;
	int ch, rc;

	if (nr_given)
		*nr_given = 0;
	build_getopt(c, lo, shorts);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (ch == ':')
			return opt_usage_error(c, "option '%s' needs a value", argv[optind - 1]);
		s = ch >= 256 ? opt_nth(c, ch - 256) : ch == '?' ? NULL : by_letter(c, ch);
		if (!s)
			return opt_usage_error(c, "unknown option '%s'", argv[optind - 1]);
		rc = apply_cli(c, s, optarg, d);
		if (rc)
			return rc;
		if (!given || !nr_given || !s->key)
			continue;
		if (*nr_given == max_given)
			return opt_usage_error(c, "too many options");
		given[(*nr_given)++] = (struct opt_given){ s, given_value(s, optarg) };
	}
	return 0;
}

bool opt_reattach_changed(const struct opt_command *c, const struct opt_dest *a,
			  const struct opt_dest *b)
{
	char x[PATH_MAX], y[PATH_MAX];
	const struct opt_spec *s;

	for (size_t i = 0; (s = opt_nth(c, i)); i++)
		if ((s->flags & OF_REATTACH) &&
		    strcmp(opt_format(s, a, x, sizeof(x)), opt_format(s, b, y, sizeof(y))))
			return true;
	return false;
}

const char *opt_range(const struct opt_spec *s, char *buf, size_t sz)
{
	char a[16], b[16];

	if (s->type == OT_UINT)
		snprintf(buf, sz, "%.0f .. %.0f", s->min, s->max);
	else if (s->type == OT_BYTES || s->type == OT_DURATION)
		snprintf(buf, sz, "%s .. %s", fmt_exact(s->min, s->type == OT_BYTES, a, sizeof(a)),
			 fmt_exact(s->max, s->type == OT_BYTES, b, sizeof(b)));
	else
		return NULL;
	return buf;
}
