/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition (format 0.0.4) of a snapshot.  Pure: it only
 * formats what it is given, so the unit tests can pin every line.
 */
#ifndef FWB_PROM_H
#define FWB_PROM_H

#include <stdio.h>
#include "fusewb.h"

#define FWB_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* What the exposition needs beyond the snapshot itself. */
struct fwb_prom_ctx {
	const struct fwb_source *srcs;	/* for fusewb_source_info */
	int nsrcs;
	long page_size;			/* bytes per page, to turn page counts into bytes */
	bool daemons_known;		/* the /dev/fuse iterator runs: 0 daemons is a fact */
	double collect_seconds;		/* time spent taking the snapshot; < 0 omits it */
	uint64_t scrapes;		/* scrapes served, this one included */
};

/* Write every metric family of s to f. */
void fwb_prom_write(FILE *f, const struct fwb_snapshot *s, const struct fwb_prom_ctx *ctx);

/*
 * A label value, escaped for the text format (\\, \", \n).  Bytes that are
 * not UTF-8 become U+FFFD: one odd mount point must not make the whole
 * scrape unparsable.
 */
void fwb_prom_label_value(FILE *f, const char *v);

/* Nanoseconds as exact decimal seconds ("1.500000000"), no float rounding. */
void fwb_prom_seconds(FILE *f, uint64_t ns);

/*
 * Histogram bucket bounds exposed, in ns: the log2 slots' upper bounds from
 * FWB_PROM_FIRST_SLOT up to the last slot but one (the last slot also holds
 * everything clamped into it, so only +Inf is true for it).
 */
#define FWB_PROM_FIRST_SLOT	9	/* le 1.024e-06 s: nothing in FUSE is faster */
#define FWB_PROM_LAST_SLOT	(FWB_HIST_SLOTS - 2)

#endif /* FWB_PROM_H */
