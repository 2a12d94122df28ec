// SPDX-License-Identifier: GPL-2.0
/* `kmemscope top`: the command, its refresh loop and its keys. */
#include <errno.h>
#include <fcntl.h>
#include <ncurses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "control_client.h"
#include "top_history.h"
#include "top_replay.h"
#include "top_options.h"
#include "session.h"
#include "top.h"
#include "util.h"

#define SOCKET_TIMEOUT_MS 2000

struct top {
	double delay;
	bool once, standalone;
	const char *socket; /* forced with --socket */
	struct tracer_opts topts; /* standalone: record's tracing options */
	/* the source */
	bool daemon;
	const char *path;
	struct session s;
	bool started;
	/* the view */
	struct top_model model;
	bool have_model;
	struct top_opts opts;
	struct top_ui ui;
	struct top_screen scr;
	struct top_history hist;
	const char *replay_path;
	struct top_replay *replay;
	bool quit;
};

/* 0 run, 1 help printed, 2 usage error printed */
static int parse_args(int argc, char **argv, struct top *t)
{
	struct top_args a;
	int rc = top_parse_args(argc, argv, &a);

	if (rc)
		return rc;
	t->delay = a.interval;
	t->once = a.once;
	t->standalone = a.standalone;
	t->socket = a.socket;
	t->opts.sort = a.sort;
	t->ui.history = a.history;
	t->replay_path = a.replay;
	if (top_history_init(&t->hist, a.history, TOP_HISTORY_BYTES)) {
		log_err("out of memory");
		return 2;
	}
	t->topts = a.topts;
	return 0;
}

/* --- the source: the daemon's socket or our own session ------------------------ */

static bool is_socket(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/*
 * Pick the source. Returns the first state document in daemon mode, NULL in
 * standalone mode (*err set when --socket was forced and did not answer).
 */
static cJSON *choose_source(struct top *t, int *err)
{
	char why[256];
	cJSON *st;

	*err = 0;
	if (t->standalone)
		return NULL;
	t->path = t->socket ? t->socket : control_socket_path();
	if (!t->socket && !is_socket(t->path))
		return NULL;
	st = control_state(t->path, SOCKET_TIMEOUT_MS, why, sizeof(why));
	if (st) {
		t->daemon = true;
		return st;
	}
	if (t->socket) {
		log_err("no kmemscope daemon answers on %s: %s", t->path, why);
		*err = -ECONNREFUSED;
	} else {
		log_info("%s; tracing standalone", why);
	}
	return NULL;
}

static cJSON *fetch(struct top *t, bool drain, char *why, size_t sz)
{
	int err;

	if (t->replay) {
		cJSON *st = top_replay_next(t->replay);

		if (!st)
			snprintf(why, sz, "end of the recording (%lu intervals)",
				 top_replay_count(t->replay));
		return st;
	}
	if (t->daemon)
		return control_state(t->path, SOCKET_TIMEOUT_MS, why, sz);
	if (drain) {
		err = session_drain(&t->s);
		if (err) {
			snprintf(why, sz, "cannot read the BPF maps: %s", strerror(-err));
			return NULL;
		}
	}
	return session_state(&t->s);
}

/* Replace the model by st (owned); keeps the selection on the same site. */
static int show_state(struct top *t, cJSON *st, const struct top_model *prev)
{
	struct top_model m;
	char sel[sizeof(((struct top_row *)0)->site_name)] = "", kind[32] = "";

	if (t->have_model && t->ui.selected < t->model.nr_vis) {
		const struct top_row *r = &t->model.rows[t->model.vis[t->ui.selected]];

		snprintf(sel, sizeof(sel), "%s", r->site_name);
		snprintf(kind, sizeof(kind), "%s", r->kind);
	}
	if (top_model_load(&m, st, prev)) {
		top_model_free(&m);
		snprintf(t->ui.status, sizeof(t->ui.status), "not a state document");
		return -EINVAL;
	}
	if (t->have_model)
		top_model_free(&t->model);
	t->model = m;
	t->have_model = true;
	top_history_fill(&t->hist, &t->model, t->ui.back);
	top_model_view(&t->model, &t->opts);
	for (size_t i = 0; sel[0] && i < t->model.nr_vis; i++) {
		const struct top_row *r = &t->model.rows[t->model.vis[i]];

		if (!strcmp(r->site_name, sel) && !strcmp(r->kind, kind)) {
			t->ui.selected = i;
			break;
		}
	}
	return 0;
}

/*
 * A new interval: kept in the history; shown unless the user is looking at
 * the past, which then stays on the same interval (one more step back).
 */
static void set_state(struct top *t, cJSON *st)
{
	struct top_model m;

	if (t->ui.back) {
		if (!top_model_load(&m, st, NULL)) {
			if (top_history_add(&t->hist, &m))
				snprintf(t->ui.status, sizeof(t->ui.status),
					 "history: out of memory");
			if (t->ui.back + 1 < t->hist.nr)
				t->ui.back++;
		}
		top_model_free(&m);
		top_history_fill(&t->hist, &t->model, t->ui.back);
		return;
	}
	if (show_state(t, st, t->have_model ? &t->model : NULL))
		return;
	if (top_history_add(&t->hist, &t->model))
		snprintf(t->ui.status, sizeof(t->ui.status), "history: out of memory");
	top_history_fill(&t->hist, &t->model, 0);
}

/* Show the kept interval `back` steps before the newest ([ and ]). */
static void step_history(struct top *t, long d)
{
	long back = (long)t->ui.back + d;
	const char *doc, *pdoc;
	struct top_model prev;
	bool have_prev = false;
	cJSON *st;

	if (back < 0 || back >= (long)t->hist.nr)
		return;
	doc = top_history_doc(&t->hist, back);
	st = doc ? cJSON_Parse(doc) : NULL;
	if (!st)
		return;
	/* the fragmentation strip's arrows: against the interval before it */
	pdoc = top_history_doc(&t->hist, back + 1);
	if (pdoc)
		have_prev = !top_model_load(&prev, cJSON_Parse(pdoc), NULL);
	t->ui.back = back;
	show_state(t, st, have_prev ? &prev : NULL);
	if (pdoc)
		top_model_free(&prev);
}

static void refresh_data(struct top *t)
{
	char why[256] = "";
	cJSON *st = fetch(t, true, why, sizeof(why));

	if (!st) {
		snprintf(t->ui.status, sizeof(t->ui.status), "%.*s", (int)sizeof(t->ui.status) - 1,
			 why);
		return;
	}
	t->ui.status[0] = '\0';
	set_state(t, st);
}

/* --- keys ------------------------------------------------------------------ */

static void move_sel(struct top *t, long d)
{
	long n = t->model.nr_vis, s = t->ui.selected + d;

	if (t->ui.pane != PANE_TABLE) {
		s = (long)t->ui.scroll + d;
		t->ui.scroll = s < 0 ? 0 : s; /* top_compose caps it */
		return;
	}
	if (s >= n)
		s = n - 1;
	t->ui.selected = s < 0 ? 0 : s;
}

static void edit_filter(struct top *t, int ch)
{
	size_t len = strlen(t->opts.filter);

	if (ch == 27) {
		t->opts.filter[0] = '\0';
		t->ui.editing = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->ui.editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			t->opts.filter[len - 1] = '\0';
	} else if (ch >= 32 && ch < 127 && len + 1 < sizeof(t->opts.filter)) {
		t->opts.filter[len] = ch;
		t->opts.filter[len + 1] = '\0';
	}
	t->ui.selected = 0;
}

static void toggle_pane(struct top *t, enum top_pane p)
{
	t->ui.pane = t->ui.pane == p ? PANE_TABLE : p;
	if (t->ui.pane != PANE_TABLE)
		t->ui.scroll = 0;
}

static void on_key(struct top *t, int ch, int page)
{
	int col;

	if (t->ui.editing) {
		edit_filter(t, ch);
		return;
	}
	col = top_col_for_key(ch);
	if (col >= 0) {
		/* the same key again reverses, like htop's sort by clicking twice */
		if ((int)t->opts.sort == col)
			t->opts.reverse = !t->opts.reverse;
		else
			t->opts.reverse = false;
		t->opts.sort = col;
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		t->quit = true;
		break;
	case 'r':
	case 'R':
		t->opts.reverse = !t->opts.reverse;
		break;
	case '<':
	case '>':
		do
			t->opts.sort = (t->opts.sort + (ch == '<' ? COL_NR - 1 : 1)) % COL_NR;
		while (!top_col_sortable(t->opts.sort));
		break;
	case '[':
		step_history(t, 1);
		break;
	case ']':
		step_history(t, -1);
		break;
	case '}':
		/* back to the newest: while looking back, new intervals push the view further back */
		if (t->ui.back)
			step_history(t, -(long)t->ui.back);
		break;
	case KEY_RIGHT:
		if (t->ui.pane == PANE_TABLE)
			t->ui.hscroll++; /* top_pick_cols caps it */
		break;
	case '/':
		t->ui.pane = PANE_TABLE;
		t->ui.editing = true;
		break;
	case 'k':
		t->opts.kind = (t->opts.kind + 1) % KIND_NR;
		t->ui.selected = 0;
		break;
	case 't':
		t->opts.totals = !t->opts.totals;
		break;
	case 'w':
		t->opts.by_owner = !t->opts.by_owner;
		t->ui.selected = 0;
		break;
	case 'f':
		toggle_pane(t, PANE_FRAG);
		break;
	case 'm':
		toggle_pane(t, PANE_SLAB);
		break;
	case '?':
	case 'h':
	case KEY_F(1):
		toggle_pane(t, PANE_HELP);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (t->ui.pane == PANE_TABLE && t->model.nr_vis)
			toggle_pane(t, PANE_DETAIL);
		else if (t->ui.pane == PANE_DETAIL)
			toggle_pane(t, PANE_DETAIL);
		break;
	case KEY_LEFT:
		if (t->ui.pane == PANE_TABLE && t->ui.hscroll > 0)
			t->ui.hscroll--;
		t->ui.pane = PANE_TABLE;
		break;
	case 27: /* Esc */
		t->ui.pane = PANE_TABLE;
		break;
	case ' ':
		t->ui.paused = !t->ui.paused;
		break;
	case KEY_UP:
		move_sel(t, -1);
		break;
	case KEY_DOWN:
		move_sel(t, 1);
		break;
	case KEY_PPAGE:
		move_sel(t, -page);
		break;
	case KEY_NPAGE:
		move_sel(t, page);
		break;
	case KEY_HOME:
		move_sel(t, -(1L << 30));
		break;
	case KEY_END:
		move_sel(t, 1L << 30);
		break;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* --- running ---------------------------------------------------------------- */

static void redraw(struct top *t)
{
	int rows, cols;

	top_draw_size(&rows, &cols);
	top_model_view(&t->model, &t->opts);
	top_compose(&t->model, &t->opts, &t->ui, rows, cols, &t->scr);
	top_draw(&t->scr);
}

static int run_view(struct top *t, int sigfd)
{
	__u64 step = t->delay * 1e9, next = now_mono_ns() + step;

	if (top_draw_init()) {
		log_err("cannot initialise the terminal (TERM=%s)", getenv("TERM") ?: "");
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
				       { .fd = sigfd, .events = POLLIN } };
		__u64 now = now_mono_ns();
		int rows, cols, ch, timeout = -1;

		redraw(t);
		if (!t->ui.paused)
			timeout = next > now ? (next - now) / 1000000 + 1 : 0;
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN)
			break; /* SIGTERM, SIGINT, SIGHUP: restore and leave */
		top_draw_size(&rows, &cols);
		while ((ch = top_draw_key()) >= 0 && !t->quit)
			on_key(t, ch, rows > 12 ? rows - 12 : 1);
		if (t->quit)
			break;
		now = now_mono_ns();
		if (!t->ui.paused && now >= next) {
			refresh_data(t);
			while (next <= now)
				next += step;
		} else if (t->ui.paused) {
			next = now;
		}
	}
	top_draw_end();
	return 0;
}

static int print_once(struct top *t, const sigset_t *set)
{
	char why[256] = "";
	cJSON *st;

	if (!t->daemon && !t->replay) {
		/* one interval, so that rates mean something */
		wait_until(now_mono_ns() + (__u64)(t->delay * 1e9), set);
		st = fetch(t, true, why, sizeof(why));
		if (!st) {
			log_err("%s", why);
			return 1;
		}
		set_state(t, st);
	}
	top_compose(&t->model, &t->opts, &t->ui, 0, 0, &t->scr);
	for (size_t i = 0; i < t->scr.nr; i++)
		printf("%s\n", t->scr.lines[i].text);
	return fflush(stdout) ? 1 : 0;
}

/* the screen on stdout or the terminal, at the end: what both sources share */
static int show(struct top *t, int sigfd, const sigset_t *set)
{
	int rc, saved_err, err;

	if (t->once)
		return print_once(t, set);
	/* warnings (allocation failures) would scribble over the screen */
	fflush(stderr);
	saved_err = dup(2);
	err = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved_err >= 0 && err >= 0)
		dup2(err, 2);
	if (err >= 0)
		close(err);
	rc = run_view(t, sigfd);
	if (saved_err >= 0) {
		dup2(saved_err, 2);
		close(saved_err);
	}
	return rc;
}

/* --replay: one interval per refresh; --once goes through them all and prints the last */
static int replay(struct top *t, int sigfd, const sigset_t *set)
{
	char why[512];
	cJSON *st;
	int rc = 1;

	t->replay = top_replay_open(t->replay_path, why, sizeof(why));
	if (!t->replay) {
		log_err("%s", why);
		goto out;
	}
	snprintf(t->opts.source, sizeof(t->opts.source), "replay of %.140s", t->replay_path);
	st = top_replay_next(t->replay);
	if (!st) {
		log_err("%s has no intervals to replay (an export from 'kmemscope record -o' or a daemon state directory)",
			t->replay_path);
		goto out;
	}
	set_state(t, st);
	while (t->once && (st = top_replay_next(t->replay)))
		set_state(t, st);
	rc = show(t, sigfd, set);
out:
	top_replay_close(t->replay);
	if (t->have_model)
		top_model_free(&t->model);
	top_screen_free(&t->scr);
	top_history_free(&t->hist);
	close(sigfd);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	struct top t = {};
	int rc, err, sigfd;
	sigset_t set;
	cJSON *st;

	rc = parse_args(argc, argv, &t);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (!t.once && (!isatty(0) || !isatty(1))) {
		fprintf(stderr,
			"kmemscope top: not a terminal: use 'kmemscope top --once' for one screen, or 'kmemscope record' for scripts\n");
		top_history_free(&t.hist);
		return 2;
	}
	setlocale(LC_ALL, "");
	t.opts.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	/* stop signals are read from a signalfd, also while loading */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		top_history_free(&t.hist);
		return 1;
	}

	if (t.replay_path)
		return replay(&t, sigfd, &set);
	st = choose_source(&t, &err);
	if (err) {
		top_history_free(&t.hist);
		close(sigfd);
		return 1;
	}
	if (t.daemon) {
		snprintf(t.opts.source, sizeof(t.opts.source), "reading daemon at %s", t.path);
	} else {
		snprintf(t.opts.source, sizeof(t.opts.source), "standalone (own BPF programs)");
		err = session_start(&t.s, &t.topts, t.delay);
		if (err) {
			session_stop(&t.s);
			top_history_free(&t.hist);
			close(sigfd);
			return 1;
		}
		t.started = true;
		/* a first screen without rates until the first interval ends */
		st = session_state(&t.s);
	}
	set_state(&t, st);
	rc = show(&t, sigfd, &set);
	if (t.started)
		session_stop(&t.s);
	if (t.have_model)
		top_model_free(&t.model);
	top_screen_free(&t.scr);
	top_history_free(&t.hist);
	close(sigfd);
	return rc;
}
