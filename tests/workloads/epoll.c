// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_ctl ADD/DEL pairs on one eventfd: each ADD allocates an epitem (at
 * do_epoll_ctl, ep_insert inlined), each DEL frees it, through RCU. Where
 * the kernel frees it with kfree_rcu the free goes through kfree_bulk and
 * no kmem tracepoint fires: the tracer sees it only when the address comes
 * back (an implied free). Usage: epoll COUNT [PAUSE_US]
 * PAUSE_US between pairs (default 0) lets grace periods end while it runs,
 * so that later ADDs get the addresses of earlier, freed epitems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	long count, pause_us;
	int ep, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COUNT [PAUSE_US]\n", argv[0]);
		return 2;
	}
	count = atol(argv[1]);
	pause_us = argc > 2 ? atol(argv[2]) : 0;
	ep = epoll_create1(EPOLL_CLOEXEC);
	fd = eventfd(0, EFD_CLOEXEC);
	if (ep < 0 || fd < 0) {
		perror("epoll_create1/eventfd");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ||
		    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL)) {
			perror("epoll_ctl");
			return 1;
		}
		if (pause_us)
			usleep(pause_us);
	}
	close(fd);
	close(ep);
	return 0;
}
