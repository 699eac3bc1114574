// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb top's screens as lines of text with an attribute each.  The same
 * lines go to ncurses (cut to the terminal's width, columns dropped by
 * priority so the ones that matter stay) and to a pipe (every column,
 * numbers in fixed units, nothing cut).  Pure: no terminal, no I/O.
 */
#define _GNU_SOURCE	/* vasprintf */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "top.h"

#define CELL_MAX	48
#define MOUNT_CELL_MAX	(FWB_PATH_MAX * 4 + 1)	/* escaped: 4 bytes per byte at worst */

static struct top_line *add_line(struct top_lines *l, int width, enum top_attr a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct top_line *add_line(struct top_lines *l, int width, enum top_attr a, const char *fmt, ...)
{
	struct top_line *line;
	va_list ap;
	char *text;

	if (l->n == l->cap) {
		struct top_line *n = realloc(l->v, sizeof(*n) * (l->cap = l->cap ? l->cap * 2 : 32));

		if (!n)
			return NULL;
		l->v = n;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return NULL;
	if (width > 0 && (int)strlen(text) > width)
		text[width] = 0;
	line = &l->v[l->n++];
	memset(line, 0, sizeof(*line));
	line->text = text;
	line->attr = a;
	return line;
}

static void blank(struct top_lines *l)
{
	add_line(l, 0, TA_NORMAL, "%s", "");
}

static void lines_free(struct top_lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void top_screen_free(struct top_screen *s)
{
	lines_free(&s->head);
	lines_free(&s->body);
	s->focus = -1;
}

static void screen_init(struct top_screen *s)
{
	top_screen_free(s);
}

/* ---- the header every view shares ---- */

static void vm_line(struct top_lines *l, int width, const struct fwb_vmstat *vm)
{
	long page = sysconf(_SC_PAGESIZE);
	char a[16], b[16], c[16], t[16], bg[16];

	if (!width) {
		/* pages, key=value; -1 (the kernel lacks the counter) as "-" */
		top_fmt_num(a, sizeof(a), vm->nr_dirty, 0, 0);
		top_fmt_num(b, sizeof(b), vm->nr_writeback, 0, 0);
		top_fmt_num(c, sizeof(c), vm->nr_writeback_temp, 0, 0);
		top_fmt_num(t, sizeof(t), vm->dirty_threshold, 0, 0);
		top_fmt_num(bg, sizeof(bg), vm->dirty_background_threshold, 0, 0);
		add_line(l, 0, TA_NORMAL, "vm: nr_dirty=%s nr_writeback=%s nr_writeback_temp=%s "
			 "nr_dirty_threshold=%s nr_dirty_background_threshold=%s (pages)", a, b, c, t, bg);
		return;
	}
	top_fmt_bytes(a, sizeof(a), vm->nr_dirty < 0 ? NAN : (double)vm->nr_dirty * page);
	top_fmt_bytes(b, sizeof(b), vm->nr_writeback < 0 ? NAN : (double)vm->nr_writeback * page);
	/* nr_writeback_temp is gone from kernels whose FUSE no longer copies to temp pages */
	top_fmt_bytes(c, sizeof(c), vm->nr_writeback_temp < 0 ? NAN : (double)vm->nr_writeback_temp * page);
	top_fmt_bytes(t, sizeof(t), vm->dirty_threshold < 0 ? NAN : (double)vm->dirty_threshold * page);
	top_fmt_bytes(bg, sizeof(bg), vm->dirty_background_threshold < 0 ? NAN :
		      (double)vm->dirty_background_threshold * page);
	{
		char line[256];

		/* bytes here, so not vmstat's nr_* names: those are page counts (as in a pipe) */
		snprintf(line, sizeof(line), "vm: dirty %s  writeback %s  writeback_temp %s  "
			 "dirty_thresh %s (bg %s)", a, b, c, t, bg);
		if ((int)strlen(line) > width)
			snprintf(line, sizeof(line), "vm: dirty %s  writeback %s  wb_temp %s  "
				 "thresh %s bg %s", a, b, c, t, bg);
		add_line(l, width, TA_NORMAL, "%s", line);
	}
}

/* Every source if they fit, else as many as fit and how many more (help lists all). */
static void sources_line(struct top_lines *l, const char *src, int width)
{
	char line[512], *copy, *tok, *save = NULL;
	int total = 0, shown = 0;
	size_t off;

	off = snprintf(line, sizeof(line), "sources:");
	if (!width || (int)(off + 1 + strlen(src)) <= width) {
		add_line(l, width, TA_NORMAL, "sources: %s", src);
		return;
	}
	copy = strdup(src);
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save)) {
		total++;
		/* keep room for " +NN more" */
		if (shown == total - 1 && (int)(off + 1 + strlen(tok) + 9) <= width &&
		    off + 1 + strlen(tok) < sizeof(line)) {
			off += snprintf(line + off, sizeof(line) - off, " %s", tok);
			shown++;
		}
	}
	free(copy);
	if (total > shown)
		snprintf(line + off, sizeof(line) - off, " +%d more", total - shown);
	add_line(l, width, TA_NORMAL, "%s", line);
}

static void header(struct top_lines *l, const struct top_view_in *in, int width)
{
	char when[16] = "--:--:--", iv[32];
	time_t t;

	if (in->d) {
		t = (time_t)in->d->wall;
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	}
	snprintf(iv, sizeof(iv), "%g", in->interval);
	add_line(l, width, TA_TITLE, "fusewbtop %s  kernel %s  every %ss%s", when, in->kernel, iv,
		 in->paused ? "  [PAUSED]" : "");
	sources_line(l, in->sources, width);
	if (in->d)
		vm_line(l, width, &in->d->vm);
}

static void shared_header(struct top_screen *s, const struct top_view_in *in, int width)
{
	header(&s->head, in, width);
	s->nshared = s->head.n;
}

/* ---- the mount table ---- */

struct cells {
	char mount[MOUNT_CELL_MAX];
	char c[COL_N][CELL_MAX];
};

static void fit_left(char *dst, size_t len, const char *src, int fit)
{
	int n = strlen(src);

	/* the end of a path tells mounts apart better than its start */
	if (fit > 2 && n > fit)
		snprintf(dst, len, "..%s", src + n - (fit - 2));
	else
		snprintf(dst, len, "%s", src);
}

/* at most fit characters of src (fit 0: as many as dst holds) */
static void copy_cut(char *dst, size_t len, const char *src, int fit)
{
	size_t n = strlen(src);

	if (fit > 0 && n > (size_t)fit)
		n = fit;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void fmt_cell(struct cells *out, const struct top_row *r, enum top_col c, int fit)
{
	const struct fwb_mount *m = r->m;
	char *b = out->c[c], tmp[MOUNT_CELL_MAX], comm[16 * 4 + 1];
	size_t len = CELL_MAX;

	switch (c) {
	case COL_MOUNT:
		if (fit) {
			fit_left(out->mount, sizeof(out->mount), m->mountpoint, fit);
		} else {
			top_escape(out->mount, sizeof(out->mount), m->mountpoint);
		}
		return;
	case COL_FSTYPE:
		top_escape(tmp, sizeof(tmp), m->fstype);
		copy_cut(b, len, tmp, fit);
		return;
	case COL_DAEMON:
		if (!m->ndaemons) {
			snprintf(b, len, "-");
			return;
		}
		top_escape(comm, sizeof(comm), m->daemons[0].comm);
		if (m->ndaemons > 1)
			snprintf(tmp, sizeof(tmp), "%d/%s+%d", m->daemons[0].tgid, comm, m->ndaemons - 1);
		else
			snprintf(tmp, sizeof(tmp), "%d/%s", m->daemons[0].tgid, comm);
		copy_cut(b, len, tmp, fit);
		return;
	case COL_WRS: top_fmt_num(b, len, r->wr_s, 1, fit); return;
	case COL_MBS: top_fmt_num(b, len, r->mb_s, 2, fit); return;
	case COL_P50: top_fmt_num(b, len, r->p50_ms, fit ? 2 : 3, fit); return;
	case COL_P99: top_fmt_num(b, len, r->p99_ms, fit ? 2 : 3, fit); return;
	case COL_INFL: top_fmt_num(b, len, r->inflight, 0, fit); return;
	case COL_DIRTY: top_fmt_num(b, len, r->dirty, 0, fit); return;
	case COL_TMP: top_fmt_num(b, len, r->tmp, 0, fit); return;
	case COL_LIM: top_fmt_num(b, len, r->lim_pct, fit ? 0 : 1, fit); return;
	case COL_PEAK: top_fmt_num(b, len, r->peak_pct, fit ? 0 : 1, fit); return;
	case COL_RATIO:
		fwb_fmt_max_ratio(tmp, sizeof(tmp), m);
		snprintf(b, len, "%s%s", tmp, tmp[0] != '-' && m->strict_limit > 0 ? "S" : "");
		return;
	case COL_THR: top_fmt_num(b, len, r->thr_ms_s, 1, fit); return;
	case COL_PEND: top_fmt_num(b, len, r->pending, 0, fit); return;
	case COL_OLDEST:
		if (!r->pending)
			snprintf(b, len, "-");
		else if (!fit)
			snprintf(b, len, "%.3f", r->oldest_s);	/* OLDESTs, as fusewb stat */
		else if (r->oldest_lb)
			snprintf(b, len, ">%.0fs", r->oldest_s);
		else
			top_fmt_age(b, len, r->oldest_s * 1e9);
		return;
	case COL_ERR: top_fmt_num(b, len, r->req_unknown ? NAN : r->errors, 0, fit); return;
	case COL_FLAG: snprintf(b, len, "%s", r->hung ? "HUNG?" : r->untracked ? "UNTRK" : fit ? "" : "-"); return;
	default: return;
	}
}

/*
 * The order top_layout gives up columns as the terminal narrows: it adds
 * them by prio, then table order, while they fit, so the last added is the
 * first to go.  The help screen and doc/fusewbtop.md print this list.
 */
void top_drop_order(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int p = 9; p >= 1; p--)
		for (int c = COL_N - 1; c >= 0; c--)
			if (top_cols[c].prio == p && c != COL_MOUNT && c != COL_FLAG && off < len)
				off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", top_cols[c].name);
}

void top_layout(const struct top_rows *rows, int width, bool shown[COL_N], int widths[COL_N])
{
	int need = strlen(top_cols[COL_MOUNT].name), used = 0, mount_min;

	for (int i = 0; i < rows->n; i++) {
		int n = strlen(rows->v[i].m->mountpoint);

		if (n > need)
			need = n;
	}
	for (int c = 0; c < COL_N; c++) {
		shown[c] = !width;
		widths[c] = top_cols[c].width;
	}
	if (!width)
		return;
	mount_min = need < top_cols[COL_MOUNT].width ? need : top_cols[COL_MOUNT].width;
	shown[COL_MOUNT] = true;
	/* the HUNG? marker stays on the tiniest terminal, at the mount point's expense */
	shown[COL_FLAG] = true;
	used = widths[COL_FLAG] + 1;
	/*
	 * In a strict order (top_drop_order's, reversed): the first column that
	 * does not fit ends the row, so no narrower column after it slips in
	 * and the documented drop order is what happens.  The rest of the
	 * width goes to the mount point.
	 */
	for (int p = 0; p <= 9; p++)
		for (int c = 0; c < COL_N; c++) {
			if (shown[c] || top_cols[c].prio != p)
				continue;
			if (mount_min + used + widths[c] + 1 > width)
				goto full;
			shown[c] = true;
			used += widths[c] + 1;
		}
full:
	widths[COL_MOUNT] = width - used;
	if (widths[COL_MOUNT] < 4)
		widths[COL_MOUNT] = 4;
	if (widths[COL_MOUNT] > need)
		widths[COL_MOUNT] = need;
}

/* Append one padded cell to a line being built; returns where the cell starts. */
static int put_cell(char *line, size_t len, size_t *off, const char *text, int w, bool left, bool first)
{
	int start;

	if (!first && *off < len - 1)
		line[(*off)++] = ' ';
	start = *off;
	*off += snprintf(line + *off, len - *off, left ? "%-*s" : "%*s", w, text);
	if (*off >= len)
		*off = len - 1;
	return start;
}

static void table(struct top_screen *s, const struct top_view_in *in, int width)
{
	const struct top_rows *rows = in->rows;
	bool shown[COL_N];
	int w[COL_N];
	struct cells *cells = calloc(rows->n ? rows->n : 1, sizeof(*cells));
	size_t linelen = MOUNT_CELL_MAX + COL_N * CELL_MAX + 2;
	char *line = malloc(linelen);
	int sort_start = -1, sort_len = 0;

	if (!cells || !line)
		goto out;
	top_layout(rows, width, shown, w);
	for (int i = 0; i < rows->n; i++)
		for (int c = 0; c < COL_N; c++)
			if (shown[c])
				fmt_cell(&cells[i], &rows->v[i], c, c == COL_MOUNT ? (width ? w[c] : 0) : width ? w[c] : 0);
	if (!width) {
		/* a pipe: every column as wide as its widest cell */
		for (int c = 0; c < COL_N; c++) {
			w[c] = strlen(top_batch_name(c));
			for (int i = 0; i < rows->n; i++) {
				int n = strlen(c == COL_MOUNT ? cells[i].mount : cells[i].c[c]);

				if (n > w[c])
					w[c] = n;
			}
		}
	}
	{
		size_t off = 0;
		bool first = true;

		line[0] = 0;
		for (int c = 0; c < COL_N; c++) {
			int start;

			if (!shown[c])
				continue;
			start = put_cell(line, linelen, &off, width ? top_cols[c].name : top_batch_name(c),
					 w[c], top_cols[c].left, first);
			first = false;
			if (c == (int)in->sort.col) {
				sort_start = start;
				sort_len = w[c];
			}
		}
		/* the heading bar spans the terminal, like top's */
		if (width > 0 && (int)off < width)
			off += snprintf(line + off, linelen - off, "%*s", (int)(width - off), "");
		struct top_line *h = add_line(&s->head, width, TA_HEADING, "%s", line);

		if (h && width && sort_start >= 0) {
			h->span_start = sort_start;
			h->span_len = sort_len;
			h->span_attr = TA_SORTED;
		}
	}
	for (int i = 0; i < rows->n; i++) {
		const struct top_row *r = &rows->v[i];
		size_t off = 0;
		bool first = true, sel = i == in->selected;
		enum top_attr a = r->hung ? (sel ? TA_HUNG_SELECTED : TA_HUNG) : sel ? TA_SELECTED : TA_NORMAL;

		line[0] = 0;
		for (int c = 0; c < COL_N; c++) {
			if (!shown[c])
				continue;
			put_cell(line, linelen, &off, c == COL_MOUNT ? cells[i].mount : cells[i].c[c], w[c],
				 top_cols[c].left, first);
			first = false;
		}
		if (!width)	/* no trailing blanks in a pipe */
			while (off && line[off - 1] == ' ')
				line[--off] = 0;
		else if ((int)off < width)
			snprintf(line + off, linelen - off, "%*s", (int)(width - off), "");
		add_line(&s->body, width, a, "%s", line);
	}
	if (!rows->n)
		add_line(&s->body, width, TA_DIM, "%s", in->filter && *in->filter ?
			 "(no FUSE mount matches the filter)" : "(no FUSE mounts)");
out:
	free(cells);
	free(line);
}

static uint64_t drops_total(const struct fwb_drops *d)
{
	return d->pending_full + d->opstats_full + d->taskstats_full + d->bdistats_full + d->wbreqs_full +
	       d->kwbstats_full;
}

void top_render_list(struct top_screen *s, const struct top_view_in *in, int width)
{
	int nhung = top_rows_hung(in->rows), nuntr = 0;
	char hung[96] = "", drops[160] = "", filt[TOP_FILTER_MAX + 16] = "", ht[16], untr[64] = "";

	screen_init(s);
	shared_header(s, in, width);
	top_fmt_num(ht, sizeof(ht), in->hung_s, in->hung_s < 1 ? 1 : 0, 0);
	if (nhung)
		snprintf(hung, sizeof(hung), "  %d POSSIBLY HUNG (oldest request > %ss)", nhung, ht);
	if (in->d && drops_total(&in->d->drops))
		snprintf(drops, sizeof(drops), "  DROPS pending %llu ops %llu tasks %llu bdis %llu temp %llu tconns %llu",
			 (unsigned long long)in->d->drops.pending_full,
			 (unsigned long long)in->d->drops.opstats_full,
			 (unsigned long long)in->d->drops.taskstats_full,
			 (unsigned long long)in->d->drops.bdistats_full,
			 (unsigned long long)in->d->drops.wbreqs_full,
			 (unsigned long long)in->d->drops.kwbstats_full);
	if (in->filter && *in->filter)
		snprintf(filt, sizeof(filt), "  filter '%s'", in->filter);
	for (int i = 0; i < in->rows->n; i++)
		nuntr += in->rows->v[i].untracked;
	if (nuntr)
		snprintf(untr, sizeof(untr), "  %d UNTRACKED (table full)", nuntr);
	add_line(&s->head, width, nhung || *drops || nuntr ? TA_WARN : TA_NORMAL,
		 "%d FUSE mount%s%s%s  sort %s%s%s%s", in->rows->n, in->rows->n == 1 ? "" : "s", hung, untr,
		 top_cols[in->sort.col].name,
		 top_cols[in->sort.col].desc != in->sort.reverse ? " (desc)" : " (asc)", filt, drops);
	table(s, in, width);
	s->focus = in->selected;
}

/* ---- the detail view of one mount ---- */

static const struct fwb_mount *find_mount(const struct fwb_snapshot *s, uint32_t conn)
{
	for (int i = 0; s && i < s->nmounts; i++)
		if (s->mounts[i].conn == conn)
			return &s->mounts[i];
	return NULL;
}

static void knob(char *b, size_t len, const char *name, long long v, const char *unit)
{
	if (v < 0)
		snprintf(b, len, "%s -", name);
	else
		snprintf(b, len, "%s %lld%s", name, v, unit);
}

static void hist_bars(struct top_lines *l, int width, const struct fwb_hist *h)
{
	int lo = -1, hi = -1, barw;
	uint64_t max = 0;

	for (int i = 0; i < FWB_HIST_SLOTS; i++)
		if (h->slots[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
			if (h->slots[i] > max)
				max = h->slots[i];
		}
	if (lo < 0) {
		add_line(l, width, TA_DIM, "  (no writeback WRITE ended)");
		return;
	}
	/* "  16.8ms-33.6ms |####   | 12345" */
	barw = width ? width - 2 - 15 - 2 - 9 : 40;
	if (barw < 5)
		barw = 5;
	for (int i = lo; i <= hi; i++) {
		char a[16], b[16], bar[256];
		int n = (int)((double)h->slots[i] * barw / max + 0.5);

		if (barw > (int)sizeof(bar) - 1)
			barw = sizeof(bar) - 1;
		if (!n && h->slots[i])
			n = 1;
		memset(bar, '#', n);
		memset(bar + n, ' ', barw - n);
		bar[barw] = 0;
		top_fmt_dur(a, sizeof(a), i ? fwb_hist_slot_upper_ns(i - 1) : 0);
		top_fmt_dur(b, sizeof(b), fwb_hist_slot_upper_ns(i));
		add_line(l, width, TA_BAR, "  %6s-%-7s |%s| %8llu", a, b, bar, (unsigned long long)h->slots[i]);
	}
}

static int cmp_ops(const void *x, const void *y)
{
	const struct fwb_op *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return (a->opcode > b->opcode) - (a->opcode < b->opcode);
}

static void ops_table(struct top_lines *l, int width, const struct fwb_mount *m, double iv)
{
	struct fwb_op *ops = m->nops ? malloc(sizeof(*ops) * m->nops) : NULL;
	uint64_t count = 0, timed = 0;

	add_line(l, width, TA_HEADING, "  %-18s %9s %8s %6s %8s %8s %8s %8s", "OPCODE", "COUNT", "RATE/s", "ERR",
		 "p50ms", "p99ms", "QUEms", "SRVms");
	if (!m->nops || !ops) {
		add_line(l, width, TA_DIM, "  (no requests seen)");
		free(ops);
		return;
	}
	memcpy(ops, m->ops, sizeof(*ops) * m->nops);
	qsort(ops, m->nops, sizeof(*ops), cmp_ops);
	for (int i = 0; i < m->nops; i++) {
		const struct fwb_op *o = &ops[i];
		char rate[16], p50[16], p99[16], que[16], srv[16];
		bool split = m->split_have && o->split.count;

		if (!(o->opcode & FWB_OP_WRITEBACK)) {
			count += o->count;
			timed += o->lat.count;
		}

		top_fmt_num(rate, sizeof(rate), iv > 0 ? o->count / iv : NAN, 1, 8);
		top_fmt_num(p50, sizeof(p50), o->lat.count ? fwb_hist_quantile(&o->lat, 0.5) / 1e6 : NAN, 2, 8);
		top_fmt_num(p99, sizeof(p99), o->lat.count ? fwb_hist_quantile(&o->lat, 0.99) / 1e6 : NAN, 2, 8);
		/* mean time queued for the daemon and in it: '-' where the kernel does not say */
		top_fmt_num(que, sizeof(que), split ? o->split.queue_sum_ns / 1e6 / o->split.count : NAN, 2, 8);
		top_fmt_num(srv, sizeof(srv), split ? o->split.serve_sum_ns / 1e6 / o->split.count : NAN, 2, 8);
		add_line(l, width, TA_NORMAL, "  %-18s %9llu %8s %6llu %8s %8s %8s %8s", fwb_opcode_name(o->opcode),
			 (unsigned long long)o->count, rate, (unsigned long long)o->errors, p50, p99, que, srv);
	}
	free(ops);
	/* the clock is read for a sample of them only (FUSEWB_TIME_EVERY): say so where it was */
	if (timed < count)
		add_line(l, width, TA_DIM, "  p50/p99 of a sample: %llu of these %llu requests timed (writeback WRITEs: all)",
			 (unsigned long long)timed, (unsigned long long)count);
}

static void pending_table(struct top_lines *l, int width, const struct top_view_in *in,
			  const struct fwb_mount *m, double hung_s)
{
	add_line(l, width, TA_HEADING, "  %-18s %8s %-7s %8s %-16s %6s %s", "OPCODE", "AGE", "STATE", "PID",
		 "COMM", "PAGES", "NODEID");
	if (!m->npending) {
		add_line(l, width, TA_DIM, "  (none)");
		return;
	}
	for (int i = 0; i < m->npending; i++) {
		const struct fwb_pending_req *p = &m->pending[i];
		const char *comm = in->comm_of ? in->comm_of(p->pid, in->comm_arg) : NULL;
		char age[16], esc[80];

		top_fmt_age(age, sizeof(age), p->age_ns);
		top_escape(esc, sizeof(esc), comm ? comm : "?");
		/* queued for the daemon, or read by it and in service; '-' where the kernel does not say */
		add_line(l, width, p->age_ns >= hung_s * 1e9 ? TA_HUNG : TA_NORMAL,
			 "  %-18s %8s %-7s %8u %-16s %6u %llu", fwb_opcode_name(p->opcode), age,
			 p->in_service < 0 ? "-" : p->in_service ? "serving" : "queued", p->pid, esc,
			 p->pages, (unsigned long long)p->nodeid);
	}
	if ((uint64_t)m->npending < m->pending_count)
		add_line(l, width, TA_DIM, "  ... %llu more", (unsigned long long)(m->pending_count - m->npending));
}

static uint64_t task_val(const struct fwb_task *t, bool waits)
{
	return waits ? t->wbwaits : t->dirtied;
}

static int cmp_dirtied(const void *x, const void *y)
{
	const struct fwb_task *a = x, *b = y;

	return (a->dirtied < b->dirtied) - (a->dirtied > b->dirtied);
}

static int cmp_waits(const void *x, const void *y)
{
	const struct fwb_task *a = x, *b = y;

	return (a->wbwaits < b->wbwaits) - (a->wbwaits > b->wbwaits);
}

static void task_table(struct top_lines *l, int width, const struct fwb_mount *m, double iv, bool waits)
{
	struct fwb_task *t = m->ntasks ? malloc(sizeof(*t) * m->ntasks) : NULL;
	int shown = 0;

	add_line(l, width, TA_HEADING, "  %8s %-16s %10s %12s", "PID", "COMM", waits ? "WAITS/s" : "PAGES/s",
		 waits ? "WAITS" : "PAGES");
	if (t) {
		memcpy(t, m->tasks, sizeof(*t) * m->ntasks);
		qsort(t, m->ntasks, sizeof(*t), waits ? cmp_waits : cmp_dirtied);
		for (int i = 0; i < m->ntasks && shown < 8; i++) {
			char rate[16], esc[80];

			if (!task_val(&t[i], waits))
				break;
			top_fmt_num(rate, sizeof(rate), iv > 0 ? task_val(&t[i], waits) / iv : NAN, 1, 10);
			top_escape(esc, sizeof(esc), t[i].comm);
			add_line(l, width, TA_NORMAL, "  %8u %-16s %10s %12llu", t[i].tgid, esc, rate,
				 (unsigned long long)task_val(&t[i], waits));
			shown++;
		}
	}
	if (!shown)
		add_line(l, width, TA_DIM, "  (none)");
	free(t);
}

static int cmp_nowrite(const void *x, const void *y)
{
	const struct fwb_task *a = x, *b = y;

	return (a->nowrite_wait_ns < b->nowrite_wait_ns) - (a->nowrite_wait_ns > b->nowrite_wait_ns);
}

/* who waited for all of an inode's WRITEs (fsync, flush, truncate, direct I/O), longest first */
static void nowrite_table(struct top_lines *l, int width, const struct fwb_mount *m)
{
	struct fwb_task *t = m->ntasks ? malloc(sizeof(*t) * m->ntasks) : NULL;
	int shown = 0;

	add_line(l, width, TA_HEADING, "  %8s %-16s %10s %12s", "PID", "COMM", "WAITS", "WAITED");
	if (t) {
		memcpy(t, m->tasks, sizeof(*t) * m->ntasks);
		qsort(t, m->ntasks, sizeof(*t), cmp_nowrite);
		for (int i = 0; i < m->ntasks && shown < 8 && t[i].nowrite_waits; i++, shown++) {
			char esc[80], w[16];

			top_escape(esc, sizeof(esc), t[i].comm);
			top_fmt_dur(w, sizeof(w), t[i].nowrite_wait_ns);
			add_line(l, width, TA_NORMAL, "  %8u %-16s %10llu %12s", t[i].tgid, esc,
				 (unsigned long long)t[i].nowrite_waits, w);
		}
	}
	if (!shown)
		add_line(l, width, TA_DIM, "  (none)");
	free(t);
}

/* "NAME: N waits, X in all, longest Y" */
static void wait_line(struct top_lines *l, int width, const char *name, uint64_t n, uint64_t ns, uint64_t max_ns)
{
	char a[16], b[16];

	top_fmt_dur(a, sizeof(a), n ? (double)ns : NAN);
	top_fmt_dur(b, sizeof(b), n ? (double)max_ns : NAN);
	add_line(l, width, TA_NORMAL, "  %s: %llu waits, %s in all, longest %s", name, (unsigned long long)n, a, b);
}

/* The last refreshes of MB/s, p99 and pending as sparklines, newest right. */
static void history_lines(struct top_lines *l, int width, const struct top_view_in *in, uint32_t conn)
{
	const struct top_hist *h = top_hist_find(in->hist, conn);
	const int label = 12, tail = 30;	/* "  pending   " ... "  now 123.45  max 123.45" */
	int k;

	if (!h || !h->n)
		return;
	k = width ? width - label - tail : h->n;
	if (k > h->n)
		k = h->n;
	if (k < 1 || (width && width - label - tail < 8))
		return;		/* too narrow to say anything */
	blank(l);
	add_line(l, width, TA_TITLE, "History (last %d refreshes, every %gs; newest right)", k, in->interval);
	{
		/* decimals -1: a latency in ms, shown as a duration */
		const struct { const char *name; const float *v; int decimals; } series[] = {
			{ "MB/s", h->mbs, 2 },
			{ "p99", h->p99_ms, -1 },
			{ "pending", h->pending, 0 },
		};

		for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
			const float *v = series[i].v + (h->n - k);
			char spark[TOP_HIST_N + 1], now[16], mx[16];
			double max;

			top_sparkline(spark, sizeof(spark), v, k, &max);
			if (series[i].decimals < 0) {
				top_fmt_dur(now, sizeof(now), isnan(v[k - 1]) ? NAN : v[k - 1] * 1e6);
				top_fmt_dur(mx, sizeof(mx), max > 0 ? max * 1e6 : NAN);
			} else {
				top_fmt_num(now, sizeof(now), v[k - 1], series[i].decimals, 0);
				top_fmt_num(mx, sizeof(mx), max, series[i].decimals, 0);
			}
			add_line(l, width, TA_NORMAL, "  %-9s |%s|  now %s  max %s", series[i].name, spark, now, mx);
		}
	}
}

void top_render_detail(struct top_screen *s, const struct top_view_in *in,
		       const struct fwb_mount *dm, int width)
{
	const struct fwb_mount *m = dm;
	double iv = in->iv;
	char a[64], b[64], c[64], d[64], e[64], mp[MOUNT_CELL_MAX];
	const char *span = in->cumulative ? "since start" : "this interval";
	struct top_row r;

	screen_init(s);
	shared_header(s, in, width);
	if (!dm) {
		add_line(&s->head, width, TA_WARN, "the mount is gone");
		return;
	}
	if (in->cumulative) {
		m = find_mount(in->cum, dm->conn);
		if (!m)
			m = dm;
		iv = 0;		/* rates make no sense over "since start" */
	}
	top_escape(mp, sizeof(mp), dm->mountpoint);
	add_line(&s->head, width, TA_TITLE, "%s  %s  source %s  conn %u  bdi %s", mp, dm->fstype,
		 dm->source, dm->conn, dm->bdi);
	if (dm->extra_mountpoints) {
		char *x = strdup(dm->extra_mountpoints);

		for (char *p = x; p && *p; p++)
			if (*p == '\n')
				*p = ' ';
		add_line(&s->body, width, TA_NORMAL, "also mounted at: %s", x ? x : "");
		free(x);
	}
	{
		char dl[256] = "", stl[320] = "";
		size_t off = 0;
		bool hang = false;

		for (int i = 0; i < dm->ndaemons && off < sizeof(dl); i++)
			off += snprintf(dl + off, sizeof(dl) - off, "%s%d %s (%c)", i ? ", " : "",
					dm->daemons[i].tgid, dm->daemons[i].comm, dm->daemons[i].state);
		/*
		 * the state fusewb diagnose and the exporter give, on the same line
		 * (the view keeps its length): a stall behind the daemon is not a dead one
		 */
		for (int i = 0; in->states && in->d && i < in->d->nmounts; i++) {
			const struct fwb_daemon_state *st = &in->states[i];

			if (in->d->mounts[i].conn != dm->conn)
				continue;
			if (st->looked && st->verdict != FWB_V_HEALTHY) {
				snprintf(stl, sizeof(stl), "  state: %s: %s", fwb_verdict_name(st->verdict), st->why);
				hang = fwb_verdict_is_hang(st->verdict);
			}
			break;
		}
		add_line(&s->body, width, dm->ndaemons && !hang ? TA_NORMAL : TA_WARN, "daemon: %s%s",
			 dm->ndaemons ? dl : "none holds /dev/fuse for this connection", stl);
	}
	fwb_fmt_max_ratio(d, sizeof(d), dm);
	knob(e, sizeof(e), "max_ratio_fine", dm->max_ratio_fine, "");
	knob(b, sizeof(b), "min_ratio", dm->min_ratio, "%");
	top_fmt_bytes(c, sizeof(c), dm->max_bytes < 0 ? NAN : dm->max_bytes);
	add_line(&s->body, width, TA_NORMAL, "limits: max_ratio %s%s (%s)  max_bytes %s  %s  strictlimit %s", d,
		 d[0] != '-' ? "%" : "", e, c, b, dm->strict_limit < 0 ? "-" : dm->strict_limit ? "on" : "off");
	if (dm->cap_binds > 0)
		add_line(&s->body, width, TA_NORMAL, "  bdi limit set by the cap: %lld pages of the global %lld",
			 (long long)dm->cap_pages, (long long)dm->dirty_thresh_pages);
	else if (dm->cap_binds == 0)
		add_line(&s->body, width, TA_NORMAL, "  bdi limit set by its share of recent writeback: %lld pages, "
			 "below the cap of %lld", (long long)dm->bdi_thresh_pages, (long long)dm->cap_pages);
	knob(a, sizeof(a), "max_background", dm->max_background, "");
	knob(b, sizeof(b), "congestion_threshold", dm->congestion_threshold, "");
	knob(c, sizeof(c), "waiting", dm->waiting, "");
	add_line(&s->body, width, TA_NORMAL, "fusectl: %s  %s  %s", a, b, c);

	/* the table's numbers, so the detail agrees with it */
	top_row_fill(&r, m, iv, in->hung_s, top_stuck_s(in->stuck, dm->conn, in->d ? in->d->mono_ns : 0));
	top_fmt_num(a, sizeof(a), r.wr_s, 1, 10);
	top_fmt_num(b, sizeof(b), r.mb_s, 2, 10);
	top_fmt_num(c, sizeof(c), iv > 0 ? m->wb_pages / iv : NAN, 0, 10);
	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Writeback (%s)", in->cumulative ? "since start; c: this interval" :
		 "this interval; c: since start");
	if (r.untracked) {
		add_line(&s->body, width, TA_WARN, "  UNTRACKED: the request table was full when this mount began "
			 "(fusewbtop --tracked-mounts N): WRITEs, bytes, errors and latency unknown");
	} else if (r.req_unknown) {
		add_line(&s->body, width, TA_WARN, "  NO REQUEST SOURCE in use on this kernel (fusewb probe): "
			 "WRITEs, bytes, errors and latency unknown");
	} else {
		add_line(&s->body, width, TA_NORMAL,
			 "  WRITE/s %s  MB/s %s  pages/s %s  in flight %lld pages  errors %llu",
			 a, b, c, (long long)r.inflight, (unsigned long long)m->wb_errors);
		top_fmt_dur(a, sizeof(a), m->wb_lat.count ? fwb_hist_quantile(&m->wb_lat, 0.5) : NAN);
		top_fmt_dur(b, sizeof(b), m->wb_lat.count ? fwb_hist_quantile(&m->wb_lat, 0.99) : NAN);
		top_fmt_dur(c, sizeof(c), m->wb_lat.count ? fwb_hist_max(&m->wb_lat) : NAN);
		top_fmt_dur(d, sizeof(d), m->wb_lat.count ? (double)m->wb_lat.sum_ns / m->wb_lat.count : NAN);
		add_line(&s->body, width, TA_NORMAL, "  latency p50 %s  p99 %s  max %s  mean %s  (%llu WRITEs)",
			 a, b, c, d, (unsigned long long)m->wb_lat.count);
		/* a line only where the kernel says when the daemon reads a request (fuse_request_sent) */
		if (m->split_have) {
			const struct fwb_split *x = &m->wb_split;

			top_fmt_dur(a, sizeof(a), x->count ? (double)x->queue_sum_ns / x->count : NAN);
			top_fmt_dur(b, sizeof(b), x->count ? (double)x->queue_max_ns : NAN);
			top_fmt_dur(c, sizeof(c), x->count ? (double)x->serve_sum_ns / x->count : NAN);
			top_fmt_dur(d, sizeof(d), x->count ? (double)x->serve_max_ns : NAN);
			add_line(&s->body, width, TA_NORMAL, "  queued for the daemon mean %s max %s, in the daemon "
				 "mean %s max %s  (%llu WRITEs)", a, b, c, d, (unsigned long long)x->count);
		}
	}
	if (m->kwb_have & FWB_KWB_TEMP) {
		top_fmt_num(a, sizeof(a), m->kwb_have & FWB_KWB_CLOSE ? (double)m->tmp_inflight_pages : NAN, 0, 0);
		top_fmt_num(b, sizeof(b), m->kwb_have & FWB_KWB_CLOSE ? (double)m->kwb_orphans : NAN, 0, 0);
		add_line(&s->body, width, TA_NORMAL, "  temp pages in flight %s  requests released unsent %s  "
			 "untracked %llu%s", a, b, (unsigned long long)m->kwb_untracked,
			 m->kwb_have & FWB_KWB_CLOSE ? "" : "  (no release event: in flight unknown)");
	}
	/* the waits where a source feeds them (kernels before 6.16): the view keeps its length elsewhere */
	if (m->kwb_have & FWB_KWB_REDIRTY)
		wait_line(&s->body, width, "page waits (re-dirty)", m->redirty_waits, m->redirty_wait_ns,
			  m->redirty_wait_max_ns);
	if (m->kwb_have & FWB_KWB_NOWRITE)
		wait_line(&s->body, width, "inode waits (fsync, truncate: all WRITEs)", m->nowrite_waits,
			  m->nowrite_wait_ns, m->nowrite_wait_max_ns);
	top_fmt_num(a, sizeof(a), r.dirty, 0, 0);
	top_fmt_num(b, sizeof(b), dm->bdi_writeback_pages, 0, 0);
	top_fmt_num(c, sizeof(c), dm->bdi_thresh_pages, 0, 0);
	top_fmt_num(d, sizeof(d), r.lim_pct, 0, 0);
	top_fmt_num(e, sizeof(e), iv > 0 && m->throttle_have ? m->throttle_ns / 1e6 / iv : NAN, 1, 10);
	add_line(&s->body, width, r.lim_pct >= 100 ? TA_WARN : TA_NORMAL,
		 "  dirty %s pages  writeback %s pages  bdi limit %s pages (%s%% used)", a, b, c, d);
	/* a gauge of the last interval whatever the view: "since start" has no peak of its own */
	if (dm->peak_dirty_pages >= 0 && dm->peak_limit_pages > 0) {
		top_fmt_num(d, sizeof(d), 100.0 * dm->peak_dirty_pages / dm->peak_limit_pages, 0, 0);
		add_line(&s->body, width, TA_NORMAL, "  peak seen by throttled writers %lld pages of a %lld-page limit "
			 "(%s%%, last interval)", (long long)dm->peak_dirty_pages, (long long)dm->peak_limit_pages, d);
	} else {
		add_line(&s->body, width, TA_DIM, "  peak seen by throttled writers: - (none throttled in the last interval)");
	}
	top_fmt_num(d, sizeof(d), m->throttle_have ? (double)m->throttle_count : NAN, 0, 0);
	add_line(&s->body, width, TA_NORMAL, "  throttled in balance_dirty_pages %s ms/s, %s pauses", e, d);
	top_fmt_age(a, sizeof(a), r.pending ? r.oldest_s * 1e9 : NAN);
	if (dm->split_have)
		snprintf(e, sizeof(e), " (%llu read by the daemon)", (unsigned long long)dm->pending_in_service);
	else
		e[0] = 0;
	add_line(&s->body, width, r.hung ? TA_HUNG : TA_NORMAL, "  pending %llu%s, oldest %s%s%s",
		 (unsigned long long)r.pending, e, r.oldest_lb ? "at least " : "", a,
		 r.hung ? "  POSSIBLY HUNG: the daemon is not answering" : "");
	if (r.oldest_lb)
		add_line(&s->body, width, TA_DIM, "  (%llu sent before fusewbtop started: ages unknown, none ended since)",
			 (unsigned long long)(r.pending - dm->pending_count));

	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Writeback latency (%s)", span);
	hist_bars(&s->body, width, &m->wb_lat);

	/* before the opcode table: when a daemon hangs, this is what the user came for */
	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Pending requests (oldest first)");
	pending_table(&s->body, width, in, dm, in->hung_s);
	history_lines(&s->body, width, in, dm->conn);

	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Requests by opcode (%s)", span);
	ops_table(&s->body, width, m, iv);

	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Tasks dirtying pages (%s)", span);
	task_table(&s->body, width, m, iv, false);
	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Tasks waiting on writeback (%s)", span);
	task_table(&s->body, width, m, iv, true);
	if (m->kwb_have & FWB_KWB_NOWRITE) {
		blank(&s->body);
		add_line(&s->body, width, TA_TITLE, "Tasks waiting for all of an inode's WRITEs (%s)", span);
		nowrite_table(&s->body, width, m);
	}
	s->focus = -1;
}

/* "  NAME       text" with the text wrapped under itself to width (0: one line) */
static void add_wrapped(struct top_lines *l, int width, const char *name, const char *text)
{
	const int indent = 13;
	int room = width > indent + 20 ? width - indent : 0;
	const char *p = text;
	bool first = true;

	while (*p) {
		int n = strlen(p);

		if (room && n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (!n)
				n = room;	/* one word longer than the line: cut it */
		}
		add_line(l, width, TA_NORMAL, "  %-10s %.*s", first ? name : "", n, p);
		first = false;
		p += n;
		while (*p == ' ')
			p++;
	}
}

void top_render_help(struct top_screen *s, const struct top_view_in *in, int width)
{
	static const char *const keys[] = {
		"q            quit",
		"Up/Down j/k  select a mount (PgUp/PgDn, Home/End)",
		"Enter        detail view of the selected mount (Enter/Esc/Left: back)",
		"s >  <       sort by the next / previous column",
		"r            reverse the sort order",
		"/            filter by mount point or fs type (substring; empty: all)",
		"p            pause / resume",
		"d            change the refresh interval",
		"c            detail view: this interval / since start",
		"h ?          this help",
	};
	char ht[16], order[256];

	screen_init(s);
	shared_header(s, in, width);
	add_line(&s->head, width, TA_TITLE, "Help (j/k, PgUp/PgDn, g/G scroll; any other key returns)");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		add_line(&s->body, width, TA_NORMAL, "  %s", keys[i]);
	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Columns");
	for (int c = 0; c < COL_N; c++)
		add_wrapped(&s->body, width, top_cols[c].name, top_cols[c].help);
	top_drop_order(order, sizeof(order));
	add_wrapped(&s->body, width, "", "A narrow terminal drops columns in this order (MOUNTPOINT is cut "
		    "and FLAG always stays):");
	add_wrapped(&s->body, width, "", order);
	blank(&s->body);
	top_fmt_num(ht, sizeof(ht), in->hung_s, 1, 0);
	add_line(&s->body, width, TA_NORMAL, "A mount whose oldest pending request is older than %s s is", ht);
	add_line(&s->body, width, TA_NORMAL, "marked HUNG? and listed first (--hung SECONDS to change).");
	add_line(&s->body, width, TA_NORMAL, "fusewbtop never touches a mount point: a hung daemon cannot freeze it.");
	blank(&s->body);
	add_line(&s->body, width, TA_TITLE, "Data sources in use");
	{
		char *copy = strdup(in->sources), *tok, *save = NULL;

		for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save))
			add_line(&s->body, width, TA_NORMAL, "  %s", tok);
		free(copy);
	}
	s->focus = -1;
}
