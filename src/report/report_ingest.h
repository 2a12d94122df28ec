/* SPDX-License-Identifier: GPL-2.0 */
/* Reading exports into the report model (report_ingest.c). */
#ifndef KMEMSCOPE_REPORT_INGEST_H
#define KMEMSCOPE_REPORT_INGEST_H

#include "report_model.h"

struct ndjson_reader;

/* Read one input to the end. 0, or -1 when reading must stop (--strict). */
int report_read(struct report *rp, struct ndjson_reader *r);

#endif
