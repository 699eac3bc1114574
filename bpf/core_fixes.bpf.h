/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CO-RE flavours: the fields other kernels than bpf/<arch>/vmlinux.h's name
 * or place differently.  libbpf matches a type "x___y" to the kernel's "x",
 * so one object reads every version; bpf_core_field_exists picks the one
 * the running kernel has.
 */
#ifndef FWB_CORE_FIXES_BPF_H
#define FWB_CORE_FIXES_BPF_H

/*
 * Mainline reaches the connection through the request's channel
 * (req->chan->conn), earlier kernels through its mount (req->fm->fc).
 */
struct fuse_chan___chan {
	struct fuse_conn *conn;
} __attribute__((preserve_access_index));

struct fuse_req___chan {
	struct fuse_chan___chan *chan;
} __attribute__((preserve_access_index));

/* 6.13 and later stamp each request at its allocation (jiffies) */
struct fuse_req___ct {
	unsigned long create_time;
} __attribute__((preserve_access_index));

/* before 5.14 the task state was a long named state */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/*
 * Up to 6.13 the format calls this bdi's share bdi_dirty / bdi_setpoint;
 * both spellings are flavours, so the object builds against either vmlinux.h.
 */
struct trace_event_raw_balance_dirty_pages___old {
	unsigned long bdi_setpoint;
	unsigned long bdi_dirty;
} __attribute__((preserve_access_index));

struct trace_event_raw_balance_dirty_pages___new {
	unsigned long wb_setpoint;
	unsigned long wb_dirty;
} __attribute__((preserve_access_index));

/* 6.1 to 6.9: fuse_writepages_fill's data, whose wpa is the request a page went into */
struct fuse_fill_wb_data___fill {
	struct fuse_writepage_args *wpa;
} __attribute__((preserve_access_index));

/* pages, not folios, in those kernels' requests */
struct fuse_args_pages___pages {
	unsigned int num_pages;
} __attribute__((preserve_access_index));

#endif
