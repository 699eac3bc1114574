/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel writeback reader (kwb.c) and the little it needs: its map fd,
 * which of its sources are in use and the previous snapshot's connections.  It never sees the collector: snapshot.c
 * fills this in and calls it, as it calls every other reader.
 */
#ifndef FWB_KWB_H
#define FWB_KWB_H

#include "fusewb.h"

struct fwb_kwb_ctx {
	int stats_fd;			/* kwb_stats: per-CPU struct fwb_kwb_stats by connection */
	uint32_t have;			/* FWB_KWB_* fed by a source in use: fwb_kwb_have() */
	/* the previous snapshot's connections: an entry is deleted only when two agree it is gone */
	const uint32_t *seen;
	int nseen;
};

/* Which parts of the kernel writeback view the sources in use feed (FWB_KWB_*). */
uint32_t fwb_kwb_have(const struct fwb_source *srcs, int nsrcs);
/* Temp pages, kernel WRITE latency and re-dirty waits into the snapshot's mounts. */
void fwb_kwb_read(const struct fwb_kwb_ctx *k, struct fwb_snapshot *s);

#endif
