// SPDX-License-Identifier: GPL-2.0
/*
 * A task that names itself with control characters and makes the kernel's
 * kmalloc fail (issue 18, item 3): semop() with 10^6 operations asks
 * kvmalloc for 6 MB, whose kmalloc attempt is beyond KMALLOC_MAX_SIZE and
 * fails before vmalloc takes over. The per-call limit (SEMOPM) is raised in
 * an IPC namespace of our own, so the host's settings stay as they are.
 * Usage: semfail [NAME]   (default: "x\n<0>FAKE\e[2J"); exit 0 when semop ran.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <unistd.h>

#define NSOPS 1000000

static int raise_semopm(void)
{
	FILE *f = fopen("/proc/sys/kernel/sem", "w");

	if (!f)
		return -1;
	/* SEMMSL SEMMNS SEMOPM SEMMNI */
	fprintf(f, "32000 1024000000 %d 32000\n", NSOPS);
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "x\n<0>FAKE\x1b[2J";
	struct sembuf *ops;
	int id;

	if (unshare(CLONE_NEWIPC) || raise_semopm()) {
		perror("semfail: an IPC namespace with SEMOPM raised");
		return 2;
	}
	id = semget(IPC_PRIVATE, 1, 0600);
	ops = calloc(NSOPS, sizeof(*ops));
	if (id < 0 || !ops) {
		perror("semfail: semget");
		return 2;
	}
	for (int i = 0; i < NSOPS; i++)
		ops[i] = (struct sembuf){ .sem_num = 0, .sem_op = 0, .sem_flg = IPC_NOWAIT };
	prctl(PR_SET_NAME, name);
	/* the semaphore is 0: every "wait for zero" succeeds at once */
	if (semop(id, ops, NSOPS) && errno != E2BIG && errno != ENOMEM) {
		perror("semfail: semop");
		return 1;
	}
	semctl(id, 0, IPC_RMID);
	return 0;
}
