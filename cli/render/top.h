/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fusewb top: the pieces shared by its files.
 *
 *   render/top_model.c   rows derived from a delta snapshot, sorting, filtering,
 *                        number formatting (pure: unit-tested)
 *   render/top_render.c  the screens as lines of text, for a terminal of a given
 *                        width or for a pipe (pure: unit-tested)
 *   top_term.c           ncurses: drawing those lines, keys, prompts (top_term.h)
 *   cmd_top.c            options, the collector and the refresh loop
 */
#ifndef FWB_TOP_H
#define FWB_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/diag.h"
#include "lib/fusewb.h"

#define TOP_DEFAULT_HUNG_S	FWB_HUNG_DEFAULT_S
#define TOP_FILTER_MAX		128

/* Columns of the mount table, in display order. */
enum top_col {
	COL_MOUNT,
	COL_FSTYPE,
	COL_DAEMON,
	COL_WRS,
	COL_MBS,
	COL_P50,
	COL_P99,
	COL_INFL,
	COL_TMP,
	COL_DIRTY,
	COL_LIM,
	COL_PEAK,
	COL_RATIO,
	COL_THR,
	COL_PEND,
	COL_OLDEST,
	COL_ERR,
	COL_FLAG,
	COL_N
};

struct top_coldef {
	const char *name;	/* heading, also in batch output */
	int width;		/* on a terminal; COL_MOUNT's is its minimum */
	int prio;		/* columns are dropped from the highest prio up when narrow */
	bool left;		/* left-aligned text */
	bool sortable;
	bool desc;		/* natural sort order is biggest first */
	const char *help;
};

extern const struct top_coldef top_cols[COL_N];

/*
 * Requests sent before the collector attached are not in its pending table,
 * so their age is unknown.  A connection whose fusectl "waiting" count stays
 * above the tracked pending count while none of its requests ends has been
 * stuck at least as long as that lasted: that lower bound stands in for the
 * oldest request's age, so a daemon hung before fusewbtop started is flagged.
 */
struct top_stuck {
	uint32_t conn;
	uint64_t since_ns;
};

struct top_stuck_tab {
	struct top_stuck *v;
	int n;
};

/* One mount as the table shows it; rates are NAN before the first interval. */
struct top_row {
	const struct fwb_mount *m;	/* in the delta snapshot */
	double wr_s, mb_s;
	double p50_ms, p99_ms;		/* NAN when no writeback ended in the interval */
	double thr_ms_s;		/* ms throttled in balance_dirty_pages per second */
	double oldest_s;		/* age of the oldest pending request, 0 if none */
	bool oldest_lb;			/* oldest_s is a lower bound (see struct top_stuck) */
	double lim_pct;			/* (dirty + writeback) / bdi threshold, NAN unknown */
	double peak_pct;		/* the most a throttle event saw in the interval, % of the limit then; NAN none */
	int64_t inflight, dirty;	/* pages; -1 unknown */
	int64_t tmp;			/* temp pages in flight; -1 where no source feeds it (or 6.16+) */
	uint64_t pending, errors;
	bool hung;
	bool untracked;			/* request stats not kept (table full): WR/s..WERR are '-' */
	bool req_unknown;		/* untracked, or no request source in use: WR/s..WERR are '-' */
};

struct top_rows {
	struct top_row *v;
	int n;
};

struct top_sort {
	enum top_col col;
	bool reverse;		/* against the column's natural order */
};

/* ---- top_model.c ---- */
/* Call once per delta snapshot d; forgets connections that are gone. */
void top_stuck_update(struct top_stuck_tab *t, const struct fwb_snapshot *d);
/* Seconds the connection has been stuck as of now_ns, 0 if it is not. */
double top_stuck_s(const struct top_stuck_tab *t, uint32_t conn, uint64_t now_ns);
void top_stuck_free(struct top_stuck_tab *t);

/*
 * A short history per mount for the detail view's sparklines: the table's
 * MB/s, p99 and pending of the last TOP_HIST_N refreshes, oldest first.
 * NAN where the value was unknown (p99 of an interval without WRITEs).
 */
#define TOP_HIST_N	60
struct top_hist {
	uint32_t conn;
	int n;				/* samples held, up to TOP_HIST_N */
	float mbs[TOP_HIST_N], p99_ms[TOP_HIST_N], pending[TOP_HIST_N];
};
struct top_hist_tab {
	struct top_hist *v;
	int n;
};
/* One sample per mount of the delta d (iv seconds; the filter does not matter); gone mounts are forgotten. */
void top_hist_update(struct top_hist_tab *t, const struct fwb_snapshot *d, double iv);
const struct top_hist *top_hist_find(const struct top_hist_tab *t, uint32_t conn);
void top_hist_free(struct top_hist_tab *t);
/*
 * v[0..n) as one ASCII character each, scaled to the largest (" .:-=+*#%@";
 * a value above 0 is never blank; NAN is blank); its largest in *max.
 */
void top_sparkline(char *buf, size_t len, const float *v, int n, double *max);
/* Rows for every mount of d that the filter (substring of mount point or fs type) keeps. */
int top_rows_build(struct top_rows *r, const struct fwb_snapshot *d, double iv,
		   double hung_s, const char *filter, const struct top_stuck_tab *stuck);
void top_rows_free(struct top_rows *r);
/* One row's numbers from a mount of a delta over iv seconds (iv 0: no rates). */
void top_row_fill(struct top_row *r, const struct fwb_mount *m, double iv, double hung_s,
		  double stuck_s);
/* Possibly hung mounts first, then by the sort column, then by mount point. */
void top_rows_sort(struct top_rows *r, struct top_sort s);
bool top_row_matches(const struct fwb_mount *m, const char *filter);
int top_rows_find(const struct top_rows *r, uint32_t conn);
int top_rows_hung(const struct top_rows *r);
/* Next/previous sortable column. */
enum top_col top_sort_step(enum top_col c, int dir);

/*
 * Formatters.  fit=0: plain number for pipes (fixed units, no suffix);
 * fit=N: at most N characters, with k/M/G suffixes when needed.
 * Unknown values (NAN, negative) print as "-".
 */
void top_fmt_num(char *buf, size_t len, double v, int decimals, int fit);
/* Duration for people: 850ns 12.3us 4.56ms 1.23s 12m 3.1h */
void top_fmt_dur(char *buf, size_t len, double ns);
/* An age (jiffy resolution): as a duration, "<1ms" below a millisecond */
void top_fmt_age(char *buf, size_t len, double ns);
/* A column's heading in a pipe, where it names the unit of its numbers */
const char *top_batch_name(enum top_col c);
/* Bytes for people: 512B 4.0K 12.3M 1.20G */
void top_fmt_bytes(char *buf, size_t len, double bytes);
/* Whitespace and control characters as \ooo, so pipe consumers can split on blanks. */
void top_escape(char *buf, size_t len, const char *s);

/* ---- top_render.c ---- */
enum top_attr {
	TA_NORMAL,
	TA_TITLE,	/* bold */
	TA_HEADING,	/* table heading: reverse */
	TA_SORTED,	/* the sort column's heading */
	TA_SELECTED,
	TA_HUNG,
	TA_HUNG_SELECTED,
	TA_WARN,
	TA_BAR,
	TA_DIM,
};

struct top_line {
	char *text;
	enum top_attr attr;
	int span_start, span_len;	/* a part drawn with span_attr (span_len 0: none) */
	enum top_attr span_attr;
};

struct top_lines {
	struct top_line *v;
	int n, cap;
};

enum top_view { VIEW_LIST, VIEW_DETAIL, VIEW_HELP };

/* Everything a screen is drawn from. */
struct top_view_in {
	const struct fwb_snapshot *d;		/* delta of the last interval */
	const struct fwb_snapshot *cum;		/* counters since start (for "since start") */
	const struct top_rows *rows;		/* filtered and sorted */
	const struct top_stuck_tab *stuck;
	const struct top_hist_tab *hist;	/* may be NULL: no history line */
	double iv;				/* seconds the delta covers; 0 before the first */
	double interval;			/* the refresh interval asked for */
	double hung_s;
	const char *kernel;
	const char *sources;
	const char *filter;
	struct top_sort sort;
	int selected;				/* row index, -1 none */
	bool paused;
	bool cumulative;			/* detail: since start instead of this interval */
	/* the requesting task's name for a pending request; may return NULL */
	const char *(*comm_of)(uint32_t pid, void *arg);
	void *comm_arg;
	/* diagnose's verdict per mount of d, same order (fwb_daemon_states); NULL: not shown */
	const struct fwb_daemon_state *states;
};

/* A screen: fixed head (title, heading), scrollable body, one footer line. */
struct top_screen {
	struct top_lines head, body;
	int nshared;		/* head lines that are the common header (title, sources, vm) */
	int focus;		/* body line to keep visible (the selected row), -1 none */
};

/* width 0: for a pipe (every column, nothing cut). */
void top_render_list(struct top_screen *s, const struct top_view_in *in, int width);
void top_render_detail(struct top_screen *s, const struct top_view_in *in,
		       const struct fwb_mount *m, int width);
void top_render_help(struct top_screen *s, const struct top_view_in *in, int width);
void top_screen_free(struct top_screen *s);
/* Which columns fit in width, and their widths (pure: unit-tested). */
void top_layout(const struct top_rows *rows, int width, bool shown[COL_N], int widths[COL_N]);
/* "TMP, FSTYPE, ...": the columns in the order a narrowing terminal drops them */
void top_drop_order(char *buf, size_t len);

#endif
