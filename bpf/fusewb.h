/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Structures shared by the BPF collector (the programs under bpf/) and user space.
 * Everything here is read by user space straight out of maps or the
 * skeleton's .bss, so layouts are fixed-size and 64-bit aligned.
 */
#ifndef FUSEWB_H
#define FUSEWB_H

/* log2 buckets over nanoseconds: slot i holds [2^i, 2^(i+1)) ns; 2^40 ns ~ 18 min */
#define FWB_HIST_SLOTS		40

/*
 * Pending requests live in two direct-mapped arrays, not a hash map: a map
 * insert and delete per request costs more than the whole per-event budget.
 * The hot table is indexed by the request's unique id, which advances by 2
 * per request on a connection, so it is walked in order and stays in cache;
 * a request whose slot (and the slot's partner, index ^ 1) is
 * taken goes to the large cold table, indexed by a hash.  Only when both are
 * taken is the request dropped, and counted.  A cache miss on a cold slot
 * costs ~250 ns here; the hot path takes none.
 */
#define FWB_PENDING_HOT_SHIFT	8
#define FWB_PENDING_HOT		(1 << FWB_PENDING_HOT_SHIFT)
#define FWB_PENDING_SHIFT	14
#define FWB_PENDING_SLOTS	(1 << FWB_PENDING_SHIFT)

/*
 * Per-(connection, opcode) stats are rows of one array user space maps, in
 * blocks of FWB_OPS_ROWS rows, one block per tracked connection.  Row r of a
 * block holds opcode r, row 0 the opcodes past the table (CUSE_INIT), the
 * last row writeback WRITEs.  A completion then costs no map lookup beyond
 * the array index, and a scrape reads the rows in place instead of copying a
 * hash map out entry by entry (300 ns an entry in the kernel's batch read).
 *
 * A connection first claims a slot in the ops_conn hash table, then a block;
 * the table has 4 slots per block (ops_slot_mask), so that its probes find a
 * free slot at any load of the blocks.  The number of blocks (the mounts
 * tracked) is set before load: FWB_OPS_BLOCKS_DEFAULT, up to
 * FWB_OPS_BLOCKS_MAX.  A connection that found no free block is marked
 * FWB_OPS_NO_BLOCK for as long as it lives: counting it later would show
 * counts that miss its start as if they were whole.
 */
#define FWB_OPS_ROWS		64
#define FWB_OPS_WB_ROW		(FWB_OPS_ROWS - 1)
#define FWB_OPS_BLOCKS_DEFAULT	1024
#define FWB_OPS_BLOCKS_MAX	4096
#define FWB_OPS_SLOTS_MAX	(4 * FWB_OPS_BLOCKS_MAX)
#define FWB_OPS_PROBES		8	/* slots a connection may land in, from its hash */
#define FWB_OPS_NO_BLOCK	0xffffffffU

/* first slot tried for connection conn (before the table's mask) */
static inline __u32 fwb_ops_hash(__u32 conn)
{
	return (conn * 2654435761U) >> 16;
}
#define FWB_MAX_TASKSTATS	8192	/* (connection, tgid, kind) triples */
/*
 * FUSE bdis the throttle program knows (fuse_bdis, bdi_stats): every
 * connection on a host with a thousand mounts, and room for churn between
 * two snapshots (gone ones are deleted).  72-byte values: 300 KB.
 */
#define FWB_MAX_BDIS		4096

/*
 * Writeback WRITEs are accounted under their own pseudo-opcode so that one
 * map lookup on completion covers both the per-opcode table and the
 * writeback view.  The one mark of writeback, BPF and user space alike: in a
 * pending slot's opcode, in op_row's argument (which puts it in row
 * FWB_OPS_WB_ROW) and in user space's fwb_op and fwb_pending_req.
 */
#define FWB_OP_WRITEBACK	0x10000

#define FUSE_SUPER_MAGIC_FWB	0x65735546
#define FWB_FUSE_DEV_RDEV	((10U << 20) | 229)	/* /dev/fuse, kernel dev_t */

/*
 * One value for all CPUs, updated with atomic adds.  Per-CPU values would
 * spare the atomics, but a scrape would read one per possible CPU: 1500
 * rows on a 128-CPU host are 70 MB a scrape instead of 0.6 MB.  Only the
 * daemon's threads answer requests, so few CPUs ever contend for a row.
 */
struct fwb_op_stats {
	__u64 count;		/* requests ended */
	__u64 timed;		/* of which timed: the histogram's population */
	__u64 errors;		/* ended with out.h.error != 0 */
	__u64 bytes;		/* WRITE payload bytes (writes only) */
	__u64 pages;		/* pages carried (writeback only) */
	__s64 inflight_pages;	/* sent minus ended (writeback only) */
	__u64 lat_sum_ns;
	__u64 lat_max_ns;
	__u64 hist[FWB_HIST_SLOTS];
	/*
	 * The queue/serve split, where the kernel says when the daemon read a
	 * request (fuse_request_sent: mainline, the patched 6.12): of the timed
	 * requests, those seen both sent and read, and their time queued
	 * (send to read) and in the daemon (read to end).  No clock read for
	 * the others.
	 */
	__u64 split;
	__u64 queue_sum_ns;
	__u64 queue_max_ns;
	__u64 serve_sum_ns;
	__u64 serve_max_ns;
};

/*
 * One pending request.  Ages are in jiffies, which cost a memory read; the
 * precise clock costs far more on some machines (over 100 ns a read under
 * nested virtualisation), so it is read only for the requests whose latency
 * is timed (see fwb_op_stats.timed).
 */
struct fwb_pending {
	__u64 key;		/* 0 = free; connection << 32 | low 32 bits of unique, or the request's address */
	__u64 start_ns;		/* bpf_ktime_get_ns() at send if timed, else 0 */
	__u32 start_jiffies;	/* low 32 bits of jiffies at send */
	__u32 nodeid;		/* low 32 bits, for display */
	__u32 pid;		/* in.h.pid, or the sender's tgid when the kernel sent it */
	__u32 opcode;		/* FUSE opcode | FWB_OP_WRITEBACK | FWB_PENDING_*; 0 while filling in */
	__u32 conn;
	__u16 pages;
	__u16 pad;
	/*
	 * jiffies (low 32 bits, bit 0 set so it is never 0) when the daemon
	 * read the request (fuse_request_sent); 0: not read yet, or a kernel
	 * without the event (user space knows which from the source table)
	 */
	__u32 sent_jiffies;
	__u32 pad2;
	__u64 sent_ns;		/* bpf_ktime_get_ns() at the read, timed requests only, else 0 */
};

/* A key that is a kernel address (key_by_addr mode) has its top 16 bits set. */
#define FWB_KEY_IS_ADDR(key)	(((key) >> 48) == 0xffff)
/*
 * A slot being filled in or emptied by a seed or its undo (never a real key:
 * connection numbers are not 0).  Nobody else claims or finds it meanwhile.
 */
#define FWB_KEY_BUSY		1ULL
/*
 * A request that waits for a background slot has no unique yet: it is seeded
 * under its address with bit 0 set (requests are 8-byte aligned), a name no
 * send ever uses, so a seed and the live entry of the same request never
 * share a key.
 */
#define FWB_KEY_QUEUED_BIT	1ULL

/* jiffies and the monotonic clock read together, to age pending requests */
struct fwb_clock {
	__u64 jiffies;
	__u64 mono_ns;
	__u32 hz;		/* the kernel's CONFIG_HZ (libbpf's __kconfig); 0: its config was unreadable */
	__u32 pad;
};
/*
 * Seeded at collector start from the kernel's queues (diag_seed): the
 * request was sent before the collector attached.  AGE_MIN: start_jiffies
 * is when it was seeded, the kernel having no create_time, so its age is a
 * lower bound.  QUEUED: it waited for a background slot, keyed by address.
 */
#define FWB_PENDING_SEEDED	0x4000
#define FWB_PENDING_AGE_MIN	0x2000
#define FWB_PENDING_QUEUED	0x0800	/* opcodes are below it, but CUSE_INIT (0x1000) */
/* what a pending slot's opcode carries beyond the opcode (and FWB_OP_WRITEBACK) */
#define FWB_PENDING_FLAGS	(FWB_PENDING_SEEDED | FWB_PENDING_AGE_MIN | FWB_PENDING_QUEUED)

enum fwb_task_kind {
	FWB_TASK_DIRTY = 0,	/* folios dirtied on a FUSE mapping */
	FWB_TASK_WBWAIT = 1,	/* waits on writeback of a FUSE folio */
	FWB_TASK_REDIRTY = 2,	/* waits to re-dirty a page under FUSE temp-page writeback */
	FWB_TASK_NOWRITE = 3,	/* waits for all of an inode's writeback WRITEs (fuse_set_nowrite) */
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
	__u64 wait_ns;		/* FWB_TASK_REDIRTY, FWB_TASK_NOWRITE: time waited */
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
	/*
	 * The event that saw the most dirty+writeback pages since user space
	 * last took it: wb_dirty << 32 | this bdi's dirty limit at that event,
	 * in pages (each clamped to 32 bits), so one compare-and-swap keeps the
	 * pair together.  0: no event.  bdi_peaks_take moves it to peak_taken.
	 */
	__u64 peak;
	__u64 peak_taken;
};
#define FWB_PEAK_DIRTY(p)	((p) >> 32)
#define FWB_PEAK_LIMIT(p)	((p) & 0xffffffffULL)

/* Drop and mismatch counters; in .bss, user space reads them directly. */
struct fwb_drops {
	__u64 pending_full;	/* slot taken: request not tracked */
	__u64 unmatched_end;	/* end with no tracked send (sent before attach, or dropped) */
	__u64 opstats_full;
	__u64 taskstats_full;
	__u64 bdistats_full;
	__u64 wbreqs_full;	/* temp-page request not tracked: its pages are not counted */
	__u64 wbreq_unmatched;	/* temp-page WRITE completed that was not tracked (began before attach) */
	__u64 kwbstats_full;	/* temp-page event of a connection kwb_stats had no room for: not counted */
};

/*
 * ---- kernel writeback: temp pages, WRITE completion and release, page and inode waits ----
 *
 * Kernels before 6.16 copy each page under FUSE writeback into a temporary
 * page (NR_WRITEBACK_TEMP) until the WRITE completes.  Fed by the patched
 * kernel's tracepoints (kernel/patches) or, without them, by fentry or
 * kprobe programs on the functions they sit in.
 */
#define FWB_MAX_WBREQS		65536	/* temp-page requests between first page and release */
#define FWB_MAX_CONNS		1024
#define FWB_MAX_WAITERS		4096	/* threads inside a page or inode wait */

/*
 * One temp-page WRITE request, keyed by the address of its struct
 * fuse_writepage_args, from its first temp page to its release
 * (fuse_writepage_free), or to its completion where the release is not seen.
 */
struct fwb_wbreq {
	__u64 start_ns;		/* bpf_ktime_get_ns() at its first temp page */
	__u32 conn;
	__u32 pages;		/* temp pages filled so far */
	__u32 ended;		/* its WRITE completed (fuse_writepage_end); the release follows */
	__u32 pad;
};

/* per connection, per CPU; user space sums the CPUs */
struct fwb_kwb_stats {
	__u64 tmp_alloc_pages;	/* temp pages allocated (tracked requests only) */
	__u64 tmp_end_pages;	/* temp pages of completed WRITEs */
	__u64 tmp_orphan_pages;	/* temp pages of requests freed without completion */
	__u64 ends;		/* temp-page WRITEs completed */
	__u64 errors;
	__u64 timed;		/* the histogram's population */
	__u64 lat_sum_ns;	/* first temp page to completion, our clock */
	__u64 lat_max_ns;
	__u64 hist[FWB_HIST_SLOTS];
	__u64 redirty_waits;	/* waits for a page's writeback before dirtying it again */
	__u64 redirty_wait_ns;
	__u64 closed;		/* requests released (fuse_writepage_free), completed or not */
	__u64 orphans;		/* of which released without completing (merged, truncated, aborted) */
	__u64 untracked;	/* requests not tracked: the wb_reqs table was full (drops.wbreqs_full) */
	__u64 redirty_wait_max_ns;
	__u64 nowrite_waits;	/* waits for all of an inode's WRITEs (fuse_set_nowrite) */
	__u64 nowrite_wait_ns;
	__u64 nowrite_wait_max_ns;
};

/*
 * A thread in a page wait (keyed by its pid_tgid) or an inode wait (the same
 * with FWB_WAITER_NOWRITE set): state at the wait's begin
 */
#define FWB_WAITER_NOWRITE	(1ULL << 63)
struct fwb_waiter {
	__u64 start_ns;
	__u64 nvcsw;		/* voluntary context switches at entry: more at exit = it slept */
	__u32 conn;
	__u32 pad;
};

/* What the task_file iterator emits for every open /dev/fuse file. */
struct fwb_devfile {
	__u32 tgid;
	__u32 pid;
	__u32 fd;
	__u32 conn;		/* 0 before the daemon is mounted */
	char comm[16];
	char state;		/* as in /proc/PID/stat: R S D T t I */
	char pad[7];
};

/*
 * ---- diagnose: post-hoc state read by iterators (diag_files, diag_tasks) ----
 *
 * Every record starts with kind and size so user space can walk the stream
 * and skip kinds it does not know.  One iterator object (a file, a task)
 * must fit the 32 KiB seq buffer, hence the cap on requests per walk.
 */
#define FWB_DIAG_MAX_REQS	256	/* requests emitted per connection walk; all are counted */
#define FWB_DIAG_LIST_MAX	(1 << 17)	/* entries followed per kernel list: a bound, not a budget */
#define FWB_DIAG_MAX_DEVS	8	/* cloned /dev/fuse fds walked per connection */
#define FWB_DIAG_PQ_HASH	256	/* FUSE_PQ_HASH_SIZE: processing hash buckets */
#define FWB_DIAG_STACK_DEPTH	24

enum fwb_diag_kind {
	FWB_DIAG_DEV = 1,	/* a task holds /dev/fuse for a connection */
	FWB_DIAG_CONN,		/* one connection's state, after its requests */
	FWB_DIAG_REQ,		/* a request in one of the connection's queues */
	FWB_DIAG_FILE,		/* a process has a file open on a FUSE mount */
	FWB_DIAG_TASK,		/* a blocked, stopped, daemon or requesting thread */
	FWB_DIAG_EP,		/* a socket or pipe of a daemon or of a process it talks to */
};

enum fwb_diag_queue {
	FWB_DIAGQ_PENDING = 0,	/* fiq->pending: not yet read by the daemon */
	FWB_DIAGQ_PROCESSING,	/* fpq->processing: read, not answered */
	FWB_DIAGQ_IO,		/* fpq->io: being copied to or from the daemon */
	FWB_DIAGQ_BACKGROUND,	/* fc->bg_queue: waiting for a background slot */
	FWB_DIAGQ_NR,
};

struct fwb_diag_hdr {
	__u32 kind;
	__u32 size;		/* of the whole record */
};

struct fwb_diag_dev {
	struct fwb_diag_hdr h;
	__u32 tgid;
	__u32 pid;
	__u32 fd;
	__u32 conn;		/* 0: not mounted yet */
	char comm[16];
};

struct fwb_diag_conn {
	struct fwb_diag_hdr h;
	__u32 conn;
	__u32 connected;	/* fc->connected: 0 once aborted or the last device closed */
	__u32 aborted;
	__u32 blocked;		/* fc->blocked: new background requests must wait */
	__u32 initialized;
	__u32 num_background;
	__u32 active_background;
	__u32 max_background;
	__u32 congestion_threshold;
	__u32 num_waiting;
	__u32 ndevs;		/* devices walked */
	__u32 has_create_time;	/* the kernel's fuse_req has create_time */
	__u32 nq[FWB_DIAGQ_NR];	/* entries seen per queue (may exceed what was emitted) */
	__u32 truncated;	/* not every entry was seen: a list past FWB_DIAG_LIST_MAX, or the step budget */
	__u32 emitted;		/* REQ records that precede this record (at most FWB_DIAG_MAX_REQS) */
	__u32 nwrites;		/* WRITEs among all entries seen, listed or not */
	__u32 pad;
	__u64 jiffies;		/* bpf_jiffies64() at the walk */
};

struct fwb_diag_req {
	struct fwb_diag_hdr h;
	__u32 conn;
	__u32 queue;		/* enum fwb_diag_queue */
	__u32 opcode;		/* in.h.opcode */
	__u32 pid;		/* in.h.pid: the requesting thread, 0 for kernel-initiated */
	__u64 unique;
	__u64 nodeid;
	__u64 create_time;	/* jiffies; 0 when the kernel lacks the field */
	__u64 flags;		/* enum fuse_req_flag bits */
	__u32 bytes;		/* WRITE payload */
	__u32 writeback;	/* a writeback WRITE (args->end == fuse_writepage_end) */
	__u64 addr;		/* the fuse_req: how pending requests are named where the send precedes unique */
};

struct fwb_diag_file {
	struct fwb_diag_hdr h;
	__u32 tgid;
	__u32 conn;
	__u32 fd;
	__u32 pad;
};

struct fwb_diag_task {
	struct fwb_diag_hdr h;
	__u32 pid;
	__u32 tgid;
	__u32 state;		/* task->__state */
	__u32 exit_state;
	__u32 flags;		/* PF_* */
	__u32 ptrace;		/* task->ptrace != 0 */
	__u32 tracer;		/* tgid of the tracer when traced */
	__u32 cwd_conn;		/* FUSE connection of the cwd, 0 if none */
	__u32 walk_conn;	/* FUSE connection of an ongoing path walk, 0 if none */
	__s32 nframes;
	__u64 offcpu_ns;	/* since the task last got a CPU; 0 unknown */
	char comm[16];
	__u64 addr;		/* the task_struct: what wait queue entries point to */
	__u64 stack[FWB_DIAG_STACK_DEPTH];
};

/*
 * ---- diagnose: the other end of a daemon's sockets and pipes (diag_peers) ----
 *
 * Starting from the daemons, every socket and pipe of a process on the
 * path is reported, and the processes holding the other end join the path
 * (up to FWB_DIAG_MAX_HOPS away).  User space joins the ends: a unix
 * socket's peer is the sock another process holds, a pipe's other end the
 * same pipe opened the other way, a TCP socket's peer the socket with the
 * swapped 4-tuple in the same network namespace; a TCP socket nobody here
 * holds the other end of goes to a remote peer.  The tasks sleeping on the
 * end's wait queue say exactly which thread waits on which end.
 */
#define FWB_DIAG_MAX_HOPS	3
#define FWB_DIAG_EP_WAITERS	4

enum fwb_ep_kind {
	FWB_EP_UNIX = 1,	/* unix socket (stream, dgram, seqpacket) */
	FWB_EP_PIPE_R,		/* read end of a pipe or FIFO */
	FWB_EP_PIPE_W,		/* write end */
	FWB_EP_TCP,
	FWB_EP_UDP,
	FWB_EP_OTHER,		/* another socket family or protocol */
};

struct fwb_diag_waiter {
	__u64 func;		/* wait_queue_entry.func: tells what private is */
	__u64 private;		/* the task, or for pollwake its poll_wqueues */
	__u64 poll_task;	/* poll_wqueues.polling_task, read as if private were one */
};

struct fwb_diag_ep {
	struct fwb_diag_hdr h;
	__u32 tgid;
	__u32 fd;
	__u32 kind;		/* enum fwb_ep_kind */
	__u32 hop;		/* 0: a daemon's own */
	__u64 id;		/* this end: the sock or the pipe */
	__u64 peer;		/* unix: the peer's sock; pipe: the pipe; else 0 */
	__u64 net;		/* network namespace (TCP, UDP) */
	__u32 family;
	__u32 state;		/* sk_state (TCP_ESTABLISHED is 1) */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 saddr[16];		/* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 rcvq;		/* bytes not yet read (TCP), skbs (unix), buffers in use (pipe) */
	__u32 sndq;		/* bytes sent and not acknowledged (TCP), queued bytes (unix) */
	__u32 sndbuf;
	__u32 packets_out;	/* TCP: segments in flight */
	__u32 retrans_out;	/* TCP: of which retransmitted */
	__u32 total_retrans;	/* TCP: over the connection's life */
	__u32 retransmits;	/* TCP: icsk_retransmits, the current backoff streak */
	__u32 rcv_tstamp;	/* TCP: jiffies (low 32 bits) of the last ACK received */
	__u32 lsndtime;		/* TCP: jiffies of the last data sent */
	__u32 now;		/* jiffies (low 32 bits) at the read */
	__u32 nwaiters;		/* entries seen on the wait queue (may exceed the ones listed) */
	__u32 pad;
	struct fwb_diag_waiter w[FWB_DIAG_EP_WAITERS];
};

#endif /* FUSEWB_H */
