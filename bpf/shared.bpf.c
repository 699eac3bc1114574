// SPDX-License-Identifier: GPL-2.0-only
/* The one definition of each map and global in shared.bpf.h, and the object's license. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "fusewb.h"
#include "shared.bpf.h"

const volatile __u64 writepage_end_addr = 0;
const volatile __u32 ops_blocks = FWB_OPS_BLOCKS_DEFAULT;
const volatile __u32 ops_slot_mask = 4 * FWB_OPS_BLOCKS_DEFAULT - 1;

struct fwb_drops drops;

struct fwb_pending pending_hot[FWB_PENDING_HOT] __attribute__((aligned(64)));
struct fwb_pending pending[FWB_PENDING_SLOTS] __attribute__((aligned(64)));
__u32 key_by_addr;
__s64 pending_cold_used;
__u32 pending_seeds;
__s32 pending_queued;

fwb_op_stats_map op_stats SEC(".maps");
__u32 ops_conn[FWB_OPS_SLOTS_MAX];
__u32 ops_block[FWB_OPS_SLOTS_MAX];
__u64 ops_rows_used[FWB_OPS_SLOTS_MAX];
__u64 ops_blocks_taken[FWB_OPS_BLOCKS_MAX / 64];
__u64 ops_noslot;

fwb_task_stats_map task_stats SEC(".maps");

fwb_diag_watch_map diag_watch SEC(".maps");
__u64 diag_gen;
fwb_diag_path_map diag_path SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
