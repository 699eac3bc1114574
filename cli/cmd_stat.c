// SPDX-License-Identifier: GPL-2.0-only
/* fusewb stat: one report per interval per FUSE mount, like iostat. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/fusewb.h"
#include "render/json.h"
#include "commands.h"

static void help(void)
{
	printf("Usage: fusewb stat [--json] [-d SECONDS] [-n COUNT] [--source KIND] [MOUNTPOINT|FSTYPE...]\n\n"
	       "Every interval, one line per FUSE mount: writeback WRITEs/s, MB/s, errors,\n"
	       "p50/p99/max writeback latency, pages in flight, dirty pages against the\n"
	       "bdi's limit (at the end of the interval, and PEAK: the most a throttled\n"
	       "writer saw during it), the bdi's cap (RATIO, %% of the global threshold)\n"
	       "and whether it sets the limit (BIND: cap, or share of writeback), time\n"
	       "throttled in balance_dirty_pages, pending requests and the oldest one's\n"
	       "age; where the kernel says when the daemon reads a request, the\n"
	       "writeback WRITEs' mean time queued for the daemon (QUEms) and in it\n"
	       "(SRVms), and how many pending ones it has read (INSRV); time tasks\n"
	       "waited for all of an inode's WRITEs (NWRms: fsync, truncate).\n"
	       "Counters are deltas over the interval.\n"
	       "Arguments select mounts by mount point or fs type (e.g. fuse.sshfs).\n"
	       "Mount points are never touched: a hung daemon cannot hang fusewb.\n\n"
	       "  -d, --delay SECONDS     report interval (default 1; 0.1 to 86400);\n"
	       "                          -i, --interval are the same\n"
	       "  -n, --iterations N      stop after N reports (default: until ^C);\n"
	       "                          -c, --count are the same\n"
	       "  -H, --hung SECONDS      flag HUNG? when the oldest pending request is\n"
	       "                          older (default 10, as top and diagnose)\n"
	       "  -j, --json              NDJSON, one object per interval (doc/json-schema.md)\n"
	       "  -s, --source KIND       where a job has alternatives, use only KIND:\n"
	       "                          tracepoint, fentry, kprobe or auto (default:\n"
	       "                          $FUSEWB_SOURCE, or auto; see fusewb probe)\n"
	       "  --tracked-mounts N      mounts whose request stats are kept (default %d,\n"
	       "                          up to %d; 24 KiB each); others show '-', FLAG UNTRK\n"
	       "  -h, --help\n\n"
	       "EXAMPLES:\n"
	       "  fusewb stat                        # all FUSE mounts, every second\n"
	       "  fusewb stat -d 5 /mnt/s3           # one mount, every 5 s\n"
	       "  fusewb stat --source kprobe        # kprobe fallback even on a patched kernel\n"
	       "  fusewb stat --json -n 10 fuse.sshfs | jq .mounts[].writeback\n",
	       FWB_OPS_BLOCKS_DEFAULT, FWB_OPS_BLOCKS_MAX);
}

static void print_header(void)
{
	/* the column names of fusewbtop (doc/fusewbtop.md); units in the heading */
	printf("%-24s %-12s %7s %7s %4s %8s %8s %8s %6s %6s %8s %8s %8s %5s %6s %5s %7s %5s %8s %7s %7s %5s %7s %s\n",
	       "MOUNTPOINT", "FSTYPE", "WR/s", "MB/s", "WERR", "p50ms", "p99ms", "maxms", "INFL", "TMP",
	       "DIRTY", "LIMIT", "PEAK", "PEAK%", "RATIO", "BIND", "THRms", "PEND", "OLDESTs",
	       "QUEms", "SRVms", "INSRV", "NWRms", "FLAG");
}

/* v, or "-" when the kernel does not say (v < 0) */
static const char *num(char *buf, size_t len, long long v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
	return buf;
}

static void print_text(const struct fwb_snapshot *d, double iv, double hung_s)
{
	char when[32], a[24], b[24], c[24];
	time_t t = (time_t)d->wall;

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	printf("%s  nr_dirty %s  nr_writeback %s  nr_writeback_temp %s", when,
	       num(a, sizeof(a), d->vm.nr_dirty), num(b, sizeof(b), d->vm.nr_writeback),
	       num(c, sizeof(c), d->vm.nr_writeback_temp));
	if (d->drops.pending_full || d->drops.opstats_full || d->drops.taskstats_full)
		printf("  DROPS pending %llu ops %llu tasks %llu",
		       (unsigned long long)d->drops.pending_full,
		       (unsigned long long)d->drops.opstats_full,
		       (unsigned long long)d->drops.taskstats_full);
	printf("\n");
	print_header();
	for (int i = 0; i < d->nmounts; i++) {
		const struct fwb_mount *m = &d->mounts[i];
		char tmp[24] = "-";	/* temp pages: kernels before 6.16, with a source that feeds them */
		char dirty[24], lim[24], peak[24], pct[24] = "-", maxr[24] = "-", thr[24] = "-";
		char p50[24] = "-", p99[24] = "-", mx[24] = "-", oldest[24] = "-";
		/* request stats of an untracked mount (the table was full), or without a request source: '-', not 0 */
		char wr[24] = "-", mb[24] = "-", werr[24] = "-", infl[24] = "-", pend[24] = "-";
		bool noreq = m->ops_untracked || m->req_unknown;
		/* the queue/serve split and the whole-inode waits: '-' where the kernel cannot tell */
		char que[24] = "-", srv[24] = "-", insrv[24] = "-", nwr[24] = "-";
		const char *bind = fwb_limit_by_str(m);	/* does the cap set LIMIT? */

		if (m->split_have && !noreq && m->wb_split.count) {
			snprintf(que, sizeof(que), "%.2f", m->wb_split.queue_sum_ns / 1e6 / m->wb_split.count);
			snprintf(srv, sizeof(srv), "%.2f", m->wb_split.serve_sum_ns / 1e6 / m->wb_split.count);
		}
		if (m->split_have && !m->req_unknown)
			snprintf(insrv, sizeof(insrv), "%llu", (unsigned long long)m->pending_in_service);
		if (m->kwb_have & FWB_KWB_NOWRITE)
			snprintf(nwr, sizeof(nwr), "%.1f", m->nowrite_wait_ns / iv / 1e6);
		if ((m->kwb_have & FWB_KWB_TEMP) && (m->kwb_have & FWB_KWB_CLOSE))
			snprintf(tmp, sizeof(tmp), "%lld", (long long)(m->tmp_inflight_pages > 0 ? m->tmp_inflight_pages : 0));
		if (m->throttle_have)
			snprintf(thr, sizeof(thr), "%.1f", m->throttle_ns / iv / 1e6);
		/* the most dirty pages a throttled writer saw in the interval, against the limit then */
		if (m->peak_dirty_pages >= 0 && m->peak_limit_pages > 0)
			snprintf(pct, sizeof(pct), "%.1f", 100.0 * m->peak_dirty_pages / m->peak_limit_pages);
		if (!noreq) {
			snprintf(wr, sizeof(wr), "%.1f", m->wb_writes / iv);
			snprintf(mb, sizeof(mb), "%.2f", m->wb_bytes / iv / 1e6);
			snprintf(werr, sizeof(werr), "%llu", (unsigned long long)m->wb_errors);
			snprintf(infl, sizeof(infl), "%lld", (long long)(m->wb_inflight_pages > 0 ? m->wb_inflight_pages : 0));
		}
		/* no WRITE ended, nothing pending: no latency or age to show, not 0 */
		if (m->wb_lat.count && !noreq) {
			snprintf(p50, sizeof(p50), "%.2f", fwb_hist_quantile(&m->wb_lat, 0.5) / 1e6);
			snprintf(p99, sizeof(p99), "%.2f", fwb_hist_quantile(&m->wb_lat, 0.99) / 1e6);
			snprintf(mx, sizeof(mx), "%.2f", fwb_hist_max(&m->wb_lat) / 1e6);
		}
		/* >: at least that old (taken in at start on a kernel without create_time), as fusewbtop */
		if (!m->req_unknown)
			snprintf(pend, sizeof(pend), "%llu", (unsigned long long)m->pending_count);
		if (m->pending_count && !m->req_unknown)
			snprintf(oldest, sizeof(oldest), "%s%.3f", m->pending_oldest_min ? ">" : "",
				 m->pending_oldest_ns / 1e9);
		/* as fusewbtop: the cap in % as precise as the kernel keeps it, S when strictlimit is on */
		fwb_fmt_max_ratio(maxr, sizeof(maxr), m);
		if (maxr[0] != '-' && m->strict_limit > 0)
			strcat(maxr, "S");
		printf("%-24.24s %-12.12s %7s %7s %4s %8s %8s %8s %6s %6s %8s %8s %8s %5s %6s %5s %7s %5s %8s %7s %7s %5s %7s %s\n",
		       m->mountpoint, m->fstype, wr, mb, werr, p50, p99, mx, infl, tmp, num(dirty, sizeof(dirty), m->bdi_dirty_pages), num(lim, sizeof(lim), m->bdi_thresh_pages),
		       num(peak, sizeof(peak), m->peak_dirty_pages), pct, maxr, bind ? bind : "-", thr,
		       pend, oldest, que, srv, insrv, nwr, m->pending_count && !m->req_unknown && m->pending_oldest_ns >= hung_s * 1e9 ? "HUNG?" :
		       m->ops_untracked ? "UNTRK" : "-");
	}
	if (!d->nmounts)
		printf("(no FUSE mounts)\n");
	printf("\n");
	fflush(stdout);
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		/* top's -d/-n, and the -i/-c stat always had */
		FWB_LOOP_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct fwb_snapshot prev, cur, d;
	struct fwb_collector *c;
	/* stat reads no daemon states: diagnose's look stays unloaded */
	struct fwb_opts o = { .share = true, .no_diag_look = true };
	double interval = 1, hung_s = FWB_HUNG_DEFAULT_S;
	long count = -1;
	const struct fwb_loop_args loop = { &interval, &count, &hung_s };
	bool json = false;
	char err[512];
	int ch, rc = 0, r;

	while ((ch = getopt_long(argc, argv, "d:i:n:c:H:js:h", opts, NULL)) != -1) {
		r = fwb_loop_arg("fusewb stat", ch, optarg, &loop, &o);
		if (r < 0)
			return 2;
		if (r)
			continue;
		switch (ch) {
		case 'j': json = true; break;
		case 'h': help(); return 0;
		default: return 2;
		}
	}
	for (int i = optind; i < argc; i++)
		fwb_trim_slashes(argv[i]);

	o.quiet = json;
	if (fwb_collector_open(&c, &o, err, sizeof(err))) {
		fprintf(stderr, "fusewb stat: %s\n", err);
		return 1;
	}
	fwb_install_signals();
	if (fwb_snapshot_take(c, &prev)) {
		fprintf(stderr, "fusewb stat: cannot read /proc/self/mountinfo\n");
		fwb_collector_close(c);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (!fwb_filter_known(&prev, argv[i])) {
			fprintf(stderr, "fusewb stat: '%s' is not a FUSE mount point or fs type "
				"(see /proc/self/mountinfo)\n", argv[i]);
			rc = 1;
		}
	while (!rc && !fwb_stop && count != 0) {
		fwb_sleep(interval);
		if (fwb_stop)
			break;
		if (fwb_snapshot_take(c, &cur))
			break;
		if (!fwb_snapshot_delta(&prev, &cur, &d)) {
			double iv = (cur.mono_ns - prev.mono_ns) / 1e9;

			fwb_snapshot_filter(&d, argv + optind, argc - optind);
			if (json)
				fwb_stat_json(stdout, &d, iv);
			else
				print_text(&d, iv, hung_s);
			fwb_snapshot_free(&d);
		}
		fwb_snapshot_free(&prev);
		prev = cur;
		if (count > 0)
			count--;
	}
	fwb_snapshot_free(&prev);
	fwb_collector_close(c);
	return rc;
}
