// SPDX-License-Identifier: GPL-2.0
/* Output files: planted symlinks, devices, FIFOs and sockets at the target. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include "safefile.h"

static char dir[] = "/tmp/kms-safefile-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void path_in(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", dir, name);
}

static void read_back(const char *path, const char *want)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	assert_string_equal(buf, want);
}

/* no file beside the target but the target: the temporary one is gone */
static int entries(void)
{
	char cmd[96];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_new_and_replaced(void **state)
{
	char path[96];
	struct stat st;

	(void)state;
	path_in(path, sizeof(path), "out");
	assert_int_equal(write_file_atomic(path, "one\n", 4, 0600), 0);
	/* a regular file another mode: replaced by our own 0600 file */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(write_file_atomic(path, "two\n", 4, 0600), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	read_back(path, "two\n");
	assert_int_equal(entries(), 1);
	unlink(path);
}

/* a symlink another user planted: refused, its target untouched */
static void test_foreign_symlink(void **state)
{
	char path[96], victim[96];
	struct stat st;

	(void)state;
	path_in(path, sizeof(path), "planted");
	path_in(victim, sizeof(victim), "victim");
	assert_int_equal(write_file_atomic(victim, "keep\n", 5, 0644), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(lchown(path, 65534, 65534), 0);
	assert_int_equal(write_file_atomic(path, "evil\n", 5, 0600), -ELOOP);
	read_back(victim, "keep\n");
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_non_null(strstr(safefile_strerror(-ELOOP), "symbolic link"));
	/* our own symlink is followed, the file it names keeps its mode */
	assert_int_equal(lchown(path, geteuid(), getegid()), 0);
	assert_int_equal(write_file_atomic(path, "mine\n", 5, 0600), 0);
	read_back(victim, "mine\n");
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(entries(), 2);
	unlink(path);
	unlink(victim);
}

/* a device is written in place, never renamed over nor chmod'ed */
static void test_device(void **state)
{
	struct stat before, after;

	(void)state;
	assert_int_equal(stat("/dev/null", &before), 0);
	assert_int_equal(write_file_atomic("/dev/null", "x\n", 2, 0600), 0);
	assert_int_equal(stat("/dev/null", &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_ino, before.st_ino);
}

/* directories and sockets are refused and stay */
static void test_refused(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[96];
	struct stat st;
	int fd;

	(void)state;
	path_in(path, sizeof(path), "d");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(write_file_atomic(path, "x", 1, 0600), -EISDIR);
	rmdir(path);
	path_in(a.sun_path, sizeof(a.sun_path), "sock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write_file_atomic(a.sun_path, "x", 1, 0600), -EEXIST);
	assert_int_equal(lstat(a.sun_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	close(fd);
	unlink(a.sun_path);
	assert_int_equal(entries(), 0);
}

/* a FIFO is written in place (a reader waits on it) */
static void test_fifo(void **state)
{
	char path[96], buf[8] = "";
	int rd;

	(void)state;
	path_in(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(write_file_atomic(path, "fifo", 4, 0600), 0);
	assert_int_equal(read(rd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "fifo", 4);
	close(rd);
	unlink(path);
}

/* a stream: visible at the path once published, gone when aborted before */
static void test_publish_abort(void **state)
{
	struct safefile sf;
	char path[96];

	(void)state;
	path_in(path, sizeof(path), "stream");
	assert_int_equal(safefile_open(&sf, path, 0600), 0);
	assert_int_equal(access(path, F_OK), -1);
	safefile_abort(&sf);
	assert_int_equal(entries(), 0);
	assert_int_equal(safefile_open(&sf, path, 0644), 0);
	assert_int_equal(safefile_publish(&sf), 0);
	assert_int_equal(write(sf.fd, "abc\n", 4), 4);
	read_back(path, "abc\n");
	assert_int_equal(safefile_commit(&sf), 0);
	assert_int_equal(entries(), 1);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_replaced),
		cmocka_unit_test(test_foreign_symlink),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_publish_abort),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
