#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# diagnose reads only the history of a fusewb whose pinned maps have its own
# layout (their BTF), not any running fusewb's whose map sizes happen to
# match: a peer of another build (fakepeer: the same sizes, another value
# type; or no BTF at all) is skipped and named with the reason.  And a
# collector pinning under another FUSEWB_PIN_DIR (as a fusewb running on the
# host does, for every test) is no peer at all.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root
FAKEPEER=$BUILD/fakepeer

testfs_mount p || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[p]}

# a collector of this build, in another pin directory: not seen
other=$FUSEWB_PIN_DIR-other
FUSEWB_PIN_DIR=$other stat_bg "$T_TMP/other.ndjson" || { ok 1 "fusewb stat starts"; t_done; exit 1; }
T_BG_PIDS+=($STAT_PID)
t_ok "it pins under its FUSEWB_PIN_DIR" bash -c "ls -d $other/$STAT_PID-* >/dev/null"
diagnose "$T_TMP/o.json" "$mnt"
t_like "$(dq "$T_TMP/o.json" 'c["history"]')" "^None$" "a collector under another pin directory is not this diagnose's peer"
stat_stop
t_ok "it removes its pins at exit" bash -c "! ls -d $other/$STAT_PID-* 2>/dev/null"
rm -rf "$other"

# a collector of this build beside two posing as other builds
stat_bg "$T_TMP/s.ndjson" || { ok 1 "fusewb stat starts"; t_done; exit 1; }
real=$STAT_PID
like=$(ls -d "$FUSEWB_PIN_DIR/$real-"*)
for kind in btf no-btf; do
	arg=; [ $kind = no-btf ] && arg=--no-btf
	coproc FP { exec "$FAKEPEER" $arg "$like" "$FUSEWB_PIN_DIR"; }
	T_BG_PIDS+=($FP_PID)
	read -r -t 10 line <&"${FP[0]}"
	t_like "${line:-}" "^ready$" "a peer posing as another build ($kind) has pinned its maps"
	eval "fp_${kind/-/_}=$FP_PID"
	exec {FP[0]}<&- {FP[1]}>&-
done

diagnose "$T_TMP/d.json" "$mnt"
t_cmp "$(dq "$T_TMP/d.json" 'c["history"]["pid"]')" == "$real" "the history is the same build's collector's"
err=$(cat "$T_TMP/d.json.err")
t_like "$err" "not reading the history of fakepeer \(pid $fp_btf\): another build of fusewb \(its maps' layout differs" \
	"the peer with the same map sizes and another layout is named, with why it is skipped"
t_like "$err" "not reading the history of fakepeer \(pid $fp_no_btf\): its maps carry no type information" \
	"so is the one whose maps have no BTF"

stat_stop
diagnose "$T_TMP/f.json" "$mnt"
t_like "$(dq "$T_TMP/f.json" 'c["history"]')" "^None$" "with only other builds running, there is no history"
t_cmp "$DIAG_RC" == 0 "and the mount is healthy"
t_cmp "$(grep -c 'not reading the history' "$T_TMP/f.json.err")" == 2 "both are still said to be skipped"
kill "$fp_btf" "$fp_no_btf"
t_ok "the posing peers unpin at exit" bash -c "sleep 0.5; ! ls -d $FUSEWB_PIN_DIR/$fp_btf-* $FUSEWB_PIN_DIR/$fp_no_btf-* 2>/dev/null"
t_done
