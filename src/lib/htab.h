/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small open-addressing hash table for user-space aggregation: fixed-size
 * byte keys, or NUL-terminated strings when key_size is HTAB_STR.
 */
#ifndef KMEMSCOPE_HTAB_H
#define KMEMSCOPE_HTAB_H

#include <stddef.h>
#include <stdint.h>

#define HTAB_STR 0 /* key_size of a table keyed by strings */

struct htab {
	size_t key_size; /* HTAB_STR: keys are strings */
	size_t cap; /* power of two */
	size_t len;
	struct htab_ent *ents;
};

struct htab_ent {
	uint64_t hash; /* 0: empty slot */
	void *key;
	void *val;
};

void htab_init(struct htab *h, size_t key_size);
/* Frees keys; values belong to the caller. */
void htab_free(struct htab *h);
void *htab_get(const struct htab *h, const void *key);
/* Insert or replace; the key is copied. Returns 0 or -ENOMEM. */
int htab_put(struct htab *h, const void *key, void *val);
uint64_t hash_bytes(const void *p, size_t n);

#define htab_for_each(h, e)                                                   \
	for ((e) = (h)->ents; (h)->ents && (e) < (h)->ents + (h)->cap; (e)++) \
		if ((e)->hash)

#endif
