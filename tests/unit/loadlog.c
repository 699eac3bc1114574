// SPDX-License-Identifier: GPL-2.0-only
/*
 * A failed BPF load: the program libbpf names and the verifier's reason, as
 * fusewb probe shows them for a source left out.  The log is 6.1's rejection
 * of kwb_fe_end (fentry on fuse_writepage_end) before its histogram index was
 * bounded on the 64-bit register.
 */
#include "lib/collector_priv.h"
#include "tap.h"

static const char *log61 =
	"libbpf: prog 'kwb_fe_end': -- BEGIN PROG LOAD LOG --\n"
	"reg type unsupported for arg#0 function kwb_fe_end#52\n"
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; int BPF_PROG(kwb_fe_end, struct fuse_mount *fm, struct fuse_args *args, int error)\n"
	"0: (79) r6 = *(u64 *)(r1 +8)\n"
	"214: (0f) r1 += r2\n"
	"math between map_value pointer and register with unbounded min value is not allowed\n"
	"processed 210 insns (limit 1000000) max_states_per_insn 1 total_states 17 peak_states 17 mark_read 6\n"
	"-- END PROG LOAD LOG --\n";

int main(void)
{
	struct fwb_load_failure f = { "", "" };

	fwb_load_failure_note(&f, "libbpf: prog 'kwb_fe_end': BPF program load failed: Invalid argument\n");
	is_str(f.prog, "kwb_fe_end", "the program is named by its first failure message");
	is_str(f.why, "", "'load failed: Invalid argument' is no reason yet");
	fwb_load_failure_note(&f, log61);
	is_str(f.why, "math between map_value pointer and register with unbounded min value is not allowed",
	       "the reason is the verifier's line before its summary");
	fwb_load_failure_note(&f, "libbpf: prog 'kwb_fe_end': failed to load: -22\n");
	fwb_load_failure_note(&f, "libbpf: failed to load object 'fusewb_bpf'\n");
	fwb_load_failure_note(&f, "libbpf: prog 'other': BPF program load failed: Permission denied\n");
	is_str(f.prog, "kwb_fe_end", "later messages of other programs do not replace the first");
	is_str(f.why, "math between map_value pointer and register with unbounded min value is not allowed",
	       "nor its reason");

	memset(&f, 0, sizeof(f));
	fwb_load_failure_note(&f, "libbpf: prog 'req_fe_queue': failed to find kernel BTF type ID of "
			      "'queue_request_and_unlock': -3\n");
	is_str(f.prog, "req_fe_queue", "a program libbpf cannot prepare is named");
	is_str(f.why, "failed to find kernel BTF type ID of 'queue_request_and_unlock': -3",
	       "with libbpf's own words");

	memset(&f, 0, sizeof(f));
	fwb_load_failure_note(&f, "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --\n-- END PROG LOAD LOG --\n");
	is_str(f.why, "rejected (no verifier log)", "an empty log says so");

	memset(&f, 0, sizeof(f));
	fwb_load_failure_note(&f, "libbpf: map 'op_stats': failed to create: -1\n");
	fwb_load_failure_note(&f, "libbpf: prog without quote\n");
	is_str(f.prog, "", "messages that name no program name none");
	return tap_done();
}
