/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for the /proc files behind the fragmentation timeline:
 * buddyinfo, pagetypeinfo, vmstat, meminfo, slabinfo. Each takes the file's
 * text (so tests can feed captured files from other kernels) and has a
 * reader for the live file. Order counts are read from the files, never
 * assumed.
 */
#ifndef KMEMSCOPE_PROCFS_H
#define KMEMSCOPE_PROCFS_H

#include <stdbool.h>
#include <linux/types.h>

#define KMS_MAX_ORDERS 16 /* more than any kernel's NR_PAGE_ORDERS so far */
#define KMS_NAME_LEN 32

/* one "Node N, zone NAME c0 c1 ..." line of /proc/buddyinfo */
struct buddy_zone {
	int node;
	char zone[KMS_NAME_LEN];
	int nr_orders;
	__u64 free[KMS_MAX_ORDERS];
};

struct buddyinfo {
	struct buddy_zone *zones;
	int nr;
};

/* one "Node N, zone Z, type MT c0 c1 ..." line of /proc/pagetypeinfo */
struct pagetype_row {
	int node;
	char zone[KMS_NAME_LEN];
	char migratetype[KMS_NAME_LEN];
	int nr_orders;
	__u64 free[KMS_MAX_ORDERS];
	bool capped[KMS_MAX_ORDERS]; /* printed as ">100000" */
};

/* one "Node N, zone Z b0 b1 ..." line of the "Number of blocks type" table */
struct pagetype_blocks {
	int node;
	char zone[KMS_NAME_LEN];
	int nr_types;
	__u64 blocks[KMS_MAX_ORDERS]; /* indexed like pagetypeinfo.types */
};

struct pagetypeinfo {
	int pageblock_order; /* "Page block order: 9" */
	__u64 pages_per_block;
	int nr_types; /* migratetype names from the block table header */
	char types[KMS_MAX_ORDERS][KMS_NAME_LEN];
	struct pagetype_row *rows;
	int nr_rows;
	struct pagetype_blocks *blocks;
	int nr_blocks;
};

struct kv {
	char name[48];
	__u64 value;
};

struct kvlist {
	struct kv *v;
	int nr;
};

struct slab_cache {
	char name[64];
	__u64 active_objs, num_objs, objsize, objperslab, pagesperslab;
	/* other caches SLUB merged into this one (/sys/kernel/slab symlinks), sorted */
	char **aliases;
	int nr_aliases;
};

struct slabinfo {
	struct slab_cache *caches;
	int nr;
};

/* All return 0 or -errno (-EINVAL for text that is not in the file's format). */
int buddyinfo_parse(const char *text, struct buddyinfo *out);
int buddyinfo_read(struct buddyinfo *out);
void buddyinfo_free(struct buddyinfo *b);

int pagetypeinfo_parse(const char *text, struct pagetypeinfo *out);
int pagetypeinfo_read(struct pagetypeinfo *out);
void pagetypeinfo_free(struct pagetypeinfo *p);

/* "name value" lines (vmstat) */
int vmstat_parse(const char *text, struct kvlist *out);
int vmstat_read(struct kvlist *out);
/* "Name:   123 kB" lines; values converted to bytes when the unit is kB */
int meminfo_parse(const char *text, struct kvlist *out);
int meminfo_read(struct kvlist *out);
/* value of name, false when absent */
bool kv_get(const struct kvlist *l, const char *name, __u64 *value);
void kvlist_free(struct kvlist *l);

/* slabinfo version 2.x */
int slabinfo_parse(const char *text, struct slabinfo *out);
int slabinfo_read(struct slabinfo *out);
void slabinfo_free(struct slabinfo *s);
/*
 * Merged caches: names[i] is a symlink of /sys/kernel/slab to targets[i]
 * (its unique id, ":A-0001152"). Every name with the target of a slabinfo
 * cache's own name, other than it, is one of its aliases.
 */
int slab_aliases_apply(struct slabinfo *s, const char *const *names, const char *const *targets,
		       int n);
/* slab_aliases_apply from the symlinks of dir (/sys/kernel/slab); 0 when it has none */
int slab_aliases_read(struct slabinfo *s, const char *dir);

#endif
