/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A connection's rows of op_stats (fusewb.h): its slot in ops_conn, its
 * block, the row of an opcode.  Completions (requests.bpf.c) and seeds
 * (seed.bpf.c) account there.
 */
#ifndef FWB_OPSTATS_BPF_H
#define FWB_OPSTATS_BPF_H

#include "bits.bpf.h"
#include "shared.bpf.h"

/*
 * The slot of connection conn, claimed if it has none; FWB_OPS_SLOTS_MAX when all
 * FWB_OPS_PROBES slots it may use are taken.  A connection is looked for in
 * all of them before a free one is claimed: user space frees slots, so a free
 * slot does not end the search.  A claim lost to another CPU searches again.
 */
static __always_inline __u32 conn_slot(__u32 conn)
{
	__u32 h = fwb_ops_hash(conn);

	for (int pass = 0; pass < 2; pass++) {
		__u32 free = FWB_OPS_SLOTS_MAX, seen;

		for (__u32 i = 0; i < FWB_OPS_PROBES; i++) {
			__u32 slot = (h + i) & ops_slot_mask & (FWB_OPS_SLOTS_MAX - 1);
			__u32 owner = ops_conn[slot];

			if (owner == conn)
				return slot;
			if (!owner && free == FWB_OPS_SLOTS_MAX)
				free = slot;
		}
		if (free == FWB_OPS_SLOTS_MAX)
			break;
		seen = __sync_val_compare_and_swap(&ops_conn[free & (FWB_OPS_SLOTS_MAX - 1)], 0, conn);
		if (!seen || seen == conn)
			return free;
	}
	return FWB_OPS_SLOTS_MAX;
}

/* A free block taken (1 + its index), or FWB_OPS_NO_BLOCK; once per connection. */
static __always_inline __u32 take_block(void)
{
	for (__u32 w = 0; w < FWB_OPS_BLOCKS_MAX / 64 && w * 64 < ops_blocks; w++) {
		for (int tries = 0; tries < 2; tries++) {	/* a lost race retries once, then the next word */
			__u64 v = ops_blocks_taken[w], bit = ~v & (v + 1);
			__u32 b = w * 64 + bit_index(bit);

			if (!bit || b >= ops_blocks)
				break;
			if (__sync_val_compare_and_swap(&ops_blocks_taken[w], v, v | bit) == v)
				return b + 1;
		}
	}
	return FWB_OPS_NO_BLOCK;
}

/* opcode's row in a block: the last for writeback, row 0 for the opcodes past the table */
static __always_inline __u32 row_of(__u32 opcode)
{
	if (opcode & FWB_OP_WRITEBACK)
		return FWB_OPS_WB_ROW;
	return opcode < FWB_OPS_WB_ROW ? opcode : 0;
}

/*
 * The index in op_stats of connection conn's row for opcode, claiming its
 * slot and block first; ~0U when it has none (counted in opstats_full).
 */
static __always_inline __u32 op_row(__u32 conn, __u32 opcode)
{
	__u32 slot = conn_slot(conn), row, blk, seen;
	__u64 bit;

	if (slot >= FWB_OPS_SLOTS_MAX) {
		__sync_fetch_and_add(&ops_noslot, 1);
		goto full;
	}
	blk = ops_block[slot];
	if (!blk) {
		blk = take_block();
		seen = __sync_val_compare_and_swap(&ops_block[slot], 0, blk);
		if (seen) {		/* another CPU gave the slot its block first */
			if (blk != FWB_OPS_NO_BLOCK)
				__sync_fetch_and_and(&ops_blocks_taken[((blk - 1) / 64) & (FWB_OPS_BLOCKS_MAX / 64 - 1)],
						     ~(1ULL << ((blk - 1) % 64)));
			blk = seen;
		}
	}
	if (blk == FWB_OPS_NO_BLOCK)
		goto full;
	row = row_of(opcode);
	bit = 1ULL << row;
	if (!(ops_rows_used[slot] & bit))
		__sync_fetch_and_or(&ops_rows_used[slot], bit);
	return (blk - 1) * FWB_OPS_ROWS + row;
full:
	__sync_fetch_and_add(&drops.opstats_full, 1);
	return ~0U;
}

static __always_inline struct fwb_op_stats *op_entry(__u32 conn, __u32 opcode)
{
	__u32 idx = op_row(conn, opcode);

	return idx == ~0U ? NULL : bpf_map_lookup_elem(&op_stats, &idx);
}

/*
 * The row of a connection that has a block already, claiming nothing; NULL
 * when it has none.  For taking back what op_entry's row was given: a
 * connection that had no block then has none later, and one whose slot
 * user space freed (it is gone) must not be given a new one to go
 * negative in.  Without op_row's claims the verifier has a tenth of the
 * paths to walk (read_clock, diag_files).
 */
static __always_inline struct fwb_op_stats *op_entry_found(__u32 conn, __u32 opcode)
{
	__u32 h = fwb_ops_hash(conn), blk, idx;

	for (__u32 i = 0; i < FWB_OPS_PROBES; i++) {
		__u32 slot = (h + i) & ops_slot_mask & (FWB_OPS_SLOTS_MAX - 1);

		if (ops_conn[slot] != conn)
			continue;
		blk = ops_block[slot];
		if (!blk || blk == FWB_OPS_NO_BLOCK)
			return NULL;
		idx = (blk - 1) * FWB_OPS_ROWS + row_of(opcode);
		return bpf_map_lookup_elem(&op_stats, &idx);
	}
	return NULL;
}

#endif
