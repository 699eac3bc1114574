// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel writeback: temp pages in flight, WRITE latency, requests released
 * unsent, re-dirty waits and whole-inode waits.
 *
 * Before 6.16 the kernel copies every page it writes back to a FUSE server
 * into a temporary page (NR_WRITEBACK_TEMP), freed when the WRITE completes.
 * A patched kernel (kernel/patches, series v2) has tracepoints where a temp
 * page is filled (fuse_writepage_tmp_alloc), where the WRITE completes
 * (fuse_writepage_end), where every request is released
 * (fuse_writepage_free), and around a task's waits for a page's writeback
 * before dirtying it again (fuse_wait_writeback_begin/end) and for all of an
 * inode's WRITEs (fuse_set_nowrite_begin/end).  They carry no ids and no
 * times: requests pair by their struct fuse_writepage_args, waits by thread,
 * and the clock is ours.  Without them the same places are reached with
 * fentry/fexit or kprobe/kretprobe on the functions they sit in; user space
 * loads one set (cli/lib/sources.c).  All sets feed the same maps.
 *
 * A request is tracked from its first temp page (the one clock read of its
 * pages) to its release, timed to its completion.  The release closes every
 * entry, completed or not: a request freed without completing (merged into
 * a queued one, truncated off, dropped on an abort) is an orphan at once.
 * Where the release cannot be attached (kwb_closing 0) a completion deletes
 * its entry, orphans are never seen to end, and user space shows temp pages
 * in flight as unknown rather than guess.
 *
 * The three flavours, each a set of programs user space loads one of:
 *   tp_btf         kwb_tp_*: the patched kernel's tracepoints
 *   fentry/fexit   kwb_fe_*: fuse_writepage_args_page_fill (6.10 to 6.15)
 *                  or fuse_writepages_fill (6.1 to 6.9), fuse_writepage_end,
 *                  fuse_writepage_free, fuse_wait_on_page_writeback,
 *                  fuse_set_nowrite
 *   kprobe         kwb_kp_*: the same functions, where fentry is refused
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm-generic/errno-base.h>
#include "fusewb.h"
#include "bits.bpf.h"
#include "conn.bpf.h"
#include "task.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWB_MAX_WBREQS);
	__type(key, __u64);
	__type(value, struct fwb_wbreq);
} wb_reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FWB_MAX_CONNS);
	__type(key, __u32);
	__type(value, struct fwb_kwb_stats);
} kwb_stats SEC(".maps");

/* LRU: a thread that never returns (killed in the wait) must not hold a slot forever */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWB_MAX_WAITERS);
	__type(key, __u64);
	__type(value, struct fwb_waiter);
} waiters SEC(".maps");

/* set by user space once the release source is attached: completions then leave entries to it */
__u32 kwb_closing;

static const struct fwb_kwb_stats zero_kwb;

static __always_inline struct fwb_kwb_stats *kwb_entry(__u32 conn)
{
	struct fwb_kwb_stats *s;

	s = bpf_map_lookup_elem(&kwb_stats, &conn);
	if (s)
		return s;
	/* -EEXIST: another CPU created it meanwhile; -E2BIG: no room, and never silently */
	if (bpf_map_update_elem(&kwb_stats, &conn, &zero_kwb, BPF_NOEXIST) == -E2BIG) {
		__sync_fetch_and_add(&drops.kwbstats_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&kwb_stats, &conn);
}

/* a request released without completing: its pages leave the count as orphans */
static __always_inline void kwb_orphan(const struct fwb_wbreq *r)
{
	struct fwb_kwb_stats *s = kwb_entry(r->conn);

	if (!s)
		return;
	s->tmp_orphan_pages += r->pages;
	s->orphans++;
}

/* A temp page was filled: page_index 0 starts a request, the only clock read of its pages. */
static __always_inline void kwb_tmp_alloc(__u64 wpa, __u32 page_index)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_wbreq nr = {};
	struct fwb_kwb_stats *s;
	__u32 conn;

	if (page_index == 0) {
		/* a request lived here and was freed unseen (no release source) */
		if (r && !r->ended)
			kwb_orphan(r);
		conn = wpa_conn(wpa);
		nr.start_ns = bpf_ktime_get_ns();
		nr.conn = conn;
		nr.pages = 1;
		if (bpf_map_update_elem(&wb_reqs, &wpa, &nr, BPF_ANY)) {
			__sync_fetch_and_add(&drops.wbreqs_full, 1);
			s = kwb_entry(conn);
			if (s)
				s->untracked++;
			return;
		}
	} else {
		/* its first page came before we attached, or the table was full */
		if (!r)
			return;
		__sync_fetch_and_add(&r->pages, 1);
		conn = r->conn;
	}
	s = kwb_entry(conn);
	if (s)
		s->tmp_alloc_pages++;
}

/* A temp-page WRITE completed (or failed): timed from its first temp page. */
static __always_inline void kwb_end(__u64 wpa, int error)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_kwb_stats *s;
	__u64 start_ns = 0, lat;
	__u32 conn, pages = 0;

	if (r && !r->ended) {
		conn = r->conn;
		pages = r->pages;
		start_ns = r->start_ns;
		if (kwb_closing)
			r->ended = 1;
		else
			bpf_map_delete_elem(&wb_reqs, &wpa);
	} else {
		__sync_fetch_and_add(&drops.wbreq_unmatched, 1);
		conn = wpa_conn(wpa);
	}
	s = kwb_entry(conn);
	if (!s)
		return;
	s->tmp_end_pages += pages;
	s->ends++;
	if (error)
		s->errors++;
	if (!start_ns)
		return;
	lat = bpf_ktime_get_ns() - start_ns;
	if ((__s64)lat < 0)
		return;
	s->timed++;
	s->lat_sum_ns += lat;
	if (lat > s->lat_max_ns)
		s->lat_max_ns = lat;
	s->hist[hist_slot(lat)]++;
}

/* Every request's release, completed or not: the entry's end. */
static __always_inline void kwb_free(__u64 wpa)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_kwb_stats *s;

	if (!r)
		return;
	s = kwb_entry(r->conn);
	if (s)
		s->closed++;
	if (!r->ended)
		kwb_orphan(r);
	bpf_map_delete_elem(&wb_reqs, &wpa);
}

/* A task waited wait_ns: kind FWB_TASK_REDIRTY (a page) or FWB_TASK_NOWRITE (the inode). */
static __always_inline void kwb_task_wait(__u32 conn, __u32 kind, __u64 wait_ns)
{
	struct fwb_kwb_stats *s = kwb_entry(conn);

	if (s && kind == FWB_TASK_REDIRTY) {
		s->redirty_waits++;
		s->redirty_wait_ns += wait_ns;
		if (wait_ns > s->redirty_wait_max_ns)
			s->redirty_wait_max_ns = wait_ns;
	} else if (s) {
		s->nowrite_waits++;
		s->nowrite_wait_ns += wait_ns;
		if (wait_ns > s->nowrite_wait_max_ns)
			s->nowrite_wait_max_ns = wait_ns;
	}
	count_task(conn, kind, wait_ns);
}

static __always_inline __u64 current_nvcsw(void)
{
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nvcsw);
}

/* A wait begins: flag FWB_WAITER_NOWRITE for the inode wait, 0 for a page's. */
static __always_inline void waiter_enter(__u32 conn, __u64 flag)
{
	__u64 tid = bpf_get_current_pid_tgid() | flag;
	struct fwb_waiter w = {
		.start_ns = bpf_ktime_get_ns(),
		.nvcsw = flag ? 0 : current_nvcsw(),
		.conn = conn,
	};

	bpf_map_update_elem(&waiters, &tid, &w, BPF_ANY);
}

/*
 * The wait ends.  slept_only: count it only if the thread slept (the page
 * fallbacks: most calls find the page clean and return at once); the
 * tracepoints fire around real waits only, fuse_set_nowrite is one always.
 */
static __always_inline void waiter_exit(__u64 flag, bool slept_only)
{
	__u64 tid = bpf_get_current_pid_tgid() | flag;
	struct fwb_waiter *w = bpf_map_lookup_elem(&waiters, &tid);
	__u64 now;

	if (!w)
		return;
	now = bpf_ktime_get_ns();
	if (!slept_only || current_nvcsw() != w->nvcsw)
		kwb_task_wait(w->conn, flag ? FWB_TASK_NOWRITE : FWB_TASK_REDIRTY, now - w->start_ns);
	bpf_map_delete_elem(&waiters, &tid);
}

static __always_inline __u32 inode_conn(const struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

/* patched kernel: tracepoints; no ids or times from the kernel, pairs by pointer or task */
SEC("tp_btf/fuse_writepage_tmp_alloc")
int BPF_PROG(kwb_tp_tmp_alloc, const struct fuse_writepage_args *wpa, const struct folio *folio,
	     unsigned int page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index);
	return 0;
}

SEC("tp_btf/fuse_writepage_end")
int BPF_PROG(kwb_tp_end, const struct fuse_writepage_args *wpa, int error)
{
	kwb_end((__u64)wpa, error);
	return 0;
}

SEC("tp_btf/fuse_writepage_free")
int BPF_PROG(kwb_tp_free, const struct fuse_writepage_args *wpa)
{
	kwb_free((__u64)wpa);
	return 0;
}

SEC("tp_btf/fuse_wait_writeback_begin")
int BPF_PROG(kwb_tp_wait_begin, const struct inode *inode, unsigned long index)
{
	waiter_enter(inode_conn(inode), 0);
	return 0;
}

SEC("tp_btf/fuse_wait_writeback_end")
int BPF_PROG(kwb_tp_wait_end, const struct inode *inode, unsigned long index)
{
	waiter_exit(0, false);
	return 0;
}

SEC("tp_btf/fuse_set_nowrite_begin")
int BPF_PROG(kwb_tp_nowrite_begin, const struct inode *inode)
{
	waiter_enter(inode_conn(inode), FWB_WAITER_NOWRITE);
	return 0;
}

SEC("tp_btf/fuse_set_nowrite_end")
int BPF_PROG(kwb_tp_nowrite_end, const struct inode *inode)
{
	waiter_exit(FWB_WAITER_NOWRITE, false);
	return 0;
}

/* fallback: fentry/fexit on the functions (where the kernel allows them) */
static __always_inline __u64 wpa_of_args(__u64 args)
{
	return args - bpf_core_field_offset(struct fuse_writepage_args, ia.ap.args);
}

SEC("fentry/fuse_writepage_args_page_fill")
int BPF_PROG(kwb_fe_tmp_alloc, struct fuse_writepage_args *wpa, struct folio *folio,
	     struct folio *tmp_folio, __u32 page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index);
	return 0;
}

/*
 * Before fuse_writepage_args_page_fill (6.1 to 6.9) the page cache's
 * writeback fills each temp page in fuse_writepages_fill(page, wbc, data);
 * on return data->wpa is the request the page went into, as its last page.
 * NULL: the page joined a request already queued for it (a rewrite while
 * under writeback), which is not seen; nor is one-page writeback from reclaim
 * (fuse_writepage_locked): their completions count as untracked.
 */
static __always_inline void kwb_fill_done(void *data, int ret)
{
	struct fuse_writepage_args *wpa;
	__u32 n;

	if (ret)
		return;
	wpa = BPF_CORE_READ((struct fuse_fill_wb_data___fill *)data, wpa);
	if (!wpa)
		return;
	n = BPF_CORE_READ((struct fuse_args_pages___pages *)&wpa->ia.ap, num_pages);
	if (n)
		kwb_tmp_alloc((__u64)wpa, n - 1);
}

SEC("fexit/fuse_writepages_fill")
int BPF_PROG(kwb_fe_fill, void *page, void *wbc, void *data, int ret)
{
	kwb_fill_done(data, ret);
	return 0;
}

SEC("fentry/fuse_writepage_end")
int BPF_PROG(kwb_fe_end, struct fuse_mount *fm, struct fuse_args *args, int error)
{
	kwb_end(wpa_of_args((__u64)args), error);
	return 0;
}

SEC("fentry/fuse_writepage_free")
int BPF_PROG(kwb_fe_free, struct fuse_writepage_args *wpa)
{
	kwb_free((__u64)wpa);
	return 0;
}

/* fuse_set_nowrite(inode): every call is a wait for the inode's WRITEs in flight, if only a short one */
SEC("fentry/fuse_set_nowrite")
int BPF_PROG(kwb_fe_nowrite, struct inode *inode)
{
	waiter_enter(inode_conn(inode), FWB_WAITER_NOWRITE);
	return 0;
}

SEC("fexit/fuse_set_nowrite")
int BPF_PROG(kwb_fe_nowrite_ret, struct inode *inode)
{
	waiter_exit(FWB_WAITER_NOWRITE, false);
	return 0;
}

SEC("fentry/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait, struct inode *inode, unsigned long index)
{
	waiter_enter(inode_conn(inode), 0);
	return 0;
}

SEC("fexit/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait_ret, struct inode *inode, unsigned long index)
{
	waiter_exit(0, true);
	return 0;
}

/* fallback: kprobes */
SEC("kprobe/fuse_writepage_args_page_fill")
int BPF_KPROBE(kwb_kp_tmp_alloc, void *wpa, void *folio, void *tmp_folio, __u32 page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index);
	return 0;
}

SEC("kprobe/fuse_writepage_end")
int BPF_KPROBE(kwb_kp_end, void *fm, void *args, int error)
{
	kwb_end(wpa_of_args((__u64)args), error);
	return 0;
}

SEC("kprobe/fuse_writepage_free")
int BPF_KPROBE(kwb_kp_free, void *wpa)
{
	kwb_free((__u64)wpa);
	return 0;
}

SEC("kprobe/fuse_set_nowrite")
int BPF_KPROBE(kwb_kp_nowrite, struct inode *inode)
{
	waiter_enter(inode_conn(inode), FWB_WAITER_NOWRITE);
	return 0;
}

SEC("kretprobe/fuse_set_nowrite")
int BPF_KRETPROBE(kwb_kp_nowrite_ret)
{
	waiter_exit(FWB_WAITER_NOWRITE, false);
	return 0;
}

/* the kprobe twin of kwb_fe_fill: data kept per thread from entry to return */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWB_MAX_WAITERS);
	__type(key, __u64);
	__type(value, __u64);
} fill_data SEC(".maps");

SEC("kprobe/fuse_writepages_fill")
int BPF_KPROBE(kwb_kp_fill, void *page, void *wbc, void *data)
{
	__u64 tid = bpf_get_current_pid_tgid(), d = (__u64)data;

	bpf_map_update_elem(&fill_data, &tid, &d, BPF_ANY);
	return 0;
}

SEC("kretprobe/fuse_writepages_fill")
int BPF_KRETPROBE(kwb_kp_fill_ret, int ret)
{
	__u64 tid = bpf_get_current_pid_tgid(), *d = bpf_map_lookup_elem(&fill_data, &tid);

	if (!d)
		return 0;
	kwb_fill_done((void *)*d, ret);
	bpf_map_delete_elem(&fill_data, &tid);
	return 0;
}

SEC("kprobe/fuse_wait_on_page_writeback")
int BPF_KPROBE(kwb_kp_wait, struct inode *inode)
{
	waiter_enter(inode_conn(inode), 0);
	return 0;
}

SEC("kretprobe/fuse_wait_on_page_writeback")
int BPF_KRETPROBE(kwb_kp_wait_ret)
{
	waiter_exit(0, true);
	return 0;
}
