#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewb diagnose on a healthy mount: verdict, JSON, selection, exit codes, bad input.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

"$FUSEWB" diagnose --help > "$T_TMP/help" 2>&1
ok $? "--help exits 0"
t_like "$(cat "$T_TMP/help")" "EXAMPLES:" "--help ends with examples"

"$FUSEWB" diagnose --bogus > /dev/null 2>&1
t_cmp $? == 2 "an unknown option exits 2"
out=$("$FUSEWB" diagnose /no/such/mount 2>&1)
t_cmp $? == 2 "an unknown mount exits 2"
t_like "$out" "'/no/such/mount' is not a FUSE mount point" "and says why in one line"
t_cmp "$(echo "$out" | wc -l)" == 1 "one line"
"$FUSEWB" diagnose --yes > /dev/null 2>&1
t_cmp $? == 2 "--yes without --abort exits 2"
"$FUSEWB" diagnose --window -1 > /dev/null 2>&1
t_cmp $? == 2 "a negative window exits 2"

testfs_use ok
echo hello > "$mnt/f"
ok $? "a write to the healthy mount"

start=$(date +%s.%N)
diagnose "$T_TMP/d.json" "$mnt"
end=$(date +%s.%N)
t_cmp "$DIAG_RC" == 0 "a healthy mount exits 0"
# a hang bound, not a performance figure (make bench measures that): the
# run is the default 1 s window plus loading the BPF programs, about 2 s
# here; 20 s allows for a loaded 2-core machine and still catches a hang
# or an order-of-magnitude regression
t_cmp "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "<" 20 \
	"diagnose finishes within 20 s (a hang bound, not a timing)"
t_like "$(dq "$T_TMP/d.json" 'c["verdict"]')" "^healthy$" "verdict healthy"
t_cmp "$(dq "$T_TMP/d.json" 'len(d["connections"])')" == 1 "only the named mount"
t_cmp "$(dq "$T_TMP/d.json" 'c["connection"]')" == "$conn" "its connection number"
t_cmp "$(dq "$T_TMP/d.json" 'c["daemons"][0]["pid"]')" == "${TFS_PID[ok]}" "its daemon pid"
t_cmp "$(dq "$T_TMP/d.json" 'sum(t["wait"] == "device_read" for t in c["daemons"][0]["threads"])')" ">=" 1 \
	"an idle daemon thread waits in the device read"
t_near "$(dq "$T_TMP/d.json" 'c["requests"]["count"]')" "$(fusectl_waiting "$conn")" 0 \
	"an idle mount: nothing sent between the two readings" "no request in the kernel: count vs fusectl's waiting"
t_cmp "$(dq "$T_TMP/d.json" 'len(c["remedies"])')" == 0 "nothing to do"
t_near "$(dq "$T_TMP/d.json" 'c["background"]["max"]')" "$(fusectl_get "$conn" max_background)" 0 \
	"same kernel value" "max_background vs fusectl's max_background"
t_near "$(dq "$T_TMP/d.json" 'c["background"]["congestion_threshold"]')" "$(fusectl_get "$conn" congestion_threshold)" 0 \
	"same kernel value" "congestion_threshold vs fusectl's congestion_threshold"

# the same by connection number, by the mount point with a trailing slash, and as text
diagnose "$T_TMP/n.json" "$conn"
t_cmp "$(dq "$T_TMP/n.json" 'c["connection"]')" == "$conn" "a connection number selects it"
diagnose "$T_TMP/s.json" "$mnt/"
t_cmp "$(dq "$T_TMP/s.json" 'len(d["connections"])')" == 1 "a trailing slash names the same mount"
txt=$(timeout 30 "$FUSEWB" diagnose --window 0 "$mnt")
t_cmp $? == 0 "text report, single look, exits 0"
t_like "$(echo "$txt" | sed -n 3p)" "^$mnt  healthy" "the verdict comes first"

# --watch: several reports, each covering the time since the previous look.
# No instrument sees when fusewb looks (a look is its own clock read beside
# its map and iterator reads), so the lower bound is the scenario's: the
# 0.5 s watch interval, less 0.1 s for one look taking longer than the next.
# The upper bound is the test's clock: the later windows together fit in
# the run's wall time.
w_t0=$(date +%s.%N)
timeout 30 "$FUSEWB" diagnose --json --watch=0.5 -c 3 --window 0.3 "$mnt" > "$T_TMP/w.json"
t_cmp $? == 0 "--watch -c 3 exits 0 on a healthy mount"
w_t1=$(date +%s.%N)
t_cmp "$(dq "$T_TMP/w.json" 'len(reports)')" == 3 "three reports"
t_cmp "$(dq "$T_TMP/w.json" 'min(r["window_s"] for r in reports[1:])')" ">=" 0.4 "later windows span the watch interval"
t_cmp "$(dq "$T_TMP/w.json" '"%.3f" % sum(r["window_s"] for r in reports[1:])')" "<" \
	"$(awk -v a="$w_t0" -v b="$w_t1" 'BEGIN { printf "%.3f", b - a }')" "and together fit in the run's wall time (the test's clock)"
t_done
