// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb export: a Prometheus exporter.  Each scrape takes a fresh snapshot
 * of the BPF maps (no background loop) and renders it with cli/render/prom.c;
 * one mutex serialises snapshot and rendering across the HTTP threads.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/diag.h"
#include "lib/fusewb.h"
#include "render/prom.h"
#include "commands.h"
#include "export_http.h"
#include "export_user.h"

#define DEFAULT_LISTEN	"127.0.0.1:9464"
#define DEFAULT_PATH	"/metrics"

struct exporter {
	pthread_mutex_t lock;
	struct fwb_collector *c;
	struct fwb_prom_ctx ctx;	/* sources, page size; scrapes counted under lock */
	char **filters;
	int nfilters;
	struct fwb_snapshot prev;	/* the last scrape's, for the answers between scrapes */
	bool have_prev;
	struct fwb_ksyms *ksyms;	/* for fusewb_daemon_state's stacks; NULL when unreadable */
	bool states;			/* the diagnose iterators are in use */
};

static void help(void)
{
	printf("Usage: fusewb export [OPTIONS] [MOUNTPOINT|FSTYPE...]\n\n"
	       "Serve Prometheus metrics (text format 0.0.4) for every FUSE mount, or those\n"
	       "named: writeback WRITE latency histogram, bytes/writes/errors, pages in flight,\n"
	       "dirty pages against the bdi limit, throttling, pending requests and the oldest\n"
	       "one's age, per-opcode request latency, and the collector's own health.\n"
	       "Every scrape reads the BPF maps afresh; counters are cumulative since start.\n"
	       "Metric reference: doc/exporter.md. Mount points are never touched.\n\n"
	       "  --web.listen-address ADDR  HOST:PORT, [IPV6]:PORT, or :PORT for every IPv4\n"
	       "                             address ([::]:PORT for IPv6)\n"
	       "                             (default " DEFAULT_LISTEN ", loopback only)\n"
	       "  --web.telemetry-path PATH  where the metrics are (default " DEFAULT_PATH ")\n"
	       "  --no-collect.requests      leave out the per-opcode request histograms and\n"
	       "                             error counters (hosts with very many mounts)\n"
	       "  --tracked-mounts N         mounts whose request stats are kept (default %d,\n"
	       "                             up to %d; 24 KiB each); the others have\n"
	       "                             fusewb_mount_tracked 0 and no request series\n"
	       "  -s, --source KIND          where a job has alternatives, use only KIND\n"
	       "                             (tracepoint, fentry, kprobe, auto; as fusewb stat)\n"
	       "  --user NAME                after loading BPF, run as NAME (or a numeric uid)\n"
	       "                             with no capabilities; debugfs is still read, the\n"
	       "                             fusectl values of other users' mounts are left out\n"
	       "                             (fusewb_source_info says lost)\n"
	       "  -h, --help\n\n"
	       "EXAMPLES:\n"
	       "  fusewb export                                 # http://127.0.0.1:9464/metrics\n"
	       "  fusewb export --user nobody                   # drop root once BPF is attached\n"
	       "  fusewb export --web.listen-address=:9464 fuse.sshfs   # all IPv4 addresses, sshfs only\n"
	       "  curl -s 127.0.0.1:9464/metrics | grep fusewb_pending_oldest_age_seconds\n",
	       FWB_OPS_BLOCKS_DEFAULT, FWB_OPS_BLOCKS_MAX);
}

static int render(void *arg, char **body, size_t *len)
{
	struct exporter *e = arg;
	struct fwb_snapshot s;
	uint64_t t0;
	int err;

	*body = NULL;
	*len = 0;
	pthread_mutex_lock(&e->lock);
	t0 = fwb_mono_ns();
	err = fwb_snapshot_take(e->c, &s);
	if (!err) {
		struct fwb_daemon_state *st = NULL;

		fwb_snapshot_filter(&s, e->filters, e->nfilters);
		/* a failed look leaves every mount at its healthy default: the series stays, unlooked */
		if (e->states)
			fwb_daemon_states(e->c, e->have_prev ? &e->prev : NULL, &s,
					  e->have_prev ? s.mono_ns - e->prev.mono_ns : 0, e->ksyms, &st);
		e->ctx.states = st;
		e->ctx.collect_seconds = (fwb_mono_ns() - t0) / 1e9;
		e->ctx.scrapes++;
		*body = fwb_prom_render(&s, &e->ctx, len);
		e->ctx.size_hint = *len;
		e->ctx.states = NULL;
		free(st);
		if (e->have_prev)
			fwb_snapshot_free(&e->prev);
		e->prev = s;
		e->have_prev = true;
	}
	pthread_mutex_unlock(&e->lock);
	return *body ? 0 : -1;
}

static bool source_in_use(const struct fwb_source *srcs, int n, const char *group)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(srcs[i].group, group) && srcs[i].state == FWB_SRC_IN_USE)
			return true;
	return false;
}

int cmd_export(int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_PATH, OPT_USER, OPT_REQUESTS, OPT_NO_REQUESTS, OPT_TRACKED };
	static const struct option opts[] = {
		{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
		{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
		{ "user", required_argument, NULL, OPT_USER },
		{ "source", required_argument, NULL, 's' },
		{ "collect.requests", no_argument, NULL, OPT_REQUESTS },
		{ "no-collect.requests", no_argument, NULL, OPT_NO_REQUESTS },
		{ "tracked-mounts", required_argument, NULL, OPT_TRACKED },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *listen_addr = DEFAULT_LISTEN, *path = DEFAULT_PATH, *user = NULL;
	struct exporter e = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct fwb_opts o = { .quiet = false, .share = true };
	struct export_http *h;
	char err[512], shown[128] = "";
	long n;
	int ch, fd;

	while ((ch = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_LISTEN: listen_addr = optarg; break;
		case OPT_PATH: path = optarg; break;
		case OPT_USER: user = optarg; break;
		case 's':
			if (fwb_opts_set_source(&o, optarg, "fusewb export"))
				return 2;
			break;
		case OPT_REQUESTS: e.ctx.no_requests = false; break;
		case OPT_NO_REQUESTS: e.ctx.no_requests = true; break;
		case OPT_TRACKED:
			if (fwb_arg_count("fusewb export", "--tracked-mounts", optarg, 1, FWB_OPS_BLOCKS_MAX, &n))
				return 2;
			o.ops_mounts = (int)n;
			break;
		case 'h': help(); return 0;
		default: return 2;
		}
	}
	if (path[0] != '/' || strlen(path) > 256) {
		fprintf(stderr, "fusewb export: invalid --web.telemetry-path '%s': must start with '/'\n", path);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		fwb_trim_slashes(argv[i]);
	e.filters = argv + optind;
	e.nfilters = argc - optind;

	/* listen first: a taken port fails fast, and a low port works before root is dropped */
	if (export_listen(listen_addr, &fd, shown, sizeof(shown), err, sizeof(err))) {
		fprintf(stderr, "fusewb export: %s\n", err);
		return 1;
	}
	if (fwb_collector_open(&e.c, &o, err, sizeof(err))) {
		fprintf(stderr, "fusewb export: %s\n", err);
		close(fd);
		return 1;
	}
	e.ctx.srcs = fwb_collector_sources(e.c, &e.ctx.nsrcs);
	e.ctx.daemons_known = source_in_use(e.ctx.srcs, e.ctx.nsrcs, "daemons");
	e.ctx.page_size = sysconf(_SC_PAGESIZE);
	e.states = source_in_use(e.ctx.srcs, e.ctx.nsrcs, "diag-queues") &&
		   source_in_use(e.ctx.srcs, e.ctx.nsrcs, "diag-tasks");
	e.ksyms = fwb_ksyms_load();	/* as root: after --user kallsyms reads as zeros */
	if (user && export_drop_privileges(user, err, sizeof(err))) {
		fprintf(stderr, "fusewb export: --user %s: %s\n", user, err);
		fwb_collector_close(e.c);
		close(fd);
		return 1;
	}
	/*
	 * debugfs stays readable through the bdi directory opened as root
	 * (sysfs.c); fusectl cannot: each connection's directory is its
	 * owner's alone (0500), and keeping CAP_DAC_READ_SEARCH for three
	 * gauges would let the server read every file on the host.
	 */
	if (user && geteuid() &&
	    fwb_collector_source_lost(e.c, "fusectl", "after --user: a mount's fusectl files are "
				      "its owner's only (mode 0400) and no capability is kept"))
		fprintf(stderr, "fusewb export: note: --user: fusewb_connection_* of other users' mounts "
			"are left out (fusectl is root's; fusewb_source_info says lost)\n");
	fwb_install_signals();
	e.ctx.cache = fwb_prom_cache_new();	/* NULL only costs speed */
	h = export_http_start(fd, path, render, &e, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "fusewb export: %s\n", err);
		fwb_prom_cache_free(e.ctx.cache);
		fwb_collector_close(e.c);
		close(fd);
		return 1;
	}
	fprintf(stderr, "fusewb export: listening on %s, metrics at %s%s%s\n", shown, path,
		user ? ", running as " : "", user ? user : "");
	while (!fwb_stop)
		fwb_sleep(3600);
	export_http_stop(h);
	fwb_prom_cache_free(e.ctx.cache);
	if (e.have_prev)
		fwb_snapshot_free(&e.prev);
	fwb_ksyms_free(e.ksyms);
	fwb_collector_close(e.c);
	return 0;
}
