/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headline metrics in the Prometheus text format, written atomically
 * (tmp + rename) for node_exporter's textfile collector.
 */
#ifndef KMEMSCOPE_PROM_H
#define KMEMSCOPE_PROM_H

#include <stdio.h>
#include <linux/types.h>

struct session;
struct segments;

/* The metrics of the session's current state into f; top sites by total bytes. */
void prom_format(FILE *f, struct session *s, const struct segments *g, __u64 top);
/* ... written to path atomically. -errno. */
int prom_write(const char *path, struct session *s, const struct segments *g, __u64 top);
/* Unusable free space index and fragmentation index of one zone, as mm/vmstat.c. */
struct buddyinfo;
/* the buddyinfo metrics: free blocks and both indices per node, zone and order */
void prom_buddyinfo(FILE *f, const struct buddyinfo *b);

#endif
