/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task filters (--pid, --comm, --cgroup) as the read-only values and
 * the cgroup array of bpf/filter.bpf.h, for every object that includes it
 * (kmem and its flavours, pages).
 */
#ifndef KMEMSCOPE_FILTER_H
#define KMEMSCOPE_FILTER_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>
#include "kmemscope.h"

struct bpf_map;
struct tracer_opts;

/* bpf/filter.bpf.h's read-only values, in the order it declares them */
struct filter_vals {
	bool any;
	__u32 nr_pids;
	__u32 pids[KMS_MAX_FILTER_PIDS];
	__u32 comm_len; /* bytes compared: a prefix its characters, a name its NUL too */
	char comm[KMS_COMM_LEN];
	bool cgroup;
};

/* Is one of --pid, --comm, --cgroup given? */
bool filter_on(const struct tracer_opts *o);
/* The values the options give. */
void filter_vals(const struct tracer_opts *o, struct filter_vals *v);

/* Into a skeleton's rodata, whose names are bpf/filter.bpf.h's. */
#define FILTER_SET_RODATA(rodata, v)                                               \
	do {                                                                       \
		_Static_assert(sizeof((rodata)->filter_pids) == sizeof((v)->pids), \
			       "as filter.bpf.h");                                 \
		_Static_assert(sizeof((rodata)->filter_comm) == sizeof((v)->comm), \
			       "as filter.bpf.h");                                 \
		(rodata)->filter_any = (v)->any;                                   \
		(rodata)->filter_nr_pids = (v)->nr_pids;                           \
		memcpy((rodata)->filter_pids, (v)->pids, sizeof((v)->pids));       \
		(rodata)->filter_comm_len = (v)->comm_len;                         \
		memcpy((rodata)->filter_comm, (v)->comm, sizeof((v)->comm));       \
		(rodata)->filter_cgroup = (v)->cgroup;                             \
	} while (0)

/*
 * After load: the --cgroup directory into the object's filter_cg array
 * (0 without --cgroup; -errno after a one-line error).
 */
int filter_set_cgroup(struct bpf_map *filter_cg, const struct tracer_opts *o);

#endif
