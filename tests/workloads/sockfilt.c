// SPDX-License-Identifier: GPL-2.0
/*
 * Ground-truth workload: attaching a classic socket filter (SO_ATTACH_FILTER)
 * makes one vmalloc in bpf_prog_alloc_no_stats(). Usage: sockfilt COUNT
 * Opens COUNT sockets, attaches a one-instruction filter to each, keeps them
 * all open, then closes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/filter.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = { .len = 1, .filter = &accept_all };
	long count;
	int *fds;

	if (argc != 2) {
		fprintf(stderr, "usage: %s COUNT\n", argv[0]);
		return 2;
	}
	count = atol(argv[1]);
	fds = calloc(count, sizeof(*fds));
	if (!fds)
		return 1;
	for (long i = 0; i < count; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 1;
		}
		if (setsockopt(fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
			perror("SO_ATTACH_FILTER");
			return 1;
		}
	}
	for (long i = 0; i < count; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
