// SPDX-License-Identifier: GPL-2.0
/*
 * Soak workload: many allocation sites and ever-new pointers for SECONDS.
 * Each round creates and removes a file, opens a socket and a pipe, sends
 * and receives a message of a varying size, maps and touches memory, and
 * every so often forks; a rolling window of open descriptors keeps objects
 * alive for a while so addresses keep changing.
 * Usage: churn DIR SECONDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 512

static struct {
	long mtype;
	char text[4096];
} msg;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void one_round(const char *dir, long i, int q, int *window)
{
	char path[512];
	int fd, p[2];
	char *m;

	snprintf(path, sizeof(path), "%s/churn-%ld", dir, i);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, path, strlen(path)) < 0)
			perror("write");
		close(fd);
		unlink(path);
	}
	/* the window keeps a socket per slot open for WINDOW rounds */
	if (window[i % WINDOW] >= 0)
		close(window[i % WINDOW]);
	window[i % WINDOW] = socket(i % 2 ? AF_INET : AF_UNIX, SOCK_DGRAM, 0);
	if (pipe(p) == 0) {
		close(p[0]);
		close(p[1]);
	}
	msg.mtype = 1;
	if (msgsnd(q, &msg, 16 + (i * 37) % 4000, IPC_NOWAIT) == 0)
		msgrcv(q, &msg, sizeof(msg.text), 0, IPC_NOWAIT);
	if (i % 8 == 0) {
		m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			for (int k = 0; k < 16; k++)
				m[k * 4096] = 1;
			munmap(m, 1 << 16);
		}
	}
	if (i % 200 == 0 && fork() == 0)
		_exit(0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	int window[WINDOW], q;
	double end;
	long i = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DIR SECONDS\n", argv[0]);
		return 2;
	}
	end = now() + atof(argv[2]);
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	for (int k = 0; k < WINDOW; k++)
		window[k] = -1;
	while (now() < end) {
		one_round(argv[1], i++, q, window);
		/* a little idle time: churn, not a CPU hog */
		if (i % 50 == 0)
			usleep(1000);
	}
	msgctl(q, IPC_RMID, NULL);
	printf("%ld rounds\n", i);
	return 0;
}
