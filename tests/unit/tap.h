/* SPDX-License-Identifier: GPL-2.0-only */
/* Minimal TAP producer for the unit tests (run under prove). */
#ifndef FWB_TAP_H
#define FWB_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	tap_n++;							\
	if (!(cond))							\
		tap_failed++;						\
	printf("%sok %d - ", (cond) ? "" : "not ", tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define is_num(got, want, tol, what) do {				\
	double g_ = (got), w_ = (want);					\
	ok(fabs(g_ - w_) <= (tol), "%s: got %g, want %g", what, g_, w_); \
} while (0)

#define is_str(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	ok(g_ && !strcmp(g_, w_), "%s: got '%s', want '%s'", what, g_ ? g_ : "(null)", w_); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
