#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A 64 MiB writable-mmap workload on testfs with a 5 ms WRITE delay: fusewb stat
# must see all of it as writeback, with the delay in the latency, the dirty
# pages while they are held, and nothing left in flight at the end.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_mount slow --delay write=5 || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[slow]}
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

timeout 120 "$MMAPWRITE" --size 64 --hold 2 --verify "$mnt/data"
ok $? "64 MiB written through a MAP_SHARED mapping, msync'd and verified"
sleep 2
stat_stop

f=$T_TMP/stat.json
t_cmp "$(q "$f" "$mnt" 'sum(m["writeback"]["bytes"] for m in ms)')" ">=" $((64 << 20)) "writeback bytes cover the 64 MiB"
t_cmp "$(q "$f" "$mnt" 'sum(m["writeback"]["pages"] for m in ms)')" ">=" 16384 "writeback pages cover the 64 MiB"
t_cmp "$(q "$f" "$mnt" 'max(m["writeback"]["latency_us"]["p50"] for m in ms if m["writeback"]["writes"])')" ">=" 5000 "p50 writeback latency is at least the injected 5 ms"
t_cmp "$(q "$f" "$mnt" 'max((m["dirty"]["pages"] or 0) + (m["dirty"]["writeback_pages"] or 0) for m in ms)')" ">" 0 "dirty pages seen during the run"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" == 0 "no pages in flight at the end"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" == 0 "nothing pending at the end"
t_cmp "$(q "$f" "$mnt" 'sum(m["writeback"]["errors"] for m in ms)')" == 0 "no writeback errors"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["dirty"]["max_ratio"]')" ">=" 0 "bdi max_ratio is reported"
t_like "$(q "$f" "$mnt" 'ms[-1]["daemons"]')" "'pid': ${TFS_PID[slow]}," "the daemon pid is resolved"
t_like "$(q "$f" "$mnt" '[t["comm"] for m in ms for t in m["tasks"] if t["dirtied"]]')" "mmapwrite" "the dirtying task is named"
t_done
