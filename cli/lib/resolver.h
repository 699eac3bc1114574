/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The resolver: FUSE connection -> mount points, bdi, knobs, fusectl state.
 * It reads /proc/self/mountinfo (mountinfo.c), sysfs, fusectl and debugfs
 * (sysfs.c) only: a stat(), open() or readdir of a FUSE mount point would
 * hang behind a stuck daemon, so none is done.  Its caches are the
 * collector's (collector_priv.h) and, like it, used by one thread at a time;
 * snapshot.c puts mounts and their state together.
 */
#ifndef FWB_RESOLVER_H
#define FWB_RESOLVER_H

#include "fusewb.h"

/* The mount table's FUSE mounts, kept parsed (mountinfo.c). */
struct fwb_mtab {
	int fd;				/* /proc/self/mountinfo: fd + 1, 0 when not open */
	bool valid;
	struct fwb_mount *mounts;	/* no gauges: those are read per snapshot */
	int n;
};
/* A copy of the FUSE mounts, the table parsed again only if it changed. */
int fwb_mtab_read(struct fwb_mtab *t, struct fwb_mount **mounts, int *n);
void fwb_mtab_close(struct fwb_mtab *t);

/*
 * Knobs an administrator changes by hand, read every few seconds rather
 * than every snapshot (sysfs.c); and the descriptors kept to re-read the
 * gauges cheaply.  One slot a connection, by hash.
 */
#define FWB_KNOB_CACHE_BITS	8
#define FWB_KNOB_CACHE		(1 << FWB_KNOB_CACHE_BITS)
#define FWB_NKNOBS		7
struct fwb_knobs {
	uint32_t conn;
	uint64_t read_ns;
	int conn_dirfd, stats_fd;	/* fd + 1, 0 when not open */
	int64_t v[FWB_NKNOBS];		/* as sysfs.c's knobs[] lists them; -1 unknown */
};
struct fwb_sysfs {
	struct fwb_knobs knobs[FWB_KNOB_CACHE];
	int bdi_dirfd;			/* /sys/kernel/debug/bdi: fd + 1, 0: use the path */
};
/* Keep debugfs's bdi directory open (when debugfs is there), while privileged. */
void fwb_sysfs_open(struct fwb_sysfs *c, bool debugfs);
/* Knobs, fusectl state and bdi stats into m (its bdi and conn set); now_ns ages the knobs. */
void fwb_sysfs_read(struct fwb_sysfs *c, struct fwb_mount *m, uint64_t now_ns);
void fwb_sysfs_close(struct fwb_sysfs *c);

#endif
