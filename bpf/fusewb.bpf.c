// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb collector: aggregates FUSE request and writeback activity in the
 * kernel.  Nothing here wakes user space; user space reads the maps and the
 * .bss when it wants a snapshot.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"

/* Set by user space before load. */
const volatile __u64 writepage_end_addr = 0;	/* &fuse_writepage_end, from kallsyms */
/*
 * Writeback WRITEs are always timed.  Other requests are timed one in
 * 2^sample_shift per CPU, and always when the CPU timed none yet in this
 * jiffy: a slow or quiet mount has every request timed, a storm of them only
 * a sample.  All are counted and tracked as pending; the slot's start_ns
 * carries the decision to the completion.
 */
const volatile __u32 sample_shift = 0;
/* blocks of rows in op_stats (its max_entries / FWB_OPS_ROWS), and the slot table's size - 1 */
const volatile __u32 ops_blocks = FWB_OPS_BLOCKS_DEFAULT;
const volatile __u32 ops_slot_mask = 4 * FWB_OPS_BLOCKS_DEFAULT - 1;

struct fwb_sampler {
	__u64 jiffies;		/* when this CPU last timed a request */
	__u64 seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwb_sampler);
} sampler SEC(".maps");

static __always_inline bool sample(__u64 now_jiffies)
{
	__u32 zero = 0;
	struct fwb_sampler *st = bpf_map_lookup_elem(&sampler, &zero);

	if (!st)
		return true;
	if (st->jiffies != now_jiffies || !(++st->seen & ((1U << sample_shift) - 1))) {
		st->jiffies = now_jiffies;
		return true;
	}
	return false;
}

struct fwb_pending pending_hot[FWB_PENDING_HOT] __attribute__((aligned(64)));
struct fwb_pending pending[FWB_PENDING_SLOTS] __attribute__((aligned(64)));
/*
 * Kernels up to 6.12 fire fuse_request_send before the request has its
 * unique id: there, requests are named by their address instead.  Set by the
 * first send that sees unique 0, read by user space to skip slots of the
 * other naming.
 */
__u32 key_by_addr;
/* slots in use in the cold table: user space skips scanning it when 0 */
__s64 pending_cold_used;
struct fwb_drops drops;
struct fwb_clock clock;
/*
 * Seeding (diag_seed): set by user space for the walk that takes the
 * requests already in the kernel's queues into the table at collector
 * start.  pending_seeds says some were taken, so a completion that finds
 * no entry looks under a seed's name too; pending_queued counts the seeds
 * of requests that wait for a background slot, which read_clock checks.
 */
__u32 seed_mode;
__u32 pending_seeds;
__s32 pending_queued;

/* blocks of FWB_OPS_ROWS rows, one per tracked connection; user space maps it (see fusewb.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FWB_OPS_BLOCKS_DEFAULT * FWB_OPS_ROWS);	/* user space sets ops_blocks rows */
	__type(key, __u32);
	__type(value, struct fwb_op_stats);
} op_stats SEC(".maps");
/*
 * The connection owning each slot (0: free), claimed with a compare-and-swap
 * by the first request seen; user space frees the slots of connections gone.
 * ops_block[slot]: 1 + the slot's block of rows, FWB_OPS_NO_BLOCK when none
 * was free (the connection is not tracked), 0 before it is claimed.
 * ops_blocks_taken: bit b is block b's.  Bit r of ops_rows_used[slot]: row r
 * was written, so user space reads only those.  ops_noslot: requests of
 * connections that found no slot (their mounts cannot be told from idle).
 */
__u32 ops_conn[FWB_OPS_SLOTS_MAX];
__u32 ops_block[FWB_OPS_SLOTS_MAX];
__u64 ops_rows_used[FWB_OPS_SLOTS_MAX];
__u64 ops_blocks_taken[FWB_OPS_BLOCKS_MAX / 64];
__u64 ops_noslot;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_TASKSTATS);
	__type(key, struct fwb_task_key);
	__type(value, struct fwb_task_stats);
} task_stats SEC(".maps");

/* Filled by user space with the bdi names of FUSE mounts: bdi name -> conn. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_BDIS);
	__type(key, struct fwb_bdi_key);
	__type(value, __u32);
} fuse_bdis SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_BDIS);
	__type(key, __u32);
	__type(value, struct fwb_bdi_stats);
} bdi_stats SEC(".maps");


static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r |= s;
	s = (v > 0xFFFF) << 4; v >>= s; r |= s;
	s = (v > 0xFF) << 3; v >>= s; r |= s;
	s = (v > 0xF) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	return r | (__u32)(v >> 1);
}

/*
 * The histogram slot of v, bounded in the 64-bit register that indexes the
 * array: clamped as a __u32, the compiler tests a 32-bit subregister, and
 * 6.1's verifier then rejects the index ("math between map_value pointer and
 * register with unbounded min value").  The barrier keeps the test on the
 * 64-bit value.
 */
static __always_inline __u64 hist_slot(__u64 v)
{
	__u64 slot = log2_u64(v);

	asm volatile("" : "+r"(slot));
	if (slot >= FWB_HIST_SLOTS)
		slot = FWB_HIST_SLOTS - 1;
	return slot;
}

/* A request is named by (connection, unique). */
static __always_inline __u64 key_of(__u32 conn, __u64 unique)
{
	return ((__u64)conn << 32) | (__u32)unique;
}

static __always_inline __u32 addr_slot_of(__u64 addr)
{
	return (addr * 0x9E3779B97F4A7C15ULL) >> (64 - FWB_PENDING_HOT_SHIFT);
}

/* In order of unique; each connection starts elsewhere in the table. */
static __always_inline __u32 hot_slot_of(__u32 conn, __u64 unique)
{
	return ((__u32)(unique >> 1) + conn * 0x9E3779B1U) & (FWB_PENDING_HOT - 1);
}

static __always_inline __u32 cold_slot_of(__u64 key)
{
	return (key * 0x9E3779B97F4A7C15ULL) >> (64 - FWB_PENDING_SHIFT);
}

static __always_inline struct fwb_pending *claim(struct fwb_pending *a, struct fwb_pending *b, __u64 key)
{
	if (__sync_val_compare_and_swap(&a->key, 0, key) == 0)
		return a;
	if (__sync_val_compare_and_swap(&b->key, 0, key) == 0)
		return b;
	return NULL;
}

static __always_inline struct fwb_pending *find(struct fwb_pending *a, struct fwb_pending *b, __u64 key)
{
	if (a->key == key)
		return a;
	if (b->key == key)
		return b;
	return NULL;
}

/* The slot holding key: in the pair at hot, else in its cold pair (*in_cold). */
static __always_inline struct fwb_pending *lookup(__u32 hot, __u64 key, bool *in_cold)
{
	struct fwb_pending *p = find(&pending_hot[hot & (FWB_PENDING_HOT - 1)],
				     &pending_hot[(hot ^ 1) & (FWB_PENDING_HOT - 1)], key);
	__u32 cold;

	*in_cold = false;
	if (p)
		return p;
	cold = cold_slot_of(key);
	p = find(&pending[cold], &pending[cold ^ 1], key);
	*in_cold = p != NULL;
	return p;
}

/*
 * Seeds are placed off the hot path, so they may look further for a free
 * cold pair than a send does: up to FWB_SEED_PAIRS pairs from the key's
 * own.  A thousand requests taken in at once would otherwise lose a few
 * percent to full pairs.  Only lookups for a seed probe them: a completion's
 * second try, and the seed's own checks.
 */
#define FWB_SEED_PAIRS	8

static __always_inline struct fwb_pending *seed_lookup(__u32 hot, __u64 key, bool *in_cold)
{
	struct fwb_pending *p = lookup(hot, key, in_cold);
	__u32 cold = cold_slot_of(key), c;

	for (int i = 1; i < FWB_SEED_PAIRS && !p; i++) {
		c = (cold + 2 * i) & (FWB_PENDING_SLOTS - 1);
		p = find(&pending[c], &pending[c ^ 1], key);
		*in_cold = p != NULL;
	}
	return p;
}

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

/* index of the one bit set in x: the bits below it counted, without branches (each would double the verifier's paths) */
static __always_inline __u32 bit_index(__u64 x)
{
	__u64 v = x - 1;

	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (v * 0x0101010101010101ULL) >> 56;
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
	if (opcode & FWB_OP_WRITEBACK)
		row = FWB_OPS_WB_ROW;
	else
		row = opcode < FWB_OPS_WB_ROW ? opcode : 0;
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
 * What the request programs need of a request, read once: through BTF where
 * the program gets a typed pointer (tp_btf, fentry), with probe reads where
 * its arguments are plain numbers (kprobes).  The writeback test: a
 * writeback WRITE ends in fuse_writepage_end (args->end), on every kernel.
 */
struct req_view {
	__u64 unique, nodeid;
	__u32 conn, opcode, pid, write_size;
	int error;
	bool writeback;
};

/*
 * Mainline reaches the connection through the request's channel
 * (req->chan->conn), earlier kernels through its mount (req->fm->fc).
 */
struct fuse_chan___chan {
	struct fuse_conn *conn;
} __attribute__((preserve_access_index));

struct fuse_req___chan {
	struct fuse_chan___chan *chan;
} __attribute__((preserve_access_index));

static __always_inline __u32 req_conn_probe(const struct fuse_req *req)
{
	if (bpf_core_field_exists(req->fm))
		return BPF_CORE_READ(req, fm, fc, dev);
	return BPF_CORE_READ((struct fuse_req___chan *)req, chan, conn, dev);
}

static __always_inline void view_btf(const struct fuse_req *req, struct req_view *v)
{
	if (bpf_core_field_exists(req->fm))
		v->conn = req->fm->fc->dev;
	else
		v->conn = req_conn_probe(req);
	v->unique = req->in.h.unique;
	v->opcode = req->in.h.opcode;
	v->nodeid = req->in.h.nodeid;
	v->pid = req->in.h.pid;
	v->error = req->out.h.error;
	if (v->opcode == 16 /* FUSE_WRITE */) {
		struct fuse_args *args = req->args;

		v->write_size = args->in_args[1].size;
		v->writeback = writepage_end_addr && (__u64)args->end == writepage_end_addr;
	}
}

static __always_inline void view_probe(const struct fuse_req *req, struct req_view *v)
{
	v->conn = req_conn_probe(req);
	v->unique = BPF_CORE_READ(req, in.h.unique);
	v->opcode = BPF_CORE_READ(req, in.h.opcode);
	v->nodeid = BPF_CORE_READ(req, in.h.nodeid);
	v->pid = BPF_CORE_READ(req, in.h.pid);
	v->error = BPF_CORE_READ(req, out.h.error);
	if (v->opcode == 16 /* FUSE_WRITE */) {
		v->write_size = BPF_CORE_READ(req, args, in_args[1].size);
		v->writeback = writepage_end_addr &&
			       (__u64)BPF_CORE_READ(req, args, end) == writepage_end_addr;
	}
}

/*
 * The request's address: argument argi of a tracing program's context, read
 * as a number (the verifier allows no arithmetic on the typed pointer), or
 * addr itself when argi < 0 (a kprobe's argument is a number already).
 */
static __always_inline __u64 req_key_addr(void *ctx, int argi, __u64 addr)
{
	if (argi >= 0)
		bpf_probe_read_kernel(&addr, sizeof(addr), (__u64 *)ctx + argi);
	return addr;
}

/* A request was queued for the daemon: claim its pending slot. */
static __always_inline void req_send(const struct req_view *v, void *ctx, int argi, __u64 addr)
{
	__u32 conn = v->conn;
	__u64 unique = v->unique;
	__u64 key = key_of(conn, unique);
	__u32 hot = hot_slot_of(conn, unique), cold;
	__u32 opcode = v->opcode;
	__u32 pid = v->pid;
	__u64 now_jiffies = bpf_jiffies64();
	struct fwb_pending *p;

	if (!unique && !key_by_addr)
		key_by_addr = 1;
	if (key_by_addr) {
		key = req_key_addr(ctx, argi, addr);
		hot = addr_slot_of(key);
	}
	p = claim(&pending_hot[hot], &pending_hot[hot ^ 1], key);
	if (!p) {
		cold = cold_slot_of(key);
		p = claim(&pending[cold], &pending[cold ^ 1], key);
		if (!p)
			goto drop;
		__sync_fetch_and_add(&pending_cold_used, 1);
	}
	p->nodeid = v->nodeid;
	p->conn = conn;
	p->pages = 0;
	if (!pid)
		pid = bpf_get_current_pid_tgid() >> 32;
	p->pid = pid;
	if (opcode == 16 /* FUSE_WRITE */ && v->writeback) {
		__u32 pages = (v->write_size + 4095) >> 12;
		struct fwb_op_stats *s = op_entry(conn, opcode | FWB_OP_WRITEBACK);

		p->pages = pages;
		opcode |= FWB_PENDING_WB;
		if (s)
			__sync_fetch_and_add(&s->inflight_pages, pages);
		p->start_ns = bpf_ktime_get_ns();
	} else {
		p->start_ns = sample(now_jiffies) ? bpf_ktime_get_ns() : 0;
	}
	p->start_jiffies = now_jiffies;
	p->opcode = opcode;
	return;
drop:
	__sync_fetch_and_add(&drops.pending_full, 1);
}

/* A racing larger value wins; a few retries, as only the daemon's threads race here. */
static __always_inline void store_max(__u64 *p, __u64 v)
{
	__u64 old = *p;

	for (int i = 0; i < 4 && v > old; i++) {
		__u64 seen = __sync_val_compare_and_swap(p, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

static __always_inline void account(struct fwb_op_stats *s, __u64 start_ns, int err, __u64 bytes)
{
	__u64 lat;

	__sync_fetch_and_add(&s->count, 1);
	if (err)
		__sync_fetch_and_add(&s->errors, 1);
	if (bytes)
		__sync_fetch_and_add(&s->bytes, bytes);
	if (!start_ns)
		return;
	lat = bpf_ktime_get_ns() - start_ns;
	__sync_fetch_and_add(&s->timed, 1);
	__sync_fetch_and_add(&s->lat_sum_ns, lat);
	store_max(&s->lat_max_ns, lat);
	__sync_fetch_and_add(&s->hist[hist_slot(lat)], 1);
}

/* A request was answered (or failed, or aborted): account it, free its slot. */
static __always_inline void req_end(const struct req_view *v, void *ctx, int argi, __u64 addr)
{
	__u32 conn = v->conn;
	__u64 unique = v->unique;
	__u64 key = key_of(conn, unique);
	__u32 hot = hot_slot_of(conn, unique);
	struct fwb_pending *p;
	struct fwb_op_stats *s;
	__u64 start_ns, bytes = 0, raddr = 0;
	__u32 opcode, pages;
	bool in_cold;

	if (key_by_addr) {
		raddr = req_key_addr(ctx, argi, addr);
		key = raddr;
		hot = addr_slot_of(key);
	}

	p = lookup(hot, key, &in_cold);
	if (!p && pending_seeds) {
		/* sent before attach: a seed is named by unique, or if it was queued by address */
		key = key_of(conn, unique);
		p = seed_lookup(hot_slot_of(conn, unique), key, &in_cold);
		if (!p) {
			if (!raddr)
				raddr = req_key_addr(ctx, argi, addr);
			key = raddr | FWB_KEY_QUEUED_BIT;
			p = seed_lookup(addr_slot_of(key), key, &in_cold);
		}
	}
	if (!p) {
		__sync_fetch_and_add(&drops.unmatched_end, 1);
		return;
	}
	start_ns = p->start_ns;
	opcode = p->opcode;
	pages = p->pages;
	/* a seed may be taken back by diag_seed or read_clock meanwhile: one of them empties it */
	if ((opcode & FWB_PENDING_SEEDED) &&
	    __sync_val_compare_and_swap(&p->key, key, FWB_KEY_BUSY) != key)
		return;
	p->opcode = 0;
	p->key = 0;
	if (in_cold)
		__sync_fetch_and_add(&pending_cold_used, -1);
	if (opcode & FWB_PENDING_QUEUED)
		__sync_fetch_and_add(&pending_queued, -1);

	if (opcode & FWB_PENDING_WB)
		opcode = (opcode & ~FWB_PENDING_FLAGS) | FWB_OP_WRITEBACK;
	else
		opcode &= ~FWB_PENDING_FLAGS;
	if ((opcode & 0xffff) == 16 /* FUSE_WRITE */)
		bytes = v->write_size;
	s = op_entry(conn, opcode);
	if (!s)
		return;
	account(s, start_ns, v->error, bytes);
	if (opcode & FWB_OP_WRITEBACK) {
		__sync_fetch_and_add(&s->pages, pages);
		__sync_fetch_and_add(&s->inflight_pages, -(__s64)pages);
	}
}

/* 6.12 and later: the request tracepoints */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(fuse_request_send, const struct fuse_req *req)
{
	struct req_view v = {};

	view_btf(req, &v);
	req_send(&v, ctx, 0, 0);
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(fuse_request_end, const struct fuse_req *req)
{
	struct req_view v = {};

	view_btf(req, &v);
	req_end(&v, ctx, 0, 0);
	return 0;
}

/*
 * Without them (before 6.12): the function that queues a request for the
 * daemon, and fuse_request_end (exported, in every version).  Up to 6.11
 * queue_request_and_unlock(fiq, req) runs after unique is assigned; 6.12's
 * fuse_dev_queue_req(fiq, req) assigns it inside (so requests are named by
 * address there, as with 6.12's tracepoint).  fentry where the kernel
 * allows it, else kprobes.
 */
SEC("fentry/queue_request_and_unlock")
int BPF_PROG(req_fe_queue, struct fuse_iqueue *fiq, struct fuse_req *req)
{
	struct req_view v = {};

	view_btf(req, &v);
	req_send(&v, ctx, 1, 0);
	return 0;
}

SEC("fentry/fuse_dev_queue_req")
int BPF_PROG(req_fe_dev_queue, struct fuse_iqueue *fiq, struct fuse_req *req)
{
	struct req_view v = {};

	view_btf(req, &v);
	req_send(&v, ctx, 1, 0);
	return 0;
}

SEC("fentry/fuse_request_end")
int BPF_PROG(req_fe_end, struct fuse_req *req)
{
	struct req_view v = {};

	view_btf(req, &v);
	req_end(&v, ctx, 0, 0);
	return 0;
}

SEC("kprobe/queue_request_and_unlock")
int BPF_KPROBE(req_kp_queue, void *fiq, struct fuse_req *req)
{
	struct req_view v = {};

	view_probe(req, &v);
	req_send(&v, ctx, -1, (__u64)req);
	return 0;
}

SEC("kprobe/fuse_dev_queue_req")
int BPF_KPROBE(req_kp_dev_queue, void *fiq, struct fuse_req *req)
{
	struct req_view v = {};

	view_probe(req, &v);
	req_send(&v, ctx, -1, (__u64)req);
	return 0;
}

SEC("kprobe/fuse_request_end")
int BPF_KPROBE(req_kp_end, struct fuse_req *req)
{
	struct req_view v = {};

	view_probe(req, &v);
	req_end(&v, ctx, -1, (__u64)req);
	return 0;
}

static __always_inline __u32 fuse_conn_of(struct address_space *mapping)
{
	struct super_block *sb = mapping ? mapping->host->i_sb : NULL;

	if (!sb || sb->s_magic != FUSE_SUPER_MAGIC_FWB)
		return 0;
	return sb->s_dev;
}

static __always_inline void count_task(__u32 conn, __u32 kind)
{
	struct fwb_task_key k = {
		.conn = conn,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.kind = kind,
	};
	struct fwb_task_stats *v, init = { .count = 1 };

	v = bpf_map_lookup_elem(&task_stats, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	if (bpf_map_update_elem(&task_stats, &k, &init, BPF_NOEXIST))
		__sync_fetch_and_add(&drops.taskstats_full, 1);
}

/*
 * Connections whose bdi name is in fuse_bdis, by connection number: the
 * first folio dirtied on a FUSE mount names its bdi to the throttle program,
 * so its pauses count from the first one however rarely user space reads
 * (the exporter reads only when scraped).  Dirtying always comes before
 * balance_dirty_pages.  One load a dirtied folio once learned; user space
 * drops gone mounts' names and clears their slots.
 */
__u32 bdi_learned[FWB_MAX_BDIS];
_Static_assert(!(FWB_MAX_BDIS & (FWB_MAX_BDIS - 1)), "bdi_learned is indexed by a mask");

static __always_inline void learn_bdi(struct address_space *mapping, __u32 conn)
{
	__u32 i = conn & (FWB_MAX_BDIS - 1);
	struct fwb_bdi_key k = {};

	if (bdi_learned[i] == conn)
		return;
	bpf_probe_read_kernel_str(k.name, sizeof(k.name), mapping->host->i_sb->s_bdi->dev_name);
	/* a full map is tried again by the next folio: a gone mount's name may have left */
	if (bpf_map_update_elem(&fuse_bdis, &k, &conn, BPF_ANY))
		__sync_fetch_and_add(&drops.bdistats_full, 1);
	else
		bdi_learned[i] = conn;
}

/* a task dirtied, or waits on writeback of, a page of mapping */
static __always_inline void count_mapping(struct address_space *mapping, __u32 kind)
{
	__u32 conn = fuse_conn_of(mapping);

	if (!conn)
		return;
	if (kind == FWB_TASK_DIRTY)
		learn_bdi(mapping, conn);
	count_task(conn, kind);
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio, struct folio *folio, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_DIRTY);
	return 0;
}

SEC("tp_btf/folio_wait_writeback")
int BPF_PROG(folio_wait_writeback, struct folio *folio, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_WBWAIT);
	return 0;
}

/* Before the folio conversion (5.17) the same two tracepoints took a page. */
SEC("tp_btf/writeback_dirty_page")
int BPF_PROG(writeback_dirty_page, struct page *page, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_DIRTY);
	return 0;
}

SEC("tp_btf/wait_on_page_writeback")
int BPF_PROG(wait_on_page_writeback, struct page *page, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_WBWAIT);
	return 0;
}

/*
 * Up to 6.13 the format calls this bdi's share bdi_dirty / bdi_setpoint;
 * both spellings are flavours, so the object builds against either vmlinux.h.
 */
struct trace_event_raw_balance_dirty_pages___old {
	unsigned long bdi_setpoint;
	unsigned long bdi_dirty;
} __attribute__((preserve_access_index));

struct trace_event_raw_balance_dirty_pages___new {
	unsigned long wb_setpoint;
	unsigned long wb_dirty;
} __attribute__((preserve_access_index));

/*
 * The most dirty pages of an interval, with the bdi's limit at that event.
 * The record has no wb_thresh, only wb_setpoint = setpoint * wb_thresh /
 * (thresh + 1) (6.12 and 6.18 alike), and limit, which is thresh once the
 * domain's limit has caught up with it (6.18: max(thresh, dirty_limit)):
 * wb_setpoint * (limit + 1) / setpoint is then BdiDirtyThresh, within a
 * page of rounding, and no lower than it while the limit lags a falling
 * thresh (the percentage errs low, never high).
 */
static __always_inline void store_peak(struct fwb_bdi_stats *s, __u64 dirty, __u64 wb_setpoint,
				       __u64 limit, __u64 setpoint)
{
	__u64 lim = 0;

	if (setpoint)
		lim = wb_setpoint * (limit + 1) / setpoint;
	if (dirty > 0xffffffffULL)
		dirty = 0xffffffffULL;
	if (lim > 0xffffffffULL)
		lim = 0xffffffffULL;
	store_max(&s->peak, dirty << 32 | lim);
}

/*
 * The classic tracepoint, not tp_btf: its arguments changed between 6.12
 * and 6.18; of the format struct's fields only two were renamed.
 */
SEC("tracepoint/writeback/balance_dirty_pages")
int balance_dirty_pages(struct trace_event_raw_balance_dirty_pages *ctx)
{
	struct fwb_bdi_key name = {};
	struct fwb_bdi_stats *s, init = {};
	__u64 limit, wb_dirty, wb_setpoint;
	__u32 *conn;
	long pause;

	bpf_probe_read_kernel_str(name.name, sizeof(name.name), ctx->bdi);
	conn = bpf_map_lookup_elem(&fuse_bdis, &name);
	if (!conn)
		return 0;
	s = bpf_map_lookup_elem(&bdi_stats, conn);
	if (!s) {
		if (bpf_map_update_elem(&bdi_stats, conn, &init, BPF_NOEXIST) == -7 /* E2BIG */)
			__sync_fetch_and_add(&drops.bdistats_full, 1);
		s = bpf_map_lookup_elem(&bdi_stats, conn);
		if (!s)
			return 0;
	}
	/*
	 * The record's pause is in milliseconds already (the kernel stores
	 * pause * 1000 / HZ).  A call that does not sleep records
	 * min(pause, 0): only pause > 0 is a pause.
	 */
	pause = BPF_CORE_READ(ctx, pause);
	if (pause > 0) {
		__sync_fetch_and_add(&s->throttle_count, 1);
		__sync_fetch_and_add(&s->throttle_ns, (__u64)pause * 1000000ULL);
	}
	s->last_ns = bpf_ktime_get_ns();
	s->dirty = BPF_CORE_READ(ctx, dirty);
	/* locals: another CPU may store its event's fields meanwhile */
	limit = BPF_CORE_READ(ctx, limit);
	if (bpf_core_field_exists(((struct trace_event_raw_balance_dirty_pages___new *)ctx)->wb_dirty)) {
		struct trace_event_raw_balance_dirty_pages___new *cur = (void *)ctx;

		wb_dirty = BPF_CORE_READ(cur, wb_dirty);
		wb_setpoint = BPF_CORE_READ(cur, wb_setpoint);
	} else {
		struct trace_event_raw_balance_dirty_pages___old *old = (void *)ctx;

		wb_dirty = BPF_CORE_READ(old, bdi_dirty);
		wb_setpoint = BPF_CORE_READ(old, bdi_setpoint);
	}
	s->limit = limit;
	s->wb_dirty = wb_dirty;
	s->wb_setpoint = wb_setpoint;
	store_peak(s, wb_dirty, wb_setpoint, limit, BPF_CORE_READ(ctx, setpoint));
	return 0;
}

/*
 * The peaks are taken, not read: one BPF_PROG_RUN per snapshot (not per
 * mount) exchanges every bdi's peak for 0.  The exchange is atomic against
 * store_peak's compare-and-swap, so an event lands in exactly one interval;
 * a read followed by a reset from user space would lose the events between
 * the two.  A monotonic figure cannot serve: a maximum has no delta.
 * Every entry's peak_taken is rewritten each time, so the batch read that
 * follows sees only this interval's.
 */
static long take_peak(struct bpf_map *map, __u32 *conn, struct fwb_bdi_stats *s, void *ctx)
{
	s->peak_taken = __sync_lock_test_and_set(&s->peak, 0);
	return 0;
}

SEC("syscall")
int bdi_peaks_take(void *ctx)
{
	bpf_for_each_map_elem(&bdi_stats, take_peak, NULL, 0);
	return 0;
}

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/* The /proc state letter, without a /proc read per daemon per refresh. */
static __always_inline char task_state_letter(struct task_struct *task)
{
	unsigned int st;

	if (bpf_core_field_exists(task->__state))
		st = BPF_CORE_READ(task, __state);
	else
		st = BPF_CORE_READ((struct task_struct___pre514 *)task, state);
	if (st & 0x4)		/* __TASK_STOPPED */
		return 'T';
	if (st & 0x8)		/* __TASK_TRACED */
		return 't';
	if (st & 0x2)		/* TASK_UNINTERRUPTIBLE, or TASK_IDLE with TASK_NOLOAD */
		return (st & 0x400) ? 'I' : 'D';
	if (st & 0x1)
		return 'S';
	return 'R';
}

/*
 * ---- kernel writeback: temp pages in flight, WRITE latency, re-dirty waits ----
 *
 * Before 6.16 the kernel copies every page it writes back to a FUSE server
 * into a temporary page (NR_WRITEBACK_TEMP), freed when the WRITE completes.
 * A patched kernel (kernel/patches) has tracepoints where a temp page is
 * filled (fuse_writepage_tmp_alloc), where the WRITE completes
 * (fuse_writepage_end) and where a task waits for a page's writeback before
 * dirtying it again (fuse_wait_writeback_end), and stamps each request with
 * its allocation time.  Without them the same three places are reached with
 * fentry/fexit or kprobe/kretprobe on the functions they sit in; user space
 * loads one set (cli/lib/sources.c).  All sets feed the same maps.
 *
 * A request is tracked from its first temp page to its completion, keyed by
 * the address of its struct fuse_writepage_args.  Some requests are freed
 * without completing (dropped unsent after a truncate or an abort, or merged
 * into a queued request): their pages leave the count when the address is
 * seen again at the first page of a new request, or when user space finds
 * the entry old on a connection with nothing waiting (cli/lib/kwb.c).
 */
struct fuse_writepage_args___patched {
	__u64 id;
	__u64 alloc_ns;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_WBREQS);
	__type(key, __u64);
	__type(value, struct fwb_wbreq);
} wb_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FWB_MAX_CONNS);
	__type(key, __u32);
	__type(value, struct fwb_kwb_stats);
} kwb_stats SEC(".maps");

/* LRU: a thread that never returns (killed in the wait) must not hold a slot forever */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWB_MAX_WAITERS);
	__type(key, __u64);
	__type(value, struct fwb_waiter);
} waiters SEC(".maps");

static const struct fwb_kwb_stats zero_kwb;

static __always_inline struct fwb_kwb_stats *kwb_entry(__u32 conn)
{
	struct fwb_kwb_stats *s;

	s = bpf_map_lookup_elem(&kwb_stats, &conn);
	if (s)
		return s;
	bpf_map_update_elem(&kwb_stats, &conn, &zero_kwb, BPF_NOEXIST);
	return bpf_map_lookup_elem(&kwb_stats, &conn);
}

static __always_inline __u32 wpa_conn(__u64 wpa)
{
	return BPF_CORE_READ((struct fuse_writepage_args *)wpa, inode, i_sb, s_dev);
}

static __always_inline void kwb_orphan(const struct fwb_wbreq *r)
{
	struct fwb_kwb_stats *s = kwb_entry(r->conn);

	if (s)
		s->tmp_orphan_pages += r->pages;
}

/* A temp page was filled: page_index 0 starts a request. */
static __always_inline void kwb_tmp_alloc(__u64 wpa, __u32 page_index, __u64 id, __u64 start_ns)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_wbreq nr = {};
	struct fwb_kwb_stats *s;
	__u32 conn;

	if (page_index == 0) {
		/* a request lived here and was freed without completing */
		if (r)
			kwb_orphan(r);
		conn = wpa_conn(wpa);
		nr.id = id;
		nr.start_ns = start_ns;
		nr.conn = conn;
		nr.pages = 1;
		if (bpf_map_update_elem(&wb_reqs, &wpa, &nr, BPF_ANY)) {
			__sync_fetch_and_add(&drops.wbreqs_full, 1);
			return;
		}
	} else {
		/* its first page came before we attached, or the table was full */
		if (!r)
			return;
		__sync_fetch_and_add(&r->pages, 1);
		conn = r->conn;
	}
	s = kwb_entry(conn);
	if (s)
		s->tmp_alloc_pages++;
}

/*
 * A temp-page WRITE completed.  start_ns is the kernel's own stamp when it
 * has one (0: use the time of the first temp page); id 0 means unknown.
 */
static __always_inline void kwb_end(__u64 wpa, int error, __u64 start_ns, __u64 id)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_kwb_stats *s;
	__u32 conn, pages = 0;
	__u64 lat;

	if (r && id && r->id != id) {
		/* left from an earlier request at this address */
		kwb_orphan(r);
		bpf_map_delete_elem(&wb_reqs, &wpa);
		r = NULL;
	}
	if (r) {
		conn = r->conn;
		pages = r->pages;
		if (!start_ns)
			start_ns = r->start_ns;
		bpf_map_delete_elem(&wb_reqs, &wpa);
	} else {
		__sync_fetch_and_add(&drops.wbreq_unmatched, 1);
		conn = wpa_conn(wpa);
	}
	s = kwb_entry(conn);
	if (!s)
		return;
	s->tmp_end_pages += pages;
	s->ends++;
	if (error)
		s->errors++;
	lat = bpf_ktime_get_ns() - start_ns;
	if (!start_ns || (__s64)lat < 0)
		return;
	s->timed++;
	s->lat_sum_ns += lat;
	if (lat > s->lat_max_ns)
		s->lat_max_ns = lat;
	s->hist[hist_slot(lat)]++;
}

static __always_inline void kwb_redirty(__u32 conn, __u64 wait_ns)
{
	struct fwb_task_key k = {
		.conn = conn,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.kind = FWB_TASK_REDIRTY,
	};
	struct fwb_task_stats *v, init = { .count = 1, .wait_ns = wait_ns };
	struct fwb_kwb_stats *s = kwb_entry(conn);

	if (s) {
		s->redirty_waits++;
		s->redirty_wait_ns += wait_ns;
	}
	v = bpf_map_lookup_elem(&task_stats, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		__sync_fetch_and_add(&v->wait_ns, wait_ns);
		return;
	}
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	if (bpf_map_update_elem(&task_stats, &k, &init, BPF_NOEXIST))
		__sync_fetch_and_add(&drops.taskstats_full, 1);
}

static __always_inline __u64 current_nvcsw(void)
{
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nvcsw);
}

static __always_inline void waiter_enter(__u32 conn)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fwb_waiter w = {
		.start_ns = bpf_ktime_get_ns(),
		.nvcsw = current_nvcsw(),
		.conn = conn,
	};

	bpf_map_update_elem(&waiters, &tid, &w, BPF_ANY);
}

/* Most calls find the page clean and return at once: only a call that slept waited. */
static __always_inline void waiter_exit(void)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fwb_waiter *w = bpf_map_lookup_elem(&waiters, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!w)
		return;
	if (current_nvcsw() != w->nvcsw)
		kwb_redirty(w->conn, now - w->start_ns);
	bpf_map_delete_elem(&waiters, &tid);
}

/* patched kernel: tracepoints */
SEC("tp_btf/fuse_writepage_tmp_alloc")
int BPF_PROG(kwb_tp_tmp_alloc, const struct fuse_writepage_args *wpa, const struct folio *folio,
	     unsigned int page_index)
{
	struct fuse_writepage_args___patched *p = (void *)wpa;

	kwb_tmp_alloc((__u64)wpa, page_index, BPF_CORE_READ(p, id), BPF_CORE_READ(p, alloc_ns));
	return 0;
}

SEC("tp_btf/fuse_writepage_end")
int BPF_PROG(kwb_tp_end, const struct fuse_writepage_args *wpa, int error)
{
	struct fuse_writepage_args___patched *p = (void *)wpa;

	kwb_end((__u64)wpa, error, BPF_CORE_READ(p, alloc_ns), BPF_CORE_READ(p, id));
	return 0;
}

SEC("tp_btf/fuse_wait_writeback_end")
int BPF_PROG(kwb_tp_wait_end, struct inode *inode, unsigned long index, __u64 wait_ns)
{
	kwb_redirty(BPF_CORE_READ(inode, i_sb, s_dev), wait_ns);
	return 0;
}

/* fallback: fentry/fexit on the functions (where the kernel allows them) */
static __always_inline __u64 wpa_of_args(__u64 args)
{
	return args - bpf_core_field_offset(struct fuse_writepage_args, ia.ap.args);
}

SEC("fentry/fuse_writepage_args_page_fill")
int BPF_PROG(kwb_fe_tmp_alloc, struct fuse_writepage_args *wpa, struct folio *folio,
	     struct folio *tmp_folio, __u32 page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index, 0, bpf_ktime_get_ns());
	return 0;
}

/*
 * Before fuse_writepage_args_page_fill (6.1 to 6.9) the page cache's
 * writeback fills each temp page in fuse_writepages_fill(page, wbc, data);
 * on return data->wpa is the request the page went into, as its last page.
 * NULL: the page joined a request already queued for it (a rewrite while
 * under writeback), which is not seen; nor is one-page writeback from reclaim
 * (fuse_writepage_locked): their completions count as untracked.
 */
struct fuse_fill_wb_data___fill {
	struct fuse_writepage_args *wpa;
} __attribute__((preserve_access_index));

/* pages, not folios, in those kernels' requests */
struct fuse_args_pages___pages {
	unsigned int num_pages;
} __attribute__((preserve_access_index));

static __always_inline void kwb_fill_done(void *data, int ret)
{
	struct fuse_writepage_args *wpa;
	__u32 n;

	if (ret)
		return;
	wpa = BPF_CORE_READ((struct fuse_fill_wb_data___fill *)data, wpa);
	if (!wpa)
		return;
	n = BPF_CORE_READ((struct fuse_args_pages___pages *)&wpa->ia.ap, num_pages);
	if (n)
		kwb_tmp_alloc((__u64)wpa, n - 1, 0, bpf_ktime_get_ns());
}

SEC("fexit/fuse_writepages_fill")
int BPF_PROG(kwb_fe_fill, void *page, void *wbc, void *data, int ret)
{
	kwb_fill_done(data, ret);
	return 0;
}

SEC("fentry/fuse_writepage_end")
int BPF_PROG(kwb_fe_end, struct fuse_mount *fm, struct fuse_args *args, int error)
{
	kwb_end(wpa_of_args((__u64)args), error, 0, 0);
	return 0;
}

SEC("fentry/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait, struct inode *inode, unsigned long index)
{
	waiter_enter(BPF_CORE_READ(inode, i_sb, s_dev));
	return 0;
}

SEC("fexit/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait_ret, struct inode *inode, unsigned long index)
{
	waiter_exit();
	return 0;
}

/* fallback: kprobes */
SEC("kprobe/fuse_writepage_args_page_fill")
int BPF_KPROBE(kwb_kp_tmp_alloc, void *wpa, void *folio, void *tmp_folio, __u32 page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index, 0, bpf_ktime_get_ns());
	return 0;
}

SEC("kprobe/fuse_writepage_end")
int BPF_KPROBE(kwb_kp_end, void *fm, void *args, int error)
{
	kwb_end(wpa_of_args((__u64)args), error, 0, 0);
	return 0;
}

/* the kprobe twin of kwb_fe_fill: data kept per thread from entry to return */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWB_MAX_WAITERS);
	__type(key, __u64);
	__type(value, __u64);
} fill_data SEC(".maps");

SEC("kprobe/fuse_writepages_fill")
int BPF_KPROBE(kwb_kp_fill, void *page, void *wbc, void *data)
{
	__u64 tid = bpf_get_current_pid_tgid(), d = (__u64)data;

	bpf_map_update_elem(&fill_data, &tid, &d, BPF_ANY);
	return 0;
}

SEC("kretprobe/fuse_writepages_fill")
int BPF_KRETPROBE(kwb_kp_fill_ret, int ret)
{
	__u64 tid = bpf_get_current_pid_tgid(), *d = bpf_map_lookup_elem(&fill_data, &tid);

	if (!d)
		return 0;
	kwb_fill_done((void *)*d, ret);
	bpf_map_delete_elem(&fill_data, &tid);
	return 0;
}

SEC("kprobe/fuse_wait_on_page_writeback")
int BPF_KPROBE(kwb_kp_wait, struct inode *inode)
{
	waiter_enter(BPF_CORE_READ(inode, i_sb, s_dev));
	return 0;
}

SEC("kretprobe/fuse_wait_on_page_writeback")
int BPF_KRETPROBE(kwb_kp_wait_ret)
{
	waiter_exit();
	return 0;
}

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
	if (opcode & FWB_PENDING_WB) {
		s = op_entry(p->conn, 16 /* FUSE_WRITE */ | FWB_OP_WRITEBACK);
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
	return 0;
}

/* Who holds /dev/fuse, and for which connection: the daemons. */
SEC("iter/task_file")
int fuse_devfiles(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct fwb_devfile out = {};
	struct fuse_dev *fud;

	if (!task || !file)
		return 0;
	if (BPF_CORE_READ(file, f_inode, i_rdev) != FWB_FUSE_DEV_RDEV)
		return 0;
	fud = BPF_CORE_READ(file, private_data);
	if (fud)
		out.conn = BPF_CORE_READ(fud, fc, dev);
	out.tgid = task->tgid;
	out.pid = task->pid;
	out.fd = ctx->fd;
	out.state = task_state_letter(task);
	BPF_CORE_READ_STR_INTO(&out.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}

/*
 * ---- diagnose: the state of every connection, read post hoc ----
 *
 * These iterators need nothing to have been running before: they find the
 * connections through the files tasks hold (/dev/fuse for daemons, files on
 * FUSE mounts for users) and walk the kernel's request queues read-only.
 * The queues are walked without their locks, so a walk may see a list
 * change under it: every pointer is read with a fault-safe probe read and
 * every list walk is bounded; the result is a best-effort picture.
 */

#define TASK_INTERRUPTIBLE_FWB		0x1
#define TASK_UNINTERRUPTIBLE_FWB	0x2
#define TASK_STOPPED_FWB		0x4
#define TASK_TRACED_FWB			0x8
#define TASK_NOLOAD_FWB			0x400

/*
 * connection -> the iterator session and object that walked it: one walk
 * per connection per run.  The object is remembered because bpf_seq_read
 * runs an object again when its output did not fit the buffer (its first
 * output is discarded); that second run must walk again.
 */
struct diag_walked_val {
	__u64 session;
	__u64 seq_num;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct diag_walked_val);
} diag_walked SEC(".maps");

struct diag_watch_key {
	__u32 id;
	__u32 kind;	/* 0: daemon tgid, 1: requesting thread */
};

/* Filled by diag_files, read by diag_tasks: whose threads to report besides D and T ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct diag_watch_key);
	__type(value, __u64);
} diag_watch SEC(".maps");

struct diag_reqbuf {
	struct fwb_diag_req r[FWB_DIAG_MAX_REQS];
};

/* One object's requests are gathered here and written with one seq write. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct diag_reqbuf);
} diag_reqs SEC(".maps");

/*
 * One walk visits, in order: fiq->pending, fc->bg_queue, then for each
 * device its fpq->io and the FWB_DIAG_PQ_HASH lists of fpq->processing.
 * It is a single bpf_loop over one step function, so the verifier checks
 * the step once instead of once per list and nesting level.
 */
enum diag_stage { DIAG_ST_PENDING, DIAG_ST_BG, DIAG_ST_IO, DIAG_ST_PROC, DIAG_ST_DONE };

/* every entry is counted (up to FWB_DIAG_LIST_MAX a list); a cycle in a list torn under the walk ends here */
#define DIAG_MAX_STEPS	(1 << 19)

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

/* 6.13 and later stamp each request at its allocation (jiffies) */
struct fuse_req___ct {
	unsigned long create_time;
} __attribute__((preserve_access_index));

static __always_inline void diag_watch_add(__u32 id, __u32 kind, __u64 session)
{
	struct diag_watch_key k = { .id = id, .kind = kind };

	if (id)
		bpf_map_update_elem(&diag_watch, &k, &session, BPF_ANY);
}

static __always_inline __u32 diag_queue_of(__u32 stage)
{
	switch (stage) {
	case DIAG_ST_PENDING: return FWB_DIAGQ_PENDING;
	case DIAG_ST_BG: return FWB_DIAGQ_BACKGROUND;
	case DIAG_ST_IO: return FWB_DIAGQ_IO;
	default: return FWB_DIAGQ_PROCESSING;
	}
}

/*
 * Global (not static) functions are verified once, on their own, rather
 * than at every call site: this keeps the load time of the walk low.
 */
__noinline int diag_gather(struct diag_walk *w, __u64 reqp, __u32 queue)
{
	struct fuse_req *req = (struct fuse_req *)reqp;
	struct diag_reqbuf *buf;
	struct fwb_diag_req *r;
	struct fuse_args *args;
	__u32 zero = 0, n;

	if (!w)
		return 0;
	n = w->n;
	if (n >= FWB_DIAG_MAX_REQS)	/* counted, not listed: the conn record says how many */
		return 0;
	buf = bpf_map_lookup_elem(&diag_reqs, &zero);
	if (!buf)
		return 0;
	r = &buf->r[n & (FWB_DIAG_MAX_REQS - 1)];
	r->h.kind = FWB_DIAG_REQ;
	r->h.size = sizeof(*r);
	r->conn = w->conn;
	r->queue = queue;
	r->opcode = BPF_CORE_READ(req, in.h.opcode);
	r->pid = BPF_CORE_READ(req, in.h.pid);
	r->unique = BPF_CORE_READ(req, in.h.unique);
	r->addr = (__u64)req;
	r->nodeid = BPF_CORE_READ(req, in.h.nodeid);
	r->flags = BPF_CORE_READ(req, flags);
	r->create_time = 0;
	if (bpf_core_field_exists(((struct fuse_req___ct *)req)->create_time))
		r->create_time = BPF_CORE_READ((struct fuse_req___ct *)req, create_time);
	args = BPF_CORE_READ(req, args);
	r->writeback = 0;
	r->bytes = 0;
	if (args) {
		r->writeback = writepage_end_addr && (__u64)BPF_CORE_READ(args, end) == writepage_end_addr;
		if (r->opcode == 16 /* FUSE_WRITE */)
			r->bytes = BPF_CORE_READ(args, in_args[1].size);
	}
	w->n = n + 1;
	diag_watch_add(r->pid, 1, w->session);
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
	if (opcode == 16 /* FUSE_WRITE */ && args && writepage_end_addr &&
	    (__u64)BPF_CORE_READ(args, end) == writepage_end_addr) {
		pages = (BPF_CORE_READ(args, in_args[1].size) + 4095) >> 12;
		opcode |= FWB_PENDING_WB;
		s = op_entry(conn, 16 | FWB_OP_WRITEBACK);
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

/* Move to the next list; 0 when every list has been walked. */
__noinline int diag_next_list(struct diag_walk *w)
{
	struct fuse_conn *fc;
	struct list_head *h;

	if (!w)
		return 0;
	fc = (struct fuse_conn *)w->fc;
	if (w->inlist >= FWB_DIAG_LIST_MAX && w->pos && w->pos != w->head)
		w->truncated = 1;
	if (w->stage == DIAG_ST_PENDING) {
		w->stage = DIAG_ST_BG;
		w->head = (__u64)&fc->bg_queue;
	} else if (w->stage == DIAG_ST_IO && w->processing) {
		w->stage = DIAG_ST_PROC;
		w->bucket = 0;
		w->head = w->processing;
	} else if (w->stage == DIAG_ST_PROC && w->bucket + 1 < FWB_DIAG_PQ_HASH) {
		w->bucket++;
		w->head = w->processing + (__u64)w->bucket * sizeof(struct list_head);
	} else {
		struct list_head *d = (struct list_head *)w->dev_pos;
		struct fuse_dev *fud;

		if (w->stage == DIAG_ST_BG) {
			w->devs_head = (__u64)&fc->devices;
			w->dev_pos = (__u64)BPF_CORE_READ(fc, devices.next);
			d = (struct list_head *)w->dev_pos;
		}
		if (!w->dev_pos || w->dev_pos == w->devs_head || w->ndevs >= FWB_DIAG_MAX_DEVS) {
			w->stage = DIAG_ST_DONE;
			return 0;
		}
		fud = (struct fuse_dev *)(w->dev_pos - bpf_core_field_offset(struct fuse_dev, entry));
		w->dev_pos = (__u64)BPF_CORE_READ(d, next);
		w->ndevs++;
		w->stage = DIAG_ST_IO;
		w->head = (__u64)&fud->pq.io;
		w->processing = (__u64)BPF_CORE_READ(fud, pq.processing);
	}
	h = (struct list_head *)w->head;
	w->pos = (__u64)BPF_CORE_READ(h, next);
	w->inlist = 0;
	return 1;
}

static long diag_step(__u32 i, struct diag_walk *w)
{
	struct list_head *pos = (struct list_head *)w->pos;
	__u32 q;

	if (!w->pos || w->pos == w->head || w->inlist >= FWB_DIAG_LIST_MAX)
		return diag_next_list(w) ? 0 : 1;
	q = diag_queue_of(w->stage);
	w->seen[q & (FWB_DIAGQ_NR - 1)]++;
	w->inlist++;
	w->pos = (__u64)BPF_CORE_READ(pos, next);
	/* list is fuse_req's first member */
	if (BPF_CORE_READ((struct fuse_req *)pos, in.h.opcode) == 16 /* FUSE_WRITE */)
		w->nwrites++;
	if (w->seed)
		diag_seed(w, (__u64)pos, q);
	diag_gather(w, (__u64)pos, q);
	return 0;
}

/* Walk every queue of one connection, once per iterator session. */
static __always_inline void diag_walk_conn(struct seq_file *seq, struct fuse_conn *fc,
					   __u64 session, __u64 seq_num)
{
	struct diag_walked_val *walked, mark = { session, seq_num };
	struct fwb_diag_conn out = {};
	struct diag_walk w = {};
	struct diag_reqbuf *buf;
	struct list_head *h;
	__u32 zero = 0, conn;

	if (!fc)
		return;
	conn = BPF_CORE_READ(fc, dev);
	walked = bpf_map_lookup_elem(&diag_walked, &conn);
	if (walked && walked->session == session && walked->seq_num != seq_num)
		return;
	bpf_map_update_elem(&diag_walked, &conn, &mark, BPF_ANY);

	w.fc = (__u64)fc;
	w.conn = conn;
	w.session = session;
	w.seed = seed_mode;
	w.stage = DIAG_ST_PENDING;
	w.head = (__u64)&fc->iq.pending;
	h = (struct list_head *)w.head;
	w.pos = (__u64)BPF_CORE_READ(h, next);
	if (bpf_loop(DIAG_MAX_STEPS, diag_step, &w, 0) >= DIAG_MAX_STEPS && w.stage != DIAG_ST_DONE)
		w.truncated = 1;

	buf = bpf_map_lookup_elem(&diag_reqs, &zero);
	if (buf && w.n > 0) {
		__u32 n = w.n > FWB_DIAG_MAX_REQS ? FWB_DIAG_MAX_REQS : w.n;

		bpf_seq_write(seq, buf, n * sizeof(struct fwb_diag_req));
	}
	out.h.kind = FWB_DIAG_CONN;
	out.h.size = sizeof(out);
	out.conn = conn;
	out.connected = BPF_CORE_READ(fc, connected);
	out.aborted = BPF_CORE_READ(fc, aborted);
	out.blocked = BPF_CORE_READ(fc, blocked);
	out.initialized = BPF_CORE_READ(fc, initialized);
	out.num_background = BPF_CORE_READ(fc, num_background);
	out.active_background = BPF_CORE_READ(fc, active_background);
	out.max_background = BPF_CORE_READ(fc, max_background);
	out.congestion_threshold = BPF_CORE_READ(fc, congestion_threshold);
	out.num_waiting = BPF_CORE_READ(fc, num_waiting.counter);
	out.ndevs = w.ndevs;
	out.has_create_time = bpf_core_field_exists(struct fuse_req___ct, create_time);
	for (int q = 0; q < FWB_DIAGQ_NR; q++)
		out.nq[q] = w.seen[q];
	out.truncated = w.truncated;
	out.emitted = w.n > FWB_DIAG_MAX_REQS ? FWB_DIAG_MAX_REQS : w.n;
	out.nwrites = w.nwrites;
	out.jiffies = bpf_jiffies64();
	bpf_seq_write(seq, &out, sizeof(out));
}

/*
 * ---- diagnose: the other end of the daemons' sockets and pipes ----
 *
 * diag_files puts every daemon on the path (hop 0).  Each run of
 * diag_peers reports the sockets and pipes of the processes on the path
 * and wants the other end of each; a process holding a wanted end joins
 * the path one hop further.  A process may come before the one that wants
 * its end in the walk, so user space runs diag_peers until a run adds
 * nothing.  Entries carry the diag_files session that made them: older
 * ones are ignored, so nothing needs clearing between looks.
 */
__u64 diag_gen;

struct diag_hop {
	__u64 gen;
	__u32 hop;
	__u32 pad;
};

/* tgid -> its distance from a daemon */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct diag_hop);
} diag_path SEC(".maps");

struct diag_ep_key {
	__u32 kind;
	__u16 sport, dport;
	__u64 net;
	__u64 a[2];
	__u64 b[2];
};

struct diag_want {
	__u64 gen;
	__u32 hop;
	__u32 from;	/* the tgid that wants it: its own other end is not a peer */
};

/* an end some process on the path wants the holder of */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct diag_ep_key);
	__type(value, struct diag_want);
} diag_wanted SEC(".maps");

static __always_inline void diag_path_add(__u32 tgid, __u32 hop)
{
	struct diag_hop v = { .gen = diag_gen, .hop = hop }, *old;

	old = bpf_map_lookup_elem(&diag_path, &tgid);
	if (old && old->gen == diag_gen && old->hop <= hop)
		return;
	bpf_map_update_elem(&diag_path, &tgid, &v, BPF_ANY);
}

#define S_IFMT_FWB	00170000
#define S_IFSOCK_FWB	0140000
#define S_IFIFO_FWB	0010000
#define FMODE_READ_FWB	0x1
#define FMODE_WRITE_FWB	0x2
#define AF_UNIX_FWB	1
#define AF_INET_FWB	2
#define AF_INET6_FWB	10
#define TCP_LISTEN_FWB	10

/* Is p a thread of process tgid?  p may not be a task at all: then it reads as no. */
static __always_inline bool diag_task_of(__u64 p, __u32 tgid)
{
	struct task_struct *t = (struct task_struct *)p;

	return p && BPF_CORE_READ(t, tgid) == tgid;
}

/*
 * Up to FWB_DIAG_EP_WAITERS entries of one wait queue: who sleeps on this
 * end.  Returns whether a thread of the end's own process does.
 */
static __always_inline bool diag_waiters(struct fwb_diag_ep *e, struct wait_queue_head *wq)
{
	bool own = false;

	struct list_head *head = &wq->head, *pos;
	__u64 entry_off = bpf_core_field_offset(struct wait_queue_entry, entry);
	__u64 task_off = bpf_core_field_offset(struct poll_wqueues, polling_task);

	pos = BPF_CORE_READ(head, next);
	for (int i = 0; i < 8; i++) {
		struct wait_queue_entry *we;
		void *priv;

		if (!pos || pos == head)
			break;
		if (i < FWB_DIAG_EP_WAITERS) {
			we = (void *)pos - entry_off;
			priv = BPF_CORE_READ(we, private);
			e->w[i].func = (__u64)BPF_CORE_READ(we, func);
			e->w[i].private = (__u64)priv;
			if (priv)
				bpf_probe_read_kernel(&e->w[i].poll_task, sizeof(e->w[i].poll_task),
						      priv + task_off);
			own |= diag_task_of(e->w[i].private, e->tgid) || diag_task_of(e->w[i].poll_task, e->tgid);
		}
		e->nwaiters++;
		pos = BPF_CORE_READ(pos, next);
	}
	return own;
}

static __always_inline void diag_inet(struct fwb_diag_ep *e, struct sock *sk, struct diag_ep_key *self,
				       struct diag_ep_key *peer)
{
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);

	e->kind = proto == 6 ? FWB_EP_TCP : proto == 17 ? FWB_EP_UDP : FWB_EP_OTHER;
	/* without CONFIG_NET_NS possible_net_t is empty: one namespace, 0 */
	e->net = 0;
	if (bpf_core_field_exists(sk->__sk_common.skc_net.net))
		e->net = (__u64)BPF_CORE_READ(sk, __sk_common.skc_net.net);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET_FWB) {
		__u32 sa = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 da = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(e->saddr, &sa, 4);
		__builtin_memcpy(e->daddr, &da, 4);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
	}
	if (e->kind == FWB_EP_TCP) {
		struct tcp_sock *tp = (struct tcp_sock *)sk;
		struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;

		e->sndq = BPF_CORE_READ(tp, write_seq) - BPF_CORE_READ(tp, snd_una);
		e->rcvq = BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq);
		e->packets_out = BPF_CORE_READ(tp, packets_out);
		e->retrans_out = BPF_CORE_READ(tp, retrans_out);
		e->total_retrans = BPF_CORE_READ(tp, total_retrans);
		e->retransmits = BPF_CORE_READ(icsk, icsk_retransmits);
		e->rcv_tstamp = BPF_CORE_READ(tp, rcv_tstamp);
		e->lsndtime = BPF_CORE_READ(tp, lsndtime);
	}
	if (e->kind == FWB_EP_OTHER || e->state == TCP_LISTEN_FWB)
		return;
	self->kind = peer->kind = e->kind;
	self->net = peer->net = e->net;
	self->sport = peer->dport = e->sport;
	self->dport = peer->sport = e->dport;
	__builtin_memcpy(self->a, e->saddr, 16);
	__builtin_memcpy(self->b, e->daddr, 16);
	__builtin_memcpy(peer->a, e->daddr, 16);
	__builtin_memcpy(peer->b, e->saddr, 16);
}

/* One socket or pipe: its record, what it wants and whether someone wants it. */
SEC("iter/task_file")
int diag_peers(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct diag_ep_key self = {}, peer = {};
	struct fwb_diag_ep e = { .h = { FWB_DIAG_EP, sizeof(e) } };
	struct diag_want *want;
	struct diag_hop *path;
	struct inode *inode;
	__u32 tgid, mode;
	bool waited;

	if (!task || !file)
		return 0;
	tgid = task->tgid;
	if (tgid == bpf_get_current_pid_tgid() >> 32)
		return 0;	/* fusewb's own sockets are nobody's transport */
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode) & S_IFMT_FWB;
	if (mode == S_IFIFO_FWB) {
		struct pipe_inode_info *pipe = BPF_CORE_READ(file, private_data);
		__u32 fm = BPF_CORE_READ(file, f_mode);

		if (!pipe)
			return 0;
		/* an end opened both ways (a FIFO O_RDWR) counts as a reader */
		e.kind = fm & FMODE_READ_FWB ? FWB_EP_PIPE_R : FWB_EP_PIPE_W;
		e.id = e.peer = (__u64)pipe;
		e.rcvq = BPF_CORE_READ(pipe, head) - BPF_CORE_READ(pipe, tail);
		e.sndbuf = BPF_CORE_READ(pipe, max_usage);
		self.kind = e.kind;
		peer.kind = e.kind == FWB_EP_PIPE_R ? FWB_EP_PIPE_W : FWB_EP_PIPE_R;
		self.a[0] = peer.a[0] = (__u64)pipe;
	} else if (mode == S_IFSOCK_FWB) {
		struct socket *sock = BPF_CORE_READ(file, private_data);
		struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;

		if (!sk)
			return 0;
		e.id = (__u64)sk;
		e.family = BPF_CORE_READ(sk, __sk_common.skc_family);
		e.state = BPF_CORE_READ(sk, __sk_common.skc_state);
		e.sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
		if (e.family == AF_UNIX_FWB) {
			e.kind = FWB_EP_UNIX;
			e.peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
			e.rcvq = BPF_CORE_READ(sk, sk_receive_queue.qlen);
			e.sndq = BPF_CORE_READ(sk, sk_wmem_queued);
			self.kind = peer.kind = FWB_EP_UNIX;
			self.a[0] = e.id;
			peer.a[0] = e.peer;
		} else if (e.family == AF_INET_FWB || e.family == AF_INET6_FWB) {
			diag_inet(&e, sk, &self, &peer);
		} else {
			e.kind = FWB_EP_OTHER;
		}
	} else {
		return 0;
	}

	/* someone on the path wants this end: its holder joins the path */
	want = self.kind ? bpf_map_lookup_elem(&diag_wanted, &self) : NULL;
	if (want && want->gen == diag_gen && want->from != tgid) {
		diag_path_add(tgid, want->hop);
		diag_watch_add(tgid, 0, diag_gen);
	}
	path = bpf_map_lookup_elem(&diag_path, &tgid);
	if (!path || path->gen != diag_gen)
		return 0;
	e.tgid = tgid;
	e.fd = ctx->fd;
	e.hop = path->hop;
	e.now = (__u32)bpf_jiffies64();
	if (mode == S_IFIFO_FWB) {
		struct pipe_inode_info *pipe = (void *)e.id;

		waited = diag_waiters(&e, e.kind == FWB_EP_PIPE_R ? &pipe->rd_wait : &pipe->wr_wait);
	} else {
		struct socket *sock = BPF_CORE_READ(file, private_data);

		waited = diag_waiters(&e, &sock->wq.wait);
	}
	bpf_seq_write(ctx->meta->seq, &e, sizeof(e));
	/*
	 * A daemon's every end is followed (an epoll daemon's waits show on no
	 * end); further on only the ends the process itself sleeps on, or the
	 * path would spread through every log pipe to half the machine.
	 */
	if (path->hop && !waited)
		return 0;
	if (peer.kind && path->hop < FWB_DIAG_MAX_HOPS && (e.kind != FWB_EP_UNIX || e.peer)) {
		struct diag_want w = { .gen = diag_gen, .hop = path->hop + 1, .from = tgid };
		struct diag_want *old = bpf_map_lookup_elem(&diag_wanted, &peer);

		if (!old || old->gen != diag_gen || old->hop > w.hop)
			bpf_map_update_elem(&diag_wanted, &peer, &w, BPF_ANY);
	}
	return 0;
}

/* Daemons (holders of /dev/fuse), users of FUSE mounts, and every connection's queues. */
SEC("iter/task_file")
int diag_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct fuse_conn *fc = NULL;
	struct super_block *sb;

	if (!task || !file)
		return 0;
	if (BPF_CORE_READ(file, f_inode, i_rdev) == FWB_FUSE_DEV_RDEV) {
		struct fuse_dev *fud = BPF_CORE_READ(file, private_data);
		struct fwb_diag_dev d = { .h = { FWB_DIAG_DEV, sizeof(d) } };

		fc = fud ? BPF_CORE_READ(fud, fc) : NULL;
		d.tgid = task->tgid;
		d.pid = task->pid;
		d.fd = ctx->fd;
		d.conn = fc ? BPF_CORE_READ(fc, dev) : 0;
		BPF_CORE_READ_STR_INTO(&d.comm, task, comm);
		bpf_seq_write(seq, &d, sizeof(d));
		diag_watch_add(d.tgid, 0, ctx->meta->session_id);
		diag_gen = ctx->meta->session_id;
		diag_path_add(d.tgid, 0);
	} else {
		sb = BPF_CORE_READ(file, f_inode, i_sb);
		if (!sb || BPF_CORE_READ(sb, s_magic) != FUSE_SUPER_MAGIC_FWB)
			return 0;
		struct fwb_diag_file f = { .h = { FWB_DIAG_FILE, sizeof(f) } };
		struct fuse_mount *fm = BPF_CORE_READ(sb, s_fs_info);

		f.tgid = task->tgid;
		f.conn = BPF_CORE_READ(sb, s_dev);
		f.fd = ctx->fd;
		bpf_seq_write(seq, &f, sizeof(f));
		/* reaches the queues even when no daemon is left to hold the device */
		fc = fm ? BPF_CORE_READ(fm, fc) : NULL;
	}
	diag_walk_conn(seq, fc, ctx->meta->session_id, ctx->meta->seq_num);
	return 0;
}

static __always_inline __u32 fuse_conn_of_dentry(struct dentry *d)
{
	struct super_block *sb = d ? BPF_CORE_READ(d, d_sb) : NULL;

	if (!sb || BPF_CORE_READ(sb, s_magic) != FUSE_SUPER_MAGIC_FWB)
		return 0;
	return BPF_CORE_READ(sb, s_dev);
}

/* Threads worth a look: blocked (D), stopped or traced, a daemon's, or waiting for an answer. */
SEC("iter/task")
int diag_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct diag_watch_key k;
	struct fwb_diag_task t = {};
	struct nameidata *nd;
	__u32 state;
	bool want;
	long r;

	if (!task)
		return 0;
	state = BPF_CORE_READ(task, __state);
	want = ((state & TASK_UNINTERRUPTIBLE_FWB) && !(state & TASK_NOLOAD_FWB)) ||
	       (state & (TASK_STOPPED_FWB | TASK_TRACED_FWB));
	if (!want) {
		k.id = task->tgid;
		k.kind = 0;
		want = bpf_map_lookup_elem(&diag_watch, &k) != NULL;
	}
	if (!want) {
		k.id = task->pid;
		k.kind = 1;
		want = bpf_map_lookup_elem(&diag_watch, &k) != NULL;
	}
	if (!want)
		return 0;
	t.h.kind = FWB_DIAG_TASK;
	t.h.size = sizeof(t);
	t.pid = task->pid;
	t.tgid = task->tgid;
	t.state = state;
	t.exit_state = BPF_CORE_READ(task, exit_state);
	t.flags = BPF_CORE_READ(task, flags);
	t.ptrace = BPF_CORE_READ(task, ptrace) != 0;
	if (t.ptrace)
		t.tracer = BPF_CORE_READ(task, parent, tgid);
	BPF_CORE_READ_STR_INTO(&t.comm, task, comm);
	t.addr = (__u64)task;
	t.cwd_conn = fuse_conn_of_dentry(BPF_CORE_READ(task, fs, pwd.dentry));
	nd = BPF_CORE_READ(task, nameidata);
	if (nd)
		t.walk_conn = fuse_conn_of_dentry(BPF_CORE_READ(nd, path.dentry));
	/*
	 * last_arrival runs on the scheduler's clock, which ktime does not
	 * match.  The reader's own last_arrival is "now" on that clock: user
	 * space sleeps briefly before reading, so it arrived just now.
	 */
	if (bpf_core_field_exists(task->sched_info.last_arrival)) {
		struct task_struct *self = bpf_get_current_task_btf();
		__u64 last = BPF_CORE_READ(task, sched_info.last_arrival);
		__u64 now = BPF_CORE_READ(self, sched_info.last_arrival);

		if (last && now > last)
			t.offcpu_ns = now - last;
	}
	r = bpf_get_task_stack(task, t.stack, sizeof(t.stack), 0);
	t.nframes = r > 0 ? (__u64)r / 8 : 0;
	bpf_seq_write(ctx->meta->seq, &t, sizeof(t));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
