// SPDX-License-Identifier: GPL-2.0-only
/*
 * The request programs broken down by elimination: each pair of programs
 * (NAME_send on fuse_request_send, NAME_end on fuse_request_end) does one
 * part of what fusewb's do, so its ns/event minus the floor's, measured in
 * the same storm (STORM_VARIANTS=build/bench/elim.bpf.o bash
 * tests/bench/storm.sh), is what that part costs.  Results go to a sink
 * the verifier cannot see through, so nothing is optimised away.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fusewb.h"

__u64 sink;

/* a second floor, attached after the first: how much the position costs */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(floor2_send)
{
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(floor2_end)
{
	return 0;
}

/* one precise clock read per event */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(ktime_send)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(ktime_end)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

/* (bpf_ktime_get_coarse_ns: tracing programs may not call it, 6.18's verifier says) */

/* jiffies, the pending ages' clock */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(jiffies_send)
{
	sink = bpf_jiffies64();
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(jiffies_end)
{
	sink = bpf_jiffies64();
	return 0;
}

/* the pointer chase to the connection, req->fm->fc->dev */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(chase_send, struct fuse_req *req)
{
	sink = req->fm->fc->dev;
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(chase_end, struct fuse_req *req)
{
	sink = req->fm->fc->dev;
	return 0;
}

/* the request's own fields fusewb reads (header, error, args->end) */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(fields_send, struct fuse_req *req)
{
	__u64 v = req->in.h.unique ^ req->in.h.opcode ^ req->in.h.nodeid ^ req->in.h.pid;

	if (req->in.h.opcode == 16)
		v ^= (__u64)req->args->end ^ req->args->in_args[1].size;
	sink = v;
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(fields_end, struct fuse_req *req)
{
	__u64 v = req->in.h.unique ^ req->in.h.opcode ^ req->out.h.error;

	if (req->in.h.opcode == 16)
		v ^= (__u64)req->args->end ^ req->args->in_args[1].size;
	sink = v;
	return 0;
}

/* one atomic add on a counter every CPU shares (op_stats' rows today) */
__u64 shared_count __attribute__((aligned(64)));

SEC("tp_btf/fuse_request_send")
int BPF_PROG(atomic_send)
{
	__sync_fetch_and_add(&shared_count, 1);
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(atomic_end)
{
	__sync_fetch_and_add(&shared_count, 1);
	return 0;
}

/* a per-CPU counter: plain increment, user space sums the CPUs */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_count SEC(".maps");

SEC("tp_btf/fuse_request_send")
int BPF_PROG(pcpu_send)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&pcpu_count, &zero);

	if (v)
		(*v)++;
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(pcpu_end)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&pcpu_count, &zero);

	if (v)
		(*v)++;
	return 0;
}

/*
 * One claim per request: the send takes a slot of a hot table by unique
 * with a compare-and-swap and fills it in, the end finds it and empties
 * it.  slot40: fusewb's 40-byte slots, neighbours sharing cache lines
 * (a send writes the line the previous request's end empties); slot64: a
 * slot per cache line; split (below): the answerer writes a line of its own.
 */
struct slot40 {
	__u64 key, start_ns;
	__u32 start_jiffies, nodeid, pid;
	__u16 opcode, pages;
	__u32 conn, pad;
};
struct slot64 {
	__u64 key, start_ns;
	__u32 start_jiffies, nodeid, pid;
	__u16 opcode, pages;
	__u32 conn, pad;
} __attribute__((aligned(64)));
struct slot40 hot40[FWB_PENDING_HOT] __attribute__((aligned(64)));
struct slot64 hot64[FWB_PENDING_HOT];

#define CLAIM(table, req)							\
	do {									\
		__u64 u = (req)->in.h.unique, key = (1ULL << 32) | (__u32)u;	\
		__u32 i = (u >> 1) & (FWB_PENDING_HOT - 1);			\
										\
		if (__sync_val_compare_and_swap(&table[i].key, 0, key) == 0) {	\
			table[i].nodeid = (req)->in.h.nodeid;			\
			table[i].pid = (req)->in.h.pid;				\
			table[i].conn = 1;					\
			table[i].start_jiffies = 0;				\
			table[i].opcode = (req)->in.h.opcode;			\
		}								\
	} while (0)
#define RELEASE(table, req)							\
	do {									\
		__u64 u = (req)->in.h.unique, key = (1ULL << 32) | (__u32)u;	\
		__u32 i = (u >> 1) & (FWB_PENDING_HOT - 1);			\
										\
		if (table[i].key == key) {					\
			sink = table[i].opcode;					\
			table[i].opcode = 0;					\
			table[i].key = 0;					\
		}								\
	} while (0)

SEC("tp_btf/fuse_request_send")
int BPF_PROG(slot40_send, struct fuse_req *req)
{
	CLAIM(hot40, req);
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(slot40_end, struct fuse_req *req)
{
	RELEASE(hot40, req);
	return 0;
}

SEC("tp_btf/fuse_request_send")
int BPF_PROG(slot64_send, struct fuse_req *req)
{
	CLAIM(hot64, req);
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(slot64_end, struct fuse_req *req)
{
	RELEASE(hot64, req);
	return 0;
}

/*
 * split: the sender's writes and the answerer's on different cache lines.
 * The send claims a slot whose last key the answerer has marked done (in
 * a table of its own), the answerer marks its key done without writing
 * the sender's line.
 */
struct slot40 split_sent[FWB_PENDING_HOT] __attribute__((aligned(64)));
__u64 split_done[FWB_PENDING_HOT] __attribute__((aligned(64)));

SEC("tp_btf/fuse_request_send")
int BPF_PROG(split_send, struct fuse_req *req)
{
	__u64 u = req->in.h.unique, key = (1ULL << 32) | (__u32)u;
	__u32 i = (u >> 1) & (FWB_PENDING_HOT - 1);
	__u64 old = split_sent[i].key;

	if (old == split_done[i] && __sync_val_compare_and_swap(&split_sent[i].key, old, key) == old) {
		split_sent[i].nodeid = req->in.h.nodeid;
		split_sent[i].pid = req->in.h.pid;
		split_sent[i].conn = 1;
		split_sent[i].start_jiffies = 0;
		split_sent[i].opcode = req->in.h.opcode;
	}
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(split_end, struct fuse_req *req)
{
	__u64 u = req->in.h.unique, key = (1ULL << 32) | (__u32)u;
	__u32 i = (u >> 1) & (FWB_PENDING_HOT - 1);

	if (split_sent[i].key == key) {
		sink = split_sent[i].opcode;
		split_done[i] = key;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
