// SPDX-License-Identifier: GPL-2.0
/* Which records the report keeps: the time window, --kind, --caller; field problems. */
#include <fnmatch.h>
#include <string.h>
#include "ndjson_reader.h"
#include "report_filter.h"

bool rp_in_window(const struct report *rp, __u64 t)
{
	if ((rp->opts.since_ns || rp->opts.until_ns) && !t)
		return false; /* time unknown: cannot be placed in a window */
	if (rp->opts.since_ns && t < rp->opts.since_ns)
		return false;
	if (rp->opts.until_ns && t > rp->opts.until_ns)
		return false;
	return true;
}

int rp_bad_field(struct ndjson_reader *r, const char *type, const char *field, const char *want)
{
	return nr_problem(r, "%s record: field \"%s\" %s: record skipped", type, field, want);
}

static const char *kind_norm(const char *k)
{
	return !strcmp(k, "cache") ? "kmem_cache" : k;
}

bool rp_caller_match(const struct report *rp, const char *caller, const char *site)
{
	const char *pat = rp->opts.caller;

	if (!pat)
		return true;
	if (!strpbrk(pat, "*?["))
		return strstr(caller, pat) || strstr(site, pat);
	return !fnmatch(pat, caller, 0) || !fnmatch(pat, site, 0);
}

bool rp_wanted(const struct report *rp, const char *kind, const char *caller, const char *site)
{
	if (rp->opts.kind && strcmp(kind_norm(rp->opts.kind), kind))
		return false;
	return rp_caller_match(rp, caller, site);
}
