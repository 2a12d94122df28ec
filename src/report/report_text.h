/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report` text output (report_text.c). */
#ifndef KMEMSCOPE_REPORT_TEXT_H
#define KMEMSCOPE_REPORT_TEXT_H

#include <stdio.h>
#include "report_model.h"

void report_print_text(FILE *f, struct report *rp);

#endif
