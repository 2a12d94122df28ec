// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top --replay`: a recording back into state documents (top_replay.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "htab.h"
#include "ndjson_reader.h"
#include "top_replay.h"

struct top_replay {
	char **files; /* in order: one export, or a directory's segments by name */
	size_t nr_files, cur;
	struct ndjson_reader *rd;
	cJSON *header; /* the first header */
	cJSON *pending; /* the first record of the next interval */
	unsigned long long first_start_ns;
	unsigned long count;
	struct htab totals; /* "kind/cache/site" -> cJSON total object */
};

/* the export files of a directory: regular *.ndjson[.gz] files, by name (segments are named by time) */
static int list_dir(struct top_replay *r, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0)
		return -errno;
	r->files = calloc(n ? n : 1, sizeof(*r->files));
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char path[4096];
		struct stat st;

		if (r->files && (strstr(nm, ".ndjson") && !strstr(nm, ".tmp")) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, nm) < (int)sizeof(path) &&
		    !stat(path, &st) && S_ISREG(st.st_mode))
			r->files[r->nr_files++] = strdup(path);
		free(names[i]);
	}
	free(names);
	return r->files ? 0 : -ENOMEM;
}

struct top_replay *top_replay_open(const char *path, char *why, size_t sz)
{
	struct top_replay *r = calloc(1, sizeof(*r));
	struct stat st;

	if (!r) {
		snprintf(why, sz, "out of memory");
		return NULL;
	}
	htab_init(&r->totals, HTAB_STR);
	if (stat(path, &st)) {
		snprintf(why, sz, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		if (list_dir(r, path) || !r->nr_files) {
			snprintf(why, sz, "%s has no recording (*.ndjson or *.ndjson.gz segments)",
				 path);
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		r->files = calloc(1, sizeof(*r->files));
		if (r->files)
			r->files[r->nr_files++] = strdup(path);
	} else {
		snprintf(why, sz, "%s is not a file or a directory", path);
		goto fail;
	}
	return r;
fail:
	top_replay_close(r);
	return NULL;
}

/* the next record of the recording, through all its files; owned by the caller */
static cJSON *next_record(struct top_replay *r)
{
	cJSON *rec;

	for (;;) {
		if (!r->rd) {
			if (r->cur == r->nr_files)
				return NULL;
			r->rd = nr_open(r->files[r->cur++], 0);
			if (!r->rd)
				continue;
		}
		if (nr_next(r->rd, &rec) == 1)
			return cJSON_Duplicate(rec, true);
		nr_close(r->rd);
		r->rd = NULL;
	}
}

static unsigned long long rec_seq(const cJSON *rec)
{
	unsigned long long seq = 0;

	nr_get_u64(rec, FLD_SEQ, &seq);
	return seq;
}

static bool is_type(const cJSON *rec, const char *type)
{
	const char *t = nr_get_str(rec, FLD_TYPE);

	return t && !strcmp(t, type);
}

/* add src's numbers into dst, member by member (objects: their members, as histograms and GFP counts) */
static void add_into(cJSON *dst, const cJSON *src)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, src)
	{
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, e->string);

		if (cJSON_IsNumber(e)) {
			/* not cJSON_SetNumberValue: its NULL branch would read d too */
			if (d && cJSON_IsNumber(d))
				cJSON_SetNumberHelper(d, d->valuedouble + e->valuedouble);
			else if (!d)
				cJSON_AddNumberToObject(dst, e->string, e->valuedouble);
		} else if (cJSON_IsObject(e)) {
			if (!d)
				d = cJSON_AddObjectToObject(dst, e->string);
			if (cJSON_IsObject(d))
				add_into(d, e);
		}
	}
}

/* fields of a site record that are not counts of the interval */
static bool is_current(const char *name)
{
	static const char *const cur[] = { FLD_TYPE,	       FLD_SEQ,		FLD_KIND,
					   FLD_CACHE,	       FLD_CALLER,	FLD_SITE,
					   FLD_STACK,	       FLD_LIVE,	FLD_LIVE_BYTES,
					   FLD_LIVE_UNTRACKED, FLD_REQ_UNKNOWN, FLD_GFP };

	for (size_t i = 0; i < sizeof(cur) / sizeof(*cur); i++) {
		if (!strcmp(name, cur[i]))
			return true;
	}
	return false;
}

/* a site record as a state site: delta = its counts, total = their running sum */
static cJSON *state_site(struct top_replay *r, const cJSON *rec)
{
	cJSON *s = cJSON_CreateObject(), *delta = cJSON_CreateObject(), *total, *gfp;
	const cJSON *e;
	char key[512];

	snprintf(key, sizeof(key), "%s/%s/%s", nr_get_str(rec, FLD_KIND) ?: "",
		 nr_get_str(rec, FLD_CACHE) ?: "", nr_get_str(rec, FLD_SITE) ?: "");
	total = htab_get(&r->totals, key);
	if (!total) {
		total = cJSON_CreateObject();
		if (htab_put(&r->totals, key, total))
			cJSON_Delete(total), total = NULL;
	}
	/* counts and histograms are the interval's; names, live values and the rest current */
	cJSON_ArrayForEach(e, rec)
	{
		bool count = !is_current(e->string) && (cJSON_IsNumber(e) || cJSON_IsObject(e));

		if (count)
			cJSON_AddItemToObject(delta, e->string, cJSON_Duplicate(e, true));
		else if (strcmp(e->string, FLD_TYPE) && strcmp(e->string, FLD_SEQ) &&
			 strcmp(e->string, FLD_GFP))
			cJSON_AddItemToObject(s, e->string, cJSON_Duplicate(e, true));
	}
	if (total) {
		add_into(total, delta);
		gfp = cJSON_GetObjectItemCaseSensitive(total, FLD_GFP);
		if (!gfp)
			gfp = cJSON_AddObjectToObject(total, FLD_GFP);
		add_into(gfp, cJSON_GetObjectItemCaseSensitive(rec, FLD_GFP));
		/* the state's gfp counts are totals */
		cJSON_AddItemToObject(s, FLD_GFP, cJSON_Duplicate(gfp, true));
		cJSON_AddItemToObject(s, FLD_TOTAL, cJSON_Duplicate(total, true));
		cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(s, FLD_TOTAL), FLD_GFP);
	}
	cJSON_AddItemToObject(s, FLD_DELTA, delta);
	return s;
}

/* one interval's records into st */
static void add_record(struct top_replay *r, cJSON *st, cJSON *rec)
{
	cJSON *arr;

	if (is_type(rec, REC_INTERVAL)) {
		unsigned long long end = 0, start = 0;

		nr_get_time(rec, FLD_START_NS, &start);
		nr_get_time(rec, FLD_END_NS, &end);
		if (!r->first_start_ns)
			r->first_start_ns = start;
		cJSON_ReplaceItemInObject(st, FLD_INTERVAL, cJSON_Duplicate(rec, true));
		cJSON_ReplaceItemInObject(
			st, FLD_UPTIME_NS,
			cJSON_CreateNumber(end > r->first_start_ns ? end - r->first_start_ns : 0));
	} else if (is_type(rec, REC_SITE)) {
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(st, FLD_SITES),
				     state_site(r, rec));
	} else if (is_type(rec, REC_BUDDYINFO) || is_type(rec, REC_PAGETYPE)) {
		const char *f = is_type(rec, REC_BUDDYINFO) ? FLD_BUDDYINFO : FLD_PAGETYPE;

		arr = cJSON_GetObjectItemCaseSensitive(st, f);
		if (!arr)
			arr = cJSON_AddArrayToObject(st, f);
		cJSON_AddItemToArray(arr, cJSON_Duplicate(rec, true));
	} else if (is_type(rec, REC_MEMINFO)) {
		cJSON_DeleteItemFromObject(st, FLD_MEMINFO);
		cJSON_AddItemToObject(st, FLD_MEMINFO, cJSON_Duplicate(rec, true));
	}
}

cJSON *top_replay_next(struct top_replay *r)
{
	unsigned long long seq = 0;
	cJSON *st = NULL, *rec;
	double pb;

	while ((rec = r->pending ? r->pending : next_record(r))) {
		r->pending = NULL;
		if (is_type(rec, REC_HEADER)) {
			if (!r->header)
				r->header = cJSON_Duplicate(rec, true);
			cJSON_Delete(rec);
			continue;
		}
		if (!rec_seq(rec)) {
			cJSON_Delete(rec);
			continue;
		}
		if (st && rec_seq(rec) != seq) {
			r->pending = rec; /* the next interval's */
			break;
		}
		if (!st) {
			seq = rec_seq(rec);
			st = cJSON_CreateObject();
			cJSON_AddStringToObject(st, FLD_TYPE, REC_STATE);
			cJSON_AddItemToObject(st, FLD_HEADER,
					      r->header ? cJSON_Duplicate(r->header, true) :
							  cJSON_CreateObject());
			cJSON_AddItemToObject(st, FLD_INTERVAL, cJSON_CreateObject());
			cJSON_AddNumberToObject(st, FLD_UPTIME_NS, 0);
			cJSON_AddArrayToObject(st, FLD_SITES);
			if (r->header && nr_get_num(r->header, FLD_PAGEBLOCK_ORDER, &pb))
				cJSON_AddNumberToObject(st, FLD_PAGEBLOCK_ORDER, pb);
		}
		add_record(r, st, rec);
		cJSON_Delete(rec);
	}
	if (st)
		r->count++;
	return st;
}

unsigned long top_replay_count(const struct top_replay *r)
{
	return r->count;
}

void top_replay_close(struct top_replay *r)
{
	struct htab_ent *e;

	if (!r)
		return;
	if (r->rd)
		nr_close(r->rd);
	for (size_t i = 0; i < r->nr_files; i++)
		free(r->files[i]);
	free(r->files);
	cJSON_Delete(r->header);
	cJSON_Delete(r->pending);
	htab_for_each (&r->totals, e)
		cJSON_Delete(e->val);
	htab_free(&r->totals);
	free(r);
}
