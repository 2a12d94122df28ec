// SPDX-License-Identifier: GPL-2.0
/*
 * The option tables of every layer (the *_options.c files, status.c), taken
 * together through cli_options.c: their sanity, the command line and the
 * config file accepting the same ranges through their real parsers, and the
 * man page and systemd/kmemscope.conf stating the defaults the code uses.
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli_options.h"
#include "config.h"
#include "daemon_options.h"
#include "record_options.h"
#include "ndjson_reader.h"
#include "report_ingest.h"
#include "report_options.h"
#include "report_rank.h"
#include "cgroup.h"
#include "session_options.h"
#include "sites.h"
#include "sort_keys.h"
#include "status.h"
#include "top_options.h"
#include "top_view.h"
#include "util.h"

/* a destination big enough for any command's struct */
static union {
	struct record_env r;
	struct top_args t;
	struct report_args rp;
	struct status_args s;
	struct daemon_args d;
} scratch_cmd;
static struct daemon_config scratch_cfg;

static struct opt_dest scratch(void)
{
	memset(&scratch_cmd, 0, sizeof(scratch_cmd));
	memset(&scratch_cfg, 0, sizeof(scratch_cfg));
	return (struct opt_dest){ .cmd = &scratch_cmd,
				  .cfg = &scratch_cfg,
				  .topts = &scratch_cfg.topts };
}

static void flunk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fail();
}

static bool in_cmd(const struct opt_command *c, const struct opt_spec *s)
{
	const struct opt_spec *t;

	for (size_t i = 0; (t = opt_nth(c, i)); i++)
		if (t == s)
			return true;
	return false;
}

/* the first command that lists s */
static const struct opt_command *cmd_of(const struct opt_spec *s)
{
	for (size_t c = 0; kms_commands[c]; c++)
		if (in_cmd(kms_commands[c], s))
			return kms_commands[c];
	return NULL;
}

/* every spec of every command, each once (the tracing table is in three) */
static const struct opt_spec *all[4 * OPT_MAX_SPECS];
static size_t nr_all;

static void collect(void)
{
	const struct opt_spec *s;

	nr_all = 0;
	for (size_t c = 0; kms_commands[c]; c++) {
		for (size_t i = 0; (s = opt_nth(kms_commands[c], i)); i++) {
			size_t k = 0;

			assert_true(i < OPT_MAX_SPECS);
			while (k < nr_all && all[k] != s)
				k++;
			if (k == nr_all)
				all[nr_all++] = s;
		}
	}
}

/* a command that lists both a and b */
static bool same_cmd(const struct opt_spec *a, const struct opt_spec *b)
{
	for (size_t c = 0; kms_commands[c]; c++)
		if (in_cmd(kms_commands[c], a) && in_cmd(kms_commands[c], b))
			return true;
	return false;
}

/* no letter, long name or key means two things; every default parses */
static void test_table_sanity(void **state)
{
	(void)state;
	collect();
	assert_true(nr_all > 0);
	for (size_t i = 0; i < nr_all; i++) {
		const struct opt_spec *a = all[i];
		const struct opt_spec *alias;
		struct opt_dest d = scratch();

		if (!a->help || (!a->name && !a->key))
			flunk("spec %zu has no name or no help", i);
		/* a key is the config file's iff the daemon's config parser knows it */
		if ((a->key && opt_find_key(&daemon_config_keys, a->key) != a) ||
		    (!a->key && in_cmd(&daemon_config_keys, a)))
			flunk("%s: a config key iff in daemon_config_keys", a->name);
		if (a->def && *a->def && !opt_set(a, a->def, &d))
			flunk("%s: default '%s' out of its own range", a->name, a->def);
		alias = a->alias_of ? opt_find_long(cmd_of(a), a->alias_of) : NULL;
		if ((a->flags & OF_HIDDEN) && (!alias || alias->off != a->off))
			flunk("%s: an alias of nothing", a->name);
		for (size_t j = i + 1; j < nr_all; j++) {
			const struct opt_spec *b = all[j];
			bool same = same_cmd(a, b);

			if (same && a->name && b->name && !strcmp(a->name, b->name))
				flunk("--%s twice in one command", a->name);
			if (same && a->letter && a->letter == b->letter)
				flunk("-%c twice in one command", a->letter);
			/* across commands: one letter, one meaning */
			if (a->letter && a->letter == b->letter && strcmp(a->name, b->name))
				flunk("-%c is --%s and --%s", a->letter, a->name, b->name);
			if (a->key && b->key && !strcmp(a->key, b->key))
				flunk("config key %s twice", a->key);
			/* one range per setting: the same name agrees in all but its default */
			if (a->name && b->name && !strcmp(a->name, b->name) &&
			    (a->type != b->type || a->min != b->min || a->max != b->max ||
			     a->letter != b->letter ||
			     ((a->flags ^ b->flags) & (OF_POW2 | OF_PAGE_MULT | OF_NEGATE))))
				flunk("--%s: its entries disagree", a->name);
		}
	}
}

/* the tracing commands take the same tracing options; defaults are tracer_defaults */
static void test_tracing_options_shared(void **state)
{
	struct record_env env;
	struct daemon_config c;
	char *argv[] = { "record", NULL };

	(void)state;
	collect();
	for (size_t i = 0; i < nr_all; i++) {
		const struct opt_spec *s = all[i];

		for (size_t c = 0; kms_tracing_commands[c]; c++)
			if ((s->flags & OF_TOPTS) && !in_cmd(kms_tracing_commands[c], s))
				flunk("--%s: a tracing option not taken by %s", s->name,
				      kms_tracing_commands[c]->name);
		if ((s->flags & OF_TOPTS) && !s->key)
			flunk("--%s: a tracing option without a config key", s->name);
		if (s->key && (!s->name || opt_find_long(&daemon_command, s->name) != s))
			flunk("%s: a config key the daemon's command line lacks", s->key);
	}
	assert_int_equal(record_parse_args(1, argv, &env), 0);
	config_defaults(&c);
	/* the table's defaults are the tracer's: compare all but the derived period */
	env.topts.pagetype_period = c.topts.pagetype_period = tracer_defaults.pagetype_period;
	assert_memory_equal(&env.topts, &tracer_defaults, sizeof(tracer_defaults));
	assert_memory_equal(&c.topts, &tracer_defaults, sizeof(tracer_defaults));
	assert_int_equal(env.topts.pagetype_period, 10);
}

/* what the config needs beside a key's extreme value to pass the cross-key rules */
static const char *context(const char *key)
{
	static const struct {
		const char *key, *ctx;
	} ctx[] = {
		{ "interval", "pagetype_period = 1d\n" },
		{ "pagetype_period", "interval = 1\n" },
		{ "corr_lag", "corr_window = 100000\n" },
		{ "corr_window", "corr_lag = 0\n" },
		{ "retain_bytes", "rotate_size = 4K\n" },
		{ "rotate_size", "retain_bytes = 1024T\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ctx); i++)
		if (!strcmp(key, ctx[i].key))
			return ctx[i].ctx;
	return "";
}

static bool config_ok(const struct opt_spec *s, const char *val)
{
	char text[256], err[512];
	struct daemon_config c;

	snprintf(text, sizeof(text), "%s%s = %s\n", context(s->key), s->key, val);
	config_defaults(&c);
	return !config_parse("t.conf", text, &c, err, sizeof(err));
}

/* the daemon's command line: parsed, then applied over the defaults as at every load */
static bool daemon_cli_ok(const struct opt_spec *s, const char *val)
{
	char opt[64], ctx_opt[64], ctx_val[64] = "";
	char *argv[6] = { "daemon", opt, (char *)val, NULL, NULL, NULL };
	const char *ctx = context(s->key);
	struct opt_given g[8];
	size_t n = ARRAY_SIZE(g);
	struct opt_dest d = scratch();
	struct daemon_config c;
	char err[512];
	int argc = 3;

	snprintf(opt, sizeof(opt), "--%s", s->name);
	if (*ctx) {
		/* "corr_window = 100000\n" as --corr-window 100000 */
		const struct opt_spec *k;
		char key[64];

		sscanf(ctx, "%63s = %63s", key, ctx_val);
		k = opt_find_key(&daemon_config_keys, key);
		snprintf(ctx_opt, sizeof(ctx_opt), "--%s", k->name);
		argv[3] = ctx_opt;
		argv[4] = ctx_val;
		argc = 5;
	}
	if (opt_parse_cli(&daemon_command, argc, argv, &d, g, &n))
		return false;
	config_defaults(&c);
	return !config_apply_given(&c, g, n, err, sizeof(err));
}

static bool record_cli_ok(const struct opt_spec *s, const char *val)
{
	char opt[64];
	char *argv[] = { "record", "--corr-window", "100000", "--corr-lag", "0", opt, (char *)val };
	struct record_env env;

	snprintf(opt, sizeof(opt), "--%s", s->name);
	/* a corr window or lag of its own replaces the context's */
	return !record_parse_args(ARRAY_SIZE(argv), argv, &env);
}

static void format_value(const struct opt_spec *s, double v, char *buf, size_t sz)
{
	snprintf(buf, sz, s->type == OT_DURATION ? "%g" : "%.0f", v);
}

/* CLI range = config range, through the real parsers */
static void test_cli_and_config_ranges(void **state)
{
	const struct opt_spec *s;

	(void)state;
	for (size_t i = 0; (s = opt_nth(&daemon_config_keys, i)); i++) {
		bool rec = in_cmd(&record_command, s);
		double in[2] = { s->min, s->max };
		double out[2] = { s->type == OT_DURATION ? s->min / 2 : s->min - 1,
				  s->type == OT_DURATION ? s->max * 2 : s->max + 1 };
		char v[32];

		if ((s->type != OT_UINT && s->type != OT_BYTES && s->type != OT_DURATION))
			continue;
		for (int k = 0; k < 2; k++) {
			format_value(s, in[k], v, sizeof(v));
			if (!config_ok(s, v) || !daemon_cli_ok(s, v) ||
			    (rec && !record_cli_ok(s, v)))
				flunk("%s: %s is in range but refused", s->key, v);
			if (out[k] < 0)
				continue;
			format_value(s, out[k], v, sizeof(v));
			if (config_ok(s, v) || daemon_cli_ok(s, v) || (rec && record_cli_ok(s, v)))
				flunk("%s: %s is out of range but accepted", s->key, v);
		}
	}
}

/* one duration parser: the command line takes the config file's suffixes */
static void test_cli_values(void **state)
{
	char *argv[] = { "record", "-i", "1m",	   "-d", "2h", "--no-live", "--pagetype-period",
			 "5m",	   "-a", "kmalloc" };
	char *top_argv[] = { "top", "--delay", "0.5" };
	char *bad[] = { "record", "--page-order", "11" };
	struct top_args t = {};
	struct opt_dest d = { .cmd = &t, .topts = &t.topts };
	struct record_env env;

	(void)state;
	assert_int_equal(record_parse_args(ARRAY_SIZE(argv), argv, &env), 0);
	assert_true(env.interval == 60 && env.duration == 7200);
	assert_false(env.topts.track_live);
	assert_int_equal(env.topts.pagetype_period, 5);
	assert_true(env.topts.kmalloc && !env.topts.cache && !env.topts.vmalloc);
	assert_int_equal(
		opt_parse_cli(&top_command, ARRAY_SIZE(top_argv), top_argv, &d, NULL, NULL), 0);
	assert_true(t.interval == 0.5);
	assert_int_equal(record_parse_args(ARRAY_SIZE(bad), bad, &env), 2);
}

/* a daemon command-line value wins over the file, also after a reload */
static void test_daemon_cli_overrides(void **state)
{
	char *argv[] = { "daemon", "--no-live", "--top-sites", "7", "-a", "vmalloc" };
	struct opt_given g[8];
	size_t n = ARRAY_SIZE(g);
	struct opt_dest d = scratch();
	struct daemon_config c;
	char err[512];

	(void)state;
	assert_int_equal(opt_parse_cli(&daemon_command, ARRAY_SIZE(argv), argv, &d, g, &n), 0);
	assert_int_equal(n, 3);
	config_defaults(&c);
	assert_int_equal(
		config_parse("t", "track_live = yes\ntop_sites = 9\n", &c, err, sizeof(err)), 0);
	assert_int_equal(config_apply_given(&c, g, n, err, sizeof(err)), 0);
	assert_false(c.topts.track_live);
	assert_int_equal(c.top_sites, 7);
	assert_true(c.topts.vmalloc && !c.topts.kmalloc);
}

static char *slurp(const char *path)
{
	size_t len;
	char *s = read_file(path, &len);

	if (!s)
		flunk("cannot read %s (unit tests run from the source tree)", path);
	return s;
}

/* the man page's lists are the generator's output, and every command has a section */
static void test_man_page(void **state)
{
	static const char *const sections[] = { "record", "top", "report", "daemon",
						"status", "gfp", "version" };
	static const char begin[] = ".\\\" BEGIN GENERATED OPTIONS\n";
	static const char end[] = ".\\\" END GENERATED OPTIONS\n";
	char *page = slurp("docs/kmemscope.8"), *gen = NULL, *b, *e, sec[32];
	const struct opt_spec *s;
	size_t gen_len = 0;
	FILE *f = open_memstream(&gen, &gen_len);

	(void)state;
	kms_print_man(f);
	fclose(f);
	b = strstr(page, begin);
	e = strstr(page, end);
	assert_non_null(b);
	assert_non_null(e);
	b += strlen(begin);
	if ((size_t)(e - b) != gen_len || memcmp(b, gen, gen_len))
		flunk("docs/kmemscope.8 differs from the option table: run scripts/man-options.sh");
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		snprintf(sec, sizeof(sec), "\n.SS %s\n", sections[i]);
		if (!strstr(page, sec))
			flunk("docs/kmemscope.8 has no section for %s", sections[i]);
	}
	/* and the generated lists name every option and key with its default */
	for (size_t i = 0; (s = opt_nth(&daemon_config_keys, i)); i++) {
		char want[96];

		snprintf(want, sizeof(want), "default %s", *s->def ? s->def : "none");
		if (!strstr(strstr(gen, ".SS configuration keys"), want))
			flunk("man page: %s lacks '%s'", s->key, want);
	}
	free(gen);
	free(page);
}

/* the shipped config file: every key, commented, with the table's default and range */
static void test_shipped_conf(void **state)
{
	char *conf = slurp("systemd/kmemscope.conf"), *text, *p, range[48], want[160];
	struct daemon_config c, d;
	const struct opt_spec *s;
	char err[512];

	(void)state;
	for (size_t i = 0; (s = opt_nth(&daemon_config_keys, i)); i++) {
		char *line, *block;

		snprintf(want, sizeof(want), "\n#%s = ", s->key);
		line = strstr(conf, want);
		if (!line)
			flunk("kmemscope.conf lacks '#%s = '", s->key);
		line += strlen(want);
		if (*s->def && strncmp(line, s->def, strlen(s->def)))
			flunk("kmemscope.conf: %s = %.20s, the code's default is %s", s->key, line,
			      s->def);
		/* the range is in the comment block above the key */
		for (block = line; block > conf && strncmp(block, "\n\n", 2); block--)
			;
		if (opt_range(s, range, sizeof(range))) {
			char *hit = strstr(block, range);

			if (!hit || hit > line)
				flunk("kmemscope.conf: %s's comment lacks its range %s", s->key,
				      range);
		}
	}
	/* uncommented, it is the defaults (the two paths are examples) */
	text = strdup(conf);
	for (p = text; (p = strstr(p, "\n#")); p++)
		if (p[2] >= 'a' && p[2] <= 'z' && strchr(p + 2, '=') &&
		    strchr(p + 2, '=') < strchr(p + 2, '\n'))
			p[1] = ' ';
	config_defaults(&c);
	if (config_parse("kmemscope.conf", text, &c, err, sizeof(err)))
		flunk("%s", err);
	config_defaults(&d);
	memcpy(c.export_dir, d.export_dir, sizeof(d.export_dir));
	memcpy(c.prom_textfile, d.prom_textfile, sizeof(d.prom_textfile));
	assert_memory_equal(&c, &d, sizeof(c));
	free(text);
	free(conf);
}

/* every command's --help lists its options, and no hidden alias */
static void test_help(void **state)
{
	(void)state;
	for (size_t c = 0; kms_commands[c]; c++) {
		const struct opt_spec *s;
		char *out = NULL, want[64];
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		opt_print_help(f, kms_commands[c]);
		fclose(f);
		for (size_t i = 0; (s = opt_nth(kms_commands[c], i)); i++) {
			if (!s->name)
				continue;
			snprintf(want, sizeof(want), "--%s ", s->name);
			if (!strstr(out, want) == !(s->flags & OF_HIDDEN))
				flunk("%s --help and --%s", kms_commands[c]->name, s->name);
		}
		free(out);
	}
}

/* word as a whole word of text (not "slack" inside "slack_pct") */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; (p = strstr(p, word)); p++) {
		bool start = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool end = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (start && end)
			return true;
	}
	return false;
}

/* a command's --sort with one word: its key, or -1 when refused */
static int sort_value(const struct opt_spec *s, const char *word)
{
	struct opt_dest d = scratch();

	return opt_set(s, word, &d) ? *(int *)((char *)&scratch_cmd + s->off) : -1;
}

/* one vocabulary: each --sort names exactly the words it takes; old spellings everywhere */
static void test_sort_words(void **state)
{
	size_t nr_sorting = 0;

	(void)state;
	for (int i = 0; i < SQ_NR; i++) {
		enum sort_qty q;

		assert_int_equal(sort_qty_parse(sort_qtys[i].name, &q), 0);
		assert_int_equal(q, i);
		assert_non_null(sort_qtys[i].column);
		assert_non_null(sort_qtys[i].meaning);
	}
	assert_int_not_equal(sort_qty_parse("size", &(enum sort_qty){ 0 }), 0);
	for (size_t c = 0; kms_commands[c]; c++) {
		const struct opt_spec *s = opt_find_long(kms_commands[c], "sort");

		if (!s)
			continue;
		nr_sorting++;
		for (int i = 0; i < SQ_NR; i++) {
			bool takes = sort_value(s, sort_qtys[i].name) >= 0;

			if (takes != has_word(s->help, sort_qtys[i].name) ||
			    takes != has_word(s->expect, sort_qtys[i].name))
				flunk("%s --sort %s: taken %d, but its help or error says otherwise",
				      kms_commands[c]->name, sort_qtys[i].name, takes);
		}
		for (size_t k = 0; k < sort_nr_aliases; k++) {
			int v = sort_value(s, sort_aliases[k].old);

			if (v < 0 || v != sort_value(s, sort_qty_name(sort_aliases[k].q)))
				flunk("%s --sort %s: not the old spelling of %s",
				      kms_commands[c]->name, sort_aliases[k].old,
				      sort_qty_name(sort_aliases[k].q));
		}
		/* the words every sorting command has mean the same column */
		if (sort_value(s, "live") == sort_value(s, "live_bytes") ||
		    sort_value(s, "slack_pct") < 0 || sort_value(s, "bytes") < 0)
			flunk("%s --sort: live, live_bytes, slack_pct, bytes",
			      kms_commands[c]->name);
	}
	assert_int_equal(nr_sorting, 3);
	/* top: its view's letters too; slack is slack bytes there as everywhere */
	assert_int_equal(sort_value(opt_find_long(&top_command, "sort"), "u"), COL_SLACK);
	assert_int_equal(sort_value(opt_find_long(&top_command, "sort"), "x"), COL_SLACK_BYTES);
	assert_int_equal(sort_value(opt_find_long(&top_command, "sort"), "slack"), COL_SLACK_BYTES);
	assert_int_equal(sort_value(opt_find_long(&top_command, "sort"), "live"), COL_LIVE);
	assert_string_equal(sort_key_name(SORT_FRAG), "slack_pct");
	assert_string_equal(rp_sort_name(RP_SORT_LIVE_BYTES), "live_bytes");
}

/* record: live is objects, live_bytes bytes, as the LIVE column shows */
static void test_record_live_sort(void **state)
{
	struct site_table st;
	struct kms_site_key a = { .call_site = 0x1000, .kind = KMS_KIND_KMALLOC, .stack_id = -1 };
	struct kms_site_key b = { .call_site = 0x2000, .kind = KMS_KIND_KMALLOC, .stack_id = -1 };
	/* a: ten small live objects; b: one big one */
	struct kms_site_stats sa = { .allocs = 10, .bytes_req = 80, .bytes_alloc = 80 };
	struct kms_site_stats sb = { .allocs = 1, .bytes_req = 4096, .bytes_alloc = 4096 };
	enum sort_key k;

	(void)state;
	sa.live = 10;
	sa.live_bytes = 80;
	sb.live = 1;
	sb.live_bytes = 4096;
	site_table_init(&st, NULL);
	site_table_begin(&st);
	site_table_feed(SITE_NO_NUM, &a, &sa, &st);
	site_table_feed(SITE_NO_NUM, &b, &sb, &st);
	assert_int_equal(sort_key_parse("live", &k), 0);
	site_table_sort(&st, k);
	assert_int_equal(st.list[0]->id.call_site, 0x1000);
	assert_int_equal(sort_key_parse("live_bytes", &k), 0);
	site_table_sort(&st, k);
	assert_int_equal(st.list[0]->id.call_site, 0x2000);
	site_table_free(&st);
}

/* report: the same, through an export */
/* --pid, --comm, --by: what the tracing table accepts, and where it goes */
static void test_filter_options(void **state)
{
	const struct opt_spec *pid = opt_find_long(&record_command, "pid");
	const struct opt_spec *comm = opt_find_long(&record_command, "comm");
	const struct opt_spec *by = opt_find_long(&record_command, "by");
	struct opt_dest d = scratch();
	struct tracer_opts *o = d.topts;

	(void)state;
	assert_non_null(pid);
	assert_true(opt_set(pid, "12,345,6789", &d));
	assert_int_equal(o->nr_filter_pids, 3);
	assert_int_equal(o->filter_pids[1], 345);
	assert_true(opt_set(pid, "", &d)); /* a config file's empty value: no filter */
	assert_int_equal(o->nr_filter_pids, 0);
	assert_false(opt_set(pid, "12,x", &d));
	assert_false(opt_set(pid, "0", &d));
	assert_false(opt_set(pid, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &d));
	assert_true(opt_set(comm, "postgres", &d));
	assert_string_equal(o->filter_comm, "postgres");
	assert_true(opt_set(comm, "kworker/*", &d));
	assert_true(opt_set(comm, "123456789012345", &d)); /* TASK_COMM_LEN - 1 */
	assert_false(opt_set(comm, "1234567890123456", &d));
	assert_false(opt_set(comm, "a*b", &d));
	assert_true(opt_set(by, "cgroup", &d));
	assert_int_equal(o->by, KMS_BY_CGROUP);
	assert_true(opt_set(by, "comm", &d));
	assert_int_equal(o->by, KMS_BY_COMM);
	assert_false(opt_set(by, "pid", &d));
	assert_non_null(opt_find_long(&top_command, "cgroup"));
	assert_non_null(opt_find_key(&daemon_command, "by_max"));
}

/* where cgroup v2 is mounted, from real mountinfo files */
static void test_cgroup2_mount(void **state)
{
	char *hybrid = read_file("tests/data/mountinfo-6.18-hybrid.txt", NULL);
	char *v1 = read_file("tests/data/mountinfo-v1-only.txt", NULL);
	char buf[256];

	(void)state;
	assert_non_null(hybrid);
	assert_non_null(v1);
	assert_int_equal(cgroup2_mount_in(hybrid, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup2_mount_in(v1, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup2_mount_in("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
					  buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/sys/fs/cgroup");
	free(hybrid);
	free(v1);
}

static void test_report_live_sort(void **state)
{
	static const char *const sites =
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"many\",\"site\":"
		"\"many+0x1\",\"allocs\":10,\"frees\":0,\"failed\":0,\"bytes_req\":80,"
		"\"bytes_alloc\":80,\"slack\":0,\"bytes_freed\":0,\"live\":10,\"live_bytes\":80,"
		"\"cross_cpu_frees\":0,\"gfp\":{\"GFP_KERNEL\":10},\"sizes\":{\"8\":10}}\n"
		"{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"big\",\"site\":"
		"\"big+0x1\",\"allocs\":1,\"frees\":0,\"failed\":0,\"bytes_req\":4096,"
		"\"bytes_alloc\":4096,\"slack\":0,\"bytes_freed\":0,\"live\":1,\"live_bytes\":4096,"
		"\"cross_cpu_frees\":0,\"gfp\":{\"GFP_KERNEL\":1},\"sizes\":{\"4096\":1}}\n";
	static const char *const words[] = { "live", "live_bytes" };
	static const char *const first[] = { "many+0x1", "big+0x1" };
	/* the header and first interval of a real fixture, then the two sites */
	char *fixture = slurp("tests/data/synthetic-frag.ndjson"), *buf;
	char *end = strchr(strchr(fixture, '\n') + 1, '\n') + 1;

	(void)state;
	assert_true(asprintf(&buf, "%.*s%s", (int)(end - fixture), fixture, sites) > 0);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		struct rp_opts o = { .top = 20 };
		struct ndjson_reader *r = nr_open_mem(buf, strlen(buf), "live.ndjson", NR_STRICT);
		struct report rp;

		assert_int_equal(rp_sort_parse(words[i], &o.sort), 0);
		assert_int_equal(report_init(&rp, &o), 0);
		assert_non_null(r);
		assert_int_equal(report_read(&rp, r), 0);
		nr_close(r);
		report_finish(&rp);
		assert_string_equal(rp.sites[0]->site, first[i]);
		report_free(&rp);
	}
	free(buf);
	free(fixture);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sanity),
		cmocka_unit_test(test_tracing_options_shared),
		cmocka_unit_test(test_cli_and_config_ranges),
		cmocka_unit_test(test_cli_values),
		cmocka_unit_test(test_daemon_cli_overrides),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_shipped_conf),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_sort_words),
		cmocka_unit_test(test_record_live_sort),
		cmocka_unit_test(test_report_live_sort),
		cmocka_unit_test(test_filter_options),
		cmocka_unit_test(test_cgroup2_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
