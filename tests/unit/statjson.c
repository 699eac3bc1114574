// SPDX-License-Identifier: GPL-2.0-only
/* The stat NDJSON: deltas, escaping, unknown values as null. Checked with python's json parser. */
#include <stdlib.h>
#include "lib/fusewb.h"
#include "render/json.h"
#include "tap.h"

static struct fwb_mount mount(uint64_t writes, uint64_t bytes)
{
	static struct fwb_op getattr = { .opcode = 3, .count = 3 };	/* counted, none timed (sampled) */
	struct fwb_mount m;

	memset(&m, 0, sizeof(m));
	snprintf(m.mountpoint, sizeof(m.mountpoint), "/mnt/a \"quoted\"\\dir");
	snprintf(m.fstype, sizeof(m.fstype), "fuse.testfs");
	m.conn = 42;
	m.wb_writes = writes;
	m.wb_bytes = bytes;
	m.wb_lat.slots[22] = writes;
	m.wb_lat.count = writes;
	m.wb_lat.max_ns = 6000000;
	m.wb_inflight_pages = 3;
	m.strict_limit = 1;
	m.bdi_dirty_pages = -1;
	m.bdi_writeback_pages = -1;
	m.bdi_thresh_pages = 100;
	m.max_bytes = 4190341;		/* 4 MiB set through max_bytes: max_ratio 0 */
	m.max_ratio = 0;
	m.max_ratio_fine = 885;
	m.cap_pages = 100;
	m.cap_binds = 1;
	m.min_ratio = 0;
	m.waiting = 2;
	m.max_background = 12;
	m.pending_count = 2;
	m.pending_oldest_ns = 1500000000ULL;
	m.ops = &getattr;
	m.nops = 1;
	m.peak_dirty_pages = writes == 25 ? 98 : -1;	/* a gauge: only cur's counts */
	m.peak_limit_pages = writes == 25 ? 100 : -1;
	return m;
}

/*
 * Render d as stat JSON and run python's assertions PY over it: m is the
 * first mount, w its writeback, p its pending, d the whole line.  Returns
 * the line's status (0: valid JSON, every assertion held) and prints the
 * line when it fails.
 */
static int json_check(struct fwb_snapshot *d, const char *py, bool *one_line)
{
	char *buf = NULL, cmd[8192];
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&buf, &len);
	fwb_stat_json(f, d, 1.0);
	fclose(f);
	if (one_line)
		*one_line = len > 0 && buf[len - 1] == '\n' && !strchr(buf, '\n')[1];
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.loads(sys.argv[1]); m=d[\"mounts\"][0]; w=m[\"writeback\"]; "
		 "p=m[\"pending\"]; %s' '%s'", py, buf);
	rc = system(cmd);
	if (rc)
		printf("# %s", buf);
	free(buf);
	fwb_snapshot_free(d);
	return rc;
}

int main(void)
{
	struct fwb_mount m0 = mount(10, 40960), m1 = mount(25, 102400);
	struct fwb_snapshot prev = { .mounts = &m0, .nmounts = 1 }, cur = { .mounts = &m1, .nmounts = 1 }, d;
	bool one_line = false;
	int rc;

	cur.wall = 1700000000.5;
	memset(&cur.vm, 0xff, sizeof(cur.vm));	/* what fwb_read_vmstat leaves for a counter it did not find */
	cur.vm.nr_dirty = 5;
	ok(fwb_snapshot_delta(&prev, &cur, &d) == 0, "delta");
	ok(d.mounts[0].wb_writes == 15, "writes are a delta (got %llu)", (unsigned long long)d.mounts[0].wb_writes);
	ok(d.mounts[0].wb_bytes == 61440, "bytes are a delta");
	ok(d.mounts[0].wb_inflight_pages == 3, "inflight is a gauge");
	ok(d.mounts[0].wb_lat.slots[22] == 15, "histogram is a delta");
	rc = json_check(&d,
		 "assert m[\"mountpoint\"]==\"/mnt/a \\\"quoted\\\"\\\\dir\", m[\"mountpoint\"]; "
		 "assert m[\"connection\"]==42; assert w[\"writes\"]==15; "
		 "assert m[\"dirty\"][\"pages\"] is None; assert m[\"dirty\"][\"limit_pages\"]==100; "
		 "assert 4194 <= w[\"latency_us\"][\"p50\"] <= 6000; "
		 "assert p[\"oldest_ms\"]==1500; assert d[\"interval_s\"]==1; "
		 "assert d[\"vm\"][\"nr_writeback_temp\"] is None, \"6.16+ has no nr_writeback_temp\"; "
		 "assert d[\"vm\"][\"nr_dirty\"]==5; "
		 "assert all(m[\"ops\"][0][\"latency_us\"][k] is None for k in (\"p50\", \"p99\", \"max\", \"mean\")), "
		 "\"no timed request: latency unknown, not 0\"; "
		 "assert m[\"dirty\"][\"max_ratio\"]==0 and m[\"dirty\"][\"max_ratio_fine\"]==885; "
		 "assert m[\"dirty\"][\"max_bytes\"]==4190341 and m[\"dirty\"][\"cap_pages\"]==100; "
		 "assert m[\"dirty\"][\"limit_by\"]==\"cap\"; "
		 "assert m[\"dirty\"][\"peak_pages\"]==98 and m[\"dirty\"][\"peak_limit_pages\"]==100; "
		 "assert m[\"dirty\"][\"throttle_count\"] is None and m[\"dirty\"][\"throttle_ms\"] is None",
		 &one_line);
	ok(one_line, "exactly one line");
	ok(rc == 0, "valid JSON with the documented fields and values");

	/* a mount the request table could not hold: null and tracked false, never 0 */
	m1.ops_untracked = true;
	ok(fwb_snapshot_delta(&prev, &cur, &d) == 0 && d.mounts[0].ops_untracked, "delta keeps untracked");
	rc = json_check(&d,
		      "assert m[\"tracked\"] is False; assert m[\"ops\"] is None; "
		      "assert all(w[k] is None for k in (\"writes\", \"bytes\", \"pages\", \"errors\", "
		      "\"inflight_pages\", \"latency_us\")), w; assert p[\"count\"]==2", NULL);
	ok(rc == 0, "untracked: writeback numbers and ops are null, tracked is false");

	/* no request source in use: the request view and pending are null, the table is not full */
	m1.ops_untracked = false;
	m1.req_unknown = true;
	ok(fwb_snapshot_delta(&prev, &cur, &d) == 0 && d.mounts[0].req_unknown, "delta keeps req_unknown");
	rc = json_check(&d,
		      "assert m[\"tracked\"] is True; assert m[\"ops\"] is None; "
		      "assert all(w[k] is None for k in (\"writes\", \"bytes\", \"pages\", \"errors\", "
		      "\"inflight_pages\", \"latency_us\")), w; "
		      "assert all(p[k] is None for k in (\"count\", \"oldest_ms\", \"oldest_lower_bound\", \"requests\")), p; "
		      "assert m[\"dirty\"][\"limit_pages\"]==100", NULL);
	ok(rc == 0, "no request source: writeback numbers, pending and ops are null, tracked stays true");
	return tap_done();
}
