// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbolizer over /proc/kallsyms.
 *
 * The whole file is read into one buffer that doubles as the string arena:
 * names and module names are NUL-terminated in place and symbols point into
 * it, so a load costs a handful of allocations however big the file is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"

#define KSYMS_READ_CHUNK (1UL << 20)
/* Past the last symbol we are more likely in data than in a huge function. */
#define KSYMS_TAIL_MAX (1ULL << 20)
/* Nothing bounds the last symbol; assume one page. */
#define KSYMS_LAST_SIZE 4096

struct ksym_ent {
	struct ksym sym;
	__u32 seq; /* file order: makes qsort() stable */
	__u32 rank; /* T before t before W/w at equal addresses */
};

struct ksyms {
	char *buf; /* file contents and string arena */
	struct ksym_ent *ents; /* sorted by address */
	__u32 *names; /* name hash: ents index + 1, 0 = empty */
	size_t cnt, mask;
	bool hidden;
};

/* Unique module names; kallsyms groups them, so @last nearly always hits. */
struct intern {
	const char **v;
	size_t n, cap;
	const char *last;
};

static char *read_all(const char *path, size_t *len)
{
	size_t cap = KSYMS_READ_CHUNK, n = 0;
	char *buf, *tmp;
	ssize_t r = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		/* Always leave a byte for the NUL that ends the last line. */
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			tmp = realloc(buf, cap);
			if (!tmp)
				free(buf);
			buf = tmp;
		}
	}
	err = !buf ? ENOMEM : r < 0 ? errno : 0;
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Split "addr type name[\t[module]]" in place; returns the type or 0. */
static char parse_line(char *p, __u64 *addr, char **name, char **mod)
{
	char *start = p, *tab, *rb;
	__u64 v = 0;
	int d;

	while ((d = hex_digit(*p)) >= 0) {
		v = v << 4 | d;
		p++;
	}
	if (p == start || p[0] != ' ' || !p[1] || p[2] != ' ' || !p[3])
		return 0;
	*addr = v;
	*name = p + 3;
	*mod = NULL;
	tab = strchr(*name, '\t');
	if (tab) {
		*tab = '\0';
		if (tab[1] == '[') {
			*mod = tab + 2;
			rb = strchr(*mod, ']');
			if (rb)
				*rb = '\0';
		}
	}
	return p[1];
}

static int type_rank(char type)
{
	switch (type) {
	case 'T':
		return 0;
	case 't':
		return 1;
	case 'W':
	case 'w':
		return 2;
	default:
		return -1;
	}
}

static const char *intern_mod(struct intern *in, const char *mod)
{
	const char **tmp;
	size_t i;

	if (in->last && !strcmp(in->last, mod))
		return in->last;
	for (i = 0; i < in->n; i++)
		if (!strcmp(in->v[i], mod))
			return in->last = in->v[i];
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		tmp = realloc(in->v, in->cap * sizeof(*tmp));
		if (!tmp)
			return NULL;
		in->v = tmp;
	}
	in->v[in->n++] = mod;
	return in->last = mod;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym_ent *x = a, *y = b;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Slot holding @name, or the empty one where it belongs (FNV-1a, linear). */
static __u32 *name_slot(const struct ksyms *ks, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	__u32 h = 2166136261u;
	size_t i;

	while (*p)
		h = (h ^ *p++) * 16777619u;
	for (i = h & ks->mask; ks->names[i]; i = (i + 1) & ks->mask)
		if (!strcmp(ks->ents[ks->names[i] - 1].sym.name, name))
			break;
	return &ks->names[i];
}

static int parse(struct ksyms *ks, size_t len)
{
	char *p, *nl, *name, *mod, *end = ks->buf + len;
	bool seen = false, nonzero = false;
	struct intern in = {};
	const char *module;
	size_t lines = 1;
	__u64 addr;
	char type;
	int rank;

	for (p = ks->buf; (p = memchr(p, '\n', end - p)); p++)
		lines++;
	ks->ents = malloc(lines * sizeof(*ks->ents));
	if (!ks->ents)
		return -ENOMEM;
	for (p = ks->buf; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end; /* read_all() left a NUL there */
		*nl = '\0';
		type = parse_line(p, &addr, &name, &mod);
		if (!type)
			continue;
		seen = true;
		nonzero |= addr != 0;
		rank = type_rank(type);
		if (rank < 0)
			continue;
		module = mod ? intern_mod(&in, mod) : NULL;
		if (mod && !module) {
			free(in.v);
			return -ENOMEM;
		}
		ks->ents[ks->cnt] = (struct ksym_ent){
			.sym = { .addr = addr, .name = name, .module = module },
			.seq = ks->cnt,
			.rank = rank,
		};
		ks->cnt++;
	}
	free(in.v);
	ks->hidden = seen && !nonzero;
	return 0;
}

/*
 * A hash rather than a name-sorted index: sorting ~120k names costs several
 * times more than parsing the whole file.
 */
static int build_index(struct ksyms *ks)
{
	size_t i, sz = 64;
	__u32 *slot;

	qsort(ks->ents, ks->cnt, sizeof(*ks->ents), cmp_addr);
	while (sz < ks->cnt * 2)
		sz <<= 1;
	ks->names = calloc(sz, sizeof(*ks->names));
	if (!ks->names)
		return -ENOMEM;
	ks->mask = sz - 1;
	/* In address order: a duplicate name resolves to its lowest address. */
	for (i = 0; i < ks->cnt; i++) {
		slot = name_slot(ks, ks->ents[i].sym.name);
		if (!*slot)
			*slot = i + 1;
	}
	return 0;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *ks;
	size_t len;
	int err;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	ks->buf = read_all(path, &len);
	if (!ks->buf)
		goto fail;
	err = parse(ks, len);
	if (!err)
		err = build_index(ks);
	if (!err)
		return ks;
	errno = -err;
fail:
	err = errno;
	ksyms__free(ks);
	errno = err;
	return NULL;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->names);
	free(ks->ents);
	free(ks->buf);
	free(ks);
}

bool ksyms__hidden(const struct ksyms *ks)
{
	return ks && ks->hidden;
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks ? ks->cnt : 0;
}

/* First index whose address is > addr (upper) or >= addr (!upper). */
static size_t bound(const struct ksyms *ks, __u64 addr, bool upper)
{
	size_t lo = 0, hi = ks->cnt, mid;
	__u64 a;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		a = ks->ents[mid].sym.addr;
		if (a < addr || (upper && a == addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct ksym *ksyms__find(const struct ksyms *ks, __u64 addr)
{
	const struct ksym *s;
	size_t i;

	if (!ks || ks->hidden)
		return NULL;
	i = bound(ks, addr, true);
	if (!i)
		return NULL;
	s = &ks->ents[i - 1].sym;
	if (i == ks->cnt && addr - s->addr >= KSYMS_TAIL_MAX)
		return NULL;
	/* Aliases share an address; the preferred one sorts first. */
	return &ks->ents[bound(ks, s->addr, false)].sym;
}

const struct ksym *ksyms__by_name(const struct ksyms *ks, const char *name)
{
	__u32 idx;

	if (!ks || !name)
		return NULL;
	idx = *name_slot(ks, name);
	return idx ? &ks->ents[idx - 1].sym : NULL;
}

int ksyms__range(const struct ksyms *ks, const char *name, __u64 *start, __u64 *end)
{
	const struct ksym *s = ksyms__by_name(ks, name);
	size_t i;

	/* All-zero addresses would give a meaningless range. */
	if (!s || ks->hidden)
		return -ENOENT;
	i = bound(ks, s->addr, true);
	*start = s->addr;
	*end = i < ks->cnt ? ks->ents[i].sym.addr : s->addr + KSYMS_LAST_SIZE;
	return 0;
}

bool ksyms_raw_addresses;

int ksyms__format(const struct ksyms *ks, __u64 addr, bool with_offset, char *buf, size_t sz)
{
	const struct ksym *s = ksyms__find(ks, addr);
	char off[24] = "";

	if (!s && !ksyms_raw_addresses)
		return snprintf(buf, sz, "[unknown]");
	if (!s)
		return snprintf(buf, sz, "0x%llx", (unsigned long long)addr);
	if (with_offset)
		snprintf(off, sizeof(off), "+0x%llx", (unsigned long long)(addr - s->addr));
	return snprintf(buf, sz, "%s%s%s%s%s", s->name, off, s->module ? " [" : "", s->module ?: "",
			s->module ? "]" : "");
}

size_t ksyms__base_len(const char *name)
{
	return strcspn(name, ".");
}
