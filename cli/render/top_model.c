// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb top's model: one row per mount derived from a delta snapshot,
 * and the sorting, filtering and number formatting every view shares.
 * Pure (no I/O), so tests/unit/top_model.c can pin it down.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "top.h"

const struct top_coldef top_cols[COL_N] = {
	[COL_MOUNT]  = { "MOUNTPOINT", 16, 0, true,  true,  false, "mount point (first one of the connection)" },
	[COL_FSTYPE] = { "FSTYPE",     12, 8, true,  true,  false, "fs type from mountinfo" },
	[COL_DAEMON] = { "DAEMON",     14, 5, true,  true,  false, "pid/comm of the process holding /dev/fuse" },
	[COL_WRS]    = { "WR/s",        5, 1, false, true,  true,  "writeback WRITE requests ended per second" },
	[COL_MBS]    = { "MB/s",        6, 1, false, true,  true,  "writeback MB (1e6 bytes) written per second" },
	[COL_P50]    = { "p50ms",       5, 1, false, true,  true,  "median writeback WRITE latency, ms" },
	[COL_P99]    = { "p99ms",       5, 1, false, true,  true,  "99th percentile writeback WRITE latency, ms" },
	[COL_INFL]   = { "INFL",        5, 4, false, true,  true,  "pages under writeback in WRITE requests not yet answered" },
	[COL_TMP]    = { "TMP",         5, 8, false, true,  true,  "temp pages (the mount's share of NR_WRITEBACK_TEMP) whose WRITE is not done; - without temp pages (6.16+) or a source" },
	[COL_DIRTY]  = { "DIRTY",       5, 2, false, true,  true,  "dirty pages of the mount's bdi" },
	[COL_LIM]    = { "LIM%",        4, 2, false, true,  true,  "dirty+writeback pages as % of the bdi's dirty limit" },
	[COL_PEAK]   = { "PEAK%",       5, 4, false, true,  true,  "most dirty+writeback pages a throttled writer saw in the interval, % of the bdi's limit at that moment; - when none was throttled" },
	[COL_RATIO]  = { "RATIO",       6, 7, false, true,  true,  "bdi's dirty cap, % of the global threshold (max_ratio_fine: also a max_bytes setting), S = strictlimit on" },
	[COL_THR]    = { "THRms",       5, 3, false, true,  true,  "ms/s writers spent throttled in balance_dirty_pages" },
	[COL_PEND]   = { "PEND",        4, 2, false, true,  true,  "requests not answered yet (fusectl waiting if it says more)" },
	[COL_OLDEST] = { "OLDEST",      6, 2, false, true,  true,  "age of the oldest pending request; >N: at least N (sent before start)" },
	[COL_ERR]    = { "WERR",        4, 6, false, true,  true,  "writeback WRITEs that ended with an error" },
	[COL_FLAG]   = { "FLAG",        5, 0, true,  false, false, "HUNG?: oldest pending request older than the threshold; UNTRK: request stats not kept (--tracked-mounts)" },
};

bool top_row_matches(const struct fwb_mount *m, const char *filter)
{
	if (!filter || !*filter)
		return true;
	if (strcasestr(m->mountpoint, filter) || strcasestr(m->fstype, filter))
		return true;
	return m->extra_mountpoints && strcasestr(m->extra_mountpoints, filter);
}

static double per_s(double v, double iv)
{
	return iv > 0 ? v / iv : NAN;
}

/* fusectl's count of requests not yet answered, when it says more than the pending table */
static uint64_t untracked(const struct fwb_mount *m)
{
	return m->waiting > 0 && (uint64_t)m->waiting > m->pending_count ? m->waiting - m->pending_count : 0;
}

static uint64_t ops_ended(const struct fwb_mount *m)
{
	uint64_t n = 0;

	for (int i = 0; i < m->nops; i++)
		n += m->ops[i].count;
	return n;
}

void top_stuck_update(struct top_stuck_tab *t, const struct fwb_snapshot *d)
{
	struct top_stuck *v = d->nmounts ? calloc(d->nmounts, sizeof(*v)) : NULL;
	int n = 0;

	for (int i = 0; v && i < d->nmounts; i++) {
		const struct fwb_mount *m = &d->mounts[i];
		uint64_t since = d->mono_ns;

		if (untracked(m) && !ops_ended(m))
			for (int j = 0; j < t->n; j++)
				if (t->v[j].conn == m->conn)
					since = t->v[j].since_ns;	/* still stuck: keep when it began */
		v[n++] = (struct top_stuck){ .conn = m->conn, .since_ns = since };
	}
	free(t->v);
	t->v = v;
	t->n = n;
}

double top_stuck_s(const struct top_stuck_tab *t, uint32_t conn, uint64_t now_ns)
{
	for (int i = 0; t && i < t->n; i++)
		if (t->v[i].conn == conn)
			return now_ns > t->v[i].since_ns ? (now_ns - t->v[i].since_ns) / 1e9 : 0;
	return 0;
}

void top_stuck_free(struct top_stuck_tab *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void top_hist_update(struct top_hist_tab *t, const struct fwb_snapshot *d, double iv)
{
	struct top_hist *v = d->nmounts ? calloc(d->nmounts, sizeof(*v)) : NULL;

	for (int i = 0; v && i < d->nmounts; i++) {
		const struct top_hist *old = top_hist_find(t, d->mounts[i].conn);
		struct top_hist *h = &v[i];
		struct top_row row, *r = &row;

		/* the table's own numbers: the sparkline ends where the row is */
		top_row_fill(r, &d->mounts[i], iv, 0, 0);
		if (old)
			*h = *old;
		h->conn = d->mounts[i].conn;
		if (h->n == TOP_HIST_N) {	/* full: the oldest goes */
			memmove(h->mbs, h->mbs + 1, sizeof(h->mbs) - sizeof(h->mbs[0]));
			memmove(h->p99_ms, h->p99_ms + 1, sizeof(h->p99_ms) - sizeof(h->p99_ms[0]));
			memmove(h->pending, h->pending + 1, sizeof(h->pending) - sizeof(h->pending[0]));
			h->n--;
		}
		h->mbs[h->n] = r->mb_s;
		h->p99_ms[h->n] = r->p99_ms;
		h->pending[h->n] = r->pending;
		h->n++;
	}
	free(t->v);
	t->v = v;
	t->n = v ? d->nmounts : 0;
}

const struct top_hist *top_hist_find(const struct top_hist_tab *t, uint32_t conn)
{
	for (int i = 0; t && i < t->n; i++)
		if (t->v[i].conn == conn)
			return &t->v[i];
	return NULL;
}

void top_hist_free(struct top_hist_tab *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void top_sparkline(char *buf, size_t len, const float *v, int n, double *max)
{
	static const char ramp[] = " .:-=+*#%@";
	const int top = sizeof(ramp) - 2;
	double mx = 0;
	int o = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i]) && v[i] > mx)
			mx = v[i];
	for (int i = 0; i < n && o + 1 < (int)len; i++) {
		int k = 0;

		if (!isnan(v[i]) && v[i] > 0 && mx > 0) {
			k = (int)lround(v[i] / mx * top);
			if (k < 1)
				k = 1;
		}
		buf[o++] = ramp[k];
	}
	buf[o] = 0;
	*max = mx;
}

void top_row_fill(struct top_row *r, const struct fwb_mount *m, double iv, double hung_s,
		  double stuck_s)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->wr_s = per_s(m->wb_writes, iv);
	r->mb_s = per_s(m->wb_bytes / 1e6, iv);
	r->thr_ms_s = m->throttle_have ? per_s(m->throttle_ns / 1e6, iv) : NAN;
	r->p50_ms = r->p99_ms = NAN;
	if (iv > 0 && m->wb_lat.count) {
		r->p50_ms = fwb_hist_quantile(&m->wb_lat, 0.5) / 1e6;
		r->p99_ms = fwb_hist_quantile(&m->wb_lat, 0.99) / 1e6;
	}
	r->inflight = m->wb_inflight_pages > 0 ? m->wb_inflight_pages : 0;
	r->dirty = m->bdi_dirty_pages;
	r->tmp = !(m->kwb_have & FWB_KWB_TEMP) ? -1 : m->tmp_inflight_pages > 0 ? m->tmp_inflight_pages : 0;
	r->lim_pct = NAN;
	/* balance_dirty_pages compares reclaimable + writeback with the bdi's threshold */
	if (m->bdi_thresh_pages > 0 && m->bdi_dirty_pages >= 0)
		r->lim_pct = 100.0 * (m->bdi_dirty_pages + (m->bdi_writeback_pages > 0 ? m->bdi_writeback_pages : 0)) /
			     m->bdi_thresh_pages;
	r->peak_pct = m->peak_dirty_pages >= 0 && m->peak_limit_pages > 0 ?
		      100.0 * m->peak_dirty_pages / m->peak_limit_pages : NAN;
	r->pending = m->pending_count + untracked(m);
	r->oldest_s = m->pending_count ? m->pending_oldest_ns / 1e9 : 0;
	r->oldest_lb = m->pending_count && m->pending_oldest_min;	/* seeded without create_time */
	if (untracked(m) && stuck_s > r->oldest_s) {
		r->oldest_s = stuck_s;
		r->oldest_lb = true;
	}
	r->errors = m->wb_errors;
	r->hung = r->pending && r->oldest_s >= hung_s;
	r->untracked = m->ops_untracked;
	r->req_unknown = m->ops_untracked || m->req_unknown;
	if (r->req_unknown) {		/* unknown, not 0 */
		r->wr_s = r->mb_s = r->p50_ms = r->p99_ms = NAN;
		r->inflight = -1;
	}
}

int top_rows_build(struct top_rows *r, const struct fwb_snapshot *d, double iv,
		   double hung_s, const char *filter, const struct top_stuck_tab *stuck)
{
	r->n = 0;
	r->v = d->nmounts ? calloc(d->nmounts, sizeof(*r->v)) : NULL;
	if (d->nmounts && !r->v)
		return -1;
	for (int i = 0; i < d->nmounts; i++)
		if (top_row_matches(&d->mounts[i], filter))
			top_row_fill(&r->v[r->n++], &d->mounts[i], iv, hung_s,
				     top_stuck_s(stuck, d->mounts[i].conn, d->mono_ns));
	return 0;
}

void top_rows_free(struct top_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* NAN ("no data") sorts as smaller than every number */
static int cmp_num(double a, double b)
{
	bool na = isnan(a), nb = isnan(b);

	if (na || nb)
		return na == nb ? 0 : na ? -1 : 1;
	return (a > b) - (a < b);
}

static double ratio_key(const struct fwb_mount *m)
{
	double pct = m->max_ratio_fine >= 0 ? m->max_ratio_fine / 1e4 : m->max_ratio;

	/* strictlimit sorts just above the same cap without it */
	return pct < 0 ? NAN : pct + (m->strict_limit > 0 ? 1e-7 : 0);
}

static int cmp_col(const struct top_row *a, const struct top_row *b, enum top_col c)
{
	switch (c) {
	case COL_MOUNT: return strcmp(a->m->mountpoint, b->m->mountpoint);
	case COL_FSTYPE: return strcmp(a->m->fstype, b->m->fstype);
	case COL_DAEMON:
		return cmp_num(a->m->ndaemons ? a->m->daemons[0].tgid : -1,
			       b->m->ndaemons ? b->m->daemons[0].tgid : -1);
	case COL_WRS: return cmp_num(a->wr_s, b->wr_s);
	case COL_MBS: return cmp_num(a->mb_s, b->mb_s);
	case COL_P50: return cmp_num(a->p50_ms, b->p50_ms);
	case COL_P99: return cmp_num(a->p99_ms, b->p99_ms);
	case COL_INFL: return cmp_num(a->inflight, b->inflight);
	case COL_DIRTY: return cmp_num(a->dirty, b->dirty);
	case COL_TMP: return cmp_num(a->tmp, b->tmp);
	case COL_LIM: return cmp_num(a->lim_pct, b->lim_pct);
	case COL_PEAK: return cmp_num(a->peak_pct, b->peak_pct);
	case COL_RATIO: return cmp_num(ratio_key(a->m), ratio_key(b->m));
	case COL_THR: return cmp_num(a->thr_ms_s, b->thr_ms_s);
	case COL_PEND: return cmp_num(a->pending, b->pending);
	case COL_OLDEST: return cmp_num(a->oldest_s, b->oldest_s);
	case COL_ERR: return cmp_num(a->req_unknown ? NAN : a->errors, b->req_unknown ? NAN : b->errors);
	default: return 0;
	}
}

static struct top_sort sort_by;	/* qsort has no context argument */

static int cmp_rows(const void *x, const void *y)
{
	const struct top_row *a = x, *b = y;
	int r;

	/* a possibly hung mount is what the user came for: never below the fold */
	if (a->hung != b->hung)
		return a->hung ? -1 : 1;
	r = cmp_col(a, b, sort_by.col);
	if (top_cols[sort_by.col].desc != sort_by.reverse)
		r = -r;
	/* equal rows (idle mounts) keep a stable order by mount point */
	return r ? r : strcmp(a->m->mountpoint, b->m->mountpoint);
}

void top_rows_sort(struct top_rows *r, struct top_sort s)
{
	sort_by = s;
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp_rows);
}

int top_rows_find(const struct top_rows *r, uint32_t conn)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].m->conn == conn)
			return i;
	return -1;
}

int top_rows_hung(const struct top_rows *r)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->v[i].hung;
	return n;
}

enum top_col top_sort_step(enum top_col c, int dir)
{
	int i = c;

	do
		i = (i + dir + COL_N) % COL_N;
	while (!top_cols[i].sortable);
	return i;
}

void top_fmt_num(char *buf, size_t len, double v, int decimals, int fit)
{
	static const char suffix[] = " kMGTP";
	int d;

	if (isnan(v) || v < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (!fit) {
		snprintf(buf, len, "%.*f", decimals, v);
		return;
	}
	for (int s = 0; suffix[s]; s++, v /= 1000) {
		/* a suffixed number keeps one decimal only while it is small */
		for (d = s ? 1 : decimals; d >= 0; d--) {
			int n = snprintf(buf, len, "%.*f%.*s", d, v, s ? 1 : 0, &suffix[s]);

			if (n <= fit)
				return;
		}
	}
	snprintf(buf, len, "%.*s", fit, "++++++++");
}

void top_fmt_dur(char *buf, size_t len, double ns)
{
	if (isnan(ns) || ns < 0)
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.*fus", ns < 1e5 ? 1 : 0, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.*fms", ns < 1e8 ? 1 : 0, ns / 1e6);
	else if (ns < 100e9)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (ns < 6000e9)
		snprintf(buf, len, "%.0fm", ns / 60e9);
	else
		snprintf(buf, len, "%.1fh", ns / 3600e9);
}

/*
 * An age: request ages are counted in jiffies, so nothing below a
 * millisecond is known; "<1ms", never "0ns".
 */
void top_fmt_age(char *buf, size_t len, double ns)
{
	if (!isnan(ns) && ns >= 0 && ns < 1e6)
		snprintf(buf, len, "<1ms");
	else
		top_fmt_dur(buf, len, ns);
}

/*
 * A pipe's heading names the unit of every number (doc/fusewbtop.md):
 * OLDESTs in seconds, as fusewb stat prints it; the terminal's OLDEST
 * carries its unit in each cell.
 */
const char *top_batch_name(enum top_col c)
{
	return c == COL_OLDEST ? "OLDESTs" : top_cols[c].name;
}

void top_fmt_bytes(char *buf, size_t len, double b)
{
	static const char units[] = "BKMGTP";
	int u = 0;

	if (isnan(b) || b < 0) {
		snprintf(buf, len, "-");
		return;
	}
	while (b >= 1024 && units[u + 1]) {
		b /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.*f%c", b < 10 ? 2 : b < 100 ? 1 : 0, b, units[u]);
	else
		snprintf(buf, len, "%.0fB", b);
}

void top_escape(char *buf, size_t len, const char *s)
{
	size_t w = 0;

	for (; *s && w + 5 < len; s++) {
		unsigned char ch = *s;

		if (ch <= ' ' || ch == '\\' || ch == 0x7f)
			w += snprintf(buf + w, len - w, "\\%03o", ch);
		else
			buf[w++] = ch;
	}
	buf[w] = 0;
}
