#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewbtop on a real terminal (tmux, 80x24): a fast and a slow (write delay
# 50 ms) testfs under a writable-mmap workload.  The pane is captured as text
# and the numbers of the rows asserted; then every key, resizing, and that
# q and ^C both give the terminal back.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/40-top.bash"
need_root
command -v tmux >/dev/null || skip_all "tmux is not installed (scripts/packages/top.txt)"

testfs_mount fast || { echo "Bail out! cannot mount testfs"; exit 1; }
testfs_mount slow --delay write=50 || { echo "Bail out! cannot mount testfs"; exit 1; }
FAST=${TFS_MNT[fast]}
SLOW=${TFS_MNT[slow]}
for m in "$FAST" "$SLOW"; do
	"$MMAPWRITE" --size 8 --passes 1000000 --rewrite "$m/f" >/dev/null 2>&1 &
	T_BG_PIDS+=($!)
done

# the oracle over the window of the first frames, for the latency they report
oracle_start req fuse_requests "$(conn_of "$FAST")" "$(conn_of "$SLOW")"
ok $? "bpftrace oracle attached to both connections"
# the shell outlives fusewbtop: its exit status and the terminal state stay readable
tm_start top 80 24 "TERM=xterm-256color $TOP $FAST $SLOW; echo EXIT=\$?; sleep 600"
t_like "$(tm display -p -t top '#{window_width}x#{window_height}')" '^80x24$' "terminal is 80x24"
# a frame with p50 for the slow mount: rates need one interval
cap=$(tm_wait top 'slow/mnt +[0-9.]+ +[0-9.]+ +[0-9.]+' 10)
ok $? "a frame with rates for the slow mount"
diag "pane at 80x24:"
while IFS= read -r l; do diag "| $l"; done <<<"$cap"

heading=$(grep -m1 '^MOUNTPOINT ' <<<"$cap")
for col in WR/s MB/s p50ms p99ms DIRTY LIM% PEND OLDEST FLAG; do
	[[ " $heading " == *" $col "* ]]
	ok $? "80 columns: $col is shown"
done
t_like "$heading" 'FLAG *$' "80 columns: the last column (FLAG) is not cut"
longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' <<<"$cap")
t_cmp "$longest" '<=' 80 "no line wider than the terminal"
row=$(grep -E 'slow/mnt ' <<<"$cap")
nh=$(wc -w <<<"$heading")
nr=$(wc -w <<<"$row")
t_cmp "$nr" '>=' $((nh - 1)) "slow row has a value under every heading (FLAG empty)"
# MB/s of one frame vs the bytes testfs wrote between the two frames' edges:
# an edge is seen by polling the pane (the title's second changes each 1 s
# refresh), so each is known to within the poll's span
frame_edge() {	# frame_edge TITLE_TIME: wait for a new frame; prints "capture-start capture-end bytes-slow bytes-fast"
	local a b c
	for _ in $(seq 40); do
		a=$(date +%s.%N)
		c=$(tm_cap top)
		if [ "$(pane_title_time "$c")" != "$1" ]; then
			testfs_status slow; testfs_status fast
			b=$(date +%s.%N)
			EDGE_CAP=$c
			echo "$PREV_POLL $b $(testfs_stat slow write_bytes) $(testfs_stat fast write_bytes)"
			return 0
		fi
		PREV_POLL=$a
		sleep 0.05
	done
	return 1
}
PREV_POLL=$(date +%s.%N)
read -r _ e1 _ _ < <(frame_edge "$(pane_title_time "$(tm_cap top)")")
PREV_POLL=$(date +%s.%N)
frame_edge "$(pane_title_time "$(tm_cap top)")" >"$T_TMP/edge1"
read -r a1 b1 s1 f1 <"$T_TMP/edge1"
t1=$(pane_title_time "$(tm_cap top)")
PREV_POLL=$(date +%s.%N)
frame_edge "$t1" >"$T_TMP/edge2"
read -r a2 b2 s2 f2 <"$T_TMP/edge2"
mcap=$(tm_cap top)
for n in slow fast; do
	eval "x1=\$${n:0:1}1 x2=\$${n:0:1}2"
	got=$(pane_val "$mcap" "$n/mnt\$" MB/s)
	# testfs's bytes are read at the ends b1, b2 of the polls; the frame's
	# edges lie within [a, b] of each, so its interval's bytes differ by at
	# most the rate times those two spans (and the figure is shown to 0.1)
	read -r ref tol < <(awk -v x1="$x1" -v x2="$x2" -v a1="$a1" -v b1="$b1" -v a2="$a2" -v b2="$b2" 'BEGIN {
		r = (x2 - x1) / 1e6 / (b2 - b1)
		printf "%.2f %.2f\n", r, r * ((b1 - a1) + (b2 - a2)) + 0.05 }')
	t_near "$got" "$ref" "$tol" "each edge of the interval seen within one pane poll and a status read; shown to 0.1" \
		"$n mount: MB/s vs testfs's write_bytes over the frame's interval"
done
oracle_stop req
ok $? "oracle stopped and parsed"
# testfs sleeps 50 ms in every WRITE of the slow mount: at least its bucket's 33.6 ms
t_cmp "$(pane_val "$cap" 'slow/mnt$' p50ms)" '>=' 33 "slow mount: p50 >= 33 ms (50 ms delay)"
# The frame's p50 is interpolated in a log2 bucket of one interval; the
# oracle's median bucket [lo, hi) covers the oracle's whole window, so
# the frame may sit one bucket either side of it (the load varies).
for n in fast slow; do
	read -r lo hi < <(oracle_hist_pct req lat_log2 50 "$(conn_of "${TFS_MNT[$n]}")" 16)
	p50=$(pane_val "$cap" "$n/mnt\$" p50ms)
	t_cmp "$p50" '>=' "$(awk -v l="${lo:-0}" 'BEGIN { print l / 2 / 1e6 }')" \
		"$n mount: p50 at least half the oracle's median bucket [$((${lo:-0} / 1000)), $((${hi:-0} / 1000))) µs"
	t_cmp "$p50" '<=' "$(awk -v h="${hi:-0}" 'BEGIN { print h * 2 / 1e6 }')" \
		"$n mount: p50 at most twice the top of the oracle's median bucket"
done
t_like "$(sed -n 2p <<<"$cap")" '^sources: tp_btf fuse_request_\*' "sources line"
t_like "$(sed -n 3p <<<"$cap")" '^vm: dirty [0-9.]+[BKMG]' "vm line, in bytes"
t_like "$(tail -1 <<<"$cap")" '^q:quit' "key help in the footer"

# sort: s moves to the next column
tm send-keys -t top s
cap=$(tm_wait top 'sort p50ms \(desc\)' 3)
ok $? "s: sort by the next column (p50ms)"
t_like "$(grep -A1 '^MOUNTPOINT' <<<"$cap" | tail -1)" 'slow/mnt ' "sorted by p50: the slow mount first"
tm send-keys -t top r
tm_wait top 'sort p50ms \(asc\)' 3 >/dev/null
ok $? "r: reverse the order"
tm send-keys -t top '<'
tm_wait top 'sort MB/s \(desc\)' 3 >/dev/null
ok $? "<: back to MB/s"

# filter
tm send-keys -t top / s l o w Enter
cap=$(tm_wait top "filter 'slow'" 3)
ok $? "/: filter prompt applied"
t_cmp "$(grep -c 'fast/mnt' <<<"$cap")" == 0 "filter hides the fast mount"
t_cmp "$(grep -c 'slow/mnt' <<<"$cap")" == 1 "filter keeps the slow mount"
tm send-keys -t top / C-u Enter
cap=$(tm_wait top '2 FUSE mounts' 3)
ok $? "empty filter: every mount again"

# detail view of the slow mount
tm send-keys -t top / s l o w Enter
sleep 0.3
tm send-keys -t top Enter
cap=$(tm_wait top 'Writeback latency \(this interval\)' 3)
ok $? "Enter: detail view"
t_like "$cap" "$(basename "$(dirname "$SLOW")")/mnt  fuse.testfs" "detail: the selected mount's title"
t_like "$cap" 'daemon: [0-9]+ testfs' "detail: daemon"
# the slow mount writes all along: its history has MB/s and a p99 of ~50 ms
# (below the histogram and the pending requests: scroll down to it)
for i in $(seq 30); do
	[[ $(tm_cap top) == *$'\n  pending   |'* ]] && break
	tm send-keys -t top j
	sleep 0.1
done
cap=$(tm_wait top $'History \\(last [0-9]+ refreshes[^\n]*\n  MB/s +\\|[^|]*[.:=+*#%@][^|]*\\|' 5)
ok $? "detail: a sparkline history of MB/s"
t_like "$(grep '^  p99 ' <<<"$cap")" '\|  now [0-9.]+ms  max [0-9.]+ms$' "detail: and of p99, in ms"
t_like "$(grep '^  pending ' <<<"$cap")" '\|  now [0-9]+  max [0-9]+$' "detail: and of pending requests"
tm send-keys -t top g
tm send-keys -t top G
cap=$(tm_wait top 'Tasks waiting on writeback' 3)
ok $? "detail: scrolls to the task tables"
t_like "$cap" 'Requests by opcode|Pending requests|Tasks dirtying' "detail: tables below the histogram"
tm send-keys -t top g
cap=$(tm_wait top '33\.6ms-67\.1ms +\|#' 4)
ok $? "detail: latency bars in the 50 ms bucket"
tm send-keys -t top c
tm_wait top 'Writeback latency \(since start\)' 3 >/dev/null
ok $? "c: since start"
tm send-keys -t top Escape
tm_wait top $'\nMOUNTPOINT ' 3 >/dev/null
ok $? "Esc: back to the list"
tm send-keys -t top / C-u Enter

# help, pause, interval
tm send-keys -t top h
cap=$(tm_wait top 'Help \(j/k, PgUp/PgDn, g/G scroll' 3)
ok $? "h: help"
t_like "$(grep -c 'Data sources in use' <<<"$cap")" '^0$' "at 80x24 its first page does not reach the data sources"
# at 80x24 the help is longer than the screen: it scrolls, everything is reachable
seen=$cap
for i in $(seq 12); do
	tm send-keys -t top NPage
	sleep 0.3
	seen+=$'\n'$(tm_cap top)
done
for want in 'INFL +pages under writeback' 'FLAG +HUNG\?' 'drops columns in this order' 'Data sources in use' \
	    'fuse_request'; do
	t_like "$seen" "$want" "help scrolls down to /$want/"
done
t_like "$(tm_cap top)" 'Help \(j/k' "paging keeps the help screen"
tm send-keys -t top g
t_like "$(tm_wait top $'Help[^\n]*\n  q +quit' 3)" '  q +quit' "g: back to the top of the help"
tm send-keys -t top x
tm_wait top $'\nMOUNTPOINT ' 3 >/dev/null
ok $? "any key leaves help"
tm send-keys -t top p
cap=$(tm_wait top '\[PAUSED\]' 3)
ok $? "p: paused"
t1=$(pane_title_time "$cap")
sleep 2.2
t2=$(pane_title_time "$(tm_cap top)")
t_like "$t2" "^$t1\$" "paused: no refresh"
tm send-keys -t top p
sleep 2.2
t3=$(pane_title_time "$(tm_cap top)")
[ -n "$t3" ] && [ "$t3" != "$t1" ]
ok $? "p again: refreshing ($t1 -> $t3)"
tm send-keys -t top d 0 . 5 Enter
tm_wait top 'every 0\.5s' 3 >/dev/null
ok $? "d: interval changed to 0.5 s"
tm send-keys -t top d x Enter
tm_wait top 'invalid interval' 3 >/dev/null
ok $? "d: a bad interval is refused with a message"

# resizing
tm resize-window -t top -x 60 -y 15
cap=$(tm_wait top 'MOUNTPOINT.*FLAG' 3)
ok $? "resized to 60x15: table redrawn with the FLAG column"
longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' <<<"$cap")
t_cmp "$longest" '<=' 60 "60 columns: no line wider"
tm resize-window -t top -x 160 -y 40
cap=$(tm_wait top 'MOUNTPOINT.*FSTYPE.*DAEMON' 3)
ok $? "resized to 160x40: FSTYPE and DAEMON columns appear"
t_like "$cap" "$SLOW +fuse.testfs +${TFS_PID[slow]}/testfs" "wide: whole mount point, fs type, daemon"
tm resize-window -t top -x 80 -y 24

# q: exits 0 and gives the terminal back (no alternate screen, cursor on)
tm send-keys -t top q
tm_wait top 'EXIT=0' 3 >/dev/null
ok $? "q: exits with status 0"
t_like "$(tm display -p -t top '#{alternate_on} #{cursor_flag}')" '^0 1$' "q: terminal restored"

# ^C: the same
tm_start intr 80 24 "TERM=xterm-256color $TOP; echo EXIT=\$?; sleep 600"
tm_wait intr $'\nMOUNTPOINT ' 10 >/dev/null
tm send-keys -t intr C-c
tm_wait intr 'EXIT=0' 3 >/dev/null
ok $? "^C: exits with status 0"
t_like "$(tm display -p -t intr '#{alternate_on} #{cursor_flag}')" '^0 1$' "^C: terminal restored"

t_done
