// SPDX-License-Identifier: GPL-2.0
/* `kmemscope report`: command line, inputs (files, directories, stdin), outputs. */
#define _GNU_SOURCE /* strptime, asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ndjson_reader.h"
#include "report.h"
#include "report_diff.h"
#include "report_folded.h"
#include "report_html.h"
#include "report_ingest.h"
#include "report_json.h"
#include "report_options.h"
#include "report_pprof.h"
#include "report_rank.h"
#include "report_text.h"
#include "safefile.h"
#include "util.h"

struct report_env {
	struct rp_opts o;
	enum rp_format format;
	const char *html, *pprof;
	bool folded, strict, diff;
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
	if (a.diff && (a.folded || a.pprof)) {
		fprintf(stderr,
			"kmemscope report: --diff cannot be combined with --folded or --pprof\n");
		return 2;
	}
	if (a.diff && argc - optind != 2) {
		fprintf(stderr,
			"kmemscope report: --diff needs exactly two inputs, A and B (files or directories), got %d: kmemscope report --diff A B\n",
			argc - optind);
		return 2;
	}
	if (a.folded && (a.html || a.format || a.pprof)) {
		fprintf(stderr,
			"kmemscope report: --folded cannot be combined with --html, --pprof "
			"or --format json\n");
		return 2;
	}
	if (a.pprof && !strcmp(a.pprof, "-") && ((a.html && !strcmp(a.html, "-")) || a.format)) {
		fprintf(stderr,
			"kmemscope report: --pprof - and %s both on stdout: name a file for "
			"the profile\n",
			a.format ? "--format json" : "--html -");
		return 2;
	}
	env->o = (struct rp_opts){ .sort = a.sort,
				   .top = a.top,
				   .kind = a.kind,
				   .caller = a.caller,
				   .comm = a.comm,
				   .cgroup = a.cgroup,
				   .since_ns = a.since_ns,
				   .until_ns = a.until_ns,
				   .max_sites = a.max_sites,
				   .folded_count = a.weight == RP_WEIGHT_COUNT,
				   .folded_weight = a.weight };
	env->format = a.format ? RP_JSON : RP_TEXT;
	env->html = a.html;
	env->pprof = a.pprof;
	env->folded = a.folded;
	env->strict = a.strict;
	env->diff = a.diff;
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

static int read_from(struct report *rp, struct ndjson_reader *r, const char *path, unsigned flags)
{
	char shown[1024];
	int rc;

	if (!r) {
		log_warn("cannot read %s: %s", sanitize(path, shown, sizeof(shown)),
			 strerror(errno));
		return flags & NR_STRICT ? -1 : 1;
	}
	rc = report_read(rp, r);
	nr_close(r);
	return rc;
}

static int read_one(struct report *rp, const char *path, unsigned flags)
{
	return read_from(rp, nr_open(path, flags), path, flags);
}

/*
 * One file found in a directory: only a regular file is opened (a FIFO would
 * hang the report, a device could read forever or act on open), checked by
 * stat() before and fstat() after the open. A daemon's segment renamed from
 * .active while the directory was read is followed to its final name.
 * 1: skipped, with a warning.
 */
static int read_entry(struct report *rp, char *path, unsigned flags)
{
	size_t n = strlen(path), m = strlen(".active");
	char shown[1024];
	struct stat st;
	int fd, err;

	err = stat(path, &st) ? errno : 0;
	if (err == ENOENT && n > m && !strcmp(path + n - m, ".active")) {
		path[n - m] = '\0'; /* the daemon closed the segment meanwhile */
		err = stat(path, &st) ? errno : 0;
	}
	fd = err || !S_ISREG(st.st_mode) ? -1 :
					   open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode))
		return read_from(rp, nr_open_fd(fd, path, flags), path, flags);
	if (fd >= 0 || (!err && !S_ISREG(st.st_mode))) {
		if (fd >= 0)
			close(fd);
		log_warn("%s: not a regular file (a FIFO, device, socket or directory): skipped",
			 sanitize(path, shown, sizeof(shown)));
		return 1;
	}
	errno = err ? err : errno;
	return read_from(rp, NULL, path, flags);
}

/*
 * A week of daemon segments takes a while: on a terminal, which file of how
 * many is being read, on one line that is cleared at the end (not in logs).
 */
static void progress(size_t i, size_t n, bool tty)
{
	if (!tty || n < 2)
		return;
	if (i < n)
		fprintf(stderr, "\rkmemscope report: reading file %zu of %zu", i + 1, n);
	else
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* A daemon state directory: its segments in name (= time) order. */
static int read_dir(struct report *rp, const char *dir, unsigned flags, int *nread)
{
	char **names = NULL, **l, shown[1024];
	size_t n = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);
	bool tty = isatty(2);
	int rc = 0;

	sanitize(dir, shown, sizeof(shown));
	if (!dp) {
		log_warn("cannot read directory %s: %s", shown, strerror(errno));
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
		log_warn("%s: no *.ndjson or *.ndjson.gz files in this directory", shown);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		progress(i, n, tty);
		if (!rc) {
			int r1 = read_entry(rp, names[i], flags);

			if (r1 < 0)
				rc = -1;
			else
				*nread += r1 == 0;
		}
		free(names[i]);
	}
	progress(n, n, tty);
	free(names);
	return rc;
}

static int read_inputs(struct report *rp, const struct report_env *env, char **paths, int nr_paths)
{
	unsigned flags = env->strict ? NR_STRICT : 0;
	int nread = 0, rc = 0;

	if (!nr_paths) {
		if (isatty(0)) {
			fprintf(stderr,
				"kmemscope report: no input: give files or directories, or pipe an export to stdin\n");
			return 2;
		}
		return read_one(rp, "-", flags) ? 1 : 0;
	}
	for (int i = 0; i < nr_paths && !rc; i++) {
		struct stat st;

		if (strcmp(paths[i], "-") && !stat(paths[i], &st) && S_ISDIR(st.st_mode)) {
			rc = read_dir(rp, paths[i], flags, &nread);
			continue;
		}
		rc = read_one(rp, paths[i], flags);
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

/* '-' is stdout, as for every file option; a file appears whole or not at all */
/* an HTML page by writer(f, ctx), to path or stdout ("-"): created 0600 through a safe temporary file */
static int write_page(const char *path, int (*writer)(FILE *, const void *), const void *ctx)
{
	bool out = !strcmp(path, "-");
	struct safefile sf = { .fd = -1 };
	FILE *f = stdout;
	int err = 0;

	if (!out) {
		/* the page shows what the 0600 exports hold */
		err = safefile_open(&sf, path, 0600);
		f = err ? NULL : fdopen(sf.fd, "w");
		if (!f) {
			err = err ? err : -errno;
			safefile_abort(&sf);
			log_err("cannot write --html %s: %s", path, safefile_strerror(err));
			return 1;
		}
	}
	err = writer(f, ctx);
	if (fflush(f) || ferror(f) || err)
		err = -(errno ? errno : EIO);
	if (!out) {
		sf.fd = dup(fileno(f)); /* the commit fsyncs and closes its own */
		fclose(f);
		err = err ? err : sf.fd < 0 ? -errno : safefile_commit(&sf);
		if (err)
			safefile_abort(&sf);
	}
	if (err) {
		log_err("cannot write --html %s: %s", path, strerror(-err));
		return 1;
	}
	if (!out)
		fprintf(stderr, "kmemscope report: wrote %s\n", path);
	return 0;
}

static int write_report_html(FILE *f, const void *rp)
{
	return report_write_html(f, (struct report *)rp);
}

/* doc (taken over) to stdout; 1 without memory */
static int print_json(cJSON *doc)
{
	char *s = doc ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	if (!s) {
		log_err("out of memory writing JSON");
		return 1;
	}
	puts(s);
	free(s);
	return 0;
}

static int output(struct report *rp, struct report_env *env)
{
	if (env->folded) {
		if (report_print_folded(stdout, rp))
			log_warn(
				"no allocation stacks in the input: stacks come from page_site records and site records with a \"stack\" or \"stacks\" array (record --stack-sample N)");
		if (rp->over_folds)
			log_warn(
				"%llu distinct stacks beyond --max-sites %llu (or 64 MiB of names) left out",
				(unsigned long long)rp->over_folds,
				(unsigned long long)rp->opts.max_sites);
		return 0;
	}
	if (env->html && write_page(env->html, write_report_html, rp))
		return 1;
	if (env->pprof) {
		if (report_write_pprof(env->pprof, rp))
			return 1;
		if (strcmp(env->pprof, "-"))
			fprintf(stderr, "kmemscope report: wrote %s\n", env->pprof);
	}
	if (env->format == RP_JSON)
		return print_json(report_json(rp));
	if (!env->html && !env->pprof)
		report_print_text(stdout, rp);
	return 0;
}

static int write_diff_html(FILE *f, const void *ctx)
{
	const struct report_env *env = ((const void *const *)ctx)[1];

	return rp_diff_write_html(f, ((const void *const *)ctx)[0], env->o.top);
}

static int diff_output(const struct rp_diff *d, const struct report_env *env)
{
	const void *ctx[2] = { d, env };

	if (env->html && write_page(env->html, write_diff_html, ctx))
		return 1;
	if (env->format == RP_JSON)
		return print_json(rp_diff_json(d, env->o.top));
	if (!env->html)
		rp_diff_print_text(stdout, d, env->o.top);
	return 0;
}

/* --diff A B: each input read into a report of its own, then compared */
static int cmd_diff(const struct report_env *env)
{
	struct report rp[2];
	struct rp_diff d = {};
	char why[512];
	const char *bad;
	int rc = 0, n = 0;

	for (; n < 2 && !rc; n++) {
		if (report_init(&rp[n], &env->o)) {
			log_err("out of memory");
			rc = 1;
			break;
		}
		rc = read_inputs(&rp[n], env, &env->paths[n], 1);
		if (!rc)
			report_finish(&rp[n]);
	}
	if (!rc && (bad = rp_diff_check(&rp[0], &rp[1], why, sizeof(why)))) {
		fprintf(stderr, "kmemscope report %s\n", bad);
		rc = 2;
	}
	if (!rc && rp_diff_build(&d, &rp[0], &rp[1], env->paths[0], env->paths[1])) {
		log_err("out of memory");
		rc = 1;
	}
	if (!rc)
		rc = diff_output(&d, env);
	rp_diff_free(&d);
	while (n-- > 0)
		report_free(&rp[n]);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_env env;
	struct report rp;
	int rc;

	rc = parse_args(argc, argv, &env);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (env.diff) {
		rc = cmd_diff(&env);
		if (fflush(stdout) && !rc) {
			log_err("cannot write the report: %s", strerror(errno));
			rc = 1;
		}
		return rc;
	}
	if (report_init(&rp, &env.o)) {
		log_err("out of memory");
		return 1;
	}
	rc = read_inputs(&rp, &env, env.paths, env.nr_paths);
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
