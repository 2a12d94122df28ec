/* SPDX-License-Identifier: GPL-2.0 */
/* Client side of the daemon's control socket (docs/control-socket.md). */
#ifndef KMEMSCOPE_CONTROL_CLIENT_H
#define KMEMSCOPE_CONTROL_CLIENT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define CONTROL_SOCKET_DEFAULT "/run/kmemscope/control.sock"

/* $KMEMSCOPE_SOCKET, else the default path. */
const char *control_socket_path(void);
/*
 * Connect to path, send "cmd\n", read the reply until EOF (at most
 * timeout_ms for the whole exchange). Returns the malloc'd, NUL-terminated
 * reply, or NULL with errno set (ETIMEDOUT, EMSGSIZE, or the socket's error).
 */
char *control_request(const char *path, const char *cmd, int timeout_ms);
/*
 * The daemon's state document, or NULL with a reason in err: cannot connect,
 * no reply, not JSON, or an {"type":"error"} reply.
 */
cJSON *control_state(const char *path, int timeout_ms, char *err, size_t errsz);

#endif
