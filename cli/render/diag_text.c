// SPDX-License-Identifier: GPL-2.0-only
/* fusewb diagnose: the report for people.  The verdict and the remedy come first. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "diag_text.h"

static const char *const queue_text[FWB_DIAGQ_NR] = {
	[FWB_DIAGQ_PENDING] = "unread",
	[FWB_DIAGQ_PROCESSING] = "read, unanswered",
	[FWB_DIAGQ_IO] = "being copied",
	[FWB_DIAGQ_BACKGROUND] = "awaiting bg slot",
};

static const char *dur(char *buf, size_t len, uint64_t ns)
{
	return ns ? fwb_fmt_duration(buf, len, ns) : "?";
}

static void print_stack(FILE *f, const struct fwb_ksyms *k, const uint64_t *st, int n, const char *indent)
{
	for (int i = 0; i < n; i++) {
		const char *s = fwb_ksym_name(k, st[i]);

		if (s)
			fprintf(f, "%s%s\n", indent, s);
		else
			fprintf(f, "%s0x%llx\n", indent, (unsigned long long)st[i]);
	}
}

static const char *wait_text(enum fwb_wait w)
{
	switch (w) {
	case FWB_WAIT_DEV_READ: return "idle: reads /dev/fuse";
	case FWB_WAIT_ANSWER: return "an answer";
	case FWB_WAIT_BG_SLOT: return "a background slot";
	case FWB_WAIT_WRITEBACK: return "writeback";
	case FWB_WAIT_THROTTLE: return "dirty throttling";
	case FWB_WAIT_LOCK: return "a lock";
	case FWB_WAIT_FUSE: return "FUSE";
	case FWB_WAIT_IO: return "socket/pipe I/O";
	case FWB_WAIT_OTHER: return "-";
	case FWB_WAIT_NOWRITE: return "inode's WRITEs";
	default: return "-";
	}
}

static void print_requests(FILE *f, const struct fwb_diag_report *r)
{
	const struct fwb_diag_facts *x = &r->facts;
	char a[32];

	fprintf(f, "  requests in the kernel: %u (", x->nreqs);
	for (int q = 0; q < FWB_DIAGQ_NR; q++)
		fprintf(f, "%s%u %s", q ? ", " : "", x->nq[q], queue_text[q]);
	fputc(')', f);
	if (r->truncated)
		fputs(", at least: a list was too long to walk", f);
	if ((uint32_t)r->nreqs < x->nreqs)
		fprintf(f, ", listing %d of %u", r->nreqs, x->nreqs);
	fputc('\n', f);
	if (!r->nreqs)
		return;
	fprintf(f, "    %-10s %-17s %-8s %-17s %-9s %-12s %s\n", "UNIQUE", "OPCODE", "NODEID", "QUEUE",
		"AGE", "AGE FROM", "PID/COMM");
	for (int i = 0; i < r->nreqs && i < 20; i++) {
		const struct fwb_diag_request *q = &r->reqs[i];
		char age[40], who[40];

		if (q->age_source != FWB_AGE_UNKNOWN)
			snprintf(age, sizeof(age), "%s", fwb_fmt_duration(a, sizeof(a), q->age_ns));
		else if (q->age_min_ns)
			snprintf(age, sizeof(age), ">=%s", fwb_fmt_duration(a, sizeof(a), q->age_min_ns));
		else
			snprintf(age, sizeof(age), "unknown");
		if (q->pid)
			snprintf(who, sizeof(who), "%u/%s", q->pid, q->comm[0] ? q->comm : "?");
		else
			snprintf(who, sizeof(who), "kernel");
		fprintf(f, "    %-10llu %-17s %-8llu %-17s %-9s %-12s %s\n", (unsigned long long)q->unique,
			fwb_opcode_name(q->opcode | (q->writeback ? FWB_OP_WRITEBACK : 0)),
			(unsigned long long)q->nodeid, queue_text[q->queue < FWB_DIAGQ_NR ? q->queue : 0], age,
			fwb_age_source_name(q->age_source), who);
	}
	if (r->nreqs > 20)
		fprintf(f, "    ... %d more in --json%s\n", r->nreqs - 20,
			(uint32_t)r->nreqs < x->nreqs ? " (the oldest it could list)" : "");
}

static void print_blocked(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_report *r,
			  const struct fwb_diag_blocked *b, int n, bool verbose)
{
	char a[32];

	fprintf(f, "    %-8s %-16s %-2s %-9s %-18s %-44s %s\n", "PID", "COMM", "ST", "OFF-CPU", "WAITS FOR",
		"WHERE", "TIED BY");
	for (int i = 0; i < n; i++) {
		char via[64];

		if (r && b[i].req >= 0 && b[i].req < r->nreqs)
			snprintf(via, sizeof(via), "its %s request", fwb_opcode_name(r->reqs[b[i].req].opcode));
		else if (b[i].nfiles)
			snprintf(via, sizeof(via), "%s (%d)", b[i].via, b[i].nfiles);
		else
			snprintf(via, sizeof(via), "%s", b[i].via ? b[i].via : "-");
		fprintf(f, "    %-8u %-16s %-2c %-9s %-18s %-44s %s\n", b[i].pid, b[i].comm, b[i].state,
			dur(a, sizeof(a), b[i].offcpu_ns), wait_text(b[i].wait), b[i].where, via);
		if (b[i].dirtied || b[i].wbwaits)
			fprintf(f, "             during the window: dirtied %llu pages, waited on writeback %llu times\n",
				(unsigned long long)b[i].dirtied, (unsigned long long)b[i].wbwaits);
		if (verbose)
			print_stack(f, set->ksyms, b[i].stack, b[i].nframes, "             ");
	}
}

static const char *thread_text(const struct fwb_diag_thread *t)
{
	if (t->state == 'T' || t->state == 't')
		return t->state == 'T' ? "stopped" : "stopped by tracer";
	if (t->state == 'R')
		return "running";
	if (t->wait == FWB_WAIT_OTHER || t->wait == FWB_WAIT_NONE)
		return t->state == 'D' ? "BLOCKED" : "sleeps elsewhere";
	return wait_text(t->wait);
}

/* Threads alike (state, wait, where) on one line: daemons often run dozens of idle readers. */
static void print_daemon(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_daemon *d, bool verbose)
{
	bool *done = calloc(d->nthreads + 1, sizeof(*done));
	char a[32];

	fprintf(f, "  daemon %s[%u]: %d thread%s", d->comm, d->tgid, d->nthreads, d->nthreads == 1 ? "" : "s");
	if (d->tracer)
		fprintf(f, ", traced by process %u", d->tracer);
	fputc('\n', f);
	if (!done)
		return;
	for (int i = 0; i < d->nthreads; i++) {
		const struct fwb_diag_thread *t = &d->threads[i];
		int same = 1;

		if (done[i])
			continue;
		done[i] = true;
		for (int j = i + 1; j < d->nthreads && !verbose; j++) {
			const struct fwb_diag_thread *u = &d->threads[j];

			if (!done[j] && u->state == t->state && u->wait == t->wait && !strcmp(u->where, t->where)) {
				done[j] = true;
				same++;
			}
		}
		if (same > 1)
			fprintf(f, "    %3d threads %-2c %-22s in %s\n", same, t->state, thread_text(t), t->where);
		else
			fprintf(f, "    tid %-7u %-2c %-22s in %s, off CPU %s\n", t->tid, t->state, thread_text(t),
				t->where, dur(a, sizeof(a), t->offcpu_ns));
		if (t->wait_conn && fwb_wait_is_fuse(t->wait) && t->wait != FWB_WAIT_DEV_READ)
			fprintf(f, "                waits on connection %u\n", t->wait_conn);
		if (verbose || (same == 1 && t->state == 'D'))
			print_stack(f, set->ksyms, t->stack, t->nframes, "                ");
	}
	free(done);
}

static const char *hop_state_text(char st)
{
	switch (st) {
	case 'T': return "STOPPED";
	case 't': return "STOPPED by tracer";
	case 'D': return "BLOCKED";
	case 'R': return "running";
	case 'S': return "alive, sleeping";
	default: return "state unknown";
	}
}

/* Where the daemon's I/O waits lead: the processes at the other end, and remote TCP peers. */
static void print_transport(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_transport *t)
{
	char a[32], b[32];

	if (!t->read || (!t->io_waiters && t->nprocs <= 1 && !t->nremotes))
		return;
	fprintf(f, "  transport: %d daemon thread%s wait%s on sockets or pipes (thread %u in %s)%s\n",
		t->io_waiters, t->io_waiters == 1 ? "" : "s", t->io_waiters == 1 ? "s" : "", t->io_tid,
		t->io_where, t->heuristic ? "; some links guessed from stacks (epoll)" : "");
	for (int i = 1; i < t->nprocs; i++) {
		const struct fwb_diag_hop *h = &t->procs[i];

		fprintf(f, "    %*s%s[%u]  %s, over %s from pid %u%s\n", 2 * (h->hop - 1), "", h->comm, h->tgid,
			hop_state_text(h->state), h->via, h->from, h->exact ? "" : " (guessed)");
		if (h->tid) {
			fprintf(f, "    %*s  thread %u in %s, off CPU %s", 2 * (h->hop - 1), "", h->tid, h->where,
				dur(a, sizeof(a), h->offcpu_ns));
			if (h->wait_conn)
				fprintf(f, ", waits on FUSE connection %u", h->wait_conn);
			fputc('\n', f);
			print_stack(f, set->ksyms, h->stack, h->nframes, "                ");
		}
	}
	for (int i = 0; i < t->nremotes; i++) {
		const struct fwb_diag_remote *o = &t->remotes[i];

		fprintf(f, "    remote %s (from %s[%u], %s): %u bytes unacknowledged, %u retransmit%s, last ACK ",
			o->peer, o->comm, o->tgid, o->local, o->unacked, o->retransmits,
			o->retransmits == 1 ? "" : "s");
		if (o->since_ack_ns >= 0)
			fprintf(f, "%s ago", fwb_fmt_duration(a, sizeof(a), o->since_ack_ns));
		else
			fputs("-", f);
		if (o->since_send_ns >= 0)
			fprintf(f, ", last send %s ago", fwb_fmt_duration(b, sizeof(b), o->since_send_ns));
		fputc('\n', f);
	}
}

/* What a longer-running fusewb (export, top, stat) saw before this run. */
static void print_history(FILE *f, const struct fwb_diag_history *h)
{
	char since[32], p50[32], p99[32], w50[32], w99[32], old[32];

	if (!h->have)
		return;
	fprintf(f, "  history (%s, pid %u, over %s): %llu answers, p50 %s, p99 %s; writeback WRITEs %llu, "
		"p50 %s, p99 %s; %llu pending, oldest %s\n", h->comm, h->pid,
		fwb_fmt_duration(since, sizeof(since), (uint64_t)(h->since_s * 1e9)),
		(unsigned long long)h->answers, fwb_fmt_duration(p50, sizeof(p50), fwb_hist_quantile(&h->lat, 0.5)),
		fwb_fmt_duration(p99, sizeof(p99), fwb_hist_quantile(&h->lat, 0.99)),
		(unsigned long long)h->wb_writes,
		fwb_fmt_duration(w50, sizeof(w50), fwb_hist_quantile(&h->wb_lat, 0.5)),
		fwb_fmt_duration(w99, sizeof(w99), fwb_hist_quantile(&h->wb_lat, 0.99)),
		(unsigned long long)h->pending, fwb_fmt_duration(old, sizeof(old), h->oldest_ns));
}

static void print_report(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_report *r, bool verbose)
{
	const struct fwb_diag_facts *x = &r->facts;
	bool hang = fwb_verdict_is_hang(r->d.verdict);
	char a[32], b[32], c[32];

	if (r->d.verdict == FWB_V_HEALTHY && !verbose) {
		fprintf(f, "%s  healthy: %s  (connection %u", r->m.mountpoint, r->d.why, r->m.conn);
		for (int i = 0; i < r->ndaemons; i++)
			fprintf(f, ", %s[%u]", r->daemons[i].comm, r->daemons[i].tgid);
		fputs(")\n", f);
		return;
	}
	fprintf(f, "%s  %s: %s\n", r->m.mountpoint, hang ? "HUNG" : r->d.verdict == FWB_V_HEALTHY ? "ok" : "WARNING",
		fwb_verdict_title(r->d.verdict));
	fprintf(f, "  %s\n", r->d.why);
	fprintf(f, "  connection %u  %s  bdi %s", r->m.conn, r->m.fstype, r->m.bdi);
	for (int i = 0; i < r->ndaemons; i++)
		fprintf(f, "%s%s[%u]", i ? ", " : "  daemon ", r->daemons[i].comm, r->daemons[i].tgid);
	if (!r->ndaemons)
		fputs("  no daemon", f);
	fputc('\n', f);
	if (r->m.extra_mountpoints)
		fprintf(f, "  also mounted at: %s\n", r->m.extra_mountpoints);
	if (r->nremedies) {
		fputs("  remedy:\n", f);
		for (int i = 0; i < r->nremedies; i++) {
			if (r->remedies[i].cmd[0])
				fprintf(f, "    %s\n        # %s\n", r->remedies[i].cmd, r->remedies[i].note);
			else
				fprintf(f, "    # %s\n", r->remedies[i].note);
		}
	}
	fputs("  evidence:\n", f);
	if (!r->have_kernel)
		fputs("  the connection's queues were not reachable (no task holds a file on it)\n", f);
	else
		print_requests(f, r);
	if (r->nblocked) {
		fprintf(f, "  tasks blocked on this mount: %d\n", r->nblocked);
		print_blocked(f, set, r, r->blocked, r->nblocked, verbose);
	} else {
		fputs("  tasks blocked on this mount: none\n", f);
	}
	for (int i = 0; i < r->ndaemons; i++)
		print_daemon(f, set, &r->daemons[i], verbose);
	print_transport(f, set, &r->tr);
	if (r->have_kernel)
		/* num_background counts the queued requests too: active ones hold the slots */
		fprintf(f, "  background: %u of %u slots active, %u queued for a slot (congestion at %u), %s%s\n",
			r->kc.active_background, r->kc.max_background, r->kc.nq[FWB_DIAGQ_BACKGROUND],
			r->kc.congestion_threshold, r->kc.blocked ? "BLOCKED" : "not blocked",
			r->kc.connected ? "" : ", connection closed");
	fprintf(f, "  page cache: %lld dirty, %lld under writeback, limit %lld pages (fusectl waiting %lld)\n",
		(long long)r->m.bdi_dirty_pages, (long long)r->m.bdi_writeback_pages,
		(long long)r->m.bdi_thresh_pages, (long long)r->m.waiting);
	if (x->completed) {
		char m[32], s50[32], s99[32];

		fprintf(f, "  answers during the %s window: %llu, p50 %s, p99 %s, max %s; slowest: %llu %s, "
			"p50 %s, p99 %s\n",
			fwb_fmt_duration(a, sizeof(a), x->window_ns), (unsigned long long)x->completed,
			fwb_fmt_duration(b, sizeof(b), x->lat_p50_ns), fwb_fmt_duration(c, sizeof(c), x->lat_p99_ns),
			fwb_fmt_duration(m, sizeof(m), x->lat_max_ns), (unsigned long long)x->slow_op_count,
			fwb_opcode_name(x->slow_op), fwb_fmt_duration(s50, sizeof(s50), x->slow_op_p50_ns),
			fwb_fmt_duration(s99, sizeof(s99), x->slow_op_p99_ns));
	} else {
		fprintf(f, "  answers during the %s window: none\n", fwb_fmt_duration(a, sizeof(a), x->window_ns));
	}
	print_history(f, &r->history);
	fputc('\n', f);
}

void diag_print_text(FILE *f, const struct fwb_diag_set *set, bool verbose)
{
	int hung = 0, wrong = 0;
	char when[32], w[32];
	time_t t = (time_t)set->wall;

	for (int i = 0; i < set->n; i++) {
		hung += fwb_verdict_is_hang(set->r[i].d.verdict);
		wrong += set->r[i].d.verdict != FWB_V_HEALTHY;
	}
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	fprintf(f, "%s  %d FUSE connection%s: %d hung, %d other problem%s, %d healthy  "
		"(window %s; request ages from %s)\n\n", when, set->n, set->n == 1 ? "" : "s", hung,
		wrong - hung, wrong - hung == 1 ? "" : "s", set->n - wrong,
		fwb_fmt_duration(w, sizeof(w), set->window_ns),
		set->create_time ? "the kernel's create_time" :
		"this run's collector, or a running fusewb's, else unknown");
	for (int i = 0; i < set->n; i++)
		print_report(f, set, &set->r[i], verbose);
	if (set->nloose) {
		fprintf(f, "tasks in FUSE waits not tied to a connection: %d\n", set->nloose);
		print_blocked(f, set, NULL, set->loose, set->nloose, verbose);
		fputc('\n', f);
	}
	if (set->nloose_hidden)
		fprintf(f, "(%d task%s in FUSE waits tied to no connection left out: run without "
			"arguments to list %s)\n", set->nloose_hidden, set->nloose_hidden == 1 ? "" : "s",
			set->nloose_hidden == 1 ? "it" : "them");
	if (!set->n)
		fputs("no FUSE mounts\n", f);
	fflush(f);
}
