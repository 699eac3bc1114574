// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb top's pure parts (cli/render/top_model.c, top_render.c): number
 * formatting, rows, sorting, filtering, the hung flag (also for requests
 * older than the collector), and the screens at 80 columns and for a pipe.
 * TAP output.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render/top.h"

static int n_test, n_fail;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	n_test++;
	if (!cond)
		n_fail++;
	printf("%sok %d - ", cond ? "" : "not ", n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void is_str(const char *got, const char *want, const char *what)
{
	ok(!strcmp(got, want), "%s: '%s' (want '%s')", what, got, want);
}

static struct fwb_mount mk(const char *mp, const char *fstype, uint32_t conn)
{
	struct fwb_mount m;

	memset(&m, 0, sizeof(m));
	snprintf(m.mountpoint, sizeof(m.mountpoint), "%s", mp);
	snprintf(m.fstype, sizeof(m.fstype), "%s", fstype);
	snprintf(m.bdi, sizeof(m.bdi), "0:%u", conn);
	m.conn = conn;
	m.max_ratio = 1;
	m.max_ratio_fine = 10000;	/* 1 % in ppm */
	m.strict_limit = 1;
	m.cap_pages = m.dirty_thresh_pages = m.peak_dirty_pages = m.peak_limit_pages = -1;
	m.cap_binds = -1;
	m.bdi_dirty_pages = 0;
	m.bdi_writeback_pages = 0;
	m.bdi_thresh_pages = 1000;
	m.waiting = 0;
	m.ndaemons = 1;
	m.daemons[0].tgid = 100 + conn;
	snprintf(m.daemons[0].comm, sizeof(m.daemons[0].comm), "testfs");
	m.daemons[0].state = 'S';
	return m;
}

/* n WRITEs of 1 MB each, all in the log2 slot that holds lat_ns */
static void writes(struct fwb_mount *m, uint64_t n, double lat_ns)
{
	int slot = (int)log2(lat_ns);

	m->wb_writes = n;
	m->wb_bytes = n * 1000000;
	m->wb_pages = n * 245;
	m->wb_lat.slots[slot] = n;
	m->wb_lat.count = n;
	m->wb_lat.sum_ns = n * lat_ns;
	m->wb_lat.max_ns = lat_ns;
}

static void test_format(void)
{
	char b[64];

	top_fmt_num(b, sizeof(b), 63.94, 1, 5);
	is_str(b, "63.9", "num fits");
	top_fmt_num(b, sizeof(b), 12345.6, 1, 5);
	is_str(b, "12346", "num drops decimals to fit");
	top_fmt_num(b, sizeof(b), 123456, 0, 5);
	is_str(b, "123k", "num takes a suffix to fit");
	top_fmt_num(b, sizeof(b), 4.5e9, 0, 4);
	is_str(b, "4.5G", "num: giga");
	top_fmt_num(b, sizeof(b), NAN, 2, 5);
	is_str(b, "-", "num: NAN is -");
	top_fmt_num(b, sizeof(b), -1, 0, 0);
	is_str(b, "-", "num: unknown (-1) is -");
	top_fmt_num(b, sizeof(b), 123456.789, 3, 0);
	is_str(b, "123456.789", "num for a pipe: plain, fixed decimals");
	top_fmt_dur(b, sizeof(b), 850);
	is_str(b, "850ns", "dur ns");
	top_fmt_dur(b, sizeof(b), 12345);
	is_str(b, "12.3us", "dur us");
	top_fmt_dur(b, sizeof(b), 52.4e6);
	is_str(b, "52.4ms", "dur ms");
	top_fmt_dur(b, sizeof(b), 12.34e9);
	is_str(b, "12.3s", "dur s");
	top_fmt_dur(b, sizeof(b), 720e9);
	is_str(b, "12m", "dur minutes");
	top_fmt_bytes(b, sizeof(b), 4096.0 * 6527);
	is_str(b, "25.5M", "bytes");
	top_escape(b, sizeof(b), "/mnt/a b\\c");
	is_str(b, "/mnt/a\\040b\\134c", "escape blanks and backslashes");
}

static void test_rows(void)
{
	struct fwb_mount ms[4];
	struct fwb_snapshot d = { .mounts = ms, .nmounts = 4, .mono_ns = 1000000000000ULL };
	struct top_rows r;
	struct top_sort by_mbs = { .col = COL_MBS };

	ms[0] = mk("/mnt/a", "fuse.sshfs", 40);
	ms[1] = mk("/mnt/b", "fuse.testfs", 41);
	ms[2] = mk("/mnt/c", "fuse.testfs", 42);
	ms[3] = mk("/mnt/d", "fuse.testfs", 43);
	writes(&ms[0], 10, 3e6);	/* 10 MB/s */
	writes(&ms[1], 50, 52e6);	/* 50 MB/s, 52 ms */
	ms[1].bdi_dirty_pages = 300;
	ms[1].bdi_writeback_pages = 200;
	ms[2].pending_count = 1;	/* pending 12 s: possibly hung, no traffic */
	ms[2].pending_oldest_ns = 12000000000ULL;
	ms[0].kwb_have = FWB_KWB_TEMP;	/* a temp-page kernel's source; the others have none */
	ms[0].tmp_inflight_pages = 512;
	ms[1].tmp_inflight_pages = 99;	/* not fed by a source: must not show */
	for (int i = 0; i < 3; i++)
		ms[i].throttle_have = true;	/* ms[3]: the balance_dirty_pages program is not in use */
	ms[1].throttle_ns = 250000000;
	ms[1].peak_dirty_pages = 990;	/* a throttle event saw 99 % of the limit; the others saw none */
	ms[1].peak_limit_pages = 1000;
	for (int i = 0; i < 4; i++)
		if (i != 1)
			ms[i].peak_dirty_pages = ms[i].peak_limit_pages = -1;

	ok(!top_rows_build(&r, &d, 1.0, 10, NULL, NULL) && r.n == 4, "rows for every mount");
	top_rows_sort(&r, by_mbs);
	is_str(r.v[0].m->mountpoint, "/mnt/c", "a possibly hung mount is listed first");
	ok(r.v[0].hung, "12 s old request with threshold 10 s is HUNG?");
	is_str(r.v[1].m->mountpoint, "/mnt/b", "then by MB/s, biggest first");
	is_str(r.v[3].m->mountpoint, "/mnt/d", "idle mounts last");
	ok(fabs(r.v[1].mb_s - 50) < 1e-9, "MB/s = bytes / interval / 1e6 (got %g)", r.v[1].mb_s);
	ok(r.v[1].p50_ms > 33 && r.v[1].p50_ms < 67.2, "p50 inside the 52 ms bucket (got %g)", r.v[1].p50_ms);
	ok(fabs(r.v[1].lim_pct - 50) < 1e-9, "LIM%% = (dirty + writeback) / threshold (got %g)", r.v[1].lim_pct);
	ok(isnan(r.v[3].p50_ms), "no WRITE ended: p50 unknown, not 0");
	ok(fabs(r.v[1].peak_pct - 99) < 1e-9 && isnan(r.v[2].peak_pct),
	   "PEAK%%: the throttle events' peak against their limit (%g), unknown without one", r.v[1].peak_pct);
	ok(fabs(r.v[1].thr_ms_s - 250) < 1e-9 && r.v[2].thr_ms_s == 0 && isnan(r.v[3].thr_ms_s),
	   "THRms: throttled ms/s (%g), 0 when not throttled, unknown without the program (%g)",
	   r.v[1].thr_ms_s, r.v[3].thr_ms_s);
	ok(r.v[2].tmp == 512 && r.v[1].tmp == -1, "TMP: temp pages where a source feeds them (%lld), else unknown (%lld)",
	   (long long)r.v[2].tmp, (long long)r.v[1].tmp);

	top_rows_sort(&r, (struct top_sort){ .col = COL_MBS, .reverse = true });
	is_str(r.v[1].m->mountpoint, "/mnt/d", "reversed: smallest first (hung still first)");
	top_rows_sort(&r, (struct top_sort){ .col = COL_MOUNT });
	is_str(r.v[1].m->mountpoint, "/mnt/a", "by mount point: ascending");
	ok(top_rows_find(&r, 41) >= 0 && top_rows_hung(&r) == 1, "find by connection, count hung");
	top_rows_free(&r);

	top_rows_build(&r, &d, 1.0, 10, "SSHFS", NULL);
	ok(r.n == 1 && r.v[0].m->conn == 40, "filter: case-insensitive fs type substring");
	top_rows_free(&r);
	top_rows_build(&r, &d, 1.0, 10, "/mnt/", NULL);
	ok(r.n == 4, "filter: mount point substring");
	top_rows_free(&r);
	top_rows_build(&r, &d, 1.0, 20, NULL, NULL);
	ok(!top_rows_hung(&r), "threshold 20 s: 12 s is not hung");
	top_rows_free(&r);
	top_rows_build(&r, &d, 0, 10, NULL, NULL);
	ok(isnan(r.v[0].mb_s) && isnan(r.v[0].wr_s), "before the first interval: rates unknown");
	top_rows_free(&r);

	ok(top_sort_step(COL_ERR, 1) == COL_MOUNT, "sort step skips FLAG, wraps");
	ok(top_sort_step(COL_MOUNT, -1) == COL_ERR, "sort step backwards wraps");
}

/* The detail view's history: a sample per refresh, 60 kept, sparklines scaled to the largest. */
static void test_history(void)
{
	struct fwb_mount m[2] = { mk("/mnt/a", "fuse.testfs", 70), mk("/mnt/b", "fuse.testfs", 71) };
	struct fwb_snapshot d = { .mounts = m, .nmounts = 2 };
	struct top_hist_tab tab = { 0 };
	const struct top_hist *h;
	float v[] = { 0, 1, 5, 10, NAN, 0.01f };
	char spark[16];
	double max;

	top_sparkline(spark, sizeof(spark), v, 6, &max);
	is_str(spark, " .+@ .", "sparkline: 0 blank, half '+', the largest '@', a tiny value '.', unknown blank");
	ok(fabs((double)(max) - (10)) <= 1e-9, "sparkline: its largest");
	top_sparkline(spark, 4, v, 6, &max);
	ok(strlen(spark) == 3, "sparkline: cut to the buffer (%s)", spark);

	for (int i = 1; i <= 70; i++) {
		m[0].wb_bytes = i * 1000000ULL;	/* i MB in a 1 s interval */
		m[0].pending_count = i % 3;
		top_hist_update(&tab, &d, 1);
	}
	h = top_hist_find(&tab, 70);
	ok(h && h->n == TOP_HIST_N, "60 samples kept of 70 refreshes");
	ok(fabs((double)(h ? h->mbs[TOP_HIST_N - 1] : -1) - (70)) <= 1e-4, "the newest last: the table's MB/s");
	ok(fabs((double)(h ? h->mbs[0] : -1) - (11)) <= 1e-4, "the oldest kept is the 11th");
	ok(fabs((double)(h ? h->pending[TOP_HIST_N - 1] : -1) - (70 % 3)) <= 1e-9, "pending as the table counts it");
	ok(h && isnan(h->p99_ms[0]), "p99 of an interval without WRITEs: unknown, not 0");
	d.nmounts = 1;
	top_hist_update(&tab, &d, 1);
	ok(!top_hist_find(&tab, 71) && top_hist_find(&tab, 70), "a mount that went away is forgotten");
	top_hist_free(&tab);
}

static void test_stuck(void)
{
	struct fwb_mount m = mk("/mnt/s", "fuse.testfs", 50);
	struct fwb_snapshot d = { .mounts = &m, .nmounts = 1 };
	struct top_stuck_tab tab = { 0 };
	struct fwb_op op = { .opcode = 3, .count = 0 };
	struct top_rows r;
	uint64_t t0 = 5000000000000ULL;

	m.waiting = 2;		/* two requests sent before we started, none tracked */
	m.ops = &op;
	m.nops = 1;
	for (int s = 0; s <= 11; s++) {
		d.mono_ns = t0 + s * 1000000000ULL;
		top_stuck_update(&tab, &d);
	}
	top_rows_build(&r, &d, 1, 10, NULL, &tab);
	ok(r.v[0].hung && r.v[0].oldest_lb && r.v[0].oldest_s >= 11 && r.v[0].pending == 2,
	   "waiting requests older than the collector, none ending for 11 s: HUNG? with a lower bound");
	top_rows_free(&r);

	op.count = 3;		/* the daemon answers again */
	d.mono_ns += 1000000000ULL;
	top_stuck_update(&tab, &d);
	top_rows_build(&r, &d, 1, 10, NULL, &tab);
	ok(!r.v[0].hung, "a request ended: no longer stuck");
	top_rows_free(&r);

	op.count = 0;
	m.pending_count = 2;	/* all waiting requests are tracked: their ages speak */
	m.pending_oldest_ns = 3000000000ULL;
	for (int s = 0; s < 20; s++) {
		d.mono_ns += 1000000000ULL;
		top_stuck_update(&tab, &d);
	}
	top_rows_build(&r, &d, 1, 10, NULL, &tab);
	ok(!r.v[0].hung && !r.v[0].oldest_lb && fabs(r.v[0].oldest_s - 3) < 1e-9,
	   "tracked requests: the oldest one's real age, no lower bound");
	top_rows_free(&r);
	top_stuck_free(&tab);
}

static const char *fake_comm(uint32_t pid, void *arg)
{
	(void)arg;
	return pid == 4242 ? "kworker/u8:1" : NULL;
}

static int count_fields(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s != ' ' && (s[1] == ' ' || !s[1]))
			n++;
	return n;
}

static void test_screens(void)
{
	struct fwb_mount ms[3];
	struct fwb_snapshot d = { .mounts = ms, .nmounts = 3, .wall = 0 };
	struct fwb_pending_req pend = { .age_ns = 12500000000ULL, .opcode = 16 | FWB_OP_WRITEBACK,
					.pid = 4242, .pages = 256 };
	struct top_rows r;
	struct top_screen s = { 0 };
	struct top_view_in in = {
		.d = &d, .cum = &d, .rows = &r, .iv = 1, .interval = 1, .hung_s = 10,
		.kernel = "6.18.0-test", .sources = "tp_btf:fuse_request_send tp_btf:fuse_request_end "
		"tp_btf:writeback_dirty_folio tp_btf:folio_wait_writeback "
		"tracepoint:writeback/balance_dirty_pages iter:task_file",
		.sort = { .col = COL_MBS }, .selected = 0, .comm_of = fake_comm,
	};
	bool shown[COL_N];
	int w[COL_N], total = 0, longest = 0, hung_line = -1;

	ms[0] = mk("/tmp/fwbdemo.ABCDEF/fast", "fuse.testfs", 60);
	ms[1] = mk("/tmp/fwbdemo.ABCDEF/slow", "fuse.testfs", 61);
	ms[2] = mk("/srv/with space/mnt", "fuse.sshfs", 62);
	writes(&ms[0], 1234, 3e6);
	writes(&ms[1], 19, 52e6);
	ms[1].pending = &pend;
	ms[1].npending = 1;
	ms[1].pending_count = 1;
	ms[1].pending_oldest_ns = pend.age_ns;
	ms[1].bdi_dirty_pages = 11000;
	/* capped at 4 MiB through max_bytes: max_ratio reads 0, the kernel keeps 882 ppm */
	ms[1].max_ratio = 0;
	ms[1].max_ratio_fine = 882;
	ms[1].dirty_thresh_pages = 1178847;
	ms[1].cap_pages = 1039;
	ms[1].bdi_thresh_pages = 1039;
	ms[1].cap_binds = 1;
	top_rows_build(&r, &d, 1, 10, NULL, NULL);
	top_rows_sort(&r, in.sort);

	top_layout(&r, 80, shown, w);
	for (int c = 0; c < COL_N; c++)
		if (shown[c])
			total += w[c] + (c ? 1 : 0);
	ok(total <= 80, "80 columns: the table fits (%d)", total);
	ok(shown[COL_MOUNT] && shown[COL_WRS] && shown[COL_MBS] && shown[COL_P50] && shown[COL_P99] &&
	   shown[COL_DIRTY] && shown[COL_LIM] && shown[COL_PEND] && shown[COL_OLDEST] && shown[COL_FLAG],
	   "80 columns: the columns that matter are all there");
	ok(w[COL_MOUNT] >= 16, "80 columns: mount point gets >= 16 (%d)", w[COL_MOUNT]);

	top_layout(&r, 24, shown, w);
	ok(shown[COL_FLAG] && shown[COL_MOUNT], "24 columns: mount point and FLAG are still there");

	/* narrowing one column at a time drops columns exactly in top_drop_order's order */
	{
		char order[256], got[256] = "", doc[512] = "", line[512];
		bool was[COL_N], prefix = true;
		FILE *f;

		top_drop_order(order, sizeof(order));
		top_layout(&r, 400, was, w);
		for (int width = 399; width >= 20; width--) {
			top_layout(&r, width, shown, w);
			for (int c = 0; c < COL_N; c++) {
				if (was[c] && !shown[c])
					snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
						 got[0] ? ", " : "", top_cols[c].name);
				prefix &= !(!was[c] && shown[c]);	/* a dropped column never comes back */
				was[c] = shown[c];
			}
		}
		ok(prefix, "narrowing never brings a dropped column back");
		ok(!strncmp(order, got, strlen(got)) && strlen(got) > 20,
		   "columns go in the documented order: %s", got);
		f = fopen("doc/fusewbtop.md", "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "drop order: ", 12))
				snprintf(doc, sizeof(doc), "%.*s", (int)strcspn(line + 12, "\n"), line + 12);
		if (f)
			fclose(f);
		is_str(doc, order, "doc/fusewbtop.md lists the drop order the layout follows");
	}

	top_render_list(&s, &in, 80);
	for (int i = 0; i < s.head.n; i++)
		if ((int)strlen(s.head.v[i].text) > longest)
			longest = strlen(s.head.v[i].text);
	for (int i = 0; i < s.body.n; i++) {
		if ((int)strlen(s.body.v[i].text) > longest)
			longest = strlen(s.body.v[i].text);
		if (strstr(s.body.v[i].text, "HUNG?"))
			hung_line = i;
	}
	ok(longest <= 80, "80 columns: no line is longer (%d)", longest);
	ok(s.head.n + s.body.n + 1 <= 24, "3 mounts fit in 24 lines");
	ok(hung_line == 0 && s.body.v[0].attr == TA_HUNG_SELECTED && strstr(s.body.v[0].text, "slow"),
	   "the hung mount: first, marked HUNG?, highlighted (selected)");
	ok(strstr(s.body.v[1].text, "1234.0") && strstr(s.body.v[1].text, "1234"),
	   "the fast mount's WR/s and MB/s are whole at 80 columns: %s", s.body.v[1].text);
	ok(strstr(s.head.v[1].text, "+") != NULL && strlen(s.head.v[1].text) <= 80,
	   "sources line cut with a '+N more': %s", s.head.v[1].text);
	ok(s.head.v[s.head.n - 1].span_len > 0 &&
	   !strncmp(s.head.v[s.head.n - 1].text + s.head.v[s.head.n - 1].span_start, "  MB/s", 6),
	   "the sort column's heading is marked");

	top_render_list(&s, &in, 0);
	{
		int nf = count_fields(s.head.v[s.head.n - 1].text);
		bool same = true;

		for (int i = 0; i < s.body.n; i++)
			same &= count_fields(s.body.v[i].text) == nf;
		ok(nf == COL_N && same, "pipe: every column, every row has %d fields (spaces escaped)", nf);
		ok(strstr(s.body.v[2].text, "/srv/with\\040space/mnt") != NULL, "pipe: mount point escaped");
		ok(strstr(s.body.v[0].text, " 12.500 ") != NULL, "pipe: OLDEST in plain seconds: %s", s.body.v[0].text);
		ok(strstr(s.body.v[0].text, " 0.088S ") && strstr(s.body.v[1].text, " 1S "),
		   "pipe: RATIO is max_ratio_fine in %% (0.088S, not 0S; 1S): %s", s.body.v[0].text);
	}

	{
		static struct top_hist_tab tab;

		for (int i = 0; i < 70; i++)
			top_hist_update(&tab, &d, 1);
		in.hist = &tab;
	}
	top_render_detail(&s, &in, &ms[1], 80);
	{
		bool bar = false, pend_ok = false, fits = true, cap = false, knobs = false, hist = false;

		for (int i = 0; i < s.body.n; i++) {
			const char *t = s.body.v[i].text;

			fits &= strlen(t) <= 80;
			bar |= s.body.v[i].attr == TA_BAR && strstr(t, "33.6ms-67.1ms") && strstr(t, "####");
			pend_ok |= strstr(t, "WRITE(writeback)") && strstr(t, "12.5s") && strstr(t, "kworker/u8:1");
			knobs |= strstr(t, "max_ratio 0.088% (max_ratio_fine 882)") != NULL;
			cap |= strstr(t, "limit set by the cap: 1039 pages of the global 1178847") != NULL;
			hist |= !strncmp(t, "  p99       |", 13) && strstr(t, "now 52.0ms  max 52.0ms") != NULL;
		}
		ok(hist, "detail: a p99 sparkline ending at the table's p99, within 80 columns");
		ok(knobs, "detail: the precise max_ratio and max_ratio_fine");
		ok(cap, "detail: the cap sets the limit");
		ok(bar, "detail: latency histogram bar in the 52 ms bucket");
		ok(pend_ok, "detail: pending request with age and the requesting task's name");
		ok(fits, "detail: fits 80 columns");
	}
	top_render_help(&s, &in, 80);
	ok(s.body.n > 10, "help renders");
	{
		char all[8192] = "", *p;
		bool fits = true, sources = false;

		/* every word of every column's help is on some line: wrapped, not cut */
		for (int i = 0; i < s.body.n; i++) {
			fits &= strlen(s.body.v[i].text) <= 80;
			sources |= !strcmp(s.body.v[i].text, "Data sources in use");
			p = s.body.v[i].text + strspn(s.body.v[i].text, " ");
			if (!strncmp(s.body.v[i].text, "  ", 2) && strlen(s.body.v[i].text) > 13)
				p = s.body.v[i].text + 13;
			snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s ", p);
		}
		ok(fits, "help: every line fits 80 columns");
		ok(strstr(all, top_cols[COL_TMP].help) != NULL, "help: TMP's whole text, wrapped");
		ok(sources, "help: the data sources are listed (the screen scrolls to them)");
		ok(s.body.n > 24, "help: longer than a 24-line terminal (%d lines): it must scroll", s.body.n);
	}
	top_screen_free(&s);
	top_rows_free(&r);
}

/* A mount the request table could not hold: its numbers are '-', flagged UNTRK, never 0 */
static void test_untracked(void)
{
	struct fwb_mount ms[2];
	struct fwb_snapshot d = { .mounts = ms, .nmounts = 2 };
	struct top_rows r;
	struct top_screen s = { 0 };
	struct top_view_in in = { .d = &d, .cum = &d, .rows = &r, .iv = 1, .interval = 1, .hung_s = 10,
				  .kernel = "6.18.0-test", .sources = "", .sort = { .col = COL_MBS },
				  .selected = 0, .comm_of = fake_comm };
	const char *line = NULL;
	char copy[512], *f[COL_N + 1], *save = NULL;
	int nf = 0;
	bool detail = false, head = false;

	ms[0] = mk("/mnt/tracked", "fuse.testfs", 70);
	ms[1] = mk("/mnt/late", "fuse.testfs", 71);
	writes(&ms[0], 5, 3e6);
	ms[1].ops_untracked = true;
	top_rows_build(&r, &d, 1, 10, NULL, NULL);
	top_rows_sort(&r, in.sort);
	ok(r.v[1].untracked && isnan(r.v[1].wr_s) && isnan(r.v[1].mb_s) && isnan(r.v[1].p50_ms) &&
	   r.v[1].inflight < 0, "untracked: WR/s, MB/s, p50 and INFL are unknown, not 0");
	top_render_list(&s, &in, 0);
	for (int i = 0; i < s.body.n; i++)
		if (strstr(s.body.v[i].text, "/mnt/late"))
			line = s.body.v[i].text;
	snprintf(copy, sizeof(copy), "%s", line ? line : "");
	for (char *t = strtok_r(copy, " ", &save); t && nf <= COL_N; t = strtok_r(NULL, " ", &save))
		f[nf++] = t;
	ok(nf == COL_N && !strcmp(f[COL_FLAG], "UNTRK") && !strcmp(f[COL_WRS], "-") && !strcmp(f[COL_MBS], "-") &&
	   !strcmp(f[COL_P50], "-") && !strcmp(f[COL_P99], "-") && !strcmp(f[COL_INFL], "-") &&
	   !strcmp(f[COL_ERR], "-"), "pipe: flagged UNTRK, WR/s MB/s p50 p99 INFL WERR '-': %s",
	   line ? line : "(none)");
	for (int i = 0; i < s.head.n; i++)
		head |= strstr(s.head.v[i].text, "1 UNTRACKED") != NULL;
	ok(head, "the header counts it");
	top_render_detail(&s, &in, &ms[1], 80);
	for (int i = 0; i < s.body.n; i++)
		detail |= strstr(s.body.v[i].text, "UNTRACKED") != NULL;
	ok(detail, "detail: says the mount is not tracked");
	top_screen_free(&s);
	top_rows_free(&r);

	/* no request source in use: the same '-', and the detail says why, but the mount is not UNTRK */
	ms[1].ops_untracked = false;
	ms[1].req_unknown = true;
	top_rows_build(&r, &d, 1, 10, NULL, NULL);
	ok(!r.v[1].untracked && r.v[1].req_unknown && isnan(r.v[1].wr_s) && isnan(r.v[1].mb_s) &&
	   isnan(r.v[1].p50_ms) && r.v[1].inflight < 0, "no request source: WR/s, MB/s, p50 and INFL unknown, not UNTRK");
	detail = false;
	top_render_detail(&s, &in, &ms[1], 80);
	for (int i = 0; i < s.body.n; i++)
		detail |= strstr(s.body.v[i].text, "NO REQUEST SOURCE") != NULL;
	ok(detail, "detail: says no request source is in use");
	top_screen_free(&s);
	top_rows_free(&r);
}

int main(void)
{
	test_format();
	test_rows();
	test_stuck();
	test_history();
	test_screens();
	test_untracked();
	printf("1..%d\n", n_test);
	return n_fail != 0;
}
