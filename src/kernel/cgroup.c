// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "cgroup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct cgroup_name {
	__u64 id;
	char *path;
};

int cgroup2_mount_in(const char *text, char *buf, size_t sz)
{
	const char *line = text;

	/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw" */
	while (line && *line) {
		const char *end = strchr(line, '\n'), *sep = strstr(line, " - cgroup2 ");
		char mnt[256];

		if (!end)
			end = line + strlen(line);
		if (sep && sep < end && sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			if (snprintf(buf, sz, "%s", mnt) >= (int)sz)
				return -ENAMETOOLONG;
			return 0;
		}
		line = *end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup2_mount(char *buf, size_t sz)
{
	char *text = read_file("/proc/self/mountinfo", NULL);
	int err;

	if (!text)
		return -errno;
	err = cgroup2_mount_in(text, buf, sz);
	free(text);
	return err;
}

int cgroup2_open(const char *path, const char *opt)
{
	char mnt[256];
	struct statfs fs;
	int fd, err;

	if (cgroup2_mount(mnt, sizeof(mnt))) {
		log_err("%s needs cgroup v2 and this machine has no cgroup2 hierarchy mounted (cgroup v1 only): mount one (mount -t cgroup2 none /sys/fs/cgroup/unified) or drop %s",
			opt, opt);
		return -ENOENT;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_err("%s %s: %s: give a cgroup v2 directory (under %s)", opt, path,
			strerror(-err), mnt);
		return err;
	}
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		log_err("%s %s: not a cgroup v2 directory: give one under the cgroup2 mount %s",
			opt, path, mnt);
		return -ENOTDIR;
	}
	return fd;
}

__u64 cgroup2_id(const char *path)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;
	struct stat st;

	/* kernfs file handles are the node id, which is the cgroup id */
	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) &&
	    h.fh.handle_bytes == sizeof(__u64))
		return h.id;
	/* without handles (old kernels): the inode number is the id since 5.5 */
	return stat(path, &st) ? 0 : st.st_ino;
}

/* nftw has no context argument */
static struct cgroup_names *walking;

static int add_name(struct cgroup_names *cn, __u64 id, const char *path)
{
	struct cgroup_name *v = realloc(cn->v, (cn->nr + 1) * sizeof(*v));

	if (!v)
		return -1;
	cn->v = v;
	v[cn->nr].id = id;
	v[cn->nr].path = strdup(path);
	if (!v[cn->nr].path)
		return -1;
	cn->nr++;
	return 0;
}

static int add_dir(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + strlen(walking->root);

	(void)st;
	(void)ftw;
	if (flag != FTW_D)
		return 0;
	return add_name(walking, cgroup2_id(path), *rel ? rel : "/");
}

static const char *lookup(const struct cgroup_names *cn, __u64 id)
{
	for (size_t i = 0; i < cn->nr; i++)
		if (cn->v[i].id == id)
			return cn->v[i].path;
	return NULL;
}

bool cgroup_names_get(struct cgroup_names *cn, __u64 id, char *buf, size_t sz)
{
	const char *p = lookup(cn, id);

	if (!p) {
		/* a cgroup created since the last walk: walk again */
		cgroup_names_free(cn);
		if (cgroup2_mount(cn->root, sizeof(cn->root)))
			return false;
		walking = cn;
		nftw(cn->root, add_dir, 16, FTW_PHYS | FTW_MOUNT);
		walking = NULL;
		p = lookup(cn, id);
	}
	if (!p) {
		/* gone, or never seen: remembered by its number, not walked for again */
		snprintf(buf, sz, "#%llu", (unsigned long long)id);
		add_name(cn, id, buf);
		return false;
	}
	snprintf(buf, sz, "%s", p);
	return true;
}

void cgroup_names_free(struct cgroup_names *cn)
{
	for (size_t i = 0; i < cn->nr; i++)
		free(cn->v[i].path);
	free(cn->v);
	cn->v = NULL;
	cn->nr = 0;
}
