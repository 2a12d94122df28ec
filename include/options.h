/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One specification of every command-line option and configuration key
 * (src/options.c). The getopt tables, the daemon's config file parser and
 * printer, each command's --help, the reload diff and the man page's option
 * lists are all derived from it: adding an option is one table entry plus
 * its use.
 */
#ifndef KMEMSCOPE_OPTIONS_H
#define KMEMSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "tracer.h"

/* which commands accept an option; OC_CONFIG: the daemon's config file */
enum opt_cmd {
	OC_RECORD = 1 << 0,
	OC_TOP = 1 << 1,
	OC_DAEMON = 1 << 2,
	OC_REPORT = 1 << 3,
	OC_STATUS = 1 << 4,
	OC_CONFIG = 1 << 5,
};
/* every command that traces accepts the same tracing options */
#define OC_TRACING (OC_RECORD | OC_TOP | OC_DAEMON)

enum opt_type {
	OT_FLAG, /* no value on the command line; "yes"/"no" in the config file */
	OT_UINT, /* decimal, into a 1, 4 or 8 byte unsigned field */
	OT_DURATION, /* seconds with an optional s/m/h/d suffix, into a double */
	OT_BYTES, /* a count with an optional K/M/G/T suffix (binary) */
	OT_ENUM, /* one of names[], its index into an int (or bool) field */
	OT_ALLOCATORS, /* kmalloc,cache,vmalloc into the tracer_opts booleans */
	OT_PATH, /* an absolute path into a char array (config) */
	OT_FILE, /* a file name or '-' (stdin/stdout), kept as a pointer */
	OT_STRING, /* any non-empty value, kept as a pointer */
	OT_CUSTOM, /* parsed by ->parse */
	OT_COUNT, /* -v: each use adds one to log_level */
	OT_HELP,
};

enum opt_flags {
	OF_POW2 = 1 << 0, /* a power of two */
	OF_PAGE_MULT = 1 << 1, /* a multiple of the page size */
	OF_REATTACH = 1 << 2, /* a change reloads the BPF programs (daemon reload) */
	OF_NEGATE = 1 << 3, /* OT_FLAG: the option sets the field false (--no-live) */
	OF_TOPTS = 1 << 4, /* off is into struct tracer_opts, not the command's struct */
	OF_EMPTY_OK = 1 << 5, /* OT_PATH: an empty value clears it */
	OF_HIDDEN = 1 << 6, /* an old spelling: accepted, not in --help */
	OF_ABSOLUTE = 1 << 7, /* OT_STRING: an absolute path */
	OF_AUTO = 1 << 8, /* OT_UINT: "auto" stores 0, for a value sized at start */
};

struct opt_spec {
	const char *name; /* long option; NULL: config key only */
	char letter; /* short option, 0: none */
	const char *key; /* config file key, NULL: command line only */
	enum opt_type type;
	unsigned cmds; /* enum opt_cmd */
	unsigned flags; /* enum opt_flags */
	size_t off, size; /* the field: into the command's struct, or tracer_opts */
	double min, max;
	const char *def; /* the default as a user writes it; NULL: none */
	const char *metavar;
	const char *help;
	const char *expect; /* for errors; NULL: derived from the type and range */
	const char *const *names; /* OT_ENUM, NULL-terminated */
	bool (*parse)(const char *s, void *field); /* OT_CUSTOM */
	const char *alias_of; /* OF_HIDDEN: the current spelling */
	const char *key_help; /* the config key's, when the option is its negation */
};

extern const struct opt_spec opt_specs[];
extern const size_t opt_nr_specs;
#define OPT_MAX_SPECS 128 /* bound of opt_nr_specs, for fixed arrays */

/* where a command's values go */
/* where a command's values go: OF_TOPTS into topts, config keys into cfg, the rest into cmd */
struct opt_dest {
	void *cmd;
	void *cfg; /* struct daemon_config */
	struct tracer_opts *topts;
};

/* The command's name ("record") for messages; one OC_ bit. */
const char *opt_cmd_name(unsigned cmd);
/* Set every option of cmd that has a default to it. */
void opt_defaults(unsigned cmd, const struct opt_dest *d);
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
 * getopt_long over the options of cmd. Returns 0 to run, 1 when --help was
 * printed, 2 after a one-line usage error on stderr. Non-option arguments
 * are left at argv[optind..]. When given is not NULL, values are also
 * appended there (at most *nr_given, which is updated).
 */
int opt_parse_cli(unsigned cmd, int argc, char **argv, const struct opt_dest *d,
		  struct opt_given *given, size_t *nr_given);
/* A usage error: "kmemscope CMD: MSG" and the --help hint; returns 2. */
__attribute__((format(printf, 2, 3))) int opt_usage_error(unsigned cmd, const char *fmt, ...);

/* The spec of a config key (renamed keys resolved), or NULL. */
const struct opt_spec *opt_find_key(const char *key, const char **renamed_from);
/* The spec of a long option of cmd, or NULL. */
const struct opt_spec *opt_find_long(unsigned cmd, const char *name);

/* The option list of cmd's --help. */
void opt_print_help(FILE *f, unsigned cmd);
/* The option and key lists of the man page (roff). */
void opt_print_man(FILE *f);

/* Do a and b differ in an OF_REATTACH setting? */
bool opt_reattach_changed(unsigned cmd, const struct opt_dest *a, const struct opt_dest *b);

/* the session counts the pagetypeinfo period in intervals */
__u32 opt_period_intervals(double period, double interval);

/* `kmemscope top`'s settings */
struct top_args {
	double interval;
	double pagetype_period;
	bool once, standalone;
	const char *socket;
	int sort; /* enum top_col */
	struct tracer_opts topts;
};

/* `kmemscope report`'s settings */
struct report_args {
	int sort; /* enum rp_sort */
	__u64 top;
	const char *kind;
	const char *caller;
	__u64 since_ns, until_ns;
	int format; /* 0 text, 1 json */
	const char *html;
	bool folded, strict;
	int weight; /* 0 bytes, 1 count */
};

/* `kmemscope status`'s settings */
struct status_args {
	const char *socket;
	bool json;
	int command; /* index into opt_status_commands */
};
extern const char *const opt_status_commands[];

/* `kmemscope daemon`'s command-line-only settings */
struct daemon_args {
	const char *config, *check, *state_dir, *socket;
};

#endif
