/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition (format 0.0.4) of a snapshot.  Pure: it only
 * formats what it is given, so the unit tests can pin every line.
 */
#ifndef FWB_PROM_H
#define FWB_PROM_H

#include <stddef.h>
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
	bool no_requests;		/* leave out the per-opcode request series */
	size_t size_hint;		/* length of the last exposition, to size the buffer */
};

/*
 * Every metric family of s as one malloc'd, NUL-terminated text; *len is
 * its length.  NULL when out of memory (never a truncated exposition).
 */
char *fwb_prom_render(const struct fwb_snapshot *s, const struct fwb_prom_ctx *ctx, size_t *len);

/*
 * A label value escaped for the text format (\\, \", \n), malloc'd.  Bytes
 * that are not UTF-8 become U+FFFD: one odd mount point must not make the
 * whole scrape unparsable.
 */
char *fwb_prom_label_escape(const char *v);

/*
 * Histogram bucket bounds exposed, in ns: the log2 slots' upper bounds from
 * FWB_PROM_FIRST_SLOT up to the last slot but one (the last slot also holds
 * everything clamped into it, so only +Inf is true for it).
 */
#define FWB_PROM_FIRST_SLOT	9	/* le 1.024e-06 s: nothing in FUSE is faster */
#define FWB_PROM_LAST_SLOT	(FWB_HIST_SLOTS - 2)
/*
 * Per-opcode request histograms keep every second bound (4x apart): a host
 * with a hundred mounts and a dozen opcodes each would otherwise expose
 * megabytes per scrape.  The writeback histogram keeps them all.
 */
#define FWB_PROM_REQUEST_STEP	2

#endif /* FWB_PROM_H */
