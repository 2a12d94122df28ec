// SPDX-License-Identifier: GPL-2.0
/*
 * Ground-truth workload: msgsnd() of N bytes makes exactly one
 * kmalloc(48 + N) at the msg_msg call site (for N <= PAGE_SIZE - 48), and
 * msgrcv() frees it. Usage: msgq COUNT SIZE...
 * Sends COUNT messages of each SIZE, then receives them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg {
	long mtype;
	char mtext[8192];
};

int main(int argc, char **argv)
{
	static struct msg m;
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
	for (int a = 2; a < argc; a++) {
		size_t size = strtoul(argv[a], NULL, 0);

		if (size > sizeof(m.mtext)) {
			fprintf(stderr, "size %zu too big\n", size);
			return 2;
		}
		/* receive each batch before the next: stays under msgmnb */
		for (long i = 0; i < count; i++) {
			m.mtype = 1;
			if (msgsnd(q, &m, size, 0)) {
				perror("msgsnd");
				return 1;
			}
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
