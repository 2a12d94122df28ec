// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report`: command line, inputs (files, directories, stdin), outputs. */
#define _GNU_SOURCE /* strptime, asprintf */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ndjson_reader.h"
#include "report.h"
#include "report_folded.h"
#include "report_html.h"
#include "report_ingest.h"
#include "report_json.h"
#include "report_options.h"
#include "report_rank.h"
#include "report_text.h"
#include "util.h"

struct report_env {
	struct rp_opts o;
	enum rp_format format;
	const char *html;
	bool folded, strict;
	char **paths;
	int nr_paths;
};

static bool parse_relative(const char *s, __u64 now, __u64 *out)
{
	double v, mult;
	char *end;

	errno = 0;
	v = strtod(s + 1, &end);
	if (errno || end == s + 1 || !isfinite(v) || v < 0)
		return false;
	switch (*end) {
	case 's':
	case '\0':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		return false;
	}
	if (*end && end[1])
		return false;
	v *= mult * 1e9;
	if (v > now)
		return false;
	*out = now - (__u64)v;
	return true;
}

bool rp_parse_time(const char *s, __u64 now_ns, __u64 *out)
{
	static const char *const fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
					    "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	struct tm tm;
	double v;
	char *end;

	if (!s || !*s)
		return false;
	if (!strcmp(s, "now")) {
		*out = now_ns;
		return true;
	}
	if (*s == '-')
		return parse_relative(s, now_ns, out);
	if (*s == '@') {
		errno = 0;
		v = strtod(s + 1, &end);
		if (errno || end == s + 1 || *end || !isfinite(v) || v < 0 || v > 1e10)
			return false;
		*out = v * 1e9;
		return true;
	}
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		time_t t;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, fmts[i], &tm);
		if (!end || (*end && strcmp(end, "Z")))
			continue;
		t = timegm(&tm);
		if (t < 0)
			return false;
		*out = (__u64)t * 1000000000ULL;
		return true;
	}
	return false;
}

/* 0: run; 1: help printed; 2: usage error printed */
static int parse_args(int argc, char **argv, struct report_env *env)
{
	struct report_args a = {};
	const struct opt_dest d = { .cmd = &a };
	int rc;

	memset(env, 0, sizeof(*env));
	opt_defaults(&report_command, &d);
	rc = opt_parse_cli(&report_command, argc, argv, &d, NULL, NULL);
	if (rc)
		return rc;
	if (a.since_ns && a.until_ns && a.since_ns > a.until_ns) {
		fprintf(stderr, "kmemscope report: --since is after --until\n");
		return 2;
	}
	if (a.folded && (a.html || a.format)) {
		fprintf(stderr,
			"kmemscope report: --folded cannot be combined with --html or --format json\n");
		return 2;
	}
	env->o = (struct rp_opts){ .sort = a.sort,
				   .top = a.top,
				   .kind = a.kind,
				   .caller = a.caller,
				   .since_ns = a.since_ns,
				   .until_ns = a.until_ns,
				   .folded_count = a.weight == RP_WEIGHT_COUNT,
				   .folded_weight = a.weight };
	env->format = a.format ? RP_JSON : RP_TEXT;
	env->html = a.html;
	env->folded = a.folded;
	env->strict = a.strict;
	env->paths = argv + optind;
	env->nr_paths = argc - optind;
	return 0;
}

/* *.ndjson, *.ndjson.gz, and the daemon's segment being written (.active) */
static bool is_export_name(const char *n)
{
	static const char *const suffixes[] = { ".ndjson", ".ndjson.gz", ".ndjson.gz.active",
						".ndjson.active" };
	size_t l = strlen(n);

	if (n[0] == '.')
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t m = strlen(suffixes[i]);

		if (l > m && !strcmp(n + l - m, suffixes[i]))
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_one(struct report *rp, const char *path, unsigned flags)
{
	struct ndjson_reader *r = nr_open(path, flags);
	int rc;

	if (!r) {
		log_warn("cannot read %s: %s", path, strerror(errno));
		return flags & NR_STRICT ? -1 : 1;
	}
	rc = report_read(rp, r);
	nr_close(r);
	return rc;
}

/* A daemon state directory: its segments in name (= time) order. */
static int read_dir(struct report *rp, const char *dir, unsigned flags, int *nread)
{
	char **names = NULL, **l;
	size_t n = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);
	int rc = 0;

	if (!dp) {
		log_warn("cannot read directory %s: %s", dir, strerror(errno));
		return flags & NR_STRICT ? -1 : 0;
	}
	while ((d = readdir(dp))) {
		if (!is_export_name(d->d_name))
			continue;
		l = realloc(names, (n + 1) * sizeof(*l));
		if (!l)
			break;
		names = l;
		if (asprintf(&names[n], "%s/%s", dir, d->d_name) < 0)
			break;
		n++;
	}
	closedir(dp);
	if (!n)
		log_warn("%s: no *.ndjson or *.ndjson.gz files in this directory", dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!rc) {
			int r1 = read_one(rp, names[i], flags);

			if (r1 < 0)
				rc = -1;
			else
				*nread += r1 == 0;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int read_inputs(struct report *rp, struct report_env *env)
{
	unsigned flags = env->strict ? NR_STRICT : 0;
	int nread = 0, rc = 0;

	if (!env->nr_paths) {
		if (isatty(0)) {
			fprintf(stderr,
				"kmemscope report: no input: give files or directories, or pipe an export to stdin\n");
			return 2;
		}
		return read_one(rp, "-", flags) ? 1 : 0;
	}
	for (int i = 0; i < env->nr_paths && !rc; i++) {
		struct stat st;

		if (strcmp(env->paths[i], "-") && !stat(env->paths[i], &st) &&
		    S_ISDIR(st.st_mode)) {
			rc = read_dir(rp, env->paths[i], flags, &nread);
			continue;
		}
		rc = read_one(rp, env->paths[i], flags);
		if (rc > 0)
			rc = 0;
		else if (!rc)
			nread++;
	}
	if (rc)
		return 1;
	if (!nread) {
		log_err("no input could be read");
		return 1;
	}
	return 0;
}

static int write_html(struct report *rp, const char *path)
{
	bool out = !strcmp(path, "-"); /* '-' is stdout, as for every file option */
	FILE *f = out ? stdout : fopen(path, "w");
	int err;

	if (!f) {
		log_err("cannot write --html %s: %s", path, strerror(errno));
		return 1;
	}
	err = report_write_html(f, rp);
	if ((out ? fflush(f) : fclose(f)) || err) {
		log_err("cannot write --html %s: %s", path, strerror(errno ? errno : EIO));
		return 1;
	}
	if (!out)
		fprintf(stderr, "kmemscope report: wrote %s\n", path);
	return 0;
}

static int output(struct report *rp, struct report_env *env)
{
	if (env->folded) {
		if (report_print_folded(stdout, rp))
			log_warn(
				"no allocation stacks in the input: stacks come from page_site records and site records with a \"stack\" or \"stacks\" array (record --stack-sample N)");
		return 0;
	}
	if (env->html && write_html(rp, env->html))
		return 1;
	if (env->format == RP_JSON) {
		cJSON *doc = report_json(rp);
		char *s = doc ? cJSON_Print(doc) : NULL;

		cJSON_Delete(doc);
		if (!s) {
			log_err("out of memory writing JSON");
			return 1;
		}
		puts(s);
		free(s);
	} else if (!env->html) {
		report_print_text(stdout, rp);
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_env env;
	struct report rp;
	int rc;

	rc = parse_args(argc, argv, &env);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (report_init(&rp, &env.o)) {
		log_err("out of memory");
		return 1;
	}
	rc = read_inputs(&rp, &env);
	if (!rc) {
		report_finish(&rp);
		rc = output(&rp, &env);
	}
	report_free(&rp);
	if (fflush(stdout) && !rc) {
		log_err("cannot write the report: %s", strerror(errno));
		rc = 1;
	}
	return rc;
}
