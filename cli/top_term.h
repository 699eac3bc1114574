/* SPDX-License-Identifier: GPL-2.0-only */
/* fusewb top's terminal (top_term.c, ncurses): the screens of render/top_render.c drawn, keys read. */
#ifndef FWB_TOP_TERM_H
#define FWB_TOP_TERM_H

#include "render/top.h"

/* Take over the terminal (ncurses); -1 if it cannot be used. */
int top_term_open(void);
/* Give the terminal back; idempotent, also run at exit and on fatal signals. */
void top_term_close(void);
/* Body rows visible under s's head and above the footer. */
int top_term_body_rows(const struct top_screen *s);
/*
 * Draw s.  *scroll is the first body line shown; it is moved so that
 * s->focus stays visible and clamped to the body.
 */
void top_term_draw(const struct top_screen *s, int *scroll, const char *footer, enum top_attr footer_attr);
/* Wait up to ms for a key: the key, or -1 (timeout or signal). */
int top_term_key(int ms);

#endif
