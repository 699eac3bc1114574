// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel writeback of temp-page kernels (before 6.16) into per-mount records:
 * temp pages in flight, WRITE latency from allocation to completion, and
 * waits to re-dirty a page under writeback.  The BPF side (bpf/kwb.bpf.c)
 * fills kwb_stats and wb_reqs from the patched kernel's tracepoints or from
 * fentry/kprobe programs: the maps look the same whichever feeds them.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kwb.h"

/* The completion source reads the kernel's own allocation stamp (patched kernel). */
static bool end_is_stamped(const struct fwb_source *srcs, int nsrcs)
{
	for (int i = 0; i < nsrcs; i++)
		if (srcs[i].state == FWB_SRC_IN_USE && !strcmp(srcs[i].group, FWB_GROUP_TEMP_END))
			return !strncmp(srcs[i].name, "tp_btf:", 7);
	return false;
}

uint32_t fwb_kwb_have(const struct fwb_source *srcs, int nsrcs)
{
	bool alloc = fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_TEMP_ALLOC);
	bool end = fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_TEMP_END);
	uint32_t have = 0;

	if (alloc && end)
		have |= FWB_KWB_TEMP;
	/* without the kernel's stamp a WRITE is timed from its first temp page */
	if (end && (alloc || end_is_stamped(srcs, nsrcs)))
		have |= FWB_KWB_LAT;
	if (fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_REDIRTY))
		have |= FWB_KWB_REDIRTY;
	return have;
}

/* Was the connection in the previous snapshot? */
static bool was_seen(const struct fwb_kwb_ctx *k, uint32_t conn)
{
	for (int i = 0; i < k->nseen; i++)
		if (k->seen[i] == conn)
			return true;
	return false;
}

static void sum_cpus(const struct fwb_kwb_stats *v, int ncpu, struct fwb_kwb_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int cpu = 0; cpu < ncpu; cpu++) {
		sum->tmp_alloc_pages += v[cpu].tmp_alloc_pages;
		sum->tmp_end_pages += v[cpu].tmp_end_pages;
		sum->tmp_orphan_pages += v[cpu].tmp_orphan_pages;
		sum->ends += v[cpu].ends;
		sum->errors += v[cpu].errors;
		sum->timed += v[cpu].timed;
		sum->lat_sum_ns += v[cpu].lat_sum_ns;
		if (v[cpu].lat_max_ns > sum->lat_max_ns)
			sum->lat_max_ns = v[cpu].lat_max_ns;
		for (int i = 0; i < FWB_HIST_SLOTS; i++)
			sum->hist[i] += v[cpu].hist[i];
		sum->redirty_waits += v[cpu].redirty_waits;
		sum->redirty_wait_ns += v[cpu].redirty_wait_ns;
	}
}

static void fill_mount(struct fwb_mount *m, const struct fwb_kwb_stats *v, uint32_t have,
		       uint64_t orphans)
{
	int64_t inflight;

	orphans += v->tmp_orphan_pages;
	inflight = (int64_t)(v->tmp_alloc_pages - v->tmp_end_pages - orphans);
	if (have & FWB_KWB_TEMP) {
		m->tmp_alloc_pages = v->tmp_alloc_pages;
		m->tmp_end_pages = v->tmp_end_pages;
		m->tmp_orphan_pages = orphans;
		/* the CPUs' counters are read one after another: a sum may be caught mid-way */
		m->tmp_inflight_pages = inflight > 0 ? inflight : 0;
	}
	if (have & FWB_KWB_LAT) {
		m->kwb_writes = v->ends;
		m->kwb_errors = v->errors;
		memcpy(m->kwb_lat.slots, v->hist, sizeof(m->kwb_lat.slots));
		m->kwb_lat.count = v->timed;
		m->kwb_lat.sum_ns = v->lat_sum_ns;
		m->kwb_lat.max_ns = v->lat_max_ns;
	}
	if (have & FWB_KWB_REDIRTY) {
		m->redirty_waits = v->redirty_waits;
		m->redirty_wait_ns = v->redirty_wait_ns;
	}
}

static uint64_t orphans_of(const struct fwb_kwb_state *st, uint32_t conn)
{
	for (int i = 0; i < st->norphans; i++)
		if (st->orphans[i].conn == conn)
			return st->orphans[i].n;
	return 0;
}

static uint64_t *orphan_count(struct fwb_kwb_state *st, uint32_t conn)
{
	struct fwb_conn_count *n;

	for (int i = 0; i < st->norphans; i++)
		if (st->orphans[i].conn == conn)
			return &st->orphans[i].n;
	n = realloc(st->orphans, sizeof(*n) * (st->norphans + 1));
	if (!n)
		return NULL;
	st->orphans = n;
	n[st->norphans] = (struct fwb_conn_count){ .conn = conn };
	return &n[st->norphans++].n;
}

/* Counts of connections that are gone: a reused number starts from zero. */
static void forget_orphans(const struct fwb_kwb_ctx *k, struct fwb_snapshot *s)
{
	struct fwb_kwb_state *st = k->state;
	int w = 0;

	for (int i = 0; i < st->norphans; i++)
		if (fwb_snapshot_mount(s, st->orphans[i].conn) || was_seen(k, st->orphans[i].conn))
			st->orphans[w++] = st->orphans[i];
	st->norphans = w;
}

void fwb_kwb_state_free(struct fwb_kwb_state *st)
{
	free(st->orphans);
	st->orphans = NULL;
	st->norphans = 0;
}

/*
 * A request that the kernel frees without completing it (dropped unsent
 * after a truncate, or on abort) leaves its entry behind; the BPF side
 * catches only those whose address a new request reuses.  A live temp-page
 * request is being filled (a moment), queued behind a truncate or fsync (which
 * has its own request in flight), or in the connection's queues, where
 * fusectl counts it as waiting.  So an entry older than this on a connection
 * with nothing waiting is dead: its pages count as orphaned.
 */
#define DEAD_AFTER_NS	(2 * 1000000000ULL)

/* fusectl's count of requests waiting on the connection; -1 unknown */
static int64_t conn_waiting(const struct fwb_mount *m)
{
	char path[64], *text, *end;
	long long v;

	if (m->waiting >= 0)
		return m->waiting;
	/* the snapshot's cached reader can lose an aborted connection: ask afresh */
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/waiting", m->conn);
	text = fwb_read_file(path, NULL);
	if (!text)
		return -1;
	v = strtoll(text, &end, 10);
	free(text);
	return end == text ? -1 : v;
}

static void sweep_requests(const struct fwb_kwb_ctx *kc, struct fwb_snapshot *s)
{
	int fd = kc->reqs_fd;
	struct fwb_wbreq r, dead_req[256];
	__u64 k, *prev = NULL, dead[256];
	int ndead = 0;

	while (ndead < 256 && !bpf_map_get_next_key(fd, prev, &k)) {
		struct fwb_mount *m;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &r))
			continue;
		m = fwb_snapshot_mount(s, r.conn);
		if (m ? r.start_ns && s->mono_ns > r.start_ns + DEAD_AFTER_NS && conn_waiting(m) == 0 :
			!was_seen(kc, r.conn)) {
			dead_req[ndead] = r;
			dead[ndead++] = k;
		}
	}
	for (int i = 0; i < ndead; i++) {
		uint64_t *n;

		/* counted only if our delete wins: a completion racing it keeps its pages */
		if (bpf_map_delete_elem(fd, &dead[i]) || !fwb_snapshot_mount(s, dead_req[i].conn))
			continue;
		n = orphan_count(kc->state, dead_req[i].conn);
		if (n)
			*n += dead_req[i].pages;
	}
}

void fwb_kwb_read(const struct fwb_kwb_ctx *kc, struct fwb_snapshot *s)
{
	int fd = kc->stats_fd, ncpu = libbpf_num_possible_cpus();
	uint32_t have = kc->have, k, *prev = NULL, stale[64];
	struct fwb_kwb_stats *vals, sum;
	int nstale = 0;

	for (int i = 0; i < s->nmounts; i++)
		s->mounts[i].kwb_have = have;
	if (!have || ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return;
	/* before the counters are read, so that the pages of a dead request leave the count at once */
	if (have & FWB_KWB_TEMP) {
		sweep_requests(kc, s);
		forget_orphans(kc, s);
	}
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		struct fwb_mount *m = fwb_snapshot_mount(s, k);

		prev = &k;
		if (!m) {
			/* as in read_ops: a reused connection number must start from zero */
			if (nstale < 64 && !was_seen(kc, k))
				stale[nstale++] = k;
			continue;
		}
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		sum_cpus(vals, ncpu, &sum);
		fill_mount(m, &sum, have, orphans_of(kc->state, k));
	}
	for (int i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	free(vals);
}
