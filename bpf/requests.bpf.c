// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request tracking: a request's pending slot claimed at its send, its
 * latency and counts accounted in op_stats at its end.  One pair of
 * programs per kernel flavour, all feeding the same tables; user space
 * loads one pair (cli/lib/sources.c):
 *   tp_btf   fuse_request_send/end tracepoints (6.12 and later)
 *   fentry   queue_request_and_unlock (up to 6.11) or fuse_dev_queue_req
 *            (6.12), and fuse_request_end, where the kernel allows fentry
 *   kprobe   the same functions, where it does not (Debian's 6.1)
 *   tp_btf   fuse_request_sent (mainline, the patched 6.12): the daemon read
 *            the request; no fallback
 * Programs for other request events go here too.  Nothing here wakes user space: it reads the tables and
 * the .bss when it wants a snapshot.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"
#include "bits.bpf.h"
#include "maps.bpf.h"
#include "conn.bpf.h"
#include "pending.bpf.h"
#include "opstats.bpf.h"

/*
 * Writeback WRITEs are always timed.  Other requests are timed one in
 * 2^sample_shift per CPU, and always when the CPU timed none yet in this
 * jiffy: a slow or quiet mount has every request timed, a storm of them only
 * a sample.  All are counted and tracked as pending; the slot's start_ns
 * carries the decision to the completion.
 */
/* one in 64, FUSEWB_TIME_EVERY's default (user space sets it before load) */
const volatile __u32 sample_shift = 6;

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
	if (v->opcode == FUSE_WRITE) {
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
	if (v->opcode == FUSE_WRITE) {
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
	p->sent_jiffies = 0;
	p->sent_ns = 0;
	if (!pid)
		pid = bpf_get_current_pid_tgid() >> 32;
	p->pid = pid;
	if (opcode == FUSE_WRITE && v->writeback) {
		__u32 pages = (v->write_size + 4095) >> 12;
		struct fwb_op_stats *s;

		opcode |= FWB_OP_WRITEBACK;
		s = op_entry(conn, opcode);
		p->pages = pages;
		if (s)
			__sync_fetch_and_add(&s->inflight_pages, pages);
		p->start_ns = bpf_ktime_get_ns();
	} else {
		p->start_ns = sample(now_jiffies) ? bpf_ktime_get_ns() : 0;
	}
	p->start_jiffies = now_jiffies;
	/*
	 * Published last: user space takes a slot whose opcode is not 0 as
	 * filled in, reading opcode with acquire (cli/lib/snapshot.c).  A plain
	 * store may become visible before the stores above on a weakly ordered
	 * CPU (arm64), and BPF's store-release needs 6.15 and LLVM 20; an atomic
	 * exchange (BPF_XCHG, any -mcpu=v3 kernel since 5.12) is fully ordered
	 * on every kernel fusewb supports, so the fields are seen first.
	 */
	__sync_lock_test_and_set(&p->opcode, opcode);
	return;
drop:
	__sync_fetch_and_add(&drops.pending_full, 1);
}

/* sent_ns: when the daemon read the request (fuse_request_sent), 0 if not seen */
static __always_inline void account(struct fwb_op_stats *s, __u64 start_ns, __u64 sent_ns, int err,
				    __u64 bytes)
{
	__u64 lat, now;

	__sync_fetch_and_add(&s->count, 1);
	if (err)
		__sync_fetch_and_add(&s->errors, 1);
	if (bytes)
		__sync_fetch_and_add(&s->bytes, bytes);
	if (!start_ns)
		return;
	now = bpf_ktime_get_ns();
	lat = now - start_ns;
	__sync_fetch_and_add(&s->timed, 1);
	__sync_fetch_and_add(&s->lat_sum_ns, lat);
	store_max(&s->lat_max_ns, lat);
	__sync_fetch_and_add(&s->hist[hist_slot(lat)], 1);
	/* the same clock read splits it: queued until the daemon read it, in the daemon since */
	if (!sent_ns || sent_ns < start_ns || sent_ns > now)
		return;
	__sync_fetch_and_add(&s->split, 1);
	__sync_fetch_and_add(&s->queue_sum_ns, sent_ns - start_ns);
	store_max(&s->queue_max_ns, sent_ns - start_ns);
	__sync_fetch_and_add(&s->serve_sum_ns, now - sent_ns);
	store_max(&s->serve_max_ns, now - sent_ns);
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
	__u64 start_ns, sent_ns, bytes = 0, raddr = 0;
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
	sent_ns = p->sent_ns;
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

	opcode &= ~FWB_PENDING_FLAGS;
	if ((opcode & 0xffff) == FUSE_WRITE)
		bytes = v->write_size;
	s = op_entry(conn, opcode);
	if (!s)
		return;
	account(s, start_ns, sent_ns, v->error, bytes);
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
 * The daemon read the request (mainline; 6.12 with kernel/patches): it is in
 * service from now on.  A jiffies stamp says so at no clock cost; only a
 * request timed at its send reads the clock, to split its latency at the
 * end (account).  A request sent before we attached has no entry here.
 */
SEC("tp_btf/fuse_request_sent")
int BPF_PROG(fuse_request_sent, const struct fuse_req *req)
{
	__u32 conn = bpf_core_field_exists(req->fm) ? req->fm->fc->dev : req_conn_probe(req);
	__u64 unique = req->in.h.unique, key = key_of(conn, unique);
	__u32 hot = hot_slot_of(conn, unique);
	struct fwb_pending *p;
	bool in_cold;

	if (key_by_addr) {
		key = req_key_addr(ctx, 0, 0);
		hot = addr_slot_of(key);
	}
	p = lookup(hot, key, &in_cold);
	if (!p)
		return 0;
	if (p->start_ns)
		p->sent_ns = bpf_ktime_get_ns();
	p->sent_jiffies = (__u32)bpf_jiffies64() | 1;
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
