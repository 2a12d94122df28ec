// SPDX-License-Identifier: GPL-2.0
/*
 * `kmemscope daemon`: the tracing session of `record`, forever, written into
 * rotating segments (segments.c), served on the control socket (control.c),
 * optionally as a Prometheus textfile (prom.c). One poll() loop: signals
 * through a signalfd, control clients, the interval and watchdog timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "daemon_options.h"
#include "export.h"
#include "prom.h"
#include "safefile.h"
#include "schema.h"
#include "segments.h"
#include "session.h"
#include "util.h"

struct daemon {
	struct daemon_config cfg;
	char config_path[PATH_MAX];
	bool config_given;
	const char *state_cli, *socket_cli;
	char state_dir[PATH_MAX];
	char sock_path[108];
	struct session s;
	struct segments g;
	struct control ctl;
	int sfd;
	__u64 step, next;
	__u64 wd_half, next_wd; /* ns; 0: no watchdog */
	bool stop, reload, snapshot, tracer_pending;
	bool tracing; /* the session is attached */
	int exit_code;
	double events_per_s;
	int prom_err;
};

/* the command line's settings of config keys: applied over every load */
static struct opt_given cli_given[64];
static size_t nr_cli_given;

static __u64 drops_total(const struct session *s)
{
	__u64 n = s->recursion;

	for (size_t i = 0; i < ARRAY_SIZE(schema_drops); i++)
		n += s->counters[schema_drops[i].idx];
	return n;
}

/* the first of systemd's ':'-separated directories */
static bool env_dir(const char *var, char *buf, size_t sz)
{
	const char *v = getenv(var);
	size_t n;

	if (!v || !*v)
		return false;
	n = strcspn(v, ":");
	if (n >= sz)
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return true;
}

static void resolve_state_dir(struct daemon *d, const struct daemon_config *c, char *out, size_t sz)
{
	if (d->state_cli)
		snprintf(out, sz, "%s", d->state_cli);
	else if (c->export_dir[0])
		snprintf(out, sz, "%s", c->export_dir);
	else if (!env_dir("STATE_DIRECTORY", out, sz))
		snprintf(out, sz, "%s", KMS_DEFAULT_STATE_DIR);
}

/* The configuration file: --config, or the default when it exists. 0, or 2 after logging. */
static int load_config(struct daemon *d, struct daemon_config *c)
{
	char err[PATH_MAX + 256];
	int rc;

	config_defaults(c);
	if (!d->config_path[0]) {
		char dir[PATH_MAX - 32];

		if (env_dir("CONFIGURATION_DIRECTORY", dir, sizeof(dir)))
			snprintf(d->config_path, sizeof(d->config_path), "%s/kmemscope.conf", dir);
		else
			snprintf(d->config_path, sizeof(d->config_path), "%s", KMS_DEFAULT_CONFIG);
	}
	rc = config_load(d->config_path, c, err, sizeof(err));
	if (rc == -ENOENT && !d->config_given) {
		log_info("no %s: built-in defaults", d->config_path);
		config_defaults(c);
		rc = 0;
	}
	if (rc) {
		log_err("%s", err);
		return 2;
	}
	if (config_apply_given(c, cli_given, nr_cli_given, err, sizeof(err))) {
		log_err("%s", err);
		return 2;
	}
	return 0;
}

static void notify_status(struct daemon *d)
{
	const char *seg = d->g.x.fd >= 0 ? d->g.name : "none";

	if (d->g.last_err)
		sd_notifyf(0, "STATUS=%.0f events/s, %llu drops, segment %s, writes failing: %s",
			   d->events_per_s, (unsigned long long)drops_total(&d->s), seg,
			   d->g.last_error);
	else
		sd_notifyf(0, "STATUS=%.0f events/s, %llu drops, segment %s", d->events_per_s,
			   (unsigned long long)drops_total(&d->s), seg);
}

static void write_prom(struct daemon *d)
{
	int err;

	if (!d->cfg.prom_textfile[0])
		return;
	err = prom_write(d->cfg.prom_textfile, &d->s, &d->g, d->cfg.prom_top_sites);
	/* logged when it starts failing, changes or recovers: not every interval */
	if (err && err != d->prom_err)
		log_err("cannot write the Prometheus textfile %s: %s", d->cfg.prom_textfile,
			safefile_strerror(err));
	else if (!err && d->prom_err)
		log_info("writing %s again", d->cfg.prom_textfile);
	d->prom_err = err;
}

/* Read the kernel, write the interval, publish it. */
static void do_interval(struct daemon *d)
{
	double secs;
	__u64 n = 0;
	int err;

	err = session_drain(&d->s);
	if (err) {
		log_err("cannot read the BPF maps: %s", strerror(-err));
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(schema_events); i++)
		n += d->s.delta[schema_events[i].idx];
	secs = (d->s.now_mono - d->s.last_mono) / 1e9;
	d->events_per_s = secs > 0 ? n / secs : 0;
	segments_write(&d->g, &d->s);
	write_prom(d);
	notify_status(d);
}

static void write_snapshot(struct daemon *d)
{
	char path[PATH_MAX + 16], *text;
	cJSON *st = session_state(&d->s);
	int err;

	snprintf(path, sizeof(path), "%s/state.json", d->state_dir);
	text = st ? cJSON_PrintUnformatted(st) : NULL;
	text = text ? utf8_repair(text) : NULL;
	cJSON_Delete(st);
	if (!text) {
		log_err("snapshot: out of memory");
		return;
	}
	err = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	if (err)
		log_err("cannot write the snapshot %s: %s", path, safefile_strerror(err));
	else
		log_info("snapshot written to %s (interval %llu)", path,
			 (unsigned long long)d->s.seq);
}

/* kernel.perf_event_paranoid; INT_MIN when unreadable */
static int perf_paranoid(void)
{
	char *text = read_file("/proc/sys/kernel/perf_event_paranoid", NULL), *end;
	long v;

	if (!text)
		return INT_MIN;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || v < INT_MIN + 1 || v > INT_MAX)
		v = INT_MIN;
	free(text);
	return (int)v;
}

static bool cap_in(const __u32 *set, int cap)
{
	return set[cap / 32] & (1U << (cap % 32));
}

/* the effective capabilities; false when capget() fails */
static bool effective_caps(__u32 eff[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff[0] = data[0].effective;
	eff[1] = data[1].effective;
	return true;
}

/*
 * kmemscope.service leaves CAP_SYS_ADMIN in the bounding set for Debian's
 * and Ubuntu's kernels: they default to kernel.perf_event_paranoid=3, an
 * out-of-tree level at which perf_event_open(), through which tracepoints
 * and kprobes are attached, needs CAP_SYS_ADMIN (CAP_PERFMON is not
 * enough), and kernels before 5.8 know neither CAP_BPF nor CAP_PERFMON.
 * Everywhere else CAP_BPF and CAP_PERFMON suffice: once attached, give
 * CAP_SYS_ADMIN up for the rest of the run (reattaching on a reload needs
 * only those two then). The daemon never executes anything, so it cannot
 * come back.
 */
static void drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	__u32 eff[2];
	int p = perf_paranoid();

	if (syscall(SYS_capget, &hdr, data))
		return;
	eff[0] = data[0].effective;
	eff[1] = data[1].effective;
	if (!cap_in(eff, CAP_SYS_ADMIN) || !cap_in(eff, CAP_BPF) || !cap_in(eff, CAP_PERFMON))
		return;
	if (p == INT_MIN || p > 2) {
		log_info(
			"kernel.perf_event_paranoid=%d: keeping CAP_SYS_ADMIN, which attaching tracepoints and kprobes needs at this level",
			p);
		return;
	}
	/* CAP_SYS_ADMIN (21) is in the first 32-bit word */
	data[0].effective &= ~(1U << CAP_SYS_ADMIN);
	data[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	data[0].inheritable &= ~(1U << CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		log_warn("cannot drop CAP_SYS_ADMIN: %s", strerror(errno));
	else
		log_debug(
			"dropped CAP_SYS_ADMIN: CAP_BPF and CAP_PERFMON suffice (kernel.perf_event_paranoid=%d)",
			p);
}

/*
 * Every session of the daemon starts here. The fragmentation settings
 * (d->cfg.pagetype_period, d->cfg.page_order_threshold) are validated and
 * kept in the config; they are handed to the session here once it takes them.
 * The tracer skips what it cannot attach, with a warning each; a daemon
 * with nothing attached at all would still report READY=1 and write empty
 * intervals forever, so that is an error here (under systemd: retried).
 */
static int start_session(struct daemon *d, const struct tracer_opts *o)
{
	const struct tracer *t = &d->s.tracer;
	int p, rc = session_start(&d->s, o, d->cfg.interval);
	bool no_admin;
	__u32 eff[2];

	if (rc)
		return rc;
	p = perf_paranoid();
	no_admin = p > 2 && effective_caps(eff) && !cap_in(eff, CAP_SYS_ADMIN);
	if (!strcmp(t->kmalloc_mode, "off") && !strcmp(t->cache_mode, "off") &&
	    t->vm_mode == KMS_VM_NONE) {
		if (no_admin)
			log_err("no allocator could be attached: kernel.perf_event_paranoid=%d (the default of Debian's and Ubuntu's kernels) lets only CAP_SYS_ADMIN attach tracepoints and kprobes",
				p);
		else
			log_err("no allocator could be attached (see the warnings above)");
		session_stop(&d->s);
		return -EPERM;
	}
	/* raw tracepoints do not go through perf_event_open(); vmalloc's modes do */
	if (o->vmalloc && t->vm_mode == KMS_VM_NONE && no_admin)
		log_warn(
			"vmalloc not traced: kernel.perf_event_paranoid=%d lets only CAP_SYS_ADMIN attach tracepoints and kprobes",
			p);
	drop_sys_admin();
	return 0;
}

/* Reattach with the tracer settings of d->cfg; the old ones if that fails. */
static void restart_tracer(struct daemon *d, const struct tracer_opts *old)
{
	int err;

	d->tracer_pending = false;
	if (segments_close(&d->g)) {
		d->tracer_pending = true; /* the old session's records first */
		return;
	}
	session_stop(&d->s);
	err = start_session(d, &d->cfg.topts);
	if (err) {
		log_err("cannot attach with the new tracer settings: keeping the old ones");
		d->cfg.topts = *old;
		err = start_session(d, old);
	}
	if (err) {
		log_err("cannot attach the BPF programs again: exiting");
		d->tracing = false;
		d->stop = true;
		d->exit_code = 1;
		return;
	}
	log_info("BPF programs reattached with the new tracer settings");
	segments_new(&d->g, &d->s);
	segments_flush(&d->g);
	d->next = d->s.start_mono + d->step;
}

static void do_reload(struct daemon *d)
{
	struct daemon_config n;
	struct tracer_opts old = d->cfg.topts;
	char dir[PATH_MAX];

	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	if (load_config(d, &n)) {
		log_err("reload: keeping the running configuration");
		goto out;
	}
	resolve_state_dir(d, &n, dir, sizeof(dir));
	if (strcmp(dir, d->state_dir)) {
		log_warn("reload: the state directory stays %s until a restart", d->state_dir);
		snprintf(n.export_dir, sizeof(n.export_dir), "%s", d->cfg.export_dir);
	}
	if (n.interval != d->cfg.interval || config_tracer_changed(&n, &d->cfg)) {
		/* the current interval goes to the current segment; a new header follows */
		do_interval(d);
	}
	if (config_tracer_changed(&n, &d->cfg)) {
		d->cfg = n;
		segments_set_limits(&d->g, &n);
		d->step = n.interval * 1e9;
		restart_tracer(d, &old);
	} else if (n.interval != d->cfg.interval) {
		d->cfg = n;
		segments_set_limits(&d->g, &n);
		d->s.interval_s = n.interval; /* in the next segment's header */
		d->step = n.interval * 1e9;
		d->next = now_mono_ns() + d->step;
		if (!segments_close(&d->g)) {
			segments_new(&d->g, &d->s);
			segments_flush(&d->g);
		}
	} else {
		d->cfg = n;
		segments_set_limits(&d->g, &n);
	}
	log_info("configuration reloaded from %s", d->config_path);
out:
	sd_notify(0, "READY=1");
	notify_status(d);
}

static cJSON *status_doc(struct daemon *d)
{
	cJSON *h = session_header(&d->s);
	struct schema_status st = {
		.pid = getpid(),
		.uptime_ns = now_mono_ns() - d->s.start_mono,
		.seq = d->s.seq,
		.segment_bytes = d->g.x.fd >= 0 ? d->g.x.good_size : 0,
		.segments = d->g.disk_segments,
		.disk_bytes = d->g.disk_bytes,
		.version = KMS_VERSION,
		.segment = d->g.x.fd >= 0 ? d->g.path : "",
		.state_dir = d->state_dir,
		.config = d->config_path,
		.prom_textfile = d->cfg.prom_textfile,
		.interval_s = d->cfg.interval,
		.events_per_s = d->events_per_s,
		.counters = d->s.counters,
		.recursion = d->s.recursion,
		.attach = cJSON_DetachItemFromObject(h, FLD_ATTACH),
		.ok = !d->g.last_err,
		.error = d->g.last_error,
		.queued_bytes = d->g.x.len,
		.errors = d->g.write_errors,
		.intervals_written = d->g.intervals_written,
		.intervals_dropped = d->g.intervals_dropped,
		.segments_deleted = d->g.segments_deleted,
		.queued_intervals = d->g.queued_intervals,
		.compressions = d->g.x.compressions,
	};

	cJSON_Delete(h);
	return schema_status(&st);
}

static char *print_doc(cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return text ? utf8_repair(text) : NULL; /* comm is any bytes: JSON is UTF-8 */
}

static char *on_command(const char *cmd, void *ctx)
{
	struct daemon *d = ctx;
	cJSON *o;

	if (!strcmp(cmd, "state"))
		return print_doc(session_state(&d->s));
	if (!strcmp(cmd, "status"))
		return print_doc(status_doc(d));
	o = cJSON_CreateObject();
	if (!strcmp(cmd, "snapshot")) {
		d->snapshot = true;
		cJSON_AddStringToObject(o, FLD_TYPE, REC_OK);
	} else {
		cJSON_AddStringToObject(o, FLD_TYPE, REC_ERROR);
		cJSON_AddStringToObject(o, FLD_ERROR, "unknown command");
	}
	return print_doc(o);
}

static void read_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			d->stop = true;
			break;
		case SIGHUP:
			d->reload = true;
			break;
		case SIGUSR1:
			d->snapshot = true;
			break;
		}
	}
}

static void run_loop(struct daemon *d)
{
	struct pollfd p[1 + 1 + CONTROL_MAX_CLIENTS];

	while (!d->stop) {
		int n = 1, nc, timeout;
		__u64 now = now_mono_ns(), wake = d->next;

		p[0] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
		nc = control_pollfds(&d->ctl, p + 1, ARRAY_SIZE(p) - 1);
		n += nc;
		if (d->wd_half && d->next_wd < wake)
			wake = d->next_wd;
		timeout = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if (nc > 1 && timeout > 1000)
			timeout = 1000; /* client deadlines */
		if (poll(p, n, timeout) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			d->exit_code = 1;
			return;
		}
		if (p[0].revents)
			read_signals(d);
		control_serve(&d->ctl, p + 1, nc, on_command, d);
		now = now_mono_ns();
		if (d->wd_half && now >= d->next_wd) {
			sd_notify(0, "WATCHDOG=1");
			/* every half period from the last ping, even after a stall */
			d->next_wd = now + d->wd_half;
		}
		if (d->reload) {
			d->reload = false;
			do_reload(d);
		}
		if (d->stop)
			break; /* the last interval is written on the way out */
		if (now >= d->next || d->snapshot) {
			do_interval(d);
			if (d->tracer_pending && !d->g.x.len) {
				struct tracer_opts cur = d->s.topts;

				restart_tracer(d, &cur);
			}
			while (d->next <= now)
				d->next += d->step;
		}
		if (d->snapshot) {
			d->snapshot = false;
			write_snapshot(d);
		}
	}
}

static int parse_args(int argc, char **argv, struct daemon *d, const char **check)
{
	static struct daemon_config scratch; /* values are checked here, applied at load */
	struct daemon_args a = {};
	const struct opt_dest dst = { .cmd = &a, .cfg = &scratch, .topts = &scratch.topts };
	int rc;

	nr_cli_given = ARRAY_SIZE(cli_given);
	rc = opt_parse_cli(&daemon_command, argc, argv, &dst, cli_given, &nr_cli_given);
	if (rc)
		return rc;
	if (optind < argc)
		return opt_usage_error(&daemon_command, "unexpected argument '%s'", argv[optind]);
	if (a.config) {
		strcpy(d->config_path, a.config);
		d->config_given = true;
	}
	*check = a.check;
	d->state_cli = a.state_dir;
	d->socket_cli = a.socket;
	return 0;
}

static int check_config(const char *path)
{
	struct daemon_config c;
	char err[PATH_MAX + 256];

	config_defaults(&c);
	if (config_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "kmemscope: error: %s\n", err);
		return 2;
	}
	printf("%s: configuration OK\n", path);
	if (log_level > 1)
		config_print(stdout, &c);
	return 0;
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sfd < 0 ? -errno : 0;
}

static void describe_start(struct daemon *d)
{
	const struct tracer *t = &d->s.tracer;

	log_info(
		"tracing kmalloc=%s kmem_cache=%s vmalloc=%s every %gs; segments in %s; control socket %s",
		t->kmalloc_mode, t->cache_mode, vm_mode_name(t->vm_mode), d->cfg.interval,
		d->state_dir, d->ctl.fd >= 0 ? d->sock_path : "none");
}

/*
 * Started with fds 0-2 closed (a careless supervisor): the first files
 * opened would become stdout and stderr, and log lines would go into the
 * state directory's .lock or a segment. /dev/null takes their place.
 */
static void guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDWR); /* the lowest free fd: this one */
		if (n >= 0 && n != fd)
			close(n);
	}
}

int cmd_daemon(int argc, char **argv)
{
	static struct daemon d; /* big: not on the stack */
	const char *check = NULL;
	uint64_t usec;
	int rc;

	guard_std_fds();
	memset(&d, 0, sizeof(d));
	d.sfd = -1;
	log_level = 1; /* lifecycle messages: start, segments, reloads */
	rc = parse_args(argc, argv, &d, &check);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (check)
		return check_config(check);
	/* journald reads "<N>" as the priority of the line */
	log_prio_prefix = true;
	if (load_config(&d, &d.cfg))
		return 2;
	resolve_state_dir(&d, &d.cfg, d.state_dir, sizeof(d.state_dir));
	if (d.socket_cli)
		snprintf(d.sock_path, sizeof(d.sock_path), "%s", d.socket_cli);
	else
		control_default_path(d.sock_path, sizeof(d.sock_path));
	/* before the state directory is touched */
	if (check_bpf_permissions("kmemscope daemon"))
		return 1;
	if (setup_signals(&d)) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	if (segments_init(&d.g, d.state_dir, &d.cfg))
		return 1;
	rc = start_session(&d, &d.cfg.topts);
	if (rc) {
		segments_free(&d.g);
		return 1;
	}
	d.tracing = true;
	d.step = d.cfg.interval * 1e9;
	d.next = d.s.start_mono + d.step;
	segments_new(&d.g, &d.s);
	segments_flush(&d.g);
	if (control_open(&d.ctl, d.sock_path))
		log_warn(
			"running without a control socket: 'kmemscope status' cannot reach this daemon");
	describe_start(&d);
	/* attached: now systemd may consider us started */
	sd_notify(0, "READY=1");
	notify_status(&d);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		d.wd_half = usec * 1000 / 2;
		d.next_wd = now_mono_ns() + d.wd_half;
	}
	run_loop(&d);
	sd_notify(0, "STOPPING=1\nSTATUS=writing the last interval");
	d.g.closing = true;
	if (d.tracing)
		do_interval(&d);
	if (segments_close(&d.g)) {
		/* what is still queued dies with the process: say how much */
		log_err("stopping with writes to %s failing: %llu intervals lost (%zu bytes queued in memory not written; %llu more not queued at queue_limit)",
			d.state_dir, (unsigned long long)d.g.queued_intervals, d.g.x.len,
			(unsigned long long)d.g.intervals_dropped);
		d.exit_code = 1;
	}
	session_stop(&d.s);
	control_close(&d.ctl);
	segments_free(&d.g);
	close(d.sfd);
	if (d.exit_code)
		log_err("stopped with errors (exit status %d)", d.exit_code);
	else
		log_info("stopped");
	return d.exit_code;
}
