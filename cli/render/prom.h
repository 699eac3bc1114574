/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition (format 0.0.4) of a snapshot.  Pure: it only
 * formats what it is given, so the unit tests can pin every line.
 */
#ifndef FWB_PROM_H
#define FWB_PROM_H

#include <stddef.h>
#include "lib/fusewb.h"

struct fwb_daemon_state;

#define FWB_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Histogram text kept from one scrape to the next (see prom.c); the
 * renders that share one must be serialised by the caller.
 */
struct fwb_prom_cache;
struct fwb_prom_cache *fwb_prom_cache_new(void);
void fwb_prom_cache_free(struct fwb_prom_cache *cache);

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
	struct fwb_prom_cache *cache;	/* NULL: format every histogram afresh */
	/* fusewb_daemon_state: one per mount of the snapshot, same order (fwb_daemon_states); NULL omits it */
	const struct fwb_daemon_state *states;
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
 * Per-opcode request histograms keep every third bound from 8.192e-06 s
 * (8x apart, up to 137.438953472 s: 9 finite buckets + +Inf).  A host with a
 * hundred mounts and fifteen opcodes each has 1500 of them: at every bound
 * they would be 46 000 series and 7 MB a scrape.  A FUSE round trip through
 * a daemon takes microseconds, so nothing lands below the first bound but
 * the fastest answers.  The writeback histogram keeps every bound (2x).
 */
#define FWB_PROM_REQUEST_FIRST_SLOT	12
#define FWB_PROM_REQUEST_STEP		3

#endif /* FWB_PROM_H */
