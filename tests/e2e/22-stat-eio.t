#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# WRITE fails with EIO: writeback errors counted, and the writer sees the error.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount eio || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[eio]}
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"
testfs_ctl eio fail write eio
timeout 60 "$MMAPWRITE" --size 2 "$mnt/data" > "$T_TMP/writer.out" 2>&1
t_cmp $? == 3 "msync reports the failure to the writer"
t_like "$(cat "$T_TMP/writer.out")" "Input/output error" "the writer saw EIO"
sleep 1.5
stat_stop
t_cmp "$(q "$T_TMP/stat.json" "$mnt" 'sum(m["writeback"]["errors"] for m in ms)')" ">" 0 "writeback errors counted"
testfs_ctl eio fail write off
timeout 60 "$MMAPWRITE" --size 2 --verify "$mnt/data2" >/dev/null 2>&1
ok $? "writes work again once the fault is off"
t_done
