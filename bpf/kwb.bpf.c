// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel writeback: temp pages in flight, WRITE latency, re-dirty waits.
 *
 * Before 6.16 the kernel copies every page it writes back to a FUSE server
 * into a temporary page (NR_WRITEBACK_TEMP), freed when the WRITE completes.
 * A patched kernel (kernel/patches) has tracepoints where a temp page is
 * filled (fuse_writepage_tmp_alloc), where the WRITE completes
 * (fuse_writepage_end) and where a task waits for a page's writeback before
 * dirtying it again (fuse_wait_writeback_end), and stamps each request with
 * its allocation time.  Without them the same three places are reached with
 * fentry/fexit or kprobe/kretprobe on the functions they sit in; user space
 * loads one set (cli/lib/sources.c).  All sets feed the same maps.
 *
 * A request is tracked from its first temp page to its completion, keyed by
 * the address of its struct fuse_writepage_args.  Some requests are freed
 * without completing (dropped unsent after a truncate or an abort, or merged
 * into a queued request): their pages leave the count when the address is
 * seen again at the first page of a new request, or when user space finds
 * the entry old on a connection with nothing waiting (cli/lib/kwb.c).
 *
 * The three flavours, each a set of programs user space loads one of:
 *   tp_btf         kwb_tp_*: the patched kernel's tracepoints
 *   fentry/fexit   kwb_fe_*: fuse_writepage_args_page_fill (6.10 to 6.15)
 *                  or fuse_writepages_fill (6.1 to 6.9), fuse_writepage_end,
 *                  fuse_wait_on_page_writeback
 *   kprobe         kwb_kp_*: the same functions, where fentry is refused
 * Programs for other temp-page events (e.g. a request freed without
 * completing) go here too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
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

static const struct fwb_kwb_stats zero_kwb;

static __always_inline struct fwb_kwb_stats *kwb_entry(__u32 conn)
{
	struct fwb_kwb_stats *s;

	s = bpf_map_lookup_elem(&kwb_stats, &conn);
	if (s)
		return s;
	bpf_map_update_elem(&kwb_stats, &conn, &zero_kwb, BPF_NOEXIST);
	return bpf_map_lookup_elem(&kwb_stats, &conn);
}

static __always_inline void kwb_orphan(const struct fwb_wbreq *r)
{
	struct fwb_kwb_stats *s = kwb_entry(r->conn);

	if (s)
		s->tmp_orphan_pages += r->pages;
}

/* A temp page was filled: page_index 0 starts a request. */
static __always_inline void kwb_tmp_alloc(__u64 wpa, __u32 page_index, __u64 id, __u64 start_ns)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_wbreq nr = {};
	struct fwb_kwb_stats *s;
	__u32 conn;

	if (page_index == 0) {
		/* a request lived here and was freed without completing */
		if (r)
			kwb_orphan(r);
		conn = wpa_conn(wpa);
		nr.id = id;
		nr.start_ns = start_ns;
		nr.conn = conn;
		nr.pages = 1;
		if (bpf_map_update_elem(&wb_reqs, &wpa, &nr, BPF_ANY)) {
			__sync_fetch_and_add(&drops.wbreqs_full, 1);
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

/*
 * A temp-page WRITE completed.  start_ns is the kernel's own stamp when it
 * has one (0: use the time of the first temp page); id 0 means unknown.
 */
static __always_inline void kwb_end(__u64 wpa, int error, __u64 start_ns, __u64 id)
{
	struct fwb_wbreq *r = bpf_map_lookup_elem(&wb_reqs, &wpa);
	struct fwb_kwb_stats *s;
	__u32 conn, pages = 0;
	__u64 lat;

	if (r && id && r->id != id) {
		/* left from an earlier request at this address */
		kwb_orphan(r);
		bpf_map_delete_elem(&wb_reqs, &wpa);
		r = NULL;
	}
	if (r) {
		conn = r->conn;
		pages = r->pages;
		if (!start_ns)
			start_ns = r->start_ns;
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
	lat = bpf_ktime_get_ns() - start_ns;
	if (!start_ns || (__s64)lat < 0)
		return;
	s->timed++;
	s->lat_sum_ns += lat;
	if (lat > s->lat_max_ns)
		s->lat_max_ns = lat;
	s->hist[hist_slot(lat)]++;
}

static __always_inline void kwb_redirty(__u32 conn, __u64 wait_ns)
{
	struct fwb_kwb_stats *s = kwb_entry(conn);

	if (s) {
		s->redirty_waits++;
		s->redirty_wait_ns += wait_ns;
	}
	count_task(conn, FWB_TASK_REDIRTY, wait_ns);
}

static __always_inline __u64 current_nvcsw(void)
{
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nvcsw);
}

static __always_inline void waiter_enter(__u32 conn)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fwb_waiter w = {
		.start_ns = bpf_ktime_get_ns(),
		.nvcsw = current_nvcsw(),
		.conn = conn,
	};

	bpf_map_update_elem(&waiters, &tid, &w, BPF_ANY);
}

/* Most calls find the page clean and return at once: only a call that slept waited. */
static __always_inline void waiter_exit(void)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct fwb_waiter *w = bpf_map_lookup_elem(&waiters, &tid);
	__u64 now = bpf_ktime_get_ns();

	if (!w)
		return;
	if (current_nvcsw() != w->nvcsw)
		kwb_redirty(w->conn, now - w->start_ns);
	bpf_map_delete_elem(&waiters, &tid);
}

/* patched kernel: tracepoints */
SEC("tp_btf/fuse_writepage_tmp_alloc")
int BPF_PROG(kwb_tp_tmp_alloc, const struct fuse_writepage_args *wpa, const struct folio *folio,
	     unsigned int page_index)
{
	struct fuse_writepage_args___patched *p = (void *)wpa;

	kwb_tmp_alloc((__u64)wpa, page_index, BPF_CORE_READ(p, id), BPF_CORE_READ(p, alloc_ns));
	return 0;
}

SEC("tp_btf/fuse_writepage_end")
int BPF_PROG(kwb_tp_end, const struct fuse_writepage_args *wpa, int error)
{
	struct fuse_writepage_args___patched *p = (void *)wpa;

	kwb_end((__u64)wpa, error, BPF_CORE_READ(p, alloc_ns), BPF_CORE_READ(p, id));
	return 0;
}

SEC("tp_btf/fuse_wait_writeback_end")
int BPF_PROG(kwb_tp_wait_end, struct inode *inode, unsigned long index, __u64 wait_ns)
{
	kwb_redirty(BPF_CORE_READ(inode, i_sb, s_dev), wait_ns);
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
	kwb_tmp_alloc((__u64)wpa, page_index, 0, bpf_ktime_get_ns());
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
		kwb_tmp_alloc((__u64)wpa, n - 1, 0, bpf_ktime_get_ns());
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
	kwb_end(wpa_of_args((__u64)args), error, 0, 0);
	return 0;
}

SEC("fentry/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait, struct inode *inode, unsigned long index)
{
	waiter_enter(BPF_CORE_READ(inode, i_sb, s_dev));
	return 0;
}

SEC("fexit/fuse_wait_on_page_writeback")
int BPF_PROG(kwb_fe_wait_ret, struct inode *inode, unsigned long index)
{
	waiter_exit();
	return 0;
}

/* fallback: kprobes */
SEC("kprobe/fuse_writepage_args_page_fill")
int BPF_KPROBE(kwb_kp_tmp_alloc, void *wpa, void *folio, void *tmp_folio, __u32 page_index)
{
	kwb_tmp_alloc((__u64)wpa, page_index, 0, bpf_ktime_get_ns());
	return 0;
}

SEC("kprobe/fuse_writepage_end")
int BPF_KPROBE(kwb_kp_end, void *fm, void *args, int error)
{
	kwb_end(wpa_of_args((__u64)args), error, 0, 0);
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
	waiter_enter(BPF_CORE_READ(inode, i_sb, s_dev));
	return 0;
}

SEC("kretprobe/fuse_wait_on_page_writeback")
int BPF_KRETPROBE(kwb_kp_wait_ret)
{
	waiter_exit();
	return 0;
}
