// SPDX-License-Identifier: GPL-2.0
/* `kmemscope status`: ask a running daemon over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "ndjson_reader.h"
#include "schema.h"
#include "status.h"
#include "control.h"
#include "daemon.h"
#include "control_client.h"
#include "util.h"

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

int status_print(FILE *out, const cJSON *o)
{
	const cJSON *dr, *at, *w, *e;
	char a[16], b[16], c[16];
	double up, drops = 0;
	long long secs;

	if (!o || strcmp(str(o, FLD_TYPE), REC_STATUS))
		return -1;
	dr = cJSON_GetObjectItem(o, FLD_DROPS);
	at = cJSON_GetObjectItem(o, FLD_ATTACH);
	w = cJSON_GetObjectItem(o, FLD_WRITES);
	up = num(o, FLD_UPTIME_NS) / 1e9;
	cJSON_ArrayForEach(e, dr) drops += cJSON_IsNumber(e) ? e->valuedouble : 0;
	secs = (long long)up;

	fprintf(out,
		"kmemscope daemon %s, pid %.0f, up %lldd %02lld:%02lld:%02lld, interval %gs (%.0f so far)\n",
		str(o, FLD_VERSION), num(o, FLD_PID), secs / 86400, secs % 86400 / 3600,
		secs % 3600 / 60, secs % 60, num(o, FLD_INTERVAL_S), num(o, FLD_SEQ));
	fprintf(out, "  tracing:   kmalloc=%s kmem_cache=%s vmalloc=%s\n", str(at, FLD_ATT_KMALLOC),
		str(at, FLD_ATT_KMEM_CACHE), str(at, FLD_ATT_VMALLOC));
	fprintf(out, "  events:    %s/s in the last interval\n",
		fmt_count(num(o, FLD_EVENTS_PER_S), a, sizeof(a)));
	fprintf(out, "  drops:     %s", fmt_count(drops, a, sizeof(a)));
	if (drops) {
		const char *sep = " (";

		cJSON_ArrayForEach(e, dr)
		{
			if (cJSON_IsNumber(e) && e->valuedouble) {
				fprintf(out, "%s%s %s", sep, e->string,
					fmt_count(e->valuedouble, a, sizeof(a)));
				sep = ", ";
			}
		}
		fprintf(out, ")");
	}
	fprintf(out, "\n  segment:   %s (%s)\n",
		*str(o, FLD_SEGMENT) ? str(o, FLD_SEGMENT) : "none open",
		fmt_bytes(num(o, FLD_SEGMENT_BYTES), a, sizeof(a)));
	fprintf(out, "  state dir: %s: %.0f segments, %s\n", str(o, FLD_STATE_DIR),
		num(o, FLD_SEGMENTS), fmt_bytes(num(o, FLD_DISK_BYTES), b, sizeof(b)));
	if (cJSON_IsTrue(cJSON_GetObjectItem(w, FLD_OK)))
		fprintf(out,
			"  writes:    ok (%.0f intervals written, %.0f old segments deleted)\n",
			num(w, FLD_INTERVALS_WRITTEN), num(w, FLD_SEGMENTS_DELETED));
	else
		fprintf(out,
			"  writes:    FAILING: %s (%.0f intervals, %s, queued in memory; %.0f intervals not kept)\n",
			str(w, FLD_ERROR), num(w, FLD_QUEUED_INTERVALS),
			fmt_bytes(num(w, FLD_QUEUED_BYTES), c, sizeof(c)),
			num(w, FLD_INTERVALS_DROPPED));
	fprintf(out, "  config:    %s\n", str(o, FLD_CONFIG));
	if (*str(o, FLD_PROM_TEXTFILE))
		fprintf(out, "  textfile:  %s\n", str(o, FLD_PROM_TEXTFILE));
	return 0;
}

#define STS(member) OPT_FIELD(struct status_args, member)

const char *const status_commands[] = { "status", "state", "snapshot", NULL };

/* the trailing fields (expect, names, parse, ...) only where they matter */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct opt_spec specs[] = {
	{ "socket", 0, NULL, OT_STRING, 0, STS(socket), 0, 107, NULL, "PATH",
	  "control socket (default $RUNTIME_DIRECTORY/control.sock, else "
	  "/run/kmemscope/control.sock)",
	  "expected a path of at most 107 bytes" },
	{ "json", 'j', NULL, OT_FLAG, 0, STS(json), 0, 0, NULL, NULL,
	  "print the daemon's reply as it is (JSON)" },
	{ "command", 0, NULL, OT_ENUM, 0, STS(command), 0, 0, "status", "CMD",
	  "send another command: state, snapshot", NULL, status_commands },
};
#pragma GCC diagnostic pop

static const struct opt_table table = OPT_TABLE(specs);

const struct opt_command status_command = {
	.name = "status",
	.head = "Usage: kmemscope status [OPTIONS]\n"
		"\n"
		"Show what a running 'kmemscope daemon' is doing, from its control socket.\n"
		"Exit status 0: running; 3: no daemon answers; 2: usage error.\n",
	.tables = (const struct opt_table *const[]){ &table, &opt_help_table, NULL },
};

int cmd_status(int argc, char **argv)
{
	struct status_args a = {};
	const struct opt_dest d = { .cmd = &a };
	const char *path, *cmd;
	char def[108], *reply;
	bool json;
	cJSON *o;
	int rc;

	opt_defaults(&status_command, &d);
	rc = opt_parse_cli(&status_command, argc, argv, &d, NULL, NULL);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (optind < argc)
		return opt_usage_error(&status_command, "unexpected argument '%s'", argv[optind]);
	path = a.socket;
	cmd = status_commands[a.command];
	json = a.json || a.command;
	if (!path)
		path = control_default_path(def, sizeof(def));
	reply = control_request(path, cmd, 10000);
	if (!reply) {
		fprintf(stderr, "kmemscope status: no daemon answers on %s: %s%s\n", path,
			strerror(errno),
			errno == EACCES ? " (the socket is root only: use sudo)" :
			errno == ENOENT ? " (is kmemscope.service running?)" :
					  "");
		return 3;
	}
	if (json) {
		fputs(reply, stdout);
		free(reply);
		return 0;
	}
	o = cJSON_Parse(reply);
	free(reply);
	/* paths and error texts reach the terminal: no control characters */
	if (!nr_tidy(o) || status_print(stdout, o)) {
		fprintf(stderr, "kmemscope status: unexpected reply from %s\n", path);
		cJSON_Delete(o);
		return 1;
	}
	cJSON_Delete(o);
	return 0;
}
