#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The hang started before diagnose was launched and no fusewb process was
# watching: the iterators still find the stuck requests, their ages (from the
# kernel's create_time) predate diagnose, and the blocked stat is tied to the
# mount by its request.  Without create_time (as on 6.12), the ages are
# "unknown" and the verdict rests on the requests outliving the window;
# with --watch, requests sent after diagnose started get ages from its collector.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_mount ph || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[ph]}
pid=${TFS_PID[ph]}
conn=$(conn_of "$mnt")
# created behind the kernel's back: no dentry or attributes cached, stat must ask
touch "${TFS_BACK[ph]}/file"

# a directory looked up before the stall: a later path through it revalidates
# its dentry with a LOOKUP of its own instead of queueing behind the stuck one
mkdir "$mnt/sub"
testfs_ctl ph stall
# the oracle sees the stat's request sent: its first send on this connection
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
# a stat(2) on the stalled mount: a LOOKUP/GETATTR nobody answers
stat "$mnt/file" > /dev/null 2>&1 &
statter=$!
T_BG_PIDS+=($statter)
wait_for "the stat to reach the daemon" 20 waiting_ge "$conn" 1
ok $? "a request is stuck before diagnose starts"
sleep 11
since=$(date +%s.%N)

diagnose "$T_TMP/d.json" "$mnt"
f=$T_TMP/d.json
until=$(date +%s.%N)
ran=$(awk -v a="$since" -v b="$until" 'BEGIN { print (b - a) * 1000 }')
oracle_stop req
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_cmp "$DIAG_RC" == 1 "exit 1"
t_like "$(dq "$f" 'c["verdict"]')" "^not_answering$" "verdict: not answering (default --hung 10 s)"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'c["daemons"][0]["pid"]')" == "$pid" "the daemon pid"
t_cmp "$(dq "$f" 'c["requests"]["count"]')" == 1 "one stuck request"
t_near "$(dq "$f" 'c["requests"]["count"]')" "$(oracle_sum req pending "$conn")" 0 \
	"same events: sent and not answered" "stuck requests vs oracle"
t_like "$(dq "$f" 'c["requests"]["list"][0]["opcode"]')" "^(LOOKUP|GETATTR)$" "the stat's LOOKUP or GETATTR"
t_cmp "$(dq "$f" 'c["requests"]["list"][0]["pid"]')" == "$statter" "asked by the stat process"
t_like "$(dq "$f" 'c["requests"]["list"][0]["age_source"]')" "^create_time$" "its age from the kernel"
t_cmp "$(dq "$f" 'c["requests"]["list"][0]["age_ms"]')" ">" "$(awk -v r="$ran" 'BEGIN { print r + 5000 }')" \
	"older than diagnose itself: it was read post hoc"
# diagnose reads the age at some moment of its run: the oracle's age of the
# send at the run's middle, within half the run plus jiffies (create_time)
mid=$(awk -v a="$since" -v b="$until" 'BEGIN { printf "%.3f", (a + b) / 2 }')
t_near "$(dq "$f" 'c["requests"]["list"][0]["age_ms"]')" \
	"$(oracle_age_ms "$(oracle_n req first_send_ns "$conn")" "$mid")" \
	"$(awk -v r="$ran" 'BEGIN { printf "%.0f", r / 2 + 20 }')" \
	"read at an unknown moment of diagnose's ${ran%.*} ms run; create_time in jiffies" \
	"its age (ms) vs the oracle's send"
t_like "$(dq "$f" '[b["wait"] + "/" + b["via"] for b in c["blocked"] if b["pid"] == '"$statter"']')" \
	"^answer/request$" "the stat is blocked waiting for that answer"
t_cmp "$(dq "$f" '[b["offcpu_ms"] for b in c["blocked"] if b["pid"] == '"$statter"'][0]')" ">" 5000 \
	"for over 5 s"

# kernels without fuse_req.create_time (6.12): same verdict, honest ages
FUSEWB_DIAG_NO_CREATE_TIME=1 diagnose "$T_TMP/u.json" "$mnt"
u=$T_TMP/u.json
t_like "$(dq "$u" 'c["verdict"]')" "^not_answering$" "without create_time: still not answering"
t_like "$(dq "$u" 'c["requests"]["list"][0]["age_source"]')" "^unknown$" "the age is unknown"
t_cmp "$(dq "$u" 'c["requests"]["list"][0]["persisted"]')" == 1 "the request outlived the window"
t_cmp "$(dq "$u" 'c["requests"]["list"][0]["age_min_ms"]')" ">=" 900 "so it is at least the window old"
t_like "$(dq "$u" 'c["why"]')" "at least" "the verdict says the age is a lower bound"

# --watch, without create_time: a request sent while diagnose runs gets its age from the collector
FUSEWB_DIAG_NO_CREATE_TIME=1 timeout 30 "$FUSEWB" diagnose --json --watch=1 -c 3 --window 0.5 "$mnt" \
	> "$T_TMP/w.json" 2>/dev/null &
watcher=$!
T_BG_PIDS+=($watcher)
# its first report is out: the collector is attached and times what comes next
wait_for "diagnose --watch's first report" 20 test -s "$T_TMP/w.json"
stat "$mnt/sub/late" > /dev/null 2>&1 &
T_BG_PIDS+=($!)
wait_exit "$watcher" 30
t_cmp "$EXIT_RC" == 1 "diagnose --watch ends after 3 reports, exit 1"
t_like "$(dq "$T_TMP/w.json" 'sorted(r["age_source"] for r in c["requests"]["list"])')" "^collector,unknown$" \
	"the new request's age comes from the collector, the old one's stays unknown"

testfs_ctl ph resume
wait_exit "$statter" 20
t_cmp "$EXIT_RC" == 0 "after resume the stat completes"
t_done
