// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for /proc/buddyinfo, pagetypeinfo, vmstat, meminfo and slabinfo.
 *
 * Every parser walks the text one line at a time and never looks past the
 * end of the current line, so a truncated or corrupt file gives -EINVAL
 * rather than numbers borrowed from the next line. Order counts and
 * migratetype names come from the text itself: they depend on the kernel
 * version and its config (NR_PAGE_ORDERS, CONFIG_CMA, ...).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"
#include "util.h"

/* the part of one line still to be parsed: [p, end) */
struct span {
	const char *p, *end;
};

static bool next_line(const char **text, struct span *l)
{
	const char *s = *text, *nl;

	if (!*s)
		return false;
	nl = strchr(s, '\n');
	l->p = s;
	l->end = nl ? nl : s + strlen(s);
	*text = nl ? nl + 1 : l->end;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool at_eol(struct span *l)
{
	while (l->p < l->end && is_blank(*l->p))
		l->p++;
	return l->p >= l->end;
}

/* next blank-separated word of the line */
static bool word(struct span *l, struct span *w)
{
	if (at_eol(l))
		return false;
	w->p = l->p;
	while (l->p < l->end && !is_blank(*l->p))
		l->p++;
	w->end = l->p;
	return true;
}

static size_t span_len(const struct span *w)
{
	return w->end - w->p;
}

static bool span_is(const struct span *w, const char *s)
{
	size_t n = strlen(s);

	return span_len(w) == n && !memcmp(w->p, s, n);
}

static bool expect_word(struct span *l, const char *s)
{
	struct span w;

	return word(l, &w) && span_is(&w, s);
}

/* Consume prefix (which may hold runs of blanks) if the line starts with it. */
static bool skip_prefix(struct span *l, const char *prefix)
{
	size_t n = strlen(prefix);

	at_eol(l);
	if ((size_t)(l->end - l->p) < n || memcmp(l->p, prefix, n))
		return false;
	l->p += n;
	return true;
}

static bool span_u64(const struct span *w, __u64 *v)
{
	const char *s = w->p;
	__u64 x = 0;

	if (s >= w->end)
		return false;
	for (; s < w->end; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || x > (~0ULL - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool word_u64(struct span *l, __u64 *v)
{
	struct span w;

	return word(l, &w) && span_u64(&w, v);
}

/* Copy a word into a fixed-size name field; false when it does not fit. */
static bool span_copy(const struct span *w, char *buf, size_t sz)
{
	size_t n = span_len(w);

	if (!n || n >= sz)
		return false;
	memcpy(buf, w->p, n);
	buf[n] = '\0';
	return true;
}

/* "0," after "Node": every per-zone line of these files has it */
static bool word_node(struct span *l, int *node)
{
	struct span w;
	__u64 v;

	if (!word(l, &w) || span_len(&w) < 2 || w.end[-1] != ',')
		return false;
	w.end--;
	if (!span_u64(&w, &v) || v > INT_MAX)
		return false;
	*node = v;
	return true;
}

/*
 * "Node N, zone NAME" as printed by "Node %d, zone %8s"; the zone word keeps
 * a trailing comma when the line goes on with ", type".
 */
static bool node_zone(struct span *l, int *node, char *zone, bool *comma)
{
	struct span w;

	if (!expect_word(l, "Node") || !word_node(l, node) || !expect_word(l, "zone") ||
	    !word(l, &w))
		return false;
	*comma = w.end[-1] == ',';
	if (*comma)
		w.end--;
	return span_copy(&w, zone, KMS_NAME_LEN);
}

/* Room for one more element in an array of *cap; the new array, NULL when out of memory. */
static void *grow(void *arr, int nr, int *cap, size_t sz)
{
	int ncap;

	if (nr < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	arr = realloc(arr, ncap * sz);
	if (arr)
		*cap = ncap;
	return arr;
}

/* Append a zeroed element to arr (nr elements, room for cap); NULL on -ENOMEM. */
#define push_zeroed(arr, nr, cap)                                   \
	({                                                          \
		void *_new = grow(arr, nr, &(cap), sizeof(*(arr))); \
		typeof(&(arr)[0]) _el = NULL;                       \
		if (_new) {                                         \
			(arr) = _new;                               \
			_el = &(arr)[(nr)++];                       \
			memset(_el, 0, sizeof(*_el));               \
		}                                                   \
		_el;                                                \
	})

/* Free counts up to the end of the line; "> N" only where caps is given. */
static int read_counts(struct span *l, __u64 *v, bool *caps)
{
	struct span w;
	int n = 0;

	while (word(l, &w)) {
		bool capped = caps && *w.p == '>';

		if (n == KMS_MAX_ORDERS)
			return -EINVAL;
		if (capped)
			w.p++;
		if (!span_u64(&w, &v[n]))
			return -EINVAL;
		if (capped) {
			/*
			 * ">100000": the kernel stopped counting there. Keep
			 * "more than" in the number too, so that sums over
			 * capped counts are not mistaken for exact ones.
			 */
			if (v[n] == ~0ULL)
				return -EINVAL;
			v[n]++;
			caps[n] = true;
		}
		n++;
	}
	return n ? n : -EINVAL;
}

void buddyinfo_free(struct buddyinfo *b)
{
	free(b->zones);
	b->zones = NULL;
	b->nr = 0;
}

static int buddy_line(struct span *l, struct buddy_zone *z)
{
	bool comma;
	int n;

	if (!node_zone(l, &z->node, z->zone, &comma) || comma)
		return -EINVAL;
	n = read_counts(l, z->free, NULL);
	if (n < 0)
		return n;
	z->nr_orders = n;
	return 0;
}

int buddyinfo_parse(const char *text, struct buddyinfo *out)
{
	struct buddy_zone *z;
	struct span l;
	int cap = 0, err = 0;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	while (!err && next_line(&text, &l)) {
		if (at_eol(&l))
			continue;
		z = push_zeroed(out->zones, out->nr, cap);
		err = z ? buddy_line(&l, z) : -ENOMEM;
		/* one NR_PAGE_ORDERS for all zones: a short line is a cut one */
		if (!err && z->nr_orders != out->zones[0].nr_orders)
			err = -EINVAL;
	}
	if (!err && !out->nr)
		err = -EINVAL;
	if (err)
		buddyinfo_free(out);
	return err;
}

/* Read a /proc file and hand it to parse; parse owns nothing of the text. */
static int read_and_parse(const char *path, int (*parse)(const char *, void *), void *out)
{
	char *text = read_file(path, NULL);
	int err;

	if (!text)
		return errno ? -errno : -EIO;
	err = parse(text, out);
	free(text);
	return err;
}

static int buddyinfo_parse_v(const char *text, void *out)
{
	return buddyinfo_parse(text, out);
}

int buddyinfo_read(struct buddyinfo *out)
{
	memset(out, 0, sizeof(*out));
	return read_and_parse("/proc/buddyinfo", buddyinfo_parse_v, out);
}

void pagetypeinfo_free(struct pagetypeinfo *p)
{
	free(p->rows);
	free(p->blocks);
	memset(p, 0, sizeof(*p));
}

/* where we are in the file: which table the "Node ..." lines belong to */
enum pt_section { PT_NONE, PT_FREE, PT_BLOCKS, PT_MIXED };

struct pt_state {
	struct pagetypeinfo *p;
	enum pt_section sec;
	int nr_orders; /* from the free table header; -1 until seen */
	int rows_cap, blocks_cap;
	bool have_order, have_pages;
};

/*
 * "Free pages count per migrate type at order  0  1 ..." : the order count.
 * It is printed once per node with memory; all nodes must agree.
 */
static int pt_free_header(struct pt_state *st, struct span *l)
{
	__u64 o;
	int n = 0;

	while (word_u64(l, &o)) {
		if (o != (__u64)n || n == KMS_MAX_ORDERS)
			return -EINVAL;
		n++;
	}
	if (!at_eol(l) || !n || (st->nr_orders > 0 && n != st->nr_orders))
		return -EINVAL;
	st->nr_orders = n;
	st->sec = PT_FREE;
	return 0;
}

/* "Number of blocks type  Unmovable Movable ...": the migratetype names */
static int pt_types_header(struct pt_state *st, struct span *l)
{
	char types[KMS_MAX_ORDERS][KMS_NAME_LEN];
	struct span w;
	int n = 0;

	/* zero-padded, so that two nodes' headers compare with memcmp */
	memset(types, 0, sizeof(types));
	while (word(l, &w)) {
		if (n == KMS_MAX_ORDERS || !span_copy(&w, types[n], KMS_NAME_LEN))
			return -EINVAL;
		n++;
	}
	if (!n)
		return -EINVAL;
	/* another node's header: must name the same types */
	if (st->p->nr_types && (n != st->p->nr_types || memcmp(types, st->p->types, sizeof(types))))
		return -EINVAL;
	memcpy(st->p->types, types, sizeof(types));
	st->p->nr_types = n;
	st->sec = PT_BLOCKS;
	return 0;
}

static int pt_free_row(struct pt_state *st, struct span *l, int node, const char *zone)
{
	struct pagetype_row *r;
	struct span w;
	int n;

	if (st->sec != PT_FREE || !expect_word(l, "type") || !word(l, &w))
		return -EINVAL;
	r = push_zeroed(st->p->rows, st->p->nr_rows, st->rows_cap);
	if (!r)
		return -ENOMEM;
	r->node = node;
	strcpy(r->zone, zone);
	if (!span_copy(&w, r->migratetype, KMS_NAME_LEN))
		return -EINVAL;
	n = read_counts(l, r->free, r->capped);
	if (n < 0)
		return n;
	if (n != st->nr_orders)
		return -EINVAL;
	r->nr_orders = n;
	return 0;
}

static int pt_block_row(struct pt_state *st, struct span *l, int node, const char *zone)
{
	struct pagetype_blocks *b;
	int n;

	if (st->sec == PT_MIXED)
		return 0; /* PAGE_OWNER's mixed-block table: not kept */
	if (st->sec != PT_BLOCKS)
		return -EINVAL;
	b = push_zeroed(st->p->blocks, st->p->nr_blocks, st->blocks_cap);
	if (!b)
		return -ENOMEM;
	b->node = node;
	strcpy(b->zone, zone);
	n = read_counts(l, b->blocks, NULL);
	if (n < 0)
		return n;
	if (n != st->p->nr_types)
		return -EINVAL;
	b->nr_types = n;
	return 0;
}

static int pt_node_line(struct pt_state *st, struct span *l)
{
	char zone[KMS_NAME_LEN];
	bool comma;
	int node;

	if (!node_zone(l, &node, zone, &comma))
		return -EINVAL;
	return comma ? pt_free_row(st, l, node, zone) : pt_block_row(st, l, node, zone);
}

static int pt_line(struct pt_state *st, struct span *l)
{
	__u64 v;

	if (at_eol(l))
		return 0;
	if (skip_prefix(l, "Page block order:")) {
		if (!word_u64(l, &v) || v > 63 || !at_eol(l))
			return -EINVAL;
		st->p->pageblock_order = v;
		st->have_order = true;
		st->sec = PT_NONE;
		return 0;
	}
	if (skip_prefix(l, "Pages per block:")) {
		if (!word_u64(l, &v) || !at_eol(l))
			return -EINVAL;
		st->p->pages_per_block = v;
		st->have_pages = true;
		st->sec = PT_NONE;
		return 0;
	}
	if (skip_prefix(l, "Free pages count per migrate type at order"))
		return pt_free_header(st, l);
	if (skip_prefix(l, "Number of blocks type"))
		return pt_types_header(st, l);
	if (skip_prefix(l, "Number of mixed blocks")) {
		st->sec = PT_MIXED;
		return 0;
	}
	return pt_node_line(st, l);
}

int pagetypeinfo_parse(const char *text, struct pagetypeinfo *out)
{
	struct pt_state st = { .p = out, .nr_orders = -1 };
	struct span l;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	while (!err && next_line(&text, &l))
		err = pt_line(&st, &l);
	if (!err && (!st.have_order || !st.have_pages || !out->nr_rows || !out->nr_types ||
		     !out->nr_blocks))
		err = -EINVAL;
	if (err)
		pagetypeinfo_free(out);
	return err;
}

static int pagetypeinfo_parse_v(const char *text, void *out)
{
	return pagetypeinfo_parse(text, out);
}

int pagetypeinfo_read(struct pagetypeinfo *out)
{
	memset(out, 0, sizeof(*out));
	return read_and_parse("/proc/pagetypeinfo", pagetypeinfo_parse_v, out);
}

void kvlist_free(struct kvlist *l)
{
	free(l->v);
	l->v = NULL;
	l->nr = 0;
}

bool kv_get(const struct kvlist *l, const char *name, __u64 *value)
{
	int i;

	for (i = 0; i < l->nr; i++) {
		if (!strcmp(l->v[i].name, name)) {
			if (value)
				*value = l->v[i].value;
			return true;
		}
	}
	return false;
}

/*
 * One "name value" (vmstat) or "Name: value [kB]" (meminfo) line. Names
 * longer than struct kv holds are skipped rather than cut, so that two long
 * names can never collide; no kernel has one yet.
 */
static int kv_line(struct span *l, bool meminfo, struct kv *kv, bool *skip)
{
	struct span name, unit;
	__u64 v;

	*skip = false;
	if (!word(l, &name) || !word_u64(l, &v))
		return -EINVAL;
	if (meminfo) {
		if (span_len(&name) < 2 || name.end[-1] != ':')
			return -EINVAL;
		name.end--;
		if (word(l, &unit)) {
			if (!span_is(&unit, "kB") || v > ~0ULL / 1024)
				return -EINVAL;
			v *= 1024;
		}
	}
	if (!at_eol(l))
		return -EINVAL;
	if (!span_copy(&name, kv->name, sizeof(kv->name))) {
		*skip = true;
		return 0;
	}
	kv->value = v;
	return 0;
}

static int kv_parse(const char *text, struct kvlist *out, bool meminfo)
{
	struct span l;
	int cap = 0, err = 0;
	struct kv *kv;
	bool skip;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	while (!err && next_line(&text, &l)) {
		if (at_eol(&l))
			continue;
		kv = push_zeroed(out->v, out->nr, cap);
		err = kv ? kv_line(&l, meminfo, kv, &skip) : -ENOMEM;
		if (!err && skip)
			out->nr--;
	}
	if (!err && !out->nr)
		err = -EINVAL;
	if (err)
		kvlist_free(out);
	return err;
}

int vmstat_parse(const char *text, struct kvlist *out)
{
	return kv_parse(text, out, false);
}

int meminfo_parse(const char *text, struct kvlist *out)
{
	return kv_parse(text, out, true);
}

static int vmstat_parse_v(const char *text, void *out)
{
	return vmstat_parse(text, out);
}

static int meminfo_parse_v(const char *text, void *out)
{
	return meminfo_parse(text, out);
}

int vmstat_read(struct kvlist *out)
{
	memset(out, 0, sizeof(*out));
	return read_and_parse("/proc/vmstat", vmstat_parse_v, out);
}

int meminfo_read(struct kvlist *out)
{
	memset(out, 0, sizeof(*out));
	return read_and_parse("/proc/meminfo", meminfo_parse_v, out);
}

void slabinfo_free(struct slabinfo *s)
{
	for (int i = 0; i < s->nr; i++) {
		for (int j = 0; j < s->caches[i].nr_aliases; j++)
			free(s->caches[i].aliases[j]);
		free(s->caches[i].aliases);
	}
	free(s->caches);
	s->caches = NULL;
	s->nr = 0;
}

/* "slabinfo - version: 2.1"; the 2.x layout starts with the same columns */
static bool slab_version(struct span *l)
{
	return skip_prefix(l, "slabinfo - version: 2.") && !at_eol(l);
}

/* "name active_objs num_objs objsize objperslab pagesperslab : tunables ..." */
static int slab_line(struct span *l, struct slab_cache *c)
{
	struct span w;

	if (!word(l, &w) || !span_copy(&w, c->name, sizeof(c->name)))
		return -EINVAL;
	if (!word_u64(l, &c->active_objs) || !word_u64(l, &c->num_objs) ||
	    !word_u64(l, &c->objsize) || !word_u64(l, &c->objperslab) ||
	    !word_u64(l, &c->pagesperslab) || !expect_word(l, ":"))
		return -EINVAL;
	return 0;
}

int slabinfo_parse(const char *text, struct slabinfo *out)
{
	struct slab_cache *c;
	struct span l;
	int cap = 0, err = 0;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	/* two header lines: the version, then "# name <active_objs> ..." */
	if (!next_line(&text, &l) || !slab_version(&l) || !next_line(&text, &l) ||
	    !skip_prefix(&l, "# name"))
		return -EINVAL;
	while (!err && next_line(&text, &l)) {
		if (at_eol(&l))
			continue;
		c = push_zeroed(out->caches, out->nr, cap);
		err = c ? slab_line(&l, c) : -ENOMEM;
	}
	if (err)
		slabinfo_free(out);
	return err;
}

static int slabinfo_parse_v(const char *text, void *out)
{
	return slabinfo_parse(text, out);
}

int slabinfo_read(struct slabinfo *out)
{
	memset(out, 0, sizeof(*out));
	return read_and_parse("/proc/slabinfo", slabinfo_parse_v, out);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *target_of(const char *name, const char *const *names, const char *const *targets,
			     int n)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], name))
			return targets[i];
	}
	return NULL;
}

int slab_aliases_apply(struct slabinfo *s, const char *const *names, const char *const *targets,
		       int n)
{
	for (int i = 0; i < s->nr; i++) {
		struct slab_cache *c = &s->caches[i];
		const char *t = target_of(c->name, names, targets, n);

		for (int j = 0; t && j < n; j++) {
			char **v;

			if (strcmp(targets[j], t) || !strcmp(names[j], c->name))
				continue;
			v = realloc(c->aliases, (c->nr_aliases + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			c->aliases = v;
			v[c->nr_aliases] = strdup(names[j]);
			if (!v[c->nr_aliases])
				return -ENOMEM;
			c->nr_aliases++;
		}
		if (c->nr_aliases > 1)
			qsort(c->aliases, c->nr_aliases, sizeof(*c->aliases), cmp_name);
	}
	return 0;
}

int slab_aliases_read(struct slabinfo *s, const char *dir)
{
	char **names = NULL, **targets = NULL, buf[256];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0, err = 0;

	if (!d)
		return -errno;
	while (!err && (e = readdir(d))) {
		ssize_t l = readlinkat(dirfd(d), e->d_name, buf, sizeof(buf) - 1);
		const char *base;
		char **nv, **tv;

		if (l <= 0)
			continue; /* a cache of its own (a directory), or . and .. */
		buf[l] = '\0';
		base = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
		nv = realloc(names, (n + 1) * sizeof(*nv));
		if (nv)
			names = nv;
		tv = realloc(targets, (n + 1) * sizeof(*tv));
		if (tv)
			targets = tv;
		if (!nv || !tv) {
			err = -ENOMEM;
			break;
		}
		names[n] = strdup(e->d_name);
		targets[n] = strdup(base);
		n++; /* freed below, NULL or not */
		if (!names[n - 1] || !targets[n - 1])
			err = -ENOMEM;
	}
	closedir(d);
	if (!err)
		err = slab_aliases_apply(s, (const char *const *)names,
					 (const char *const *)targets, n);
	for (int i = 0; i < n; i++) {
		free(names[i]);
		free(targets[i]);
	}
	free(names);
	free(targets);
	return err;
}
