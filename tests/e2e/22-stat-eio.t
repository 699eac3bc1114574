#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# WRITE fails with EIO: writeback errors counted as the oracle and testfs saw
# them, and the writer sees the error.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_use eio
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"
testfs_ctl eio fail write eio
timeout 60 "$MMAPWRITE" --size 2 "$mnt/data" > "$T_TMP/writer.out" 2>&1
t_cmp $? == 3 "msync reports the failure to the writer"
t_like "$(cat "$T_TMP/writer.out")" "Input/output error" "the writer saw EIO"
testfs_ctl eio fail write off
timeout 60 "$MMAPWRITE" --size 2 --verify "$mnt/data2" >/dev/null 2>&1
ok $? "writes work again once the fault is off"
stat_settle
ok $? "fusewb stat reported past the end of the workload"
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
testfs_status eio
ok $? "testfs status read"
t_cmp "$(oracle_n req errors "$conn" 16)" ">" 0 "the oracle saw WRITEs answered with an error"
t_cmp "$(oracle_n req bytes_ok "$conn" 16)" ">=" $((2 << 20)) "and the second file's 2 MiB written"
# mmapwrite writes only through the mapping: every WRITE is a writeback WRITE
oracle_check_writeback "$T_TMP/stat.json" "$mnt" req "$conn" eio
t_done
