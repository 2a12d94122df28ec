// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "htab.h"

/*
 * Eight bytes per step (keys are 24 to 64 bytes; byte-wise FNV spent more
 * time than the rest of a lookup), spread by first_slot() below.
 */
uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h ? h : 1; /* 0 marks an empty slot */
}

void htab_init(struct htab *h, size_t key_size)
{
	memset(h, 0, sizeof(*h));
	h->key_size = key_size;
}

void htab_free(struct htab *h)
{
	struct htab_ent *e;

	htab_for_each (h, e)
		free(e->key);
	free(h->ents);
	htab_init(h, h->key_size);
}

/*
 * Multiplicative steps leave the low bits depending only on the low bits
 * of the input: keys that differ in a few bytes would land in neighbouring
 * slots and the linear probes grow long. Spread the hash before taking the
 * slot.
 */
static size_t first_slot(uint64_t hash, size_t cap)
{
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdULL;
	hash ^= hash >> 33;
	return hash & (cap - 1);
}

static size_t key_len(const struct htab *h, const void *key)
{
	return h->key_size == HTAB_STR ? strlen(key) + 1 : h->key_size;
}

static bool key_eq(const struct htab *h, const void *a, const void *b)
{
	/* strcmp: memcmp over the longer string may read past the shorter one */
	return h->key_size == HTAB_STR ? !strcmp(a, b) : !memcmp(a, b, h->key_size);
}

static struct htab_ent *slot(const struct htab *h, const void *key, uint64_t hash)
{
	size_t i = first_slot(hash, h->cap);

	for (;;) {
		struct htab_ent *e = &h->ents[i];

		if (!e->hash || (e->hash == hash && key_eq(h, e->key, key)))
			return e;
		i = (i + 1) & (h->cap - 1);
	}
}

void *htab_get(const struct htab *h, const void *key)
{
	struct htab_ent *e;

	if (!h->cap)
		return NULL;
	e = slot(h, key, hash_bytes(key, key_len(h, key)));
	return e->hash ? e->val : NULL;
}

static int grow(struct htab *h)
{
	struct htab old = *h;
	struct htab_ent *e;

	h->cap = old.cap ? old.cap * 2 : 64;
	h->ents = calloc(h->cap, sizeof(*h->ents));
	if (!h->ents) {
		*h = old;
		return -ENOMEM;
	}
	htab_for_each (&old, e)
		*slot(h, e->key, e->hash) = *e;
	free(old.ents);
	return 0;
}

int htab_put(struct htab *h, const void *key, void *val)
{
	size_t len = key_len(h, key);
	uint64_t hash = hash_bytes(key, len);
	struct htab_ent *e;

	/* keep the load factor under 1/2 so probes stay short */
	if ((h->len + 1) * 2 > h->cap && grow(h))
		return -ENOMEM;
	e = slot(h, key, hash);
	if (!e->hash) {
		e->key = malloc(len);
		if (!e->key)
			return -ENOMEM;
		memcpy(e->key, key, len);
		e->hash = hash;
		h->len++;
	}
	e->val = val;
	return 0;
}
