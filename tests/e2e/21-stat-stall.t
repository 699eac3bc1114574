#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A stalled daemon: pending requests counted and ageing; back to zero after resume.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount st || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[st]}
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

testfs_ctl st stall
timeout 60 "$MMAPWRITE" --size 4 --verify "$mnt/data" > "$T_TMP/writer.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
sleep 3
f=$T_TMP/stat.json
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" ">" 0 "requests pending while stalled"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["oldest_ms"]')" ">" 1000 "the oldest pending request is over a second old"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["oldest_ms"] - ms[-3]["pending"]["oldest_ms"]')" ">" 500 "its age keeps growing"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["waiting"]')" ">" 0 "fusectl agrees: requests waiting"

testfs_ctl st resume
wait $writer
ok $? "the writer completes after resume, data verified"
sleep 1.5
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" == 0 "nothing pending after resume"
stat_stop
t_done
