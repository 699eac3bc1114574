// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a kernel stack says a task waits for.  The function names are the
 * kernel's (fs/fuse/dev.c, file.c, mm/filemap.c, mm/page-writeback.c);
 * several of them are static and may be inlined, so each wait is known by
 * more than one name.
 */
#include <stdio.h>
#include <string.h>
#include "diag.h"

static const char *const dev_read[] = {
	"fuse_dev_do_read", "fuse_dev_read", "fuse_dev_splice_read", NULL,
};
/* fuse_get_req sleeps on fc->blocked_waitq until a background slot frees (or INIT ends) */
static const char *const bg_slot[] = { "fuse_get_req", NULL };
static const char *const answer[] = {
	"request_wait_answer", "__fuse_simple_request", "fuse_simple_request",
	"__fuse_request_send", NULL,
};
static const char *const throttle[] = { "balance_dirty_pages", "balance_dirty_pages_ratelimited_flags", NULL };
static const char *const writeback[] = {
	"folio_wait_writeback", "folio_wait_stable", "__filemap_fdatawait_range",
	"filemap_fdatawait_range", "fuse_wait_on_page_writeback", "fuse_wait_on_folio_writeback",
	"wait_on_page_writeback", NULL,
};
/* fsync, flush, setattr/truncate and direct I/O wait for every WRITE of the inode */
static const char *const nowrite[] = { "fuse_set_nowrite", "fuse_sync_writes", NULL };
static const char *const locks[] = {
	"rwsem_down_write_slowpath", "rwsem_down_read_slowpath", "__mutex_lock", "mutex_lock",
	"__folio_lock", "__folio_lock_killable", "folio_lock", "down_write", "down_read",
	"down_write_killable", "down_read_killable", "mutex_lock_killable", NULL,
};
/*
 * Waits on a socket or a pipe: reading, writing (a full buffer), polling.
 * Which end a thread sleeps on is read from the ends' wait queues
 * (diag_path.c); the stack only says that it is such a wait.
 */
static const char *const io[] = {
	"unix_stream_read_generic", "unix_stream_data_wait", "unix_wait_for_peer",
	"unix_dgram_recvmsg", "unix_stream_sendmsg", "unix_dgram_sendmsg",
	"sk_wait_data", "sk_stream_wait_memory", "sock_alloc_send_pskb", "sock_wait_for_wmem",
	"__skb_wait_for_more_packets", "__skb_recv_datagram", "tcp_recvmsg_locked", "tcp_recvmsg",
	"tcp_sendmsg_locked", "inet_wait_for_connect", "pipe_read", "pipe_write", "pipe_wait_readable",
	"pipe_wait_writable", "do_sys_poll", "do_select", "core_sys_select", "ep_poll",
	"do_epoll_wait", NULL,
};
/* generic sleeping helpers: "where" names what they are called from */
static const char *const plumbing[] = {
	"__schedule", "schedule", "schedule_timeout", "schedule_hrtimeout_range",
	"schedule_hrtimeout_range_clock", "io_schedule", "io_schedule_timeout",
	"schedule_preempt_disabled", "preempt_schedule", "preempt_schedule_common",
	"__cond_resched", "folio_wait_bit", "folio_wait_bit_common", "bit_wait_io",
	"__wait_on_bit", "out_of_line_wait_on_bit", "wait_woken", NULL,
};

static bool in_list(const char *sym, const char *const *list)
{
	for (; sym && *list; list++)
		if (!strcmp(sym, *list))
			return true;
	return false;
}

static int find(const char *const *syms, int n, const char *const *list)
{
	for (int i = 0; i < n; i++)
		if (in_list(syms[i], list))
			return i;
	return -1;
}

static bool is_fuse_sym(const char *s)
{
	return s && (!strncmp(s, "fuse_", 5) || !strncmp(s, "__fuse_", 7));
}

enum fwb_wait fwb_diag_classify_stack(const char *const *syms, int n, int *where)
{
	int i, j, fuse = -1;

	*where = -1;
	for (i = 0; i < n; i++)
		if (syms[i] && !in_list(syms[i], plumbing)) {
			*where = i;
			break;
		}
	if (n <= 0)
		return FWB_WAIT_NONE;
	for (i = 0; i < n && fuse < 0; i++)
		if (is_fuse_sym(syms[i]))
			fuse = i;
	if ((i = find(syms, n, dev_read)) >= 0) {
		*where = i;
		return FWB_WAIT_DEV_READ;
	}
	if ((i = find(syms, n, bg_slot)) >= 0) {
		*where = i;
		return FWB_WAIT_BG_SLOT;
	}
	if ((i = find(syms, n, answer)) >= 0) {
		*where = i;
		return FWB_WAIT_ANSWER;
	}
	if ((i = find(syms, n, throttle)) >= 0) {
		*where = i;
		return FWB_WAIT_THROTTLE;
	}
	/* whose pages: the caller tells (fuse_fsync, fuse_do_getattr) or the task's files do */
	i = find(syms, n, writeback);
	j = find(syms, n, nowrite);
	/* the innermost says what it waits for: a page's writeback inside fsync is still a page wait */
	if (j >= 0 && (i < 0 || j < i)) {
		*where = j;
		return FWB_WAIT_NOWRITE;
	}
	if (i >= 0) {
		*where = i;
		return FWB_WAIT_WRITEBACK;
	}
	if ((i = find(syms, n, locks)) >= 0 && fuse > i) {
		*where = i;
		return FWB_WAIT_LOCK;
	}
	if (fuse >= 0) {
		if (*where < 0)
			*where = fuse;
		return FWB_WAIT_FUSE;
	}
	if ((i = find(syms, n, io)) >= 0) {
		*where = i;
		return FWB_WAIT_IO;
	}
	return FWB_WAIT_OTHER;
}

bool fwb_wait_is_fuse(enum fwb_wait w)
{
	return w != FWB_WAIT_NONE && w != FWB_WAIT_IO && w != FWB_WAIT_OTHER;
}

const char *fwb_wait_name(enum fwb_wait w)
{
	switch (w) {
	case FWB_WAIT_NONE: return "none";
	case FWB_WAIT_DEV_READ: return "device_read";
	case FWB_WAIT_ANSWER: return "answer";
	case FWB_WAIT_BG_SLOT: return "background_slot";
	case FWB_WAIT_WRITEBACK: return "writeback";
	case FWB_WAIT_THROTTLE: return "dirty_throttle";
	case FWB_WAIT_LOCK: return "lock";
	case FWB_WAIT_FUSE: return "fuse";
	case FWB_WAIT_IO: return "io";
	case FWB_WAIT_OTHER: return "other";
	case FWB_WAIT_NOWRITE: return "nowrite";
	}
	return "?";
}

/* ps's letter for task->__state | exit_state (the kernel's task_state_index) */
char fwb_diag_state_letter(uint32_t state, uint32_t exit_state)
{
	static const char letters[] = "RSDTtXZP";
	uint32_t s = (state | exit_state) & 0x7f;
	int idx = 0;

	if (state == (0x2 | 0x400))	/* TASK_IDLE */
		return 'I';
	while (s) {
		idx++;
		s >>= 1;
	}
	return idx < (int)sizeof(letters) - 1 ? letters[idx] : '?';
}

struct stack_names {
	const char *s[FWB_DIAG_STACK_DEPTH];
	int n;
};

static void names_of(const struct fwb_ksyms *k, const __u64 *stack, int n, struct stack_names *out)
{
	out->n = n < 0 ? 0 : n > FWB_DIAG_STACK_DEPTH ? FWB_DIAG_STACK_DEPTH : n;
	for (int i = 0; i < out->n; i++)
		out->s[i] = fwb_ksym_name(k, stack[i]);
}

/* "folio_wait_writeback < fuse_do_getattr": the wait, and the FUSE function that led there */
enum fwb_wait fwb_diag_classify_task(const struct fwb_ksyms *k, const struct fwb_diag_task *t, char *where, size_t len)
{
	struct stack_names sn = { .n = 0 };	/* whole: the compiler cannot see that at < sn.n */
	enum fwb_wait w;
	int at;

	names_of(k, t->stack, t->nframes, &sn);
	w = fwb_diag_classify_stack(sn.s, sn.n, &at);
	where[0] = 0;
	if (at < 0 || !sn.s[at]) {
		snprintf(where, len, "%s", sn.n ? "?" : "-");
		return w;
	}
	snprintf(where, len, "%s", sn.s[at]);
	if (strncmp(sn.s[at], "fuse_", 5))
		for (int i = at + 1; i < sn.n; i++)
			if (sn.s[i] && !strncmp(sn.s[i], "fuse_", 5)) {
				size_t o = strlen(where);

				snprintf(where + o, len - o, " < %s", sn.s[i]);
				break;
			}
	return w;
}
