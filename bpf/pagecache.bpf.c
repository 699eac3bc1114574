// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-cache events on FUSE mappings, on every kernel:
 *   tp_btf      writeback_dirty_folio, folio_wait_writeback (5.17 and
 *               later), or their page-named twins before the folio
 *               conversion: per-task counts in task_stats, and the first
 *               dirtied folio of a mount teaches the throttle its bdi
 *   tracepoint  balance_dirty_pages: throttle pauses and dirty levels per bdi
 *   syscall     bdi_peaks_take: each bdi's peak of the interval, taken
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm-generic/errno-base.h>
#include "fusewb.h"
#include "maps.bpf.h"
#include "conn.bpf.h"
#include "task.bpf.h"

/* Filled by user space with the bdi names of FUSE mounts: bdi name -> conn. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_BDIS);
	__type(key, struct fwb_bdi_key);
	__type(value, __u32);
} fuse_bdis SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_BDIS);
	__type(key, __u32);
	__type(value, struct fwb_bdi_stats);
} bdi_stats SEC(".maps");

/*
 * Connections whose bdi name is in fuse_bdis, by connection number: the
 * first folio dirtied on a FUSE mount names its bdi to the throttle program,
 * so its pauses count from the first one however rarely user space reads
 * (the exporter reads only when scraped).  Dirtying always comes before
 * balance_dirty_pages.  One load a dirtied folio once learned; user space
 * drops gone mounts' names and clears their slots.
 */
__u32 bdi_learned[FWB_MAX_BDIS];
_Static_assert(!(FWB_MAX_BDIS & (FWB_MAX_BDIS - 1)), "bdi_learned is indexed by a mask");

static __always_inline void learn_bdi(struct address_space *mapping, __u32 conn)
{
	__u32 i = conn & (FWB_MAX_BDIS - 1);
	struct fwb_bdi_key k = {};

	if (bdi_learned[i] == conn)
		return;
	bpf_probe_read_kernel_str(k.name, sizeof(k.name), mapping->host->i_sb->s_bdi->dev_name);
	/* a full map is tried again by the next folio: a gone mount's name may have left */
	if (bpf_map_update_elem(&fuse_bdis, &k, &conn, BPF_ANY))
		__sync_fetch_and_add(&drops.bdistats_full, 1);
	else
		bdi_learned[i] = conn;
}

/* a task dirtied, or waits on writeback of, a page of mapping */
static __always_inline void count_mapping(struct address_space *mapping, __u32 kind)
{
	__u32 conn = fuse_conn_of(mapping);

	if (!conn)
		return;
	if (kind == FWB_TASK_DIRTY)
		learn_bdi(mapping, conn);
	count_task(conn, kind, 0);
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio, struct folio *folio, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_DIRTY);
	return 0;
}

SEC("tp_btf/folio_wait_writeback")
int BPF_PROG(folio_wait_writeback, struct folio *folio, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_WBWAIT);
	return 0;
}

/* Before the folio conversion (5.17) the same two tracepoints took a page. */
SEC("tp_btf/writeback_dirty_page")
int BPF_PROG(writeback_dirty_page, struct page *page, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_DIRTY);
	return 0;
}

SEC("tp_btf/wait_on_page_writeback")
int BPF_PROG(wait_on_page_writeback, struct page *page, struct address_space *mapping)
{
	count_mapping(mapping, FWB_TASK_WBWAIT);
	return 0;
}

/*
 * The most dirty pages of an interval, with the bdi's limit at that event.
 * The record has no wb_thresh, only wb_setpoint = setpoint * wb_thresh /
 * (thresh + 1) (6.12 and 6.18 alike), and limit, which is thresh once the
 * domain's limit has caught up with it (6.18: max(thresh, dirty_limit)):
 * wb_setpoint * (limit + 1) / setpoint is then BdiDirtyThresh, within a
 * page of rounding, and no lower than it while the limit lags a falling
 * thresh (the percentage errs low, never high).
 */
static __always_inline void store_peak(struct fwb_bdi_stats *s, __u64 dirty, __u64 wb_setpoint,
				       __u64 limit, __u64 setpoint)
{
	__u64 lim = 0;

	if (setpoint)
		lim = wb_setpoint * (limit + 1) / setpoint;
	if (dirty > 0xffffffffULL)
		dirty = 0xffffffffULL;
	if (lim > 0xffffffffULL)
		lim = 0xffffffffULL;
	store_max(&s->peak, dirty << 32 | lim);
}

/*
 * The classic tracepoint, not tp_btf: its arguments changed between 6.12
 * and 6.18; of the format struct's fields only two were renamed.
 */
SEC("tracepoint/writeback/balance_dirty_pages")
int balance_dirty_pages(struct trace_event_raw_balance_dirty_pages *ctx)
{
	struct fwb_bdi_key name = {};
	struct fwb_bdi_stats *s, init = {};
	__u64 limit, wb_dirty, wb_setpoint;
	__u32 *conn;
	long pause;

	bpf_probe_read_kernel_str(name.name, sizeof(name.name), ctx->bdi);
	conn = bpf_map_lookup_elem(&fuse_bdis, &name);
	if (!conn)
		return 0;
	s = bpf_map_lookup_elem(&bdi_stats, conn);
	if (!s) {
		if (bpf_map_update_elem(&bdi_stats, conn, &init, BPF_NOEXIST) == -E2BIG)
			__sync_fetch_and_add(&drops.bdistats_full, 1);
		s = bpf_map_lookup_elem(&bdi_stats, conn);
		if (!s)
			return 0;
	}
	/*
	 * The record's pause is in milliseconds already (the kernel stores
	 * pause * 1000 / HZ).  A call that does not sleep records
	 * min(pause, 0): only pause > 0 is a pause.
	 */
	pause = BPF_CORE_READ(ctx, pause);
	if (pause > 0) {
		__sync_fetch_and_add(&s->throttle_count, 1);
		__sync_fetch_and_add(&s->throttle_ns, (__u64)pause * 1000000ULL);
	}
	s->last_ns = bpf_ktime_get_ns();
	s->dirty = BPF_CORE_READ(ctx, dirty);
	/* locals: another CPU may store its event's fields meanwhile */
	limit = BPF_CORE_READ(ctx, limit);
	if (bpf_core_field_exists(((struct trace_event_raw_balance_dirty_pages___new *)ctx)->wb_dirty)) {
		struct trace_event_raw_balance_dirty_pages___new *cur = (void *)ctx;

		wb_dirty = BPF_CORE_READ(cur, wb_dirty);
		wb_setpoint = BPF_CORE_READ(cur, wb_setpoint);
	} else {
		struct trace_event_raw_balance_dirty_pages___old *old = (void *)ctx;

		wb_dirty = BPF_CORE_READ(old, bdi_dirty);
		wb_setpoint = BPF_CORE_READ(old, bdi_setpoint);
	}
	s->limit = limit;
	s->wb_dirty = wb_dirty;
	s->wb_setpoint = wb_setpoint;
	store_peak(s, wb_dirty, wb_setpoint, limit, BPF_CORE_READ(ctx, setpoint));
	return 0;
}

/*
 * The peaks are taken, not read: one BPF_PROG_RUN per snapshot (not per
 * mount) exchanges every bdi's peak for 0.  The exchange is atomic against
 * store_peak's compare-and-swap, so an event lands in exactly one interval;
 * a read followed by a reset from user space would lose the events between
 * the two.  A monotonic figure cannot serve: a maximum has no delta.
 * Every entry's peak_taken is rewritten each time, so the batch read that
 * follows sees only this interval's.
 */
static long take_peak(struct bpf_map *map, __u32 *conn, struct fwb_bdi_stats *s, void *ctx)
{
	s->peak_taken = __sync_lock_test_and_set(&s->peak, 0);
	return 0;
}

SEC("syscall")
int bdi_peaks_take(void *ctx)
{
	bpf_for_each_map_elem(&bdi_stats, take_peak, NULL, 0);
	return 0;
}
