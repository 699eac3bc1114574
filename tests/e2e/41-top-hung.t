#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewbtop and a hung daemon: the stalled mount is marked HUNG? (on the
# terminal and in batch output), the UI keeps refreshing, a monitor started
# after the hang still flags it, and fusewbtop never makes a file system
# call on the mount point (strace).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/40-top.bash"
need_root
command -v tmux >/dev/null || skip_all "tmux is not installed (scripts/packages/top.txt)"

testfs_mount ok || { echo "Bail out! cannot mount testfs"; exit 1; }
testfs_mount hang || { echo "Bail out! cannot mount testfs"; exit 1; }
OKM=${TFS_MNT[ok]}
HANG=${TFS_MNT[hang]}
echo data >"$HANG/f"

tm_start top 80 24 "TERM=xterm-256color $TOP --hung 2 -d 0.5 $OKM $HANG; echo EXIT=\$?; sleep 600"
tm_wait top $'\nMOUNTPOINT ' 10 >/dev/null
ok $? "fusewbtop is up on both mounts"

# stall the daemon, then make a request it will never answer
testfs_ctl hang stall
ok $? "daemon stalled"
# the oracle from the stall on: nothing is answered, so its first send is
# the oldest pending request (stopped after the readings, never touches the mount)
HCONN=$(conn_of "$HANG")
oracle_start req fuse_requests "$HCONN"
ok $? "bpftrace oracle attached to the stalled connection"
cat "$HANG/f" >/dev/null 2>&1 &
T_BG_PIDS+=($!)

cap=$(tm_wait top 'HUNG\?' 8)
ok $? "the stalled mount gets the HUNG? marker"
capwall=$(date +%s.%N)
diag "pane with a hung daemon:"
while IFS= read -r l; do diag "| $l"; done <<<"$cap"
row=$(grep -m1 'HUNG?' <<<"$cap")
t_like "$row" 'hang/mnt ' "HUNG? is on the stalled mount's row"
t_like "$(grep -A1 '^MOUNTPOINT' <<<"$cap" | tail -1)" 'hang/mnt .*HUNG\?' "the hung mount is listed first"
t_like "$cap" '1 POSSIBLY HUNG \(oldest request > 2s\)' "the status line counts it"
oldest=$(pane_val "$cap" 'hang/mnt$' OLDEST)
t_like "$oldest" '^[0-9.]+s$' "age of the oldest request in seconds"
# stalled: the count settles; a frame drawn after that reading shows it
waiting=$(fusectl_waiting_stable "$HCONN")
ok $? "fusectl's waiting settles while stalled ($waiting)"
tt=$(pane_title_time "$(tm_cap top)")
for _ in $(seq 50); do
	capp=$(tm_cap top)
	[ "$(pane_title_time "$capp")" != "$tt" ] && break
	sleep 0.1
done
t_near "$(pane_val "$capp" 'hang/mnt$' PEND)" "$waiting" 0 \
	"a stalled daemon: the count is stable" "PEND on the stalled mount vs fusectl waiting"
oracle_stop req
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_near "$(pane_val "$capp" 'hang/mnt$' PEND)" "$(oracle_sum req pending "$HCONN")" 0 \
	"same events: sent and not answered" "PEND on the stalled mount vs oracle"
t_cmp "$(fusectl_waiting "$HCONN")" == "$waiting" "fusectl's waiting did not change meanwhile"
# the frame on the pane was drawn up to one refresh (0.5 s) before the
# capture, and its age is shown to 0.1 s
t_near "$(awk -v a="${oldest%s}" 'BEGIN { print a * 1000 }')" \
	"$(oracle_age_ms "$(oracle_n req first_send_ns "$HCONN")" "$capwall")" 800 \
	"frame up to one 0.5 s refresh before the capture, shown to 0.1 s" \
	"OLDEST (ms) vs the oracle's first unanswered send"
[[ "$(grep 'ok/mnt' <<<"$cap")" != *HUNG* ]]
ok $? "the healthy mount is not flagged"

t1=$(pane_title_time "$cap")
sleep 1.5
cap2=$(tm_cap top)
t2=$(pane_title_time "$cap2")
[ -n "$t1" ] && [ -n "$t2" ] && [ "$t1" != "$t2" ]
ok $? "the UI still refreshes while the daemon hangs ($t1 -> $t2)"
tm send-keys -t top g Enter
cap=$(tm_wait top 'POSSIBLY HUNG: the daemon is not answering' 4)
ok $? "detail view of the hung mount says so"
# STATE: '-' where the kernel does not say whether the daemon read it (no fuse_request_sent)
t_like "$cap" $'Pending requests[^\n]*\n[^\n]*\n +[A-Z]+ +[0-9.]+s +(-|queued|serving) +[0-9]+ cat ' \
	"detail: the pending request, its age, whether the daemon read it and the task (cat) waiting for it"
tm send-keys -t top Escape

# started after the hang: the request predates the collector, its age is a lower bound
out=$T_TMP/late.out
timeout 20 strace -f -qq -e trace=%file -o "$T_TMP/strace" \
	"$TOP" -b --hung 2 -d 1 -n 3 "$HANG" >"$out" 2>&1
ok $? "batch run on a hung mount returns on time"
last=$(awk '/^MOUNTPOINT /{ h = $0 } /hang\/mnt /{ r = $0 } END { print r }' "$out")
t_like "$last" 'HUNG\?$' "batch: a monitor started after the hang flags it within the threshold"
t_like "$(cat "$out")" 'PEND' "batch output has the table"
# every system call that takes a path: none may name the mount point or below
touched=$(grep -F "$HANG" "$T_TMP/strace" | grep -v ' execve(' | head -3)
t_cmp "$(grep -c 'openat(' "$T_TMP/strace")" '>' 10 "strace saw fusewbtop's file system calls"
[ -z "$touched" ]
ok $? "no system call names the mount point"
[ -z "$touched" ] || diag "touched: $touched"

testfs_ctl hang resume
cap=$(tm_wait top 'EXIT|MOUNTPOINT' 2)
for _ in $(seq 40); do
	cap=$(tm_cap top)
	[[ $cap != *HUNG?* ]] && break
	sleep 0.2
done
[[ $cap != *HUNG?* ]]
ok $? "after resume the marker goes away"
tm send-keys -t top q
tm_wait top 'EXIT=0' 3 >/dev/null
ok $? "q: exits 0"

t_done
