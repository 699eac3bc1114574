/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Structures shared by the BPF collector (fusewb.bpf.c) and user space.
 * Everything here is read by user space straight out of maps or the
 * skeleton's .bss, so layouts are fixed-size and 64-bit aligned.
 */
#ifndef FUSEWB_H
#define FUSEWB_H

/* log2 buckets over nanoseconds: slot i holds [2^i, 2^(i+1)) ns; 2^40 ns ~ 18 min */
#define FWB_HIST_SLOTS		40

/*
 * Pending-request table: a direct-mapped array indexed by a hash of
 * (connection, unique).  A hash-map insert and delete per request costs more
 * than the whole per-event budget; an array slot claimed with one
 * compare-and-swap and verified on completion does not.  Collisions are
 * counted as drops, never overwrite a live entry.
 */
#define FWB_PENDING_SLOTS	16384	/* power of two */

#define FWB_MAX_OPSTATS		4096	/* (connection, opcode) pairs */
#define FWB_MAX_TASKSTATS	8192	/* (connection, tgid, kind) triples */
#define FWB_MAX_BDIS		256

/*
 * Writeback WRITEs are accounted under their own pseudo-opcode so that one
 * map lookup on completion covers both the per-opcode table and the
 * writeback view.
 */
#define FWB_OP_WRITEBACK	0x10000

#define FUSE_SUPER_MAGIC_FWB	0x65735546
#define FWB_FUSE_DEV_RDEV	((10U << 20) | 229)	/* /dev/fuse, kernel dev_t */

struct fwb_op_key {
	__u32 conn;		/* kernel dev_t of the connection (fc->dev) */
	__u32 opcode;		/* FUSE opcode, or FWB_OP_WRITEBACK */
};

/* per-CPU; user space sums the CPUs */
struct fwb_op_stats {
	__u64 count;		/* requests ended */
	__u64 errors;		/* ended with out.h.error != 0 */
	__u64 bytes;		/* WRITE payload bytes (writes only) */
	__u64 pages;		/* pages carried (writeback only) */
	__s64 inflight_pages;	/* sent minus ended (writeback only) */
	__u64 lat_sum_ns;
	__u64 lat_max_ns;
	__u64 hist[FWB_HIST_SLOTS];
};

struct fwb_pending {
	__u64 key;		/* 0 = free; else fwb_pending_key(conn, unique) */
	__u64 start_ns;		/* bpf_ktime_get_ns() at send */
	__u64 nodeid;
	__u32 conn;
	__u32 opcode;		/* FUSE opcode | FWB_OP_WRITEBACK */
	__u32 pid;		/* in.h.pid, or the sender's tgid when the kernel sent it */
	__u32 pages;
};

enum fwb_task_kind {
	FWB_TASK_DIRTY = 0,	/* folios dirtied on a FUSE mapping */
	FWB_TASK_WBWAIT = 1,	/* waits on writeback of a FUSE folio */
};

struct fwb_task_key {
	__u32 conn;
	__u32 tgid;
	__u32 kind;
	__u32 pad;
};

struct fwb_task_stats {
	__u64 count;
	char comm[16];
};

struct fwb_bdi_key {
	char name[32];		/* bdi name as in /sys/class/bdi, e.g. "0:53" */
};

struct fwb_bdi_stats {
	__u64 throttle_count;	/* balance_dirty_pages pauses */
	__u64 throttle_ns;	/* sum of pause */
	__u64 last_ns;		/* when the last event fired */
	__u64 dirty;		/* global dirty pages at the last event */
	__u64 limit;
	__u64 wb_dirty;		/* this bdi's dirty+writeback pages */
	__u64 wb_setpoint;
};

/* Drop and mismatch counters; in .bss, user space reads them directly. */
struct fwb_drops {
	__u64 pending_full;	/* slot taken: request not tracked */
	__u64 unmatched_end;	/* end with no tracked send (sent before attach, or dropped) */
	__u64 opstats_full;
	__u64 taskstats_full;
	__u64 bdistats_full;
};

/* What the task_file iterator emits for every open /dev/fuse file. */
struct fwb_devfile {
	__u32 tgid;
	__u32 pid;
	__u32 fd;
	__u32 conn;		/* 0 before the daemon is mounted */
	char comm[16];
};

#endif /* FUSEWB_H */
