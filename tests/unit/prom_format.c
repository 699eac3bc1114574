// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus exposition of a hand-made snapshot, line by line. */
#include <stdlib.h>
#include <string.h>
#include "lib/diag.h"
#include "lib/fusewb.h"
#include "render/prom.h"
#include "tap.h"

static char *render(const struct fwb_snapshot *s, const struct fwb_prom_ctx *c)
{
	size_t len = 0;
	char *t = fwb_prom_render(s, c, &len);

	ok(t && strlen(t) == len, "rendered %zu bytes, length matches", len);
	return t;
}

#define label fwb_prom_label_escape

/* the value of the sample whose line starts with prefix (name{labels}), or NULL */
static const char *sample(const char *text, const char *prefix)
{
	static char val[64];
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, prefix, n) && l[n] == ' ') {
			const char *e = strchr(l + n + 1, '\n');

			snprintf(val, sizeof(val), "%.*s", (int)(e ? e - (l + n + 1) : 63), l + n + 1);
			return val;
		}
	}
	return NULL;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/* Every sample follows the TYPE line of its own family, and no family is declared twice. */
static bool families_grouped(const char *text)
{
	char fam[128] = "", seen[8192] = " ";
	const char *l = text;

	while (l && *l) {
		const char *e = strchr(l, '\n');
		char line[4096], name[128];

		snprintf(line, sizeof(line), "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
		if (sscanf(line, "# TYPE %127s", name) == 1) {
			char key[140];

			snprintf(key, sizeof(key), " %s ", name);
			if (strstr(seen, key))
				return false;
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			snprintf(fam, sizeof(fam), "%s", name);
			continue;
		}
		if (line[0] == '#' || !line[0])
			continue;
		sscanf(line, "%127[^{ ]", name);
		if (strcmp(name, fam)) {
			size_t n = strlen(fam);

			if (strncmp(name, fam, n) || (strcmp(name + n, "_bucket") &&
			    strcmp(name + n, "_sum") && strcmp(name + n, "_count")))
				return false;
		}
	}
	return true;
}

int main(void)
{
	struct fwb_source srcs[] = {
		{ .group = "requests", .name = "tp_btf:fuse_request_send", .state = FWB_SRC_IN_USE },
		{ .group = "bdi-state", .name = "debugfs:bdi/stats", .state = FWB_SRC_UNAVAILABLE,
		  .reason = "/sys/kernel/debug/bdi: No such file or directory" },
		{ .group = "fusectl", .name = "fusectl:connections", .state = FWB_SRC_LOST,
		  .reason = "after --user: \"0400\" files" },
	};
	struct fwb_op ops[2] = {
		{ .opcode = 3, .count = 4, .errors = 1, .lat = { .slots = { [14] = 4 }, .sum_ns = 80000 } },
		{ .opcode = 16 | FWB_OP_WRITEBACK, .count = 9 },
	};
	struct fwb_mount m[2];
	struct fwb_snapshot s = { .mounts = m, .nmounts = 2 };
	struct fwb_prom_ctx c = { .srcs = srcs, .nsrcs = 3, .page_size = 4096, .daemons_known = true,
				  .collect_seconds = 0.00125, .scrapes = 7 };
	const char *L = "{mountpoint=\"/mnt/a\",fstype=\"fuse.x\",connection=\"42\"";
	char key[512], *t, *esc;

	memset(m, 0, sizeof(m));
	memset(&s.vm, 0xff, sizeof(s.vm));
	s.vm.nr_dirty = 10;
	s.drops.pending_full = 3;
	s.drops.wbreqs_full = 2;
	s.drops.kwbstats_full = 5;
	strcpy(m[0].mountpoint, "/mnt/a");
	strcpy(m[0].fstype, "fuse.x");
	strcpy(m[0].bdi, "0:42");
	strcpy(m[0].source, "x");
	m[0].conn = 42;
	m[0].wb_writes = 9;
	m[0].wb_bytes = 9 * 4096;
	m[0].wb_inflight_pages = -2;		/* transiently negative per-CPU sum */
	m[0].wb_lat.slots[0] = 1;		/* below the first exposed bound */
	m[0].wb_lat.slots[9] = 2;		/* le 1.024e-06 */
	m[0].wb_lat.slots[20] = 5;		/* [1.048576, 2.097152) ms */
	m[0].wb_lat.slots[FWB_HIST_SLOTS - 1] = 1;	/* clamped: only +Inf may hold it */
	m[0].wb_lat.count = 8;			/* the map counter lags the buckets */
	m[0].wb_lat.sum_ns = 1500000000ULL;
	m[0].bdi_dirty_pages = 3;
	m[0].bdi_writeback_pages = -1;		/* unknown: must be absent, not 0 */
	m[0].bdi_thresh_pages = 100;
	m[0].max_ratio = 1;
	m[0].min_ratio = 0;
	m[0].strict_limit = 1;
	m[0].max_bytes = -1;
	m[0].max_ratio_fine = -1;		/* a kernel before 6.2: the whole percent is all there is */
	m[0].cap_pages = 50;
	m[0].cap_binds = 1;
	m[0].waiting = -1;
	m[0].max_background = 12;
	m[0].congestion_threshold = -1;
	m[0].throttle_have = true;		/* m[1]: the throttle program is not attached */
	m[0].throttle_ns = 2500000001ULL;
	m[0].peak_dirty_pages = 90;
	m[0].peak_limit_pages = 100;
	m[0].pending_count = 2;
	m[0].pending_oldest_ns = 61000000000ULL;
	m[0].ndaemons = 1;
	m[0].ops = ops;
	m[0].nops = 2;
	/* a temp-page kernel's view (6.12): m[1] has none, so none of it shows for m[1] */
	m[0].kwb_have = FWB_KWB_TEMP | FWB_KWB_LAT | FWB_KWB_REDIRTY | FWB_KWB_CLOSE | FWB_KWB_NOWRITE;
	m[0].kwb_closed = 12;
	m[0].kwb_orphans = 2;
	m[0].kwb_untracked = 1;
	m[0].redirty_wait_max_ns = 90000000;
	m[0].nowrite_waits = 4;
	m[0].nowrite_wait_ns = 1500000000;
	m[0].nowrite_wait_max_ns = 900000000;
	/* the kernel says when the daemon reads a request (m[1]: it does not) */
	m[0].split_have = true;
	m[0].pending_in_service = 1;
	m[0].wb_split = (struct fwb_split){ 9, 300000000, 100000000, 1200000000, 400000000 };
	ops[0].split = (struct fwb_split){ 4, 20000, 9000, 60000, 20000 };
	m[0].tmp_inflight_pages = 7;
	m[0].tmp_alloc_pages = 100;
	m[0].tmp_end_pages = 90;
	m[0].tmp_orphan_pages = 3;
	m[0].kwb_errors = 2;
	m[0].kwb_lat.slots[23] = 6;		/* [8.4, 16.8) ms */
	m[0].kwb_lat.sum_ns = 60000000;
	m[0].redirty_waits = 5;
	m[0].redirty_wait_ns = 250000000;
	/* a hostile mount point: quote, backslash, newline, invalid UTF-8, valid UTF-8 */
	strcpy(m[1].mountpoint, "/mnt/\"q\\\n\xff\xc3\xa9");
	strcpy(m[1].fstype, "fuse");
	m[1].conn = 43;
	m[1].max_ratio = m[1].min_ratio = m[1].strict_limit = -1;
	m[1].max_bytes = m[1].bdi_dirty_pages = m[1].bdi_writeback_pages = m[1].bdi_thresh_pages = -1;
	m[1].waiting = m[1].max_background = m[1].congestion_threshold = -1;
	m[1].max_ratio_fine = m[1].cap_pages = m[1].peak_dirty_pages = m[1].peak_limit_pages = -1;
	m[1].cap_binds = -1;

	t = render(&s, &c);

#define S(name, extra) (snprintf(key, sizeof(key), "%s%s%s}", name, L, extra), sample(t, key))
	/* name, labels after the mount's, value, what */
	static const struct { const char *name, *extra, *want, *what; } samples[] = {
		{ "fusewb_writeback_write_duration_seconds_bucket", ",le=\"1.024e-06\"", "3",
		  "first bucket is cumulative over the slots below it" },
		{ "fusewb_writeback_write_duration_seconds_bucket", ",le=\"0.002097152\"", "8",
		  "bucket le 2.097152 ms holds slot 20" },
		{ "fusewb_writeback_write_duration_seconds_bucket", ",le=\"549.755813888\"", "8",
		  "last finite bucket excludes the clamped top slot" },
		{ "fusewb_writeback_write_duration_seconds_bucket", ",le=\"+Inf\"", "9",
		  "+Inf holds everything" },
		{ "fusewb_writeback_write_duration_seconds_count", "", "9",
		  "_count equals +Inf, not the lagging counter" },
		{ "fusewb_writeback_write_duration_seconds_sum", "", "1.500000000",
		  "_sum in exact seconds" },
		{ "fusewb_writeback_writes_total", "", "9",
		  "writes counter" },
		{ "fusewb_writeback_bytes_total", "", "36864",
		  "bytes counter" },
		{ "fusewb_writeback_inflight_bytes", "", "0",
		  "negative in-flight sum clamps to 0" },
		{ "fusewb_bdi_dirty_bytes", "", "12288",
		  "dirty pages as bytes" },
		{ "fusewb_bdi_dirty_limit_bytes", "", "409600",
		  "bdi threshold as bytes" },
		{ "fusewb_bdi_max_ratio", "", "0.01",
		  "max_ratio 1% is 0.01" },
		{ "fusewb_bdi_dirty_cap_bytes", "", "204800",
		  "the cap as bytes" },
		{ "fusewb_bdi_dirty_limit_capped", "", "1",
		  "the cap binds" },
		{ "fusewb_bdi_min_ratio", "", "0",
		  "min_ratio 0 is reported, it is known" },
		{ "fusewb_bdi_strict_limit", "", "1",
		  "strict_limit" },
		{ "fusewb_connection_max_background", "", "12",
		  "max_background" },
		{ "fusewb_throttle_seconds_total", "", "2.500000001",
		  "throttle seconds exact to the ns" },
		{ "fusewb_bdi_dirty_peak_bytes", "", "368640",
		  "the throttle events' peak as bytes" },
		{ "fusewb_bdi_dirty_peak_limit_bytes", "", "409600",
		  "the limit at the peak as bytes" },
		{ "fusewb_pending_requests", "", "2",
		  "pending requests" },
		{ "fusewb_pending_oldest_age_seconds", "", "61.000000000",
		  "oldest pending age" },
		{ "fusewb_daemon_processes", "", "1",
		  "daemon processes" },
		{ "fusewb_request_duration_seconds_bucket", ",opcode=\"GETATTR\",le=\"6.5536e-05\"", "4",
		  "per-opcode histogram (slot 14, [16.4, 32.8) us, counted at the 8x bound above it)" },
		{ "fusewb_request_duration_seconds_bucket", ",opcode=\"GETATTR\",le=\"8.192e-06\"", "0",
		  "per-opcode histogram: the first bound, below the slot" },
		{ "fusewb_request_duration_seconds_bucket", ",opcode=\"GETATTR\",le=\"137.438953472\"", "4",
		  "per-opcode histogram: the last finite bound" },
		{ "fusewb_request_duration_seconds_sum", ",opcode=\"GETATTR\"", "0.000080000",
		  "per-opcode _sum" },
		{ "fusewb_request_errors_total", ",opcode=\"GETATTR\"", "1",
		  "per-opcode errors" },
		{ "fusewb_writeback_temp_inflight_bytes", "", "28672",
		  "7 temp pages in flight, as bytes" },
		{ "fusewb_writeback_temp_allocated_pages_total", "", "100",
		  "temp pages allocated" },
		{ "fusewb_writeback_temp_completed_pages_total", "", "90",
		  "temp pages completed" },
		{ "fusewb_writeback_temp_orphaned_pages_total", "", "3",
		  "temp pages orphaned" },
		{ "fusewb_kernel_writeback_errors_total", "", "2",
		  "kernel-timed WRITE errors" },
		{ "fusewb_kernel_writeback_write_duration_seconds_bucket", ",le=\"0.016777216\"", "6",
		  "kernel-timed histogram, 2x bounds" },
		{ "fusewb_kernel_writeback_write_duration_seconds_bucket", ",le=\"0.008388608\"", "0",
		  "kernel-timed histogram, the bound below" },
		{ "fusewb_kernel_writeback_write_duration_seconds_sum", "", "0.060000000",
		  "kernel-timed _sum" },
		{ "fusewb_redirty_waits_total", "", "5",
		  "redirty waits" },
		{ "fusewb_redirty_wait_seconds_total", "", "0.250000000",
		  "redirty wait seconds" },
		{ "fusewb_mount_info", ",bdi=\"0:42\",source=\"x\"", "1",
		  "mount info" },
	};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		is_str(S(samples[i].name, samples[i].extra), samples[i].want, samples[i].what);
	snprintf(key, sizeof(key), "fusewb_writeback_write_duration_seconds_bucket%s", L);
	ok(count_lines(t, key) == FWB_PROM_LAST_SLOT - FWB_PROM_FIRST_SLOT + 2,
	   "%d buckets per histogram (30 finite + Inf)", count_lines(t, key));
	ok(!strstr(t, "_inflight_pages"), "memory in flight is in bytes, not pages");
	ok(!S("fusewb_bdi_writeback_bytes", ""), "unknown writeback bytes left out");
	ok(!S("fusewb_bdi_max_bytes", ""), "unknown max_bytes left out");
	ok(!S("fusewb_connection_waiting_requests", ""), "unknown fusectl waiting left out");
	ok(strstr(t, "# TYPE fusewb_bdi_writeback_bytes gauge\n") != NULL, "its family is still declared");
	snprintf(key, sizeof(key), "fusewb_throttle_pauses_total{mountpoint=\"/mnt/\\\"q");
	ok(!strstr(t, key), "no throttle series where the balance_dirty_pages program is not in use");
	snprintf(key, sizeof(key), "fusewb_bdi_dirty_peak_bytes{mountpoint=\"/mnt/\\\"q");
	ok(!strstr(t, key), "no peak without the balance_dirty_pages program");
	ok(!S("fusewb_request_duration_seconds_bucket", ",opcode=\"GETATTR\",le=\"1.6384e-05\""),
	   "per-opcode histogram: bounds are 8x apart");
	ok(!S("fusewb_request_duration_seconds_bucket", ",opcode=\"GETATTR\",le=\"1.024e-06\""),
	   "per-opcode histogram: nothing below 8.192e-06");
	snprintf(key, sizeof(key), "fusewb_request_duration_seconds_bucket%s,opcode=\"GETATTR\"", L);
	ok(count_lines(t, key) == 10, "10 per-opcode buckets (9 finite + Inf), got %d", count_lines(t, key));
	ok(!strstr(t, "WRITE(writeback)"), "the writeback pseudo-opcode is not a request opcode series");
	is_str(S("fusewb_redirty_wait_max_seconds", ""), "0.090000000", "the longest redirty wait");
	is_str(S("fusewb_writeback_temp_requests_closed_total", ""), "12", "temp-page requests released");
	is_str(S("fusewb_writeback_temp_requests_orphaned_total", ""), "2", "of which unsent");
	is_str(S("fusewb_writeback_temp_requests_untracked_total", ""), "1", "not tracked (table full)");
	is_str(S("fusewb_nowrite_waits_total", ""), "4", "whole-inode waits");
	is_str(S("fusewb_nowrite_wait_seconds_total", ""), "1.500000000", "their time");
	is_str(S("fusewb_nowrite_wait_max_seconds", ""), "0.900000000", "the longest");
	is_str(S("fusewb_writeback_split_writes_total", ""), "9", "WRITEs timed queued and served");
	is_str(S("fusewb_writeback_queue_seconds_total", ""), "0.300000000", "their time queued");
	is_str(S("fusewb_writeback_serve_seconds_total", ""), "1.200000000", "their time in the daemon");
	is_str(S("fusewb_pending_in_service_requests", ""), "1", "pending requests the daemon read");
	is_str(S("fusewb_request_split_total", ",opcode=\"GETATTR\""), "4", "per-opcode split count");
	is_str(S("fusewb_request_queue_seconds_total", ",opcode=\"GETATTR\""), "0.000020000", "per-opcode queued");
	is_str(S("fusewb_request_serve_seconds_total", ",opcode=\"GETATTR\""), "0.000060000", "per-opcode served");
	ok(count_lines(t, "fusewb_pending_in_service_requests{") == 1 &&
	   count_lines(t, "fusewb_writeback_queue_seconds_total{") == 1 &&
	   count_lines(t, "fusewb_request_queue_seconds_total{") == 1 &&
	   count_lines(t, "fusewb_nowrite_waits_total{") == 1,
	   "a mount whose kernel cannot split or see inode waits has none of those series");
	ok(count_lines(t, "fusewb_writeback_temp_inflight_bytes{") == 1 &&
	   count_lines(t, "fusewb_kernel_writeback_write_duration_seconds_count{") == 1 &&
	   count_lines(t, "fusewb_redirty_waits_total{") == 1,
	   "a mount without a temp-page source has none of those series");
	is_str(sample(t, "fusewb_vm_dirty_bytes"), "40960", "global dirty bytes");
	ok(!sample(t, "fusewb_vm_writeback_bytes"), "unknown vm value left out");
	is_str(sample(t, "fusewb_collector_drops_total{reason=\"pending_full\"}"), "3", "drops by reason");
	is_str(sample(t, "fusewb_collector_drops_total{reason=\"wbreqs_full\"}"), "2",
	       "temp-page requests the table could not hold are counted too");
	is_str(sample(t, "fusewb_collector_drops_total{reason=\"kwbstats_full\"}"), "5",
	       "temp-page events of connections kwb_stats could not hold are counted too");
	is_str(sample(t, "fusewb_source_info{group=\"requests\",source=\"tp_btf:fuse_request_send\",state=\"in_use\",reason=\"\"}"),
	       "1", "source info in use, no reason");
	is_str(sample(t, "fusewb_source_info{group=\"bdi-state\",source=\"debugfs:bdi/stats\",state=\"unavailable\","
		      "reason=\"/sys/kernel/debug/bdi: No such file or directory\"}"),
	       "1", "source info unavailable, with the reason");
	is_str(sample(t, "fusewb_source_info{group=\"fusectl\",source=\"fusectl:connections\",state=\"lost\","
		      "reason=\"after --user: \\\"0400\\\" files\"}"),
	       "1", "source info lost, the reason escaped");
	is_str(sample(t, "fusewb_exporter_scrapes_total"), "7", "scrapes counter");
	snprintf(key, sizeof(key), "fusewb_build_info{version=\"%s\"}", fwb_version());
	is_str(sample(t, key), "1", "build info carries this build's version");
	is_str(sample(t, "fusewb_scrape_duration_seconds"), "0.001250", "scrape duration");
	is_str(sample(t, "fusewb_mounts"), "2", "mount count");
	ok(families_grouped(t), "every family declared once, its samples together");
	ok(strstr(t, "mountpoint=\"/mnt/\\\"q\\\\\\n\xef\xbf\xbd\xc3\xa9\"") != NULL,
	   "hostile mount point escaped in the series labels");
	ok(!strstr(t, "\xff"), "no invalid UTF-8 byte in the output");
	snprintf(key, sizeof(key), "fusewb_bdi_max_ratio{mountpoint=\"/mnt/\\\"q");
	ok(count_lines(t, key) == 0, "unknown values of the second mount left out too");

	esc = label("a\"b\\c\nd");
	is_str(esc, "a\\\"b\\\\c\\nd", "label escapes");
	free(esc);
	esc = label("\xe2\x82\xac \xf0\x9f\x98\x80");
	is_str(esc, "\xe2\x82\xac \xf0\x9f\x98\x80", "3- and 4-byte UTF-8 kept");
	free(esc);
	esc = label("\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf5\x80\x80\x80");
	is_str(esc, "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	       "overlong, surrogate, truncated and out-of-range sequences replaced byte by byte");
	free(esc);
	esc = label(NULL);
	is_str(esc, "", "NULL label is empty");
	free(esc);
	free(t);

	/* a cap set through max_bytes (4 MiB of 4.7 GB): max_ratio reads 0, max_ratio_fine does not */
	m[0].max_ratio = 0;
	m[0].max_ratio_fine = 885;
	t = render(&s, &c);
	is_str(S("fusewb_bdi_max_ratio", ""), "0.000885", "the cap from max_ratio_fine (885 ppm), not 0");
	free(t);
	m[0].max_ratio = 1;
	m[0].max_ratio_fine = -1;

	/* --no-collect.requests */
	c.no_requests = true;
	t = render(&s, &c);
	ok(!strstr(t, "fusewb_request_"), "no per-opcode series without request collection");
	ok(strstr(t, "fusewb_writeback_write_duration_seconds_count{") != NULL, "writeback histogram stays");
	free(t);
	c.no_requests = false;

	/* a mount the request table could not hold: flagged, and its request series absent, not 0 */
	m[0].ops_untracked = true;
	m[0].nops = 0;
	t = render(&s, &c);
	is_str(S("fusewb_mount_tracked", ""), "0", "untracked mount: fusewb_mount_tracked 0");
	ok(count_lines(t, "fusewb_mount_tracked{") == 2 && strstr(t, "connection=\"43\"} 1\n"),
	   "the tracked mount has 1");
	ok(!S("fusewb_writeback_writes_total", "") && !S("fusewb_writeback_bytes_total", "") &&
	   !S("fusewb_writeback_errors_total", "") && !S("fusewb_writeback_inflight_bytes", ""),
	   "no writeback counters for it");
	snprintf(key, sizeof(key), "fusewb_writeback_write_duration_seconds_count%s}", L);
	ok(!strstr(t, key), "no writeback histogram for it");
	ok(S("fusewb_pending_requests", "") != NULL, "its pending requests (another table) stay");
	ok(families_grouped(t), "families still grouped");
	free(t);
	m[0].ops_untracked = false;

	/* no request source in use: the request and pending series are absent, fusectl's stay */
	m[0].req_unknown = true;
	m[0].nops = 0;
	t = render(&s, &c);
	is_str(S("fusewb_mount_tracked", ""), "1", "no request source: the table is not full, tracked 1");
	ok(!S("fusewb_writeback_writes_total", "") && !S("fusewb_writeback_bytes_total", "") &&
	   !S("fusewb_writeback_errors_total", "") && !S("fusewb_writeback_inflight_bytes", "") &&
	   !S("fusewb_pending_requests", "") && !S("fusewb_pending_oldest_age_seconds", ""),
	   "no request source: no writeback or pending series for it");
	ok(!strstr(t, key), "no request source: no writeback histogram for it");
	free(t);
	m[0].req_unknown = false;
	m[0].nops = 2;

	/* the histogram cache: the same text as a fresh render, scrape after scrape */
	{
		struct fwb_prom_ctx nocache = c;	/* the same context, rendering afresh */
		char *fresh, *cached;

		c.cache = fwb_prom_cache_new();
		ok(c.cache != NULL, "cache created");
		fresh = fwb_prom_render(&s, &nocache, &(size_t){0});
		t = render(&s, &c);
		ok(t && fresh && !strcmp(t, fresh), "first render through the cache equals a fresh render");
		free(t);
		cached = render(&s, &c);
		ok(cached && !strcmp(cached, fresh), "second render (histograms copied) equals a fresh render");
		free(cached);
		free(fresh);

		/* a changed bucket, a renamed mount on the same connection: formatted again */
		ops[0].lat.slots[30] = 2;
		strcpy(m[0].mountpoint, "/mnt/renamed");
		fresh = fwb_prom_render(&s, &nocache, &(size_t){0});
		t = render(&s, &c);
		ok(t && fresh && !strcmp(t, fresh), "changed buckets and labels are not served from the cache");
		ok(strstr(t, "mountpoint=\"/mnt/a\"") == NULL, "no stale label left");
		free(t);
		free(fresh);

		/* a mount that goes away leaves the cache; coming back it is formatted afresh */
		s.nmounts = 1;
		t = render(&s, &c);
		ok(strstr(t, "connection=\"43\"") == NULL, "a vanished mount is not rendered from the cache");
		free(t);
		s.nmounts = 2;
		t = render(&s, &c);
		ok(strstr(t, "connection=\"43\"") != NULL, "it is back when it is back");
		free(t);
		ops[0].lat.slots[30] = 0;
		strcpy(m[0].mountpoint, "/mnt/a");
		fwb_prom_cache_free(c.cache);
		c.cache = NULL;
	}

	/* diagnose's verdict per mount: one series each, the state as a label */
	{
		struct fwb_daemon_state st[2] = {
			{ .conn = 42, .verdict = FWB_V_NETWORK, .looked = true },
			{ .conn = m[1].conn, .verdict = FWB_V_HEALTHY },
		};
		char k2[600];

		c.states = st;
		t = render(&s, &c);
		snprintf(k2, sizeof(k2), "fusewb_daemon_state%s,state=\"network\"}", L);
		is_str(sample(t, k2), "1", "the network verdict as a state label");
		ok(count_lines(t, "fusewb_daemon_state{") == 2, "one series per mount");
		ok(families_grouped(t), "grouping holds with the state family");
		free(t);
		c.states = NULL;
		t = render(&s, &c);
		ok(!strstr(t, "fusewb_daemon_state"), "no states given: no family");
		free(t);
	}

	/* an empty snapshot still declares the families and the exporter's own metrics */
	s.nmounts = 0;
	c.daemons_known = false;
	c.collect_seconds = -1;
	t = render(&s, &c);
	ok(strstr(t, "# TYPE fusewb_writeback_write_duration_seconds histogram\n") != NULL, "empty: histogram declared");
	is_str(sample(t, "fusewb_mounts"), "0", "empty: zero mounts");
	ok(!strstr(t, "# TYPE fusewb_daemon_processes"), "daemon count only when the iterator runs");
	ok(!sample(t, "fusewb_scrape_duration_seconds"), "unknown scrape duration left out");
	ok(families_grouped(t), "empty: grouping holds");
	free(t);
	return tap_done();
}
