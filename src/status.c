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
#include "control.h"
#include "daemon.h"
#include "control_client.h"
#include "options.h"
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

static void print_status(const cJSON *o)
{
	const cJSON *dr = cJSON_GetObjectItem(o, "drops"), *at = cJSON_GetObjectItem(o, "attach");
	const cJSON *w = cJSON_GetObjectItem(o, "writes"), *e;
	char a[16], b[16], c[16];
	double up = num(o, "uptime_ns") / 1e9, drops = 0;

	cJSON_ArrayForEach(e, dr) drops += cJSON_IsNumber(e) ? e->valuedouble : 0;
	long long secs = (long long)up;

	printf("kmemscope daemon %s, pid %.0f, up %lldd %02lld:%02lld:%02lld, interval %gs (%.0f so far)\n",
	       str(o, "version"), num(o, "pid"), secs / 86400, secs % 86400 / 3600,
	       secs % 3600 / 60, secs % 60, num(o, "interval_s"), num(o, "seq"));
	printf("  tracing:   kmalloc=%s kmem_cache=%s vmalloc=%s\n", str(at, "kmalloc"),
	       str(at, "kmem_cache"), str(at, "vmalloc"));
	printf("  events:    %s/s in the last interval\n",
	       fmt_count(num(o, "events_per_s"), a, sizeof(a)));
	printf("  drops:     %s", fmt_count(drops, a, sizeof(a)));
	if (drops) {
		const char *sep = " (";

		cJSON_ArrayForEach(e, dr)
		{
			if (cJSON_IsNumber(e) && e->valuedouble) {
				printf("%s%s %s", sep, e->string,
				       fmt_count(e->valuedouble, a, sizeof(a)));
				sep = ", ";
			}
		}
		printf(")");
	}
	printf("\n  segment:   %s (%s)\n", *str(o, "segment") ? str(o, "segment") : "none open",
	       fmt_bytes(num(o, "segment_bytes"), a, sizeof(a)));
	printf("  state dir: %s: %.0f segments, %s\n", str(o, "state_dir"), num(o, "segments"),
	       fmt_bytes(num(o, "disk_bytes"), b, sizeof(b)));
	if (cJSON_IsTrue(cJSON_GetObjectItem(w, "ok")))
		printf("  writes:    ok (%.0f intervals written, %.0f old segments deleted)\n",
		       num(w, "intervals_written"), num(w, "segments_deleted"));
	else
		printf("  writes:    FAILING: %s (%s queued in memory, %.0f intervals not kept)\n",
		       str(w, "error"), fmt_bytes(num(w, "queued_bytes"), c, sizeof(c)),
		       num(w, "intervals_dropped"));
	printf("  config:    %s\n", str(o, "config"));
	if (*str(o, "prom_textfile"))
		printf("  textfile:  %s\n", str(o, "prom_textfile"));
}

int cmd_status(int argc, char **argv)
{
	struct status_args a = {};
	const struct opt_dest d = { .cmd = &a };
	const char *path, *cmd;
	char def[108], *reply;
	bool json;
	cJSON *o;
	int rc;

	opt_defaults(OC_STATUS, &d);
	rc = opt_parse_cli(OC_STATUS, argc, argv, &d, NULL, NULL);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (optind < argc)
		return opt_usage_error(OC_STATUS, "unexpected argument '%s'", argv[optind]);
	path = a.socket;
	cmd = opt_status_commands[a.command];
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
	if (!o || strcmp(str(o, "type"), "status")) {
		fprintf(stderr, "kmemscope status: unexpected reply from %s\n", path);
		cJSON_Delete(o);
		return 1;
	}
	print_status(o);
	cJSON_Delete(o);
	return 0;
}
