#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewb export's per-opcode request counts are every request, though the
# latency histogram's _count is a sample (FUSEWB_TIME_EVERY, default 64):
# a storm of write-through WRITEs (no writeback cache: one FUSE WRITE per
# write(), none of them writeback WRITEs, which are always timed) against
# the bpftrace oracle on the same tracepoints.  fusewb_requests_total did not
# exist before: Prometheus had only the sample's size.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

n=3000
testfs_mount a || { ok 1 "mount testfs"; t_done; exit; }
MNT=${TFS_MNT[a]}
RE=$(mp_re "$MNT")
CONN=$(conn_of "$MNT")
export_start "$T_TMP/export.log"
ok $? "exporter starts on a free loopback port ($EXP_PORT)"
[ -n "$EXP_PORT" ] || { t_done; exit; }
oracle_start req fuse_requests "$CONN"
ok $? "bpftrace oracle attached to connection $CONN"
# the WRITEs between two scrapes are the storm's alone (the oracle saw only them)
scrape > "$T_TMP/s0"
timeout 120 dd if=/dev/zero of="$MNT/storm" bs=4096 count="$n" status=none
t_cmp $? == 0 "$n write-through WRITEs"
scrape > "$T_TMP/s1"
oracle_stop req
ok $? "oracle stopped and parsed"

# the change of a series between the scrapes (absent before the first WRITE: 0)
d() {
	local a b
	a=$(mval "$T_TMP/s1" "$1" "$2")
	b=$(mval "$T_TMP/s0" "$1" "$2")
	[ -n "$a" ] && echo $((a - ${b:-0}))
}
w="$RE.*opcode=\"WRITE\""
total=$(d fusewb_requests_total "$w")
timed=$(d fusewb_request_duration_seconds_count "$w")
t_near "$total" "$(oracle_n req done "$CONN" 16)" 0 "same events" "fusewb_requests_total WRITE vs the oracle's WRITEs"
t_cmp "$total" ">=" "$n" "every write() of the storm counted"
# each CPU times one in 64 of the requests after its first in a jiffy, and that first one
t_cmp "$timed" ">=" "$((n / 64 - $(nproc)))" "the histogram holds at least one WRITE in 64"
# (all of them when each came in a jiffy of its own: a slow machine)
t_cmp "$timed" "<=" "$total" "the histogram's _count is of some of them"
t_like "$(grep '^# HELP fusewb_request_duration_seconds ' "$T_TMP/s1")" "_count is a sample" \
	"the histogram's HELP says it is a sample"
t_near "$(d fusewb_request_errors_total "$w")" "$(oracle_n req errors "$CONN" 16)" 0 "same events" \
	"WRITE errors vs the oracle's"
export_stop
t_done
