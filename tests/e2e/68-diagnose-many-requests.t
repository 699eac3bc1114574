#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# More requests wait than diagnose lists (256 a connection): a stalled testfs
# with ~1 000 one-page writeback WRITEs (max_write=4096) and 300 stat(2)
# callers.  The count, the verdict and the abort's cost use every request
# the kernel holds (the sum of the queues equals fusectl `waiting`), the
# listing says it is cut, and the background line tells the slots in use
# from the requests queued for one.  A stat started meanwhile counts them
# all as pending too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

NSTAT=300
testfs_use many -o max_write=4096
mkdir "$mnt/d"

# 4 MiB dirtied through the mapping, written back after the stall in 1024 one-page WRITEs
writer_holding many 4 2
testfs_ctl many stall
wait_for "the writer to block in msync" 20 in_d_state "$writer"
ok $? "the writer blocks in msync"
# foreground requests nobody reads: each stat(2) waits for its LOOKUP
for i in $(seq $NSTAT); do
	stat "$mnt/d/f$i" > /dev/null 2>&1 &
	T_BG_PIDS+=($!)
done
wait_for "every request to be queued" 30 waiting_ge "$conn" $((1024 + NSTAT))
ok $? "fusectl counts the WRITEs and the LOOKUPs waiting"
sleep 1
w0=$(fusectl_waiting "$conn")

diagnose "$T_TMP/d.json" --hung-after 1 "$mnt"
timeout 30 "$FUSEWB" diagnose --hung-after 1 "$mnt" > "$T_TMP/d.txt" 2>&1
w1=$(fusectl_waiting "$conn")
t_cmp "$w1" == "$w0" "nothing moved while diagnose looked (waiting $w0)"
f=$T_TMP/d.json
n=$(dq "$f" 'c["requests"]["count"]')
t_near "$n" "$w0" 0 "same requests" "requests counted vs fusectl waiting"
t_near "$(dq "$f" 'sum(c["requests"]["by_queue"].values())')" "$w0" 0 "same requests" \
	"the queues add up to fusectl waiting"
t_cmp "$(dq "$f" 'c["requests"]["listed"]')" == 256 "256 of them listed"
t_cmp "$(dq "$f" 'c["requests"]["truncated"]')" == 0 "every list was walked to its end"
t_cmp "$(dq "$f" 'c["requests"]["writes"]')" ">=" 1024 "the WRITEs are counted, listed or not"
t_like "$(dq "$f" 'c["verdict"]')" "^not_(reading|answering)$" "verdict: the daemon answers none and reads no more"
unread=$(dq "$f" 'c["requests"]["by_queue"]["pending"]')
t_cmp "$unread" ">" 256 "more than 256 wait unread"
t_like "$(dq "$f" 'c["why"]')" "(^| )$unread (more|requests?) wait unread" "the verdict counts every unread request"
t_like "$(dq "$f" 'c["remedies"][0]["note"]')" "^ends the connection: $w0 waiting requests fail \\($(dq "$f" 'c["requests"]["writes"]') WRITEs\\)" \
	"the abort's cost counts every waiting request and WRITE"
act=$(dq "$f" 'c["background"]["active"]')
qd=$(dq "$f" 'c["background"]["queued"]')
t_cmp "$((act + qd))" == "$(dq "$f" 'c["background"]["num"]')" "background: active + queued = num_background"
t_like "$(cat "$T_TMP/d.txt")" "listing 256 of $n" "text: the listing says it is cut"
t_like "$(cat "$T_TMP/d.txt")" "background: $act of [0-9]+ slots active, $qd queued for a slot" \
	"text: slots active vs requests queued for one"

# the collector of a stat started now takes every one of them in
timeout 20 "$FUSEWB" stat --json -i 0.5 -c 1 "$mnt" > "$T_TMP/stat.json" 2> "$T_TMP/stat.err"
t_cmp "$(q "$T_TMP/stat.json" "$mnt" 'ms[0]["pending"]["count"]')" ">=" "$w0" \
	"stat started during the hang counts every waiting request"

testfs_ctl many resume
wait_exit "$writer" 60
t_cmp "$EXIT_RC" == 0 "after resume the writer completes"
wait_for "the connection to drain" 30 eval '[ "$(fusectl_waiting "$conn")" = 0 ]'
ok $? "every request answered after resume"
t_done
