// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench's floor: empty tp_btf programs on the request tracepoints
 * fusewb reads.  What bpf_stats reports for them is what any program
 * costs there (the dispatch and the stats' own clock reads); fusewb's
 * programs are measured against it in the same run (tests/bench/storm.sh).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * lead: attached first, ahead of every measured program.  The first
 * program on a tracepoint pays more than the ones after it (up to 20 ns
 * on a busy machine), so the floor, fusewb's and bpftrace's all run
 * behind it, in like positions; storm.sh prints lead apart.
 */
SEC("tp_btf/fuse_request_send")
int BPF_PROG(lead_send)
{
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(lead_end)
{
	return 0;
}

SEC("tp_btf/fuse_request_send")
int BPF_PROG(floor_send)
{
	return 0;
}

SEC("tp_btf/fuse_request_end")
int BPF_PROG(floor_end)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
