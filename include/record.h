/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMEMSCOPE_RECORD_H
#define KMEMSCOPE_RECORD_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

int cmd_record(int argc, char **argv);
/* Sleep until the monotonic deadline (ns) or one of the signals. True on a signal. */
bool wait_until(__u64 deadline, const sigset_t *set);

#endif
