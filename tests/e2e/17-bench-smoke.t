#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench's request-cost table from a tiny storm: every row is there
# (the floor, fusewb's request programs, bpftrace, a copy of fusewb's
# programs timing every request as elim.sh loads them; their means), and
# all of them saw the same events (run_cnt per tracepoint, against the
# floor's).
# Timings vary with the machine: none is asserted, only that they are numbers.
# Also startup.sh's rows (load + attach of stat, top, export).
. "$(dirname "$0")/../lib.sh"
need_root
command -v bpftrace > /dev/null || skip_all "bpftrace is not installed"

writes=300
out=$(STORM_WRITES=$writes STORM_BS=64 STORM_PAIRS=0 STORM_VARIANTS="fwb_t1=$BUILD/fusewb.bpf.o,sample_shift=0" \
	bash "$ROOT/tests/bench/storm.sh" 2>&1)
t_cmp $? == 0 "storm.sh runs"
num='[0-9]+\.[0-9]'
for label in floor fusewb bpftrace fwb_t1; do
	for tp in send end; do
		t_like "$out" "  $label +fuse_request_$tp +[0-9]+ +$num +$num" "a row for $label on fuse_request_$tp"
	done
	t_like "$out" "  $label +$num ns/event +${num}+x floor" "the mean of $label's programs, and its ratio"
done
cnt() { awk -v l="$1" -v tp="fuse_request_$2" '$1 == l && $2 == tp { print $3 }' <<< "$out"; }
for tp in send end; do
	floor=$(cnt floor "$tp")
	# the storm's WRITEs and its open/flush/release, and other mounts' requests on the machine
	t_cmp "$floor" ">=" "$writes" "the floor saw every WRITE of the storm on fuse_request_$tp"
	for label in fusewb bpftrace fwb_t1; do
		t_near "$(cnt "$label" "$tp")" "$floor" "4+1%" "other mounts' events between the reads of two programs' stats" \
			"$label's run_cnt on fuse_request_$tp is the floor's"
	done
done
[ "$T_FAILED" = 0 ] || diag "$out"

out=$(STARTUP_RUNS=1 bash "$ROOT/tests/bench/startup.sh" 2>&1)
t_cmp $? == 0 "startup.sh runs"
for fe in "fusewb stat" "fusewb top -b" "fusewb export"; do
	t_like "$out" "  $fe +attached +[0-9]+ ms .*answered +[0-9]+ ms .* [1-9][0-9]* links" "startup of $fe"
done
t_done
