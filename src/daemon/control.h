/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's control socket (docs/control-socket.md): a Unix stream
 * socket, mode 0600, served without blocking from the daemon's poll() loop.
 * A client writes one command line and reads one JSON document.
 */
#ifndef KMEMSCOPE_CONTROL_H
#define KMEMSCOPE_CONTROL_H

#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <linux/types.h>

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_SOCKET_NAME "control.sock"

struct control_client {
	int fd;
	__u64 deadline; /* monotonic ns: dropped when not done by then */
	char in[128];
	size_t in_len;
	char *out; /* the reply being written */
	size_t out_len, out_off;
};

struct control {
	int fd;
	char path[108]; /* sun_path */
	struct control_client c[CONTROL_MAX_CLIENTS];
};

/* Build the reply to one command (without the newline). malloc'd; NULL: out of memory. */
typedef char *(*control_fn)(const char *cmd, void *ctx);

/* Listen on path (stale sockets replaced). -errno after logging. */
int control_open(struct control *c, const char *path);
/* Fill pollfds for the socket and clients; returns how many. */
int control_pollfds(struct control *c, struct pollfd *p, int max);
/* Serve what poll() reported: p as filled by control_pollfds(). */
void control_serve(struct control *c, const struct pollfd *p, int n, control_fn fn, void *ctx);
void control_close(struct control *c);
/* "$RUNTIME_DIRECTORY/control.sock" or the default; buf of 108 bytes. */
const char *control_default_path(char *buf, size_t sz);

#endif
