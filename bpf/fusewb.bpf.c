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
const volatile __u32 hz = 250;			/* CONFIG_HZ, for balance_dirty_pages pauses */

struct fwb_pending pending[FWB_PENDING_SLOTS];
struct fwb_drops drops;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FWB_MAX_OPSTATS);
	__type(key, struct fwb_op_key);
	__type(value, struct fwb_op_stats);
} op_stats SEC(".maps");

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

static const struct fwb_op_stats zero_op;

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
 * A request is named by (connection, unique).  Uniques advance by 2 per
 * request on a connection, so consecutive requests land in consecutive slots
 * and the table only collides when that many requests are pending at once.
 */
static __always_inline __u64 key_of(__u32 conn, __u64 unique)
{
	return (unique & ((1ULL << 44) - 1)) | ((__u64)(conn & 0xfffff) << 44);
}

static __always_inline __u32 slot_of(__u32 conn, __u64 unique)
{
	return ((__u32)(unique >> 1) ^ (conn * 0x9E3779B1U)) & (FWB_PENDING_SLOTS - 1);
}

static __always_inline bool is_writeback(const struct fuse_req *req)
{
	struct fuse_args *args = req->args;

	return writepage_end_addr && args && (__u64)args->end == writepage_end_addr;
}

static __always_inline struct fwb_op_stats *op_entry(__u32 conn, __u32 opcode)
{
	struct fwb_op_key k = { .conn = conn, .opcode = opcode };
	struct fwb_op_stats *s;

	s = bpf_map_lookup_elem(&op_stats, &k);
	if (s)
		return s;
	/* EEXIST from a racing CPU is fine: look up again either way */
	bpf_map_update_elem(&op_stats, &k, &zero_op, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&op_stats, &k);
	if (!s)
		__sync_fetch_and_add(&drops.opstats_full, 1);
	return s;
}

static __always_inline __u32 req_pages(const struct fuse_req *req)
{
	__u32 size = req->args->in_args[1].size;

	return (size + 4095) >> 12;
}

SEC("tp_btf/fuse_request_send")
int BPF_PROG(fuse_request_send, const struct fuse_req *req)
{
	__u32 conn = req->fm->fc->dev;
	__u64 unique = req->in.h.unique;
	__u64 key = key_of(conn, unique);
	struct fwb_pending *p = &pending[slot_of(conn, unique)];
	__u32 opcode = req->in.h.opcode;
	__u32 pid = req->in.h.pid;

	if (!unique || __sync_val_compare_and_swap(&p->key, 0, key) != 0) {
		__sync_fetch_and_add(&drops.pending_full, 1);
		return 0;
	}
	p->start_ns = bpf_ktime_get_ns();
	p->nodeid = req->in.h.nodeid;
	p->conn = conn;
	p->pages = 0;
	if (!pid)
		pid = bpf_get_current_pid_tgid() >> 32;
	p->pid = pid;
	if (opcode == 16 /* FUSE_WRITE */ && is_writeback(req)) {
		__u32 pages = req_pages(req);
		struct fwb_op_stats *s;

		opcode |= FWB_OP_WRITEBACK;
		s = op_entry(conn, opcode);
		p->pages = pages;
		if (s)
			s->inflight_pages += pages;
	}
	p->opcode = opcode;
	return 0;
}

static __always_inline void account(struct fwb_op_stats *s, __u64 lat, int err, __u64 bytes)
{
	__u32 slot = log2_u64(lat);

	s->count++;
	if (err)
		s->errors++;
	s->bytes += bytes;
	s->lat_sum_ns += lat;
	if (lat > s->lat_max_ns)
		s->lat_max_ns = lat;
	if (slot >= FWB_HIST_SLOTS)
		slot = FWB_HIST_SLOTS - 1;
	s->hist[slot]++;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(fuse_request_end, const struct fuse_req *req)
{
	__u32 conn = req->fm->fc->dev;
	__u64 unique = req->in.h.unique;
	__u64 key = key_of(conn, unique);
	struct fwb_pending *p = &pending[slot_of(conn, unique)];
	struct fwb_op_stats *s;
	__u64 lat, bytes = 0;
	__u32 opcode, pages;
	int err;

	if (p->key != key) {
		__sync_fetch_and_add(&drops.unmatched_end, 1);
		return 0;
	}
	lat = bpf_ktime_get_ns() - p->start_ns;
	opcode = p->opcode;
	pages = p->pages;
	p->key = 0;

	err = req->out.h.error;
	if ((opcode & 0xffff) == 16 /* FUSE_WRITE */)
		bytes = req->args->in_args[1].size;
	s = op_entry(conn, opcode);
	if (!s)
		return 0;
	account(s, lat, err, bytes);
	if (opcode & FWB_OP_WRITEBACK) {
		s->pages += pages;
		s->inflight_pages -= pages;
	}
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

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio, struct folio *folio, struct address_space *mapping)
{
	__u32 conn = fuse_conn_of(mapping);

	if (conn)
		count_task(conn, FWB_TASK_DIRTY);
	return 0;
}

SEC("tp_btf/folio_wait_writeback")
int BPF_PROG(folio_wait_writeback, struct folio *folio, struct address_space *mapping)
{
	__u32 conn = fuse_conn_of(mapping);

	if (conn)
		count_task(conn, FWB_TASK_WBWAIT);
	return 0;
}

/*
 * The classic tracepoint, not tp_btf: its arguments changed between 6.12
 * and 6.18, the format struct's fields did not.
 */
SEC("tracepoint/writeback/balance_dirty_pages")
int balance_dirty_pages(struct trace_event_raw_balance_dirty_pages *ctx)
{
	struct fwb_bdi_key name = {};
	struct fwb_bdi_stats *s, init = {};
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
	pause = BPF_CORE_READ(ctx, pause);
	__sync_fetch_and_add(&s->throttle_count, 1);
	if (pause > 0 && hz)
		__sync_fetch_and_add(&s->throttle_ns, (__u64)pause * (1000000000ULL / hz));
	s->last_ns = bpf_ktime_get_ns();
	s->dirty = BPF_CORE_READ(ctx, dirty);
	s->limit = BPF_CORE_READ(ctx, limit);
	s->wb_dirty = BPF_CORE_READ(ctx, wb_dirty);
	s->wb_setpoint = BPF_CORE_READ(ctx, wb_setpoint);
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
	BPF_CORE_READ_STR_INTO(&out.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
