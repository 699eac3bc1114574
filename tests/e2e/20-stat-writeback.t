#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A 64 MiB writable-mmap workload on testfs with a 5 ms WRITE delay: fusewb stat
# must see all of it as writeback, with the delay in the latency, the dirty
# pages while they are held, and nothing left in flight at the end; its
# counts, bytes and latency as the bpftrace oracle and testfs saw them.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_use slow --delay write=5
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

timeout 120 "$MMAPWRITE" --size 64 --hold 2 --verify "$mnt/data"
ok $? "64 MiB written through a MAP_SHARED mapping, msync'd and verified"
stat_settle
ok $? "fusewb stat reported past the end of the workload"
stat_stop
oracle_stop req
ok $? "oracle stopped and parsed"
testfs_status slow
ok $? "testfs status read"

f=$T_TMP/stat.json
t_cmp "$(oracle_n req bytes "$conn" 16)" ">=" $((64 << 20)) "the oracle saw the 64 MiB written back"
# mmapwrite writes only through the mapping: every WRITE is a writeback WRITE
oracle_check_writeback "$f" "$mnt" req "$conn" slow
t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["pages"] for m in ms)')" "$(oracle_n req pages "$conn" 16)" 0 \
	"same events, each WRITE's size rounded up to pages" "writeback pages vs oracle"
t_cmp "$(q "$f" "$mnt" 'max(m["writeback"]["latency_us"]["p50"] for m in ms if m["writeback"]["writes"])')" ">=" 5000 "p50 writeback latency is at least the injected 5 ms"
# The bdi's dirty and writeback pages are debugfs's counters, read once an
# interval: no instrument reads them at fusewb's moment, so "seen" (> 0) is
# the scenario's bound.  Above, the workload's 64 MiB (16384 pages) plus the
# counters' per-CPU lag: pages, not kB (that would be 4 times as much).
dmax=$(q "$f" "$mnt" 'max((m["dirty"]["pages"] or 0) + (m["dirty"]["writeback_pages"] or 0) for m in ms)')
t_cmp "$dmax" ">" 0 "dirty pages seen during the run"
t_cmp "$dmax" "<=" $((16384 + $(bdi_stat_lag_pages))) "at most the 64 MiB written, in pages (+ debugfs's per-CPU lag)"
t_near "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" "$(oracle_n req inflight_pages "$conn" 16)" 0 \
	"same events: pages of WRITEs sent and not answered" "writeback pages in flight at the end vs oracle"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$(fusectl_waiting "$conn")" 0 \
	"nothing can be in flight: the writer is done and msync waited" "pending requests at the end vs fusectl waiting"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["dirty"]["max_ratio"]')" ">=" 0 "bdi max_ratio is reported"
t_like "$(q "$f" "$mnt" 'ms[-1]["daemons"]')" "'pid': ${TFS_PID[slow]}," "the daemon pid is resolved"
t_like "$(q "$f" "$mnt" '[t["comm"] for m in ms for t in m["tasks"] if t["dirtied"]]')" "mmapwrite" "the dirtying task is named"
t_done
