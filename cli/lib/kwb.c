// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel writeback of temp-page kernels (before 6.16) into per-mount records:
 * temp pages in flight, WRITE latency from the first temp page to
 * completion, requests released without completing, waits to re-dirty a
 * page under writeback and whole-inode waits for WRITEs.  The BPF side
 * (bpf/kwb.bpf.c) fills kwb_stats and wb_reqs from the patched kernel's
 * tracepoints or from fentry/kprobe programs: the maps look the same
 * whichever feeds them.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kwb.h"

uint32_t fwb_kwb_have(const struct fwb_source *srcs, int nsrcs)
{
	bool alloc = fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_TEMP_ALLOC);
	bool end = fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_TEMP_END);
	uint32_t have = 0;

	if (alloc && end)
		have |= FWB_KWB_TEMP | FWB_KWB_LAT;
	/* without the release a request freed unsent never leaves the table: in flight is unknown */
	if (alloc && end && fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_TEMP_FREE))
		have |= FWB_KWB_CLOSE;
	if (fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_REDIRTY))
		have |= FWB_KWB_REDIRTY;
	if (fwb_source_group_in_use(srcs, nsrcs, FWB_GROUP_NOWRITE))
		have |= FWB_KWB_NOWRITE;
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
		if (v[cpu].redirty_wait_max_ns > sum->redirty_wait_max_ns)
			sum->redirty_wait_max_ns = v[cpu].redirty_wait_max_ns;
		sum->closed += v[cpu].closed;
		sum->orphans += v[cpu].orphans;
		sum->untracked += v[cpu].untracked;
		sum->nowrite_waits += v[cpu].nowrite_waits;
		sum->nowrite_wait_ns += v[cpu].nowrite_wait_ns;
		if (v[cpu].nowrite_wait_max_ns > sum->nowrite_wait_max_ns)
			sum->nowrite_wait_max_ns = v[cpu].nowrite_wait_max_ns;
	}
}

static void fill_mount(struct fwb_mount *m, const struct fwb_kwb_stats *v, uint32_t have)
{
	int64_t inflight = (int64_t)(v->tmp_alloc_pages - v->tmp_end_pages - v->tmp_orphan_pages);

	if (have & FWB_KWB_TEMP) {
		m->tmp_alloc_pages = v->tmp_alloc_pages;
		m->tmp_end_pages = v->tmp_end_pages;
		m->kwb_untracked = v->untracked;
	}
	if (have & FWB_KWB_CLOSE) {
		m->tmp_orphan_pages = v->tmp_orphan_pages;
		m->kwb_closed = v->closed;
		m->kwb_orphans = v->orphans;
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
		m->redirty_wait_max_ns = v->redirty_wait_max_ns;
	}
	if (have & FWB_KWB_NOWRITE) {
		m->nowrite_waits = v->nowrite_waits;
		m->nowrite_wait_ns = v->nowrite_wait_ns;
		m->nowrite_wait_max_ns = v->nowrite_wait_max_ns;
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
		fill_mount(m, &sum, have);
	}
	for (int i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	free(vals);
}
