/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The option engine (lib layer): one struct opt_spec per command-line option
 * and configuration key, and everything derived from tables of them: value
 * parsing and range checks, getopt_long, --help, config keys, the reload
 * diff and the man page's lists. It knows no command: each layer keeps the
 * table of what it owns (session_options.c: tracing; daemon_options.c;
 * top_options.c; report_options.c; record_options.c; status.c) and each command
 * is the list of tables it accepts. cli_options.c holds the whole program.
 */
#ifndef KMEMSCOPE_OPTIONS_H
#define KMEMSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

enum opt_type {
	OT_FLAG, /* no value on the command line; "yes"/"no" in the config file */
	OT_UINT, /* decimal, into a 1, 4 or 8 byte unsigned field */
	OT_DURATION, /* seconds with an optional s/m/h/d suffix, into a double */
	OT_BYTES, /* a count with an optional K/M/G/T suffix (binary) */
	OT_ENUM, /* one of names[], its index into an int (or bool) field */
	OT_PATH, /* an absolute path into a char array (config) */
	OT_FILE, /* a file name or '-' (stdin/stdout), kept as a pointer */
	OT_STRING, /* any non-empty value, kept as a pointer */
	OT_CUSTOM, /* parsed by ->parse, printed by ->format */
	OT_COUNT, /* -v: each use adds one to log_level */
	OT_HELP,
};

enum opt_flags {
	OF_POW2 = 1 << 0, /* a power of two */
	OF_PAGE_MULT = 1 << 1, /* a multiple of the page size */
	OF_REATTACH = 1 << 2, /* a change reloads the BPF programs (daemon reload) */
	OF_NEGATE = 1 << 3, /* OT_FLAG: the option sets the field false (--no-live) */
	OF_TOPTS = 1 << 4, /* off is into the tracing options (opt_dest.topts) */
	OF_EMPTY_OK = 1 << 5, /* OT_PATH: an empty value clears it */
	OF_HIDDEN = 1 << 6, /* an old spelling: accepted, not in --help */
	OF_ABSOLUTE = 1 << 7, /* OT_STRING: an absolute path */
	OF_AUTO = 1 << 8, /* OT_UINT: "auto" stores 0, for a value sized at start */
};

struct opt_spec {
	const char *name; /* long option; NULL: config key only */
	char letter; /* short option, 0: none */
	const char *key; /* config file key (into opt_dest.cfg), NULL: command line only */
	enum opt_type type;
	unsigned flags; /* enum opt_flags */
	size_t off, size; /* the field: into opt_dest.cmd, .cfg (a key) or .topts (OF_TOPTS) */
	double min, max;
	const char *def; /* the default as a user writes it; NULL: none */
	const char *metavar;
	const char *help;
	const char *expect; /* for errors; NULL: derived from the type and range */
	const char *const *names; /* OT_ENUM, NULL-terminated */
	bool (*parse)(const char *s, void *field); /* OT_CUSTOM */
	const char *alias_of; /* OF_HIDDEN: the current spelling */
	const char *key_help; /* the config key's, when the option is its negation */
	/* OT_CUSTOM: the value as a config file spells it (reload diff, config print) */
	const char *(*format)(const void *field, char *buf, size_t sz);
};

#define OPT_FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)

/* the options one layer owns */
struct opt_table {
	const struct opt_spec *specs;
	size_t nr;
};
#define OPT_TABLE(a)                            \
	{                                       \
		(a), sizeof(a) / sizeof((a)[0]) \
	}

/* a command: the tables it accepts, in --help order */
struct opt_command {
	const char *name; /* "record", for messages */
	const char *head, *tail; /* --help text before and after the options (tail: NULL) */
	const struct opt_table *const *tables; /* NULL-terminated */
};
#define OPT_MAX_SPECS 128 /* bound of a command's options, for fixed arrays */

/* every command's -h/--help, and -v of those that log */
extern const struct opt_table opt_help_table, opt_verbose_table;

/* where a command's values go: OF_TOPTS into topts, config keys into cfg, the rest into cmd */
struct opt_dest {
	void *cmd;
	void *cfg;
	void *topts;
};

/* The n-th option of c over all its tables, NULL past the last. */
const struct opt_spec *opt_nth(const struct opt_command *c, size_t n);
/* Set every option of c that has a default to it. */
void opt_defaults(const struct opt_command *c, const struct opt_dest *d);
/* Parse and store one value; false when it is not valid. */
bool opt_set(const struct opt_spec *s, const char *val, const struct opt_dest *d);
/* "expected ..." for s into buf */
const char *opt_expect(const struct opt_spec *s, char *buf, size_t sz);
/* "A .. B" of a numeric setting as a user writes it ("4K .. 1G", "1s .. 1d"), or NULL */
const char *opt_range(const struct opt_spec *s, char *buf, size_t sz);
/* The value of s in d, as a config file spells it. */
const char *opt_format(const struct opt_spec *s, const struct opt_dest *d, char *buf, size_t sz);

/* a command-line value for later (the daemon applies its own after every config load) */
struct opt_given {
	const struct opt_spec *spec;
	const char *val;
};

/*
 * getopt_long over the options of c. Returns 0 to run, 1 when --help was
 * printed, 2 after a one-line usage error on stderr. Non-option arguments
 * are left at argv[optind..]. When given is not NULL, values of config keys
 * are also appended there (at most *nr_given, which is updated).
 */
int opt_parse_cli(const struct opt_command *c, int argc, char **argv, const struct opt_dest *d,
		  struct opt_given *given, size_t *nr_given);
/* A usage error: "kmemscope CMD: MSG" and the --help hint; returns 2. */
__attribute__((format(printf, 2, 3))) int opt_usage_error(const struct opt_command *c,
							  const char *fmt, ...);

/* The spec of config key in c, or NULL. */
const struct opt_spec *opt_find_key(const struct opt_command *c, const char *key);
/* The spec of a long option of c, or NULL. */
const struct opt_spec *opt_find_long(const struct opt_command *c, const char *name);

/* The option list of c's --help. */
void opt_print_help(FILE *f, const struct opt_command *c);
/*
 * The man page's lists (roff): a section per command of cmds (NULL-terminated),
 * then the config keys of keys.
 */
void opt_print_man(FILE *f, const struct opt_command *const *cmds, const struct opt_command *keys);

/* s as roff text: no request at the start of a line, '-' a minus */
void opt_man_escape(FILE *f, const char *s);

/* Do a and b differ in an OF_REATTACH setting of c? */
bool opt_reattach_changed(const struct opt_command *c, const struct opt_dest *a,
			  const struct opt_dest *b);

/* "64M" style byte counts with K/M/G/T suffixes (binary). */
bool parse_bytes(const char *s, __u64 min, __u64 max, __u64 *out);
/* Seconds with an optional s/m/h/d suffix ("90", "1.5h", "7d"). */
bool parse_duration(const char *s, double min, double max, double *out);

#endif
