#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The instruments first agree with each other, then fusewb stat with them:
# writeback WRITEs on a writeback-cache testfs mount (a 2 ms WRITE delay so
# latency is well above the clock's noise), counted by the bpftrace oracle on
# fuse_request_send/end and by testfs itself, and reported by fusewb stat.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_use wb --writeback-cache --delay write=2
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

# 32 MiB through the page cache; fsync waits for every WRITE's answer.
timeout 120 dd if=/dev/urandom of="$mnt/data" bs=1M count=32 conv=fsync status=none
ok $? "32 MiB written with dd and fsync'd"
stat_settle
ok $? "fusewb stat reported past the end of the workload"
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
testfs_status wb
ok $? "testfs status read"

t_cmp "$(oracle_n req bytes "$conn" 16)" ">=" $((32 << 20)) "the oracle saw all 32 MiB written back"
oracle_check_writeback "$T_TMP/stat.json" "$mnt" req "$conn" wb
t_near "$(q "$T_TMP/stat.json" "$mnt" 'ms[-1]["pending"]["count"]')" "$(fusectl_waiting "$conn")" 0 \
	"nothing in flight after fsync" "stat: pending requests at the end vs fusectl waiting"
t_done
