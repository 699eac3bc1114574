// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel writeback view in the stat NDJSON: temp pages, kernel latency and
 * re-dirty waits are deltas or gauges as documented, and null (not 0) where no
 * source feeds them.  Also the names --source accepts.
 */
#include <stdlib.h>
#include "lib/fusewb.h"
#include "render/json.h"
#include "tap.h"

static struct fwb_mount mount(uint64_t scale, uint32_t have)
{
	struct fwb_mount m;

	memset(&m, 0, sizeof(m));
	snprintf(m.mountpoint, sizeof(m.mountpoint), "/mnt/k");
	snprintf(m.fstype, sizeof(m.fstype), "fuse.testfs");
	m.conn = 7;
	m.max_ratio = m.min_ratio = m.strict_limit = -1;
	m.max_bytes = m.bdi_dirty_pages = m.bdi_writeback_pages = m.bdi_thresh_pages = -1;
	m.waiting = m.max_background = -1;
	m.kwb_have = have;
	m.tmp_inflight_pages = 300;
	m.tmp_alloc_pages = 1000 * scale;
	m.tmp_end_pages = 600 * scale;
	m.tmp_orphan_pages = 100 * scale;
	m.kwb_writes = 4 * scale;
	m.kwb_errors = scale - 1;
	m.kwb_lat.slots[27] = 4 * scale;	/* [134, 268) ms */
	m.kwb_lat.count = 4 * scale;
	m.kwb_lat.sum_ns = 4 * scale * 200000000ULL;
	m.kwb_lat.max_ns = 210000000;
	m.redirty_waits = 3 * scale;
	m.redirty_wait_ns = 3 * scale * 50000000ULL;
	m.redirty_wait_max_ns = 80000000;
	m.kwb_closed = 5 * scale;
	m.kwb_orphans = scale;
	m.kwb_untracked = 2 * scale;
	m.nowrite_waits = 2 * scale;
	m.nowrite_wait_ns = 2 * scale * 100000000ULL;
	m.nowrite_wait_max_ns = 150000000;
	m.split_have = true;
	m.wb_split = (struct fwb_split){ 4 * scale, 4 * scale * 30000000ULL, 50000000, 4 * scale * 170000000ULL,
					 190000000 };
	m.pending_in_service = 1;
	m.tasks = calloc(1, sizeof(*m.tasks));
	m.ntasks = 1;
	m.tasks[0].tgid = 99;
	snprintf(m.tasks[0].comm, sizeof(m.tasks[0].comm), "mmapwrite");
	m.tasks[0].redirty_waits = 2 * scale;
	m.tasks[0].redirty_wait_ns = 2 * scale * 50000000ULL;
	m.tasks[0].nowrite_waits = scale;
	m.tasks[0].nowrite_wait_ns = scale * 100000000ULL;
	return m;
}

/* d's stat JSON checked by python's assertions ASSERTS (m: first mount, w: its writeback, t: its first task) */
static int check_json(const struct fwb_snapshot *d, const char *asserts)
{
	char *json = NULL, cmd[16384];
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	int rc;

	fwb_stat_json(f, d, 1.0);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; d=json.loads(sys.argv[1]); "
		 "m=d[\"mounts\"][0]; w=m[\"writeback\"]; t=m[\"tasks\"][0]; %s' '%s'", asserts, json);
	rc = system(cmd);
	if (rc)
		printf("# %s", json);
	free(json);
	return rc;
}

int main(void)
{
	uint32_t all = FWB_KWB_TEMP | FWB_KWB_LAT | FWB_KWB_REDIRTY | FWB_KWB_CLOSE | FWB_KWB_NOWRITE;
	struct fwb_mount m0 = mount(1, all), m1 = mount(3, all);
	struct fwb_snapshot prev = { .mounts = &m0, .nmounts = 1 }, cur = { .mounts = &m1, .nmounts = 1 }, d;
	const struct fwb_mount *dm;
	int rc;

	ok(fwb_snapshot_delta(&prev, &cur, &d) == 0, "delta");
	dm = &d.mounts[0];
	ok(dm->tmp_alloc_pages == 2000 && dm->tmp_end_pages == 1200 && dm->tmp_orphan_pages == 200,
	   "temp page counters are deltas (%llu %llu %llu)", (unsigned long long)dm->tmp_alloc_pages,
	   (unsigned long long)dm->tmp_end_pages, (unsigned long long)dm->tmp_orphan_pages);
	ok(dm->tmp_inflight_pages == 300, "temp pages in flight is a gauge");
	ok(dm->kwb_writes == 8 && dm->kwb_errors == 2 && dm->kwb_lat.count == 8 &&
	   dm->kwb_lat.slots[27] == 8, "kernel WRITEs and their histogram are deltas");
	ok(dm->redirty_waits == 6 && dm->redirty_wait_ns == 300000000ULL, "re-dirty waits are deltas");
	ok(dm->tasks[0].redirty_waits == 4 && dm->tasks[0].redirty_wait_ns == 200000000ULL,
	   "a task's re-dirty waits are deltas");

	rc = check_json(&d,
		"assert w[\"temp_pages_inflight\"]==300; assert w[\"temp_pages_allocated\"]==2000; "
		"assert w[\"temp_pages_completed\"]==1200; assert w[\"temp_pages_orphaned\"]==200; "
		"assert w[\"kernel_writes\"]==8; assert w[\"kernel_errors\"]==2; "
		"assert w[\"kernel_latency_us\"][\"mean\"]==200000; "
		"assert 134217 <= w[\"kernel_latency_us\"][\"p50\"] <= 210000; "
		"assert w[\"kernel_latency_us\"][\"max\"]==210000; "
		"assert m[\"redirty\"]=={\"waits\":6,\"wait_ms\":300,\"max_ms\":80}; "
		"assert t[\"redirty\"]=={\"waits\":4,\"wait_ms\":200}; "
		"assert m[\"nowrite\"]=={\"waits\":4,\"wait_ms\":400,\"max_ms\":150}; "
		"assert t[\"nowrite\"]=={\"waits\":2,\"wait_ms\":200}; "
		"assert w[\"temp_requests_closed\"]==10 and w[\"temp_requests_orphaned\"]==2; "
		"assert w[\"temp_requests_untracked\"]==4; "
		"assert w[\"queue_us\"]=={\"count\":8,\"mean\":30000,\"max\":50000}; "
		"assert w[\"serve_us\"]=={\"count\":8,\"mean\":170000,\"max\":190000}; "
		"assert m[\"pending\"][\"in_service\"]==1; "
		"assert d[\"drops\"][\"temp_requests_full\"]==0 and d[\"drops\"][\"temp_unmatched_end\"]==0 and d[\"drops\"][\"temp_connections_full\"]==0");
	ok(rc == 0, "JSON carries the kernel writeback view with the documented names");
	fwb_snapshot_free(&d);

	/* a kernel without any source: null, not a fake zero */
	m1.kwb_have = 0;
	rc = check_json(&cur,
		"assert all(w[k] is None for k in (\"temp_pages_inflight\", \"temp_pages_allocated\", "
		"\"temp_pages_completed\", \"temp_pages_orphaned\", \"kernel_writes\", \"kernel_errors\", "
		"\"kernel_latency_us\", \"temp_requests_closed\", \"temp_requests_orphaned\", "
		"\"temp_requests_untracked\")); assert m[\"redirty\"] is None; assert t[\"redirty\"] is None; "
		"assert m[\"nowrite\"] is None and t[\"nowrite\"] is None");
	ok(rc == 0, "without sources every kernel writeback field is null");

	/* temp pages fed, latency and re-dirty waits not */
	m1.kwb_have = FWB_KWB_TEMP | FWB_KWB_CLOSE;
	rc = check_json(&cur, "assert w[\"temp_pages_inflight\"]==300; assert w[\"kernel_latency_us\"] is None; "
			      "assert m[\"redirty\"] is None");
	ok(rc == 0, "each part is null or not on its own");

	/* no release source (fuse_writepage_free not attachable): in flight and orphans unknown */
	m1.kwb_have = FWB_KWB_TEMP | FWB_KWB_LAT;
	rc = check_json(&cur, "assert w[\"temp_pages_inflight\"] is None; assert w[\"temp_pages_orphaned\"] is None; "
			      "assert w[\"temp_requests_closed\"] is None; assert w[\"temp_pages_allocated\"]==3000; "
			      "assert w[\"temp_requests_untracked\"]==6; assert w[\"kernel_writes\"]==12");
	ok(rc == 0, "without the release event temp pages in flight are null, the counts stay");

	/* a kernel without fuse_request_sent (6.18, 6.1, unpatched 6.12): the split is null, never 0 */
	m1.split_have = false;
	rc = check_json(&cur, "assert w[\"queue_us\"] is None and w[\"serve_us\"] is None; "
			      "assert m[\"pending\"][\"in_service\"] is None");
	ok(rc == 0, "without fuse_request_sent the queue/serve split is null");

	ok(!fwb_source_force_error(NULL) && !fwb_source_force_error("") && !fwb_source_force_error("auto"),
	   "no forced kind: NULL, empty, auto");
	ok(!fwb_source_force_error("tracepoint") && !fwb_source_force_error("fentry") &&
	   !fwb_source_force_error("kprobe"), "the kinds --source forces");
	ok(fwb_source_force_error("kprobes") && fwb_source_force_error("tp"), "anything else is an error");

	free(m0.tasks);
	free(m1.tasks);
	return tap_done();
}
