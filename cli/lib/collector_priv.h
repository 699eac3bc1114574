/* SPDX-License-Identifier: GPL-2.0-only */
/* The collector's state, shared by collector.c, snapshot.c, peer.c and loadlog.c only. */
#ifndef FWB_COLLECTOR_PRIV_H
#define FWB_COLLECTOR_PRIV_H

#include "fusewb.h"
#include "kwb.h"
#include "resolver.h"

#define FWB_MAX_LINKS 32

struct fusewb_bpf;
struct bpf_link;

/* A failed load: the program libbpf names, and the verifier's reason (loadlog.c). */
struct fwb_load_failure {
	char prog[128];
	char why[160];
};
/* Feed one libbpf message; the first program named is kept. */
void fwb_load_failure_note(struct fwb_load_failure *f, const char *msg);

struct fwb_collector {
	struct fwb_opts opts;
	struct fwb_kernel_info ki;
	struct fwb_source *srcs;
	int nsrcs;
	struct fusewb_bpf *skel;
	/* the op_stats array, mapped: ops_blocks * FWB_OPS_ROWS rows (snapshot.c) */
	struct fwb_op_stats *op_rows;
	size_t op_rows_len;
	int ops_blocks, ops_slots;	/* as set in rodata before load */
	/* per slot: snapshots in a row that missed its connection (freed at 2) */
	struct fwb_ops_miss {
		uint32_t conn;
		uint32_t n;
	} *ops_miss;
	char *pin_dir;			/* peer.c: where the maps are pinned (opts.share) */
	struct bpf_link *links[FWB_MAX_LINKS];
	int nlinks;
	struct bpf_link *iter_link;	/* fuse_devfiles, read by snapshot.c */
	/* every attached iterator by program name (fwb_collector_iter_fd) */
	struct bpf_link *iters[FWB_MAX_LINKS];
	const char *iter_names[FWB_MAX_LINKS];
	int niters;
	/* the daemon walk costs a task_file iteration over every process: cached briefly */
	struct fwb_devfile *devfiles;
	int ndevfiles;
	uint64_t devfiles_ns;
	/* connections seen by the previous snapshot: a map entry is deleted only when two agree it is gone */
	uint32_t *last_conns;
	int nlast_conns;
	bool bdis_synced;		/* fuse_bdis holds the bdis of last_conns */
	/* snapshot.c: connections whose bdi did not fit fuse_bdis (their throttling is unknown) */
	uint32_t *bdis_unsynced;
	int nbdis_unsynced;
	uint64_t bdis_unsynced_total;	/* failed inserts, counted in drops.bdistats_full */
	struct fwb_mtab mtab;		/* the mount table, kept parsed (mountinfo.c) */
	struct fwb_sysfs sysfs;		/* knobs and kept descriptors (sysfs.c) */
	struct fwb_load_timing timing;	/* fwb_collector_timing */
};

/* peer.c: pin the maps for fusewb diagnose, and remove the pins */
void fwb_share_history(struct fwb_collector *c);
void fwb_unshare_history(struct fwb_collector *c);

#endif
