// SPDX-License-Identifier: GPL-2.0
/* The daemon's segments: naming, rotation, retention, recovery, failed writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "schema.h"
#include "segments.h"
#include "session.h"
#include "util.h"

#define SEG_PREFIX "kmemscope-"
#define SEG_SUFFIX ".ndjson.gz"
#define ACTIVE_SUFFIX ".active"
#define PPROF_SUFFIX ".pb.gz" /* kmemscope-<start>.pb.gz beside kmemscope-<start>.ndjson.gz */
/* while writes fail: log the first failure, a changed error, then every Nth */
#define FAIL_LOG_EVERY 60

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

long long gz_cut_to_last_member(const char *path)
{
	static unsigned char in[65536], out[65536];
	z_stream zs = {};
	off_t base = 0, good = 0;
	unsigned char last = '\n';
	bool corrupt = false;
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		close(fd);
		return -ENOMEM;
	}
	while (!corrupt) {
		ssize_t n = read(fd, in, sizeof(in));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		zs.next_in = in;
		zs.avail_in = n;
		do {
			int rc;

			zs.next_out = out;
			zs.avail_out = sizeof(out);
			rc = inflate(&zs, Z_NO_FLUSH);
			if (zs.avail_out < sizeof(out))
				last = out[sizeof(out) - zs.avail_out - 1];
			if (rc == Z_STREAM_END) {
				/* a whole member: keep it if it ends on a whole line */
				if (last == '\n')
					good = base + (n - zs.avail_in);
				inflateReset(&zs);
				continue;
			}
			if (rc == Z_BUF_ERROR && !zs.avail_in)
				break;
			if (rc != Z_OK) {
				corrupt = true;
				break;
			}
		} while (zs.avail_in || !zs.avail_out);
		base += n;
	}
	inflateEnd(&zs);
	if (!err && fstat(fd, &st))
		err = -errno;
	if (!err && st.st_size != good && ftruncate(fd, good))
		err = -errno;
	if (!err)
		fsync(fd);
	close(fd);
	return err ? err : (long long)good;
}

/* A leftover .active segment (the daemon was killed): cut and rename into place. */
static void recover(struct segments *g, const char *name)
{
	char from[SEG_PATH_MAX], to[SEG_PATH_MAX];
	long long size;

	snprintf(from, sizeof(from), "%s/%s", g->dir, name);
	snprintf(to, sizeof(to), "%s/%.*s", g->dir, (int)(strlen(name) - strlen(ACTIVE_SUFFIX)),
		 name);
	size = gz_cut_to_last_member(from);
	if (size < 0) {
		log_warn("cannot recover segment %s: %s", from, strerror(-size));
		return;
	}
	if (size == 0) {
		unlink(from);
		return;
	}
	if (rename(from, to)) {
		log_warn("cannot rename %s into place: %s", from, strerror(errno));
		return;
	}
	log_info("recovered segment %s (%lld bytes)", to, size);
}

struct seg_file {
	char name[64];
	__u64 size;
};

static int cmp_seg(const void *a, const void *b)
{
	return strcmp(((const struct seg_file *)a)->name, ((const struct seg_file *)b)->name);
}

/* the profile's path of a segment's: SEG_SUFFIX becomes PPROF_SUFFIX */
static void profile_path(char *out, size_t sz, const char *segment)
{
	snprintf(out, sz, "%.*s%s", (int)(strlen(segment) - strlen(SEG_SUFFIX)), segment,
		 PPROF_SUFFIX);
}

/* Recover stray .active files, count what is there, delete what retention says. */
static void scan_dir(struct segments *g)
{
	struct seg_file *v = NULL, *tmp;
	size_t n = 0, cap = 0, del = 0;
	__u64 total = 0, count;
	struct dirent *d;
	const char *cur = g->x.fd >= 0 ? strrchr(g->path, '/') + 1 : "";
	DIR *dir = opendir(g->dir);

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		char path[SEG_PATH_MAX];
		struct stat st;

		if (strncmp(d->d_name, SEG_PREFIX, strlen(SEG_PREFIX)) ||
		    strlen(d->d_name) >= sizeof(v->name))
			continue;
		if (has_suffix(d->d_name, SEG_SUFFIX ACTIVE_SUFFIX) && strcmp(d->d_name, cur)) {
			recover(g, d->d_name);
			continue; /* counted on the next scan */
		}
		if (!has_suffix(d->d_name, SEG_SUFFIX))
			continue;
		snprintf(path, sizeof(path), "%s/%s", g->dir, d->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp)
				break;
			v = tmp;
		}
		strcpy(v[n].name, d->d_name);
		v[n].size = st.st_size;
		total += st.st_size;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), cmp_seg);
	count = n;
	/* the open segment, or the one about to be created, counts */
	if (g->x.fd >= 0 || g->need_header)
		count++;
	if (g->x.fd >= 0)
		total += g->x.good_size;
	/* oldest first; the open segment is never deleted */
	while (del < n && (count > g->retain_segments || total > g->retain_bytes)) {
		char path[SEG_PATH_MAX], prof[SEG_PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", g->dir, v[del].name);
		if (unlink(path) && errno != ENOENT) {
			log_warn("retention: cannot delete %s: %s", path, strerror(errno));
			break;
		}
		log_debug("retention: deleted %s", path);
		profile_path(prof, sizeof(prof), path);
		unlink(prof); /* its profile, when there is one */
		g->segments_deleted++;
		count--;
		total -= v[del].size;
		del++;
	}
	g->disk_bytes = total;
	g->disk_segments = count;
	free(v);
}

void segments_set_limits(struct segments *g, const struct daemon_config *c)
{
	g->rotate_bytes = c->rotate_bytes;
	g->rotate_age = c->rotate_age;
	g->retain_segments = c->retain_segments;
	g->retain_bytes = c->retain_bytes;
	g->queue_limit = c->queue_limit;
	g->top_sites = c->top_sites;
	g->pprof = c->pprof_segments;
}

int segments_init(struct segments *g, const char *dir, const struct daemon_config *c)
{
	char path[SEG_PATH_MAX];
	int err;

	memset(g, 0, sizeof(*g));
	g->x.fd = -1;
	g->lock_fd = -1;
	segments_set_limits(g, c);
	if (strlen(dir) >= sizeof(g->dir) - 80)
		return -ENAMETOOLONG;
	strcpy(g->dir, dir);
	err = mkdir_p(dir, 0700);
	if (err) {
		/* not fatal: retried with every interval */
		log_err("cannot create the state directory %s: %s", dir, strerror(-err));
		return 0;
	}
	/* one daemon per directory: the other one's .active is not a leftover */
	snprintf(path, sizeof(path), "%s/.lock", dir);
	g->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (g->lock_fd < 0) {
		log_warn("cannot create %s: %s (not checking for another daemon)", path,
			 strerror(errno));
	} else if (flock(g->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		log_err("another kmemscope daemon writes to %s (%s is locked)", dir, path);
		close(g->lock_fd);
		g->lock_fd = -1;
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	scan_dir(g);
	return 0;
}

void segments_new(struct segments *g, struct session *s)
{
	cJSON *h = session_header(s);
	__u64 real = now_real_ns();
	struct tm tm;
	time_t t;

	g->seg_start_mono = now_mono_ns();
	g->seg_start_real = real;
	/* the daemon's additions (readers ignore unknown fields); records of
	 * the last interval may be queued already (see segments_write) */
	schema_header_daemon(h, real, g->x.len ? s->seq : s->seq + 1, g->top_sites);
	for (;;) {
		char path[SEG_PATH_MAX];
		unsigned ms = real / 1000000 % 1000;

		t = real / 1000000000ULL;
		gmtime_r(&t, &tm);
		snprintf(g->name, sizeof(g->name),
			 SEG_PREFIX "%04d%02d%02dT%02d%02d%02d.%03uZ" SEG_SUFFIX, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		snprintf(path, sizeof(path), "%s/%s", g->dir, g->name);
		snprintf(g->path, sizeof(g->path), "%s/%s" ACTIVE_SUFFIX, g->dir, g->name);
		if (access(path, F_OK) && access(g->path, F_OK))
			break;
		real += 1000000; /* taken (rotations in the same ms): the next ms */
	}
	/* the header goes first: in front of anything still queued */
	if (export_prepend(&g->x, h)) {
		log_err("out of memory queueing a segment header");
		return;
	}
	g->need_header = true;
}

static int open_segment(struct segments *g)
{
	int err, merr;

	merr = mkdir_p(g->dir, 0700);
	err = export_attach(&g->x, g->path);
	if (err)
		return merr ? merr : err;
	g->x.gz = true; /* the name ends in .active: gzip all the same */
	g->need_header = false;
	log_info("writing segment %s", g->path);
	return 0;
}

static void note_error(struct segments *g, const char *what, int err)
{
	char now[sizeof(g->last_error)];

	g->write_errors++;
	snprintf(now, sizeof(now), "%s: %s", what, strerror(-err));
	if (!g->last_err)
		g->failing_since_mono = now_mono_ns();
	if (!g->last_err || strcmp(now, g->last_error) || g->write_errors % FAIL_LOG_EVERY == 0)
		log_err("%s; records stay queued in memory (%zu bytes) and are retried every interval",
			now, g->x.len);
	strcpy(g->last_error, now);
	g->last_err = err;
}

static void note_success(struct segments *g)
{
	if (g->last_err)
		log_info(
			"writing to %s again after %.0fs of errors; %llu intervals were not queued",
			g->dir, (now_mono_ns() - g->failing_since_mono) / 1e9,
			(unsigned long long)g->intervals_dropped);
	g->last_err = 0;
	g->last_error[0] = '\0';
}

/* Write the queue to the open segment (opening it first when due). */
static int flush(struct segments *g)
{
	char what[SEG_PATH_MAX + 32];
	int err;

	if (g->x.fd < 0) {
		if (!g->need_header)
			return 0;
		err = open_segment(g);
		if (err) {
			snprintf(what, sizeof(what), "cannot create %s", g->path);
			note_error(g, what, err);
			return err;
		}
	}
	err = export_flush(&g->x);
	if (err) {
		snprintf(what, sizeof(what), "cannot write %s", g->path);
		note_error(g, what, err);
		if (!g->x.good_size) {
			/* not even the header: no empty file, created again next time */
			export_abandon(&g->x, false);
			unlink(g->path);
			g->need_header = true;
		}
		return err;
	}
	note_success(g);
	return 0;
}

int segments_flush(struct segments *g)
{
	int err;

	scan_dir(g); /* a segment about to begin counts for retention */
	err = flush(g);
	scan_dir(g);
	return err;
}

/*
 * `kmemscope report --pprof SEGMENT.pb.gz SEGMENT`, run by this very binary
 * and not waited for: a report takes seconds on a big segment and the
 * daemon must not miss an interval. The middle process exits at once, so
 * the report's process is init's (or systemd's) to reap, never a zombie here.
 */
static void spawn_pprof(const char *segment)
{
	char out[SEG_PATH_MAX];
	pid_t pid;

	profile_path(out, sizeof(out), segment);
	pid = fork();
	if (pid < 0) {
		log_warn("cannot start the pprof profile of %s: %s", segment, strerror(errno));
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fork() != 0)
			_exit(0);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execl("/proc/self/exe", "kmemscope", "report", "--pprof", out, segment,
		      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

int segments_close(struct segments *g)
{
	char final[SEG_PATH_MAX];
	int err;

	if (g->x.fd < 0)
		return 0;
	err = flush(g);
	if (err)
		return err;
	err = export_close(&g->x); /* fsync */
	if (err) {
		log_err("cannot close %s: %s", g->path, strerror(-err));
		return err;
	}
	snprintf(final, sizeof(final), "%s/%s", g->dir, g->name);
	if (rename(g->path, final)) {
		/* recovered by the next scan of the directory */
		log_err("cannot rename %s to %s: %s", g->path, final, strerror(errno));
		return -errno;
	}
	fsync_dir(g->dir);
	log_info("segment complete: %s", final);
	if (g->pprof)
		spawn_pprof(final);
	return 0;
}

/* The session's records of the last interval, at most top_sites site records. */
static int queue_interval(struct segments *g, struct session *s)
{
	return session_export_top(s, &g->x, g->top_sites);
}

static bool rotation_due(struct segments *g)
{
	return g->x.fd >= 0 && !g->x.len &&
	       ((__u64)g->x.good_size >= g->rotate_bytes ||
		now_mono_ns() - g->seg_start_mono >= g->rotate_age * 1e9);
}

int segments_write(struct segments *g, struct session *s)
{
	int err;

	if (g->x.len >= g->queue_limit) {
		/* bounded memory: the interval is lost, its counts stay in the totals */
		if (g->intervals_dropped++ % FAIL_LOG_EVERY == 0)
			log_err("%zu bytes queued while writes fail (queue_limit): interval %llu not kept",
				g->x.len, (unsigned long long)s->seq);
	} else if (queue_interval(g, s)) {
		log_err("out of memory queueing interval %llu", (unsigned long long)s->seq);
	}
	/* the last segment was closed but its successor not begun (close or rename failed) */
	if (g->x.fd < 0 && !g->need_header)
		segments_new(g, s);
	err = flush(g);
	if (!err) {
		g->intervals_written++;
		if (!g->closing && rotation_due(g) && !segments_close(g)) {
			g->rotations++;
			segments_new(g, s);
			scan_dir(g); /* room first: never one segment more than retained */
			flush(g); /* the new segment starts with its header */
		}
	}
	scan_dir(g);
	return err;
}

void segments_free(struct segments *g)
{
	export_abandon(&g->x, true);
	if (g->lock_fd >= 0)
		close(g->lock_fd);
	g->lock_fd = -1;
}
