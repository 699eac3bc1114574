/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Task state bits (include/linux/sched.h; defines, so not in vmlinux.h),
 * their /proc letter, and the per-task counts of task_stats.
 */
#ifndef FWB_TASK_BPF_H
#define FWB_TASK_BPF_H

#include "core_fixes.bpf.h"
#include "shared.bpf.h"

#define TASK_INTERRUPTIBLE_FWB		0x1
#define TASK_UNINTERRUPTIBLE_FWB	0x2
#define TASK_STOPPED_FWB		0x4	/* __TASK_STOPPED */
#define TASK_TRACED_FWB			0x8	/* __TASK_TRACED */
#define TASK_NOLOAD_FWB			0x400

/* The /proc state letter, without a /proc read per daemon per refresh. */
static __always_inline char task_state_letter(struct task_struct *task)
{
	unsigned int st;

	if (bpf_core_field_exists(task->__state))
		st = BPF_CORE_READ(task, __state);
	else
		st = BPF_CORE_READ((struct task_struct___pre514 *)task, state);
	if (st & TASK_STOPPED_FWB)
		return 'T';
	if (st & TASK_TRACED_FWB)
		return 't';
	if (st & TASK_UNINTERRUPTIBLE_FWB)	/* or TASK_IDLE, with TASK_NOLOAD */
		return (st & TASK_NOLOAD_FWB) ? 'I' : 'D';
	if (st & TASK_INTERRUPTIBLE_FWB)
		return 'S';
	return 'R';
}

/*
 * The current task did kind on connection conn (and waited wait_ns): page
 * cache events (pagecache.bpf.c) and re-dirty waits (kwb.bpf.c).
 */
static __always_inline void count_task(__u32 conn, __u32 kind, __u64 wait_ns)
{
	struct fwb_task_key k = {
		.conn = conn,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.kind = kind,
	};
	struct fwb_task_stats *v, init = { .count = 1, .wait_ns = wait_ns };

	v = bpf_map_lookup_elem(&task_stats, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		if (wait_ns)
			__sync_fetch_and_add(&v->wait_ns, wait_ns);
		return;
	}
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	if (bpf_map_update_elem(&task_stats, &k, &init, BPF_NOEXIST))
		__sync_fetch_and_add(&drops.taskstats_full, 1);
}

#endif
