/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel writeback reader (kwb.c) and the little it needs: two map fds,
 * which of its sources are in use, the previous snapshot's connections and
 * its own state between snapshots.  It never sees the collector: snapshot.c
 * fills this in and calls it, as it calls every other reader.
 */
#ifndef FWB_KWB_H
#define FWB_KWB_H

#include "fusewb.h"

/* a count per connection, kept between snapshots */
struct fwb_conn_count {
	uint32_t conn;
	uint64_t n;
};

/* kwb.c's state between snapshots, owned by the collector */
struct fwb_kwb_state {
	/* temp pages of requests user space found freed without completing, per connection */
	struct fwb_conn_count *orphans;
	int norphans;
};

struct fwb_kwb_ctx {
	int stats_fd;			/* kwb_stats: per-CPU struct fwb_kwb_stats by connection */
	int reqs_fd;			/* wb_reqs: temp-page requests in flight */
	uint32_t have;			/* FWB_KWB_* fed by a source in use: fwb_kwb_have() */
	/* the previous snapshot's connections: an entry is deleted only when two agree it is gone */
	const uint32_t *seen;
	int nseen;
	struct fwb_kwb_state *state;
};

/* Which parts of the kernel writeback view the sources in use feed (FWB_KWB_*). */
uint32_t fwb_kwb_have(const struct fwb_source *srcs, int nsrcs);
/* Temp pages, kernel WRITE latency and re-dirty waits into the snapshot's mounts. */
void fwb_kwb_read(const struct fwb_kwb_ctx *k, struct fwb_snapshot *s);
void fwb_kwb_state_free(struct fwb_kwb_state *st);

#endif
