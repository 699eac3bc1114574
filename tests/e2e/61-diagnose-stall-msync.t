#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# testfs stalled while a writable-mmap writer is in msync: the daemon read the
# writeback WRITEs and answers none; the writer waits on writeback.  After
# resume the data is intact.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_use st
# the oracle, attached before the workload: it sees every WRITE sent
oracle_start req fuse_requests "$conn" || { ok 1 "start the oracle"; t_done; exit 1; }

# dirty 8 MiB through the mapping, stall while it holds them, then msync
# (no `timeout` wrapper: $! must be the writer; wait_exit and the cleanup bound it)
writer_holding st 8 2 --verify
testfs_ctl st stall
wait_for "the writer to block in msync" 20 in_d_state "$writer"
ok $? "the writer blocks in msync"
wait_for "writeback WRITEs to reach the daemon" 20 waiting_ge "$conn" 1
# a request fusectl counts now, after the stall, is never answered: the oldest is at least this old
t_waiting=$(date +%s.%N)

# young (below --hung): slow, and the text says what the window saw, no p99 made of pending ages
diagnose "$T_TMP/young.json" -w 0.5 --slow 0.1 "$mnt"
t_like "$(dq "$T_TMP/young.json" 'c["verdict"]')" "^slow$" "young stall: slow, not yet hung"
t_like "$(dq "$T_TMP/young.json" 'c["remedies"][0]["note"]')" "no answer arrived in the [0-9.]+ m?s window and the oldest request waits" \
	"the remedy says no answer came in the window"
t_cmp "$(dq "$T_TMP/young.json" '"p99" in c["remedies"][0]["note"] + c["why"]')" == 0 "and gives no p99 (nothing was answered)"
sleep 2.5

t0=$(date +%s.%N)
diagnose "$T_TMP/d.json" --hung-after 2 "$mnt"
t1=$(date +%s.%N)
f=$T_TMP/d.json
oracle_stop req
t_cmp "$DIAG_RC" == 1 "exit 1: something is wrong"
t_like "$(dq "$f" 'c["verdict"]')" "^not_answering$" "verdict: the daemon read requests and answers none"
t_cmp "$(dq "$f" 'c["hung"]')" == 1 "it is a hang"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'c["daemons"][0]["pid"]')" == "${TFS_PID[st]}" "the daemon pid"
n=$(dq "$f" 'c["requests"]["count"]')
t_cmp "$n" ">=" 1 "requests stuck in the kernel"
t_cmp "$n" == "$(waiting "$conn")" "as many as fusectl counts waiting"
t_like "$(dq "$f" 'sorted(set(r["opcode"] for r in c["requests"]["list"]))')" "^WRITE$" "all of them WRITEs"
t_cmp "$(dq "$f" 'all(r["writeback"] for r in c["requests"]["list"])')" == 1 "writeback WRITEs"
t_cmp "$(dq "$f" 'c["requests"]["by_queue"]["processing"]')" == "$n" "all read by the daemon, none answered"
t_youngest_age req "$conn" "$f" "$t1" 'min(r["age_ms"] for r in c["requests"]["list"])' \
	"the youngest request's age (ms, from create_time) vs the oracle's last send"
t_like "$(dq "$f" 'c["requests"]["list"][0]["age_source"]')" "^create_time$" "ages from the kernel's create_time"
# the oldest request: sent after the oracle's first send, waiting since before t_waiting
lo=$(awk -v a="$t0" -v b="$t_waiting" 'BEGIN { printf "%.1f", (a - b) * 1e3 }')
hi=$(oracle_age_ms "$(oracle_n req first_send_ns "$conn")" "$t1")
t_near "$(dq "$f" 'max(r["age_ms"] for r in c["requests"]["list"])')" \
	"$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (l + h) / 2 }')" \
	"$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (h - l) / 2 }')" \
	"bounds: fusectl's first waiting reading ($lo ms) and the oracle's first send ($hi ms)" \
	"the oldest request's age"
# the oracle counts each unanswered WRITE's pages, rounded up: up to 4095 bytes per WRITE over its bytes
t_near "$(dq "$f" 'sum(r["bytes"] for r in c["requests"]["list"])')" \
	"$(($(oracle_n req inflight_pages "$conn" 16) * 4096))" "$((n * 4095))" \
	"the oracle counts whole pages per WRITE" \
	"the stuck WRITEs' bytes, vs the oracle's pages sent and unanswered"
# the bdi's page counts are per-CPU batched counters (WB_STAT_BATCH =
# 8 * (1 + ilog2(CPUs)) per CPU), so they may trail the truth by that much
cpus=$(nproc)
tol=$((cpus * 8 * (1 + $(awk -v n="$cpus" 'BEGIN {l = 0; while (n > 1) {n = int(n / 2); l++} print l}'))))
wbp=$(dq "$f" 'c["dirty"]["writeback_pages"]')
t_cmp "$wbp" ">=" $((2048 - tol)) "the bdi holds those pages under writeback (within its per-CPU counter error $tol)"
t_cmp "$(dq "$f" 'len([b for b in c["blocked"] if b["pid"] == '"$writer"'])')" == 1 "the writer is listed as blocked"
t_like "$(dq "$f" '[b["wait"] + " " + b["where"] for b in c["blocked"] if b["pid"] == '"$writer"'][0]')" \
	"^writeback folio_wait_writeback < fuse_fsync" "waiting on writeback from msync's fsync"
t_like "$(dq "$f" 'c["remedies"][0]["command"]')" "^echo 1 > /sys/fs/fuse/connections/$conn/abort$" \
	"the remedy: abort the connection"
t_like "$(dq "$f" 'c["remedies"][0]["note"]')" "$n waiting requests fail \($n WRITEs\), .* $wbp \([0-9.]+ MiB\) writeback pages of this mount are lost" \
	"with its cost counted"

testfs_ctl st resume
wait_exit "$writer" 60
t_cmp "$EXIT_RC" == 0 "after resume the writer completes and its data verifies"
diagnose "$T_TMP/after.json" "$mnt"
t_like "$(dq "$T_TMP/after.json" 'c["verdict"]')" "^healthy$" "healthy again"
t_done
