// SPDX-License-Identifier: GPL-2.0
/*
 * A NOTIFY_SOCKET for tests: binds a Unix datagram socket and prints every
 * line of every message as "<CLOCK_MONOTONIC seconds> <sender pid> <line>".
 * With a second argument, runs `sh -c CMD sh PID` (PID is $1 in CMD) when READY=1
 * arrives (PID: the sender), before reading the next message, so CMD sees
 * the sender as it was when it declared itself ready.
 * Usage: notify_listen SOCKET_PATH [CMD]   (runs until killed)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, on = 1;

	if (argc < 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: %s SOCKET_PATH [CMD]\n", argv[0]);
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on))) {
		perror("notify_listen");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		char *line, *save = NULL;
		ssize_t n = recvmsg(fd, &m, 0);
		double t = mono();
		int pid = 0, ready = 0;

		if (n < 0)
			continue;
		buf[n] = '\0';
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				pid = ((struct ucred *)CMSG_DATA(c))->pid;
		}
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			printf("%.6f %d %s\n", t, pid, line);
			ready |= !strcmp(line, "READY=1");
		}
		if (ready && argc > 2) {
			char p[16];
			pid_t child;

			snprintf(p, sizeof(p), "%d", pid);
			child = fork();
			if (child == 0) {
				execl("/bin/sh", "sh", "-c", argv[2], "sh", p, (char *)NULL);
				_exit(127);
			}
			if (child > 0)
				waitpid(child, NULL, 0);
		}
	}
}
