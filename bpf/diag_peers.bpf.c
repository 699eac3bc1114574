// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnose: the other end of the daemons' sockets and pipes.
 *
 * diag_files puts every daemon on the path (hop 0).  Each run of
 * diag_peers reports the sockets and pipes of the processes on the path
 * and wants the other end of each; a process holding a wanted end joins
 * the path one hop further.  A process may come before the one that wants
 * its end in the walk, so user space runs diag_peers until a run adds
 * nothing.  Entries carry the diag_files session that made them: older
 * ones are ignored, so nothing needs clearing between looks.
 *
 * iter/task_file, any kernel; the path's map (diag_path) is shared with
 * diag_files (diag.bpf.c), which puts the daemons on it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"
#include "diag.bpf.h"

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
