// SPDX-License-Identifier: GPL-2.0
/* The daemon's segments: naming, rotation, retention, recovery, failed writes. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
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

/*
 * The gzip member at p: 1 whole (*used bytes; *lines: it ends on a whole
 * line), 0 cut short (a torn write), -1 corrupt, -ENOMEM.
 */
static int gz_member(const unsigned char *p, size_t n, size_t *used, bool *lines)
{
	static unsigned char out[65536];
	unsigned char last = '\n';
	z_stream zs = {};
	int rc;

	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -ENOMEM;
	zs.next_in = (unsigned char *)p;
	zs.avail_in = n > UINT_MAX ? UINT_MAX : n;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (zs.avail_out < sizeof(out))
			last = out[sizeof(out) - zs.avail_out - 1];
	} while (rc == Z_OK);
	*used = zs.total_in;
	*lines = last == '\n';
	inflateEnd(&zs);
	if (rc == Z_STREAM_END)
		return 1;
	return rc == Z_BUF_ERROR && !zs.avail_in ? 0 : -1;
}

/* the next gzip member header after p[0] (deflate, magic 1f 8b 08), or n */
static size_t next_member(const unsigned char *p, size_t n)
{
	static const unsigned char magic[3] = { 0x1f, 0x8b, 0x08 };
	const unsigned char *m = n > 1 ? memmem(p + 1, n - 1, magic, sizeof(magic)) : NULL;

	return m ? (size_t)(m - p) : n;
}

/* the intact members, as [start, end) ranges; adjacent ones merged */
struct gz_ranges {
	size_t (*r)[2];
	size_t n, cap;
};

static int gz_keep(struct gz_ranges *k, size_t start, size_t end)
{
	size_t(*tmp)[2];

	if (k->n && k->r[k->n - 1][1] == start) {
		k->r[k->n - 1][1] = end;
		return 0;
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 16;
		tmp = realloc(k->r, k->cap * sizeof(*k->r));
		if (!tmp)
			return -ENOMEM;
		k->r = tmp;
	}
	k->r[k->n][0] = start;
	k->r[k->n][1] = end;
	k->n++;
	return 0;
}

/*
 * Every whole member that ends on a whole line. A corrupt member is skipped
 * up to the next member header, and reading goes on from there: the
 * intervals after it are intact and kept.
 */
static int gz_scan(const unsigned char *p, size_t n, struct gz_ranges *k)
{
	size_t off = 0, used;
	bool lines;

	while (off < n) {
		int rc = gz_member(p + off, n - off, &used, &lines);

		if (rc < -1)
			return rc;
		if (rc == 1) {
			if (lines && gz_keep(k, off, off + used))
				return -ENOMEM;
			off += used;
			continue;
		}
		/* corrupt, or cut short where a bad length swallowed what follows */
		off += next_member(p + off, n - off);
	}
	return 0;
}

/* the kept ranges of p into a new file out (through out.tmp, then rename) */
static int gz_write_ranges(const unsigned char *p, const struct gz_ranges *k, const char *out)
{
	char tmp[SEG_PATH_MAX + 8];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* a leftover of a recovery cut short: ours (the directory is the daemon's) */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; !err && i < k->n; i++)
		err = write_all(fd, p + k->r[i][0], k->r[i][1] - k->r[i][0]);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

long long gz_salvage(int fd, const char *out, struct gz_salvage *info)
{
	struct gz_ranges k = {};
	unsigned char *p = NULL;
	long long size = 0;
	struct stat st;
	int err = 0;

	if (info)
		memset(info, 0, sizeof(*info));
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		err = gz_scan(p, st.st_size, &k);
	}
	for (size_t i = 0; i < k.n; i++)
		size += k.r[i][1] - k.r[i][0];
	if (!err && (k.n > 1 || (k.n == 1 && k.r[0][0]))) {
		/* a hole in the middle: the intact members into a new file */
		err = gz_write_ranges(p, &k, out);
		if (info) {
			info->rewritten = true;
			info->first_bad = k.r[0][0] ? 0 : k.r[0][1];
			info->bad_bytes = k.r[k.n - 1][1] - size;
		}
	} else if (!err && st.st_size != size) {
		/* intact up to a torn end: cut in place */
		if (ftruncate(fd, size))
			err = -errno;
		else
			fsync(fd);
	}
	if (p)
		munmap(p, st.st_size);
	free(k.r);
	return err ? err : size;
}

long long gz_salvage_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	long long size;

	if (fd < 0)
		return -errno;
	size = gz_salvage(fd, path, NULL);
	close(fd);
	return size;
}

/*
 * A leftover .active segment (the daemon was killed): its intact members
 * renamed into place. One that another live daemon still writes (it holds
 * the file's lock: a second daemon on a re-created directory) is not ours.
 */
static void recover(struct segments *g, const char *name)
{
	char from[SEG_PATH_MAX], to[SEG_PATH_MAX];
	struct gz_salvage info = {};
	long long size;
	int fd;

	snprintf(from, sizeof(from), "%s/%s", g->dir, name);
	snprintf(to, sizeof(to), "%s/%.*s", g->dir, (int)(strlen(name) - strlen(ACTIVE_SUFFIX)),
		 name);
	fd = open(from, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		log_debug("%s is locked: another daemon writes it", from);
		close(fd);
		return;
	}
	size = fd < 0 ? -errno : gz_salvage(fd, to, &info);
	if (size < 0) {
		if (fd >= 0)
			close(fd);
		if (g->recover_err != size)
			log_warn("cannot recover segment %s: %s", from, strerror(-size));
		g->recover_err = size; /* once, not every interval */
		return;
	}
	g->recover_err = 0;
	if (info.rewritten) {
		log_warn(
			"segment %s: %llu corrupt bytes skipped from offset %llu; the intact intervals before and after them kept in %s (%lld bytes)",
			from, (unsigned long long)info.bad_bytes,
			(unsigned long long)info.first_bad, to, size);
		unlink(from);
	} else if (size == 0) {
		unlink(from);
	} else if (rename(from, to)) {
		log_warn("cannot rename %s into place: %s", from, strerror(errno));
	} else {
		log_info("recovered segment %s (%lld bytes)", to, size);
	}
	close(fd);
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
	DIR *dir = g->lock_busy ? NULL : opendir(g->dir);

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

/*
 * Create the directory and take its lock. -EBUSY: another daemon holds it.
 * A lock that cannot be created (a read-only directory) is not an error:
 * nothing can be written there either, and it is tried again every interval.
 */
static int take_lock(struct segments *g, bool quiet)
{
	char path[SEG_PATH_MAX];
	int err = mkdir_p(g->dir, 0700);

	if (err) {
		if (!quiet)
			log_err("cannot create the state directory %s: %s", g->dir, strerror(-err));
		return 0;
	}
	snprintf(path, sizeof(path), "%s/.lock", g->dir);
	g->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (g->lock_fd < 0) {
		if (!quiet)
			log_warn("cannot create %s: %s (not checking for another daemon)", path,
				 strerror(errno));
		return 0;
	}
	if (flock(g->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		close(g->lock_fd);
		g->lock_fd = -1;
		if (err == -EWOULDBLOCK) {
			if (!g->lock_busy)
				log_err("another kmemscope daemon writes to %s (%s is locked)",
					g->dir, path);
			g->lock_busy = true;
			return -EBUSY;
		}
		return err;
	}
	if (g->lock_busy)
		log_info("the lock of %s is ours again", g->dir);
	g->lock_busy = false;
	return 0;
}

int segments_init(struct segments *g, const char *dir, const struct daemon_config *c)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->x.fd = -1;
	g->x.gz = true; /* intervals are compressed as they are queued */
	g->lock_fd = -1;
	segments_set_limits(g, c);
	if (strlen(dir) >= sizeof(g->dir) - 80)
		return -ENAMETOOLONG;
	strcpy(g->dir, dir);
	/* one daemon per directory: the other one's .active is not a leftover */
	err = take_lock(g, false);
	if (err)
		return err;
	scan_dir(g);
	return 0;
}

/* the file behind fd is gone (unlinked), or path is now another file */
static bool replaced(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) || !a.st_nlink)
		return true;
	return path && (stat(path, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/*
 * The state directory deleted or replaced under the daemon (its .lock is
 * not ours any more): what is written there would vanish, and a second
 * daemon could start on it. Create and lock it again; a segment deleted
 * with it is closed, and the next write starts a new one.
 */
static void check_dir(struct segments *g)
{
	char path[SEG_PATH_MAX];

	snprintf(path, sizeof(path), "%s/.lock", g->dir);
	if (g->lock_fd >= 0 && replaced(g->lock_fd, path)) {
		log_err("the state directory %s was deleted or replaced: creating it again and taking its lock",
			g->dir);
		close(g->lock_fd);
		g->lock_fd = -1;
	}
	if (g->x.fd >= 0 && replaced(g->x.fd, g->path)) {
		log_err("segment %s was deleted: starting a new one", g->path);
		export_abandon(&g->x, false);
	}
	if (g->lock_fd < 0)
		take_lock(g, true);
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

	if (g->lock_busy)
		return -EBUSY;
	merr = mkdir_p(g->dir, 0700);
	err = export_attach(&g->x, g->path);
	/* the name ends in .active: gzip all the same; and the queue holds gzip
	 * members, whether the file could be created or not */
	g->x.gz = true;
	if (err)
		return merr ? merr : err;
	/* ours while we write it: not a leftover for another daemon to recover */
	if (flock(g->x.fd, LOCK_EX | LOCK_NB))
		log_warn("cannot lock %s: %s", g->path, strerror(errno));
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
			if (g->lock_busy)
				snprintf(what, sizeof(what),
					 "another kmemscope daemon writes to %s", g->dir);
			else
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
	g->intervals_written += g->queued_intervals;
	g->queued_intervals = 0;
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

	if (g->x.fd < 0 && !g->x.len)
		return 0;
	/* records queued while no segment could be created: one is due */
	err = flush(g);
	if (err)
		return err;
	if (g->x.fd < 0)
		return g->x.len ? -EIO : 0;
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

/*
 * The session's records of the last interval, at most top_sites site
 * records: one gzip member, compressed now and never again (a retry writes
 * the same bytes, whatever the queue holds).
 */
static int queue_interval(struct segments *g, struct session *s)
{
	int err = session_export_top(s, &g->x, g->top_sites);

	err = err ? err : export_pack(&g->x);
	if (!err)
		g->queued_intervals++;
	return err;
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
	check_dir(g);
	/* the last segment was closed (or deleted) but its successor not begun */
	if (g->x.fd < 0 && !g->need_header)
		segments_new(g, s);
	err = flush(g);
	if (!err) {
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
