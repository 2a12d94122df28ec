// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the daemon's control socket (docs/control-socket.md), for
 * testing clients: ctlserve SOCKET FILE [COMMAND] answers every COMMAND
 * ("state" by default, "status" for `kmemscope status`) with FILE's contents (read again each time), anything else with the error reply,
 * and closes the connection. Runs until killed; removes SOCKET on SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *sock_path;

static void on_term(int sig)
{
	(void)sig;
	unlink(sock_path);
	_exit(0);
}

static void reply_file(int c, const char *path)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (write(c, buf, n) != (ssize_t)n)
			break;
	fclose(f);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static const char err[] = "{\"type\":\"error\",\"error\":\"unknown command\"}\n";
	int fd;

	if (argc < 3 || argc > 4 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: %s SOCKET FILE [COMMAND]\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	strcpy(a.sun_path, sock_path);
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(sock_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8)) {
		perror(sock_path);
		return 1;
	}
	for (;;) {
		char line[64];
		size_t n = 0;
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		while (n + 1 < sizeof(line) && read(c, line + n, 1) == 1 && line[n] != '\n')
			n++;
		line[n] = '\0';
		if (!strcmp(line, argc > 3 ? argv[3] : "state"))
			reply_file(c, argv[2]);
		else if (write(c, err, sizeof(err) - 1) < 0)
			perror("write");
		close(c);
	}
}
