/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 for the --cgroup filter and --by cgroup: where the v2 hierarchy
 * is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host),
 * whether a path is one of its directories, and a cgroup id's path.
 */
#ifndef KMEMSCOPE_CGROUP_H
#define KMEMSCOPE_CGROUP_H

#include <stddef.h>
#include <linux/types.h>

/* The cgroup2 mount point from mountinfo text into buf; -ENOENT when there is none. */
int cgroup2_mount_in(const char *mountinfo, char *buf, size_t sz);
/* The same for this machine (/proc/self/mountinfo). */
int cgroup2_mount(char *buf, size_t sz);
/*
 * Open path as a cgroup v2 directory: an fd, or -errno after a one-line
 * error naming the problem and the fix (opt names the option).
 */
int cgroup2_open(const char *path, const char *opt);
/* The id of the cgroup v2 directory path (its kernfs node id), 0 when unknown. */
__u64 cgroup2_id(const char *path);

/* cgroup ids to paths relative to the v2 mount ("/system.slice/x.service") */
struct cgroup_names {
	char root[256];
	struct cgroup_name *v;
	size_t nr;
};
/* The path of id into buf ("/" for the root); false when no directory has it. */
bool cgroup_names_get(struct cgroup_names *cn, __u64 id, char *buf, size_t sz);
void cgroup_names_free(struct cgroup_names *cn);

#endif
