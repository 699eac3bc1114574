// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's transport: the sockets and pipes its threads wait on, the
 * processes at their other ends and, one hop further, theirs; TCP
 * connections whose other end no process here holds go to a remote peer.
 * Pure: a function of the records diag_peers and diag_tasks read
 * (tests/unit/diag_path.c builds them by hand).
 *
 * Which end a thread waits on is read from the end's wait queue: a thread
 * blocked in read(2), write(2) or poll(2) sleeps on it with an entry that
 * points to the thread (poll: to its poll_wqueues, which points to the
 * thread).  epoll's entries point to neither, so a daemon thread in epoll
 * (or any other wait the queues do not show) is tied to all the daemon's
 * ends, and the transport says it is a guess (heuristic).  Past the daemon
 * only the ends a process sleeps on are followed (diag_peers wants no
 * other): an epoll helper ends the path.
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include "diag.h"

static bool waits_on(const struct fwb_diag_ep *e, uint64_t task)
{
	int n = e->nwaiters < FWB_DIAG_EP_WAITERS ? e->nwaiters : FWB_DIAG_EP_WAITERS;

	/* a private that is not a task (poll) cannot equal a task's address, nor can a task's poll_task */
	for (int i = 0; task && i < n; i++)
		if (e->w[i].private == task || e->w[i].poll_task == task)
			return true;
	return false;
}

/* Does a thread of process tgid sleep on e? */
static bool process_waits_on(const struct fwb_diag_raw *r, uint32_t tgid, const struct fwb_diag_ep *e)
{
	for (int i = 0; i < r->ntasks; i++)
		if (r->tasks[i].tgid == tgid && waits_on(e, r->tasks[i].addr))
			return true;
	return false;
}

static bool addr_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 16);
}

/* Is b the other end of a? */
static bool other_end(const struct fwb_diag_ep *a, const struct fwb_diag_ep *b)
{
	if (a->tgid == b->tgid && a->kind != FWB_EP_UNIX)
		return false;	/* both ends of one pipe, or a loopback to itself: not a peer */
	switch (a->kind) {
	case FWB_EP_UNIX:
		return b->kind == FWB_EP_UNIX && a->peer && b->id == a->peer && b->tgid != a->tgid;
	case FWB_EP_PIPE_R:
		return b->kind == FWB_EP_PIPE_W && b->id == a->id;
	case FWB_EP_PIPE_W:
		return b->kind == FWB_EP_PIPE_R && b->id == a->id;
	case FWB_EP_TCP:
	case FWB_EP_UDP:
		return b->kind == a->kind && b->net == a->net && b->sport == a->dport &&
		       b->dport == a->sport && addr_eq(b->saddr, a->daddr) && addr_eq(b->daddr, a->saddr);
	}
	return false;
}

static bool is_v4(const struct fwb_diag_ep *e)
{
	return e->family == 2;
}

static void fmt_addr(char *buf, size_t len, const struct fwb_diag_ep *e, const uint8_t *a, bool bracket)
{
	char t[INET6_ADDRSTRLEN];

	if (!inet_ntop(is_v4(e) ? AF_INET : AF_INET6, a, t, sizeof(t)))
		snprintf(t, sizeof(t), "?");
	snprintf(buf, len, bracket && !is_v4(e) ? "[%s]" : "%s", t);
}

static void fmt_hostport(char *buf, size_t len, const struct fwb_diag_ep *e, const uint8_t *a, uint16_t port)
{
	char h[INET6_ADDRSTRLEN + 2];

	fmt_addr(h, sizeof(h), e, a, true);
	snprintf(buf, len, "%s:%u", h, port);
}

static void via_text(char *buf, size_t len, const struct fwb_diag_ep *e)
{
	char l[56], p[56];

	switch (e->kind) {
	case FWB_EP_UNIX:
		snprintf(buf, len, "a unix socket");
		return;
	case FWB_EP_PIPE_R:
	case FWB_EP_PIPE_W:
		snprintf(buf, len, "a pipe");
		return;
	case FWB_EP_TCP:
	case FWB_EP_UDP:
		fmt_hostport(l, sizeof(l), e, e->saddr, e->sport);
		fmt_hostport(p, sizeof(p), e, e->daddr, e->dport);
		snprintf(buf, len, "%s %s -> %s", e->kind == FWB_EP_TCP ? "TCP" : "UDP", l, p);
		return;
	}
	snprintf(buf, len, "a socket");
}

static int proc_index(const struct fwb_diag_transport *t, uint32_t tgid)
{
	for (int i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid)
			return i;
	return -1;
}

/* Long enough off the CPU to count as stuck rather than passing through a wait. */
static bool long_wait(uint64_t offcpu_ns, const struct fwb_diag_limits *l)
{
	uint64_t min = l && l->hung_ns && l->hung_ns < 1000000000ULL ? l->hung_ns : 1000000000ULL;

	return !offcpu_ns || offcpu_ns >= min;
}

/* The process's state as a whole: stopped, blocked (which thread, where), or alive. */
static void proc_state(const struct fwb_diag_raw *r, const struct fwb_ksyms *k,
		       const struct fwb_diag_limits *l, struct fwb_diag_hop *h)
{
	int n = 0, stopped = 0, traced = 0;

	h->state = '?';
	for (int i = 0; i < r->ntasks; i++) {
		const struct fwb_diag_task *t = &r->tasks[i];
		char st, where[64];
		enum fwb_wait w;

		if (t->tgid != h->tgid)
			continue;
		if (!n++ || t->pid == t->tgid)
			memcpy(h->comm, t->comm, sizeof(h->comm));
		st = fwb_diag_state_letter(t->state, t->exit_state);
		if (st == 'T' || st == 't') {
			stopped++;
			traced += st == 't';
			if (t->ptrace && t->tracer)
				h->tracer = t->tracer;
			continue;
		}
		w = fwb_diag_classify_task(k, t, where, sizeof(where));
		/* blocked: in D state, or in a FUSE wait (on some mount), for long */
		if (!h->tid && long_wait(t->offcpu_ns, l) &&
		    (st == 'D' || (st == 'S' && fwb_wait_is_fuse(w) && w != FWB_WAIT_DEV_READ))) {
			h->tid = t->pid;
			h->wait = w;
			for (int j = 0; j < r->nreqs && !h->wait_conn; j++)
				if (r->reqs[j].pid == t->pid)
					h->wait_conn = r->reqs[j].conn;
			snprintf(h->where, sizeof(h->where), "%s", where);
			h->offcpu_ns = t->offcpu_ns;
			h->nframes = t->nframes > FWB_DIAG_STACK_DEPTH ? FWB_DIAG_STACK_DEPTH : t->nframes;
			memcpy(h->stack, t->stack, sizeof(h->stack));
		}
		if (st == 'D')
			st = 'S';	/* passing through a wait; a long one made it the blocked thread */
		if (h->state == '?' || st == 'R')
			h->state = st;
	}
	if (n && stopped == n)
		h->state = traced ? 't' : 'T';
	else if (h->tid)
		h->state = 'D';
}

static void add_remote(struct fwb_diag_transport *t, const struct fwb_diag_ep *e, const struct fwb_diag_hop *p,
		       bool exact, unsigned hz)
{
	struct fwb_diag_remote *o;

	if (t->nremotes >= FWB_DIAG_REMOTE_MAX)
		return;
	o = &t->remotes[t->nremotes++];
	memset(o, 0, sizeof(*o));
	o->tgid = e->tgid;
	o->fd = e->fd;
	memcpy(o->comm, p->comm, sizeof(o->comm));
	o->hop = p->hop;
	o->exact = exact;
	fmt_hostport(o->local, sizeof(o->local), e, e->saddr, e->sport);
	fmt_hostport(o->peer, sizeof(o->peer), e, e->daddr, e->dport);
	fmt_addr(o->addr, sizeof(o->addr), e, e->daddr, false);
	o->state = e->state;
	o->unacked = e->sndq;
	o->rcvq = e->rcvq;
	o->packets_out = e->packets_out;
	o->retrans_out = e->retrans_out;
	o->retransmits = e->retransmits;
	o->total_retrans = e->total_retrans;
	o->since_ack_ns = o->since_send_ns = -1;
	if (hz) {
		/* jiffies as the kernel's tcp_jiffies32: differences wrap correctly */
		o->since_ack_ns = (int64_t)(uint32_t)(e->now - e->rcv_tstamp) * (1000000000LL / hz);
		o->since_send_ns = (int64_t)(uint32_t)(e->now - e->lsndtime) * (1000000000LL / hz);
	}
}

/* A TCP socket with (or waiting for) a peer: not closed, not listening */
static bool connected_tcp(const struct fwb_diag_ep *e)
{
	return e->kind == FWB_EP_TCP && e->state != TCP_CLOSE && e->state != TCP_LISTEN;
}

/* Follow the ends of process p (index pi) that it waits on. */
static void expand(const struct fwb_diag_raw *r, const struct fwb_ksyms *k, const struct fwb_diag_limits *l,
		   unsigned hz, struct fwb_diag_transport *t, int pi)
{
	const struct fwb_diag_hop *p = &t->procs[pi];
	bool any_exact = false, io_stack = false;

	if (p->state == 'T' || p->state == 't' || p->hop >= FWB_DIAG_MAX_HOPS)
		return;	/* a stopped process is the end of the story */
	for (int i = 0; i < r->neps; i++)
		any_exact |= r->eps[i].tgid == p->tgid && process_waits_on(r, p->tgid, &r->eps[i]);
	/* a guess only for the daemon itself: diag_peers follows only the waited ends further on */
	for (int i = 0; !any_exact && !p->hop && i < r->ntasks; i++) {
		char where[64];

		io_stack |= r->tasks[i].tgid == p->tgid &&
			    fwb_diag_classify_task(k, &r->tasks[i], where, sizeof(where)) == FWB_WAIT_IO;
	}
	if (!any_exact && !io_stack)
		return;
	for (int i = 0; i < r->neps; i++) {
		const struct fwb_diag_ep *e = &r->eps[i];
		bool exact, found = false;

		if (e->tgid != p->tgid || e->kind == FWB_EP_OTHER)
			continue;
		exact = process_waits_on(r, p->tgid, e);
		if (any_exact && !exact)
			continue;
		for (int j = 0; j < r->neps; j++) {
			const struct fwb_diag_ep *o = &r->eps[j];
			struct fwb_diag_hop *h;

			if (!other_end(e, o))
				continue;
			found = true;
			if (proc_index(t, o->tgid) >= 0 || t->nprocs >= FWB_DIAG_PATH_MAX)
				continue;	/* back where we came from, or full */
			h = &t->procs[t->nprocs++];
			memset(h, 0, sizeof(*h));
			h->tgid = o->tgid;
			h->from = p->tgid;
			h->hop = p->hop + 1;
			h->from_fd = e->fd;
			h->fd = o->fd;
			h->exact = exact;
			t->heuristic |= !exact;
			via_text(h->via, sizeof(h->via), e);
			proc_state(r, k, l, h);
			p = &t->procs[pi];
		}
		/* a TCP connection nobody here holds the other end of: a remote peer */
		if (!found && connected_tcp(e)) {
			add_remote(t, e, p, exact, hz);
			t->heuristic |= !exact;
		}
	}
}

void fwb_diag_transport(const struct fwb_diag_raw *r, const struct fwb_ksyms *k, uint32_t tgid,
			unsigned hz, const struct fwb_diag_limits *l, struct fwb_diag_transport *t)
{
	struct fwb_diag_hop *d;

	memset(t, 0, sizeof(*t));
	t->read = r->peers_read;
	d = &t->procs[t->nprocs++];
	d->tgid = tgid;
	proc_state(r, k, l, d);
	/* the daemon's threads that wait on I/O: on an end (exactly) or by their stack */
	for (int i = 0; i < r->ntasks; i++) {
		const struct fwb_diag_task *th = &r->tasks[i];
		char where[64];
		bool on_end = false;
		enum fwb_wait w;

		if (th->tgid != tgid)
			continue;
		w = fwb_diag_classify_task(k, th, where, sizeof(where));
		for (int j = 0; j < r->neps && !on_end; j++)
			on_end = r->eps[j].tgid == tgid && waits_on(&r->eps[j], th->addr);
		if (!on_end && w != FWB_WAIT_IO)
			continue;
		if (!t->io_waiters++ || (on_end && w == FWB_WAIT_IO && !t->io_tid)) {
			t->io_tid = th->pid;
			snprintf(t->io_where, sizeof(t->io_where), "%s", where);
		}
	}
	/* breadth first: the nearest stopped or blocked process is the one to name */
	for (int i = 0; i < t->nprocs; i++)
		expand(r, k, l, hz, t, i);
}

/* "sshfs[10] -> ssh[12] -> sshd[20]": from the daemon to h */
static void chain_text(const struct fwb_diag_transport *t, const struct fwb_diag_hop *h, char *buf, size_t len)
{
	const struct fwb_diag_hop *seq[FWB_DIAG_MAX_HOPS + 1];
	size_t o = 0;
	int n = 0;

	for (; h && n <= FWB_DIAG_MAX_HOPS; n++) {
		int i = h->hop ? proc_index(t, h->from) : -1;

		seq[n] = h;
		h = i >= 0 ? &t->procs[i] : NULL;
	}
	buf[0] = 0;
	while (n-- > 0 && o < len) {
		int w = snprintf(buf + o, len - o, "%s%s[%u]", o ? " -> " : "", seq[n]->comm, seq[n]->tgid);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

void fwb_diag_transport_facts(const struct fwb_diag_transport *t, struct fwb_diag_facts *f)
{
	const struct fwb_diag_hop *stopped = NULL, *blocked = NULL;

	f->io_waiters = t->io_waiters;
	f->io_tid = t->io_tid;
	snprintf(f->io_where, sizeof(f->io_where), "%s", t->io_where);
	if (!t->nprocs)
		return;
	f->daemon_pid = t->procs[0].tgid;
	memcpy(f->daemon_comm, t->procs[0].comm, sizeof(f->daemon_comm));
	for (int i = 1; i < t->nprocs; i++) {
		const struct fwb_diag_hop *h = &t->procs[i];

		if (!stopped && (h->state == 'T' || h->state == 't'))
			stopped = h;
		if (!blocked && h->state == 'D' && h->tid)
			blocked = h;
	}
	if (stopped || blocked) {
		const struct fwb_diag_hop *h = stopped ? stopped : blocked;

		f->tr_pid = h->tgid;
		f->tr_stopped = stopped != NULL;
		f->tr_tracer = h->tracer;
		f->tr_tid = h->tid;
		memcpy(f->tr_comm, h->comm, sizeof(f->tr_comm));
		f->tr_hop = h->hop;
		snprintf(f->tr_via, sizeof(f->tr_via), "%s", h->via);
		snprintf(f->tr_where, sizeof(f->tr_where), "%s", h->where);
		f->tr_offcpu_ns = h->offcpu_ns;
		f->tr_wait_conn = h->wait_conn;
		chain_text(t, h, f->tr_chain, sizeof(f->tr_chain));
	}
	for (int i = 0; i < t->nremotes; i++) {
		const struct fwb_diag_remote *o = &t->remotes[i];

		/* data out, retransmitted, and no ACK for a while: nothing comes back */
		if (!o->unacked || !o->retransmits || o->since_ack_ns < (int64_t)FWB_DIAG_NET_NS)
			continue;
		if (f->net_stall && (int64_t)f->net_since_ack_ns >= o->since_ack_ns)
			continue;
		f->net_stall = true;
		snprintf(f->net_peer, sizeof(f->net_peer), "%s", o->peer);
		snprintf(f->net_addr, sizeof(f->net_addr), "%s", o->addr);
		f->net_unacked = o->unacked;
		f->net_retransmits = o->retransmits;
		f->net_since_ack_ns = o->since_ack_ns;
		f->net_pid = o->tgid;
		memcpy(f->net_comm, o->comm, sizeof(f->net_comm));
	}
}
