// SPDX-License-Identifier: GPL-2.0
/* Output files created so that other users cannot redirect them (safefile.h). */
#define _GNU_SOURCE /* asprintf, mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "safefile.h"
#include "util.h"

/* a device or a pipe the user names to write into: /dev/null, a FIFO */
static bool in_place_type(mode_t m)
{
	return S_ISCHR(m) || S_ISFIFO(m);
}

/*
 * Through a symlink only when root or we made it (as the kernel's
 * protected_symlinks judges); a regular file reached so is truncated, as
 * "> FILE" would, and keeps its owner and mode.
 */
static int open_in_place(struct safefile *sf, const struct stat *lst)
{
	bool link = S_ISLNK(lst->st_mode);
	struct stat st;
	int fd, err = 0;

	if (link && lst->st_uid != 0 && lst->st_uid != geteuid())
		return -ELOOP;
	fd = open(sf->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (link ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!in_place_type(st.st_mode) && !(link && S_ISREG(st.st_mode)))
		err = -EEXIST;
	else if (S_ISREG(st.st_mode) && ftruncate(fd, 0))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	sf->fd = fd;
	return 0;
}

/* "<dir>/.<name>.XXXXXX" beside the target: rename() stays in one file system */
static int open_temp(struct safefile *sf, mode_t mode)
{
	const char *slash = strrchr(sf->path, '/');
	int dlen = slash ? (int)(slash - sf->path) + 1 : 0;
	int fd;

	if (asprintf(&sf->tmp, "%.*s.%s.XXXXXX", dlen, sf->path, slash ? slash + 1 : sf->path) <
	    0) {
		sf->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(sf->tmp, O_CLOEXEC); /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0 || (mode != 0600 && fchmod(fd, mode))) {
		int err = -errno;

		if (fd >= 0) {
			close(fd);
			unlink(sf->tmp);
		}
		free(sf->tmp);
		sf->tmp = NULL;
		return err;
	}
	sf->fd = fd;
	return 0;
}

int safefile_open(struct safefile *sf, const char *path, mode_t mode)
{
	struct stat lst;
	int err;

	sf->fd = -1;
	sf->tmp = NULL;
	sf->path = strdup(path);
	if (!sf->path)
		return -ENOMEM;
	if (lstat(path, &lst))
		err = errno == ENOENT ? open_temp(sf, mode) : -errno;
	else if (S_ISREG(lst.st_mode))
		err = open_temp(sf, mode);
	else if (S_ISLNK(lst.st_mode) || in_place_type(lst.st_mode))
		err = open_in_place(sf, &lst);
	else
		err = S_ISDIR(lst.st_mode) ? -EISDIR : -EEXIST;
	if (err) {
		free(sf->path);
		sf->path = NULL;
	}
	return err;
}

static void fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int safefile_publish(struct safefile *sf)
{
	if (!sf->tmp)
		return 0;
	if (rename(sf->tmp, sf->path))
		return -errno;
	free(sf->tmp);
	sf->tmp = NULL;
	fsync_parent(sf->path);
	return 0;
}

void safefile_abort(struct safefile *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	if (sf->tmp)
		unlink(sf->tmp);
	free(sf->tmp);
	free(sf->path);
	sf->fd = -1;
	sf->tmp = sf->path = NULL;
}

int safefile_commit(struct safefile *sf)
{
	int err = 0;

	/* devices and pipes cannot fsync (EINVAL): nothing to make durable */
	if (fsync(sf->fd) && errno != EINVAL && errno != EROFS)
		err = -errno;
	if (!err)
		err = safefile_publish(sf);
	if (close(sf->fd) && !err)
		err = -errno;
	sf->fd = -1;
	safefile_abort(sf); /* frees; removes the temporary file on error */
	return err;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct safefile sf;
	int err = safefile_open(&sf, path, mode);

	if (err)
		return err;
	err = write_all(sf.fd, data, len);
	if (err) {
		safefile_abort(&sf);
		return err;
	}
	return safefile_commit(&sf);
}

const char *safefile_strerror(int err)
{
	switch (-err) {
	case ELOOP:
		return "it is a symbolic link owned by another user, which kmemscope does not follow: remove it or choose another path";
	case EEXIST:
		return "it exists and is neither a regular file, a character device nor a FIFO: remove it or choose another path";
	default:
		return strerror(-err);
	}
}
