#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A stalled daemon: pending requests counted and ageing, as many as fusectl's
# waiting and the bpftrace oracle say, the oldest as old as the oracle's
# first unanswered send; back to zero after resume.  Then stalled mid-
# writeback: the WRITEs sent and the pages in flight as the oracle saw them.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_use st
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"

testfs_ctl st stall
testfs_status st
ok $? "the stall is in effect"
# From here on testfs answers nothing: every request the oracle sees stays
# pending, and the first one it sees is the oldest.
oracle_start req fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
timeout 60 "$MMAPWRITE" --size 4 --verify "$mnt/data" > "$T_TMP/writer.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
waiting=$(fusectl_waiting_stable "$conn")
ok $? "fusectl's waiting settles while stalled ($waiting)"
for _ in $(seq 50); do
	[ "$(q "$T_TMP/stat.json" "$mnt" 'int(ms[-1]["pending"]["oldest_ms"] > 1000)')" = 1 ] && break
	sleep 0.1
done
stat_settle
# one frozen copy: stat keeps appending while the checks read it
f=$T_TMP/stalled.json
cp "$T_TMP/stat.json" "$f"
oracle_stop req
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_cmp "$(fusectl_waiting "$conn")" == "$waiting" "fusectl's waiting did not change meanwhile"
t_cmp "$waiting" ">" 0 "fusectl: requests waiting"
# Stalled: nothing is answered, so every count is stable, and all requests
# were sent (a handful of WRITEs, below max_background: none queued unsent).
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$waiting" 0 \
	"a stalled daemon: the count is stable" "pending requests while stalled vs fusectl waiting"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["waiting"]')" "$waiting" 0 \
	"the same file, count stable" "pending.waiting vs fusectl waiting"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$(oracle_sum req pending "$conn")" 0 \
	"same events: sent and not answered" "pending requests while stalled vs oracle"
# fusewb ages a request in jiffies (4 ms at HZ 250); the record's time is
# taken beside the snapshot, and the clock offset read afterwards (~1 ms).
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["oldest_ms"]')" \
	"$(oracle_age_ms "$(oracle_n req first_send_ns "$conn")" "$(q "$f" "$mnt" 'lines[-1]["time"]')")" 20 \
	"ages in jiffies, record time beside the snapshot" "oldest pending age (ms) vs the oracle's first unanswered send"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["oldest_ms"]')" ">" 1000 "the oldest pending request is over a second old"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["oldest_ms"] - ms[-3]["pending"]["oldest_ms"]')" \
	"$(q "$f" "$mnt" '(lines[-1]["time"] - lines[-3]["time"]) * 1000')" 20 \
	"ages in jiffies, record times beside the snapshots" "its age grows with the clock (ms over two reports)"

testfs_ctl st resume
wait $writer
ok $? "the writer completes after resume, data verified"
for _ in $(seq 100); do
	[ "$(fusectl_waiting "$conn")" = 0 ] && break
	sleep 0.1
done
stat_settle
f=$T_TMP/stat.json
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$(fusectl_waiting "$conn")" 0 \
	"the writer is done: nothing can be in flight" "pending after resume vs fusectl waiting"
stat_stop

# --- stalled in the middle of writeback: 4 KiB WRITEs, thousands waiting ----
# The kernel sends max_background of them and queues the rest unsent: fusewb
# counts the sent ones as pending (as the oracle), fusectl all of them.
testfs_use wb -o max_write=4096
oracle_start wb fuse_requests "$conn"
ok $? "bpftrace oracle attached to connection $conn"
stat_bg "$T_TMP/wb.json" "$mnt"
ok $? "fusewb stat started"
timeout 60 "$MMAPWRITE" --size 8 --hold 2 "$mnt/data" > "$T_TMP/wb.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
for _ in $(seq 100); do grep -q holding "$T_TMP/wb.out" && break; sleep 0.1; done
testfs_ctl wb stall
testfs_status wb
ok $? "stalled while the writer holds 8 MiB dirty"
for _ in $(seq 100); do [ "$(fusectl_waiting "$conn")" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
waiting=$(fusectl_waiting_stable "$conn")
ok $? "fusectl's waiting settles while stalled ($waiting)"
stat_settle
f=$T_TMP/wb-stalled.json
cp "$T_TMP/wb.json" "$f"
oracle_stop wb
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_cmp "$(oracle_n wb pending "$conn" 16)" ">" 0 "the oracle saw WRITEs sent and unanswered"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "$(oracle_sum wb pending "$conn")" 0 \
	"same events: sent and not answered" "pending requests mid-writeback vs oracle"
t_near "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" "$(oracle_n wb inflight_pages "$conn" 16)" 0 \
	"same events: pages of WRITEs sent and not answered" "writeback pages in flight vs oracle"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" "<=" "$waiting" \
	"pending (sent) is at most fusectl's waiting (sent and queued unsent)"
t_near "$(q "$f" "$mnt" 'ms[-1]["pending"]["waiting"]')" "$waiting" 0 "the same file, count stable" \
	"pending.waiting mid-writeback vs fusectl waiting"
testfs_ctl wb resume
wait $writer
ok $? "the writer completes after resume"
stat_stop
t_done
