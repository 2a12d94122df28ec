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

#define EXPR_MAX_DEPTH 256

struct gfp_entry {
	__u64 mask;
	char *name;
};

struct gfp_table {
	struct gfp_entry *ents;
	size_t cnt, cap;
	const char *source;
};

/* Bounded cursor over one expression; syms resolves identifiers (BTF mode). */
struct parser {
	const char *p, *end;
	const struct gfp_table *syms;
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
	for (size_t i = 0; t && i < t->cnt; i++)
		if (!strncmp(t->ents[i].name, name, len) && !t->ents[i].name[len])
			return &t->ents[i];
	return NULL;
}

static bool is_ident(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* Blanks in format text, which is NUL-terminated and needs no bound. */
static const char *blank(const char *p)
{
	return p + strspn(p, " \t\n\r");
}

static char peek(struct parser *ps)
{
	ps->p = skip_ws(ps->p, ps->end);
	return ps->p < ps->end ? *ps->p : '\0';
}

static size_t ident_len(const char *p, const char *end)
{
	const char *q = p;

	if (q < end && is_ident(*q, true))
		while (q < end && is_ident(*q, false))
			q++;
	return q - p;
}

static int parse_expr(struct parser *ps, int level, __u64 *val);

static int parse_number(struct parser *ps, __u64 *val)
{
	char *q;
	int i;

	errno = 0;
	*val = strtoull(ps->p, &q, 0);
	if (errno || q > ps->end)
		return -EINVAL;
	for (i = 0; i < 3 && q < ps->end && strchr("uUlL", *q); i++)
		q++;
	if (q < ps->end && is_ident(*q, false))
		return -EINVAL;
	ps->p = q;
	return 0;
}

/*
 * "( gfp_t)", "(unsigned long)" or "(__force gfp_t)": a parenthesised run of
 * words that are not known flag names, followed by an operand. Casts only
 * narrow types in the kernel, and gfp values fit in any of them, so a cast
 * is skipped and the operand's value is kept.
 */
static bool skip_cast(struct parser *ps)
{
	const char *q = ps->p + 1;
	size_t n;
	int words = 0;

	for (;;) {
		q = skip_ws(q, ps->end);
		n = ident_len(q, ps->end);
		if (n) {
			if (table_find(ps->syms, q, n))
				return false;
			words++;
			q += n;
		} else if (q < ps->end && *q == '*') {
			q++;
		} else {
			break;
		}
	}
	if (!words || q >= ps->end || *q != ')')
		return false;
	q = skip_ws(q + 1, ps->end);
	if (q >= ps->end || !(strchr("(~-+", *q) || is_ident(*q, false)))
		return false;
	ps->p = q;
	return true;
}

static int parse_unary(struct parser *ps, __u64 *val)
{
	char c = peek(ps);
	size_t n;
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
		ps->p++;
	} else if (isdigit((unsigned char)c)) {
		err = parse_number(ps, val);
	} else if ((n = ident_len(ps->p, ps->end)) && ps->syms) {
		/* Flags missing from BTF are configured out: 0, as in the kernel. */
		const struct gfp_entry *e = table_find(ps->syms, ps->p, n);

		*val = e ? e->mask : 0;
		ps->p += n;
		err = 0;
	} else {
		err = -EINVAL;
	}
	ps->depth--;
	return err;
}

/* Binary operators from the loosest to the tightest binding, as in C. */
static const char *const binary_ops[][2] = {
	{ "|" }, { "^" }, { "&" }, { "<<", ">>" }, { "+", "-" },
};

static int apply(const char *op, __u64 a, __u64 b, __u64 *val)
{
	switch (op[0]) {
	case '|':
		*val = a | b;
		break;
	case '^':
		*val = a ^ b;
		break;
	case '&':
		*val = a & b;
		break;
	case '+':
		*val = a + b;
		break;
	case '-':
		*val = a - b;
		break;
	default:
		if (b >= 64)
			return -EINVAL;
		*val = op[0] == '<' ? a << b : a >> b;
	}
	return 0;
}

static const char *match_op(struct parser *ps, int level)
{
	peek(ps);
	for (int i = 0; i < 2 && binary_ops[level][i]; i++) {
		const char *op = binary_ops[level][i];
		size_t n = strlen(op);

		if ((size_t)(ps->end - ps->p) >= n && !strncmp(ps->p, op, n)) {
			ps->p += n;
			return op;
		}
	}
	return NULL;
}

static int parse_expr(struct parser *ps, int level, __u64 *val)
{
	const char *op;
	__u64 rhs;
	int err;

	if (level == (int)(sizeof(binary_ops) / sizeof(binary_ops[0])))
		return parse_unary(ps, val);
	err = parse_expr(ps, level + 1, val);
	while (!err && (op = match_op(ps, level))) {
		err = parse_expr(ps, level + 1, &rhs);
		if (!err)
			err = apply(op, *val, rhs, val);
	}
	return err;
}

static int eval(const char *p, const char *end, const struct gfp_table *syms, __u64 *val)
{
	struct parser ps = { .p = p, .end = end, .syms = syms };
	int err = parse_expr(&ps, 0, val);

	return err ? err : peek(&ps) ? -EINVAL : 0;
}

/* Start of the first {mask, "name"} entry of __print_flags(REC->gfp_flags, ...). */
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

/* End of a mask expression: the ',' outside parentheses. */
static const char *expr_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			return NULL;
		else if (!depth && (*p == ',' || *p == '}'))
			return *p == ',' ? p : NULL;
	}
	return NULL;
}

/* One "{EXPR, "NAME"}"; *p moves past it. 1: the { 0, NULL } terminator. */
static int parse_entry(struct gfp_table *t, const char **pp)
{
	const char *p = blank(*pp), *comma, *name;
	__u64 mask;
	int err;

	if (*p++ != '{' || !(comma = expr_end(p)))
		return -EINVAL;
	err = eval(p, comma, NULL, &mask);
	if (err)
		return err;
	p = blank(comma + 1);
	if (*p != '"') {
		p = strchr(p, '}');
		*pp = p ? p + 1 : NULL;
		return p ? 1 : -EINVAL;
	}
	name = ++p;
	p += strcspn(p, "\"\\\n");
	if (*p != '"' || p == name)
		return -EINVAL;
	err = table_add(t, mask, name, p - name);
	p = blank(p + 1);
	if (*p != '}')
		return err ? err : -EINVAL;
	*pp = p + 1;
	return err;
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
			break;
		if (ret || *p++ != ',')
			return -EINVAL;
	}
	return t->cnt ? 0 : -EINVAL;
}

int gfp_table__from_format(struct gfp_table **out, const char *format_text)
{
	const char *p = format_text ? find_gfp_print_flags(format_text) : NULL;
	struct gfp_table *t;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p)
		return -ENOENT;
	t = table_new("tracefs format");
	if (!t)
		return -ENOMEM;
	err = parse_entries(t, p);
	if (err) {
		gfp_table__free(t);
		return err;
	}
	*out = t;
	return 0;
}

/*
 * The single flags in the order of TRACE_GFP_FLAGS in mmflags.h; the last
 * four only exist (in BTF and in the kernel's table) when configured.
 */
static const char *const gfp_singles[] = {
	"__GFP_DMA",
	"__GFP_HIGHMEM",
	"__GFP_DMA32",
	"__GFP_MOVABLE",
	"__GFP_RECLAIMABLE",
	"__GFP_HIGH",
	"__GFP_IO",
	"__GFP_FS",
	"__GFP_ZERO",
	"__GFP_DIRECT_RECLAIM",
	"__GFP_KSWAPD_RECLAIM",
	"__GFP_WRITE",
	"__GFP_NOWARN",
	"__GFP_RETRY_MAYFAIL",
	"__GFP_NOFAIL",
	"__GFP_NORETRY",
	"__GFP_MEMALLOC",
	"__GFP_COMP",
	"__GFP_NOMEMALLOC",
	"__GFP_HARDWALL",
	"__GFP_THISNODE",
	"__GFP_ACCOUNT",
	"__GFP_ZEROTAGS",
	"__GFP_SKIP_ZERO",
	"__GFP_SKIP_KASAN",
	"__GFP_NOLOCKDEP",
	"__GFP_NO_OBJ_EXT",
};

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

/* ___GFP_<NAME>_BIT enumerators as "__GFP_<NAME>" = 1 << value, in BTF order. */
static int collect_btf_bits(struct gfp_table *bits, const struct btf *btf)
{
	__u32 n = btf__type_cnt(btf);

	for (__u32 id = 1; id < n && !bits->cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *s = btf__name_by_offset(btf, e->name_off);
			size_t len = s ? strlen(s) : 0;
			int err;

			if (len < 12 || strncmp(s, "___GFP_", 7) || strcmp(s + len - 4, "_BIT") ||
			    !strcmp(s, "___GFP_UNUSED_BIT") || !strcmp(s, "___GFP_LAST_BIT"))
				continue;
			if (e->val < 0 || e->val >= 64)
				return -EINVAL;
			err = table_add(bits, 1ULL << e->val, s + 1, len - 5);
			if (err)
				return err;
		}
	}
	return bits->cnt ? 0 : -ENOENT;
}

static bool is_known_single(const char *name)
{
	for (size_t i = 0; i < sizeof(gfp_singles) / sizeof(gfp_singles[0]); i++)
		if (!strcmp(name, gfp_singles[i]))
			return true;
	return false;
}

/* Singles in the kernel's order, then any newer flags in bit order. */
static int add_singles(struct gfp_table *t, const struct gfp_table *bits)
{
	const struct gfp_entry *e;
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(gfp_singles) / sizeof(gfp_singles[0]); i++) {
		e = table_find(bits, gfp_singles[i], strlen(gfp_singles[i]));
		if (e)
			err = table_add(t, e->mask, e->name, strlen(e->name));
	}
	for (size_t i = 0; !err && i < bits->cnt; i++)
		if (!is_known_single(bits->ents[i].name))
			err = table_add(t, bits->ents[i].mask, bits->ents[i].name,
					strlen(bits->ents[i].name));
	return err;
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
	struct gfp_table bits = { 0 };
	size_t nsingles, nc = sizeof(gfp_composites) / sizeof(gfp_composites[0]);
	int err = collect_btf_bits(&bits, btf);

	if (!err)
		err = add_singles(t, &bits);
	nsingles = t->cnt;
	/* Append composites bottom-up so each can see the ones it uses... */
	for (size_t i = nc; !err && i-- > 0;) {
		const char *expr = gfp_composites[i].expr, *name = gfp_composites[i].name;
		__u64 mask;

		err = eval(expr, expr + strlen(expr), t, &mask);
		if (!err)
			err = table_add(t, mask, name, strlen(name));
	}
	/* ...then turn [singles, composites reversed] into [composites, singles]. */
	if (!err) {
		reverse(t->ents, t->cnt);
		reverse(t->ents + nc, nsingles);
	}
	for (size_t i = 0; i < bits.cnt; i++)
		free(bits.ents[i].name);
	free(bits.ents);
	return err;
}

int gfp_table__from_btf(struct gfp_table **out, const struct btf *btf)
{
	struct gfp_table *t;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!btf)
		return -EINVAL;
	t = table_new("BTF");
	if (!t)
		return -ENOMEM;
	err = build_from_btf(t, btf);
	if (err) {
		gfp_table__free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* tracefs files report size 0, so read until EOF. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* All three events print gfp_flags with the same show_gfp_flags() table. */
static struct gfp_table *load_from_tracefs(const char *tracefs_dir)
{
	static const char *const events[] = { "kmalloc", "kmem_cache_alloc", "mm_page_alloc" };
	struct gfp_table *t = NULL;
	char path[PATH_MAX];

	for (size_t i = 0; !t && i < sizeof(events) / sizeof(events[0]); i++) {
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
	if (!btf)
		return NULL;
	if (gfp_table__from_btf(&t, btf))
		t = NULL;
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
	bool first = true;

	if (sz && buf)
		buf[0] = '\0';
	if (!t) {
		out_printf(&o, "0x%llx", (unsigned long long)flags);
		return o.len;
	}
	if (!flags) {
		out_printf(&o, "none");
		return o.len;
	}
	for (size_t i = 0; i < t->cnt && flags; i++) {
		__u64 mask = t->ents[i].mask;

		if (!mask || (flags & mask) != mask)
			continue;
		flags &= ~mask;
		out_printf(&o, "%s%s", first ? "" : "|", t->ents[i].name);
		first = false;
	}
	if (flags)
		out_printf(&o, "%s0x%llx", first ? "" : "|", (unsigned long long)flags);
	return o.len;
}
