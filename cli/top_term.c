// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb top on a terminal: ncurses drawing of the rendered lines, keys.
 * The terminal is given back on every way out: normal return, exit(),
 * and fatal signals (SIGINT/SIGTERM only set fwb_stop, the loop returns).
 */
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "top_term.h"

enum { P_HEAD = 1, P_SORTED, P_SEL, P_HUNG, P_HUNGSEL, P_WARN, P_BAR, P_DIM };

static SCREEN *scr;
static bool colors;

static chtype attr_of(enum top_attr a)
{
	switch (a) {
	case TA_TITLE: return A_BOLD;
	case TA_HEADING: return colors ? COLOR_PAIR(P_HEAD) : A_REVERSE;
	case TA_SORTED: return colors ? COLOR_PAIR(P_SORTED) | A_BOLD : A_BOLD;
	case TA_SELECTED: return colors ? COLOR_PAIR(P_SEL) : A_REVERSE;
	case TA_HUNG: return colors ? COLOR_PAIR(P_HUNG) | A_BOLD : A_REVERSE | A_BOLD;
	case TA_HUNG_SELECTED: return colors ? COLOR_PAIR(P_HUNGSEL) | A_BOLD : A_REVERSE | A_UNDERLINE;
	case TA_WARN: return colors ? COLOR_PAIR(P_WARN) | A_BOLD : A_BOLD;
	case TA_BAR: return colors ? COLOR_PAIR(P_BAR) : A_NORMAL;
	case TA_DIM: return colors ? COLOR_PAIR(P_DIM) : A_DIM;
	default: return A_NORMAL;
	}
}

void top_term_close(void)
{
	if (!scr)
		return;
	curs_set(1);
	endwin();
	delscreen(scr);
	scr = NULL;
}

static void on_fatal(int sig)
{
	/* not async-signal-safe, but a sane terminal is worth the risk when dying anyway */
	top_term_close();
	signal(sig, SIG_DFL);
	raise(sig);
}

int top_term_open(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };

	/* newterm, unlike initscr, returns instead of exiting when the terminal is unusable */
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return -1;
	atexit(top_term_close);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], on_fatal);
	cbreak();		/* not raw(): ^C must still raise SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(P_HEAD, COLOR_BLACK, COLOR_GREEN);
		init_pair(P_SORTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_SEL, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_HUNG, COLOR_WHITE, COLOR_RED);
		init_pair(P_HUNGSEL, COLOR_YELLOW, COLOR_RED);
		init_pair(P_WARN, COLOR_RED, -1);
		init_pair(P_BAR, COLOR_CYAN, -1);
		init_pair(P_DIM, COLOR_BLUE, -1);
		colors = true;
	}
	return 0;
}

/* One line at row y, cut to the screen; the last cell of the screen is left alone (it would scroll). */
static void draw_line(int y, int cols, const struct top_line *l)
{
	int n = strlen(l->text), lines = getmaxy(stdscr);

	if (y == lines - 1)
		cols--;
	if (n > cols)
		n = cols;
	move(y, 0);
	if (!l->span_len || l->span_start >= n) {
		attrset(attr_of(l->attr));
		addnstr(l->text, n);
	} else {
		int end = l->span_start + l->span_len < n ? l->span_start + l->span_len : n;

		attrset(attr_of(l->attr));
		addnstr(l->text, l->span_start);
		attrset(attr_of(l->span_attr));
		addnstr(l->text + l->span_start, end - l->span_start);
		attrset(attr_of(l->attr));
		addnstr(l->text + end, n - end);
	}
	attrset(A_NORMAL);
}

int top_term_body_rows(const struct top_screen *s)
{
	int avail = getmaxy(stdscr) - 1 - s->head.n;

	return avail > 0 ? avail : 0;
}

void top_term_draw(const struct top_screen *s, int *scroll, const char *footer, enum top_attr fattr)
{
	int rows = getmaxy(stdscr), cols = getmaxx(stdscr), y = 0;
	int avail = top_term_body_rows(s), maxscroll;
	struct top_line f = { .text = (char *)footer, .attr = fattr };

	erase();
	for (int i = 0; i < s->head.n && y < rows - 1; i++)
		draw_line(y++, cols, &s->head.v[i]);
	if (s->focus >= 0) {
		if (s->focus < *scroll)
			*scroll = s->focus;
		if (s->focus >= *scroll + avail)
			*scroll = s->focus - avail + 1;
	}
	maxscroll = s->body.n - avail;
	if (*scroll > maxscroll)
		*scroll = maxscroll;
	if (*scroll < 0)
		*scroll = 0;
	for (int i = *scroll; i < s->body.n && y < rows - 1; i++)
		draw_line(y++, cols, &s->body.v[i]);
	if (footer && rows > 1)
		draw_line(rows - 1, cols, &f);
	refresh();
}

int top_term_key(int ms)
{
	int ch;

	timeout(ms);
	ch = getch();
	return ch == ERR ? -1 : ch;
}
