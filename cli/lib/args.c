// SPDX-License-Identifier: GPL-2.0-only
/*
 * Numbers on the command line, checked once for every front end: a value
 * is a finite decimal number inside its bounds, with nothing before or
 * after it.  strtod alone takes "nan", "inf", " 1" and 1e-300, and strtol
 * saturates silently; each of those once made a front end hang or spin.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "fusewb.h"

int fwb_parse_seconds(const char *name, const char *str, double min, double max, double *out,
		      char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(str, &end);
	/* !(min <= v) also catches NaN, which compares false with everything */
	if (!*str || isspace((unsigned char)*str) || *end || end == str || errno ||
	    !isfinite(v) || !(v >= min && v <= max))
		return fwb_errf(err, errlen, "invalid %s '%s': expected seconds from %g to %g",
				name, str, min, max);
	*out = v;
	return 0;
}

int fwb_parse_count(const char *name, const char *str, long min, long max, long *out,
		    char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(str, &end, 10);
	if (!*str || isspace((unsigned char)*str) || *end || end == str || errno || v < min || v > max)
		return fwb_errf(err, errlen, "invalid %s '%s': expected a whole number from %ld to %ld",
				name, str, min, max);
	*out = v;
	return 0;
}

int fwb_arg_seconds(const char *prog, const char *name, const char *str, double min, double max,
		    double *out)
{
	char err[256];

	if (!fwb_parse_seconds(name, str, min, max, out, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	return -1;
}

int fwb_arg_count(const char *prog, const char *name, const char *str, long min, long max, long *out)
{
	char err[256];

	if (!fwb_parse_count(name, str, min, max, out, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s: %s\n", prog, err);
	return -1;
}

/* Seconds up to a day into *out: 1 taken, -1 refused (said on stderr); 0 when out is NULL */
static int loop_seconds(const char *prog, const char *name, const char *arg, double min, double *out)
{
	if (!out)
		return 0;
	return fwb_arg_seconds(prog, name, arg, min, FWB_INTERVAL_MAX_S, out) ? -1 : 1;
}

int fwb_loop_arg(const char *prog, int ch, const char *arg, const struct fwb_loop_args *l, struct fwb_opts *o)
{
	long n;

	switch (ch) {
	case 'd':
	case 'i':
		return loop_seconds(prog, "interval", arg, FWB_INTERVAL_MIN_S, l->interval);
	case 'H':
		return loop_seconds(prog, "hung threshold", arg, FWB_THRESHOLD_MIN_S, l->hung_s);
	case 'n':
	case 'c':
		if (!l->count)
			return 0;
		return fwb_arg_count(prog, "count", arg, 1, FWB_COUNT_MAX, l->count) ? -1 : 1;
	case 's':
		if (!o)
			return 0;
		return fwb_opts_set_source(o, arg, prog) ? -1 : 1;
	case 'M':
		if (!o)
			return 0;
		if (fwb_arg_count(prog, "--tracked-mounts", arg, 1, FWB_OPS_BLOCKS_MAX, &n))
			return -1;
		o->ops_mounts = (int)n;
		return 1;
	}
	return 0;
}
