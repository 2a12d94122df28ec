// SPDX-License-Identifier: GPL-2.0
/*
 * Ground-truth workload for frees through kfree_rcu(): joining an IPv4
 * multicast group on a socket makes one sock_kmalloc() of its
 * struct ip_mc_socklist (and one kzalloc of the group's struct ip_mc_list
 * when the group is new on the device); leaving frees both with
 * kfree_rcu(), which batches them and frees them later with kfree_bulk()
 * (kmem_cache_free_bulk): the kmem:kfree tracepoint never sees them.
 * Usage: mcjoin COUNT [IFNAME]   (default IFNAME lo)
 * Does COUNT join/leave pairs of one group on IFNAME, one membership at a
 * time (a socket may hold at most igmp_max_memberships).
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

int main(int argc, char **argv)
{
	struct ip_mreqn mr = { 0 };
	long count;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COUNT [IFNAME]\n", argv[0]);
		return 2;
	}
	count = atol(argv[1]);
	mr.imr_ifindex = if_nametoindex(argc > 2 ? argv[2] : "lo");
	if (!mr.imr_ifindex) {
		perror("if_nametoindex");
		return 1;
	}
	mr.imr_multiaddr.s_addr = inet_addr("239.255.42.99");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
			perror("IP_ADD_MEMBERSHIP");
			return 1;
		}
		if (setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof(mr))) {
			perror("IP_DROP_MEMBERSHIP");
			return 1;
		}
	}
	close(fd);
	return 0;
}
