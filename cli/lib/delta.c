// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots once taken (pure: no maps, no files): a connection's record, the
 * deltas between two that every front end prints, filters by mount, freeing.
 * snapshot.c and peer.c take them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "fusewb.h"

struct fwb_mount *fwb_snapshot_mount(struct fwb_snapshot *s, uint32_t conn)
{
	for (int i = 0; i < s->nmounts; i++)
		if (s->mounts[i].conn == conn)
			return &s->mounts[i];
	return NULL;
}

void fwb_snapshot_free(struct fwb_snapshot *s)
{
	fwb_free_mounts(s->mounts, s->nmounts);
	s->mounts = NULL;
	s->nmounts = 0;
}

static void *dup_array(const void *p, size_t n, size_t size)
{
	void *d;

	if (!p || !n)
		return NULL;
	d = malloc(n * size);
	if (d)
		memcpy(d, p, n * size);
	return d;
}

/*
 * The counters of each record, listed once: a delta subtracts these and
 * keeps the rest (gauges) as they are.  COUNTER refuses a field that is
 * not a uint64_t at compile time.
 */
#define COUNTER(type, field) \
	(offsetof(struct type, field) + 0 * _Generic(((struct type *)0)->field, uint64_t: 0))

static const size_t mount_counters[] = {
	COUNTER(fwb_mount, wb_writes), COUNTER(fwb_mount, wb_bytes), COUNTER(fwb_mount, wb_pages),
	COUNTER(fwb_mount, wb_errors), COUNTER(fwb_mount, throttle_count), COUNTER(fwb_mount, throttle_ns),
	/* kernel writeback (kwb.c) */
	COUNTER(fwb_mount, tmp_alloc_pages), COUNTER(fwb_mount, tmp_end_pages),
	COUNTER(fwb_mount, tmp_orphan_pages), COUNTER(fwb_mount, kwb_writes), COUNTER(fwb_mount, kwb_errors),
	COUNTER(fwb_mount, redirty_waits), COUNTER(fwb_mount, redirty_wait_ns),
	COUNTER(fwb_mount, kwb_closed), COUNTER(fwb_mount, kwb_orphans), COUNTER(fwb_mount, kwb_untracked),
	COUNTER(fwb_mount, nowrite_waits), COUNTER(fwb_mount, nowrite_wait_ns),
	/* the queue/serve split (its maxima, like the histograms', stay the current ones) */
	COUNTER(fwb_mount, wb_split.count), COUNTER(fwb_mount, wb_split.queue_sum_ns),
	COUNTER(fwb_mount, wb_split.serve_sum_ns),
};
static const size_t op_counters[] = {
	COUNTER(fwb_op, count), COUNTER(fwb_op, errors), COUNTER(fwb_op, bytes),
	COUNTER(fwb_op, split.count), COUNTER(fwb_op, split.queue_sum_ns), COUNTER(fwb_op, split.serve_sum_ns),
};
static const size_t task_counters[] = {
	COUNTER(fwb_task, dirtied), COUNTER(fwb_task, wbwaits),
	COUNTER(fwb_task, redirty_waits), COUNTER(fwb_task, redirty_wait_ns),
	COUNTER(fwb_task, nowrite_waits), COUNTER(fwb_task, nowrite_wait_ns),
};

/* d's counters become their increase since prev; one that went back (a reset) reads as 0 */
static void sub_counters(void *d, const void *prev, const size_t *off, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *c = (uint64_t *)((char *)d + off[i]);
		const uint64_t *p = (const uint64_t *)((const char *)prev + off[i]);

		*c -= *p <= *c ? *p : *c;
	}
}

static const struct fwb_op *op_of(const struct fwb_mount *m, uint32_t opcode)
{
	for (int i = 0; i < m->nops; i++)
		if (m->ops[i].opcode == opcode)
			return &m->ops[i];
	return NULL;
}

static const struct fwb_task *task_of(const struct fwb_mount *m, uint32_t tgid)
{
	for (int i = 0; i < m->ntasks; i++)
		if (m->tasks[i].tgid == tgid)
			return &m->tasks[i];
	return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* d: a copy of the current record, made the interval since prev */
static void delta_mount(struct fwb_mount *d, const struct fwb_mount *prev)
{
	d->ops_untracked |= prev->ops_untracked;	/* an interval that began untracked is not whole */
	d->req_unknown |= prev->req_unknown;
	sub_counters(d, prev, mount_counters, NELEM(mount_counters));
	fwb_hist_sub(&d->wb_lat, &prev->wb_lat);
	fwb_hist_sub(&d->kwb_lat, &prev->kwb_lat);
	for (int i = 0; i < d->nops; i++) {
		const struct fwb_op *p = op_of(prev, d->ops[i].opcode);

		if (p) {
			sub_counters(&d->ops[i], p, op_counters, NELEM(op_counters));
			fwb_hist_sub(&d->ops[i].lat, &p->lat);
		}
	}
	for (int i = 0; i < d->ntasks; i++) {
		const struct fwb_task *p = task_of(prev, d->tasks[i].tgid);

		if (p)
			sub_counters(&d->tasks[i], p, task_counters, NELEM(task_counters));
	}
}

int fwb_snapshot_delta(const struct fwb_snapshot *prev, const struct fwb_snapshot *cur,
		       struct fwb_snapshot *d)
{
	*d = *cur;
	d->mounts = dup_array(cur->mounts, cur->nmounts, sizeof(*cur->mounts));
	if (cur->nmounts && !d->mounts)
		return -ENOMEM;
	for (int i = 0; i < cur->nmounts; i++) {
		struct fwb_mount *m = &d->mounts[i];
		const struct fwb_mount *c = &cur->mounts[i];

		m->extra_mountpoints = c->extra_mountpoints ? strdup(c->extra_mountpoints) : NULL;
		m->pending = dup_array(c->pending, c->npending, sizeof(*c->pending));
		m->ops = dup_array(c->ops, c->nops, sizeof(*c->ops));
		m->tasks = dup_array(c->tasks, c->ntasks, sizeof(*c->tasks));
		for (int j = 0; prev && j < prev->nmounts; j++)
			if (prev->mounts[j].conn == c->conn)
				delta_mount(m, &prev->mounts[j]);
	}
	if (prev) {
		const struct fwb_drops *p = &prev->drops, *c = &cur->drops;

		d->drops.pending_full = c->pending_full - p->pending_full;
		d->drops.unmatched_end = c->unmatched_end - p->unmatched_end;
		d->drops.opstats_full = c->opstats_full - p->opstats_full;
		d->drops.taskstats_full = c->taskstats_full - p->taskstats_full;
		d->drops.bdistats_full = c->bdistats_full - p->bdistats_full;
		d->drops.wbreqs_full = c->wbreqs_full - p->wbreqs_full;
		d->drops.wbreq_unmatched = c->wbreq_unmatched - p->wbreq_unmatched;
		d->drops.kwbstats_full = c->kwbstats_full - p->kwbstats_full;
	}
	return 0;
}

static bool mount_matches(const struct fwb_mount *m, const char *f)
{
	if (!strcmp(m->mountpoint, f) || !strcmp(m->fstype, f))
		return true;
	if (m->extra_mountpoints) {
		const char *p = m->extra_mountpoints;
		size_t n = strlen(f);

		while ((p = strstr(p, f))) {
			if ((p == m->extra_mountpoints || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
				return true;
			p += n;
		}
	}
	return false;
}

bool fwb_mount_matches(const struct fwb_mount *m, const char *f)
{
	return mount_matches(m, f);
}

bool fwb_filter_known(const struct fwb_snapshot *s, const char *f)
{
	for (int i = 0; i < s->nmounts; i++)
		if (mount_matches(&s->mounts[i], f))
			return true;
	return false;
}

void fwb_snapshot_filter(struct fwb_snapshot *s, char **filters, int nfilters)
{
	int w = 0;

	if (!nfilters)
		return;
	for (int i = 0; i < s->nmounts; i++) {
		bool keep = false;

		for (int j = 0; j < nfilters && !keep; j++)
			keep = mount_matches(&s->mounts[i], filters[j]);
		if (keep) {
			s->mounts[w++] = s->mounts[i];
		} else {
			struct fwb_mount *m = &s->mounts[i];

			free(m->extra_mountpoints);
			free(m->pending);
			free(m->ops);
			free(m->tasks);
		}
	}
	s->nmounts = w;
}
