#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Dirty throttling: a writeback-cache testfs whose bdi may hold only 4 MiB
# (max_bytes), so dd is paused in balance_dirty_pages.  The time and number
# of pauses that fusewb stat (JSON and text), fusewbtop and the exporter
# report must be what the bpftrace oracle sees on the same tracepoint: calls
# with pause > 0 and the sum of their pause (milliseconds in the record).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

testfs_mount_capped thr
t_cmp "$(bdi_knob "$bdi" max_bytes)" "<=" $((4 << 20)) "bdi $bdi may hold at most 4 MiB dirty"

oracle_start thr balance_dirty_pages "$conn"
ok $? "bpftrace oracle attached to balance_dirty_pages of $bdi"
stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat --json started"
# The text and fusewbtop print a rate over an interval they do not print:
# each line is stamped when it arrives, and a report's interval is the time
# since the previous one arrived.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
"$FUSEWB" stat -d 1 "$mnt" > >(stamp > "$T_TMP/stat.txt") 2>&1 &
TXT_PID=$!
T_BG_PIDS+=("$TXT_PID")
"$BUILD/fusewbtop" -b --detail -d 1 "$mnt" > >(stamp > "$T_TMP/top.txt") 2>&1 &
TOP_PID=$!
T_BG_PIDS+=("$TOP_PID")
export_start "$T_TMP/export.log"
ok $? "exporter started"
frames() { grep -c '^[0-9.]* MOUNTPOINT ' "$1"; }
for _ in $(seq 100); do
	[ "$(frames "$T_TMP/stat.txt")" -ge 1 ] && [ "$(frames "$T_TMP/top.txt")" -ge 1 ] && break
	sleep 0.1
done

timeout 120 dd if=/dev/zero of="$mnt/f" bs=1M count=300 conv=fsync status=none
ok $? "300 MiB written with dd and fsync'd"
# Nothing dirties this bdi any more: the second report after this moment
# covers every pause (each front end reports what ended in its interval).
declare -A seen=([json]=$(wc -l < "$T_TMP/stat.json") [txt]=$(frames "$T_TMP/stat.txt") [top]=$(frames "$T_TMP/top.txt"))
for _ in $(seq 100); do
	[ "$(wc -l < "$T_TMP/stat.json")" -ge $((seen[json] + 2)) ] &&
	[ "$(frames "$T_TMP/stat.txt")" -ge $((seen[txt] + 2)) ] &&
	[ "$(frames "$T_TMP/top.txt")" -ge $((seen[top] + 2)) ] && break
	sleep 0.1
done
scrape > "$T_TMP/metrics"
ok $? "exporter scraped"
stat_stop
kill "$TXT_PID" "$TOP_PID" 2>/dev/null
wait "$TXT_PID" "$TOP_PID" 2>/dev/null
export_stop
oracle_stop thr
ok $? "oracle stopped and parsed"

o_n=$(oracle_n thr pauses "$bdi")
o_ms=$(oracle_n thr pause_ms "$bdi")
diag "oracle: $(oracle_n thr calls "$bdi") balance_dirty_pages calls, $o_n with pause > 0, $o_ms ms"
t_cmp "$o_n" ">" 0 "the workload was throttled (oracle: pauses > 0)"

f=$T_TMP/stat.json
t_near "$(q "$f" "$mnt" 'sum(m["dirty"]["throttle_count"] for m in ms)')" "$o_n" 0 "same events" \
	"stat --json: throttle pauses vs oracle"
t_near "$(q "$f" "$mnt" 'sum(m["dirty"]["throttle_ms"] for m in ms)')" "$o_ms" 0.01 "same events; JSON prints 3 decimals" \
	"stat --json: throttle ms vs oracle"

# rate x interval summed over the reports of mount MP: the interval since the
# previous report arrived; the first report (before dd) has none and is 0
rate_sum() {	# rate_sum FILE MP COLUMN
	awk -v mp="$2" -v col="$3" '
		$2 == "MOUNTPOINT" { for (i = 2; i <= NF; i++) c[$i] = i; next }
		$2 == mp {
			v = $(c[col]); if (v ~ /k$/) { sub(/k$/, "", v); v *= 1000 }
			if (prev != "") s += v * ($1 - prev)
			prev = $1; n++
		}
		END { printf "%.1f %d\n", s, n }' "$1"
}
# (the text cuts the mount point to 24 columns; it shows only this mount)
read -r txt_ms txt_n < <(rate_sum "$T_TMP/stat.txt" "${mnt:0:24}" THRms)
read -r top_ms top_n < <(rate_sum "$T_TMP/top.txt" "$mnt" THRms)
why="0.1 ms/s rounding a report; the arrival times stand for the measured intervals (a few ms off)"
t_near "$txt_ms" "$o_ms" "$(awk -v n="$txt_n" 'BEGIN { print 0.1 * n }')+3%" "$why" \
	"stat text: THRms/s x interval summed vs oracle ms"
t_near "$(awk '/throttled in balance_dirty_pages/ { s += $(NF - 1) } END { print s + 0 }' "$T_TMP/top.txt")" "$o_n" 0 \
	"same events" "fusewbtop --detail: pauses vs oracle"
t_near "$top_ms" "$o_ms" "$(awk -v n="$top_n" 'BEGIN { print 0.1 * n }')+3%" "$why" \
	"fusewbtop: THRms x interval summed vs oracle ms"

re=$(mp_re "$mnt")
t_near "$(mval "$T_TMP/metrics" fusewb_throttle_pauses_total "$re")" "$o_n" 0 "same events" \
	"export: fusewb_throttle_pauses_total vs oracle"
t_near "$(awk -v s="$(mval "$T_TMP/metrics" fusewb_throttle_seconds_total "$re")" 'BEGIN { printf "%.3f", s * 1000 }')" "$o_ms" 0.01 \
	"same events" "export: fusewb_throttle_seconds_total (as ms) vs oracle"
t_done
