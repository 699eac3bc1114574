// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb top (also installed as fusewbtop): the live monitor.  One
 * collector, one snapshot per interval, the delta drawn as a table of
 * mounts (ncurses), as plain text (-b) or as the stat schema (--json).
 */
#include <curses.h>	/* KEY_* */
#include <getopt.h>
#include <libgen.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/fusewb.h"
#include "commands.h"
#include "render/json.h"
#include "top_term.h"

#define KEY_ESC		27
#define KEY_CTRL(c)	((c) & 0x1f)

enum prompt { PROMPT_NONE, PROMPT_FILTER, PROMPT_INTERVAL };

struct top {
	const char *prog;
	struct fwb_collector *c;
	char **filters;			/* command line: exact mount points / fs types */
	int nfilters;
	double interval, hung_s;
	long count;			/* -n: frames left, -1 forever */
	char kernel[128], sources[512];

	struct fwb_snapshot prev;	/* counters at the last refresh (also "since start") */
	struct fwb_snapshot d;		/* the last interval's delta, filtered */
	double iv;			/* seconds d covers, 0 before the first interval */
	uint64_t next_ns;		/* when the next refresh is due */
	struct top_rows rows;
	struct top_stuck_tab stuck;
	struct top_hist_tab hist;	/* the detail view's sparklines */

	char filter[TOP_FILTER_MAX];	/* interactive substring filter */
	struct top_sort sort;
	uint32_t sel_conn;		/* selection follows the mount, not the row number */
	int selected;
	enum top_view view, back_view;
	bool paused, cumulative, quit;
	int list_scroll, detail_scroll;
	struct fwb_daemon_state *states;	/* per mount of d */
	struct fwb_ksyms *ksyms;
	bool states_on;			/* the diagnose iterators are in use */

	enum prompt prompt;
	char input[TOP_FILTER_MAX], saved_filter[TOP_FILTER_MAX];
	char msg[160];
	uint64_t msg_until;
};

static void help(const char *prog)
{
	printf("Usage: %s [-b] [-d SECONDS] [-n N] [--json] [--hung SECONDS] [MOUNTPOINT|FSTYPE...]\n\n"
	       "Live monitor of FUSE writeback, like top: one row per FUSE mount with\n"
	       "writeback WRITEs/s, MB/s, p50/p99 latency, pages in flight, dirty pages and\n"
	       "their share of the bdi's limit, throttling, pending requests and the oldest\n"
	       "one's age. A mount whose oldest pending request is older than --hung is\n"
	       "marked HUNG? and listed first. Enter shows a mount's latency histogram,\n"
	       "requests per opcode, pending requests and the tasks dirtying or waiting.\n"
	       "Mount points are never touched: a hung daemon cannot freeze the monitor.\n"
	       "'fusewbtop' and 'fusewb top' are the same program.\n\n"
	       "  -d, --delay SECONDS   refresh interval (default 1; 0.1 to 86400)\n"
	       "  -n, --iterations N    stop after N refreshes (-i, -c as in fusewb stat)\n"
	       "  -b, --batch           plain text for a pipe, no terminal control codes\n"
	       "                        (also used when stdout is not a terminal)\n"
	       "      --detail          batch: each mount's detail view after the table\n"
	       "  -j, --json            NDJSON of the stat schema, one object per interval\n"
	       "  -H, --hung SECONDS    possibly-hung threshold for the oldest pending\n"
	       "                        request (default 10)\n"
	       "      --tracked-mounts N  mounts whose request stats are kept (default %d, up to\n"
	       "                        %d; 24 KiB each); others are flagged UNTRK, their\n"
	       "                        WRITE counts and latency '-'\n"
	       "  -V, --version         print the version and exit\n"
	       "  -h, --help\n\n"
	       "Keys: q quit, Up/Down j/k select, Enter detail, s < > sort column, r reverse,\n"
	       "/ filter, p pause, d interval, c detail since start, h help.\n\n"
	       "EXAMPLES:\n"
	       "  fusewbtop                          # every FUSE mount, every second\n"
	       "  fusewbtop /mnt/s3 fuse.sshfs       # only these mounts\n"
	       "  fusewbtop -b -n 3 -d 2 | less      # three reports as plain text\n"
	       "  fusewb top --hung 30 --json -n 1   # one NDJSON object\n", prog,
	       FWB_OPS_BLOCKS_DEFAULT, FWB_OPS_BLOCKS_MAX);
}

/* ---- data ---- */

static void rebuild(struct top *t)
{
	top_rows_free(&t->rows);
	top_rows_build(&t->rows, &t->d, t->iv, t->hung_s, t->filter, &t->stuck);
	top_rows_sort(&t->rows, t->sort);
	t->selected = top_rows_find(&t->rows, t->sel_conn);
	if (t->selected < 0 && t->rows.n)
		t->selected = 0;	/* the selected mount went away or was filtered out */
	if (t->selected >= 0)
		t->sel_conn = t->rows.v[t->selected].m->conn;
}

/* d = counters since prev (or since the collector started when first) */
static int refresh_data(struct top *t, bool first)
{
	struct fwb_snapshot cur, nd;

	if (fwb_snapshot_take(t->c, &cur))
		return -1;
	if (fwb_snapshot_delta(first ? NULL : &t->prev, &cur, &nd)) {
		fwb_snapshot_free(&cur);
		return -1;
	}
	fwb_snapshot_filter(&nd, t->filters, t->nfilters);
	/* the interval's delta: its answers are the interval's, its gauges the current ones */
	free(t->states);
	t->states = NULL;
	if (t->states_on)
		fwb_daemon_states(t->c, NULL, &nd, first ? 0 : cur.mono_ns - t->prev.mono_ns, t->ksyms, &t->states);
	t->iv = first ? 0 : (cur.mono_ns - t->prev.mono_ns) / 1e9;
	fwb_snapshot_free(&t->d);
	fwb_snapshot_free(&t->prev);
	t->d = nd;
	t->prev = cur;
	top_stuck_update(&t->stuck, &t->d);
	if (!first)	/* the first delta has no interval: no rates to remember */
		top_hist_update(&t->hist, &t->d, t->iv);
	rebuild(t);
	return 0;
}

/* A new baseline without a new delta: after a pause, rates restart from now. */
static void rebaseline(struct top *t)
{
	struct fwb_snapshot cur;

	if (fwb_snapshot_take(t->c, &cur))
		return;
	fwb_snapshot_free(&t->prev);
	t->prev = cur;
}

static const char *comm_of(uint32_t pid, void *arg)
{
	static char comm[32];
	char path[64], *s;

	(void)arg;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	s = fwb_read_file(path, NULL);
	if (!s)
		return NULL;
	snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(s, "\n"), s);
	free(s);
	return comm;
}

static struct top_view_in view_in(const struct top *t)
{
	return (struct top_view_in){
		.d = &t->d, .cum = &t->prev, .rows = &t->rows, .stuck = &t->stuck, .hist = &t->hist, .iv = t->iv,
		.interval = t->interval, .hung_s = t->hung_s, .kernel = t->kernel,
		.sources = t->sources, .filter = t->filter, .sort = t->sort,
		.selected = t->selected, .paused = t->paused, .cumulative = t->cumulative,
		.comm_of = comm_of, .states = t->states,
	};
}

/* ---- batch and JSON ---- */

static void print_lines(const struct top_lines *l, int from)
{
	for (int i = from; i < l->n; i++)
		puts(l->v[i].text);
}

static void print_frame(struct top *t, bool details)
{
	struct top_view_in in = view_in(t);
	struct top_screen s = { 0 };

	in.selected = -1;
	top_render_list(&s, &in, 0);
	print_lines(&s.head, 0);
	print_lines(&s.body, 0);
	for (int i = 0; details && i < t->rows.n; i++) {
		top_render_detail(&s, &in, t->rows.v[i].m, 0);
		putchar('\n');
		print_lines(&s.head, s.nshared);
		print_lines(&s.body, 0);
	}
	putchar('\n');
	fflush(stdout);
	top_screen_free(&s);
}

/* Refreshes keep to a fixed cadence instead of drifting by their own cost. */
static void advance_next(struct top *t)
{
	uint64_t now = fwb_mono_ns();

	t->next_ns += (uint64_t)(t->interval * 1e9);
	if (t->next_ns < now)	/* fell behind (suspend, slow snapshot): no burst of catch-ups */
		t->next_ns = now + (uint64_t)(t->interval * 1e9);
}

static int run_batch(struct top *t, bool json, bool details)
{
	t->next_ns = fwb_mono_ns() + (uint64_t)(t->interval * 1e9);
	while (!fwb_stop && t->count) {
		uint64_t now = fwb_mono_ns();

		if (t->next_ns > now)
			fwb_sleep((t->next_ns - now) / 1e9);
		if (fwb_stop)
			break;
		if (refresh_data(t, false)) {
			fprintf(stderr, "%s: cannot take a snapshot (reading /proc/self/mountinfo failed)\n",
				t->prog);
			return 1;
		}
		advance_next(t);
		if (json)
			fwb_stat_json(stdout, &t->d, t->iv);
		else
			print_frame(t, details);
		if (ferror(stdout))	/* the reader went away */
			break;
		if (t->count > 0)
			t->count--;
	}
	return 0;
}

/* ---- the terminal ---- */

static void set_msg(struct top *t, const char *msg)
{
	snprintf(t->msg, sizeof(t->msg), "%s", msg);
	t->msg_until = fwb_mono_ns() + 3000000000ULL;
}

static void footer(const struct top *t, char *buf, size_t len, enum top_attr *a)
{
	*a = TA_HEADING;
	if (t->prompt == PROMPT_FILTER)
		snprintf(buf, len, "Filter (mount point or fs type; Enter keeps, Esc cancels): %s_", t->input);
	else if (t->prompt == PROMPT_INTERVAL)
		snprintf(buf, len, "Refresh interval in seconds (now %g; Esc cancels): %s_", t->interval, t->input);
	else if (t->msg[0] && fwb_mono_ns() < t->msg_until) {
		snprintf(buf, len, "%s", t->msg);
		*a = TA_WARN;
	} else if (t->view == VIEW_DETAIL)
		snprintf(buf, len, "Esc:back j/k:scroll c:interval/since start p:pause d:delay h:help q:quit");
	else if (t->view == VIEW_HELP)
		snprintf(buf, len, "j/k PgUp/PgDn g/G:scroll q:quit other keys:back");
	else
		snprintf(buf, len, "q:quit j/k:select Enter:detail s/</>:sort /:filter p:pause d:delay h:help");
}

static const struct fwb_mount *selected_mount(const struct top *t)
{
	return t->selected >= 0 && t->selected < t->rows.n ? t->rows.v[t->selected].m : NULL;
}

static void draw(struct top *t, struct top_screen *s)
{
	struct top_view_in in = view_in(t);
	char foot[256];
	enum top_attr fa;
	int *scroll = &t->list_scroll;

	switch (t->view) {
	case VIEW_DETAIL:
		/* the detail follows its mount by connection even if the filter hides it now */
		top_render_detail(s, &in, selected_mount(t), COLS);
		scroll = &t->detail_scroll;
		break;
	case VIEW_HELP:
		top_render_help(s, &in, COLS);
		scroll = &t->detail_scroll;
		break;
	default:
		top_render_list(s, &in, COLS);
	}
	footer(t, foot, sizeof(foot), &fa);
	top_term_draw(s, scroll, foot, fa);
}

static void prompt_key(struct top *t, int ch)
{
	size_t n = strlen(t->input);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (t->prompt == PROMPT_INTERVAL && n) {
			char why[160];
			double v;

			if (fwb_parse_seconds("interval", t->input, FWB_INTERVAL_MIN_S, FWB_INTERVAL_MAX_S,
					      &v, why, sizeof(why))) {
				set_msg(t, why);
			} else {
				t->interval = v;
				t->next_ns = fwb_mono_ns() + (uint64_t)(v * 1e9);
			}
		}
		t->prompt = PROMPT_NONE;
		return;
	}
	if (ch == KEY_ESC) {
		if (t->prompt == PROMPT_FILTER) {
			snprintf(t->filter, sizeof(t->filter), "%s", t->saved_filter);
			rebuild(t);
		}
		t->prompt = PROMPT_NONE;
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			t->input[n - 1] = 0;
	} else if (ch == KEY_CTRL('u')) {
		t->input[0] = 0;
	} else if (ch >= 32 && ch < 127 && n + 1 < sizeof(t->input)) {
		t->input[n] = ch;
		t->input[n + 1] = 0;
	} else {
		return;
	}
	if (t->prompt == PROMPT_FILTER) {	/* filter as you type, like htop */
		snprintf(t->filter, sizeof(t->filter), "%s", t->input);
		rebuild(t);
	}
}

static void move_sel(struct top *t, int to)
{
	if (!t->rows.n)
		return;
	if (to >= t->rows.n)
		to = t->rows.n - 1;
	if (to < 0)
		to = 0;
	t->selected = to;
	t->sel_conn = t->rows.v[to].m->conn;
}

static void key(struct top *t, struct top_screen *s, int ch)
{
	int page = top_term_body_rows(s);
	/* the detail view and the help screen scroll; the list moves its selection */
	bool detail = t->view == VIEW_DETAIL || t->view == VIEW_HELP;

	if (page < 1)
		page = 1;
	if (t->prompt != PROMPT_NONE) {
		prompt_key(t, ch);
		return;
	}
	if (t->view == VIEW_HELP && !strchr("kjgGqQ ", ch > 0 && ch < 128 ? ch : 1) && ch != KEY_RESIZE &&
	    ch != KEY_UP && ch != KEY_DOWN && ch != KEY_PPAGE && ch != KEY_NPAGE && ch != KEY_HOME &&
	    ch != KEY_END) {
		t->view = t->back_view;
		return;
	}
	switch (ch) {
	case 'q': case 'Q':
		t->quit = true;
		break;
	case KEY_UP: case 'k':
		if (detail)
			t->detail_scroll--;
		else
			move_sel(t, t->selected - 1);
		break;
	case KEY_DOWN: case 'j':
		if (detail)
			t->detail_scroll++;
		else
			move_sel(t, t->selected + 1);
		break;
	case KEY_PPAGE:
		if (detail)
			t->detail_scroll -= page;
		else
			move_sel(t, t->selected - page);
		break;
	case KEY_NPAGE: case ' ':
		if (detail)
			t->detail_scroll += page;
		else
			move_sel(t, t->selected + page);
		break;
	case KEY_HOME: case 'g':
		if (detail)
			t->detail_scroll = 0;
		else
			move_sel(t, 0);
		break;
	case KEY_END: case 'G':
		if (detail)
			t->detail_scroll = 1 << 20;	/* clamped when drawn */
		else
			move_sel(t, t->rows.n - 1);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (detail) {
			t->view = VIEW_LIST;
		} else if (selected_mount(t)) {
			t->view = VIEW_DETAIL;
			t->detail_scroll = 0;
		}
		break;
	case KEY_ESC: case KEY_LEFT: case KEY_BACKSPACE: case 127:
		t->view = VIEW_LIST;
		break;
	case 's': case '>': case '<':
		t->sort.col = top_sort_step(t->sort.col, ch == '<' ? -1 : 1);
		t->sort.reverse = false;
		rebuild(t);
		break;
	case 'r': case 'R':
		t->sort.reverse = !t->sort.reverse;
		rebuild(t);
		break;
	case '/':
		t->prompt = PROMPT_FILTER;
		snprintf(t->saved_filter, sizeof(t->saved_filter), "%s", t->filter);
		snprintf(t->input, sizeof(t->input), "%s", t->filter);
		break;
	case 'd':
		t->prompt = PROMPT_INTERVAL;
		t->input[0] = 0;
		break;
	case 'p': case 'P':
		t->paused = !t->paused;
		if (!t->paused) {
			rebaseline(t);
			t->next_ns = fwb_mono_ns() + (uint64_t)(t->interval * 1e9);
		}
		break;
	case 'c': case 'C':
		t->cumulative = !t->cumulative;
		break;
	case 'h': case 'H': case '?': case KEY_F(1):
		t->back_view = t->view;
		t->view = VIEW_HELP;
		t->detail_scroll = 0;
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

static int run_term(struct top *t)
{
	struct top_screen s = { 0 };
	long frames = t->count;
	bool redraw = true;
	int rc = 0;

	if (top_term_open()) {
		fprintf(stderr, "%s: cannot use the terminal (TERM=%s); try -b\n", t->prog,
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	/* the first screen at once: gauges (pending, dirty) now, rates after one interval */
	t->next_ns = fwb_mono_ns() + (uint64_t)(t->interval * 1e9);
	while (!fwb_stop && !t->quit) {
		uint64_t now = fwb_mono_ns();
		int ms, ch;

		if (!t->paused && now >= t->next_ns) {
			if (refresh_data(t, false)) {
				rc = 1;
				break;
			}
			advance_next(t);
			if (frames > 0 && !--frames)
				t->quit = true;
			redraw = true;
		}
		if (t->msg[0] && now >= t->msg_until) {
			t->msg[0] = 0;
			redraw = true;
		}
		/* drawing only on news keeps an idle monitor idle */
		if (redraw) {
			draw(t, &s);
			redraw = false;
		}
		if (t->quit)
			break;
		now = fwb_mono_ns();
		/* short waits: a signal then ends the loop quickly even if getch retries */
		ms = t->paused || t->next_ns <= now ? 250 : (int)((t->next_ns - now) / 1000000) + 1;
		if (ms > 250)
			ms = 250;
		ch = top_term_key(ms);
		if (ch >= 0) {
			key(t, &s, ch);
			redraw = true;
		}
	}
	top_term_close();
	top_screen_free(&s);
	if (rc)
		fprintf(stderr, "%s: cannot take a snapshot (reading /proc/self/mountinfo failed)\n", t->prog);
	return rc;
}

/* ---- setup ---- */

/* "/mnt/x/" names the mount "/mnt/x"; normalised as text, the path itself is never looked at */
/*
 * ncurses reads $HOME/.terminfo.  When HOME is on a FUSE mount whose daemon
 * hangs, that stat() would hang the monitor before it draws anything.
 */
static void avoid_fuse_home(const struct fwb_snapshot *s)
{
	const char *home = getenv("HOME");

	for (int i = 0; home && i < s->nmounts; i++) {
		size_t n = strlen(s->mounts[i].mountpoint);

		if (!strncmp(home, s->mounts[i].mountpoint, n) && (home[n] == '/' || !home[n] || n == 1)) {
			unsetenv("HOME");
			return;
		}
	}
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		FWB_LOOP_LONGOPTS,
		{ "batch", no_argument, NULL, 'b' },
		{ "detail", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct top t = {
		.interval = 1, .hung_s = TOP_DEFAULT_HUNG_S, .count = -1,
		.sort = { .col = COL_MBS }, .selected = -1,
	};
	struct fwb_opts o = { .share = true };
	const struct fwb_loop_args loop = { &t.interval, &t.count, &t.hung_s };
	bool batch = false, json = false, details = false;
	char err[512];
	int ch, rc = 0, r;

	t.prog = strcmp(basename(argv[0]), "fusewbtop") ? "fusewb top" : "fusewbtop";
	while ((ch = getopt_long(argc, argv, "d:i:n:c:bjH:h", opts, NULL)) != -1) {
		r = fwb_loop_arg(t.prog, ch, optarg, &loop, &o);
		if (r < 0)
			return 2;
		if (r)
			continue;
		switch (ch) {
		case 'b': batch = true; break;
		case 'D': details = true; break;
		case 'j': json = true; break;
		case 'h': help(t.prog); return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", t.prog);
			return 2;
		}
	}
	if (!batch && !json && !isatty(STDOUT_FILENO))
		batch = true;	/* a pipe gets text, never escape sequences */
	t.filters = argv + optind;
	t.nfilters = argc - optind;
	for (int i = 0; i < t.nfilters; i++)
		fwb_trim_slashes(t.filters[i]);

	o.quiet = json;
	if (fwb_collector_open(&t.c, &o, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", t.prog, err);
		return 1;
	}
	fwb_install_signals();
	{
		const struct fwb_source *srcs;
		int n;

		srcs = fwb_collector_sources(t.c, &n);
		fwb_sources_summary(srcs, n, t.sources, sizeof(t.sources));
		snprintf(t.kernel, sizeof(t.kernel), "%s", fwb_collector_kernel(t.c)->release);
		for (int i = 0; i < n; i++)
			if (!strcmp(srcs[i].group, "diag-tasks"))
				t.states_on = srcs[i].state == FWB_SRC_IN_USE;
		t.ksyms = t.states_on ? fwb_ksyms_load() : NULL;
	}
	if (refresh_data(&t, true)) {
		fprintf(stderr, "%s: cannot read /proc/self/mountinfo\n", t.prog);
		rc = 1;
	}
	for (int i = 0; !rc && i < t.nfilters; i++)
		if (!fwb_filter_known(&t.prev, t.filters[i])) {
			fprintf(stderr, "%s: '%s' is not a FUSE mount point or fs type (see /proc/self/mountinfo)\n",
				t.prog, t.filters[i]);
			rc = 1;
		}
	if (!rc) {
		if (batch || json) {
			rc = run_batch(&t, json, details);
		} else {
			setlocale(LC_CTYPE, "");	/* CTYPE only: numbers keep their '.' */
			avoid_fuse_home(&t.prev);
			rc = run_term(&t);
		}
	}
	top_rows_free(&t.rows);
	top_stuck_free(&t.stuck);
	top_hist_free(&t.hist);
	fwb_snapshot_free(&t.d);
	fwb_snapshot_free(&t.prev);
	free(t.states);
	fwb_ksyms_free(t.ksyms);
	fwb_collector_close(t.c);
	return rc;
}
