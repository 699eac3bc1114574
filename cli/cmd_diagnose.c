// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb diagnose: is a FUSE daemon hung, slow or gone, who is blocked, and
 * what to do about it.  Two looks at the kernel's state, a short window
 * apart (the collector counts the answers in between), joined into one
 * verdict per connection.  Never touches a mount point.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/diag.h"
#include "commands.h"
#include "render/diag_text.h"
#include "render/json.h"

struct diag_opts {
	bool json, verbose, abort, yes, watch;
	double window, interval;
	long count;
	struct fwb_diag_limits limits;
	char **filters;
	int nfilters;
};

static void help(void)
{
	printf("Usage: fusewb diagnose [OPTIONS] [MOUNTPOINT|FSTYPE|CONNECTION...]\n\n"
	       "Is a FUSE daemon hung, slow or gone? For every FUSE connection (or those\n"
	       "named): a verdict, the remedy as commands to copy, and the evidence: mount\n"
	       "points, daemon processes and what each thread does, the requests stuck in\n"
	       "the kernel's queues (opcode, age, who asked), the tasks blocked on the\n"
	       "mount and their kernel stacks, background slots, dirty pages.\n\n"
	       "The state is read post hoc by BPF iterators, so a daemon that hung before\n"
	       "fusewb started is diagnosed too. Answers are counted during a short window.\n"
	       "Mount points are never touched: a hung daemon cannot hang diagnose.\n\n"
	       "  -w, --window SECONDS    look twice, this far apart, counting answers (default 1; 0: one look)\n"
	       "  -H, --hung SECONDS      no answer for this long is a hang (default 10, as top\n"
	       "                          and stat; --hung-after is the same)\n"
	       "      --slow SECONDS      answers with a p99 this long are slow (default 1)\n"
	       "  -j, --json              one JSON object per report (doc/diagnose.md)\n"
	       "  -v, --verbose           every thread and every kernel stack; details of healthy mounts\n"
	       "  -d, --delay SECONDS     report again every SECONDS until ^C (--watch[=SECONDS]\n"
	       "                          is the same, default 2)\n"
	       "  -n, --iterations N      stop after N reports, every 2 s unless -d says\n"
	       "                          otherwise (-c, --count are the same)\n"
	       "      --abort             abort the connections found hung (asks first; pending\n"
	       "                          requests fail, the mount's dirty pages are lost); never\n"
	       "                          a stall behind the daemon (stopped transport, network,\n"
	       "                          blocked helper), which waiting or resuming releases\n"
	       "  -y, --yes               with --abort: do not ask\n"
	       "  -h, --help\n\n"
	       "Exit status: 0 every connection healthy, 1 something is wrong, 2 could not run.\n\n"
	       "EXAMPLES:\n"
	       "  fusewb diagnose                      # every FUSE connection\n"
	       "  fusewb diagnose /mnt/s3 -v           # one mount, with stacks\n"
	       "  fusewb diagnose --json 41 | jq .connections[0].verdict\n"
	       "  fusewb diagnose --abort /mnt/s3      # abort it if it is hung, after asking\n");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool selected(const struct fwb_mount *m, const struct diag_opts *o, int only)
{
	for (int i = 0; i < o->nfilters; i++) {
		if (only >= 0 && i != only)
			continue;
		if (all_digits(o->filters[i]) ? strtoul(o->filters[i], NULL, 10) == m->conn
					      : fwb_mount_matches(m, o->filters[i]) || !strcmp(m->bdi, o->filters[i]))
			return true;
	}
	return !o->nfilters;
}

static void select_mounts(struct fwb_snapshot *s, const struct diag_opts *o)
{
	int w = 0;

	for (int i = 0; i < s->nmounts; i++) {
		if (selected(&s->mounts[i], o, -1)) {
			s->mounts[w++] = s->mounts[i];
			continue;
		}
		free(s->mounts[i].extra_mountpoints);
		free(s->mounts[i].pending);
		free(s->mounts[i].ops);
		free(s->mounts[i].tasks);
	}
	s->nmounts = w;
}

/*
 * Nothing diagnose reads should block: sysfs, debugfs, /proc/self and BPF
 * iterators only, never a mount point or a stuck task's memory.  Should a
 * look still hang, this watchdog ends the run with a clear line and exit 2
 * instead of joining the pile-up of blocked tasks it was asked about.
 */
#define LOOK_DEADLINE_S 5

static volatile uint64_t look_deadline_ns;	/* 0: disarmed */

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 100000000 };
		uint64_t d = look_deadline_ns;

		if (d && fwb_mono_ns() > d) {
			static const char msg[] = "fusewb diagnose: reading the kernel's state took over "
				"5 s; giving up (please report this)\n";

			if (write(2, msg, sizeof(msg) - 1) < 0)
				_exit(2);
			_exit(2);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* One look: a collector snapshot and the iterators. */
struct look {
	struct fwb_snapshot s;
	struct fwb_diag_raw raw;
};

static int take_look(struct fwb_collector *c, struct look *l)
{
	int err;

	look_deadline_ns = fwb_mono_ns() + LOOK_DEADLINE_S * 1000000000ULL;
	err = fwb_snapshot_take(c, &l->s);
	if (!err) {
		err = fwb_diag_read(c, &l->raw);
		if (err)
			fwb_snapshot_free(&l->s);
	}
	look_deadline_ns = 0;
	return err;
}

static void drop_look(struct look *l)
{
	fwb_snapshot_free(&l->s);
	fwb_diag_raw_free(&l->raw);
}

/* a longer-running fusewb (export, top, stat) whose history enriches the report */
static struct fwb_peer peer;
static bool have_peer;

static int build(struct fwb_collector *c, const struct diag_opts *o, struct look *first, struct look *last,
		 const struct fwb_ksyms *k, struct fwb_diag_set *set)
{
	struct fwb_snapshot hist;
	bool have_hist;

	if (have_peer && !fwb_peer_alive(&peer)) {
		fwb_peer_close(&peer);
		have_peer = false;
	}
	have_hist = have_peer && !fwb_peer_snapshot(c, &peer, &last->s, &hist);
	int err = 0;
	struct fwb_diag_inputs in = {
		.start = first ? &first->s : NULL,
		.end = &last->s,
		.first = first ? &first->raw : NULL,
		.last = &last->raw,
		.ksyms = k,
		.hz = fwb_collector_kernel(c)->hz,
		.ignore_create_time = getenv("FUSEWB_DIAG_NO_CREATE_TIME") != NULL,
		.fusectl = fwb_collector_kernel(c)->fusectl,
		.limits = o->limits,
		.history = have_hist ? &hist : NULL,
		.peer = have_hist ? &peer : NULL,
		.history_age_s = have_hist ? fwb_peer_age_s(&peer) : 0,
	};

	select_mounts(&last->s, o);
	if (fwb_diag_build(&in, set)) {
		err = -ENOMEM;
	} else {
		fwb_diag_sort(set);
		/* asked about some mounts: tasks tied to none of them are not theirs */
		if (o->nfilters && set->nloose) {
			set->nloose_hidden = set->nloose;
			set->nloose = 0;
		}
	}
	if (have_hist)
		fwb_snapshot_free(&hist);
	return err;
}

/* The sources in use, for the JSON header: NULL-terminated, static strings. */
static const char **source_names(struct fwb_collector *c)
{
	int n;
	const struct fwb_source *s = fwb_collector_sources(c, &n);
	const char **out = calloc(n + 1, sizeof(*out));
	int w = 0;

	for (int i = 0; out && i < n; i++)
		if (s[i].state == FWB_SRC_IN_USE)
			out[w++] = s[i].name;
	return out;
}

static bool confirm(const struct fwb_diag_report *r)
{
	FILE *tty = fopen("/dev/tty", "r+e");
	char line[16] = "";
	bool yes;

	if (!tty) {
		fprintf(stderr, "fusewb diagnose: not aborting connection %u: no terminal to confirm on "
			"(add --yes)\n", r->m.conn);
		return false;
	}
	fprintf(tty, "Abort connection %u (%s, %s)? %s\nType 'yes' to abort: ", r->m.conn, r->m.mountpoint,
		fwb_verdict_title(r->d.verdict), r->nremedies ? r->remedies[0].note : "");
	fflush(tty);
	yes = fgets(line, sizeof(line), tty) && !strncmp(line, "yes", 3);
	fclose(tty);
	return yes;
}

/*
 * Only where the remedy is the abort: a stopped daemon wants SIGCONT, a
 * closed connection nothing, and a stall behind the daemon (a stopped
 * transport, the network, a blocked helper) is released without loss by
 * fixing what it waits for: its abort is a last resort for a person to take.
 */
static bool wants_abort(const struct fwb_diag_report *r)
{
	if (r->d.verdict == FWB_V_STOPPED_TRANSPORT || r->d.verdict == FWB_V_NETWORK ||
	    r->d.verdict == FWB_V_HELPER_BLOCKED)
		return false;
	for (int i = 0; i < r->nremedies; i++)
		if (strstr(r->remedies[i].cmd, "/abort"))
			return true;
	return false;
}

/* Of the tasks blocked before, how many the new report still finds blocked. */
static int tasks_still_blocked(const struct fwb_diag_report *before, const struct fwb_diag_report *now)
{
	int n = 0;

	for (int i = 0; i < before->nblocked; i++)
		for (int j = 0; now && j < now->nblocked; j++)
			if (now->blocked[j].pid == before->blocked[i].pid) {
				n++;
				break;
			}
	return n;
}

/* Abort, then look again and say what happened. */
static void do_abort(struct fwb_collector *c, const struct diag_opts *o, const struct fwb_diag_report *r,
		     const struct fwb_ksyms *k)
{
	struct diag_opts one = *o;
	char conn[16];
	char *filt[1] = { conn };
	struct fwb_diag_set after = {0};
	const struct fwb_diag_report *now = NULL;
	struct look l;
	int err, still;

	err = fwb_conn_abort(r->m.conn);
	if (err) {
		fprintf(stderr, "fusewb diagnose: abort of connection %u failed: %s\n", r->m.conn, strerror(-err));
		if (o->json)
			printf("{\"abort\":{\"connection\":%u,\"ok\":false,\"error\":\"%s\"}}\n", r->m.conn,
			       strerror(-err));
		return;
	}
	/* the blocked tasks need a moment to run and leave */
	fwb_sleep(0.5);
	snprintf(conn, sizeof(conn), "%u", r->m.conn);
	one.filters = filt;
	one.nfilters = 1;
	if (!take_look(c, &l)) {
		if (!build(c, &one, NULL, &l, k, &after) && after.n)
			now = &after.r[0];
		drop_look(&l);
	}
	still = tasks_still_blocked(r, now);
	if (o->json) {
		printf("{\"abort\":{\"connection\":%u,\"ok\":true,\"requests_failed\":%u,\"requests_left\":%d,"
		       "\"blocked_before\":%d,\"blocked_left\":%d,\"verdict_after\":\"%s\"}}\n",
		       r->m.conn, r->facts.nreqs, now ? (int)now->facts.nreqs : 0, r->nblocked, still,
		       now ? fwb_verdict_name(now->d.verdict) : "unmounted");
	} else {
		printf("aborted connection %u (%s): %u request%s failed, %d of %d blocked task%s released; ",
		       r->m.conn, r->m.mountpoint, r->facts.nreqs, r->facts.nreqs == 1 ? "" : "s",
		       r->nblocked - still, r->nblocked, r->nblocked == 1 ? "" : "s");
		if (now)
			printf("now %s, %u request%s left; next: %s\n", fwb_verdict_title(now->d.verdict),
			       now->facts.nreqs, now->facts.nreqs == 1 ? "" : "s",
			       now->nremedies && now->remedies[0].cmd[0] ? now->remedies[0].cmd : "-");
		else
			printf("the mount is gone\n");
	}
	fflush(stdout);
	fwb_diag_set_free(&after);
}

static int parse_opts(int argc, char **argv, struct diag_opts *o)
{
	static const struct option opts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "hung", required_argument, NULL, 'H' },
		{ "hung-after", required_argument, NULL, 'H' },
		{ "slow", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		/* top's -d/-n; --watch[=S] and -c, --count as they were */
		{ "delay", required_argument, NULL, 'd' },
		{ "watch", optional_argument, NULL, 'W' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'n' },
		{ "abort", no_argument, NULL, 'A' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char P[] = "fusewb diagnose";
	const struct fwb_loop_args loop = { &o->interval, &o->count, NULL };
	double secs;
	int ch;

	o->window = 1;
	o->interval = 2;
	o->count = -1;
	o->limits.hung_ns = FWB_DIAG_HUNG_NS_DEFAULT;
	o->limits.slow_ns = FWB_DIAG_SLOW_NS_DEFAULT;
	while ((ch = getopt_long(argc, argv, "w:H:jvd:n:c:yh", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (fwb_arg_seconds(P, "window", optarg, 0, 60, &o->window))
				return 2;
			break;
		case 'H':
		case 'S':
			if (fwb_arg_seconds(P, ch == 'H' ? "hung threshold" : "--slow", optarg,
					    FWB_THRESHOLD_MIN_S, FWB_INTERVAL_MAX_S, &secs))
				return 2;
			*(ch == 'H' ? &o->limits.hung_ns : &o->limits.slow_ns) = secs * 1e9;
			break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'd':
		case 'W':	/* --watch[=S]: S is optional */
		case 'n':
		case 'c':
			o->watch = true;
			if (optarg && fwb_loop_arg(P, ch == 'W' ? 'd' : ch, optarg, &loop, NULL) < 0)
				return 2;
			break;
		case 'A': o->abort = true; break;
		case 'y': o->yes = true; break;
		case 'h': help(); return 0;
		default: return 2;
		}
	}
	if (o->yes && !o->abort) {
		fprintf(stderr, "fusewb diagnose: --yes only makes sense with --abort\n");
		return 2;
	}
	if (o->watch && o->window > o->interval)
		o->window = o->interval;
	o->filters = argv + optind;
	o->nfilters = argc - optind;
	for (int i = 0; i < o->nfilters; i++)
		fwb_trim_slashes(o->filters[i]);
	return -1;
}

/* Every name on the command line must be a FUSE mount, fs type or connection. */
static int check_filters(const struct fwb_snapshot *s, const struct diag_opts *o)
{
	int rc = 0;

	for (int i = 0; i < o->nfilters; i++) {
		bool known = false;

		for (int j = 0; j < s->nmounts && !known; j++)
			known = selected(&s->mounts[j], o, i);
		if (!known) {
			fprintf(stderr, "fusewb diagnose: '%s' is not a FUSE mount point, fs type or connection "
				"(see /proc/self/mountinfo, /sys/fs/fuse/connections)\n", o->filters[i]);
			rc = 2;
		}
	}
	return rc;
}

static bool iterators_ready(struct fwb_collector *c, char *why, size_t len)
{
	int n;
	const struct fwb_source *s = fwb_collector_sources(c, &n);

	for (int i = 0; i < n; i++)
		if (s[i].prog && (!strcmp(s[i].prog, "diag_files") || !strcmp(s[i].prog, "diag_tasks")) &&
		    s[i].state != FWB_SRC_IN_USE) {
			snprintf(why, len, "%s: %s", s[i].name, s[i].reason[0] ? s[i].reason : "not in use");
			return false;
		}
	return true;
}

int cmd_diagnose(int argc, char **argv)
{
	struct diag_opts o = {0};
	struct fwb_collector *c;
	struct fwb_opts co = {0};
	struct fwb_ksyms *k;
	struct look prev, cur;
	bool have_prev;
	const char **srcs;
	char err[512];
	int rc = parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	co.quiet = o.json;
	if (fwb_collector_open(&c, &co, err, sizeof(err))) {
		fprintf(stderr, "fusewb diagnose: %s\n", err);
		return 2;
	}
	if (!iterators_ready(c, err, sizeof(err))) {
		fprintf(stderr, "fusewb diagnose: cannot read the kernel's FUSE state: %s\n", err);
		fwb_collector_close(c);
		return 2;
	}
	fwb_install_signals();
	{
		pthread_t wd;
		sigset_t all, old;

		/* signals belong to the main thread, which checks fwb_stop */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (!pthread_create(&wd, NULL, watchdog, NULL))
			pthread_detach(wd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	k = fwb_ksyms_load();
	if (!k && !o.json)
		fprintf(stderr, "fusewb diagnose: note: /proc/kallsyms unreadable: stacks are shown as addresses\n");
	srcs = source_names(c);
	have_peer = !fwb_peer_open(c, &peer);
	/* a running fusewb whose history is left unread is said, not silently ignored */
	for (int i = 0; i < peer.nskipped; i++)
		fprintf(stderr, "fusewb diagnose: note: not reading the history of %s (pid %d): %s\n",
			peer.skipped[i].comm, (int)peer.skipped[i].pid, peer.skipped[i].why);
	have_prev = !take_look(c, &prev);
	rc = have_prev ? check_filters(&prev.s, &o) : 2;
	if (!have_prev)
		fprintf(stderr, "fusewb diagnose: cannot read the FUSE state (mountinfo or BPF iterators)\n");
	for (int round = 0; rc != 2; round++) {
		struct fwb_diag_set set;

		/* with a window, each report covers the time since the previous look */
		if (o.window > 0 || round > 0) {
			fwb_sleep(round ? o.interval : o.window);
			if (fwb_stop)
				break;
			if (take_look(c, &cur)) {
				fprintf(stderr, "fusewb diagnose: cannot read the FUSE state\n");
				rc = 2;
				break;
			}
		} else {
			cur = prev;
			have_prev = false;
		}
		if (build(c, &o, have_prev ? &prev : NULL, &cur, k, &set)) {
			fprintf(stderr, "fusewb diagnose: out of memory\n");
			drop_look(&cur);
			rc = 2;
			break;
		}
		rc = 0;
		for (int i = 0; i < set.n; i++)
			rc |= set.r[i].d.verdict != FWB_V_HEALTHY;
		if (o.json)
			fwb_diag_json(stdout, &set, srcs);
		else
			diag_print_text(stdout, &set, o.verbose);
		for (int i = 0; o.abort && i < set.n && !fwb_stop; i++) {
			const struct fwb_diag_report *r = &set.r[i];

			if (!wants_abort(r))
				continue;
			if (o.yes || confirm(r))
				do_abort(c, &o, r, k);
		}
		fwb_diag_set_free(&set);
		if (have_prev)
			drop_look(&prev);
		prev = cur;
		have_prev = o.window > 0;
		if (!have_prev)
			drop_look(&cur);
		if (o.count > 0)
			o.count--;
		if (!o.watch || o.count == 0 || fwb_stop)
			break;
	}
	if (have_prev)
		drop_look(&prev);
	free(srcs);
	fwb_ksyms_free(k);
	if (have_peer)
		fwb_peer_close(&peer);
	fwb_collector_close(c);
	return rc;
}
