/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report --html` (report_html.c). */
#ifndef KMEMSCOPE_REPORT_HTML_H
#define KMEMSCOPE_REPORT_HTML_H

#include <stdio.h>
#include "report_model.h"

/* s with HTML's special characters escaped */
void rp_html_esc(FILE *f, const char *s);
/* 0, or -1 when writing failed */
int report_write_html(FILE *f, struct report *rp);

#endif
