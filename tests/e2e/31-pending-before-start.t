#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A hang that began before fusewb started: stat, fusewbtop and the exporter,
# each started while testfs is stalled with a writer blocked in msync, show
# in their first report every request the kernel holds (count >= fusectl
# `waiting`), the oldest one's real age (between the test's own clock
# readings of when the requests can have been made), the pages in flight
# (debugfs BdiWriteback) and, in fusewbtop, HUNG?.  After resume the
# requests taken in at start are retired by their completions: nothing
# stays pending, and every WRITE testfs answered is counted once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
TOP=$BUILD/fusewbtop

testfs_use h
bdi=$(awk -v mp="$mnt" '$5 == mp { print $3; exit }' /proc/self/mountinfo)
bdi_wb() { echo $(( $(bdi_stat "$bdi" BdiWriteback) / 4 )); }
now() { date +%s.%N; }
# testfs's own count of the WRITEs it answered
tfs_writes() { testfs_status h && testfs_stat h write_replies; }
tol=$(bdi_stat_lag_pages)
lag="the bdi's per-CPU counter lag"

# dirty 28 MiB through the mapping, stall while the writer holds them, then msync:
# every pending request is made after t_stall, and all exist once all pages are under writeback
"$MMAPWRITE" --size 28 --hold 2 --verify "$mnt/data" > "$T_TMP/writer.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
sleep 1
writes0=$(tfs_writes)
t_stall=$(now)
testfs_ctl h stall
wait_for "the writer to block in msync" 20 in_d_state "$writer"
ok $? "the writer blocks in msync"
wait_for "all 7168 pages under writeback" 20 eval '[ "$(bdi_wb)" -ge $((7168 - tol)) ]'
ok $? "the bdi holds the 28 MiB under writeback"
t_made=$(now)
sleep 2
waiting=$(fusectl_waiting "$conn")
t_cmp "$waiting" ">=" 20 "fusectl counts the WRITEs waiting (those sent and those queued for a background slot)"
wb=$(bdi_wb)

# --- stat --json: its first report ---------------------------------------------
timeout 20 "$FUSEWB" stat --json -i 0.5 -c 1 "$mnt" > "$T_TMP/stat1.json" 2> "$T_TMP/stat1.err"
ok $? "fusewb stat started on the hung mount returns"
f=$T_TMP/stat1.json
t_rep=$(q "$f" "$mnt" 'lines[0]["time"]')
t_cmp "$(q "$f" "$mnt" 'ms[0]["pending"]["count"]')" ">=" "$waiting" "stat: first report counts every waiting request"
oldest=$(q "$f" "$mnt" 'ms[0]["pending"]["oldest_ms"] / 1000')
t_cmp "$oldest" ">=" "$(awk -v a="$t_rep" -v b="$t_made" 'BEGIN { print a - b - 0.01 }')" \
	"stat: oldest age at least the time since all requests existed"
t_cmp "$oldest" "<=" "$(awk -v a="$t_rep" -v b="$t_stall" 'BEGIN { print a - b + 0.01 }')" \
	"stat: oldest age at most the time since the stall"
t_like "$(q "$f" "$mnt" 'ms[0]["pending"]["oldest_lower_bound"]')" "^False$" \
	"stat: the age is the kernel's (create_time), not a lower bound"
t_near "$(q "$f" "$mnt" 'ms[0]["writeback"]["inflight_pages"]')" "$wb" "$tol" "$lag" \
	"stat: pages in flight vs debugfs BdiWriteback"

# a stat left running across the resume: it must retire what it took in
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "a stat started during the hang keeps running"

# --- fusewbtop -b: its first frame -----------------------------------------------
timeout 20 "$TOP" -b --hung 2 -d 0.5 -n 1 "$mnt" > "$T_TMP/top.out" 2>&1
ok $? "fusewbtop -b started on the hung mount returns"
row=$(awk -v mp="$mnt" '/^MOUNTPOINT /{ for (i = 1; i <= NF; i++) idx[$i] = i; next } $1 == mp { print; exit }' "$T_TMP/top.out")
col() { awk -v c="$1" '/^MOUNTPOINT /{ for (i = 1; i <= NF; i++) idx[$i] = i; next } $1 == mp { print $(idx[c]); exit }' mp="$mnt" "$T_TMP/top.out"; }
t_like "$row" 'HUNG\?$' "top: the first frame flags the mount HUNG?"
t_cmp "$(col PEND)" ">=" "$waiting" "top: PEND counts every waiting request"
t_like "$(col OLDESTs)" '^[0-9.]+s?$' "top: OLDEST is a measured age, not a lower bound"
t_cmp "$(col OLDESTs | tr -d s)" ">=" 2 "top: OLDEST at least the 2 s since all requests existed"
t_near "$(col INFL)" "$wb" "$tol" "$lag" "top: INFL vs debugfs BdiWriteback"

# --- export: its first scrape ------------------------------------------------------
export_start "$T_TMP/export.log"
ok $? "the exporter starts on the hung mount"
t_scrape=$(now)
scrape > "$T_TMP/s1"
RE=$(mp_re "$mnt")
t_cmp "$(mval "$T_TMP/s1" fusewb_pending_requests "$RE")" ">=" "$waiting" "export: pending requests >= fusectl waiting"
t_cmp "$(mval "$T_TMP/s1" fusewb_pending_oldest_age_seconds "$RE")" ">=" \
	"$(awk -v a="$t_scrape" -v b="$t_made" 'BEGIN { print a - b - 0.01 }')" "export: the oldest request's real age"
t_near "$(( $(mval "$T_TMP/s1" fusewb_writeback_inflight_bytes "$RE") / $(getconf PAGESIZE) ))" "$wb" "$tol" "$lag" \
	"export: pages in flight vs debugfs BdiWriteback"
t_cmp "$(mval "$T_TMP/s1" fusewb_pending_oldest_age_lower_bound "$RE")" == 0 \
	"export: the age is the kernel's (create_time), not a lower bound"
export_stop

# --- resume: the requests taken in at start complete --------------------------------
t_cmp "$(fusectl_waiting "$conn")" == "$waiting" "still as many waiting before resume"
testfs_ctl h resume
wait_exit "$writer" 60
t_cmp "$EXIT_RC" == 0 "after resume the writer completes and its data verifies"
wait_for "stat to report nothing pending" 10 \
	eval '[ "$(q "$T_TMP/stat.json" "$mnt" "ms[-1][\"pending\"][\"count\"]")" = 0 ]'
ok $? "stat: nothing pending after resume (the requests taken in were retired)"
sleep 1
f=$T_TMP/stat.json
t_cmp "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" == 0 "stat: no pages left in flight"
stat_stop
done_writes=$(( $(tfs_writes) - writes0 ))
t_near "$(q "$f" "$mnt" 'sum(m["writeback"]["writes"] for m in ms)')" "$done_writes" 0 "same events" \
	"stat counted each WRITE testfs answered after the stall once"
t_done
