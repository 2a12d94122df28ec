/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files kmemscope writes, created so that nobody else can redirect them
 * (docs/security in README). A new or regular target is written into a
 * fresh temporary file in its own directory (mkostemp: O_CREAT|O_EXCL, so a
 * planted name or symlink is never opened), then renamed over the target:
 * the target's directory entry is replaced, never the file a symlink points
 * to, and the mode is set on our own descriptor only.
 *
 * Existing targets that are not regular files:
 *  - a character device or a FIFO (/dev/null, /dev/stdout, a pipe) is
 *    written in place: no rename, no chmod;
 *  - a symlink is followed only when it belongs to root or to us (as
 *    /dev/stdout does) and then written in place like a device;
 *  - anything else (directory, socket, block device, another user's
 *    symlink) is refused with -ELOOP / -EEXIST (see safefile_strerror).
 */
#ifndef KMEMSCOPE_SAFEFILE_H
#define KMEMSCOPE_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct safefile {
	int fd;
	char *path; /* the target */
	char *tmp; /* the temporary name until published; NULL in place */
};

/* Open a file that will replace path (mode on creation). -errno. */
int safefile_open(struct safefile *sf, const char *path, mode_t mode);
/* Rename the temporary file over the target now; the fd stays open for writing. -errno. */
int safefile_publish(struct safefile *sf);
/* fsync, publish (when not yet), close. On error nothing replaces the target. -errno. */
int safefile_commit(struct safefile *sf);
/* Close; the unpublished temporary file is removed. */
void safefile_abort(struct safefile *sf);
/* The whole file at once: open, write, commit. -errno. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* strerror(-err), with the reason for a refused target spelled out */
const char *safefile_strerror(int err);

#endif
