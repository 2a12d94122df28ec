// SPDX-License-Identifier: GPL-2.0
/* Argument parsing for `kmemscope record`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "env.h"
#include "options.h"
#include "util.h"

int parse_allocators(const char *list, struct tracer_opts *o)
{
	char buf[128], *tok, *save = NULL;

	if (!list || !*list || strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	o->kmalloc = o->cache = o->vmalloc = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "kmalloc"))
			o->kmalloc = true;
		else if (!strcmp(tok, "cache") || !strcmp(tok, "kmem_cache"))
			o->cache = true;
		else if (!strcmp(tok, "vmalloc"))
			o->vmalloc = true;
		else
			return -EINVAL;
	}
	return o->kmalloc || o->cache || o->vmalloc ? 0 : -EINVAL;
}

int record_parse_args(int argc, char **argv, struct record_env *env)
{
	const struct opt_dest d = { .cmd = env, .topts = &env->topts };
	int rc;

	memset(env, 0, sizeof(*env));
	env->topts = tracer_defaults;
	opt_defaults(OC_RECORD, &d);
	rc = opt_parse_cli(OC_RECORD, argc, argv, &d, NULL, NULL);
	if (rc)
		return rc;
	if (env->topts.corr_lag >= env->topts.corr_window)
		return opt_usage_error(
			OC_RECORD, "invalid --corr-lag %u: must be smaller than --corr-window %u",
			env->topts.corr_lag, env->topts.corr_window);
	if (optind < argc)
		return opt_usage_error(OC_RECORD, "unexpected argument '%s'", argv[optind]);
	env->topts.pagetype_period = opt_period_intervals(env->pagetype_period, env->interval);
	return 0;
}
