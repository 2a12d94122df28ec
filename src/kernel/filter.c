// SPDX-License-Identifier: GPL-2.0
/* The task filters' values for bpf/filter.bpf.h (filter.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "filter.h"
#include "tracer.h"
#include "util.h"

bool filter_on(const struct tracer_opts *o)
{
	return o->nr_filter_pids || o->filter_comm[0] || o->filter_cgroup[0];
}

void filter_vals(const struct tracer_opts *o, struct filter_vals *v)
{
	size_t n = strlen(o->filter_comm);

	memset(v, 0, sizeof(*v));
	v->nr_pids = o->nr_filter_pids;
	memcpy(v->pids, o->filter_pids, sizeof(v->pids));
	if (n) {
		/* a prefix compares its characters, a name its NUL too */
		bool prefix = o->filter_comm[n - 1] == '*';

		memcpy(v->comm, o->filter_comm, n - prefix);
		v->comm_len = prefix ? n - 1 : n + 1;
	}
	v->cgroup = o->filter_cgroup[0] != '\0';
	v->any = filter_on(o);
}

int filter_set_cgroup(struct bpf_map *filter_cg, const struct tracer_opts *o)
{
	__u32 zero = 0;
	int fd, err;

	if (!o->filter_cgroup[0])
		return 0;
	fd = cgroup2_open(o->filter_cgroup, "--cgroup");
	if (fd < 0)
		return fd;
	err = bpf_map_update_elem(bpf_map__fd(filter_cg), &zero, &fd, BPF_ANY) ? -errno : 0;
	close(fd);
	if (err)
		log_err("--cgroup %s: cannot put it in the programs' cgroup array: %s",
			o->filter_cgroup, strerror(-err));
	return err;
}
