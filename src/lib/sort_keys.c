// SPDX-License-Identifier: GPL-2.0
/* The sort keys' names, shared by record, top and report. */
#include <errno.h>
#include <string.h>
#include "sort_keys.h"
#include "util.h"

const struct sort_qty_info sort_qtys[SQ_NR] = {
	[SQ_ALLOCS] = { "allocs", "ALLOCS, ALLOC/s", "allocations" },
	[SQ_BYTES] = { "bytes", "ALLOC, BYTES, BYTES/s", "bytes allocated" },
	[SQ_SLACK] = { "slack", "SLACK", "bytes allocated but not requested" },
	[SQ_SLACK_PCT] = { "slack_pct", "SLACK%", "slack as a percentage of the bytes allocated" },
	[SQ_LIVE] = { "live", "LIVE", "objects allocated and not freed yet" },
	[SQ_LIVE_BYTES] = { "live_bytes", "LIVE BYTES", "bytes of those objects" },
	[SQ_AVG_REQ] = { "avg_req", "AVG REQ", "bytes requested per allocation" },
	[SQ_PINGPONG] = { "pingpong", "PING-PONG", "frees on another CPU than the allocation's" },
	[SQ_GFP] = { "gfp", "GFP",
		     "GFP flags: report puts sites called with the most distinct combinations "
		     "first, top orders by the most frequent combination's name" },
	[SQ_CALLER] = { "caller", "CALLER", "the call site's name, A to Z" },
	[SQ_KIND] = { "kind", "KIND", "kmalloc, vmalloc, page or the cache's name, A to Z" },
};

const struct sort_alias sort_aliases[] = {
	{ "frag", SQ_SLACK_PCT }, /* the old name of the SLACK% column */
};
const size_t sort_nr_aliases = ARRAY_SIZE(sort_aliases);

int sort_qty_parse(const char *s, enum sort_qty *q)
{
	for (int i = 0; i < SQ_NR; i++) {
		if (!strcmp(s, sort_qtys[i].name)) {
			*q = i;
			return 0;
		}
	}
	for (size_t i = 0; i < sort_nr_aliases; i++) {
		if (!strcmp(s, sort_aliases[i].old)) {
			*q = sort_aliases[i].q;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sort_qty_name(enum sort_qty q)
{
	return q < SQ_NR ? sort_qtys[q].name : "?";
}

int sort_key_lookup(const char *s, const int map[SQ_NR], int *key)
{
	enum sort_qty q;

	if (sort_qty_parse(s, &q) || !map[q])
		return -EINVAL;
	*key = map[q] - 1;
	return 0;
}

const char *sort_key_word(const int map[SQ_NR], int key)
{
	for (int i = 0; i < SQ_NR; i++)
		if (map[i] == key + 1)
			return sort_qtys[i].name;
	return "?";
}
