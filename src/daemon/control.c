// SPDX-License-Identifier: GPL-2.0
/* The daemon's control socket server: non-blocking, one command per connection. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "config.h"
#include "control.h"
#include "util.h"

#define CLIENT_TIMEOUT_NS 5000000000ULL

const char *control_default_path(char *buf, size_t sz)
{
	const char *rt = getenv("RUNTIME_DIRECTORY");
	size_t n;

	/* systemd may pass several directories separated by ':': ours is the first */
	if (!rt || !*rt)
		rt = KMS_DEFAULT_RUNTIME_DIR;
	n = strcspn(rt, ":");
	snprintf(buf, sz, "%.*s/" CONTROL_SOCKET_NAME, (int)n, rt);
	return buf;
}

/*
 * Clear the way for bind(): only a socket nobody listens on (ECONNREFUSED,
 * left by a daemon that was killed) is removed; a file of any other kind or a
 * live socket stays and is reported. -errno after logging.
 */
static int remove_stale_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (lstat(path, &st)) {
		err = errno;
		if (err == ENOENT)
			return 0;
		log_err("cannot use --socket %s: %s", path, strerror(err));
		return -err;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("--socket %s exists and is not a socket: kmemscope replaces only a stale control socket; remove it or choose another path",
			path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(a.sun_path, path);
	err = connect(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;
	close(fd);
	if (err == ECONNREFUSED) {
		unlink(path); /* stale, from a daemon that was killed */
		return 0;
	}
	if (!err || err == EAGAIN)
		log_err("another kmemscope daemon listens on %s", path);
	else
		log_err("cannot tell whether the socket %s is in use (%s): remove it if it is stale",
			path, strerror(err));
	return !err || err == EAGAIN ? -EADDRINUSE : -err;
}

int control_open(struct control *c, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)], *slash;
	mode_t old;
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->c[i].fd = -1;
	if (strlen(path) >= sizeof(a.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(c->path, path);
	strcpy(a.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* root only; an existing directory (RuntimeDirectory=) is kept as it is */
		if (mkdir(dir, 0700) && errno != EEXIST) {
			err = -errno;
			log_err("cannot create %s for the control socket: %s", dir,
				strerror(errno));
			return err;
		}
	}
	err = remove_stale_socket(path);
	if (err)
		return err;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = -errno;
		log_err("cannot create the control socket: %s", strerror(errno));
		return err;
	}
	/* created 0600 from the start: no window where others could connect */
	old = umask(0177);
	err = bind(c->fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	umask(old);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(c->fd, CONTROL_MAX_CLIENTS))
		err = -errno;
	if (err) {
		log_err("cannot listen on %s: %s", path, strerror(-err));
		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

static void drop(struct control_client *cl)
{
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

int control_pollfds(struct control *c, struct pollfd *p, int max)
{
	int n = 0;

	if (c->fd < 0 || max < 1)
		return 0;
	p[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		if (c->c[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = c->c[i].fd,
						  .events = c->c[i].out ? POLLOUT : POLLIN };
	}
	return n;
}

static void accept_clients(struct control *c)
{
	for (;;) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;

		if (fd < 0)
			return;
		for (i = 0; i < CONTROL_MAX_CLIENTS && c->c[i].fd >= 0; i++)
			;
		if (i == CONTROL_MAX_CLIENTS) {
			close(fd); /* busy: the client sees EOF and retries */
			continue;
		}
		c->c[i].fd = fd;
		c->c[i].deadline = now_mono_ns() + CLIENT_TIMEOUT_NS;
	}
}

static void reply(struct control_client *cl, char *text)
{
	size_t n;

	if (!text) {
		drop(cl);
		return;
	}
	n = strlen(text);
	cl->out = realloc(text, n + 2);
	if (!cl->out) {
		free(text);
		drop(cl);
		return;
	}
	cl->out[n] = '\n';
	cl->out[n + 1] = '\0';
	cl->out_len = n + 1;
	cl->out_off = 0;
}

static void read_command(struct control_client *cl, control_fn fn, void *ctx)
{
	ssize_t r = read(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - 1 - cl->in_len);
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		drop(cl);
		return;
	}
	cl->in_len += r;
	cl->in[cl->in_len] = '\0';
	nl = strchr(cl->in, '\n');
	if (!nl && cl->in_len < sizeof(cl->in) - 1)
		return;
	if (nl)
		*nl = '\0';
	if (nl && nl > cl->in && nl[-1] == '\r')
		nl[-1] = '\0';
	reply(cl, fn(cl->in, ctx));
}

static void write_reply(struct control_client *cl)
{
	ssize_t w = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {
		drop(cl);
		return;
	}
	cl->out_off += w;
	if (cl->out_off == cl->out_len)
		drop(cl);
}

static struct control_client *client_of(struct control *c, int fd)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->c[i].fd == fd)
			return &c->c[i];
	}
	return NULL;
}

void control_serve(struct control *c, const struct pollfd *p, int n, control_fn fn, void *ctx)
{
	__u64 now = now_mono_ns();

	for (int i = 0; i < n; i++) {
		struct control_client *cl;

		if (!p[i].revents)
			continue;
		if (p[i].fd == c->fd) {
			accept_clients(c);
			continue;
		}
		cl = client_of(c, p[i].fd);
		if (!cl)
			continue;
		if (cl->out && (p[i].revents & (POLLOUT | POLLERR | POLLHUP)))
			write_reply(cl);
		else if (!cl->out && (p[i].revents & (POLLIN | POLLERR | POLLHUP)))
			read_command(cl, fn, ctx);
	}
	/* a client that does not finish in time does not hold a slot */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->c[i].fd >= 0 && now > c->c[i].deadline)
			drop(&c->c[i]);
	}
}

void control_close(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->c[i].fd >= 0)
			drop(&c->c[i]);
	}
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	c->fd = -1;
}
