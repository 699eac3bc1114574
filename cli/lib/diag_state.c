// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon state of every mount for the long-running front ends (the
 * exporter's fusewb_daemon_state, fusewbtop's detail view): diagnose's
 * verdict from one look at the kernel's state, the answers counted since
 * the previous snapshot.  The look (diag_files, diag_peers, diag_tasks)
 * walks every task's files, so it is taken only when some mount has a
 * request waiting longer than FWB_STATE_LOOK_NS, has no daemon left, or
 * has requests fusectl counts that the collector never saw sent; other
 * mounts are healthy as far as hangs go (their latency is in the
 * histograms).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

#define FWB_STATE_LOOK_NS	1000000000ULL

static bool worth_a_look(const struct fwb_mount *m)
{
	return m->pending_oldest_ns >= FWB_STATE_LOOK_NS || m->ndaemons == 0 ||
	       (m->waiting > 0 && (uint64_t)m->waiting > m->pending_count);
}

int fwb_daemon_states(struct fwb_collector *c, const struct fwb_snapshot *prev, const struct fwb_snapshot *cur,
		      uint64_t window_ns, const struct fwb_ksyms *k, struct fwb_daemon_state **out)
{
	struct fwb_daemon_state *st;
	struct fwb_diag_raw raw;
	struct fwb_diag_set set;
	bool look = false;
	int err;

	*out = NULL;
	st = calloc(cur->nmounts + 1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (int i = 0; i < cur->nmounts; i++) {
		st[i].conn = cur->mounts[i].conn;
		st[i].verdict = FWB_V_HEALTHY;
		look |= worth_a_look(&cur->mounts[i]);
	}
	*out = st;
	if (!look)
		return 0;
	err = fwb_diag_read(c, &raw);
	if (err)
		return err;	/* the mounts stay healthy-by-default; the caller says the look failed */
	{
		struct fwb_diag_inputs in = {
			.start = prev,
			.end = cur,
			.last = &raw,
			.ksyms = k,
			.hz = fwb_collector_kernel(c)->hz,
			.fusectl = fwb_collector_kernel(c)->fusectl,
			.limits = { FWB_DIAG_HUNG_NS_DEFAULT, FWB_DIAG_SLOW_NS_DEFAULT },
			.window_ns = window_ns,
		};

		err = fwb_diag_build(&in, &set);
	}
	if (!err) {
		for (int i = 0; i < cur->nmounts; i++) {
			if (!worth_a_look(&cur->mounts[i]))
				continue;
			for (int j = 0; j < set.n; j++)
				if (set.r[j].m.conn == st[i].conn) {
					st[i].verdict = set.r[j].d.verdict;
					st[i].looked = true;
					/* a sentence for a detail line: cut, not overflowing */
					memcpy(st[i].why, set.r[j].d.why, sizeof(st[i].why) - 1);
					st[i].why[sizeof(st[i].why) - 1] = 0;
					break;
				}
		}
		fwb_diag_set_free(&set);
	}
	fwb_diag_raw_free(&raw);
	return err;
}
