// SPDX-License-Identifier: GPL-2.0-only
/* The stat schema as NDJSON (documented in doc/json-schema.md). */
#include <string.h>
#include "json.h"

void fwb_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_latency(FILE *f, const struct fwb_hist *h)
{
	/* nothing timed in the interval (none ended, or all sampled away): no latency, not 0 */
	if (!h->count) {
		fputs("{\"p50\":null,\"p99\":null,\"max\":null,\"mean\":null}", f);
		return;
	}
	fprintf(f, "{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f,\"mean\":%.1f}",
		fwb_hist_quantile(h, 0.5) / 1e3, fwb_hist_quantile(h, 0.99) / 1e3,
		fwb_hist_max(h) / 1e3, (double)h->sum_ns / h->count / 1e3);
}

/* -1 means "the kernel does not say": JSON null, not a fake zero */
static void json_num_or_null(FILE *f, const char *key, long long v, bool comma)
{
	if (v < 0)
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
	else
		fprintf(f, "\"%s\":%lld%s", key, v, comma ? "," : "");
}

/*
 * The queue/serve split of a row: mean and max in µs of the time queued for
 * the daemon and in the daemon; null where the kernel does not say when the
 * daemon read a request, or no timed request was seen both sent and read.
 */
static void json_split(FILE *f, bool have, const struct fwb_split *x)
{
	if (!have || !x->count) {
		fputs(",\"queue_us\":null,\"serve_us\":null", f);
		return;
	}
	fprintf(f, ",\"queue_us\":{\"count\":%llu,\"mean\":%.1f,\"max\":%.1f},"
		"\"serve_us\":{\"count\":%llu,\"mean\":%.1f,\"max\":%.1f}",
		(unsigned long long)x->count, (double)x->queue_sum_ns / x->count / 1e3, x->queue_max_ns / 1e3,
		(unsigned long long)x->count,
		(double)x->serve_sum_ns / x->count / 1e3, x->serve_max_ns / 1e3);
}

/* The temp-page view of the kernel writeback, null where no source feeds it. */
static void json_kwb(FILE *f, const struct fwb_mount *m)
{
	bool temp = m->kwb_have & FWB_KWB_TEMP, close = temp && (m->kwb_have & FWB_KWB_CLOSE);

	/* in flight and orphans need the release: without it a request freed unsent never ends */
	if (close)
		fprintf(f, ",\"temp_pages_inflight\":%lld", (long long)m->tmp_inflight_pages);
	else
		fputs(",\"temp_pages_inflight\":null", f);
	if (temp)
		fprintf(f, ",\"temp_pages_allocated\":%llu,\"temp_pages_completed\":%llu,"
			"\"temp_requests_untracked\":%llu", (unsigned long long)m->tmp_alloc_pages,
			(unsigned long long)m->tmp_end_pages, (unsigned long long)m->kwb_untracked);
	else
		fputs(",\"temp_pages_allocated\":null,\"temp_pages_completed\":null,"
		      "\"temp_requests_untracked\":null", f);
	if (close)
		fprintf(f, ",\"temp_pages_orphaned\":%llu,\"temp_requests_closed\":%llu,"
			"\"temp_requests_orphaned\":%llu", (unsigned long long)m->tmp_orphan_pages,
			(unsigned long long)m->kwb_closed, (unsigned long long)m->kwb_orphans);
	else
		fputs(",\"temp_pages_orphaned\":null,\"temp_requests_closed\":null,"
		      "\"temp_requests_orphaned\":null", f);
	if (m->kwb_have & FWB_KWB_LAT) {
		fprintf(f, ",\"kernel_writes\":%llu,\"kernel_errors\":%llu,\"kernel_latency_us\":",
			(unsigned long long)m->kwb_writes, (unsigned long long)m->kwb_errors);
		json_latency(f, &m->kwb_lat);
	} else {
		fputs(",\"kernel_writes\":null,\"kernel_errors\":null,\"kernel_latency_us\":null", f);
	}
}

/* a mount's waits have a max (max_ns >= 0), a task's not (-1) */
static void json_waits(FILE *f, bool have, uint64_t waits, uint64_t wait_ns, int64_t max_ns)
{
	if (!have) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"waits\":%llu,\"wait_ms\":%.3f", (unsigned long long)waits, wait_ns / 1e6);
	if (max_ns >= 0 && waits)
		fprintf(f, ",\"max_ms\":%.3f", max_ns / 1e6);
	else if (max_ns >= 0)
		fputs(",\"max_ms\":null", f);
	fputc('}', f);
}

void fwb_json_mountpoints(FILE *f, const struct fwb_mount *m)
{
	const char *p = m->extra_mountpoints;

	fputc('[', f);
	fwb_json_str(f, m->mountpoint);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char buf[FWB_PATH_MAX];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		fputc(',', f);
		fwb_json_str(f, buf);
		p += n + (nl ? 1 : 0);
	}
	fputc(']', f);
}

static void json_mount(FILE *f, const struct fwb_mount *m)
{
	bool noreq = m->ops_untracked || m->req_unknown;	/* request stats unknown */

	fputs("{\"mountpoint\":", f);
	fwb_json_str(f, m->mountpoint);
	fputs(",\"mountpoints\":", f);
	fwb_json_mountpoints(f, m);
	fputs(",\"fstype\":", f);
	fwb_json_str(f, m->fstype);
	fputs(",\"source\":", f);
	fwb_json_str(f, m->source);
	fprintf(f, ",\"connection\":%u,\"bdi\":", m->conn);
	fwb_json_str(f, m->bdi);
	fputs(",\"daemons\":[", f);
	for (int i = 0; i < m->ndaemons; i++) {
		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", m->daemons[i].tgid);
		fwb_json_str(f, m->daemons[i].comm);
		fprintf(f, ",\"state\":\"%c\"}", m->daemons[i].state);
	}
	/* an untracked mount's request stats, or all without a request source, are unknown: null, never 0 */
	fprintf(f, "],\"tracked\":%s,\"writeback\":{", m->ops_untracked ? "false" : "true");
	if (noreq) {
		fputs("\"writes\":null,\"bytes\":null,\"pages\":null,\"errors\":null,"
		      "\"inflight_pages\":null,\"latency_us\":null", f);
	} else {
		fprintf(f, "\"writes\":%llu,\"bytes\":%llu,\"pages\":%llu,\"errors\":%llu,"
			"\"inflight_pages\":%lld,\"latency_us\":",
			(unsigned long long)m->wb_writes, (unsigned long long)m->wb_bytes,
			(unsigned long long)m->wb_pages, (unsigned long long)m->wb_errors,
			(long long)(m->wb_inflight_pages > 0 ? m->wb_inflight_pages : 0));
		json_latency(f, &m->wb_lat);
	}
	json_split(f, m->split_have && !m->ops_untracked, &m->wb_split);
	json_kwb(f, m);
	fputs("},\"redirty\":", f);
	json_waits(f, m->kwb_have & FWB_KWB_REDIRTY, m->redirty_waits, m->redirty_wait_ns,
		   (int64_t)m->redirty_wait_max_ns);
	fputs(",\"nowrite\":", f);
	json_waits(f, m->kwb_have & FWB_KWB_NOWRITE, m->nowrite_waits, m->nowrite_wait_ns,
		   (int64_t)m->nowrite_wait_max_ns);
	fputs(",\"dirty\":{", f);
	json_num_or_null(f, "pages", m->bdi_dirty_pages, true);
	json_num_or_null(f, "writeback_pages", m->bdi_writeback_pages, true);
	json_num_or_null(f, "limit_pages", m->bdi_thresh_pages, true);
	json_num_or_null(f, "peak_pages", m->peak_dirty_pages, true);
	json_num_or_null(f, "peak_limit_pages", m->peak_limit_pages, true);
	json_num_or_null(f, "max_ratio", m->max_ratio, true);
	json_num_or_null(f, "min_ratio", m->min_ratio, true);
	json_num_or_null(f, "strict_limit", m->strict_limit, true);
	json_num_or_null(f, "max_bytes", m->max_bytes, true);
	json_num_or_null(f, "max_ratio_fine", m->max_ratio_fine, true);
	json_num_or_null(f, "cap_pages", m->cap_pages, true);
	fputs("\"limit_by\":", f);
	if (fwb_limit_by_str(m))
		fwb_json_str(f, fwb_limit_by_str(m));
	else
		fputs("null", f);
	fputc(',', f);
	if (m->throttle_have)
		fprintf(f, "\"throttle_count\":%llu,\"throttle_ms\":%.3f},",
			(unsigned long long)m->throttle_count, m->throttle_ns / 1e6);
	else
		fputs("\"throttle_count\":null,\"throttle_ms\":null},", f);
	if (m->req_unknown)
		fputs("\"pending\":{\"count\":null,\"oldest_ms\":null,\"oldest_lower_bound\":null,", f);
	else
		fprintf(f, "\"pending\":{\"count\":%llu,\"oldest_ms\":%.3f,\"oldest_lower_bound\":%s,",
			(unsigned long long)m->pending_count, m->pending_oldest_ns / 1e6,
			m->pending_oldest_min ? "true" : "false");
	json_num_or_null(f, "in_service", m->split_have && !m->req_unknown ? (long long)m->pending_in_service : -1,
			 true);
	json_num_or_null(f, "waiting", m->waiting, true);
	json_num_or_null(f, "max_background", m->max_background, true);
	fputs(m->req_unknown ? "\"requests\":null" : "\"requests\":[", f);
	for (int i = 0; !m->req_unknown && i < m->npending; i++) {
		const struct fwb_pending_req *p = &m->pending[i];

		fprintf(f, "%s{\"opcode\":", i ? "," : "");
		fwb_json_str(f, fwb_opcode_name(p->opcode));
		fprintf(f, ",\"age_ms\":%.3f,\"age_lower_bound\":%s,\"queued\":%s,\"pid\":%u,"
			"\"nodeid\":%llu,\"pages\":%u,\"in_service\":%s", p->age_ns / 1e6,
			p->age_min ? "true" : "false", p->queued ? "true" : "false", p->pid,
			(unsigned long long)p->nodeid, p->pages,
			p->in_service < 0 ? "null" : p->in_service ? "true" : "false");
		if (p->in_service > 0)
			fprintf(f, ",\"service_ms\":%.3f}", p->service_ns / 1e6);
		else
			fputs(",\"service_ms\":null}", f);
	}
	fputs(m->req_unknown ? "}," : "]},", f);
	fputs(noreq ? "\"ops\":null" : "\"ops\":[", f);
	for (int i = 0; !noreq && i < m->nops; i++) {
		const struct fwb_op *o = &m->ops[i];

		fprintf(f, "%s{\"opcode\":", i ? "," : "");
		fwb_json_str(f, fwb_opcode_name(o->opcode));
		fprintf(f, ",\"count\":%llu,\"errors\":%llu,\"bytes\":%llu,\"latency_us\":",
			(unsigned long long)o->count, (unsigned long long)o->errors,
			(unsigned long long)o->bytes);
		json_latency(f, &o->lat);
		json_split(f, m->split_have, &o->split);
		fputc('}', f);
	}
	fputs(noreq ? ",\"tasks\":[" : "],\"tasks\":[", f);
	for (int i = 0; i < m->ntasks; i++) {
		const struct fwb_task *t = &m->tasks[i];

		fprintf(f, "%s{\"pid\":%u,\"comm\":", i ? "," : "", t->tgid);
		fwb_json_str(f, t->comm);
		fprintf(f, ",\"dirtied\":%llu,\"wbwaits\":%llu,\"redirty\":",
			(unsigned long long)t->dirtied, (unsigned long long)t->wbwaits);
		json_waits(f, m->kwb_have & FWB_KWB_REDIRTY, t->redirty_waits, t->redirty_wait_ns, -1);
		fputs(",\"nowrite\":", f);
		json_waits(f, m->kwb_have & FWB_KWB_NOWRITE, t->nowrite_waits, t->nowrite_wait_ns, -1);
		fputc('}', f);
	}
	fputs("]}", f);
}

void fwb_stat_json(FILE *f, const struct fwb_snapshot *d, double interval_s)
{
	fprintf(f, "{\"time\":%.3f,\"interval_s\":%.3f,", d->wall, interval_s);
	/* nr_writeback_temp is gone from 6.16 on (FUSE no longer copies pages): null there */
	fputs("\"vm\":{", f);
	json_num_or_null(f, "nr_dirty", d->vm.nr_dirty, true);
	json_num_or_null(f, "nr_writeback", d->vm.nr_writeback, true);
	json_num_or_null(f, "nr_writeback_temp", d->vm.nr_writeback_temp, true);
	json_num_or_null(f, "dirty_threshold", d->vm.dirty_threshold, false);
	fputs("},", f);
	fprintf(f, "\"drops\":{\"pending_full\":%llu,\"unmatched_end\":%llu,\"opstats_full\":%llu,"
		"\"taskstats_full\":%llu,\"bdistats_full\":%llu,\"temp_requests_full\":%llu,"
		"\"temp_unmatched_end\":%llu,\"temp_connections_full\":%llu},\"mounts\":[",
		(unsigned long long)d->drops.pending_full, (unsigned long long)d->drops.unmatched_end,
		(unsigned long long)d->drops.opstats_full, (unsigned long long)d->drops.taskstats_full,
		(unsigned long long)d->drops.bdistats_full, (unsigned long long)d->drops.wbreqs_full,
		(unsigned long long)d->drops.wbreq_unmatched, (unsigned long long)d->drops.kwbstats_full);
	for (int i = 0; i < d->nmounts; i++) {
		if (i)
			fputc(',', f);
		json_mount(f, &d->mounts[i]);
	}
	fputs("]}\n", f);
	fflush(f);
}
