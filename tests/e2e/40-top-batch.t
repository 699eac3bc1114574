#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewbtop -b / --json: a fast and a slow (write delay 50 ms) testfs under a
# writable-mmap workload; the plain-text frames are parsed by column name.
# Also: argument errors, and mounts that appear and go away while it runs.
source "$(dirname "$0")/../lib.sh"
need_root
TOP=$BUILD/fusewbtop

# top_val FILE FRAME MOUNTPOINT COLUMN: a cell of frame FRAME (1-based, or "last")
top_val() {
	awk -v want="$2" -v mp="$3" -v col="$4" '
		/^MOUNTPOINT / { frame++; for (i = 1; i <= NF; i++) idx[$i] = i; next }
		frame && $1 == mp && (want == "last" || frame == want + 0) { v = $(idx[col]) }
		END { print v }' "$1"
}
# top_rows FILE FRAME: mount points in frame FRAME
top_rows() {
	awk -v want="$2" '
		/^MOUNTPOINT / { frame++; inf = 1; next }
		/^$/ { inf = 0 }
		inf && frame == want + 0 { print $1 }' "$1"
}

testfs_mount fast || { echo "Bail out! cannot mount testfs"; exit 1; }
testfs_mount slow --delay write=50 || { echo "Bail out! cannot mount testfs"; exit 1; }
FAST=${TFS_MNT[fast]}
SLOW=${TFS_MNT[slow]}
declare -A WORK
for n in fast slow; do
	"$MMAPWRITE" --size 8 --passes 1000000 --rewrite "${TFS_MNT[$n]}/f" >/dev/null 2>&1 &
	WORK[$n]=$!
	T_BG_PIDS+=($!)
done
sleep 1

# the oracle over the same window, for the latency the frames report
oracle_start req fuse_requests "$(conn_of "$FAST")" "$(conn_of "$SLOW")"
ok $? "bpftrace oracle attached to both connections"
out=$T_TMP/batch.out
timeout 30 "$TOP" -b -n 2 "$FAST" "$SLOW/" >"$out" 2>"$T_TMP/batch.err"
ok $? "fusewbtop -b -n 2 exits 0"
oracle_stop req
ok $? "oracle stopped and parsed"
t_cmp "$(grep -c '^MOUNTPOINT ' "$out")" == 2 "two frames for -n 2"
grep -q $'\e' "$out"
ok $((! $?)) "no terminal control codes in batch output"
t_like "$(head -1 "$out")" "^fusewbtop [0-9:]{8}  kernel $(uname -r) " "title: time and kernel"
t_like "$(sed -n 2p "$out")" "^sources: .*tp_btf fuse_request_\\*" "data sources line"
t_like "$(sed -n 3p "$out")" "^vm: nr_dirty=[0-9]+ nr_writeback=[0-9]+ nr_writeback_temp=[-0-9]+ nr_dirty_threshold=[0-9]+" \
	"global dirty state from /proc/vmstat"
t_cmp "$(top_rows "$out" 2 | wc -l)" == 2 "mount point arguments select exactly two mounts"
heading=$(grep -m1 '^MOUNTPOINT ' "$out")
t_like "$heading" "^MOUNTPOINT +FSTYPE +DAEMON +WR/s +MB/s +p50ms +p99ms +INFL +TMP +DIRTY +LIM% +PEAK% +RATIO +THRms +PEND +OLDESTs +WERR +FLAG$" \
	"batch shows every column"
t_like "$(top_val "$out" last "$SLOW" DAEMON)" "^${TFS_PID[slow]}/testfs$" "daemon pid/comm of the slow mount"
t_like "$(top_val "$out" last "$SLOW" RATIO)" "^[0-9]+S?$" "max_ratio (S = strictlimit)"
t_cmp "$(top_val "$out" last "$SLOW" MB/s)" '>' 0 "slow mount: MB/s non-zero"
t_cmp "$(top_val "$out" last "$FAST" MB/s)" '>' 0 "fast mount: MB/s non-zero"
slow_p50=$(top_val "$out" last "$SLOW" p50ms)
# testfs sleeps 50 ms in every WRITE of the slow mount: at least its bucket's 33.6 ms
t_cmp "$slow_p50" '>=' 33 "slow mount: p50 >= 33 ms for a 50 ms write delay"
# The frame's p50 is interpolated in a log2 bucket of one interval; the
# oracle's median bucket [lo, hi) covers the whole run of both frames, so
# the frame may sit one bucket either side of it (the load varies).
for n in fast slow; do
	read -r lo hi < <(oracle_hist_pct req lat_log2 50 "$(conn_of "${TFS_MNT[$n]}")" 16)
	p50=$(top_val "$out" last "${TFS_MNT[$n]}" p50ms)
	t_cmp "$p50" '>=' "$(awk -v l="${lo:-0}" 'BEGIN { print l / 2 / 1e6 }')" \
		"$n mount: p50 at least half the oracle's median bucket [$((${lo:-0} / 1000)), $((${hi:-0} / 1000))) µs"
	t_cmp "$p50" '<=' "$(awk -v h="${hi:-0}" 'BEGIN { print h * 2 / 1e6 }')" \
		"$n mount: p50 at most twice the top of the oracle's median bucket"
done
t_cmp "$(top_val "$out" last "$SLOW" WR/s)" '>' 0 "slow mount: WRITE/s non-zero"
t_like "$(top_val "$out" last "$SLOW" FLAG)" '^-$' "a slow mount is not flagged as hung"

# the same program under both names
out2=$T_TMP/sub.out
timeout 20 "$FUSEWB" top -b -n 1 -d 0.5 "$SLOW" >"$out2" 2>&1
ok $? "fusewb top -b -n 1 exits 0"
t_like "$(grep -m1 '^MOUNTPOINT ' "$out2")" "^MOUNTPOINT +FSTYPE" "fusewb top prints the same table"
t_cmp "$(top_rows "$out2" 1 | wc -l)" == 1 "one mount for one argument"

# the detail view in batch mode
timeout 20 "$TOP" -b -n 1 --detail "$SLOW" >"$T_TMP/detail.out" 2>&1
det=$(cat "$T_TMP/detail.out")
t_like "$det" $'Writeback latency \\(this interval\\)\n  +[0-9.]+[mu]?s-' "detail: latency histogram"
t_like "$det" '33\.6ms-67\.1ms +\|#+' "detail: bars in the 50 ms bucket"
t_like "$det" 'WRITE\(writeback\) +[0-9]+ +[0-9.]+' "detail: per-opcode table"
t_like "$det" $'Tasks dirtying pages[^\n]*\n[^\n]*\n +[0-9]+ mmapwrite ' "detail: mmapwrite dirties pages"

# --json is the stat schema
timeout 20 "$TOP" --json -n 1 -d 0.5 "$SLOW" >"$T_TMP/json.out" 2>&1
ok $? "--json -n 1 exits 0"
python3 - "$T_TMP/json.out" "$SLOW" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert [m["mountpoint"] for m in o["mounts"]] == [sys.argv[2]], o["mounts"]
m = o["mounts"][0]
assert m["writeback"]["bytes"] > 0 and "p50" in m["writeback"]["latency_us"], m["writeback"]
assert "nr_dirty" in o["vm"] and "drops" in o
EOF
ok $? "--json: one stat-schema object for the selected mount, with writeback bytes"

# bad input: one line on stderr, non-zero exit, no hang
timeout 10 "$TOP" -b -n 1 /no/such/mount >/dev/null 2>"$T_TMP/e1"
rc=$?
t_cmp "$rc" == 1 "unknown mount point: exit 1"
t_cmp "$(wc -l <"$T_TMP/e1")" == 1 "unknown mount point: one line on stderr"
t_like "$(cat "$T_TMP/e1")" "not a FUSE mount point" "unknown mount point: says why"
timeout 10 "$TOP" -b -d 0 >/dev/null 2>&1
t_cmp $? == 2 "-d 0: exit 2"
timeout 10 "$TOP" -b -n x >/dev/null 2>&1
t_cmp $? == 2 "-n x: exit 2"
timeout 10 "$TOP" --bogus >/dev/null 2>&1
t_cmp $? == 2 "unknown option: exit 2"
t_like "$("$TOP" --help)" "EXAMPLES:" "--help ends with examples"

# a mount that appears and one that goes away while it runs, no restart
dyn=$T_TMP/dyn.out
timeout 40 "$TOP" -b -d 0.5 -n 16 fuse.testfs >"$dyn" 2>&1 &
toppid=$!
T_BG_PIDS+=($toppid)
# mount only once the first frame is out: loading BPF may take a while on a busy machine
for _ in $(seq 100); do grep -q '^MOUNTPOINT ' "$dyn" 2>/dev/null && break; sleep 0.1; done
sleep 0.6
testfs_mount late || diag "cannot mount late"
LATE=${TFS_MNT[late]}
sleep 2
kill "${WORK[fast]}"
wait "${WORK[fast]}" 2>/dev/null
testfs_cleanup_one fast
sleep 2.5
wait "$toppid"
ok $? "fusewbtop kept running while mounts came and went"
first=$(top_rows "$dyn" 1)
last=$(top_rows "$dyn" 16)
[[ $'\n'$first$'\n' != *$'\n'$LATE$'\n'* ]] && [[ $'\n'$last$'\n' == *$'\n'$LATE$'\n'* ]]
ok $? "a mount made while running shows up"
[[ $'\n'$first$'\n' == *$'\n'$FAST$'\n'* ]] && [[ $'\n'$last$'\n' != *$'\n'$FAST$'\n'* ]]
ok $? "an unmounted mount goes away"

t_done
