// SPDX-License-Identifier: GPL-2.0
/* Each command's --help and the man page's option lists, from the option table. */
#include <stdio.h>
#include <string.h>
#include "options.h"
#include "util.h"

static const char *spec_default(const struct opt_spec *s, char *buf, size_t sz)
{
	if (!s->def || !*s->def || s->type == OT_FLAG)
		return NULL;
	snprintf(buf, sz, "%s", s->def);
	return buf;
}

/* fold text at width, each line after the first indented by indent */
static void print_wrapped(FILE *f, const char *text, int col, int indent, int width)
{
	const char *p = text;

	while (*p) {
		const char *sp = p, *brk = NULL;

		while (*sp && (sp - p) + col < width) {
			if (*sp == ' ')
				brk = sp;
			sp++;
		}
		if (!*sp)
			brk = sp;
		else if (!brk)
			brk = strchr(p, ' ') ?: p + strlen(p);
		fprintf(f, "%.*s\n", (int)(brk - p), p);
		p = *brk ? brk + 1 : brk;
		if (*p)
			fprintf(f, "%*s", indent, "");
		col = indent;
	}
}

/* what each command's --help says around its options */
static const struct {
	unsigned cmd;
	const char *head, *tail;
} cmd_help[] = {
	{ OC_RECORD,
	  "Usage: kmemscope record [OPTIONS]\n"
	  "\n"
	  "Trace kmalloc, kmem_cache and vmalloc allocations per call site until Ctrl-C\n"
	  "(or --duration), then print a table like 'perf kmem stat --caller'.\n"
	  "Durations take s, m, h, d suffixes, sizes K, M, G, T.\n",
	  NULL },
	{ OC_TOP,
	  "Usage: kmemscope top [OPTIONS]\n"
	  "\n"
	  "Live view of kernel memory allocations per call site, like slabtop/htop.\n"
	  "Reads the kmemscope daemon's control socket when a daemon answers on it,\n"
	  "otherwise loads its own BPF programs (needs root) with the tracing options\n"
	  "of 'kmemscope record'.\n",
	  "Keys: sort n o a b l c s u p g, < > move the sort column, r reverse,\n"
	  "/ filter, k kind, t rates/totals, f fragmentation, Enter detail, space\n"
	  "pause, ? help, q quit. NO_COLOR=1 turns colours off.\n" },
	{ OC_DAEMON,
	  "Usage: kmemscope daemon [OPTIONS]\n"
	  "\n"
	  "Trace like 'kmemscope record', continuously, into rotating gzip NDJSON\n"
	  "segments in the state directory; serve the current state on a control\n"
	  "socket. Meant to run as the kmemscope.service systemd unit. Every option\n"
	  "with a config key (kmemscope.conf) overrides that key, also on reload.\n",
	  "Signals: SIGTERM/SIGINT write the interval and exit; SIGHUP reloads the\n"
	  "configuration; SIGUSR1 ends the interval now and writes state.json.\n" },
	{ OC_REPORT,
	  "Usage: kmemscope report [OPTIONS] [FILE|DIR...]\n"
	  "\n"
	  "Summarise exports of 'kmemscope record -o' and daemon segments: NDJSON or\n"
	  "NDJSON.gz files, directories (their *.ndjson[.gz] files and the daemon's\n"
	  "*.active segment, in name order), or stdin ('-' or no argument).\n",
	  NULL },
	{ OC_STATUS,
	  "Usage: kmemscope status [OPTIONS]\n"
	  "\n"
	  "Show what a running 'kmemscope daemon' is doing, from its control socket.\n"
	  "Exit status 0: running; 3: no daemon answers; 2: usage error.\n",
	  NULL },
};

void opt_print_help(FILE *f, unsigned cmd)
{
	char head[64], d[64], text[512];
	size_t c = 0;

	while (c < ARRAY_SIZE(cmd_help) - 1 && cmd_help[c].cmd != cmd)
		c++;
	fprintf(f, "%s\n", cmd_help[c].head);

	for (size_t i = 0; i < opt_nr_specs; i++) {
		const struct opt_spec *s = &opt_specs[i];

		if (!(s->cmds & cmd) || !s->name || (s->flags & OF_HIDDEN))
			continue;
		snprintf(head, sizeof(head), "  %c%c%c --%s%s%s", s->letter ? '-' : ' ',
			 s->letter ?: ' ', s->letter ? ',' : ' ', s->name, s->metavar ? " " : "",
			 s->metavar ?: "");
		snprintf(text, sizeof(text), "%s%s%s%s", s->help,
			 spec_default(s, d, sizeof(d)) ? " (default " : "",
			 spec_default(s, d, sizeof(d)) ?: "",
			 spec_default(s, d, sizeof(d)) ? ")" : "");
		if (strlen(head) < 26)
			fprintf(f, "%-26s", head);
		else
			fprintf(f, "%s\n%26s", head, "");
		print_wrapped(f, text, 26, 26, 80);
	}
	if (cmd_help[c].tail)
		fprintf(f, "\n%s", cmd_help[c].tail);
}

/* roff: a leading '.' or '\'' would be a request; '-' is a hyphen, '\-' a minus */
static void man_escape(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '-' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* the help text, then "(default D; range)" */
static void man_text(FILE *f, const char *help, const char *def, const struct opt_spec *s)
{
	char r[48];
	const char *range = opt_range(s, r, sizeof(r));

	man_escape(f, help);
	if (def || range) {
		fputs(" (", f);
		if (def) {
			fputs("default ", f);
			man_escape(f, def);
		}
		if (range) {
			fputs(def ? "; " : "", f);
			man_escape(f, range);
		}
		fputc(')', f);
	}
	fputs(".\n", f);
}

static void man_option(FILE *f, const struct opt_spec *s)
{
	char d[64];

	fputs(".TP\n.BR ", f);
	if (s->letter)
		fprintf(f, "\\-%c \", \" ", s->letter);
	fputs("\\-\\-", f);
	man_escape(f, s->name);
	if (s->metavar)
		fprintf(f, " \" \\fI%s\\fP\"", s->metavar);
	fputc('\n', f);
	man_text(f, s->help, spec_default(s, d, sizeof(d)), s);
}

static void man_key(FILE *f, const struct opt_spec *s)
{
	fputs(".TP\n.BR ", f);
	man_escape(f, s->key);
	if (s->name) {
		fputs(" \" (\" \\-\\-", f);
		man_escape(f, s->name);
		fputs(" \")\"", f);
	}
	fputc('\n', f);
	man_text(f, s->key_help ?: s->help, s->def && *s->def ? s->def : "none", s);
}

void opt_print_man(FILE *f)
{
	static const unsigned cmds[] = { OC_RECORD, OC_TOP, OC_DAEMON, OC_REPORT, OC_STATUS };

	fputs(".\\\" generated by 'kmemscope __man-options' from src/options.c:\n"
	      ".\\\" scripts/man-options.sh updates it, tests/unit/test_options.c checks it\n",
	      f);
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		fprintf(f, ".SS %s options\n", opt_cmd_name(cmds[c]));
		for (size_t i = 0; i < opt_nr_specs; i++) {
			const struct opt_spec *s = &opt_specs[i];

			if ((s->cmds & cmds[c]) && s->name && !(s->flags & OF_HIDDEN))
				man_option(f, s);
		}
	}
	fputs(".SS configuration keys\n"
	      "The daemon's command-line option of the same name overrides a key.\n",
	      f);
	for (size_t i = 0; i < opt_nr_specs; i++)
		if (opt_specs[i].cmds & OC_CONFIG)
			man_key(f, &opt_specs[i]);
}
