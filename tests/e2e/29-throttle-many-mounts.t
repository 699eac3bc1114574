#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Throttling of a mount on a host with more FUSE mounts than the throttle
# program's bdi maps held (256): its bdi must still be tracked, and a bdi
# that does not fit is unknown (null), never 0.  300 idle testfs mounts,
# then a writeback-cache one capped at 4 MiB that a dd fills; instrument:
# the oracle's bpftrace on balance_dirty_pages.  FUSEWB_IDLE_MOUNTS changes
# the count.
. "$(dirname "$0")/../lib.sh"
need_root
command -v bpftrace >/dev/null || skip_all "needs bpftrace"

N=${FUSEWB_IDLE_MOUNTS:-300}
for i in $(seq "$N"); do
	d=$T_TMP/idle$i
	mkdir -p "$d/back" "$d/mnt"
	"$TESTFS" --pidfile "$d/pid" "$d/back" "$d/mnt" 2>/dev/null || break
	# t_cleanup unmounts them however the test ends
	TFS_MNT[idle$i]=$d/mnt TFS_CTL[idle$i]=$d/none TFS_PID[idle$i]=
done
for _ in $(seq 300); do
	n=$(awk -v d="$T_TMP/idle" 'index($5, d) == 1' /proc/self/mountinfo | wc -l)
	[ "$n" -ge "$N" ] && break
	sleep 0.1
done
for i in $(seq "$N"); do TFS_PID[idle$i]=$(cat "$T_TMP/idle$i/pid" 2>/dev/null); done
t_cmp "$n" ">=" "$N" "$N idle testfs mounts"

testfs_mount_capped wbc
ok $? "max_bytes of the writer's bdi $bdi set to 4 MiB"
diag "FUSE mounts on this host: $(grep -c ' - fuse' /proc/self/mountinfo)"

oracle_start bdp balance_dirty_pages "$conn"
ok $? "the oracle is attached to writeback:balance_dirty_pages"
# all mounts: the collector must enter every bdi, not only the one shown
stat_bg "$T_TMP/stat.json"
ok $? "fusewb stat started"
timeout 120 dd if=/dev/zero of="$mnt/f" bs=1M count=200 conv=fsync 2>/dev/null
ok $? "200 MiB written through the 4 MiB-capped bdi"
n=$(wc -l < "$T_TMP/stat.json")
for _ in $(seq 100); do [ "$(wc -l < "$T_TMP/stat.json")" -ge $((n + 2)) ] && break; sleep 0.1; done
stat_stop
oracle_stop bdp

f=$T_TMP/stat.json
t_cmp "$(oracle_n bdp calls "$bdi")" ">" 0 "the oracle saw the writer throttled"
t_near "$(q "$f" "$mnt" 'max(m["dirty"]["peak_pages"] or 0 for m in ms)')" "$(oracle_get bdp wb_dirty_max "$bdi")" 0 \
	"same field of the same events" "the writer's highest peak_pages vs the oracle's highest wb_dirty"
t_cmp "$(q "$f" "$mnt" 'sum(1 for m in ms if m["dirty"]["throttle_count"] is None)')" == 0 \
	"the writer's throttling is known in every interval"
t_done
