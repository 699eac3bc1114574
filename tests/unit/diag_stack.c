// SPDX-License-Identifier: GPL-2.0-only
/*
 * Classifying kernel stacks: the stacks below were captured on 6.18 by
 * fusewb diagnose -v during the e2e scenarios (stall, SIGSTOP, selfio).
 */
#include "lib/diag.h"
#include "tap.h"

#define N(a) (int)(sizeof(a) / sizeof(a[0]))

static enum fwb_wait cls(const char *const *s, int n, int *where)
{
	return fwb_diag_classify_stack(s, n, where);
}

int main(void)
{
	static const char *const idle[] = {
		"fuse_dev_do_read", "fuse_dev_read", "vfs_read", "ksys_read", "do_syscall_64",
		"entry_SYSCALL_64_after_hwframe",
	};
	static const char *const msync[] = {
		"folio_wait_bit", "folio_wait_writeback", "__filemap_fdatawait_range",
		"file_write_and_wait_range", "fuse_fsync", "__do_sys_msync", "do_syscall_64",
		"entry_SYSCALL_64_after_hwframe",
	};
	static const char *const selfio[] = {
		"folio_wait_bit", "folio_wait_writeback", "invalidate_inode_pages2_range",
		"fuse_do_getattr", "vfs_getattr_nosec", "vfs_statx", "vfs_fstatat",
		"__do_sys_newfstatat", "do_syscall_64", "entry_SYSCALL_64_after_hwframe",
	};
	static const char *const lookup[] = {
		"request_wait_answer", "__fuse_simple_request", "fuse_lookup_name", "fuse_lookup",
		"__lookup_slow", "walk_component", "path_lookupat", "filename_lookup", "vfs_statx",
		"do_syscall_64",
	};
	static const char *const futex[] = {
		"futex_do_wait", "__futex_wait", "futex_wait", "do_futex", "__x64_sys_futex",
		"do_syscall_64", "entry_SYSCALL_64_after_hwframe",
	};
	static const char *const stopped[] = {
		"do_signal_stop", "get_signal", "arch_do_signal_or_restart", "exit_to_user_mode_loop",
		"do_syscall_64",
	};
	static const char *const bgslot[] = {
		"fuse_get_req", "fuse_simple_background", "fuse_send_readpages", "fuse_readahead",
		"read_pages", "page_cache_ra_unbounded",
	};
	static const char *const throttled[] = {
		"balance_dirty_pages", "balance_dirty_pages_ratelimited_flags", "fault_dirty_shared_page",
		"do_wp_page", "handle_mm_fault",
	};
	static const char *const ilock[] = {
		"rwsem_down_write_slowpath", "down_write", "fuse_file_write_iter", "vfs_write",
		"ksys_write",
	};
	static const char *const other_lock[] = {
		"rwsem_down_write_slowpath", "down_write", "ext4_buffered_write_iter", "vfs_write",
	};
	static const char *const with_unknown[] = { NULL, "schedule", NULL, "fuse_flush", "filp_close" };
	/* sshfs's reader and writer threads with its ssh stopped (6.18) */
	static const char *const unix_read[] = {
		"__schedule", "schedule", "schedule_timeout", "unix_stream_read_generic",
		"unix_stream_recvmsg", "sock_read_iter", "vfs_read", "ksys_read", "do_syscall_64",
	};
	static const char *const unix_send[] = {
		"__schedule", "schedule", "schedule_timeout", "sock_alloc_send_pskb",
		"unix_stream_sendmsg", "sock_write_iter", "vfs_write", "ksys_write", "do_syscall_64",
	};
	static const char *const polling[] = {
		"__schedule", "schedule", "schedule_hrtimeout_range_clock", "poll_schedule_timeout",
		"do_sys_poll", "__x64_sys_ppoll", "do_syscall_64",
	};
	/* fsync behind a stalled writeback WRITE (6.12): the whole-inode wait */
	static const char *const fsync_nowrite[] = {
		"__schedule", "schedule", "fuse_set_nowrite", "fuse_fsync", "vfs_fsync_range",
		"do_fsync", "__x64_sys_fsync", "do_syscall_64",
	};
	/* a page wait inside a sync: the innermost wait names it */
	static const char *const page_in_sync[] = {
		"__schedule", "schedule", "fuse_wait_on_page_writeback", "fuse_launder_folio",
		"fuse_sync_writes", "fuse_fsync",
	};
	int w;

	ok(cls(fsync_nowrite, N(fsync_nowrite), &w) == FWB_WAIT_NOWRITE && w == 2,
	   "fsync in fuse_set_nowrite: the inode's WRITEs (where %d)", w);
	ok(fwb_wait_is_fuse(FWB_WAIT_NOWRITE), "a FUSE wait");
	is_str(fwb_wait_name(FWB_WAIT_NOWRITE), "nowrite", "its JSON name");
	ok(cls(page_in_sync, N(page_in_sync), &w) == FWB_WAIT_WRITEBACK && w == 2,
	   "a page wait inside fuse_sync_writes: writeback (where %d)", w);
	ok(cls(idle, N(idle), &w) == FWB_WAIT_DEV_READ && w == 0, "idle reader: device read");
	ok(cls(msync, N(msync), &w) == FWB_WAIT_WRITEBACK, "msync on a FUSE file: writeback");
	is_str(w >= 0 ? msync[w] : "", "folio_wait_writeback", "where skips folio_wait_bit");
	ok(cls(selfio, N(selfio), &w) == FWB_WAIT_WRITEBACK, "selfio's GETATTR waiting on its own WRITE: writeback");
	ok(cls(lookup, N(lookup), &w) == FWB_WAIT_ANSWER && w == 0, "stat on a stalled mount: an answer");
	ok(cls(futex, N(futex), &w) == FWB_WAIT_OTHER && w == 0, "futex: outside FUSE");
	ok(!fwb_wait_is_fuse(FWB_WAIT_OTHER) && fwb_wait_is_fuse(FWB_WAIT_ANSWER), "fuse or not");
	ok(cls(stopped, N(stopped), &w) == FWB_WAIT_OTHER, "stopped: outside FUSE (the state says stopped)");
	ok(cls(bgslot, N(bgslot), &w) == FWB_WAIT_BG_SLOT, "readahead waiting in fuse_get_req: background slot");
	ok(cls(throttled, N(throttled), &w) == FWB_WAIT_THROTTLE, "balance_dirty_pages: throttled");
	ok(cls(ilock, N(ilock), &w) == FWB_WAIT_LOCK && w == 0, "i_rwsem taken by a stuck FUSE writer: a lock");
	ok(cls(other_lock, N(other_lock), &w) == FWB_WAIT_OTHER, "a lock outside FUSE is not ours");
	ok(cls(with_unknown, N(with_unknown), &w) == FWB_WAIT_FUSE && w == 3,
	   "unknown frames are skipped; a fuse_ frame is FUSE (where %d)", w);
	ok(cls(NULL, 0, &w) == FWB_WAIT_NONE && w == -1, "no stack: none");
	ok(cls(unix_read, N(unix_read), &w) == FWB_WAIT_IO && w == 3, "a read of a unix socket: I/O (where %d)", w);
	ok(cls(unix_send, N(unix_send), &w) == FWB_WAIT_IO && w == 3, "a send into a full unix socket: I/O");
	ok(cls(polling, N(polling), &w) == FWB_WAIT_IO && w == 4, "poll: I/O, named by do_sys_poll (where %d)", w);
	ok(!fwb_wait_is_fuse(FWB_WAIT_IO), "I/O is not a FUSE wait");
	is_str(fwb_wait_name(FWB_WAIT_IO), "io", "its JSON name");
	is_str(fwb_wait_name(FWB_WAIT_WRITEBACK), "writeback", "wait names for JSON");
	return tap_done();
}
