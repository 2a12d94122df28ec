// SPDX-License-Identifier: GPL-2.0
/*
 * GFP flag names exactly as the running kernel prints them in trace output.
 *
 * The kernel's own table is the __print_flags() list in a tracepoint's
 * format file: each entry is a C constant expression already expanded by
 * the kernel's preprocessor, so a small expression evaluator recovers the
 * masks without hard-coding any kernel version's bit layout. When tracefs
 * is not readable, the table is rebuilt from the ___GFP_*_BIT enum in BTF.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "gfp.h"
#include "util.h"

/* Bounds recursion on hostile input; kernel tables nest about 12 deep. */
#define EXPR_MAX_DEPTH 256
#define TYPE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ \t*"

struct gfp_entry {
	__u64 mask;
	char *name;
};

struct gfp_table {
	struct gfp_entry *ents;
	size_t cnt, cap;
	const char *source;
};

struct parser {
	const char *p;
	const struct gfp_table *syms; /* resolves identifiers (BTF mode only) */
	int depth;
};

static struct gfp_table *table_new(const char *source)
{
	struct gfp_table *t = calloc(1, sizeof(*t));

	if (t)
		t->source = source;
	return t;
}

void gfp_table__free(struct gfp_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cnt; i++)
		free(t->ents[i].name);
	free(t->ents);
	free(t);
}

static int table_add(struct gfp_table *t, __u64 mask, const char *name, size_t len)
{
	if (t->cnt == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 48;
		struct gfp_entry *e = realloc(t->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->ents = e;
		t->cap = cap;
	}
	t->ents[t->cnt].name = strndup(name, len);
	if (!t->ents[t->cnt].name)
		return -ENOMEM;
	t->ents[t->cnt++].mask = mask;
	return 0;
}

static const struct gfp_entry *table_find(const struct gfp_table *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->cnt; i++)
		if (!strncmp(t->ents[i].name, name, len) && !t->ents[i].name[len])
			return &t->ents[i];
	return NULL;
}

static bool is_ident(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

static const char *blank(const char *p)
{
	return p + strspn(p, " \t\n\r");
}

static char peek(struct parser *ps)
{
	ps->p = blank(ps->p);
	return *ps->p;
}

static int parse_expr(struct parser *ps, int level, __u64 *val);

static int parse_number(struct parser *ps, __u64 *val)
{
	char *q;

	errno = 0;
	*val = strtoull(ps->p, &q, 0);
	if (errno)
		return -EINVAL;
	q += strspn(q, "uUlL");
	if (is_ident(*q, false))
		return -EINVAL; /* "0x", "12abc" */
	ps->p = q;
	return 0;
}

/*
 * "( gfp_t)", "(unsigned long)", "(__force gfp_t)": a parenthesised type
 * name followed by an operand. gfp values fit every type the kernel casts
 * them to, so the cast is skipped. A type name starts with a letter, which
 * keeps "(16) - 3" an expression; identifiers that are values only occur in
 * our own BTF definitions, which have no "(NAME) operand" forms.
 */
static bool skip_cast(struct parser *ps)
{
	const char *q = blank(ps->p + 1);
	size_t n = strspn(q, TYPE_CHARS);

	if (!is_ident(*q, true) || q[n] != ')')
		return false;
	q = blank(q + n + 1);
	if (!*q || !(strchr("(~-+", *q) || is_ident(*q, false)))
		return false;
	ps->p = q;
	return true;
}

static int parse_ident(struct parser *ps, __u64 *val)
{
	const struct gfp_entry *e;
	size_t n = 0;

	if (!ps->syms || !is_ident(*ps->p, true))
		return -EINVAL;
	while (is_ident(ps->p[n], false))
		n++;
	/* Flags missing from BTF are configured out: 0, as in the kernel. */
	e = table_find(ps->syms, ps->p, n);
	*val = e ? e->mask : 0;
	ps->p += n;
	return 0;
}

static int parse_unary(struct parser *ps, __u64 *val)
{
	char c = peek(ps);
	int err;

	if (++ps->depth > EXPR_MAX_DEPTH)
		return -EINVAL;
	if (c == '~' || c == '-' || c == '+') {
		ps->p++;
		err = parse_unary(ps, val);
		*val = c == '~' ? ~*val : c == '-' ? -*val : *val;
	} else if (c == '(' && skip_cast(ps)) {
		err = parse_unary(ps, val);
	} else if (c == '(') {
		ps->p++;
		err = parse_expr(ps, 0, val);
		if (!err && peek(ps) != ')')
			err = -EINVAL;
		if (!err)
			ps->p++;
	} else if (isdigit((unsigned char)c)) {
		err = parse_number(ps, val);
	} else {
		err = parse_ident(ps, val);
	}
	ps->depth--;
	return err;
}

/* Binary operators from the loosest to the tightest binding, as in C; '<' is "<<". */
static const char *const binary_ops[] = { "|", "^", "&", "<>", "+-" };

static char match_op(struct parser *ps, int level)
{
	char c = peek(ps);
	bool shift = c == '<' || c == '>';

	if (!c || !strchr(binary_ops[level], c) || (shift && ps->p[1] != c))
		return 0;
	ps->p += shift ? 2 : 1;
	return c;
}

static __u64 apply(char op, __u64 a, __u64 b)
{
	switch (op) {
	case '|':
		return a | b;
	case '^':
		return a ^ b;
	case '&':
		return a & b;
	case '<':
		return a << b;
	case '>':
		return a >> b;
	case '+':
		return a + b;
	default:
		return a - b;
	}
}

static int parse_expr(struct parser *ps, int level, __u64 *val)
{
	__u64 rhs;
	char op;
	int err;

	if (level == (int)ARRAY_SIZE(binary_ops))
		return parse_unary(ps, val);
	err = parse_expr(ps, level + 1, val);
	while (!err && (op = match_op(ps, level))) {
		err = parse_expr(ps, level + 1, &rhs);
		if (!err && (op == '<' || op == '>') && rhs >= 64)
			err = -EINVAL; /* undefined in C, rejected by the kernel's compiler */
		if (!err)
			*val = apply(op, *val, rhs);
	}
	return err;
}

static int eval(const char *expr, const struct gfp_table *syms, __u64 *val)
{
	struct parser ps = { .p = expr, .syms = syms };
	int err = parse_expr(&ps, 0, val);

	return err ? err : peek(&ps) ? -EINVAL : 0;
}

/* The first entry of __print_flags(REC->gfp_flags, "|", {...}, ...). */
static const char *find_gfp_print_flags(const char *text)
{
	static const char call[] = "__print_flags(", arg[] = "REC->gfp_flags";
	const char *fmt = strstr(text, "print fmt:");
	const char *p = fmt ? fmt : text, *q;

	while ((p = strstr(p, call))) {
		p += strlen(call);
		q = blank(p);
		if (strncmp(q, arg, strlen(arg)))
			continue;
		q = blank(q + strlen(arg));
		if (*q != ',')
			continue;
		/* Skip the delimiter string: the kernel always passes "|". */
		q = blank(q + 1);
		if (*q != '"' || !(q = strchr(q + 1, '"')))
			return NULL;
		q = blank(q + 1);
		return *q == ',' ? q + 1 : NULL;
	}
	return NULL;
}

/* The ',' ending a mask expression, outside its parentheses. */
static const char *expr_end(const char *p)
{
	for (int depth = 0; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			return NULL;
		else if (!depth && (*p == ',' || *p == '}'))
			return *p == ',' ? p : NULL;
	}
	return NULL;
}

/* One {EXPR, "NAME"}; *pp moves past it. Returns 1 at the { 0, NULL } end. */
static int parse_entry(struct gfp_table *t, const char **pp)
{
	const char *p = blank(*pp), *comma, *name;
	char *expr;
	__u64 mask;
	size_t len;
	int err;

	if (*p != '{' || !(comma = expr_end(p + 1)))
		return -EINVAL;
	expr = strndup(p + 1, comma - p - 1);
	err = expr ? eval(expr, NULL, &mask) : -ENOMEM;
	free(expr);
	if (err)
		return err;
	p = blank(comma + 1);
	if (*p != '"') {
		/* { 0, ((void *)0) } */
		p = strchr(p, '}');
		*pp = p ? p + 1 : "";
		return p ? 1 : -EINVAL;
	}
	name = p + 1;
	len = strcspn(name, "\"\\\n");
	if (!len || name[len] != '"')
		return -EINVAL;
	p = blank(name + len + 1);
	if (*p != '}')
		return -EINVAL;
	*pp = p + 1;
	return table_add(t, mask, name, len);
}

static int parse_entries(struct gfp_table *t, const char *p)
{
	int ret;

	for (;;) {
		ret = parse_entry(t, &p);
		if (ret < 0)
			return ret;
		p = blank(p);
		if (*p == ')')
			return t->cnt ? 0 : -EINVAL;
		if (ret || *p++ != ',')
			return -EINVAL;
	}
}

/* Hands t over through *out, or frees it on error. */
static int finish(struct gfp_table *t, int err, struct gfp_table **out)
{
	if (err) {
		gfp_table__free(t);
		return err;
	}
	*out = t;
	return 0;
}

int gfp_table__from_format(struct gfp_table **out, const char *format_text)
{
	const char *p = format_text ? find_gfp_print_flags(format_text) : NULL;
	struct gfp_table *t;

	*out = NULL;
	if (!p)
		return -ENOENT;
	t = table_new("tracefs format");
	return t ? finish(t, parse_entries(t, p), out) : -ENOMEM;
}

/*
 * Composites in __def_gfpflag_names order, defined as in gfp_types.h of
 * 6.18. Each one only uses composites below it, so evaluating bottom-up
 * resolves every name.
 */
static const struct {
	const char *name, *expr;
} gfp_composites[] = {
	{ "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM" },
	{ "GFP_TRANSHUGE_LIGHT",
	  "(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM" },
	{ "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN" },
	{ "GFP_HIGHUSER", "GFP_USER | __GFP_HIGHMEM" },
	{ "GFP_USER", "__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL" },
	{ "GFP_KERNEL_ACCOUNT", "GFP_KERNEL | __GFP_ACCOUNT" },
	{ "GFP_KERNEL", "__GFP_RECLAIM | __GFP_IO | __GFP_FS" },
	{ "GFP_NOFS", "__GFP_RECLAIM | __GFP_IO" },
	{ "GFP_ATOMIC", "__GFP_HIGH | __GFP_KSWAPD_RECLAIM" },
	{ "GFP_NOIO", "__GFP_RECLAIM" },
	{ "GFP_NOWAIT", "__GFP_KSWAPD_RECLAIM | __GFP_NOWARN" },
	{ "GFP_DMA", "__GFP_DMA" },
	{ "GFP_DMA32", "__GFP_DMA32" },
	{ "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM" },
};

static bool is_gfp_bit(const char *s, size_t len)
{
	return len > 11 && !strncmp(s, "___GFP_", 7) && !strcmp(s + len - 4, "_BIT") &&
	       strcmp(s, "___GFP_UNUSED_BIT") && strcmp(s, "___GFP_LAST_BIT");
}

/*
 * ___GFP_<NAME>_BIT as "__GFP_<NAME>" = 1 << value. mmflags.h lists the
 * single flags in this enum's order (TRACE_GFP_FLAGS, with the optional
 * KASAN, LOCKDEP and SLAB_OBJ_EXT ones last), so BTF order is the kernel's.
 */
static int add_btf_singles(struct gfp_table *t, const struct btf *btf)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n && !t->cnt; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_is_enum(bt) ? btf_enum(bt) : NULL;

		for (int i = 0; e && i < btf_vlen(bt); i++, e++) {
			const char *s = btf__name_by_offset(btf, e->name_off);
			size_t len = s ? strlen(s) : 0;
			int err;

			if (!is_gfp_bit(s, len))
				continue;
			if (e->val < 0 || e->val >= 64)
				return -EINVAL;
			err = table_add(t, 1ULL << e->val, s + 1, len - 5);
			if (err)
				return err;
		}
	}
	return t->cnt ? 0 : -ENOENT;
}

static void reverse(struct gfp_entry *e, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct gfp_entry tmp = e[i];

		e[i] = e[n - 1 - i];
		e[n - 1 - i] = tmp;
	}
}

static int build_from_btf(struct gfp_table *t, const struct btf *btf)
{
	int err = add_btf_singles(t, btf);
	size_t nsingles = t->cnt;

	/* Append composites bottom-up so each can see the ones it uses... */
	for (size_t i = ARRAY_SIZE(gfp_composites); !err && i > 0; i--) {
		const char *name = gfp_composites[i - 1].name;
		__u64 mask;

		err = eval(gfp_composites[i - 1].expr, t, &mask);
		if (!err)
			err = table_add(t, mask, name, strlen(name));
	}
	/* ...then turn [singles, composites reversed] into [composites, singles]. */
	if (!err) {
		reverse(t->ents, t->cnt);
		reverse(t->ents + ARRAY_SIZE(gfp_composites), nsingles);
	}
	return err;
}

int gfp_table__from_btf(struct gfp_table **out, const struct btf *btf)
{
	struct gfp_table *t;

	*out = NULL;
	if (!btf)
		return -EINVAL;
	t = table_new("BTF");
	return t ? finish(t, build_from_btf(t, btf), out) : -ENOMEM;
}

/* tracefs files report size 0, so read to EOF; format text holds no NUL. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* All three events print gfp_flags with the same show_gfp_flags() table. */
static struct gfp_table *load_from_tracefs(const char *tracefs_dir)
{
	static const char *const events[] = { "kmalloc", "kmem_cache_alloc", "mm_page_alloc" };
	struct gfp_table *t = NULL;
	char path[PATH_MAX];

	for (size_t i = 0; !t && i < ARRAY_SIZE(events); i++) {
		char *text;

		snprintf(path, sizeof(path), "%s/events/kmem/%s/format", tracefs_dir, events[i]);
		text = read_text(path);
		if (text)
			gfp_table__from_format(&t, text);
		free(text);
	}
	return t;
}

struct gfp_table *gfp_table__load(const char *tracefs_dir)
{
	struct gfp_table *t = tracefs_dir ? load_from_tracefs(tracefs_dir) : NULL;
	struct btf *btf;

	if (t)
		return t;
	btf = btf__load_vmlinux_btf();
	if (btf)
		gfp_table__from_btf(&t, btf);
	btf__free(btf);
	return t;
}

const char *gfp_table__source(const struct gfp_table *t)
{
	return t ? t->source : "none";
}

int gfp_table__value(const struct gfp_table *t, const char *name, __u64 *val)
{
	const struct gfp_entry *e;

	if (!t || !name)
		return -EINVAL;
	e = table_find(t, name, strlen(name));
	if (!e)
		return -ENOENT;
	*val = e->mask;
	return 0;
}

/* snprintf-style appender: counts the full length, writes what fits. */
struct out {
	char *buf;
	size_t sz, len;
};

__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
	size_t off = o->len < o->sz ? o->len : o->sz;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf ? o->buf + off : NULL, o->sz - off, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

/* Mirrors trace_print_flags_seq() in kernel/trace/trace_output.c. */
int gfp_decode(const struct gfp_table *t, __u64 flags, char *buf, size_t sz)
{
	struct out o = { .buf = buf, .sz = buf ? sz : 0 };

	if (buf && sz)
		buf[0] = '\0';
	if (!t)
		out_printf(&o, "0x%llx", (unsigned long long)flags);
	else if (!flags)
		out_printf(&o, "none");
	for (size_t i = 0; t && i < t->cnt && flags; i++) {
		__u64 mask = t->ents[i].mask;

		/* The kernel never lists a 0 mask; it would match anything. */
		if (!mask || (flags & mask) != mask)
			continue;
		flags &= ~mask;
		out_printf(&o, "%s%s", o.len ? "|" : "", t->ents[i].name);
	}
	if (t && flags)
		out_printf(&o, "%s0x%llx", o.len ? "|" : "", (unsigned long long)flags);
	return o.len;
}
