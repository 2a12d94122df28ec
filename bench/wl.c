// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark workloads: each runs OPS operations and prints one line
 *   <name> ops=<n> ns_per_op=<wall> cpu_ns_per_op=<cpu> [extra]
 * cpu is the CPU time of the workload and its reaped children (user + sys):
 * on a shared machine it leaves out the time spent waiting for a CPU, and the
 * tracing programs run in the workload's own syscalls and faults.
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
#include <sys/resource.h>
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

/* a queue of more than msgmnb bytes needs the sysctl raised (bench.py does, and restores it) */
static int queue(void)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (q < 0) {
		perror("msgget");
		exit(1);
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

static double cpu_ns(void)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	getrusage(RUSAGE_CHILDREN, &ru);
	return ts.tv_sec * 1e9 + ts.tv_nsec + (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

static double msgq(long ops, size_t size)
{
	int q = queue();
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
	int q = queue();
	double t = now(), fill, cpu;

	for (long i = 0; i < n; i++)
		snd(q, size);
	fill = now() - t;
	t = now();
	cpu = cpu_ns();
	for (long i = 0; i < ops; i++) {
		snd(q, size);
		rcv(q);
	}
	cpu = cpu_ns() - cpu;
	t = now() - t;
	printf("hold n=%ld fill_ns_per_op=%.1f churn_cpu_ns_per_op=%.1f\n", n, n ? fill / n : 0,
	       cpu / ops);
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
	double t, cpu;

	memset(m.mtext, 'x', sizeof(m.mtext));
	cpu = cpu_ns();
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
	cpu = cpu_ns() - cpu;
	printf("%s ops=%ld ns_per_op=%.1f cpu_ns_per_op=%.1f\n", w, ops, t / ops, cpu / ops);
	return 0;
}
