/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kmemscope daemon`'s options (daemon layer, daemon_options.c): its command
 * line, and its config keys, which the same command line overrides.
 */
#ifndef KMEMSCOPE_DAEMON_OPTIONS_H
#define KMEMSCOPE_DAEMON_OPTIONS_H

#include "options.h"

/* the command-line-only settings */
struct daemon_args {
	const char *config, *check, *state_dir, *socket;
};

/* the command line: its own options, the config keys, tracing, -v, -h */
extern const struct opt_command daemon_command;
/* the config file's keys (into struct daemon_config): the daemon's and the tracing ones */
extern const struct opt_command daemon_config_keys;

#endif
