// SPDX-License-Identifier: GPL-2.0
/* The control-socket client against a forked one-shot server. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "control_client.h"

static char dir[] = "/tmp/kms-ctl-XXXXXX";
static char path[128];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/*
 * Serve one connection: read the command line into *cmd_seen (via a pipe),
 * reply with `reply` (or stay silent for `stall_ms`), close.
 */
static pid_t serve_once(const char *reply, int stall_ms, int cmd_pipe)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	strcpy(a.sun_path, path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	if (pid == 0) {
		char line[64];
		size_t n = 0;
		int c = accept(fd, NULL, NULL);

		while (n + 1 < sizeof(line) && read(c, line + n, 1) == 1 && line[n++] != '\n')
			;
		if (cmd_pipe >= 0 && write(cmd_pipe, line, n) < 0)
			_exit(1);
		if (stall_ms)
			usleep(stall_ms * 1000);
		else if (write(c, reply, strlen(reply)) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void test_state_round_trip(void **state)
{
	char cmd[64] = "", err[256] = "";
	int p[2];
	cJSON *doc;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = serve_once("{\"type\":\"state\",\"sites\":[],\"uptime_ns\":5}\n", 0, p[1]);
	doc = control_state(path, 2000, err, sizeof(err));
	assert_non_null(doc);
	assert_int_equal(cJSON_GetObjectItem(doc, "uptime_ns")->valueint, 5);
	/* the protocol: one command line */
	assert_true(read(p[0], cmd, sizeof(cmd) - 1) > 0);
	assert_string_equal(cmd, "state\n");
	cJSON_Delete(doc);
	close(p[0]);
	close(p[1]);
	reap(pid);
}

static void test_error_reply(void **state)
{
	char err[256] = "";
	pid_t pid;

	(void)state;
	pid = serve_once("{\"type\":\"error\",\"error\":\"unknown command\"}\n", 0, -1);
	assert_null(control_state(path, 2000, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown command"));
	reap(pid);
	pid = serve_once("this is not json", 0, -1);
	assert_null(control_state(path, 2000, err, sizeof(err)));
	assert_non_null(strstr(err, "not JSON"));
	reap(pid);
	pid = serve_once("{\"type\":\"status\"}", 0, -1);
	assert_null(control_state(path, 2000, err, sizeof(err)));
	assert_non_null(strstr(err, "not a state document"));
	reap(pid);
}

static void test_no_server(void **state)
{
	char err[256] = "";

	(void)state;
	unlink(path);
	assert_null(control_request(path, "state", 500));
	assert_int_equal(errno, ENOENT);
	assert_null(control_state(path, 500, err, sizeof(err)));
	assert_non_null(strstr(err, path));
}

static void test_timeout(void **state)
{
	char *r;
	pid_t pid;

	(void)state;
	pid = serve_once(NULL, 3000, -1);
	r = control_request(path, "state", 200);
	assert_null(r);
	assert_int_equal(errno, ETIMEDOUT);
	reap(pid);
}

static void test_default_path(void **state)
{
	(void)state;
	unsetenv("KMEMSCOPE_SOCKET");
	assert_string_equal(control_socket_path(), "/run/kmemscope/control.sock");
	setenv("KMEMSCOPE_SOCKET", "/tmp/x.sock", 1);
	assert_string_equal(control_socket_path(), "/tmp/x.sock");
	setenv("KMEMSCOPE_SOCKET", "", 1);
	assert_string_equal(control_socket_path(), "/run/kmemscope/control.sock");
	unsetenv("KMEMSCOPE_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_round_trip), cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_no_server),	 cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
