// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seeding: the requests already in the kernel's queues when the collector
 * starts are taken into the pending table (diag_seed, called by the
 * diag_files walk in seed mode, cli/lib/collector.c), and the seeds of
 * requests still waiting for a background slot are checked at each
 * snapshot (read_clock).  Any kernel: the walk reads the queues with
 * fault-safe probe reads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"
#include "core_fixes.bpf.h"
#include "pending.bpf.h"
#include "opstats.bpf.h"
#include "diag.bpf.h"

/* "now" for the pending table's ages, taken by read_clock at each snapshot */
struct fwb_clock clock;
/*
 * Jiffies per second, resolved by libbpf at load from /boot/config-$(uname
 * -r) or /proc/config.gz.  Where neither exists user space gives libbpf
 * CONFIG_HZ=0 (unknown) and says so (cli/lib/collector.c).
 */
extern unsigned int CONFIG_HZ __kconfig __weak;

/* Has fuse_request_end begun on req?  It sets the bit first, with a full barrier. */
static __always_inline bool req_finished(const struct fuse_req *req)
{
	return BPF_CORE_READ(req, flags) & (1ULL << bpf_core_enum_value(enum fuse_req_flag, FR_FINISHED));
}

/*
 * Take a seed back out of the table, unless a completion emptied its slot
 * first (both claim it with the same compare-and-swap to FWB_KEY_BUSY).
 */
static __always_inline bool unseed(struct fwb_pending *p, __u64 key, bool in_cold)
{
	struct fwb_op_stats *s;
	__u32 opcode;

	if (__sync_val_compare_and_swap(&p->key, key, FWB_KEY_BUSY) != key)
		return false;
	opcode = p->opcode;
	if (opcode & FWB_OP_WRITEBACK) {
		s = op_entry_found(p->conn, opcode & ~FWB_PENDING_FLAGS);
		if (s)
			__sync_fetch_and_add(&s->inflight_pages, -(__s64)p->pages);
	}
	if (in_cold)
		__sync_fetch_and_add(&pending_cold_used, -1);
	if (opcode & FWB_PENDING_QUEUED)
		__sync_fetch_and_add(&pending_queued, -1);
	p->opcode = 0;
	p->key = 0;
	return true;
}

/*
 * A seed of a request that waited for a background slot is checked at each
 * snapshot: once the request was sent (it has a unique; its send made a live
 * entry) or ended without being sent (an abort), the seed goes.  Its key is
 * its address, so the request is read directly (fault-safe; a freed request's
 * memory may hold anything, which at worst keeps a seed until it is reused).
 */
static __always_inline void check_queued(struct fwb_pending *p, bool in_cold, __s32 *left)
{
	__u64 key = p->key, unique = 1, flags = 0;
	struct fuse_req *req;

	if (!(key & FWB_KEY_QUEUED_BIT) || key == FWB_KEY_BUSY || !(p->opcode & FWB_PENDING_QUEUED))
		return;
	req = (struct fuse_req *)(key & ~FWB_KEY_QUEUED_BIT);
	bpf_probe_read_kernel(&unique, sizeof(unique), &req->in.h.unique);
	bpf_probe_read_kernel(&flags, sizeof(flags), &req->flags);
	if (unique || (flags & (1ULL << bpf_core_enum_value(enum fuse_req_flag, FR_FINISHED))))
		unseed(p, key, in_cold);
	else
		(*left)++;
}

static long check_queued_hot(__u32 i, __s32 *left)
{
	check_queued(&pending_hot[i & (FWB_PENDING_HOT - 1)], false, left);
	return 0;
}

static long check_queued_cold(__u32 i, __s32 *left)
{
	check_queued(&pending[i & (FWB_PENDING_SLOTS - 1)], true, left);
	return 0;
}

/* Run by user space (BPF_PROG_RUN) at each snapshot: "now" in jiffies for the pending table. */
SEC("syscall")
int read_clock(void *ctx)
{
	__s32 left = 0;

	if (pending_queued > 0) {
		bpf_loop(FWB_PENDING_HOT, check_queued_hot, &left, 0);
		if (pending_cold_used > 0)
			bpf_loop(FWB_PENDING_SLOTS, check_queued_cold, &left, 0);
		pending_queued = left;
	}
	clock.jiffies = bpf_jiffies64();
	clock.mono_ns = bpf_ktime_get_ns();
	clock.hz = CONFIG_HZ;
	return 0;
}

/*
 * Take a request found in the kernel's queues into the pending table, with
 * its real age (create_time, where the kernel has it), unless the collector
 * tracks it already (sent after attach).  Races:
 * - sent during the walk: its send program ran before the request was
 *   queued, so its entry is there to be found and the seed is skipped;
 * - ended during the walk: fuse_request_end sets FR_FINISHED (a full
 *   barrier) before its tracepoint looks for an entry, and the seed is
 *   published (a full barrier) before FR_FINISHED is read: either the
 *   completion finds the seed, or the seed sees the request finished and
 *   takes itself back; if both, the compare-and-swap to FWB_KEY_BUSY lets
 *   one of them empty the slot.  A request freed and reused meanwhile has
 *   another unique, and is taken back too.
 * - waiting for a background slot: no unique yet, so named by address
 *   (FWB_KEY_QUEUED_BIT); when it is sent, its send makes a live entry and
 *   read_clock drops the seed.
 */
__noinline int diag_seed(struct diag_walk *w, __u64 reqp, __u32 queue)
{
	struct fuse_req *req = (struct fuse_req *)reqp;
	bool queued = queue == FWB_DIAGQ_BACKGROUND, in_cold = false;
	struct fwb_op_stats *s;
	struct fuse_args *args;
	struct fwb_pending *p;
	__u64 unique, key, ctime = 0;
	__u32 hot, cold, opcode, pages = 0, conn;

	if (!w)
		return 0;
	conn = w->conn;
	unique = BPF_CORE_READ(req, in.h.unique);
	if (queued) {
		key = reqp | FWB_KEY_QUEUED_BIT;
		hot = addr_slot_of(key);
	} else {
		if (!unique)
			return 0;
		key = key_of(conn, unique);
		hot = hot_slot_of(conn, unique);
		if (key_by_addr && lookup(addr_slot_of(reqp), reqp, &in_cold))
			return 0;
	}
	if (seed_lookup(hot, key, &in_cold))
		return 0;
	in_cold = false;
	p = claim(&pending_hot[hot], &pending_hot[hot ^ 1], FWB_KEY_BUSY);
	for (int i = 0; i < FWB_SEED_PAIRS && !p; i++) {
		cold = (cold_slot_of(key) + 2 * i) & (FWB_PENDING_SLOTS - 1);
		p = claim(&pending[cold], &pending[cold ^ 1], FWB_KEY_BUSY);
		in_cold = true;
	}
	if (!p) {
		__sync_fetch_and_add(&drops.pending_full, 1);
		return 0;
	}
	if (in_cold)
		__sync_fetch_and_add(&pending_cold_used, 1);
	opcode = BPF_CORE_READ(req, in.h.opcode) & ~FWB_PENDING_FLAGS;
	p->nodeid = BPF_CORE_READ(req, in.h.nodeid);
	p->conn = conn;
	p->pid = BPF_CORE_READ(req, in.h.pid);
	p->start_ns = 0;	/* its send was not seen: counted, not timed */
	args = BPF_CORE_READ(req, args);
	if (opcode == FUSE_WRITE && args && writepage_end_addr &&
	    (__u64)BPF_CORE_READ(args, end) == writepage_end_addr) {
		pages = (BPF_CORE_READ(args, in_args[1].size) + 4095) >> 12;
		opcode |= FWB_OP_WRITEBACK;
		s = op_entry(conn, opcode);
		if (s)
			__sync_fetch_and_add(&s->inflight_pages, pages);
	}
	p->pages = pages;
	if (bpf_core_field_exists(((struct fuse_req___ct *)req)->create_time))
		ctime = BPF_CORE_READ((struct fuse_req___ct *)req, create_time);
	if (ctime) {
		p->start_jiffies = ctime;
	} else {
		p->start_jiffies = bpf_jiffies64();
		opcode |= FWB_PENDING_AGE_MIN;
	}
	p->opcode = opcode | FWB_PENDING_SEEDED | (queued ? FWB_PENDING_QUEUED : 0);
	if (queued)
		__sync_fetch_and_add(&pending_queued, 1);
	pending_seeds = 1;
	__sync_val_compare_and_swap(&p->key, FWB_KEY_BUSY, key);
	if (!req_finished(req) && BPF_CORE_READ(req, in.h.unique) == unique)
		return 0;
	unseed(p, key, in_cold);
	return 0;
}
