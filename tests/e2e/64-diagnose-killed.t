#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# testfs killed with SIGKILL mid-writeback: verdict "daemon gone"; the writer
# got an error, nothing hangs, and the printed remedy (umount -l) cleans up.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_mount kd || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[kd]}
pid=${TFS_PID[kd]}
conn=$(conn_of "$mnt")

writer_holding kd 4 1
testfs_ctl kd stall
wait_for "writeback WRITEs in flight" 20 waiting_ge "$conn" 1
ok $? "writeback WRITEs in flight to the stalled daemon"
w0=$(fusectl_waiting_stable "$conn")
diagnose "$T_TMP/before.json" --window 0 "$mnt"
w1=$(fusectl_waiting "$conn")
t_cmp "$(dq "$T_TMP/before.json" 'c["requests"]["count"]')" ">=" 1 "diagnose sees them before the kill"
t_near "$(dq "$T_TMP/before.json" 'c["requests"]["count"]')" "$w1" "$((w1 > w0 ? w1 - w0 : w0 - w1))" \
	"fusectl read before and after diagnose" "as many as fusectl counts waiting"

kill -9 "$pid"
wait_exit "$writer" 20
t_cmp "$EXIT_RC" == 3 "the writer gets an error from msync (exit 3), it does not hang"
t_like "$(cat "$T_TMP/writer.out")" "msync: Software caused connection abort" "ECONNABORTED"

diagnose "$T_TMP/d.json" "$mnt"
f=$T_TMP/d.json
t_cmp "$DIAG_RC" == 1 "exit 1"
t_like "$(dq "$f" 'c["verdict"]')" "^daemon_gone$" "verdict: daemon gone"
t_cmp "$(dq "$f" 'c["connection"]')" == "$conn" "the connection"
t_cmp "$(dq "$f" 'len(c["daemons"])')" == 0 "no process holds the device"
t_near "$(dq "$f" 'c["requests"]["count"]')" "$(fusectl_waiting "$conn")" 0 "same counter, nothing is sent to a dead daemon" \
	"no request is left waiting: as fusectl counts"
t_cmp "$(dq "$f" 'len(c["blocked"])')" == 0 "no task is blocked on the mount"
t_like "$(dq "$f" 'c["why"]')" "ENOTCONN" "every access fails: ENOTCONN"
cmd=$(dq "$f" 'c["remedies"][0]["command"]')
t_like "$cmd" "^umount -l $mnt$" "the remedy: umount -l"
timeout 10 bash -c "$cmd"
ok $? "run the remedy as printed"
t_cmp "$(conn_of "$mnt" | wc -w)" == 0 "the dead mount is gone"
t_done
