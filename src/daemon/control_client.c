// SPDX-License-Identifier: GPL-2.0
/* Client of the daemon's control socket: one command, one JSON reply, EOF. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "control_client.h"
#include "util.h"

#define MAX_REPLY (256u << 20)

const char *control_socket_path(void)
{
	const char *p = getenv("KMEMSCOPE_SOCKET");

	return p && *p ? p : CONTROL_SOCKET_DEFAULT;
}

/* wait for fd to be ready until the deadline; -ETIMEDOUT */
static int wait_fd(int fd, short ev, __u64 deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (;;) {
		__u64 now = now_mono_ns();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (deadline - now) / 1000000 + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_to(const char *path, __u64 deadline)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	err = -errno;
	if (err == -EINPROGRESS || err == -EAGAIN) {
		socklen_t len = sizeof(err);

		err = wait_fd(fd, POLLOUT, deadline);
		if (!err && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = -err;
		if (!err)
			return fd;
	}
	close(fd);
	return err;
}

char *control_request(const char *path, const char *cmd, int timeout_ms)
{
	__u64 deadline = now_mono_ns() + (__u64)timeout_ms * 1000000;
	size_t len = strlen(cmd), off = 0, n = 0, cap = 0;
	char *buf = NULL, *tmp;
	int fd, err = 0;

	fd = connect_to(path, deadline);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	while (off < len + 1) {
		const char *p = off < len ? cmd + off : "\n";
		ssize_t w = send(fd, p, off < len ? len - off : 1, MSG_NOSIGNAL);

		if (w >= 0) {
			off += w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || (err = wait_fd(fd, POLLOUT, deadline)))
			goto fail;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_REPLY) {
				err = -EMSGSIZE;
				goto fail;
			}
			tmp = realloc(buf, cap);
			if (!tmp) {
				err = -ENOMEM;
				goto fail;
			}
			buf = tmp;
		}
		r = recv(fd, buf + n, cap - n - 1, 0);
		if (r > 0) {
			n += r;
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || (err = wait_fd(fd, POLLIN, deadline)))
			goto fail;
	}
	close(fd);
	buf[n] = '\0';
	return buf;
fail:
	if (!err)
		err = -errno;
	free(buf);
	close(fd);
	errno = -err;
	return NULL;
}

cJSON *control_state(const char *path, int timeout_ms, char *err, size_t errsz)
{
	char *reply = control_request(path, "state", timeout_ms);
	const cJSON *type;
	cJSON *doc;

	if (!reply) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	doc = cJSON_Parse(reply);
	free(reply);
	if (!doc) {
		snprintf(err, errsz, "%s: the reply is not JSON", path);
		return NULL;
	}
	type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "state")) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");

		snprintf(err, errsz, "%s: %s", path,
			 cJSON_IsString(e) ? e->valuestring : "the reply is not a state document");
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
