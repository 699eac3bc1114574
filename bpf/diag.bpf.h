/* SPDX-License-Identifier: GPL-2.0-only */
/* What diagnose's iterators (diag.bpf.c, diag_peers.bpf.c) and the seeding walk (seed.bpf.c) share. */
#ifndef FWB_DIAG_BPF_H
#define FWB_DIAG_BPF_H

#include "shared.bpf.h"

/*
 * One walk visits, in order: fiq->pending, fc->bg_queue, then for each
 * device its fpq->io and the FWB_DIAG_PQ_HASH lists of fpq->processing.
 * It is a single bpf_loop over one step function, so the verifier checks
 * the step once instead of once per list and nesting level.
 */
enum diag_stage { DIAG_ST_PENDING, DIAG_ST_BG, DIAG_ST_IO, DIAG_ST_PROC, DIAG_ST_DONE };

struct diag_walk {
	__u64 fc;
	__u64 head;		/* list head being walked */
	__u64 pos;		/* current entry */
	__u64 processing;	/* fpq->processing of the current device */
	__u64 devs_head;
	__u64 dev_pos;
	__u64 session;
	__u32 conn;
	__u32 stage;
	__u32 bucket;
	__u32 inlist;		/* entries seen on the current list */
	__u32 n;		/* requests gathered */
	__u32 truncated;
	__u32 ndevs;
	__u32 nwrites;
	__u32 seed;		/* seed_mode at the walk: take the requests into the pending table */
	__u32 seen[FWB_DIAGQ_NR];
};

/* Take the request at reqp, found on queue, into the pending table (seed.bpf.c). */
int diag_seed(struct diag_walk *w, __u64 reqp, __u32 queue);

static __always_inline void diag_watch_add(__u32 id, __u32 kind, __u64 session)
{
	struct diag_watch_key k = { .id = id, .kind = kind };

	if (id)
		bpf_map_update_elem(&diag_watch, &k, &session, BPF_ANY);
}

static __always_inline void diag_path_add(__u32 tgid, __u32 hop)
{
	struct diag_hop v = { .gen = diag_gen, .hop = hop }, *old;

	old = bpf_map_lookup_elem(&diag_path, &tgid);
	if (old && old->gen == diag_gen && old->hop <= hop)
		return;
	bpf_map_update_elem(&diag_path, &tgid, &v, BPF_ANY);
}

#endif
