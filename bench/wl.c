// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workloads: each runs OPS operations and prints one line
 *   <name> ops=<n> ns_per_op=<x> [extra]
 * Usage: wl msgq OPS [SIZE]     msgsnd + msgrcv: one kmalloc + one kfree per op
 *        wl sockfilt OPS        SO_ATTACH_FILTER on one socket: one vmalloc + one vfree
 *                               (of the filter it replaces) per op
 *        wl fork OPS            fork + _exit + waitpid: slab, vmalloc'ed stacks, pages
 *        wl fault OPS           mmap / touch / munmap, one op = one page touched
 *        wl hold N OPS [SIZE]   keep N messages queued (live objects), then msgq churn;
 *                               prints the fill and the churn ns/op
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/wait.h>

static struct {
	long mtype;
	char mtext[4096];
} m;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int queue(long bytes)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct msqid_ds ds;

	if (q < 0) {
		perror("msgget");
		exit(1);
	}
	/* root (CAP_SYS_RESOURCE) may raise one queue above msgmnb: no sysctl to restore */
	if (bytes && !msgctl(q, IPC_STAT, &ds)) {
		ds.msg_qbytes = bytes;
		if (msgctl(q, IPC_SET, &ds))
			perror("IPC_SET msg_qbytes");
	}
	return q;
}

static void snd(int q, size_t size)
{
	m.mtype = 1;
	if (msgsnd(q, &m, size, 0)) {
		perror("msgsnd");
		exit(1);
	}
}

static void rcv(int q)
{
	if (msgrcv(q, &m, sizeof(m.mtext), 0, 0) < 0) {
		perror("msgrcv");
		exit(1);
	}
}

static double msgq(long ops, size_t size)
{
	int q = queue(0);
	double t = now();

	for (long i = 0; i < ops; i++) {
		snd(q, size);
		rcv(q);
	}
	t = now() - t;
	msgctl(q, IPC_RMID, NULL);
	return t;
}

static double hold(long n, long ops, size_t size)
{
	/* the queue counts one byte per message at least */
	int q = queue((n + 16) * (size + 1) > 0x7fffffffL ? 0x7fffffffL : (n + 16) * (size + 1));
	double t = now(), fill;

	for (long i = 0; i < n; i++)
		snd(q, size);
	fill = now() - t;
	t = now();
	for (long i = 0; i < ops; i++) {
		snd(q, size);
		rcv(q);
	}
	t = now() - t;
	printf("hold n=%ld fill_ns_per_op=%.1f\n", n, n ? fill / n : 0);
	msgctl(q, IPC_RMID, NULL);
	return t;
}

static double sockfilt(long ops)
{
	struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = { .len = 1, .filter = &accept_all };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	double t = now();

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	for (long i = 0; i < ops; i++) {
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
			perror("SO_ATTACH_FILTER");
			exit(1);
		}
	}
	t = now() - t;
	close(fd);
	return t;
}

static double forks(long ops)
{
	double t = now();

	for (long i = 0; i < ops; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("fork");
			exit(1);
		}
		if (!p)
			_exit(0);
		waitpid(p, NULL, 0);
	}
	return now() - t;
}

static double fault(long ops)
{
	const long pages = 256, psz = sysconf(_SC_PAGESIZE);
	double t = now();

	for (long done = 0; done < ops; done += pages) {
		char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		/* no THP: one mm_page_alloc per touched page */
		madvise(p, pages * psz, MADV_NOHUGEPAGE);
		for (long i = 0; i < pages; i++)
			p[i * psz] = 1;
		munmap(p, pages * psz);
	}
	return now() - t;
}

int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "";
	long ops = argc > 2 ? atol(argv[2]) : 0;
	double t;

	memset(m.mtext, 'x', sizeof(m.mtext));
	if (!strcmp(w, "msgq") && ops > 0) {
		t = msgq(ops, argc > 3 ? strtoul(argv[3], NULL, 0) : 64);
	} else if (!strcmp(w, "sockfilt") && ops > 0) {
		t = sockfilt(ops);
	} else if (!strcmp(w, "fork") && ops > 0) {
		t = forks(ops);
	} else if (!strcmp(w, "fault") && ops > 0) {
		ops = (ops + 255) / 256 * 256;
		t = fault(ops);
	} else if (!strcmp(w, "hold") && argc > 3) {
		long n = ops;

		ops = atol(argv[3]);
		t = hold(n, ops, argc > 4 ? strtoul(argv[4], NULL, 0) : 16);
	} else {
		fprintf(stderr, "usage: wl msgq|sockfilt|fork|fault OPS, wl hold N OPS [SIZE]\n");
		return 2;
	}
	printf("%s ops=%ld ns_per_op=%.1f\n", w, ops, t / ops);
	return 0;
}
