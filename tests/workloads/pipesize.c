// SPDX-License-Identifier: GPL-2.0
/*
 * Large kmallocs and allocation failures on demand, from user space:
 * F_SETPIPE_SZ resizes a pipe's ring with kcalloc(slots, sizeof(struct
 * pipe_buffer)) at pipe_resize_ring().
 *   pipesize large N: N pipes resized to 16 MiB (a ring of ~160 KiB: a
 *                     page-backed kmalloc_large that succeeds)
 *   pipesize fail N:  N resizes to 1 GiB (a ring of ~10 MiB: beyond the
 *                     largest page order, the kmalloc fails, ENOMEM)
 * /proc/sys/fs/pipe-max-size must allow the size (the test raises it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool fail = argc == 3 && !strcmp(argv[1], "fail");
	int p[2], failures = 0;
	long n;

	if (argc != 3 || (!fail && strcmp(argv[1], "large"))) {
		fprintf(stderr, "usage: %s large|fail COUNT\n", argv[0]);
		return 2;
	}
	n = atol(argv[2]);
	for (long i = 0; i < n; i++) {
		if (pipe(p)) {
			perror("pipe");
			return 1;
		}
		if (fcntl(p[1], F_SETPIPE_SZ, fail ? 1 << 30 : 1 << 24) < 0) {
			if (!fail || errno != ENOMEM) {
				perror("F_SETPIPE_SZ");
				return 1;
			}
			failures++;
		}
		close(p[0]);
		close(p[1]);
	}
	printf("%d failures\n", failures);
	return fail && failures != n;
}
