// SPDX-License-Identifier: GPL-2.0-only
/*
 * Following a daemon's waits to the other end (fwb_diag_transport), on
 * records built by hand after what diag_peers and diag_tasks read from
 * sshfs over loopback: sshfs -> (unix) ssh -> (TCP) sshd -> (pipe) sftp-server.
 */
#include <stdlib.h>
#include "lib/diag.h"
#include "tap.h"

#define S 1000000000ULL
#define TASK_S 0x1
#define TASK_D 0x2
#define TASK_T 0x4

static struct fwb_diag_raw raw;

static void task(uint32_t pid, uint32_t tgid, const char *comm, uint32_t state, uint64_t offcpu)
{
	struct fwb_diag_task *t;

	raw.tasks = realloc(raw.tasks, sizeof(*t) * (raw.ntasks + 1));
	t = &raw.tasks[raw.ntasks++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tgid = tgid;
	t->state = state;
	t->offcpu_ns = offcpu;
	t->addr = 0xffff000000000000ULL + pid * 0x1000;
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
}

static struct fwb_diag_ep *ep(uint32_t tgid, uint32_t fd, uint32_t kind, uint64_t id, uint64_t peer)
{
	struct fwb_diag_ep *e;

	raw.eps = realloc(raw.eps, sizeof(*e) * (raw.neps + 1));
	e = &raw.eps[raw.neps++];
	memset(e, 0, sizeof(*e));
	e->tgid = tgid;
	e->fd = fd;
	e->kind = kind;
	e->id = id;
	e->peer = peer;
	return e;
}

static void tcp(struct fwb_diag_ep *e, uint64_t net, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
	e->family = 2;
	e->state = 1;
	e->net = net;
	memcpy(e->saddr, &sa, 4);
	memcpy(e->daddr, &da, 4);
	e->sport = sp;
	e->dport = dp;
}

static void waiter(struct fwb_diag_ep *e, uint32_t pid, bool poll)
{
	uint64_t addr = 0xffff000000000000ULL + pid * 0x1000;

	e->w[e->nwaiters].private = poll ? 0xffff888000123000ULL : addr;
	e->w[e->nwaiters].poll_task = poll ? addr : 0x42;
	e->nwaiters++;
}

static void reset(void)
{
	free(raw.tasks);
	free(raw.eps);
	memset(&raw, 0, sizeof(raw));
	raw.peers_read = true;
}

/* 127.0.0.1 in network byte order, as the kernel keeps it */
#define LO 0x0100007f
#define HOST 0x0100a8c0	/* 192.168.0.1 */
#define SERVER 0x0200a8c0	/* 192.168.0.2 */

static void loopback_sshfs(uint32_t sftp_state)
{
	struct fwb_diag_ep *e;

	reset();
	task(100, 100, "sshfs", TASK_S, 3 * S);
	task(110, 100, "sshfs", TASK_S, 3 * S);	/* its reader, in read(2) on the ssh socket */
	task(120, 120, "ssh", TASK_S, 3 * S);	/* in ppoll */
	task(130, 130, "sshd", TASK_S, 3 * S);
	task(140, 140, "sftp-server", sftp_state, 3 * S);
	e = ep(100, 4, FWB_EP_UNIX, 0xa, 0xb);
	waiter(e, 110, false);
	ep(100, 5, FWB_EP_PIPE_R, 0xf, 0xf);	/* a self-pipe: both ends its own */
	ep(100, 6, FWB_EP_PIPE_W, 0xf, 0xf);
	e = ep(120, 0, FWB_EP_UNIX, 0xb, 0xa);
	waiter(e, 120, true);
	e = ep(120, 3, FWB_EP_TCP, 0xc, 0);
	tcp(e, 1, LO, 40000, LO, 22);
	waiter(e, 120, true);
	ep(120, 2, FWB_EP_UNIX, 0xd, 0xe);	/* stderr to a logger it does not wait on */
	ep(150, 9, FWB_EP_UNIX, 0xe, 0xd);
	e = ep(130, 3, FWB_EP_TCP, 0x1c, 0);
	tcp(e, 1, LO, 22, LO, 40000);
	waiter(e, 130, true);
	e = ep(130, 7, FWB_EP_PIPE_W, 0x10, 0x10);
	waiter(e, 130, true);
	ep(140, 0, FWB_EP_PIPE_R, 0x10, 0x10);
}

int main(void)
{
	static const struct fwb_diag_limits lim = { .hung_ns = 5 * S };
	struct fwb_diag_transport t;
	struct fwb_diag_facts f;
	struct fwb_diag_ep *e;

	loopback_sshfs(TASK_T);
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	ok(t.io_waiters == 1 && t.io_tid == 110, "the reader thread waits on I/O (%d, tid %u)", t.io_waiters, t.io_tid);
	ok(t.nprocs == 4, "sshfs, ssh, sshd, sftp-server on the path (%d)", t.nprocs);
	ok(t.procs[1].tgid == 120 && t.procs[1].hop == 1 && t.procs[1].exact, "ssh, 1 hop, by the wait queue");
	is_str(t.procs[1].via, "a unix socket", "over a unix socket");
	ok(t.procs[2].tgid == 130 && t.procs[2].hop == 2, "sshd, 2 hops: the TCP peer by 4-tuple");
	is_str(t.procs[2].via, "TCP 127.0.0.1:40000 -> 127.0.0.1:22", "its TCP connection");
	ok(t.procs[3].tgid == 140 && t.procs[3].state == 'T', "sftp-server, stopped");
	ok(!t.nremotes && !t.heuristic, "nothing remote, nothing guessed");
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(f.tr_pid == 140 && f.tr_stopped && f.tr_hop == 3, "the stopped process is the one to name");
	is_str(f.tr_chain, "sshfs[100] -> ssh[120] -> sshd[130] -> sftp-server[140]", "the path to it");
	for (int i = 0; i < t.nprocs; i++)
		ok(t.procs[i].tgid != 150, "a logger ssh does not wait on is not followed");

	loopback_sshfs(TASK_D);
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(f.tr_pid == 140 && !f.tr_stopped && f.tr_tid == 140, "sftp-server in D: blocked, its thread named");

	loopback_sshfs(TASK_S);
	raw.tasks[4].offcpu_ns = S / 10;
	raw.tasks[4].state = TASK_D;
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(!f.tr_pid, "a D state of 100 ms is passing through, not blocked");

	/* the server elsewhere: a TCP connection nobody here holds the other end of */
	loopback_sshfs(TASK_S);
	raw.eps[4].net = 1;
	tcp(&raw.eps[4], 1, HOST, 40000, SERVER, 22);
	raw.eps[4].sndq = 65536;
	raw.eps[4].retransmits = 5;
	raw.eps[4].now = 10000;
	raw.eps[4].rcv_tstamp = 10000 - 250 * 4;	/* 4 s at HZ 250 */
	raw.eps[4].lsndtime = 10000 - 50;
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	ok(t.nprocs == 2 && t.nremotes == 1, "ssh, then a remote peer (%d procs, %d remote)", t.nprocs, t.nremotes);
	is_str(t.remotes[0].peer, "192.168.0.2:22", "the peer's address and port");
	is_num(t.remotes[0].since_ack_ns / 1e9, 4.0, 0.001, "seconds since the last ACK");
	is_num(t.remotes[0].since_send_ns / 1e9, 0.2, 0.001, "seconds since the last send");
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(f.net_stall && f.net_pid == 120 && f.net_unacked == 65536, "unacknowledged for 4 s: a network stall");
	is_str(f.net_addr, "192.168.0.2", "the address for ping");
	raw.eps[4].retransmits = 0;
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(!f.net_stall, "no retransmit yet: just sent, not a stall");
	raw.eps[4].retransmits = 5;
	raw.eps[4].sndq = 0;
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	memset(&f, 0, sizeof(f));
	fwb_diag_transport_facts(&t, &f);
	ok(!f.net_stall, "nothing unacknowledged: the peer is up (it may just not answer)");

	/* a TCP peer in another network namespace with the same 4-tuple is not this one's loopback peer */
	loopback_sshfs(TASK_S);
	raw.eps[7].net = 2;
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	ok(t.nremotes == 1 && t.nprocs == 2, "another namespace's socket is not the peer");

	/* an epoll daemon: no wait queue names its thread, the stack does */
	reset();
	task(100, 100, "rclone", TASK_S, 3 * S);
	raw.tasks[0].nframes = 0;
	e = ep(100, 7, FWB_EP_TCP, 0xc, 0);
	tcp(e, 1, HOST, 40000, SERVER, 443);
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	ok(t.io_waiters == 0 && !t.nremotes, "no wait on an end, no I/O stack: nothing followed");

	reset();
	fwb_diag_transport(&raw, NULL, 100, 250, &lim, &t);
	ok(t.nprocs == 1 && t.procs[0].state == '?', "a daemon without records: itself, state unknown");
	reset();
	return tap_done();
}
