/* SPDX-License-Identifier: GPL-2.0 */
/* `kmemscope report --format json` (report_json.c). */
#ifndef KMEMSCOPE_REPORT_JSON_H
#define KMEMSCOPE_REPORT_JSON_H

#include <cjson/cJSON.h>
#include "report_model.h"

/* the document, NULL without memory */
cJSON *report_json(struct report *rp);

#endif
