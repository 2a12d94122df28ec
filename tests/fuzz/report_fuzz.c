// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for `kmemscope report`: the input is an export file
 * (plain or gzip); it goes through the reader, the aggregation and every
 * writer. Built by `make fuzz` with ASan and UBSan; corpus in tests/fuzz/report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "ndjson_reader.h"
#include "report_folded.h"
#include "report_html.h"
#include "report_ingest.h"
#include "report_json.h"
#include "report_rank.h"
#include "report_text.h"
#include "util.h"

static void quiet(void *ctx, const char *path, unsigned long line, bool fatal, const char *msg)
{
	(void)ctx;
	(void)path;
	(void)line;
	(void)fatal;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* vary the options with the input so each path gets its turn */
	struct rp_opts o = { .top = size % 4, .sort = size % RP_SORT_NR };
	unsigned flags = size % 5 == 0 ? NR_STRICT : 0;
	struct ndjson_reader *r;
	struct report rp;
	FILE *null;
	cJSON *doc;
	char *s;

	nr_set_diag(quiet, NULL);
	log_level = -1; /* the duplicate-input warning too */
	if (size % 3 == 0)
		o.kind = "kmalloc";
	if (report_init(&rp, &o))
		return 0;
	r = nr_open_mem(data, size, "fuzz", flags);
	if (r) {
		report_read(&rp, r);
		nr_close(r);
	}
	report_finish(&rp);
	null = fopen("/dev/null", "w");
	if (null) {
		report_print_text(null, &rp);
		report_write_html(null, &rp);
		report_print_folded(null, &rp);
		fclose(null);
	}
	doc = report_json(&rp);
	s = cJSON_PrintUnformatted(doc);
	free(s);
	cJSON_Delete(doc);
	report_free(&rp);
	return 0;
}
