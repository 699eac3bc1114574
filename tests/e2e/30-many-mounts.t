#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# 1 000 FUSE mounts (testfs), 700 before the collectors start and 300 after:
# every one is tracked by the per-opcode request table, and a sample's
# writeback WRITEs and bytes equal what testfs answered.  With the table
# forced small (--tracked-mounts), the mounts it cannot hold are flagged and
# their numbers are null / '-' / absent, never 0, in stat, top and export;
# and the blocks of mounts that are gone go to new ones, with only `fusewb
# stat` running.  FUSEWB_MANY_MOUNTS changes the count (default 1000).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

N=${FUSEWB_MANY_MOUNTS:-1000}
EARLY=$((N * 7 / 10))
SMALL=100
D=$T_TMP/many
mkdir -p "$D"
MANY_PIDS=()
t_start=$SECONDS

# Every mount and daemon of this test goes, however it ends: one lazy umount
# for all, then the daemons (never stalled here, so nothing waits on them).
many_cleanup() {
	local mnts=()
	mapfile -t mnts < <(awk -v d="$D/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
	[ ${#mnts[@]} -gt 0 ] && timeout 60 umount -l "${mnts[@]}" 2>/dev/null
	[ ${#MANY_PIDS[@]} -gt 0 ] && kill "${MANY_PIDS[@]}" 2>/dev/null
}
trap 'many_cleanup; t_cleanup' EXIT

# many_mount FROM TO: testfs at $D/m<i>, started 50 at a time; their pids in MANY_PIDS
many_mount() {
	local i batch=()
	for i in $(seq "$1" "$2"); do
		mkdir -p "$D/b$i" "$D/m$i"
		# testfs returns once mounted (its daemon forks off): wait for these, not the collectors
		"$TESTFS" --writeback-cache --control "$D/c$i" --pidfile "$D/p$i" "$D/b$i" "$D/m$i" &
		batch+=($!)
		if ((i % 50 == 0)); then
			wait "${batch[@]}"
			batch=()
		fi
	done
	[ ${#batch[@]} -gt 0 ] && wait "${batch[@]}"
	for i in $(seq "$1" "$2"); do
		[ -s "$D/p$i" ] && MANY_PIDS+=("$(cat "$D/p$i")")
	done
}
mounted() { awk -v d="$D/m" 'index($5, d) == 1' /proc/self/mountinfo | wc -l; }
mounted_ge() { [ "$(mounted)" -ge "$1" ]; }

# touch_all FILE FROM TO: a small write to each mount (its close writes it back)
touch_all() {
	local i
	for i in $(seq "$2" "$3"); do
		echo "$i" > "$D/m$i/$1" || return 1
	done
}

# last complete NDJSON report of FILE, checked with EXPR over the mounts of this test
many_q() {
	python3 - "$1" "$D/m" "$2" <<'EOF'
import json, sys
recs = []
for line in open(sys.argv[1]):
    try: recs.append(json.loads(line))
    except ValueError: pass
ms = [m for m in recs[-1]["mounts"] if m["mountpoint"].startswith(sys.argv[2])] if recs else []
print(eval(sys.argv[3]))
EOF
}

# the newest report of FILE was written after the moment MARK (a file's mtime)
report_after() { [ "$1" -nt "$2" ] && [ "$(many_q "$1" 'len(ms)')" -ge "$3" ]; }

many_mount 1 "$EARLY"
wait_for "$EARLY mounts" 60 mounted_ge "$EARLY"
t_cmp "$(mounted)" == "$EARLY" "$EARLY testfs mounted before the collectors start"

# room for the mounts other work on the machine has (the default, 1024, is for N plus a few)
BIG=$((N + 256))
[ "$N" -le 1000 ] && t_like "$("$FUSEWB" stat --help)" "default 1024" "by default 1024 mounts are tracked"
export_start "$T_TMP/export.err" --tracked-mounts $BIG || { ok 1 "the exporter starts"; t_done; exit 1; }
stat_bg "$T_TMP/big.ndjson" -i 1 --tracked-mounts $BIG || { ok 1 "fusewb stat starts"; t_done; exit 1; }
many_mount $((EARLY + 1)) "$N"
wait_for "$N mounts" 60 mounted_ge "$N"
t_cmp "$(mounted)" == "$N" "$((N - EARLY)) more mounted after they started"

# activity on every mount: its connection claims a slot and a block
touch_all f 1 "$N"
ok $? "a small write to each of the $N mounts"
# the sample: 5 early, 5 late mounts, each its own number of 64 KiB writes, fsynced
sample=(1 $((EARLY / 3)) $((EARLY / 2)) $((EARLY - 1)) "$EARLY" $((EARLY + 1)) $(((N + 3 * EARLY) / 4))
	$(((N + EARLY) / 2)) $((N - 1)) "$N")
for i in "${sample[@]}"; do
	dd if=/dev/zero of="$D/m$i/data" bs=64k count=$((1 + i % 7)) conv=fsync status=none ||
		diag "dd to m$i failed"
done

scrape > "$T_TMP/m.prom"
t_cmp "$(grep -c "^fusewb_mount_tracked{mountpoint=\"$D/m[0-9]*\"" "$T_TMP/m.prom")" == "$N" \
	"the exporter lists all $N mounts"
t_cmp "$(grep -c "^fusewb_mount_tracked{mountpoint=\"$D/m[0-9]*\".* 1$" "$T_TMP/m.prom")" == "$N" \
	"and tracks every one (fusewb_mount_tracked 1)"
t_cmp "$(grep '^fusewb_collector_drops_total{reason="opstats_full"}' "$T_TMP/m.prom" | awk '{print $2}')" == 0 \
	"no request went uncounted for want of a slot"
for i in "${sample[@]}"; do
	TFS_CTL[m$i]=$D/c$i
	testfs_status "m$i" || diag "no status from m$i"
	lab="mountpoint=\"$D/m$i\""
	got=$(awk -v l="{$lab" 'index($0, "fusewb_writeback_writes_total" l) == 1 { print $2 }' "$T_TMP/m.prom")
	t_near "$got" "$(testfs_stat "m$i" writes)" 0 "same requests, all answered before fsync returned" \
		"m$i writeback WRITEs, fusewb export vs testfs"
	got=$(awk -v l="{$lab" 'index($0, "fusewb_writeback_bytes_total" l) == 1 { print $2 }' "$T_TMP/m.prom")
	t_near "$got" "$(testfs_stat "m$i" write_bytes)" 0 "same requests" "m$i writeback bytes, fusewb export vs testfs"
done

mark=$T_TMP/mark1
touch "$mark"
wait_for "a stat report after the writes" 20 report_after "$T_TMP/big.ndjson" "$mark" "$N"
t_cmp "$(many_q "$T_TMP/big.ndjson" 'sum(1 for m in ms if m["tracked"])')" == "$N" \
	"fusewb stat: every mount tracked"
t_cmp "$(many_q "$T_TMP/big.ndjson" 'sum(1 for m in ms if m["writeback"]["writes"] is None or m["ops"] is None)')" == 0 \
	"and none has a null count"
stat_stop
export_stop
diag "1: $((SECONDS - t_start)) s"

# ---- the table forced small: SMALL blocks for N mounts ----
stat_bg "$T_TMP/small.ndjson" -i 1 --tracked-mounts $SMALL || { ok 1 "fusewb stat --tracked-mounts starts"; t_done; exit 1; }
SMALL_STAT=$STAT_PID
"$FUSEWB" top -b -d 1 -n 4 --tracked-mounts $SMALL > "$T_TMP/top.txt" 2>&1 &
top_pid=$!
T_BG_PIDS+=($top_pid)
export_start "$T_TMP/export2.err" --tracked-mounts $SMALL || { ok 1 "the exporter starts"; t_done; exit 1; }
sleep 0.5
touch_all g 1 "$N"
ok $? "a small write to each mount again"
mark=$T_TMP/mark2
touch "$mark"
wait_for "a stat report after the writes" 20 report_after "$T_TMP/small.ndjson" "$mark" "$N"
f=$T_TMP/small.ndjson
tracked=$(many_q "$f" 'sum(1 for m in ms if m["tracked"])')
t_cmp "$tracked" "<=" $SMALL "with $SMALL blocks, at most $SMALL of them are tracked"
t_cmp "$tracked" ">=" $((SMALL / 2)) "and the blocks went to them (few to other mounts of the machine)"
t_cmp "$(many_q "$f" 'sum(1 for m in ms if not m["tracked"])')" ">=" $((N - SMALL)) \
	"the others are flagged untracked"
t_cmp "$(many_q "$f" 'sum(1 for m in ms if not m["tracked"] and (m["ops"] is not None or any(m["writeback"][k] is not None for k in ("writes", "bytes", "pages", "errors", "inflight_pages", "latency_us"))))')" == 0 \
	"every untracked mount's writes, bytes, errors, latency and ops are null, never 0"
t_cmp "$(many_q "$f" 'sum(1 for m in ms if m["tracked"] and m["writeback"]["writes"] is None)')" == 0 \
	"every tracked one has numbers"
t_cmp "$(many_q "$f" 'recs[-1]["drops"]["opstats_full"] + sum(r["drops"]["opstats_full"] for r in recs[:-1])')" ">" 0 \
	"the drop counter counts the requests not held"
# one block, two mounts written to while it runs: one of them is not tracked
timeout 30 "$FUSEWB" stat -i 1 -c 3 --tracked-mounts 1 "$D/m1" "$D/m2" > "$T_TMP/stat.txt" 2>&1 &
st=$!
while kill -0 $st 2>/dev/null; do
	echo h > "$D/m1/h"
	echo h > "$D/m2/h"
	sleep 0.2
done
stat_text=$(cat "$T_TMP/stat.txt")
t_like "$stat_text" " UNTRK" "stat's text flags an untracked mount (FLAG UNTRK)"
t_like "$(grep -m1 ' UNTRK' <<< "$stat_text")" "fuse.testfs +- +- +- +- +- +- +- " "and shows '-' for its numbers"

scrape > "$T_TMP/s.prom"
t_cmp "$(grep -c "^fusewb_mount_tracked{mountpoint=\"$D/m[0-9]*\".* 0$" "$T_TMP/s.prom")" ">=" $((N - SMALL)) \
	"the exporter says fusewb_mount_tracked 0 for the mounts it cannot hold"
untr=$(grep "^fusewb_mount_tracked{mountpoint=\"$D/m[0-9]*\".* 0$" "$T_TMP/s.prom" | head -1 |
	sed 's/^fusewb_mount_tracked{\(mountpoint="[^"]*"\).*/\1/')
t_cmp "$(grep -c "^fusewb_writeback_[a-z_]*{$untr[,}]" "$T_TMP/s.prom")" == 0 \
	"and serves none of their writeback series ($untr)"
t_cmp "$(grep -c "^fusewb_request_[a-z_]*{$untr[,}]" "$T_TMP/s.prom")" == 0 "nor request series"
export_stop

wait_exit "$top_pid" 30
t_like "$(cat "$T_TMP/top.txt")" "UNTRACKED \(table full\)" "top's header counts the untracked mounts"
t_like "$(grep -m1 'UNTRK' "$T_TMP/top.txt")" "UNTRK" "top flags them UNTRK"
diag "2: $((SECONDS - t_start)) s"

# ---- reuse, with only fusewb stat collecting: the tracked mounts go, new ones come ----
mapfile -t gone < <(many_q "$f" '"\n".join(m["mountpoint"] for m in ms if m["tracked"])')
timeout 60 umount -l "${gone[@]}"
t_cmp "$(mounted)" == $((N - ${#gone[@]})) "the ${#gone[@]} tracked mounts unmounted"
mark=$T_TMP/mark3
touch "$mark"
sleep 2.2	# two snapshots miss them: their blocks are free
wait_for "a stat report without them" 20 report_after "$f" "$mark" $((N - ${#gone[@]}))
many_mount $((N + 1)) $((N + 50))
wait_for "50 new mounts" 60 mounted_ge $((N - ${#gone[@]} + 50))
touch_all n $((N + 1)) $((N + 50))
ok $? "a write to each of 50 new mounts"
mark=$T_TMP/mark4
touch "$mark"
wait_for "a stat report after the writes" 20 report_after "$f" "$mark" $((N - ${#gone[@]} + 50))
t_cmp "$(many_q "$f" "sum(1 for m in ms if m['tracked'] and int(m['mountpoint'].rsplit('m', 1)[1]) > $N)")" == 50 \
	"all 50 new mounts are tracked: the gone mounts' blocks were reused"
t_cmp "$(many_q "$f" "sum(1 for m in ms if int(m['mountpoint'].rsplit('m', 1)[1]) > $N and m['ops'] and any(o['opcode'] == 'CREATE' for o in m['ops']))")" == 50 \
	"with their requests counted"
kill -0 "$SMALL_STAT" 2>/dev/null
ok $? "stat ran throughout"
stat_stop
diag "test runtime $((SECONDS - t_start)) s for $N mounts"
t_done
