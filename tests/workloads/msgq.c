// SPDX-License-Identifier: GPL-2.0
/*
 * Ground-truth workload: msgsnd() of N bytes makes exactly one
 * kmalloc(48 + N) at the msg_msg call site (for N <= PAGE_SIZE - 48), and
 * msgrcv() frees it. Usage: msgq COUNT SIZE...
 * Sends COUNT messages of each SIZE, then receives them all.
 * With MSGQ_HOLD=1 in the environment all messages of a size are queued
 * before any is received, so COUNT objects are live at once. With
 * MSGQ_WAIT=1 too, it then prints "queued" and keeps them queued until
 * SIGTERM, SIGINT or SIGUSR1 (a tracer can end while they are live), then
 * receives them and removes the queue.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg {
	long mtype;
	char mtext[8192];
};

/* held: until a signal, which is then taken, not fatal (the queue is removed) */
static void wait_signal(const sigset_t *set)
{
	int sig;

	printf("queued\n");
	fflush(stdout);
	sigwait(set, &sig);
}

int main(int argc, char **argv)
{
	static struct msg m;
	bool hold, wait;
	sigset_t set;
	long count;
	int q;

	if (argc < 3) {
		fprintf(stderr, "usage: %s COUNT SIZE...\n", argv[0]);
		return 2;
	}
	count = atol(argv[1]);
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (q < 0) {
		perror("msgget");
		return 1;
	}
	memset(m.mtext, 'x', sizeof(m.mtext));
	/* holding needs a queue as big as everything: raise kernel.msgmnb first */
	hold = getenv("MSGQ_HOLD") && !strcmp(getenv("MSGQ_HOLD"), "1");
	wait = hold && getenv("MSGQ_WAIT") && !strcmp(getenv("MSGQ_WAIT"), "1");
	/* blocked from the start: a signal before the wait is not lost */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (wait)
		sigprocmask(SIG_BLOCK, &set, NULL);
	for (int a = 2; a < argc; a++) {
		size_t size = strtoul(argv[a], NULL, 0);

		if (size > sizeof(m.mtext)) {
			fprintf(stderr, "size %zu too big\n", size);
			return 2;
		}
		/* one message in flight at a time unless holding: stays under msgmnb */
		for (long i = 0; i < count; i++) {
			m.mtype = 1;
			/* never block: a full queue is a setup error, not a hang */
			if (msgsnd(q, &m, size, hold ? IPC_NOWAIT : 0)) {
				perror("msgsnd");
				return 1;
			}
			if (!hold && msgrcv(q, &m, sizeof(m.mtext), 0, 0) < 0) {
				perror("msgrcv");
				return 1;
			}
		}
		if (wait)
			wait_signal(&set);
		for (long i = 0; hold && i < count; i++) {
			if (msgrcv(q, &m, sizeof(m.mtext), 0, 0) < 0) {
				perror("msgrcv");
				return 1;
			}
		}
	}
	if (msgctl(q, IPC_RMID, NULL)) {
		perror("msgctl");
		return 1;
	}
	return 0;
}
