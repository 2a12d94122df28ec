/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task filters (--pid, --comm, --cgroup), shared by bpf/kmem.bpf.c and
 * bpf/pages.bpf.c: the same read-only names in both objects, filled by
 * src/kernel/filter.c, so that one definition of what a filter matches
 * serves every allocator.
 *
 * Applied to allocations only: an object of a filtered-in task may be freed
 * by any task, so frees are matched in the live table as always (user space
 * stops counting unmatched frees while a filter is on: most frees are then
 * of untraced objects; page frees, which no table matches, are not counted
 * at all then). Checked before any map lookup, behind read-only switches
 * whose branches the verifier removes when they are off: an unfiltered run
 * pays the load of filter_any, a filtered-out event a helper call or two.
 */
#ifndef KMEMSCOPE_FILTER_BPF_H
#define KMEMSCOPE_FILTER_BPF_H

#include "kmemscope.h"

const volatile bool filter_any = false; /* one of the three below: one load when none is */
const volatile __u32 filter_nr_pids = 0;
const volatile __u32 filter_pids[KMS_MAX_FILTER_PIDS] = {};
/* bytes of filter_comm compared: its length, plus its NUL for an exact name */
const volatile __u32 filter_comm_len = 0;
const volatile char filter_comm[KMS_COMM_LEN] = {};
const volatile bool filter_cgroup = false;

/* --cgroup: the directory's fd at index 0 (user space puts it there after load) */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_cg SEC(".maps");

static __always_inline bool pid_filtered_out(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	for (int i = 0; i < KMS_MAX_FILTER_PIDS; i++) {
		if (i >= filter_nr_pids)
			break;
		if (filter_pids[i] == tgid)
			return false;
	}
	return true;
}

static __always_inline bool comm_filtered_out(void)
{
	char comm[KMS_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < KMS_COMM_LEN; i++) {
		if (i >= filter_comm_len)
			break;
		if (comm[i] != filter_comm[i])
			return true;
	}
	return false;
}

static __always_inline bool filtered_out(void)
{
	if (filter_nr_pids && pid_filtered_out())
		return true;
	if (filter_comm_len && comm_filtered_out())
		return true;
	/* 1: in the cgroup or below it; 0 not, < 0 no cgroup in the array yet */
	return filter_cgroup && bpf_current_task_under_cgroup(&filter_cg, 0) != 1;
}

/* an event of a task the filters leave out (false at once without filters) */
static __always_inline bool task_filtered_out(void)
{
	return filter_any && filtered_out();
}

#endif
