#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A daemon that does I/O on its own mount while serving a WRITE (testfs
# selfio): verdict self-deadlock, naming the daemon thread.  Only the abort
# ends it: the writer then gets an error and nothing else stays hung.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_mount sd || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[sd]}
pid=${TFS_PID[sd]}
conn=$(conn_of "$mnt")

testfs_ctl sd "selfio $mnt/data"
"$MMAPWRITE" --size 1 "$mnt/data" > "$T_TMP/writer.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
wait_for "the writer to block" 20 in_d_state "$writer"
ok $? "the writer blocks in msync"
sleep 2

diagnose "$T_TMP/d.json" "$mnt"
f=$T_TMP/d.json
t_cmp "$DIAG_RC" == 1 "exit 1"
t_like "$(dq "$f" 'c["verdict"]')" "^self_deadlock$" "verdict: daemon blocked inside its own mount"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'c["daemons"][0]["pid"]')" == "$pid" "the daemon pid"
culprit=$(dq "$f" '[t["tid"] for t in c["daemons"][0]["threads"] if t["state"] == "D"][0]')
t_cmp "$culprit" ">" 0 "a daemon thread is in D state"
t_like "$(dq "$f" 'c["why"]')" "daemon thread $culprit waits on its own mount" "the verdict names that thread"
t_like "$(dq "$f" '[t["where"] for t in c["daemons"][0]["threads"] if t["tid"] == '"$culprit"'][0]')" \
	"fuse_do_getattr" "and where: its stat() of its own file"
t_cmp "$(dq "$f" '[t["wait_connection"] for t in c["daemons"][0]["threads"] if t["tid"] == '"$culprit"'][0]')" \
	== "$conn" "on this very connection"
t_cmp "$(dq "$f" 'c["requests"]["count"]')" == 1 "one request stuck"
t_like "$(dq "$f" 'c["requests"]["list"][0]["opcode"] + " " + c["requests"]["list"][0]["queue"]')" \
	"^WRITE processing$" "the WRITE the thread is serving, read but unanswered"
t_like "$(dq "$f" '[b["wait"] for b in c["blocked"] if b["pid"] == '"$writer"']')" "^writeback$" \
	"the writer is blocked on its writeback"
t_like "$(dq "$f" 'c["remedies"][0]["command"]')" "^echo 1 > /sys/fs/fuse/connections/$conn/abort$" \
	"the remedy: abort"

# --abort without a terminal to ask on and without --yes must not abort
timeout 30 "$FUSEWB" diagnose --window 0 --abort "$mnt" < /dev/null > /dev/null 2> "$T_TMP/noabort.err"
t_like "$(cat "$T_TMP/noabort.err")" "not aborting connection $conn" "--abort asks first; with no terminal it does not abort"
t_cmp "$(waiting "$conn")" ">=" 1 "the request is still there"

diagnose "$T_TMP/a.json" --window 0 --abort --yes "$mnt"
t_cmp "$(dq "$T_TMP/a.json" 'aborts[0]["ok"]')" == 1 "--abort --yes aborted the connection"
t_cmp "$(dq "$T_TMP/a.json" 'aborts[0]["requests_failed"]')" == 1 "failing its one request"
wait_exit "$writer" 20
t_cmp "$EXIT_RC" == 3 "the writer got an error from msync (exit 3)"
t_cmp "$(dq "$T_TMP/a.json" 'aborts[0]["blocked_left"]')" == 0 "no task is left blocked"
wait_for "the daemon to go" 10 eval '! kill -0 '"$pid"' 2>/dev/null || ! in_d_state '"$pid"
ok $? "the daemon is not stuck in D state any more"
t_done
