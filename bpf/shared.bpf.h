/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The maps and globals more than one BPF file uses, declared extern here
 * and defined once, in shared.bpf.c.  libbpf's static linker (bpftool gen
 * object) joins the files into one object and one skeleton: a global must
 * be defined in exactly one file, and an extern map must match its
 * definition (hence the typedefs, used by both).  State one file alone
 * uses stays in that file.
 */
#ifndef FWB_SHARED_BPF_H
#define FWB_SHARED_BPF_H

/* Set by user space before load. */
extern const volatile __u64 writepage_end_addr;	/* &fuse_writepage_end, from kallsyms */
/* blocks of rows in op_stats (its max_entries / FWB_OPS_ROWS), and the slot table's size - 1 */
extern const volatile __u32 ops_blocks;
extern const volatile __u32 ops_slot_mask;

extern struct fwb_drops drops;

/* the pending table (pending.bpf.h) */
extern struct fwb_pending pending_hot[FWB_PENDING_HOT];
extern struct fwb_pending pending[FWB_PENDING_SLOTS];
/*
 * Kernels up to 6.12 fire fuse_request_send before the request has its
 * unique id: there, requests are named by their address instead.  Set by the
 * first send that sees unique 0, read by user space to skip slots of the
 * other naming.
 */
extern __u32 key_by_addr;
/* slots in use in the cold table: user space skips scanning it when 0 */
extern __s64 pending_cold_used;
/*
 * Seeding (seed.bpf.c): pending_seeds says some requests already queued at
 * start were taken in, so a completion that finds no entry looks under a
 * seed's name too; pending_queued counts the seeds of requests that wait
 * for a background slot, which read_clock checks.
 */
extern __u32 pending_seeds;
extern __s32 pending_queued;

/* blocks of FWB_OPS_ROWS rows, one per tracked connection; user space maps it (see fusewb.h) */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FWB_OPS_BLOCKS_DEFAULT * FWB_OPS_ROWS);	/* user space sets ops_blocks rows */
	__type(key, __u32);
	__type(value, struct fwb_op_stats);
} fwb_op_stats_map;
extern fwb_op_stats_map op_stats SEC(".maps");
/*
 * The connection owning each slot (0: free), claimed with a compare-and-swap
 * by the first request seen; user space frees the slots of connections gone.
 * ops_block[slot]: 1 + the slot's block of rows, FWB_OPS_NO_BLOCK when none
 * was free (the connection is not tracked), 0 before it is claimed.
 * ops_blocks_taken: bit b is block b's.  Bit r of ops_rows_used[slot]: row r
 * was written, so user space reads only those.  ops_noslot: requests of
 * connections that found no slot (their mounts cannot be told from idle).
 */
extern __u32 ops_conn[FWB_OPS_SLOTS_MAX];
extern __u32 ops_block[FWB_OPS_SLOTS_MAX];
extern __u64 ops_rows_used[FWB_OPS_SLOTS_MAX];
extern __u64 ops_blocks_taken[FWB_OPS_BLOCKS_MAX / 64];
extern __u64 ops_noslot;

/* page-cache events and re-dirty waits, per (connection, tgid, kind) */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_TASKSTATS);
	__type(key, struct fwb_task_key);
	__type(value, struct fwb_task_stats);
} fwb_task_stats_map;
extern fwb_task_stats_map task_stats SEC(".maps");

/* diagnose (diag.bpf.h) */
struct diag_watch_key {
	__u32 id;
	__u32 kind;	/* 0: daemon tgid, 1: requesting thread */
};

/* Filled by diag_files and diag_peers, read by diag_tasks: whose threads to report besides D and T ones. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct diag_watch_key);
	__type(value, __u64);
} fwb_diag_watch_map;
extern fwb_diag_watch_map diag_watch SEC(".maps");

/* the diag_files session the path below belongs to */
extern __u64 diag_gen;

struct diag_hop {
	__u64 gen;
	__u32 hop;
	__u32 pad;
};

/* tgid -> its distance from a daemon */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct diag_hop);
} fwb_diag_path_map;
extern fwb_diag_path_map diag_path SEC(".maps");

#endif
