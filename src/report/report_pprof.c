// SPDX-License-Identifier: GPL-2.0
/*
 * `kmemscope report --pprof FILE`: the sites as a gzip-compressed pprof
 * profile.proto (profile.proto beside this file, packed by libprotobuf-c),
 * the input of `go tool pprof`, Pyroscope, Parca and Grafana.
 *
 * One sample per sampled kernel stack of a site (FLD_STACKS), else one per
 * site with its call site as the only location. Stacks are sampled (one
 * allocation in stack_sample takes one), but every value of the profile is
 * exact: a site's exact totals are split over its stacks by their sampled
 * shares, so a site's samples add up to what the export counted, and the
 * profile to the report's totals. In a --by recording each owner of a site
 * (rp_slice) has samples of its own, labelled "comm" or "cgroup": values of
 * different owners are never merged, so label filters select exact counts.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "profile.pb-c.h"
#include "report_pprof.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_vtype;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/* the sample types, in this order in every sample's values */
enum { V_ALLOC_OBJECTS, V_ALLOC_SPACE, V_INUSE_OBJECTS, V_INUSE_SPACE, V_REQUESTED, V_SLACK, V_NR };

static const char *const vtype_names[V_NR][2] = {
	[V_ALLOC_OBJECTS] = { "alloc_objects", "count" },
	[V_ALLOC_SPACE] = { "alloc_space", "bytes" },
	[V_INUSE_OBJECTS] = { "inuse_objects", "count" },
	[V_INUSE_SPACE] = { "inuse_space", "bytes" },
	[V_REQUESTED] = { "requested_space", "bytes" },
	[V_SLACK] = { "slack_space", "bytes" },
};

#define MAX_LABELS 4 /* kind, cache, gfp, and comm or cgroup (--by) */

/* a location with its one line and function: one call site or stack frame */
struct pp_loc {
	pb_location loc;
	pb_line line, *lines[1];
	pb_function fn;
};

struct pp_sample {
	pb_sample s;
	int64_t v[V_NR];
	pb_label lab[MAX_LABELS], *labs[MAX_LABELS];
};

struct pp {
	pb_profile p;
	pb_vtype vt[V_NR], *vts[V_NR], period;
	pb_mapping map, *maps[1];
	struct htab strs, locs; /* string -> index + 1, frame -> location index + 1 */
	char **str;
	size_t nr_str;
	struct pp_loc **loc;
	size_t nr_loc;
	struct pp_sample **smp;
	size_t nr_smp;
	int64_t *comments;
	size_t nr_comments;
	bool oom;
};

/* index of s in the string table, added when new (0, the empty string, on ENOMEM) */
static int64_t str_id(struct pp *pp, const char *s)
{
	uintptr_t i = (uintptr_t)htab_get(&pp->strs, s);
	char *copy;

	if (i)
		return (int64_t)i - 1;
	copy = strdup(s);
	if (!copy || rp_push(&pp->str, &pp->nr_str, copy) ||
	    htab_put(&pp->strs, s, (void *)(uintptr_t)pp->nr_str)) {
		free(copy);
		pp->oom = true;
		return 0;
	}
	return (int64_t)pp->nr_str - 1;
}

/* the location id of a frame "func+0xoff": its function is func, its system name the frame */
static uint64_t loc_id(struct pp *pp, const char *frame)
{
	uintptr_t i = (uintptr_t)htab_get(&pp->locs, frame);
	struct pp_loc *l;
	const char *plus;
	char *func;

	if (i)
		return i;
	l = calloc(1, sizeof(*l));
	func = strdup(frame);
	if (!l || !func || rp_push(&pp->loc, &pp->nr_loc, l)) {
		free(l);
		free(func);
		pp->oom = true;
		return 0;
	}
	plus = strstr(frame, "+0x");
	if (plus)
		func[plus - frame] = '\0';
	perftools__profiles__function__init(&l->fn);
	perftools__profiles__line__init(&l->line);
	perftools__profiles__location__init(&l->loc);
	l->fn.id = pp->nr_loc;
	l->fn.name = str_id(pp, func);
	l->fn.system_name = str_id(pp, frame);
	l->fn.filename = str_id(pp, "[kernel]");
	free(func);
	l->line.function_id = l->fn.id;
	l->lines[0] = &l->line;
	l->loc.id = pp->nr_loc;
	l->loc.mapping_id = 1;
	l->loc.n_line = 1;
	l->loc.line = l->lines;
	if (htab_put(&pp->locs, frame, (void *)(uintptr_t)l->loc.id))
		pp->oom = true;
	return l->loc.id;
}

static void add_label(struct pp *pp, struct pp_sample *m, const char *key, const char *val)
{
	pb_label *l;

	if (!val || !*val || m->s.n_label >= MAX_LABELS)
		return;
	l = &m->lab[m->s.n_label];
	perftools__profiles__label__init(l);
	l->key = str_id(pp, key);
	l->str = str_id(pp, val);
	m->labs[m->s.n_label++] = l;
}

/* one sample: frames innermost first, values v; labels of the site and owner (o, may be NULL) */
static void add_sample(struct pp *pp, const struct rp_site *s, const struct rp_slice *o,
		       char *const *frames, size_t n, const int64_t *v)
{
	const struct rp_gfp *g = rp_site_top_gfp(s);
	struct pp_sample *m;
	bool any = false;

	for (int k = 0; k < V_NR; k++)
		any |= v[k] != 0;
	if (!any)
		return;
	m = calloc(1, sizeof(*m));
	if (m) {
		perftools__profiles__sample__init(&m->s);
		m->s.location_id = calloc(n, sizeof(*m->s.location_id));
	}
	if (!m || !m->s.location_id || rp_push(&pp->smp, &pp->nr_smp, m)) {
		if (m)
			free(m->s.location_id);
		free(m);
		pp->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		m->s.location_id[i] = loc_id(pp, frames[i]);
	m->s.n_location_id = n;
	memcpy(m->v, v, sizeof(m->v));
	m->s.value = m->v;
	m->s.n_value = V_NR;
	m->s.label = m->labs;
	add_label(pp, m, "kind", s->kind);
	add_label(pp, m, "cache", s->cache);
	add_label(pp, m, "gfp", g ? g->flags : NULL);
	if (o && o->owner)
		add_label(pp, m, o->owner_field, o->owner);
}

static void totals(__u64 allocs, __u64 alloc, __u64 req, __s64 live, __s64 live_bytes, __u64 *t)
{
	t[V_ALLOC_OBJECTS] = allocs;
	t[V_ALLOC_SPACE] = alloc;
	t[V_INUSE_OBJECTS] = live > 0 ? (__u64)live : 0;
	t[V_INUSE_SPACE] = live_bytes > 0 ? (__u64)live_bytes : 0;
	t[V_REQUESTED] = req;
	t[V_SLACK] = alloc > req ? alloc - req : 0;
}

/* one owner's exact totals at a site */
static void slice_totals(const struct rp_slice *o, __u64 *t)
{
	totals(o->allocs, o->bytes_alloc, o->bytes_req, o->live, o->live_bytes, t);
}

static void stack_weights(const struct rp_stack *st, __u64 *w)
{
	totals(st->allocs, st->bytes_alloc, st->bytes_req, st->live, st->live_bytes, w);
	w[V_SLACK] = st->slack;
}

/*
 * An owner's exact totals at a site over its sampled stacks, each value
 * type by the stacks' sampled shares of it (their allocation shares when
 * none of them sampled any of it, equal shares when they sampled nothing).
 * Cumulative rounding: the stacks' values add up to the total exactly.
 */
static void site_stack_samples(struct pp *pp, const struct rp_site *s, const struct rp_slice *o)
{
	__u64 tot[V_NR], sum[V_NR] = {}, cum[V_NR] = {}, prev[V_NR] = {}, w[V_NR], any_allocs = 0;

	slice_totals(o, tot);
	for (size_t i = 0; i < o->nr_stacks; i++) {
		stack_weights(&o->stacks[i], w);
		for (int k = 0; k < V_NR; k++)
			sum[k] = rp_sat_add(sum[k], w[k]);
	}
	any_allocs = sum[V_ALLOC_OBJECTS];
	for (size_t i = 0; i < o->nr_stacks; i++) {
		int64_t v[V_NR];

		stack_weights(&o->stacks[i], w);
		for (int k = 0; k < V_NR; k++) {
			__u64 wk = sum[k] ? w[k] : any_allocs ? w[V_ALLOC_OBJECTS] : 1;
			__u64 sk = sum[k] ? sum[k] : any_allocs ? any_allocs : o->nr_stacks;
			__u64 now;

			cum[k] += wk;
			now = (__u64)((unsigned __int128)tot[k] * cum[k] / sk);
			v[k] = (int64_t)(now - prev[k]);
			prev[k] = now;
		}
		add_sample(pp, s, o, o->stacks[i].frames, o->stacks[i].nr_frames, v);
	}
}

/* a site's samples: of each owner apart (--by), its sampled stacks or its call site */
static void site_samples(struct pp *pp, const struct rp_site *s)
{
	for (size_t i = 0; i < s->nr_slices; i++) {
		const struct rp_slice *o = &s->slices[i];
		char *frame = s->site;
		__u64 t[V_NR];
		int64_t v[V_NR];

		if (o->nr_stacks) {
			site_stack_samples(pp, s, o);
			continue;
		}
		slice_totals(o, t);
		for (int k = 0; k < V_NR; k++)
			v[k] = (int64_t)t[k];
		add_sample(pp, s, o, &frame, 1, v);
	}
}

static void comment(struct pp *pp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void comment(struct pp *pp, const char *fmt, ...)
{
	int64_t *c = realloc(pp->comments, (pp->nr_comments + 1) * sizeof(*c));
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (!c || n < 0) {
		if (c)
			pp->comments = c;
		free(s);
		pp->oom = true;
		return;
	}
	pp->comments = c;
	c[pp->nr_comments++] = str_id(pp, s);
	free(s);
}

static void header(struct pp *pp, const struct report *rp)
{
	bool stacks = false;

	for (size_t i = 0; i < rp->nr_sites; i++)
		for (size_t k = 0; k < rp->sites[i]->nr_slices; k++)
			stacks |= rp->sites[i]->slices[k].nr_stacks > 0;
	str_id(pp, ""); /* string_table[0] */
	for (int k = 0; k < V_NR; k++) {
		perftools__profiles__value_type__init(&pp->vt[k]);
		pp->vt[k].type = str_id(pp, vtype_names[k][0]);
		pp->vt[k].unit = str_id(pp, vtype_names[k][1]);
		pp->vts[k] = &pp->vt[k];
	}
	/* every allocation is counted: one event per unit of alloc_objects */
	perftools__profiles__value_type__init(&pp->period);
	pp->period.type = str_id(pp, vtype_names[V_ALLOC_OBJECTS][0]);
	pp->period.unit = str_id(pp, vtype_names[V_ALLOC_OBJECTS][1]);
	perftools__profiles__mapping__init(&pp->map);
	pp->map.id = 1;
	pp->map.filename = str_id(pp, "[kernel.kallsyms]");
	pp->map.has_functions = true;
	pp->maps[0] = &pp->map;
	comment(pp, "kmemscope " KMS_VERSION " kernel allocation profile");
	for (size_t i = 0; i < rp->nr_hosts; i++)
		comment(pp, "kernel %s (%s, host %s)", rp->hosts[i].kernel, rp->hosts[i].machine,
			rp->hosts[i].hostname);
	comment(pp, "values are exact counts of every traced allocation (period 1)");
	if (stacks)
		comment(pp,
			"stacks sampled 1 allocation in %llu per site and CPU; each site's exact "
			"totals split over its stacks by their sampled shares",
			(unsigned long long)rp->stack_sample);
	else
		comment(pp, "no sampled stacks recorded: one location per call site");
	if (rp->rest && rp->rest->allocs)
		comment(pp, "[sites not recorded]: sites the daemon's top_sites left out");
}

static void assemble(struct pp *pp, const struct report *rp)
{
	pb_profile *p = &pp->p;

	perftools__profiles__profile__init(p);
	p->n_sample_type = V_NR;
	p->sample_type = pp->vts;
	p->n_sample = pp->nr_smp;
	p->sample = (pb_sample **)pp->smp; /* pb_sample is each pp_sample's first member */
	p->n_mapping = 1;
	p->mapping = pp->maps;
	p->n_location = pp->nr_loc;
	p->location = calloc(pp->nr_loc ? pp->nr_loc : 1, sizeof(*p->location));
	p->n_function = pp->nr_loc;
	p->function = calloc(pp->nr_loc ? pp->nr_loc : 1, sizeof(*p->function));
	if (!p->location || !p->function) {
		pp->oom = true;
		return;
	}
	for (size_t i = 0; i < pp->nr_loc; i++) {
		p->location[i] = &pp->loc[i]->loc;
		p->function[i] = &pp->loc[i]->fn;
	}
	p->n_string_table = pp->nr_str;
	p->string_table = pp->str;
	p->time_nanos = (int64_t)rp->t_min;
	p->duration_nanos = rp->t_max > rp->t_min ? (int64_t)(rp->t_max - rp->t_min) : 0;
	p->period_type = &pp->period;
	p->period = 1;
	p->n_comment = pp->nr_comments;
	p->comment = pp->comments;
	p->default_sample_type = V_ALLOC_SPACE;
}

static int write_gz(const char *path, const uint8_t *buf, size_t len)
{
	gzFile gz;
	int fd = strcmp(path, "-") ? -1 : dup(STDOUT_FILENO);
	int err = 0;

	gz = fd >= 0 ? gzdopen(fd, "wb") : strcmp(path, "-") ? gzopen(path, "wb") : NULL;
	if (!gz) {
		err = errno ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (len && gzwrite(gz, buf, (unsigned int)len) != (int)len)
		err = -EIO;
	if (gzclose(gz) != Z_OK && !err)
		err = -EIO;
	return err;
}

static void pp_free(struct pp *pp)
{
	for (size_t i = 0; i < pp->nr_str; i++)
		free(pp->str[i]);
	free(pp->str);
	for (size_t i = 0; i < pp->nr_loc; i++)
		free(pp->loc[i]);
	free(pp->loc);
	for (size_t i = 0; i < pp->nr_smp; i++) {
		free(pp->smp[i]->s.location_id);
		free(pp->smp[i]);
	}
	free(pp->smp);
	free(pp->comments);
	free(pp->p.location);
	free(pp->p.function);
	htab_free(&pp->strs);
	htab_free(&pp->locs);
}

int report_write_pprof(const char *path, struct report *rp)
{
	struct pp pp = {};
	uint8_t *buf = NULL;
	size_t len = 0;
	int err = 0;

	htab_init(&pp.strs, HTAB_STR);
	htab_init(&pp.locs, HTAB_STR);
	header(&pp, rp);
	for (size_t i = 0; i < rp->nr_sites; i++)
		site_samples(&pp, rp->sites[i]);
	if (rp->rest && !rp->rest_filtered) {
		static char rest_frame[] = "[sites not recorded]";
		char *frame = rest_frame;
		__u64 t[V_NR];
		int64_t v[V_NR];

		/* no live values: the interval records have the live totals, not per site */
		totals(rp->rest->allocs, rp->rest->bytes_alloc, rp->rest->bytes_req, 0, 0, t);
		for (int k = 0; k < V_NR; k++)
			v[k] = (int64_t)t[k];
		add_sample(&pp, rp->rest, NULL, &frame, 1, v);
	}
	assemble(&pp, rp);
	if (!pp.oom) {
		len = perftools__profiles__profile__get_packed_size(&pp.p);
		buf = malloc(len ? len : 1);
	}
	if (pp.oom || !buf)
		err = -ENOMEM;
	else
		perftools__profiles__profile__pack(&pp.p, buf);
	if (!err)
		err = write_gz(path, buf, len);
	if (err)
		fprintf(stderr, "kmemscope report: cannot write the pprof profile %s: %s\n", path,
			strerror(-err));
	free(buf);
	pp_free(&pp);
	return err;
}
