#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# testfs SIGSTOPped with a writer in msync: verdict "daemon stopped", and the
# remedy diagnose prints (kill -CONT PID), run as printed, releases everything.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_mount sp || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[sp]}
pid=${TFS_PID[sp]}
conn=$(conn_of "$mnt")
# never leave a stopped daemon behind, whatever happens below
trap 'kill -CONT "$pid" 2>/dev/null; t_cleanup' EXIT
# the oracle, attached before the workload: it sees every WRITE sent
oracle_start req fuse_requests "$conn" || { ok 1 "start the oracle"; t_done; exit 1; }

writer_holding sp 4 1 --verify
kill -STOP "$pid"
wait_for "the writer to block in msync" 20 in_d_state "$writer"
ok $? "the writer blocks behind the stopped daemon"
wait_for "WRITEs to queue" 20 waiting_ge "$conn" 1

diagnose "$T_TMP/d.json" "$mnt"
f=$T_TMP/d.json
oracle_stop req
t_cmp "$DIAG_RC" == 1 "exit 1"
t_like "$(dq "$f" 'c["verdict"]')" "^daemon_stopped$" "verdict: daemon stopped"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'c["daemons"][0]["pid"]')" == "$pid" "the daemon pid"
t_cmp "$(dq "$f" 'all(t["state"] == "T" for t in c["daemons"][0]["threads"])')" == 1 "every daemon thread is stopped (T)"
n=$(dq "$f" 'c["requests"]["count"]')
t_cmp "$n" ">=" 1 "requests stuck"
t_cmp "$(dq "$f" 'c["requests"]["by_queue"]["pending"]')" == "$n" "none of them read: all in the pending queue"
t_like "$(dq "$f" 'sorted(set(r["opcode"] for r in c["requests"]["list"]))')" "^WRITE$" "WRITEs"
# the oracle counts each unanswered WRITE's pages, rounded up: up to 4095 bytes per WRITE over its bytes
t_near "$(dq "$f" 'sum(r["bytes"] for r in c["requests"]["list"])')" \
	"$(($(oracle_n req inflight_pages "$conn" 16) * 4096))" "$((n * 4095))" \
	"the oracle counts whole pages per WRITE" \
	"the stuck WRITEs' bytes, vs the oracle's pages sent and unanswered"
t_like "$(dq "$f" '[b["wait"] for b in c["blocked"] if b["pid"] == '"$writer"']')" "^writeback$" \
	"the writer waits on writeback"
cmd=$(dq "$f" 'c["remedies"][0]["command"]')
t_like "$cmd" "^kill -CONT $pid$" "the remedy: kill -CONT PID"
t_like "$(dq "$f" 'c["remedies"][0]["note"]')" "nothing is lost" "which loses nothing"

txt=$(timeout 30 "$FUSEWB" diagnose --window 0.2 "$mnt")
t_like "$(echo "$txt" | sed -n 3p)" "HUNG: daemon stopped" "text: the verdict first"
t_like "$txt" "remedy:.*kill -CONT $pid" "text: the remedy to copy"

eval "$cmd"
ok $? "run the remedy as printed"
wait_exit "$writer" 60
t_cmp "$EXIT_RC" == 0 "the writer completes and its data verifies"
diagnose "$T_TMP/after.json" "$mnt"
t_like "$(dq "$T_TMP/after.json" 'c["verdict"]')" "^healthy$" "healthy again"
t_done
