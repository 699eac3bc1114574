// SPDX-License-Identifier: GPL-2.0-only
/* fusewb diagnose --json: one object per run (documented in doc/diagnose.md). */
#include <string.h>
#include "json.h"

static const char *const queue_names[FWB_DIAGQ_NR] = {
	[FWB_DIAGQ_PENDING] = "pending",
	[FWB_DIAGQ_PROCESSING] = "processing",
	[FWB_DIAGQ_IO] = "io",
	[FWB_DIAGQ_BACKGROUND] = "background",
};

static void num_or_null(FILE *f, const char *key, long long v)
{
	if (v < 0)
		fprintf(f, "\"%s\":null", key);
	else
		fprintf(f, "\"%s\":%lld", key, v);
}

static void stack(FILE *f, const struct fwb_ksyms *k, const uint64_t *addrs, int n)
{
	fputs("\"stack\":[", f);
	for (int i = 0; i < n && i < FWB_DIAG_STACK_DEPTH; i++) {
		const char *s = fwb_ksym_name(k, addrs[i]);
		char hex[24];

		if (!s) {
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)addrs[i]);
			s = hex;
		}
		if (i)
			fputc(',', f);
		fwb_json_str(f, s);
	}
	fputc(']', f);
}

static void blocked(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_report *r,
		    const struct fwb_diag_blocked *b)
{
	fprintf(f, "{\"pid\":%u,\"tgid\":%u,\"comm\":", b->pid, b->tgid);
	fwb_json_str(f, b->comm);
	fprintf(f, ",\"state\":\"%c\",\"wait\":\"%s\",\"where\":", b->state, fwb_wait_name(b->wait));
	fwb_json_str(f, b->where);
	fputs(",\"via\":", f);
	fwb_json_str(f, b->via);
	fprintf(f, ",\"offcpu_ms\":%.1f,", b->offcpu_ns / 1e6);
	if (r && b->req >= 0 && b->req < r->nreqs)
		fprintf(f, "\"request\":{\"unique\":%llu,\"opcode\":\"%s\"},",
			(unsigned long long)r->reqs[b->req].unique, fwb_opcode_name(r->reqs[b->req].opcode));
	else
		fputs("\"request\":null,", f);
	fprintf(f, "\"open_files\":%d,\"dirtied\":%llu,\"wbwaits\":%llu,", b->nfiles,
		(unsigned long long)b->dirtied, (unsigned long long)b->wbwaits);
	stack(f, set->ksyms, b->stack, b->nframes);
	fputc('}', f);
}

/* what a longer-running fusewb saw (fwb_diag_history), or null */
static void print_history(FILE *f, const struct fwb_diag_history *h)
{
	if (!h->have) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"pid\":%u,\"command\":", h->pid);
	fwb_json_str(f, h->comm);
	fprintf(f, ",\"since_s\":%.1f,\"answers\":%llu,\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f},"
		"\"writeback\":{\"writes\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f},"
		"\"pending\":%llu,\"oldest_ms\":%.1f}",
		h->since_s, (unsigned long long)h->answers, fwb_hist_quantile(&h->lat, 0.5) / 1e3,
		fwb_hist_quantile(&h->lat, 0.99) / 1e3, (unsigned long long)h->wb_writes,
		fwb_hist_quantile(&h->wb_lat, 0.5) / 1e3, fwb_hist_quantile(&h->wb_lat, 0.99) / 1e3,
		(unsigned long long)h->pending, h->oldest_ns / 1e6);
}

static void ms_or_null(FILE *f, const char *key, int64_t ns)
{
	if (ns < 0)
		fprintf(f, "\"%s\":null", key);
	else
		fprintf(f, "\"%s\":%.1f", key, ns / 1e6);
}

/* the daemon's transport: the processes at the other end of its waits, and remote TCP peers */
static void transport(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_transport *t)
{
	if (!t->read) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"io_waiters\":%d,\"io_thread\":%u,\"io_where\":", t->io_waiters, t->io_tid);
	fwb_json_str(f, t->io_where);
	fprintf(f, ",\"heuristic\":%s,\"path\":[", t->heuristic ? "true" : "false");
	for (int i = 1; i < t->nprocs; i++) {
		const struct fwb_diag_hop *h = &t->procs[i];

		fprintf(f, "%s{\"pid\":%u,\"comm\":", i > 1 ? "," : "", h->tgid);
		fwb_json_str(f, h->comm);
		fprintf(f, ",\"hop\":%d,\"from\":%u,\"from_fd\":%u,\"fd\":%u,\"via\":", h->hop, h->from,
			h->from_fd, h->fd);
		fwb_json_str(f, h->via);
		fprintf(f, ",\"exact\":%s,\"state\":\"%c\",\"tracer\":%u,\"blocked_thread\":%u,"
			"\"wait_connection\":%u,\"where\":", h->exact ? "true" : "false", h->state, h->tracer,
			h->tid, h->wait_conn);
		fwb_json_str(f, h->where);
		fprintf(f, ",\"offcpu_ms\":%.1f,", h->offcpu_ns / 1e6);
		stack(f, set->ksyms, h->stack, h->tid ? h->nframes : 0);
		fputc('}', f);
	}
	fputs("],\"remote\":[", f);
	for (int i = 0; i < t->nremotes; i++) {
		const struct fwb_diag_remote *o = &t->remotes[i];

		fprintf(f, "%s{\"pid\":%u,\"comm\":", i ? "," : "", o->tgid);
		fwb_json_str(f, o->comm);
		fprintf(f, ",\"fd\":%u,\"hop\":%d,\"exact\":%s,\"local\":", o->fd, o->hop,
			o->exact ? "true" : "false");
		fwb_json_str(f, o->local);
		fputs(",\"peer\":", f);
		fwb_json_str(f, o->peer);
		fputs(",\"address\":", f);
		fwb_json_str(f, o->addr);
		fprintf(f, ",\"tcp_state\":%u,\"unacked_bytes\":%u,\"unread_bytes\":%u,\"packets_out\":%u,"
			"\"retrans_out\":%u,\"retransmits\":%u,\"total_retrans\":%u,", o->state, o->unacked,
			o->rcvq, o->packets_out, o->retrans_out, o->retransmits, o->total_retrans);
		ms_or_null(f, "since_ack_ms", o->since_ack_ns);
		fputc(',', f);
		ms_or_null(f, "since_send_ms", o->since_send_ns);
		fputc('}', f);
	}
	fputs("]}", f);
}

static void report(FILE *f, const struct fwb_diag_set *set, const struct fwb_diag_report *r)
{
	const struct fwb_diag_facts *x = &r->facts;

	fprintf(f, "{\"connection\":%u,\"mountpoint\":", r->m.conn);
	fwb_json_str(f, r->m.mountpoint);
	fputs(",\"mountpoints\":", f);
	fwb_json_mountpoints(f, &r->m);
	fputs(",\"fstype\":", f);
	fwb_json_str(f, r->m.fstype);
	fputs(",\"source\":", f);
	fwb_json_str(f, r->m.source);
	fputs(",\"bdi\":", f);
	fwb_json_str(f, r->m.bdi);
	fprintf(f, ",\"verdict\":\"%s\",\"hung\":%s,\"title\":", fwb_verdict_name(r->d.verdict),
		fwb_verdict_is_hang(r->d.verdict) ? "true" : "false");
	fwb_json_str(f, fwb_verdict_title(r->d.verdict));
	fputs(",\"why\":", f);
	fwb_json_str(f, r->d.why);
	fputs(",\"remedies\":[", f);
	for (int i = 0; i < r->nremedies; i++) {
		fputs(i ? ",{\"command\":" : "{\"command\":", f);
		if (r->remedies[i].cmd[0])
			fwb_json_str(f, r->remedies[i].cmd);
		else
			fputs("null", f);
		fputs(",\"note\":", f);
		fwb_json_str(f, r->remedies[i].note);
		fputc('}', f);
	}
	fprintf(f, "],\"connected\":%s,", !r->have_kernel ? "null" : r->kc.connected ? "true" : "false");
	num_or_null(f, "waiting", r->m.waiting);
	fputs(",\"daemons\":[", f);
	for (int i = 0; i < r->ndaemons; i++) {
		const struct fwb_diag_daemon *d = &r->daemons[i];

		fprintf(f, "%s{\"pid\":%u,\"comm\":", i ? "," : "", d->tgid);
		fwb_json_str(f, d->comm);
		fprintf(f, ",\"tracer\":%u,\"threads\":[", d->tracer);
		for (int j = 0; j < d->nthreads; j++) {
			const struct fwb_diag_thread *t = &d->threads[j];

			fprintf(f, "%s{\"tid\":%u,\"comm\":", j ? "," : "", t->tid);
			fwb_json_str(f, t->comm);
			fprintf(f, ",\"state\":\"%c\",\"wait\":\"%s\",\"where\":", t->state, fwb_wait_name(t->wait));
			fwb_json_str(f, t->where);
			fprintf(f, ",\"wait_connection\":%u,\"offcpu_ms\":%.1f,", t->wait_conn, t->offcpu_ns / 1e6);
			stack(f, set->ksyms, t->stack, t->nframes);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fprintf(f, "],\"requests\":{\"count\":%u,\"listed\":%d,\"truncated\":%s,\"writes\":",
		x->nreqs, r->nreqs, r->truncated ? "true" : "false");
	if (r->have_kernel)
		fprintf(f, "%u", r->kc.nwrites);
	else
		fputs("null", f);
	fputs(",\"by_queue\":{", f);
	for (int q = 0; q < FWB_DIAGQ_NR; q++)
		fprintf(f, "%s\"%s\":%u", q ? "," : "", queue_names[q], x->nq[q]);
	fputs("},\"oldest_ms\":", f);
	if (x->nreqs && x->oldest_known)
		fprintf(f, "%.1f", x->oldest_ns / 1e6);
	else
		fputs("null", f);
	fprintf(f, ",\"oldest_min_ms\":%.1f,\"persisted\":%u,\"list\":[", x->oldest_ns / 1e6, x->persisted);
	for (int i = 0; i < r->nreqs; i++) {
		const struct fwb_diag_request *q = &r->reqs[i];

		fprintf(f, "%s{\"unique\":%llu,\"opcode\":\"%s\",\"nodeid\":%llu,\"pid\":%u,\"comm\":",
			i ? "," : "", (unsigned long long)q->unique, fwb_opcode_name(q->opcode),
			(unsigned long long)q->nodeid, q->pid);
		fwb_json_str(f, q->comm);
		fprintf(f, ",\"queue\":\"%s\",\"writeback\":%s,\"bytes\":%u,\"age_ms\":",
			queue_names[q->queue < FWB_DIAGQ_NR ? q->queue : 0], q->writeback ? "true" : "false",
			q->bytes);
		if (q->age_source != FWB_AGE_UNKNOWN)
			fprintf(f, "%.1f", q->age_ns / 1e6);
		else
			fputs("null", f);
		fprintf(f, ",\"age_min_ms\":%.1f,\"age_source\":\"%s\",\"persisted\":%s}",
			q->age_min_ns / 1e6, fwb_age_source_name(q->age_source), q->persisted ? "true" : "false");
	}
	fputs("]},\"blocked\":[", f);
	for (int i = 0; i < r->nblocked; i++) {
		if (i)
			fputc(',', f);
		blocked(f, set, r, &r->blocked[i]);
	}
	fputs("],\"background\":", f);
	if (r->have_kernel)
		fprintf(f, "{\"num\":%u,\"active\":%u,\"max\":%u,\"congestion_threshold\":%u,"
			"\"blocked\":%s,\"queued\":%u}", r->kc.num_background, r->kc.active_background,
			r->kc.max_background, r->kc.congestion_threshold, r->kc.blocked ? "true" : "false",
			r->kc.nq[FWB_DIAGQ_BACKGROUND]);
	else
		fputs("null", f);
	fputs(",\"dirty\":{", f);
	num_or_null(f, "pages", r->m.bdi_dirty_pages);
	fputc(',', f);
	num_or_null(f, "writeback_pages", r->m.bdi_writeback_pages);
	fputc(',', f);
	num_or_null(f, "limit_pages", r->m.bdi_thresh_pages);
	fprintf(f, "},\"answers\":{\"count\":%llu,\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
		"\"slowest\":", (unsigned long long)x->completed, x->lat_p50_ns / 1e3, x->lat_p99_ns / 1e3,
		x->lat_max_ns / 1e3);
	if (r->slowest_lat.count)
		fprintf(f, "{\"opcode\":\"%s\",\"count\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f}",
			fwb_opcode_name(r->slowest_op), (unsigned long long)r->slowest_count,
			fwb_hist_quantile(&r->slowest_lat, 0.5) / 1e3, fwb_hist_quantile(&r->slowest_lat, 0.99) / 1e3);
	else
		fputs("null", f);
	fputs("},\"history\":", f);
	print_history(f, &r->history);
	fputs(",\"transport\":", f);
	transport(f, set, &r->tr);
	fputc('}', f);
}

void fwb_diag_json(FILE *f, const struct fwb_diag_set *set, const char *const *sources)
{
	fprintf(f, "{\"time\":%.3f,\"window_s\":%.3f,\"ages_from\":\"%s\",\"sources\":[", set->wall,
		set->window_ns / 1e9, set->create_time ? "create_time" : "collector");
	for (int i = 0; sources && sources[i]; i++) {
		if (i)
			fputc(',', f);
		fwb_json_str(f, sources[i]);
	}
	fputs("],\"connections\":[", f);
	for (int i = 0; i < set->n; i++) {
		if (i)
			fputc(',', f);
		report(f, set, &set->r[i]);
	}
	fputs("],\"unattributed\":[", f);
	for (int i = 0; i < set->nloose; i++) {
		if (i)
			fputc(',', f);
		blocked(f, set, NULL, &set->loose[i]);
	}
	fprintf(f, "],\"unattributed_left_out\":%d}\n", set->nloose_hidden);
	fflush(f);
}
