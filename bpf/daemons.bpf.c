// SPDX-License-Identifier: GPL-2.0-only
/* The daemons: who holds /dev/fuse, for which connection, in which state (any kernel). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fusewb.h"
#include "task.bpf.h"

/* Who holds /dev/fuse, and for which connection: the daemons. */
SEC("iter/task_file")
int fuse_devfiles(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct fwb_devfile out = {};
	struct fuse_dev *fud;

	if (!task || !file)
		return 0;
	if (BPF_CORE_READ(file, f_inode, i_rdev) != FWB_FUSE_DEV_RDEV)
		return 0;
	fud = BPF_CORE_READ(file, private_data);
	if (fud)
		out.conn = BPF_CORE_READ(fud, fc, dev);
	out.tgid = task->tgid;
	out.pid = task->pid;
	out.fd = ctx->fd;
	out.state = task_state_letter(task);
	BPF_CORE_READ_STR_INTO(&out.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}
