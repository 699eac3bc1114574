#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The request programs' cost broken down by elimination, from one storm:
# storm.sh with the parts of elim.bpf.c (one clock read, jiffies, the
# pointer chase, the request's fields, a shared atomic, a per-CPU counter,
# a pending slot claimed and emptied: in 40-byte slots as fusewb's, 64-byte
# ones, or with the answerer writing a line of its own) and copies of
# fusewb's request programs timing every request (fwb_t1), one in 8
# (fwb_t8), 64 (fwb_t64) and 1024 (fwb_t1k), beside the floor and fusewb.  Each row's ns/event less the floor's is what that part costs.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
STORM_VARIANTS="$BUILD/bench/elim.bpf.o
	fwb_t1=$BUILD/fusewb.bpf.o,sample_shift=0
	fwb_t8=$BUILD/fusewb.bpf.o,sample_shift=3
	fwb_t64=$BUILD/fusewb.bpf.o,sample_shift=6
	fwb_t1k=$BUILD/fusewb.bpf.o,sample_shift=10 ${STORM_VARIANTS:-}" \
STORM_PAIRS=${STORM_PAIRS:-0} STORM_BPFTRACE=${STORM_BPFTRACE:-0} exec bash "$ROOT/tests/bench/storm.sh"
