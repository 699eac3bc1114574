// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-connection reports: the mount records of two collector snapshots
 * (start and end of a short window) joined with the iterators' post-hoc
 * state, the facts the verdict needs drawn from them, and the verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fuse.h>
#include "diag.h"

const char *fwb_age_source_name(enum fwb_age_source s)
{
	switch (s) {
	case FWB_AGE_CREATE_TIME: return "create_time";
	case FWB_AGE_COLLECTOR: return "collector";
	case FWB_AGE_HISTORY: return "history";
	default: return "unknown";
	}
}

static const struct fwb_mount *mount_of(const struct fwb_snapshot *s, uint32_t conn)
{
	for (int i = 0; s && i < s->nmounts; i++)
		if (s->mounts[i].conn == conn)
			return &s->mounts[i];
	return NULL;
}

static const struct fwb_diag_conn *kconn_of(const struct fwb_diag_raw *r, uint32_t conn)
{
	for (int i = 0; r && i < r->nconns; i++)
		if (r->conns[i].conn == conn)
			return &r->conns[i];
	return NULL;
}

static bool is_daemon_of(const struct fwb_diag_raw *r, uint32_t tgid, uint32_t conn)
{
	for (int i = 0; i < r->ndevs; i++)
		if (r->devs[i].tgid == tgid && r->devs[i].conn == conn)
			return true;
	return false;
}

static int daemon_nconns(const struct fwb_diag_raw *r, uint32_t tgid)
{
	uint32_t seen[16];
	int n = 0;

	for (int i = 0; i < r->ndevs; i++) {
		bool dup = false;

		if (r->devs[i].tgid != tgid)
			continue;
		for (int j = 0; j < n; j++)
			dup |= seen[j] == r->devs[i].conn;
		if (!dup && n < 16)
			seen[n++] = r->devs[i].conn;
	}
	return n;
}

/* The connection whose request this thread waits for, 0 if none is listed. */
static uint32_t request_conn_of(const struct fwb_diag_raw *r, uint32_t tid)
{
	for (int i = 0; i < r->nreqs; i++)
		if (r->reqs[i].pid == tid)
			return r->reqs[i].conn;
	return 0;
}

static bool was_seen(const struct fwb_diag_raw *first, const struct fwb_diag_req *q)
{
	for (int i = 0; first && i < first->nreqs; i++)
		if (first->reqs[i].conn == q->conn && first->reqs[i].unique == q->unique)
			return true;
	return false;
}

static int cmp_req_age(const void *a, const void *b)
{
	const struct fwb_diag_request *x = a, *y = b;
	/* known ages first by age, then lower bounds, then the rest by unique (older first) */
	uint64_t ax = x->age_source ? x->age_ns : x->age_min_ns;
	uint64_t ay = y->age_source ? y->age_ns : y->age_min_ns;

	if (ax != ay)
		return ax < ay ? 1 : -1;
	return (x->unique > y->unique) - (x->unique < y->unique);
}

/*
 * A collector's age for request q: pending requests are named by unique, or
 * by their address where the kernel sends them before assigning one.  A
 * request the collector took from the kernel's queues at its start (seeded)
 * was not seen sent: its age is the kernel's create_time, which this run
 * reads itself, or a lower bound.  Ours are skipped; a peer's count where
 * they say something this run's walk cannot.
 */
static bool collector_age(const struct fwb_mount *m, const struct fwb_diag_req *q, bool peer,
			  bool no_create_time, uint64_t *age, uint64_t *age_min)
{
	for (int j = 0; m && j < m->npending; j++) {
		const struct fwb_pending_req *p = &m->pending[j];

		if (!(p->addr ? p->addr == q->addr : p->unique == (uint32_t)q->unique))
			continue;
		if (p->seeded && (!peer || (!p->age_min && no_create_time)))
			return false;
		if (p->age_min) {
			if (p->age_ns > *age_min)
				*age_min = p->age_ns;
			return false;
		}
		*age = p->age_ns;
		return true;
	}
	return false;
}

static void fill_requests(const struct fwb_diag_inputs *in, struct fwb_diag_report *r,
			  const struct fwb_mount *end)
{
	const struct fwb_mount *hist = mount_of(in->history, r->m.conn);
	const struct fwb_diag_raw *last = in->last;
	uint64_t window = in->first ? last->mono_ns - in->first->mono_ns : 0;
	bool ct = r->have_kernel && r->kc.has_create_time && !in->ignore_create_time && in->hz;
	int n = 0;

	for (int i = 0; i < last->nreqs; i++)
		n += last->reqs[i].conn == r->m.conn;
	r->reqs = n ? calloc(n, sizeof(*r->reqs)) : NULL;
	if (!r->reqs)
		return;
	for (int i = 0; i < last->nreqs; i++) {
		const struct fwb_diag_req *q = &last->reqs[i];
		struct fwb_diag_request *o;

		if (q->conn != r->m.conn)
			continue;
		o = &r->reqs[r->nreqs++];
		o->unique = q->unique;
		o->nodeid = q->nodeid;
		o->opcode = q->opcode;
		o->pid = q->pid;
		o->queue = q->queue;
		o->bytes = q->bytes;
		o->writeback = q->writeback;
		o->persisted = was_seen(in->first, q);
		if (ct && q->create_time && r->kc.jiffies >= q->create_time) {
			o->age_source = FWB_AGE_CREATE_TIME;
			o->age_ns = (r->kc.jiffies - q->create_time) * (1000000000ULL / in->hz);
		} else if (collector_age(end, q, false, in->ignore_create_time, &o->age_ns, &o->age_min_ns)) {
			o->age_source = FWB_AGE_COLLECTOR;
		} else if (collector_age(hist, q, true, in->ignore_create_time, &o->age_ns, &o->age_min_ns)) {
			/* sent before this diagnose started: a longer-running fusewb saw it */
			o->age_source = FWB_AGE_HISTORY;
		} else if (o->persisted && window > o->age_min_ns) {
			o->age_min_ns = window;
		}
		for (int j = 0; o->pid && j < last->ntasks; j++)
			if (last->tasks[j].pid == o->pid)
				memcpy(o->comm, last->tasks[j].comm, sizeof(o->comm));
	}
	qsort(r->reqs, r->nreqs, sizeof(*r->reqs), cmp_req_age);
}

/* Long enough off the CPU to count as stuck rather than passing through a wait. */
static bool long_wait(const struct fwb_diag_thread *t, const struct fwb_diag_limits *l)
{
	uint64_t min = l->hung_ns < 1000000000ULL ? l->hung_ns : 1000000000ULL;

	return !t->offcpu_ns || t->offcpu_ns >= min;
}

static void fill_daemons(const struct fwb_diag_inputs *in, struct fwb_diag_report *r)
{
	const struct fwb_diag_raw *last = in->last;
	struct fwb_diag_facts *f = &r->facts;

	for (int i = 0; i < last->ndevs; i++) {
		const struct fwb_diag_dev *dv = &last->devs[i];
		struct fwb_diag_daemon *d, *nd;
		bool dup = false;
		int stopped = 0;

		if (dv->conn != r->m.conn)
			continue;
		for (int j = 0; j < r->ndaemons; j++)
			dup |= r->daemons[j].tgid == dv->tgid;
		if (dup)
			continue;
		nd = realloc(r->daemons, sizeof(*nd) * (r->ndaemons + 1));
		if (!nd)
			return;
		r->daemons = nd;
		d = &nd[r->ndaemons++];
		memset(d, 0, sizeof(*d));
		d->tgid = dv->tgid;
		memcpy(d->comm, dv->comm, sizeof(d->comm));
		for (int j = 0; j < last->ntasks; j++) {
			const struct fwb_diag_task *t = &last->tasks[j];
			struct fwb_diag_thread *th, *nt;

			if (t->tgid != d->tgid)
				continue;
			nt = realloc(d->threads, sizeof(*nt) * (d->nthreads + 1));
			if (!nt)
				break;
			d->threads = nt;
			th = &nt[d->nthreads++];
			memset(th, 0, sizeof(*th));
			th->tid = t->pid;
			memcpy(th->comm, t->comm, sizeof(th->comm));
			th->state = fwb_diag_state_letter(t->state, t->exit_state);
			th->offcpu_ns = t->offcpu_ns;
			th->nframes = t->nframes > FWB_DIAG_STACK_DEPTH ? FWB_DIAG_STACK_DEPTH : t->nframes;
			memcpy(th->stack, t->stack, sizeof(th->stack));
			th->wait = fwb_diag_classify_task(in->ksyms, t, th->where, sizeof(th->where));
			if (t->ptrace && t->tracer)
				d->tracer = t->tracer;
			/* whose mount it waits on: its request's, a path it walks, else its own */
			if (th->wait == FWB_WAIT_ANSWER)
				th->wait_conn = request_conn_of(last, th->tid);
			if (!th->wait_conn && t->walk_conn)
				th->wait_conn = t->walk_conn;
			if (!th->wait_conn && fwb_wait_is_fuse(th->wait) && th->wait != FWB_WAIT_DEV_READ &&
			    daemon_nconns(last, d->tgid) == 1)
				th->wait_conn = r->m.conn;

			f->threads++;
			if (th->state == 'T' || th->state == 't') {
				stopped++;
			} else if (th->wait == FWB_WAIT_DEV_READ) {
				f->idle_readers++;
			} else if (th->state == 'R') {
				f->running++;
			} else if (fwb_wait_is_fuse(th->wait) && long_wait(th, &in->limits) &&
				   (th->state == 'D' || th->state == 'S')) {
				bool self = !th->wait_conn || th->wait_conn == r->m.conn ||
					    is_daemon_of(last, d->tgid, th->wait_conn);

				if (self)
					f->self_blocked++;
				else
					f->fuse_blocked++;
				if (!f->culprit_tid || (self && f->self_blocked == 1)) {
					f->culprit_tid = th->tid;
					f->culprit_conn = th->wait_conn;
					snprintf(f->culprit_where, sizeof(f->culprit_where), "%s", th->where);
				}
			} else if (th->state == 'D' && long_wait(th, &in->limits)) {
				f->other_blocked++;
				if (!f->culprit_tid) {
					f->culprit_tid = th->tid;
					snprintf(f->culprit_where, sizeof(f->culprit_where), "%s", th->where);
				}
			} else {
				f->busy++;
			}
		}
		if (d->nthreads && stopped == d->nthreads) {
			if (!f->stopped_daemons++) {
				f->stopped_pid = d->tgid;
				f->tracer = d->tracer;
			}
		} else {
			/* partly stopped: those threads are simply not serving */
			f->busy += stopped;
		}
	}
	f->ndaemons = r->ndaemons;
	/* the transport of the first daemon that is not stopped (a stopped one is its own verdict) */
	for (int i = 0; i < r->ndaemons; i++) {
		bool all_stopped = r->daemons[i].nthreads > 0;

		for (int j = 0; j < r->daemons[i].nthreads; j++)
			all_stopped &= r->daemons[i].threads[j].state == 'T' || r->daemons[i].threads[j].state == 't';
		if (!all_stopped) {
			fwb_diag_transport(last, in->ksyms, r->daemons[i].tgid, in->hz, &in->limits, &r->tr);
			break;
		}
	}
}

static int nfiles_on(const struct fwb_diag_raw *r, uint32_t tgid, uint32_t conn)
{
	int n = 0;

	for (int i = 0; i < r->nfiles; i++)
		n += r->files[i].tgid == tgid && r->files[i].conn == conn;
	return n;
}

static void task_counters(const struct fwb_diag_inputs *in, uint32_t conn, uint32_t tgid,
			  uint64_t *dirtied, uint64_t *wbwaits)
{
	const struct fwb_mount *e = mount_of(in->end, conn), *s = mount_of(in->start, conn);

	*dirtied = *wbwaits = 0;
	for (int i = 0; e && i < e->ntasks; i++) {
		if (e->tasks[i].tgid != tgid)
			continue;
		*dirtied = e->tasks[i].dirtied;
		*wbwaits = e->tasks[i].wbwaits;
		for (int j = 0; s && j < s->ntasks; j++)
			if (s->tasks[j].tgid == tgid) {
				*dirtied -= s->tasks[j].dirtied <= *dirtied ? s->tasks[j].dirtied : *dirtied;
				*wbwaits -= s->tasks[j].wbwaits <= *wbwaits ? s->tasks[j].wbwaits : *wbwaits;
			}
	}
}

static bool add_blocked(struct fwb_diag_blocked **arr, int *n, const struct fwb_diag_task *t,
			enum fwb_wait w, const char *where)
{
	struct fwb_diag_blocked *nb = realloc(*arr, sizeof(*nb) * (*n + 1)), *b;

	if (!nb)
		return false;
	*arr = nb;
	b = &nb[(*n)++];
	memset(b, 0, sizeof(*b));
	b->pid = t->pid;
	b->tgid = t->tgid;
	memcpy(b->comm, t->comm, sizeof(b->comm));
	b->state = fwb_diag_state_letter(t->state, t->exit_state);
	b->wait = w;
	snprintf(b->where, sizeof(b->where), "%s", where);
	b->offcpu_ns = t->offcpu_ns;
	b->req = -1;
	b->nframes = t->nframes > FWB_DIAG_STACK_DEPTH ? FWB_DIAG_STACK_DEPTH : t->nframes;
	memcpy(b->stack, t->stack, sizeof(b->stack));
	return true;
}

/*
 * Tasks blocked on this mount: tied to it by the request they wait for,
 * the path they walk, or (for a FUSE-looking wait) a file or cwd on it.
 * Returns whether t was tied to this connection.
 */
static bool consider_blocked(const struct fwb_diag_inputs *in, struct fwb_diag_report *r,
			     const struct fwb_diag_task *t, enum fwb_wait w, const char *where)
{
	uint32_t conn = r->m.conn;
	char st = fwb_diag_state_letter(t->state, t->exit_state);
	int req = -1, nfiles;
	const char *via = NULL;

	if (st != 'D' && st != 'S')
		return false;
	for (int i = 0; i < r->nreqs && req < 0; i++)
		if (r->reqs[i].pid && r->reqs[i].pid == t->pid)
			req = i;
	/* nothing below could tie it: spare the scans of every device and file, per mount */
	if (req < 0 && !(t->walk_conn == conn && st == 'D') && !(fwb_wait_is_fuse(w) && w != FWB_WAIT_DEV_READ))
		return false;
	if (is_daemon_of(in->last, t->tgid, conn))
		return false;
	nfiles = nfiles_on(in->last, t->tgid, conn);
	if (req >= 0)
		via = "request";
	else if (t->walk_conn == conn && st == 'D')
		via = "path walk";
	else if (fwb_wait_is_fuse(w) && w != FWB_WAIT_DEV_READ && nfiles)
		via = "open file";
	else if (fwb_wait_is_fuse(w) && w != FWB_WAIT_DEV_READ && t->cwd_conn == conn)
		via = "cwd";
	if (!via)
		return false;
	if (!add_blocked(&r->blocked, &r->nblocked, t, w, where))
		return true;
	r->blocked[r->nblocked - 1].via = via;
	r->blocked[r->nblocked - 1].req = req;
	r->blocked[r->nblocked - 1].nfiles = nfiles;
	task_counters(in, conn, t->tgid, &r->blocked[r->nblocked - 1].dirtied,
		      &r->blocked[r->nblocked - 1].wbwaits);
	return true;
}

/*
 * Answers during the window: every completion counts, the latencies come
 * from the timed ones (the collector may time only a sample of them).
 */
static void fill_latency(const struct fwb_diag_inputs *in, struct fwb_diag_report *r)
{
	const struct fwb_mount *e = mount_of(in->end, r->m.conn), *s = mount_of(in->start, r->m.conn);
	double worst = -1;

	for (int i = 0; e && i < e->nops; i++) {
		struct fwb_hist h = e->ops[i].lat;
		uint64_t n = e->ops[i].count;

		for (int j = 0; s && j < s->nops; j++)
			if (s->ops[j].opcode == e->ops[i].opcode) {
				fwb_hist_sub(&h, &s->ops[j].lat);
				n -= s->ops[j].count <= n ? s->ops[j].count : n;
			}
		r->answers += n;
		if (!h.count)
			continue;
		fwb_hist_add(&r->lat, &h);
		if (fwb_hist_quantile(&h, 0.99) > worst) {
			worst = fwb_hist_quantile(&h, 0.99);
			r->slowest_op = e->ops[i].opcode;
			r->slowest_lat = h;
			r->slowest_count = n > h.count ? n : h.count;
		}
	}
	if (r->lat.count > r->answers)
		r->answers = r->lat.count;
}

/* What a longer-running fusewb (export, top, stat) saw of the connection. */
static void fill_history(const struct fwb_diag_inputs *in, struct fwb_diag_report *r)
{
	const struct fwb_mount *m = mount_of(in->history, r->m.conn);
	struct fwb_diag_history *h = &r->history;

	if (!m || !in->peer || m->ops_untracked)	/* its counts are unknown, not 0: no history */
		return;
	h->have = true;
	h->pid = in->peer->pid;
	snprintf(h->comm, sizeof(h->comm), "%s", in->peer->comm);
	h->since_s = in->history_age_s;
	for (int i = 0; i < m->nops; i++) {
		h->answers += m->ops[i].count;
		fwb_hist_add(&h->lat, &m->ops[i].lat);
	}
	h->wb_writes = m->wb_writes;
	h->wb_lat = m->wb_lat;
	h->pending = m->pending_count;
	h->oldest_ns = m->pending_oldest_ns;
}

static void fill_facts(const struct fwb_diag_inputs *in, struct fwb_diag_report *r)
{
	struct fwb_diag_facts *f = &r->facts;
	uint64_t window = in->first ? in->last->mono_ns - in->first->mono_ns : in->window_ns;

	f->walked = r->have_kernel;
	f->connected = r->have_kernel ? r->kc.connected : true;
	f->window_ns = window;
	for (int q = 0; q < FWB_DIAGQ_NR; q++) {
		f->nq[q] = r->have_kernel ? r->kc.nq[q] : 0;
		f->nreqs += f->nq[q];
	}
	f->oldest_known = true;
	for (int i = 0; i < r->nreqs; i++) {
		const struct fwb_diag_request *q = &r->reqs[i];

		f->persisted += q->persisted;
		if (q->age_source != FWB_AGE_UNKNOWN) {
			if (q->age_ns > f->oldest_ns)
				f->oldest_ns = q->age_ns;
		} else {
			f->oldest_known = false;
			if (q->age_min_ns > f->oldest_ns)
				f->oldest_ns = q->age_min_ns;
		}
	}
	f->completed = r->answers;
	if (r->slowest_lat.count) {
		f->slow_op = r->slowest_op;
		f->slow_op_count = r->slowest_count;
		f->slow_op_p50_ns = fwb_hist_quantile(&r->slowest_lat, 0.5);
		f->slow_op_p99_ns = fwb_hist_quantile(&r->slowest_lat, 0.99);
	}
	f->waiting = r->m.waiting;
	f->lat_p50_ns = fwb_hist_quantile(&r->lat, 0.5);
	f->lat_p99_ns = fwb_hist_quantile(&r->lat, 0.99);
	f->lat_max_ns = fwb_hist_max(&r->lat);
	if (r->have_kernel) {
		f->num_background = r->kc.num_background;
		f->max_background = r->kc.max_background;
		f->bg_blocked = r->kc.blocked;
	}
	fwb_diag_transport_facts(&r->tr, f);
}

static void fill_remedies(const struct fwb_diag_inputs *in, struct fwb_diag_report *r)
{
	struct fwb_remedy_ctx c = {
		.verdict = r->d.verdict,
		.conn = r->m.conn,
		.mountpoint = r->m.mountpoint,
		.stopped_pid = r->facts.stopped_pid,
		.tracer = r->facts.tracer,
		.daemon_pid = r->ndaemons ? r->daemons[0].tgid : 0,
		.nreqs = r->facts.nreqs,
		.dirty_pages = r->m.bdi_dirty_pages,
		.writeback_pages = r->m.bdi_writeback_pages,
		.lat_p99_ns = r->facts.lat_p99_ns,
		.completed = r->facts.completed,
		.window_ns = r->facts.window_ns,
		.oldest_ns = r->facts.oldest_ns,
		.hung_ns = in->limits.hung_ns,
		.max_background = r->facts.max_background,
		.fusectl = in->fusectl,
		.io_waiters = r->facts.io_waiters,
		.tr_pid = r->facts.tr_pid,
		.tr_tracer = r->facts.tr_tracer,
		.tr_wait_conn = r->facts.tr_wait_conn,
	};

	memcpy(c.tr_comm, r->facts.tr_comm, sizeof(c.tr_comm));
	memcpy(c.net_peer, r->facts.net_peer, sizeof(c.net_peer));
	memcpy(c.net_addr, r->facts.net_addr, sizeof(c.net_addr));
	/* the walk counts every request, listed or not; fusectl also counts those still being allocated */
	if (r->have_kernel)
		c.nwrites = r->kc.nwrites;
	else
		for (int i = 0; i < r->nreqs; i++)
			c.nwrites += r->reqs[i].opcode == FUSE_WRITE;
	if (r->m.waiting > 0 && (uint64_t)r->m.waiting > c.nreqs)
		c.nreqs = r->m.waiting;
	r->nremedies = fwb_diag_remedies(&c, r->remedies);
}

static void copy_mount(struct fwb_mount *dst, const struct fwb_mount *src)
{
	*dst = *src;
	dst->extra_mountpoints = src->extra_mountpoints ? strdup(src->extra_mountpoints) : NULL;
	dst->pending = NULL;
	dst->npending = 0;
	dst->ops = NULL;
	dst->nops = 0;
	dst->tasks = NULL;
	dst->ntasks = 0;
}

struct task_wait {
	enum fwb_wait w;
	char where[64];
};

int fwb_diag_build(const struct fwb_diag_inputs *in, struct fwb_diag_set *set)
{
	const struct fwb_snapshot *end = in->end;
	const struct fwb_diag_raw *last = in->last;
	struct task_wait *tw;
	bool *tied;

	memset(set, 0, sizeof(*set));
	set->wall = end->wall;
	set->window_ns = in->first ? last->mono_ns - in->first->mono_ns : in->window_ns;
	set->ksyms = in->ksyms;
	set->r = end->nmounts ? calloc(end->nmounts, sizeof(*set->r)) : NULL;
	tied = calloc(last->ntasks + 1, sizeof(*tied));
	tw = calloc(last->ntasks + 1, sizeof(*tw));
	if ((end->nmounts && !set->r) || !tied || !tw) {
		free(tied);
		free(tw);
		return -ENOMEM;
	}
	/* each stack named once, not once per mount: 1 000 mounts times 3 000 tasks is seconds of strcmp */
	for (int j = 0; j < last->ntasks; j++)
		tw[j].w = fwb_diag_classify_task(in->ksyms, &last->tasks[j], tw[j].where, sizeof(tw[j].where));
	for (int i = 0; i < last->nconns; i++)
		set->create_time |= last->conns[i].has_create_time && !in->ignore_create_time && in->hz;
	for (int i = 0; i < end->nmounts; i++) {
		struct fwb_diag_report *r = &set->r[set->n++];
		const struct fwb_diag_conn *kc;

		copy_mount(&r->m, &end->mounts[i]);
		kc = kconn_of(last, r->m.conn);
		if (kc) {
			r->have_kernel = true;
			r->kc = *kc;
			/* every entry is counted; only the listing stops at FWB_DIAG_MAX_REQS */
			r->truncated = kc->truncated;
		}
		fill_requests(in, r, &end->mounts[i]);
		fill_daemons(in, r);
		for (int j = 0; j < last->ntasks; j++)
			tied[j] |= consider_blocked(in, r, &last->tasks[j], tw[j].w, tw[j].where);
		fill_latency(in, r);
		fill_history(in, r);
		fill_facts(in, r);
		fwb_diag_decide(&r->facts, &in->limits, &r->d);
		fill_remedies(in, r);
	}
	/* FUSE waits no connection claimed: still worth showing */
	for (int j = 0; j < last->ntasks; j++) {
		const struct fwb_diag_task *t = &last->tasks[j];
		char st = fwb_diag_state_letter(t->state, t->exit_state);
		enum fwb_wait w = tw[j].w;
		bool daemon = false;

		if (tied[j] || (st != 'D' && st != 'S'))
			continue;
		for (int i = 0; i < last->ndevs; i++)
			daemon |= last->devs[i].tgid == t->tgid;
		if (daemon || !fwb_wait_is_fuse(w) || w == FWB_WAIT_DEV_READ)
			continue;
		if (add_blocked(&set->loose, &set->nloose, t, w, tw[j].where))
			set->loose[set->nloose - 1].via = "stack";
	}
	free(tied);
	free(tw);
	return 0;
}

static int rank(enum fwb_verdict v)
{
	return fwb_verdict_is_hang(v) ? 2 : v != FWB_V_HEALTHY;
}

void fwb_diag_sort(struct fwb_diag_set *set)
{
	/* stable insertion sort: few connections, and mount order is the tie-break */
	for (int i = 1; i < set->n; i++) {
		struct fwb_diag_report cur = set->r[i];
		int j = i - 1;

		while (j >= 0 && rank(set->r[j].d.verdict) < rank(cur.d.verdict)) {
			set->r[j + 1] = set->r[j];
			j--;
		}
		set->r[j + 1] = cur;
	}
}

void fwb_diag_set_free(struct fwb_diag_set *set)
{
	for (int i = 0; i < set->n; i++) {
		struct fwb_diag_report *r = &set->r[i];

		free(r->m.extra_mountpoints);
		for (int j = 0; j < r->ndaemons; j++)
			free(r->daemons[j].threads);
		free(r->daemons);
		free(r->reqs);
		free(r->blocked);
	}
	free(set->r);
	free(set->loose);
	memset(set, 0, sizeof(*set));
}

int fwb_conn_abort(uint32_t conn)
{
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort", conn);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}
