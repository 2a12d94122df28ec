/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMEMSCOPE_DAEMON_H
#define KMEMSCOPE_DAEMON_H

/* `kmemscope daemon`: trace forever into rotating segments (systemd service). */
int cmd_daemon(int argc, char **argv);
/* `kmemscope status`: ask a running daemon over its control socket. */
int cmd_status(int argc, char **argv);

#endif
