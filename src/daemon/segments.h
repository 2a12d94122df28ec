/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's export: a state directory of gzip NDJSON segments.
 *
 * The segment being written is kmemscope-<start>.ndjson.gz.active; every
 * interval is appended as one complete gzip member, so it reads up to the
 * last interval whatever happens to the daemon. A completed segment is
 * fsync'ed and renamed to kmemscope-<start>.ndjson.gz (atomic). Leftover
 * .active files (a crash) keep their intact members (a corrupt one in the
 * middle is skipped, a torn end cut) and are renamed into place; the daemon
 * writing one holds its flock, so no other daemon takes it for a leftover.
 * An interval is compressed once, when it is queued; a failed write is
 * rolled back and the members stay queued in memory (up to queue_limit)
 * for the next interval. The directory's .lock is checked every interval:
 * a deleted or replaced directory is created and locked again.
 */
#ifndef KMEMSCOPE_SEGMENTS_H
#define KMEMSCOPE_SEGMENTS_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "config.h"
#include "export.h"

struct session;

/* a path inside the state directory */
#define SEG_PATH_MAX (PATH_MAX + 384)

struct segments {
	char dir[PATH_MAX];
	int lock_fd;
	/* limits, from the config */
	__u64 rotate_bytes, retain_segments, retain_bytes, queue_limit, top_sites;
	double rotate_age;
	bool pprof; /* a profile beside every complete segment (pprof_segments) */
	/* the open segment (x.fd < 0: none) and the records queued for it */
	struct export x;
	char name[64]; /* kmemscope-<start>.ndjson.gz */
	char path[SEG_PATH_MAX]; /* the .active file */
	bool need_header; /* a segment is due: its header goes in front of the queue */
	bool closing; /* the last write before exiting: no rotation */
	__u64 seg_start_mono, seg_start_real;
	/* state of the directory after the last interval */
	__u64 disk_bytes, disk_segments;
	/* counters */
	__u64 intervals_written, write_errors, intervals_dropped, segments_deleted, rotations;
	__u64 queued_intervals; /* in the queue, not written yet */
	bool lock_busy; /* another daemon took the directory's lock: not writing there */
	long long recover_err; /* the last recovery error, logged once */
	int last_err; /* -errno of the failing write, 0 when writing works */
	__u64 failing_since_mono;
	char last_error[SEG_PATH_MAX + 160];
};

/*
 * Create (0700) and lock the directory, recover leftover .active segments,
 * apply retention. -errno after logging (another daemon holds the lock,
 * directory cannot be created: the caller decides).
 */
int segments_init(struct segments *g, const char *dir, const struct daemon_config *c);
/* New limits (reload). */
void segments_set_limits(struct segments *g, const struct daemon_config *c);
/* Queue a header for a new segment, which starts with the next write. */
void segments_new(struct segments *g, struct session *s);
/*
 * Queue the session's last interval through session_export_top() (at most
 * top_sites site records, the rest folded into a site_rest record; the
 * session is not changed) and write it; rotate and apply retention. Errors
 * are logged, counted and retried with the next call; returns -errno of the
 * write, 0 when all was written. The queue is the export's own (x): segments
 * add to it only through export.h.
 */
int segments_write(struct segments *g, struct session *s);
/* Write what is queued (a new segment's header): retried by the next write on error. */
int segments_flush(struct segments *g);
/*
 * Write what is queued (opening a segment when due), close the open
 * segment and rename it into place. -errno when something queued was not
 * written (g->queued_intervals says how many intervals).
 */
int segments_close(struct segments *g);
void segments_free(struct segments *g);

struct gz_salvage {
	bool rewritten; /* a hole in the middle: the intact members went to a new file */
	__u64 first_bad,
		bad_bytes; /* where the hole starts, the bytes skipped (not the torn end) */
};
/*
 * Keep the intact members of the gzip file fd (whole, ending on a whole
 * line): a torn end is cut in place; when a corrupt member lies between
 * intact ones, all the intact ones are written to out (out.tmp, then
 * rename) and info->rewritten is set. Returns the size kept, or -errno.
 */
long long gz_salvage(int fd, const char *out, struct gz_salvage *info);
/* gz_salvage() of path into path. Exposed for tests. */
long long gz_salvage_file(const char *path);

#endif
