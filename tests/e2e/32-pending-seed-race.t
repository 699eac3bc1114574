#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Collectors started while a busy mount has requests coming and going: each
# one's walk of the kernel's queues at start races with sends and
# completions.  A request it took in that ended during the walk must not be
# left behind: once the workload stops and fusectl counts nothing waiting,
# every collector reports nothing pending and no pages in flight.
. "$(dirname "$0")/../lib.sh"
need_root

testfs_use busy -o max_write=65536 --delay write=2

# writeback WRITEs (64 KiB each, 2 ms to answer) and write-through ones all the time
"$MMAPWRITE" --size 16 --passes 1000000 --rewrite "$mnt/mm" > /dev/null 2>&1 &
mmw=$!
T_BG_PIDS+=($mmw)
( while :; do dd if=/dev/zero of="$mnt/dd" bs=4k count=256 conv=notrunc status=none 2>/dev/null; done ) &
ddw=$!
T_BG_PIDS+=($ddw)
sleep 1

busy=0
declare -a OUTS PIDS
for i in 1 2 3 4 5 6; do
	[ "$(fusectl_waiting "$conn")" -gt 0 ] && busy=$((busy + 1))
	OUTS[$i]=$T_TMP/stat$i.json
	"$FUSEWB" stat --json -i 0.3 "$mnt" > "${OUTS[$i]}" 2> "${OUTS[$i]}.err" &
	PIDS[$i]=$!
	T_BG_PIDS+=($!)
	sleep 0.4
done
t_cmp "$busy" ">=" 3 "requests were waiting when most collectors started ($busy of 6)"

kill "$mmw" "$ddw" 2>/dev/null
wait "$mmw" "$ddw" 2>/dev/null
drained() { [ "$(fusectl_waiting "$conn")" = 0 ]; }
for _ in $(seq 100); do drained && break; sleep 0.1; done
drained
ok $? "the connection drains once the workload stops"
# Each collector's last reports must come after the drain: wait until each
# wrote two more and at least three in all (a loaded machine may take
# seconds to load and seed a collector; a fixed pause raced with that).
lines() { wc -l < "$1" 2>/dev/null || echo 0; }
declare -a WANT
for i in 1 2 3 4 5 6; do
	WANT[$i]=$(( $(lines "${OUTS[$i]}") + 2 ))
	[ "${WANT[$i]}" -ge 3 ] || WANT[$i]=3
done
reported() {
	local i
	for i in 1 2 3 4 5 6; do
		[ "$(lines "${OUTS[$i]}")" -ge "${WANT[$i]}" ] || return 1
	done
}
for _ in $(seq 600); do reported && break; sleep 0.1; done
for i in 1 2 3 4 5 6; do
	kill "${PIDS[$i]}" 2>/dev/null
	wait "${PIDS[$i]}" 2>/dev/null
	rc=$?
	[ "$rc" = 0 ] || diag "collector $i exited $rc: $(tail -3 "${OUTS[$i]}.err")"
	f=${OUTS[$i]}
	diag "collector $i: $(q "$f" "$mnt" 'sorted(set((r["opcode"], r["queued"], r["pages"]) for r in ms[-1]["pending"]["requests"]))')"
	t_cmp "$(q "$f" "$mnt" 'len(ms)')" ">=" 3 "collector $i reported"
	t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" == 0 "collector $i: nothing left pending"
	t_cmp "$(q "$f" "$mnt" 'ms[-1]["writeback"]["inflight_pages"]')" == 0 "collector $i: no pages left in flight"
done
t_done
