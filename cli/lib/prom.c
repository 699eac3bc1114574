// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prometheus text exposition 0.0.4 of a snapshot.  Counters are the
 * snapshot's own values, cumulative since the collector loaded (its maps
 * are never reset), so they never go backwards while the exporter runs.
 * Values the kernel did not give (-1 in the snapshot) are left out, never
 * reported as 0.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"

#define NSLOTS (FWB_PROM_LAST_SLOT - FWB_PROM_FIRST_SLOT + 1)

typedef char le_table[NSLOTS][24];

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Accept one well-formed UTF-8 sequence at s; its length, 0 if malformed. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void fwb_prom_label_value(FILE *f, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v ? v : "");

	while (*s) {
		int n = utf8_len(s);

		if (!n) {
			fputs("\xef\xbf\xbd", f);
			s++;
		} else if (*s == '\\' || *s == '"') {
			fputc('\\', f);
			fputc(*s++, f);
		} else if (*s == '\n') {
			fputs("\\n", f);
			s++;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
}

void fwb_prom_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		(unsigned long long)(ns % 1000000000ULL));
}

/* mountpoint, fstype, connection: the labels every per-mount series carries */
static char *mount_labels(const struct fwb_mount *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("mountpoint=\"", f);
	fwb_prom_label_value(f, m->mountpoint);
	fputs("\",fstype=\"", f);
	fwb_prom_label_value(f, m->fstype);
	fprintf(f, "\",connection=\"%u\"", m->conn);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * A log2 histogram as cumulative buckets.  _count is the buckets' own total
 * rather than the map's request counter, so +Inf and _count always agree
 * even when a scrape lands between the two per-CPU increments.
 */
static void hist(FILE *f, const char *name, const char *labels, const struct fwb_hist *h,
		 const le_table le)
{
	uint64_t cum = 0;
	int i;

	for (i = 0; i < FWB_PROM_FIRST_SLOT; i++)
		cum += h->slots[i];
	for (i = FWB_PROM_FIRST_SLOT; i <= FWB_PROM_LAST_SLOT; i++) {
		cum += h->slots[i];
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels,
			le[i - FWB_PROM_FIRST_SLOT], (unsigned long long)cum);
	}
	for (; i < FWB_HIST_SLOTS; i++)
		cum += h->slots[i];
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n%s_sum{%s} ", name, labels,
		(unsigned long long)cum, name, labels);
	fwb_prom_seconds(f, h->sum_ns);
	fprintf(f, "\n%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

/*
 * How a snapshot field becomes a sample.  For the signed kinds a negative
 * value means "unknown" and the sample is skipped, except CLAMP0: a gauge
 * summed over CPUs that can be transiently negative but is always known.
 */
enum kind { U64, I64, CLAMP0, RATIO_PCT, PAGES_AS_BYTES, NS_AS_SECONDS };

struct per_mount {
	const char *name, *type, *help;
	size_t off;		/* field offset in struct fwb_mount */
	enum kind kind;
	int width;		/* 4 (int) or 8 bytes, for I64/RATIO_PCT */
};

#define FIELD(fld) offsetof(struct fwb_mount, fld)
#define WIDTH(fld) ((int)sizeof(((struct fwb_mount *)0)->fld))

static const struct per_mount per_mount[] = {
	{ "fusewb_writeback_writes_total", "counter",
	  "Writeback WRITE requests completed by the daemon.",
	  FIELD(wb_writes), U64, 8 },
	{ "fusewb_writeback_bytes_total", "counter",
	  "Bytes carried by completed writeback WRITE requests.",
	  FIELD(wb_bytes), U64, 8 },
	{ "fusewb_writeback_pages_total", "counter",
	  "Pages carried by completed writeback WRITE requests.",
	  FIELD(wb_pages), U64, 8 },
	{ "fusewb_writeback_errors_total", "counter",
	  "Writeback WRITE requests the daemon answered with an error.",
	  FIELD(wb_errors), U64, 8 },
	{ "fusewb_writeback_inflight_pages", "gauge",
	  "Pages in writeback WRITE requests sent to the daemon and not yet answered.",
	  FIELD(wb_inflight_pages), CLAMP0, WIDTH(wb_inflight_pages) },
	{ "fusewb_bdi_dirty_bytes", "gauge",
	  "Dirty page cache of the mount's bdi (BdiReclaimable in debugfs).",
	  FIELD(bdi_dirty_pages), PAGES_AS_BYTES, WIDTH(bdi_dirty_pages) },
	{ "fusewb_bdi_writeback_bytes", "gauge",
	  "Page cache of the mount's bdi under writeback (BdiWriteback in debugfs).",
	  FIELD(bdi_writeback_pages), PAGES_AS_BYTES, WIDTH(bdi_writeback_pages) },
	{ "fusewb_bdi_dirty_limit_bytes", "gauge",
	  "Dirty threshold of the mount's bdi (BdiDirtyThresh in debugfs): throttling starts near it.",
	  FIELD(bdi_thresh_pages), PAGES_AS_BYTES, WIDTH(bdi_thresh_pages) },
	{ "fusewb_bdi_max_ratio", "gauge",
	  "The bdi's max_ratio as a fraction (sysfs percent / 100) of the global dirty limit.",
	  FIELD(max_ratio), RATIO_PCT, WIDTH(max_ratio) },
	{ "fusewb_bdi_min_ratio", "gauge",
	  "The bdi's min_ratio as a fraction (sysfs percent / 100) of the global dirty limit.",
	  FIELD(min_ratio), RATIO_PCT, WIDTH(min_ratio) },
	{ "fusewb_bdi_strict_limit", "gauge",
	  "1 when the bdi's strict_limit is set (its own dirty limit is enforced).",
	  FIELD(strict_limit), I64, WIDTH(strict_limit) },
	{ "fusewb_bdi_max_bytes", "gauge",
	  "The bdi's max_bytes dirty limit in sysfs.",
	  FIELD(max_bytes), I64, WIDTH(max_bytes) },
	{ "fusewb_throttle_seconds_total", "counter",
	  "Time writers spent paused in balance_dirty_pages on this bdi.",
	  FIELD(throttle_ns), NS_AS_SECONDS, 8 },
	{ "fusewb_throttle_pauses_total", "counter",
	  "balance_dirty_pages pauses on this bdi.",
	  FIELD(throttle_count), U64, 8 },
	{ "fusewb_pending_requests", "gauge",
	  "Requests sent to the daemon and not yet answered.",
	  FIELD(pending_count), U64, 8 },
	{ "fusewb_pending_oldest_age_seconds", "gauge",
	  "Age of the oldest unanswered request; grows without bound when the daemon hangs.",
	  FIELD(pending_oldest_ns), NS_AS_SECONDS, 8 },
	{ "fusewb_connection_waiting_requests", "gauge",
	  "Requests waiting on the connection (fusectl 'waiting').",
	  FIELD(waiting), I64, WIDTH(waiting) },
	{ "fusewb_connection_max_background", "gauge",
	  "Background request limit of the connection (fusectl 'max_background').",
	  FIELD(max_background), I64, WIDTH(max_background) },
	{ "fusewb_connection_congestion_threshold", "gauge",
	  "Background requests at which the connection counts as congested (fusectl).",
	  FIELD(congestion_threshold), I64, WIDTH(congestion_threshold) },
};

static int64_t field_i64(const struct fwb_mount *m, const struct per_mount *p)
{
	const char *base = (const char *)m + p->off;

	if (p->width == 4)
		return *(const int *)base;
	return *(const int64_t *)base;
}

static void value(FILE *f, const struct fwb_mount *m, const struct per_mount *p, long page_size)
{
	int64_t v;

	if (p->kind == U64) {
		fprintf(f, "%llu\n", (unsigned long long)*(const uint64_t *)((const char *)m + p->off));
		return;
	}
	if (p->kind == NS_AS_SECONDS) {
		fwb_prom_seconds(f, *(const uint64_t *)((const char *)m + p->off));
		fputc('\n', f);
		return;
	}
	v = field_i64(m, p);
	if (p->kind == CLAMP0 && v < 0)
		v = 0;
	if (p->kind == RATIO_PCT)
		fprintf(f, "%g\n", v / 100.0);
	else if (p->kind == PAGES_AS_BYTES)
		fprintf(f, "%lld\n", (long long)v * page_size);
	else
		fprintf(f, "%lld\n", (long long)v);
}

static bool known(const struct fwb_mount *m, const struct per_mount *p)
{
	if (p->kind == U64 || p->kind == NS_AS_SECONDS || p->kind == CLAMP0)
		return true;
	return field_i64(m, p) >= 0;
}

static void write_mount_values(FILE *f, const struct fwb_snapshot *s, char **labels, long page_size)
{
	for (size_t j = 0; j < sizeof(per_mount) / sizeof(per_mount[0]); j++) {
		const struct per_mount *p = &per_mount[j];

		family(f, p->name, p->type, p->help);
		for (int i = 0; i < s->nmounts; i++) {
			const struct fwb_mount *m = &s->mounts[i];

			if (!labels[i] || !known(m, p))
				continue;
			fprintf(f, "%s{%s} ", p->name, labels[i]);
			value(f, m, p, page_size);
		}
	}
}

static void write_info(FILE *f, const struct fwb_snapshot *s, char **labels)
{
	family(f, "fusewb_mount_info", "gauge",
	       "Always 1: a FUSE mount fusewb sees, with its bdi and mount source.");
	for (int i = 0; i < s->nmounts; i++) {
		if (!labels[i])
			continue;
		fprintf(f, "fusewb_mount_info{%s,bdi=\"", labels[i]);
		fwb_prom_label_value(f, s->mounts[i].bdi);
		fputs("\",source=\"", f);
		fwb_prom_label_value(f, s->mounts[i].source);
		fputs("\"} 1\n", f);
	}
}

static void write_daemons(FILE *f, const struct fwb_snapshot *s, char **labels)
{
	family(f, "fusewb_daemon_processes", "gauge",
	       "Processes holding the connection's /dev/fuse open; 0 means the daemon is gone.");
	for (int i = 0; i < s->nmounts; i++)
		if (labels[i])
			fprintf(f, "fusewb_daemon_processes{%s} %d\n", labels[i], s->mounts[i].ndaemons);
}

static void write_histograms(FILE *f, const struct fwb_snapshot *s, char **labels, const le_table le)
{
	family(f, "fusewb_writeback_write_duration_seconds", "histogram",
	       "Writeback WRITE requests from send to the daemon's answer.");
	for (int i = 0; i < s->nmounts; i++)
		if (labels[i])
			hist(f, "fusewb_writeback_write_duration_seconds", labels[i], &s->mounts[i].wb_lat, le);

	family(f, "fusewb_request_duration_seconds", "histogram",
	       "FUSE requests from send to answer, per opcode; writeback WRITEs are in "
	       "fusewb_writeback_write_duration_seconds instead.");
	for (int i = 0; i < s->nmounts; i++) {
		const struct fwb_mount *m = &s->mounts[i];

		for (int j = 0; labels[i] && j < m->nops; j++) {
			char ol[FWB_PATH_MAX * 5];	/* escaped labels: up to 3 bytes per input byte */

			if (m->ops[j].opcode & FWB_OP_WRITEBACK)
				continue;
			snprintf(ol, sizeof(ol), "%s,opcode=\"%s\"", labels[i], fwb_opcode_name(m->ops[j].opcode));
			hist(f, "fusewb_request_duration_seconds", ol, &m->ops[j].lat, le);
		}
	}

	family(f, "fusewb_request_errors_total", "counter",
	       "FUSE requests answered with an error, per opcode (writeback WRITEs excluded).");
	for (int i = 0; i < s->nmounts; i++) {
		const struct fwb_mount *m = &s->mounts[i];

		for (int j = 0; labels[i] && j < m->nops; j++)
			if (!(m->ops[j].opcode & FWB_OP_WRITEBACK))
				fprintf(f, "fusewb_request_errors_total{%s,opcode=\"%s\"} %llu\n", labels[i],
					fwb_opcode_name(m->ops[j].opcode), (unsigned long long)m->ops[j].errors);
	}
}

static void write_vm(FILE *f, const struct fwb_vmstat *vm, long page_size)
{
	static const struct { const char *name, *help; size_t off; } v[] = {
		{ "fusewb_vm_dirty_bytes", "Dirty page cache of the whole system (nr_dirty).",
		  offsetof(struct fwb_vmstat, nr_dirty) },
		{ "fusewb_vm_writeback_bytes", "Page cache under writeback, whole system (nr_writeback).",
		  offsetof(struct fwb_vmstat, nr_writeback) },
		{ "fusewb_vm_writeback_temp_bytes", "Temporary writeback buffers (nr_writeback_temp).",
		  offsetof(struct fwb_vmstat, nr_writeback_temp) },
		{ "fusewb_vm_dirty_threshold_bytes", "Global dirty limit (nr_dirty_threshold).",
		  offsetof(struct fwb_vmstat, dirty_threshold) },
		{ "fusewb_vm_dirty_background_threshold_bytes",
		  "Global background writeback threshold (nr_dirty_background_threshold).",
		  offsetof(struct fwb_vmstat, dirty_background_threshold) },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t x = *(const int64_t *)((const char *)vm + v[i].off);

		family(f, v[i].name, "gauge", v[i].help);
		if (x >= 0)
			fprintf(f, "%s %lld\n", v[i].name, (long long)x * page_size);
	}
}

static const char *state_label(enum fwb_source_state st)
{
	switch (st) {
	case FWB_SRC_IN_USE: return "in_use";
	case FWB_SRC_AVAILABLE: return "available";
	case FWB_SRC_FAILED: return "failed";
	default: return "unavailable";
	}
}

static void write_self(FILE *f, const struct fwb_snapshot *s, const struct fwb_prom_ctx *c)
{
	static const struct { const char *reason; size_t off; } drops[] = {
		{ "pending_full", offsetof(struct fwb_drops, pending_full) },
		{ "unmatched_end", offsetof(struct fwb_drops, unmatched_end) },
		{ "opstats_full", offsetof(struct fwb_drops, opstats_full) },
		{ "taskstats_full", offsetof(struct fwb_drops, taskstats_full) },
		{ "bdistats_full", offsetof(struct fwb_drops, bdistats_full) },
	};

	family(f, "fusewb_mounts", "gauge", "FUSE connections exported.");
	fprintf(f, "fusewb_mounts %d\n", s->nmounts);
	family(f, "fusewb_collector_drops_total", "counter",
	       "Events the BPF collector could not account, by reason (full tables, ends without a send).");
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		fprintf(f, "fusewb_collector_drops_total{reason=\"%s\"} %llu\n", drops[i].reason,
			(unsigned long long)*(const __u64 *)((const char *)&s->drops + drops[i].off));
	family(f, "fusewb_source_info", "gauge",
	       "Always 1: a data source of the collector and its state (in_use, available, failed, unavailable).");
	for (int i = 0; i < c->nsrcs; i++) {
		fputs("fusewb_source_info{group=\"", f);
		fwb_prom_label_value(f, c->srcs[i].group);
		fputs("\",source=\"", f);
		fwb_prom_label_value(f, c->srcs[i].name);
		fprintf(f, "\",state=\"%s\"} 1\n", state_label(c->srcs[i].state));
	}
	family(f, "fusewb_exporter_scrapes_total", "counter", "Scrapes served since the exporter started.");
	fprintf(f, "fusewb_exporter_scrapes_total %llu\n", (unsigned long long)c->scrapes);
	family(f, "fusewb_scrape_duration_seconds", "gauge",
	       "Time this scrape spent reading BPF maps, mountinfo and sysfs.");
	if (c->collect_seconds >= 0)
		fprintf(f, "fusewb_scrape_duration_seconds %.6f\n", c->collect_seconds);
}

void fwb_prom_write(FILE *f, const struct fwb_snapshot *s, const struct fwb_prom_ctx *c)
{
	char **labels = calloc(s->nmounts ? s->nmounts : 1, sizeof(*labels));
	long page_size = c->page_size > 0 ? c->page_size : 4096;
	le_table le;

	for (int i = 0; i < NSLOTS; i++)
		snprintf(le[i], sizeof(le[i]), "%.12g",
			 fwb_hist_slot_upper_ns(i + FWB_PROM_FIRST_SLOT) / 1e9);
	/* without memory for labels a mount is skipped whole, never half-written */
	for (int i = 0; labels && i < s->nmounts; i++)
		labels[i] = mount_labels(&s->mounts[i]);
	if (labels) {
		write_info(f, s, labels);
		write_histograms(f, s, labels, (const char (*)[24])le);
		write_mount_values(f, s, labels, page_size);
		if (c->daemons_known)
			write_daemons(f, s, labels);
		for (int i = 0; i < s->nmounts; i++)
			free(labels[i]);
		free(labels);
	}
	write_vm(f, &s->vm, page_size);
	write_self(f, s, c);
}
