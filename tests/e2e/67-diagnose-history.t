#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A fusewb export that has been running when diagnose starts: its pinned
# maps give diagnose the mount's history (answers and latencies before the
# hang) and the age of requests sent before diagnose ran, which is what a
# kernel without fuse_req.create_time needs (simulated here with
# FUSEWB_DIAG_NO_CREATE_TIME).  Without the exporter there is no history.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

testfs_use h --delay write=20

diagnose "$T_TMP/none.json" "$mnt"
t_like "$(dq "$T_TMP/none.json" 'c["history"]')" "^None$" "no fusewb running: no history"

# the oracle times every WRITE the exporter can have seen: attached before it starts
oracle_start h fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
export_start "$T_TMP/export.err" || { ok 1 "the exporter starts"; t_done; exit 1; }
t_ok "the exporter pins its maps" bash -c "ls -d $FUSEWB_PIN_DIR/$EXP_PID-* >/dev/null"
timeout 60 "$MMAPWRITE" --size 4 --verify "$mnt/warm" > /dev/null 2>&1
ok $? "4 MiB written back with a 20 ms WRITE delay while the exporter runs"

writer_holding h 4 2 --verify
testfs_ctl h stall
wait_for "writeback WRITEs to reach the daemon" 20 waiting_ge "$conn" 1
sleep 3

FUSEWB_DIAG_NO_CREATE_TIME=1 diagnose "$T_TMP/d.json" --hung-after 2 "$mnt"
t1=$(date +%s.%N)
f=$T_TMP/d.json
oracle_stop h
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_cmp "$DIAG_RC" == 1 "the stall is reported"
t_cmp "$(dq "$f" 'c["history"]["pid"]')" == "$EXP_PID" "the history is the exporter's"
t_like "$(dq "$f" 'c["history"]["command"]')" "export" "named by its command"
t_cmp "$(dq "$f" 'c["history"]["writeback"]["writes"]')" ">=" 4 "it saw the earlier writeback WRITEs"
t_near "$(dq "$f" 'c["history"]["writeback"]["writes"]')" "$(oracle_n h done "$conn" 16)" 0 \
	"same events: no WRITE is answered while stalled" "answered WRITEs in the history vs oracle"
# the oracle's p50 bucket [lo, 2*lo) ns: fusewb's p50 within half its width of its middle
read -r lo hi <<< "$(oracle_hist_pct h lat_log2 50 "$conn" 16 || echo x x)"
t_near "$(dq "$f" 'c["history"]["writeback"]["p50_us"]')" \
	"$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (l + h) / 2000 }' 2>/dev/null)" \
	"$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (h - l) / 2000 }' 2>/dev/null)" \
	"log2 bucket [$lo, $hi) ns; same WRITEs" "their p50 (us), with the 20 ms delay, vs oracle"
t_cmp "$(dq "$f" 'c["history"]["pending"]')" ">=" 1 "it holds the stuck WRITEs as pending"
t_near "$(dq "$f" 'c["history"]["pending"]')" "$(oracle_sum h pending "$conn")" 0 \
	"same events: sent and not answered" "pending in the history vs oracle"
t_like "$(dq "$f" 'sorted(set(r["age_source"] for r in c["requests"]["list"]))')" "history" \
	"without create_time, the stuck requests' ages come from the history"
# the youngest of them (the exporter stamped the same send event) against the oracle's last send
t_youngest_age h "$conn" "$f" "$t1" 'min(r["age_ms"] for r in c["requests"]["list"] if r["age_source"] == "history")' \
	"the youngest history age (ms), from before diagnose started, vs the oracle's last send"
FUSEWB_DIAG_NO_CREATE_TIME=1 timeout 30 "$FUSEWB" diagnose --hung-after 2 "$mnt" > "$T_TMP/d.txt" 2>&1
t_like "$(grep 'history (' "$T_TMP/d.txt")" "history \(fusewb export, pid $EXP_PID" "the text report shows the history"

testfs_ctl h resume
wait_exit "$writer" 60
t_cmp "$EXIT_RC" == 0 "after resume the writer completes and its data verifies"
export_stop
t_cmp $? == 0 "the exporter exits 0"
t_ok "and removes its pins" bash -c "! ls -d $FUSEWB_PIN_DIR/$EXP_PID-* 2>/dev/null"
t_done
