// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict on one FUSE connection and the remedies that go with it.
 * Pure functions of the facts gathered elsewhere, so every rule can be
 * tested without a hung daemon (tests/unit/diag_verdict.c).
 */
#include <stdio.h>
#include <string.h>
#include "diag.h"

static const struct {
	const char *name, *title;
	bool hang;
} verdicts[FWB_V_NR] = {
	[FWB_V_HEALTHY] = { "healthy", "healthy", false },
	[FWB_V_SLOW] = { "slow", "slow: the daemon answers, but slowly", false },
	[FWB_V_BG_FULL] = { "background_full", "background queue full", false },
	[FWB_V_STOPPED] = { "daemon_stopped", "daemon stopped", true },
	[FWB_V_NOT_READING] = { "not_reading", "daemon alive but not reading its device", true },
	[FWB_V_NOT_ANSWERING] = { "not_answering", "daemon read requests but answers none", true },
	[FWB_V_SELF_DEADLOCK] = { "self_deadlock", "daemon blocked inside its own mount (self-deadlock)", true },
	[FWB_V_BLOCKED_ELSEWHERE] = { "blocked_elsewhere", "daemon blocked elsewhere", true },
	[FWB_V_GONE] = { "daemon_gone", "daemon gone: no process holds the device", true },
	[FWB_V_ABORTED] = { "aborted", "connection aborted", true },
	[FWB_V_STOPPED_TRANSPORT] = { "stopped_transport",
				      "transport stopped: a process the daemon talks to is stopped", true },
	[FWB_V_NETWORK] = { "network", "waiting on the network: the daemon's TCP peer acknowledges nothing",
			    true },
	[FWB_V_HELPER_BLOCKED] = { "helper_blocked",
				   "helper blocked: a process the daemon talks to is blocked in the kernel", true },
};

const char *fwb_verdict_name(enum fwb_verdict v)
{
	return v < FWB_V_NR ? verdicts[v].name : "unknown";
}

const char *fwb_verdict_title(enum fwb_verdict v)
{
	return v < FWB_V_NR ? verdicts[v].title : "unknown";
}

bool fwb_verdict_is_hang(enum fwb_verdict v)
{
	return v < FWB_V_NR && verdicts[v].hang;
}

char *fwb_fmt_duration(char *buf, size_t len, uint64_t ns)
{
	double s = ns / 1e9;

	if (ns < 1000000)
		snprintf(buf, len, "%.0f us", ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.0f ms", ns / 1e6);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
	return buf;
}

#define WHY(...) snprintf(d->why, sizeof(d->why), __VA_ARGS__)

static void decide_blocked(const struct fwb_diag_facts *f, struct fwb_diag_decision *d, const char *tail)
{
	d->verdict = FWB_V_BLOCKED_ELSEWHERE;
	if (f->fuse_blocked)
		WHY("daemon thread %u waits on another FUSE mount (connection %u) in %s%s",
		    f->culprit_tid, f->culprit_conn, f->culprit_where, tail);
	else
		WHY("daemon thread %u is blocked in the kernel in %s%s", f->culprit_tid,
		    f->culprit_where, tail);
}

static bool transport_verdict(const struct fwb_diag_facts *f, struct fwb_diag_decision *d)
{
	char a[32], b[32];
	const char *rs = f->nreqs == 1 ? "" : "s";

	if (f->tr_pid && f->tr_stopped) {
		d->verdict = FWB_V_STOPPED_TRANSPORT;
		if (f->tr_tracer)
			WHY("%s[%u] is held stopped by its tracer, process %u (%s, the last over %s); daemon "
			    "thread %u waits in %s; %u request%s wait", f->tr_comm, f->tr_pid, f->tr_tracer,
			    f->tr_chain, f->tr_via, f->io_tid, f->io_where, f->nreqs, rs);
		else
			WHY("%s[%u] is stopped by a signal (%s, the last over %s); daemon thread %u waits in %s; "
			    "%u request%s wait", f->tr_comm, f->tr_pid, f->tr_chain, f->tr_via, f->io_tid,
			    f->io_where, f->nreqs, rs);
		return true;
	}
	if (f->net_stall) {
		d->verdict = FWB_V_NETWORK;
		WHY("%s[%u] waits on %s, which has acknowledged nothing for %s: %u bytes unacknowledged, "
		    "%u retransmit%s; daemon thread %u waits in %s; %u request%s wait", f->net_comm, f->net_pid,
		    f->net_peer, fwb_fmt_duration(a, sizeof(a), f->net_since_ack_ns), f->net_unacked,
		    f->net_retransmits, f->net_retransmits == 1 ? "" : "s", f->io_tid, f->io_where, f->nreqs, rs);
		return true;
	}
	if (f->tr_pid) {
		char on[48] = "";

		if (f->tr_wait_conn)
			snprintf(on, sizeof(on), ", waiting on FUSE connection %u", f->tr_wait_conn);
		d->verdict = FWB_V_HELPER_BLOCKED;
		WHY("%s[%u] is blocked: its thread %u in %s for %s%s (%s, the last over %s); daemon thread %u "
		    "waits in %s; %u request%s wait", f->tr_comm, f->tr_pid, f->tr_tid, f->tr_where,
		    f->tr_offcpu_ns ? fwb_fmt_duration(b, sizeof(b), f->tr_offcpu_ns) : "?", on, f->tr_chain,
		    f->tr_via, f->io_tid, f->io_where, f->nreqs, rs);
		return true;
	}
	return false;
}

void fwb_diag_decide(const struct fwb_diag_facts *f, const struct fwb_diag_limits *l,
		     struct fwb_diag_decision *d)
{
	uint64_t hung = l && l->hung_ns ? l->hung_ns : FWB_DIAG_HUNG_NS_DEFAULT;
	uint64_t slow = l && l->slow_ns ? l->slow_ns : FWB_DIAG_SLOW_NS_DEFAULT;
	char a[32], b[32], w[32];
	bool progress = f->completed > 0, stuck;

	memset(d, 0, sizeof(*d));
	fwb_fmt_duration(w, sizeof(w), f->window_ns);
	fwb_fmt_duration(a, sizeof(a), f->oldest_ns);
	if (!f->ndaemons) {
		d->verdict = FWB_V_GONE;
		if (f->walked && f->connected)
			WHY("no process holds /dev/fuse for this connection: %u request%s wait for an "
			    "answer that cannot come", f->nreqs, f->nreqs == 1 ? "" : "s");
		else if (!f->walked && f->waiting > 0)
			WHY("no process holds /dev/fuse for this connection: fusectl counts %lld request%s "
			    "waiting for an answer that cannot come", (long long)f->waiting,
			    f->waiting == 1 ? "" : "s");
		else
			WHY("no process holds /dev/fuse for this connection: the daemon exited, the "
			    "kernel closed the connection and every access fails with ENOTCONN");
		return;
	}
	if (f->walked && !f->connected) {
		d->verdict = FWB_V_ABORTED;
		WHY("the connection was aborted; the daemon still holds the device, every access "
		    "fails with ENOTCONN");
		return;
	}
	if (f->stopped_daemons) {
		d->verdict = FWB_V_STOPPED;
		if (f->tracer)
			WHY("daemon %u is held stopped by its tracer, process %u; %u request%s wait",
			    f->stopped_pid, f->tracer, f->nreqs, f->nreqs == 1 ? "" : "s");
		else
			WHY("daemon %u is stopped by a signal (SIGSTOP or SIGTSTP); %u request%s wait",
			    f->stopped_pid, f->nreqs, f->nreqs == 1 ? "" : "s");
		return;
	}
	if (f->self_blocked) {
		d->verdict = FWB_V_SELF_DEADLOCK;
		WHY("daemon thread %u waits on its own mount in %s: the request it is serving "
		    "cannot finish until it does", f->culprit_tid, f->culprit_where);
		return;
	}
	/*
	 * Behind the daemon: it is alive, its threads wait on a socket or pipe,
	 * nothing was answered, and what is at the other end is stopped,
	 * blocked, or a TCP peer that acknowledges nothing.  Like a stopped
	 * daemon, a stopped transport is one however young the requests are.
	 */
	if (f->nreqs && !progress && f->io_waiters && transport_verdict(f, d))
		return;
	/* an age we know beats "it was there at both looks" */
	stuck = f->oldest_known ? f->nreqs && f->oldest_ns >= hung : f->persisted > 0;
	if (stuck && !progress) {
		const char *sure = f->oldest_known ? "" : "at least ";

		if (f->fuse_blocked || f->other_blocked) {
			char tail[96];

			snprintf(tail, sizeof(tail), "; no answer for %s%s", sure, a);
			decide_blocked(f, d, tail);
		} else if (f->nq[FWB_DIAGQ_PENDING] && !f->idle_readers &&
			   !f->nq[FWB_DIAGQ_PROCESSING] && !f->nq[FWB_DIAGQ_IO]) {
			/* nothing read: the daemon does not read (what it read it would owe) */
			d->verdict = FWB_V_NOT_READING;
			WHY("%u request%s wait unread for %s%s and no daemon thread reads /dev/fuse "
			    "(%d thread%s: %d running, %d sleeping elsewhere)",
			    f->nq[FWB_DIAGQ_PENDING], f->nq[FWB_DIAGQ_PENDING] == 1 ? "" : "s", sure, a,
			    f->threads, f->threads == 1 ? "" : "s", f->running, f->busy);
		} else {
			unsigned int held = f->nq[FWB_DIAGQ_PROCESSING] + f->nq[FWB_DIAGQ_IO];
			unsigned int unread = f->nq[FWB_DIAGQ_PENDING];
			char more[96] = "";

			/* the threads are stuck in what they read: the unread ones only queue behind */
			if (unread)
				snprintf(more, sizeof(more), "; %u more wait unread behind %s", unread,
					 held == 1 ? "it" : "them");
			d->verdict = FWB_V_NOT_ANSWERING;
			WHY("the daemon holds %u request%s it read and answered none in %s; the oldest "
			    "waits %s%s%s", held, held == 1 ? "" : "s", w, sure, a, more);
		}
		return;
	}
	fwb_fmt_duration(b, sizeof(b), f->lat_p99_ns);
	if (stuck) {
		if (f->fuse_blocked || f->other_blocked) {
			decide_blocked(f, d, ", while other requests are answered");
			return;
		}
		d->verdict = FWB_V_SLOW;
		WHY("answers (%llu in %s, p99 %s), but the oldest request has waited %s%s",
		    (unsigned long long)f->completed, w, b, f->oldest_known ? "" : "at least ", a);
		return;
	}
	if (!progress && f->nreqs && f->oldest_known && f->oldest_ns >= slow) {
		char h[32];

		d->verdict = FWB_V_SLOW;
		WHY("no answer in %s; the oldest request waits %s (a hang only if it passes %s: "
		    "run again)", w, a, fwb_fmt_duration(h, sizeof(h), hung));
		return;
	}
	if (progress && f->lat_p99_ns >= slow) {
		char p50[32], p99[32];

		d->verdict = FWB_V_SLOW;
		if (f->slow_op_count)
			WHY("%s answers take p50 %s, p99 %s (%llu of %llu answers in %s)",
			    fwb_opcode_name(f->slow_op), fwb_fmt_duration(p50, sizeof(p50), f->slow_op_p50_ns),
			    fwb_fmt_duration(p99, sizeof(p99), f->slow_op_p99_ns),
			    (unsigned long long)f->slow_op_count, (unsigned long long)f->completed, w);
		else
			WHY("answers take p50 %s, p99 %s (%llu answer%s in %s)",
			    fwb_fmt_duration(p50, sizeof(p50), f->lat_p50_ns), b,
			    (unsigned long long)f->completed, f->completed == 1 ? "" : "s", w);
		return;
	}
	if (f->max_background && f->num_background >= f->max_background &&
	    (f->nq[FWB_DIAGQ_BACKGROUND] || f->bg_blocked)) {
		d->verdict = FWB_V_BG_FULL;
		WHY("all %u background slots are taken and %u request%s wait for one; answers "
		    "are fast (p99 %s)", f->max_background, f->nq[FWB_DIAGQ_BACKGROUND],
		    f->nq[FWB_DIAGQ_BACKGROUND] == 1 ? "" : "s", b);
		return;
	}
	d->verdict = FWB_V_HEALTHY;
	if (progress)
		WHY("%llu answer%s in %s, p99 %s", (unsigned long long)f->completed,
		    f->completed == 1 ? "" : "s", w, b);
	else if (f->nreqs)
		WHY("%u request%s in flight, none older than %s", f->nreqs, f->nreqs == 1 ? "" : "s", a);
	else
		WHY("idle: nothing waits for the daemon");
}

/* Single-quote for sh when needed: mount points may hold spaces. */
static const char *shq(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (!strpbrk(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!")) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	buf[o++] = '\'';
	for (; *s && o + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o++] = '\'';
	buf[o] = 0;
	return buf;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void add(struct fwb_remedy *out, int *n, const char *cmd, const char *note)
{
	if (*n >= FWB_MAX_REMEDIES)
		return;
	copy_str(out[*n].cmd, sizeof(out[*n].cmd), cmd);
	copy_str(out[*n].note, sizeof(out[*n].note), note);
	(*n)++;
}

static void pages_text(char *buf, size_t len, int64_t pages)
{
	if (pages < 0)
		snprintf(buf, len, "an unknown number of");
	else
		snprintf(buf, len, "%lld (%.1f MiB)", (long long)pages, pages * 4096.0 / (1 << 20));
}

/* The abort write, with what it costs; `when` says when it is the right call (or ""). */
static void add_abort(const struct fwb_remedy_ctx *c, struct fwb_remedy *out, int *n, const char *when)
{
	char cmd[128], note[320], dirty[48], wb[48];

	snprintf(cmd, sizeof(cmd), "echo 1 > /sys/fs/fuse/connections/%u/abort", c->conn);
	pages_text(dirty, sizeof(dirty), c->dirty_pages);
	pages_text(wb, sizeof(wb), c->writeback_pages);
	snprintf(note, sizeof(note),
		 "%sends the connection: %u waiting request%s fail%s (%u WRITE%s), %s dirty and %s "
		 "writeback pages of this mount are lost, and the mount answers ENOTCONN until "
		 "unmounted", when, c->nreqs, c->nreqs == 1 ? "" : "s", c->nreqs == 1 ? "s" : "",
		 c->nwrites, c->nwrites == 1 ? "" : "s", dirty, wb);
	add(out, n, cmd, note);
}

static void add_umount(const struct fwb_remedy_ctx *c, struct fwb_remedy *out, int *n, const char *note)
{
	char cmd[FWB_PATH_MAX * 4 + 32], q[FWB_PATH_MAX * 4 + 16];

	snprintf(cmd, sizeof(cmd), "umount -l %s", shq(q, sizeof(q), c->mountpoint ? c->mountpoint : "?"));
	add(out, n, cmd, note);
}

/* Keeps the evidence before anything is lost: every thread's kernel stack, then user stacks. */
static void add_evidence(struct fwb_remedy *out, int *n, uint32_t pid, const char *comm, bool gdb)
{
	char cmd[160], note[200];

	if (!pid)
		return;
	snprintf(cmd, sizeof(cmd), "cat /proc/%u/task/*/stack", pid);
	snprintf(note, sizeof(note), "keeps the evidence: the kernel stack of every thread of %s %u",
		 comm && *comm ? comm : "process", pid);
	add(out, n, cmd, note);
	if (!gdb)
		return;
	snprintf(cmd, sizeof(cmd), "gdb -p %u -batch -ex 'thread apply all bt'", pid);
	snprintf(note, sizeof(note), "keeps the evidence: the user-space stacks of %s %u (it pauses "
		 "the process for a moment)", comm && *comm ? comm : "process", pid);
	add(out, n, cmd, note);
}

/* A stall behind the daemon: lossless first, evidence next, the abort last with its cost. */
static int transport_remedies(const struct fwb_remedy_ctx *c, struct fwb_remedy *out)
{
	char cmd[160], note[320];
	int n = 0;

	switch (c->verdict) {
	case FWB_V_STOPPED_TRANSPORT:
		if (c->tr_tracer) {
			snprintf(note, sizeof(note), "%s[%u] is held by its tracer, process %u (gdb, strace): "
				 "detach it, or end it", c->tr_comm, c->tr_pid, c->tr_tracer);
			add(out, &n, "", note);
		}
		snprintf(cmd, sizeof(cmd), "kill -CONT %u", c->tr_pid);
		snprintf(note, sizeof(note), "resumes %s[%u], which the daemon waits on; the %u waiting "
			 "request%s are then answered, nothing is lost", c->tr_comm, c->tr_pid, c->nreqs,
			 c->nreqs == 1 ? "" : "s");
		add(out, &n, cmd, note);
		add_abort(c, out, &n, "last resort, only if it cannot be resumed: ");
		break;
	case FWB_V_NETWORK:
		snprintf(cmd, sizeof(cmd), "ping -c 3 %s", c->net_addr);
		snprintf(note, sizeof(note), "check the network path to %s, or the peer itself: when the "
			 "link returns TCP resends what is unacknowledged and the daemon answers, nothing is "
			 "lost by waiting", c->net_peer);
		add(out, &n, cmd, note);
		snprintf(cmd, sizeof(cmd), "ss -tinoe dst %s", c->net_peer);
		add(out, &n, cmd, "keeps the evidence: the connection's kernel state (unacknowledged "
		    "bytes, retransmits, timers)");
		add_abort(c, out, &n, "last resort, only if the peer will not come back: ");
		break;
	case FWB_V_HELPER_BLOCKED:
		if (c->tr_wait_conn) {
			snprintf(cmd, sizeof(cmd), "fusewb diagnose %u", c->tr_wait_conn);
			snprintf(note, sizeof(note), "%s[%u] waits on another FUSE mount (connection %u): fix "
				 "that one; once it answers, so does this daemon, nothing is lost", c->tr_comm,
				 c->tr_pid, c->tr_wait_conn);
			add(out, &n, cmd, note);
		} else {
			snprintf(note, sizeof(note), "fix what %s[%u] waits for (its stack below): once it "
				 "returns the daemon answers, nothing is lost", c->tr_comm, c->tr_pid);
			add(out, &n, "", note);
		}
		add_evidence(out, &n, c->tr_pid, c->tr_comm, false);
		add_abort(c, out, &n, "last resort: ");
		break;
	default:
		break;
	}
	return n;
}

int fwb_diag_remedies(const struct fwb_remedy_ctx *c, struct fwb_remedy *out)
{
	char cmd[128], note[320], t[32], w[32], h[32];
	int n = 0;

	switch (c->verdict) {
	case FWB_V_HEALTHY:
		break;
	case FWB_V_SLOW:
		/* what happened in the window: answers and their latency, or that none came */
		if (c->completed)
			snprintf(note, sizeof(note), "wait: it is slow, not hung (%llu answer%s in %s, p99 %s); "
				 "the daemon answers", (unsigned long long)c->completed,
				 c->completed == 1 ? "" : "s", fwb_fmt_duration(w, sizeof(w), c->window_ns),
				 fwb_fmt_duration(t, sizeof(t), c->lat_p99_ns));
		else
			snprintf(note, sizeof(note), "wait: it is slow, not hung yet: no answer arrived in the "
				 "%s window and the oldest request waits %s; a hang only if it passes %s "
				 "(run again)", fwb_fmt_duration(w, sizeof(w), c->window_ns),
				 fwb_fmt_duration(t, sizeof(t), c->oldest_ns),
				 fwb_fmt_duration(h, sizeof(h), c->hung_ns ? c->hung_ns : FWB_DIAG_HUNG_NS_DEFAULT));
		add(out, &n, "", note);
		break;
	case FWB_V_BG_FULL:
		snprintf(cmd, sizeof(cmd), "echo %u > /sys/fs/fuse/connections/%u/max_background",
			 c->max_background ? c->max_background * 2 : 24, c->conn);
		add(out, &n, cmd, "lets more background requests (writeback, readahead) go to the "
		    "daemon at once, if it copes; or wait");
		break;
	case FWB_V_STOPPED:
		if (c->tracer) {
			snprintf(note, sizeof(note), "the daemon is held by its tracer, process %u "
				 "(gdb, strace): detach it, or end it", c->tracer);
			add(out, &n, "", note);
		}
		snprintf(cmd, sizeof(cmd), "kill -CONT %u", c->stopped_pid);
		snprintf(note, sizeof(note), "resumes the daemon; the %u waiting request%s are then "
			 "answered, nothing is lost", c->nreqs, c->nreqs == 1 ? "" : "s");
		add(out, &n, cmd, note);
		break;
	case FWB_V_STOPPED_TRANSPORT:
	case FWB_V_NETWORK:
	case FWB_V_HELPER_BLOCKED:
		return transport_remedies(c, out);
	case FWB_V_SELF_DEADLOCK:
	case FWB_V_NOT_READING:
	case FWB_V_NOT_ANSWERING:
	case FWB_V_BLOCKED_ELSEWHERE:
		if (c->verdict == FWB_V_BLOCKED_ELSEWHERE)
			add(out, &n, "", "if what the daemon waits for can be fixed (see its stack), "
			    "fixing it releases everything without loss");
		/* alive and waiting on I/O: whatever it waits for may still come; keep the evidence first */
		if (c->io_waiters && c->verdict != FWB_V_SELF_DEADLOCK)
			add_evidence(out, &n, c->daemon_pid, NULL, c->verdict != FWB_V_BLOCKED_ELSEWHERE);
		add_abort(c, out, &n, "");
		add_umount(c, out, &n, "then detach the dead mount and restart the daemon");
		break;
	case FWB_V_GONE:
		if (c->nreqs) {
			add_abort(c, out, &n, "");
			add_umount(c, out, &n, "then detach the dead mount and restart the daemon");
		} else {
			add_umount(c, out, &n, "detach the dead mount (its unwritten data is already "
				   "lost), then restart the daemon");
		}
		break;
	case FWB_V_ABORTED:
		add_umount(c, out, &n, "detach the dead mount, then restart the daemon");
		if (c->daemon_pid) {
			snprintf(cmd, sizeof(cmd), "kill %u", c->daemon_pid);
			add(out, &n, cmd, "the daemon still holds the aborted connection's device");
		}
		break;
	case FWB_V_NR:
		break;
	}
	return n;
}
