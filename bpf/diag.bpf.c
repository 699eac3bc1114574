// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnose: the state of every connection, read post hoc (any kernel).
 *   iter/task_file  diag_files: daemons (holders of /dev/fuse), users of
 *                   FUSE mounts, and every connection's queues, walked once
 *                   per session; in seed mode the walk also takes the
 *                   requests into the pending table (seed.bpf.c)
 *   iter/task       diag_tasks: the threads worth a look
 * The peers of the daemons' sockets and pipes are diag_peers.bpf.c's.
 *
 * These iterators need nothing to have been running before: they find the
 * connections through the files tasks hold (/dev/fuse for daemons, files on
 * FUSE mounts for users) and walk the kernel's request queues read-only.
 * The queues are walked without their locks, so a walk may see a list
 * change under it: every pointer is read with a fault-safe probe read and
 * every list walk is bounded; the result is a best-effort picture.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"
#include "core_fixes.bpf.h"
#include "conn.bpf.h"
#include "task.bpf.h"
#include "diag.bpf.h"

/* Set by user space for the walk that seeds the pending table (cli/lib/collector.c). */
__u32 seed_mode;

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

/* every entry is counted (up to FWB_DIAG_LIST_MAX a list); a cycle in a list torn under the walk ends here */
#define DIAG_MAX_STEPS	(1 << 19)

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
		if (r->opcode == FUSE_WRITE)
			r->bytes = BPF_CORE_READ(args, in_args[1].size);
	}
	w->n = n + 1;
	diag_watch_add(r->pid, 1, w->session);
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
	if (BPF_CORE_READ((struct fuse_req *)pos, in.h.opcode) == FUSE_WRITE)
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
