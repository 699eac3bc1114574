#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One convention for interval and count (top's -d/-n) in stat, top and
# diagnose, with the older spellings (-i/-c, --watch=S) as aliases; one
# "possibly hung" threshold (--hung, default 10 s) in stat, top, diagnose
# and the alert rule, checked against a request whose age the test knows.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/60-diagnose-lib.sh"
need_root

testfs_use fl

# reports REGEX-OF-A-REPORT-LINE CMD...: how many reports CMD printed, and how long it ran
runs() {
	local re=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	N=$(timeout 60 "$FUSEWB" "$@" 2>/dev/null | grep -c "$re")
	t1=$(date +%s.%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}
for spelling in "-d 0.4 -n 3" "--delay=0.4 --iterations=3" "-i 0.4 -c 3" "--interval 0.4 --count 3"; do
	runs '^{"time"' stat --json $spelling "$mnt"
	t_cmp "$N" == 3 "stat $spelling: 3 reports"
	t_cmp "$SECS" ">=" 1.2 "stat $spelling: 0.4 s apart (ran $SECS s)"
	runs '^{"time"' top --json $spelling "$mnt"
	t_cmp "$N" == 3 "top $spelling: 3 reports"
	t_cmp "$SECS" ">=" 1.2 "top $spelling: 0.4 s apart (ran $SECS s)"
done
for spelling in "-d 0.4 -n 3" "--delay 0.4 --iterations 3" "--watch=0.4 -c 3" "--watch=0.4 --count=3"; do
	runs '^{"time"' diagnose --json $spelling "$mnt"
	t_cmp "$N" == 3 "diagnose $spelling: 3 reports"
	t_cmp "$SECS" ">=" 0.8 "diagnose $spelling: 0.4 s apart (ran $SECS s)"
done
runs '^{"time"' diagnose --json -n 2 -w 0.2 "$mnt"
t_cmp "$N" == 2 "diagnose -n alone repeats"
t_cmp "$SECS" ">=" 2 "every 2 s by default (ran $SECS s)"

# one vocabulary: stat's headings are top's for the same columns
sh=$(timeout 30 "$FUSEWB" stat -d 0.3 -n 1 "$mnt" | grep '^MOUNTPOINT')
th=$(timeout 30 "$FUSEWB" top -b -d 0.3 -n 1 "$mnt" | grep '^MOUNTPOINT')
for col in WR/s MB/s WERR p50ms p99ms INFL TMP DIRTY PEAK% RATIO THRms PEND OLDESTs FLAG; do
	t_like " $sh | $th " " ${col//\//\\/} .*\| .* ${col//\//\\/} " "stat and top -b both head a column $col"
done
t_like "$(grep -cwE 'ERR|INFLT|MAXR|THRms/s' <<<"$sh")" '^0$' "stat has none of its old names"

# one error prefix: "PROGRAM: why", getopt's messages included
for c in probe stat top export diagnose; do
	t_like "$("$FUSEWB" $c --bogus 2>&1 >/dev/null | head -1)" "^fusewb $c: unrecognized option '--bogus'$" \
		"fusewb $c --bogus: the 'fusewb $c:' prefix"
done
t_like "$("$BUILD/fusewbtop" --bogus 2>&1 >/dev/null | head -1)" "^fusewbtop: unrecognized option" "fusewbtop --bogus: 'fusewbtop:'"
t_like "$("$FUSEWB" stat -d 2>&1 >/dev/null | head -1)" "^fusewb stat: option requires an argument -- 'd'$" \
	"a missing argument: the same prefix"

# --hung: the same name and default everywhere
for c in stat top diagnose; do
	t_like "$("$FUSEWB" $c --help | grep -A1 -- '--hung SECONDS' | tr -s ' \n' ' ')" "default 10[,;)]" \
		"fusewb $c --help: --hung, default 10"
done
t_like "$(grep -A1 'alert: FusewbDaemonPossiblyHung' "$ROOT/dashboards/fusewb-rules.yml" | tail -1)" \
	'fusewb_pending_oldest_age_seconds > 10$' "the alert's threshold is the same 10 s"

# a request the daemon never answers, sent while stat and top watch (they
# time only what they saw sent): at ~4 s it is HUNG? for --hung 2, not by default
touch "${TFS_BACK[fl]}/f"
stall_on fl
watchers=()
for w in "stat:stat" "stat2:stat --hung 2" "top:top -b" "top2:top -b --hung 2"; do
	timeout 60 "$FUSEWB" ${w#*:} -d 0.5 -n 14 "$mnt" > "$T_TMP/${w%%:*}" 2>&1 &
	watchers+=($!)
	T_BG_PIDS+=($!)
done
for w in stat stat2 top top2; do
	wait_for "$w to report" 30 grep -q '^MOUNTPOINT' "$T_TMP/$w"
done
stat "$mnt/f" >/dev/null 2>&1 &
T_BG_PIDS+=($!)
wait_for "the stat to reach the daemon" 20 waiting_ge "$conn" 1
ok $? "a request is stuck"
for p in "${watchers[@]}"; do wait_exit "$p" 60; done
# check FILE THRESHOLD: every frame of the mount flags HUNG? exactly when its
# OLDESTs reaches THRESHOLD; prints "frames flagged unflagged wrong"
check() {	# (stat cuts the mount point at 24 characters)
	awk -v mp="$mnt" -v short="${mnt:0:24}" -v th="$2" '
		/^MOUNTPOINT/ { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == mp || $1 == short {
			n++; age = $c["OLDESTs"]; f = $c["FLAG"]
			if (age != "-" && age + 0 >= th) { hung++; if (f != "HUNG?") bad++ }
			else { fine++; if (f == "HUNG?") bad++ }
		} END { printf "%d %d %d %d\n", n, hung, fine, bad }' "$1"
}
for w in stat top; do
	read -r n hung fine bad < <(check "$T_TMP/$w" 10)
	t_cmp "$bad" == 0 "$w: HUNG? exactly from 10 s on, by default ($n frames, $hung at 10 s or more)"
	t_cmp "$fine" ">" 0 "$w: frames below 10 s are not flagged"
	read -r n hung fine bad < <(check "$T_TMP/${w}2" 2)
	t_cmp "$bad" == 0 "$w --hung 2: HUNG? exactly from 2 s on ($n frames)"
	t_cmp "$hung" ">" 0 "$w --hung 2: some frame saw the request past 2 s, flagged"
done
diagnose "$T_TMP/d.json" "$mnt"
# the request's age decides, whatever the machine's load made it by now
age=$(dq "$T_TMP/d.json" 'max(r["age_ms"] for r in c["requests"]["list"])')
want=$(awk -v a="$age" 'BEGIN { print (a >= 10000 ? "not_answering" : "slow") }')
t_like "$(dq "$T_TMP/d.json" 'c["verdict"]')" "^$want$" "diagnose by default: $want at $age ms (hung from 10 s)"
diagnose "$T_TMP/s.json" --hung 600 "$mnt"
t_like "$(dq "$T_TMP/s.json" 'c["verdict"]')" '^slow$' "diagnose --hung 600: slow, not hung"
diagnose "$T_TMP/h.json" --hung 2 "$mnt"
t_like "$(dq "$T_TMP/h.json" 'c["verdict"]')" '^not_answering$' "diagnose --hung 2: hung"
diagnose "$T_TMP/a.json" --hung-after 2 "$mnt"
t_like "$(dq "$T_TMP/a.json" 'c["verdict"]')" '^not_answering$' "--hung-after is the same"
testfs_ctl fl resume
t_done
