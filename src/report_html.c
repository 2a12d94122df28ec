// SPDX-License-Identifier: GPL-2.0
#include "report.h"

int report_write_html(FILE *f, struct report *rp)
{
	(void)rp;
	fputs("<!DOCTYPE html>\n", f);
	return 0;
}
