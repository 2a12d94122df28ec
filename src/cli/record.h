/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMEMSCOPE_RECORD_H
#define KMEMSCOPE_RECORD_H

int cmd_record(int argc, char **argv);

#endif
