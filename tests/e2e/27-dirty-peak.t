#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The dirty memory a throttled writer saw, per interval, beside the
# end-of-interval reading: a dd into a writeback-cache mount whose bdi is
# capped at 4 MiB (max_bytes) keeps dirty+writeback at the limit while it
# runs, yet the debugfs figure read at the end of an interval is near 0.
# Instrument: the oracle's bpftrace on the same tracepoint
# (tests/oracle/balance_dirty_pages.bt), the highest wb_dirty of the mount's
# bdi; debugfs BdiDirtyThresh for the limit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
command -v bpftrace >/dev/null || skip_all "needs bpftrace"

testfs_mount_capped wbc
ok $? "max_bytes of bdi $bdi set to 4 MiB"

oracle_start bdp balance_dirty_pages "$conn"
ok $? "the oracle is attached to writeback:balance_dirty_pages"

stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"
timeout 120 "$BUILD/fusewbtop" -b -d 0.5 -n 1000 "$mnt" > "$T_TMP/top.out" 2>&1 &
TOP_PID=$!
T_BG_PIDS+=($TOP_PID)
export_start "$T_TMP/export.log" || { ok 1 "exporter started"; t_done; exit 1; }
( while :; do scrape; echo "# end"; sleep 0.3; done ) > "$T_TMP/scrapes" 2>/dev/null &
T_BG_PIDS+=($!)
SCRAPER=$!
sleep 1

timeout 120 dd if=/dev/zero of="$mnt/f" bs=1M count=300 conv=fsync 2>/dev/null
ok $? "300 MiB written through the 4 MiB-capped bdi"
# every collector reports an interval that ends after the last write
n=$(wc -l < "$T_TMP/stat.json")
for _ in $(seq 100); do [ "$(wc -l < "$T_TMP/stat.json")" -ge $((n + 2)) ] && break; sleep 0.1; done
sleep 1
kill "$SCRAPER"; wait "$SCRAPER" 2>/dev/null
kill "$TOP_PID"; wait "$TOP_PID" 2>/dev/null
stat_stop
export_stop
oracle_stop bdp
bt_max=$(oracle_get bdp wb_dirty_max "$bdi")
bt_events=$(oracle_n bdp calls "$bdi")
diag "oracle: $bt_events events, highest wb_dirty $bt_max pages"
t_cmp "$bt_events" ">" 0 "the writer was throttled (the oracle saw balance_dirty_pages events)"

f=$T_TMP/stat.json
# tq EXPR OP WANT DESCRIPTION: t_cmp on an expression over the stat records; no value fails
tq() {
	local v
	v=$(q "$f" "$mnt" "$1" 2>/dev/null)
	if [ -z "$v" ]; then ok 1 "$4 (no value)"; else t_cmp "$v" "$2" "$3" "$4"; fi
}
t_near "$(q "$f" "$mnt" 'max(m["dirty"]["peak_pages"] or 0 for m in ms)')" "$bt_max" 0 \
	"same field of the same events; store_max gives up only after 4 contended retries" \
	"stat --json: highest peak_pages of the run vs the oracle's highest wb_dirty"
tq 'sum(1 for m in ms if m["dirty"]["throttle_count"] and m["dirty"]["peak_pages"] is None)' == 0 \
	"stat --json: every interval with a throttle pause has a peak"
tq 'sum(1 for m in ms if m["dirty"]["peak_pages"] is not None and (m["dirty"]["pages"] or 0) + (m["dirty"]["writeback_pages"] or 0) < m["dirty"]["peak_pages"])' ">" 0 \
	"stat --json: some interval's end-of-interval reading is below its peak (what the peak is for)"
# the limit at the event vs the kernel's own BdiDirtyThresh read at the interval's end: 5 % for the
# global threshold moving between the two reads and the record's rounding (measured: 1.4 % high)
tq 'max(abs(m["dirty"]["peak_limit_pages"] / m["dirty"]["limit_pages"] - 1) for m in ms if m["dirty"]["peak_limit_pages"])' "<=" 0.05 \
	"stat --json: the peak's limit is the bdi's BdiDirtyThresh within 5 %"
tq 'sum(1 for m in ms if m["dirty"]["peak_pages"] is not None and m["dirty"]["throttle_ms"] is None)' == 0 \
	"stat --json: a peak comes with the throttle figures"

# top: the PEAK% column, its highest value against bpftrace's peak over the debugfs limit
top_max=$(awk '/^MOUNTPOINT / { for (i = 1; i <= NF; i++) idx[$i] = i; next }
	idx["PEAK%"] && $1 == mp && $(idx["PEAK%"]) != "-" && $(idx["PEAK%"]) + 0 > m { m = $(idx["PEAK%"]) + 0 }
	END { print m + 0 }' mp="$mnt" "$T_TMP/top.out")
lim=$(q "$f" "$mnt" 'max(m["dirty"]["peak_limit_pages"] or 0 for m in ms)')
t_cmp "$top_max" ">" 0 "top: PEAK% shows the throttle events' peak"
t_near "$top_max" "$(awk -v b="$bt_max" -v l="$lim" 'BEGIN { printf "%.3f", 100 * b / l }')" 1 \
	"top's own collector may see its peak's limit a page or two off stat's" \
	"top: highest PEAK% vs the oracle's highest wb_dirty over the peak's limit"

# export: the peak gauge since the previous scrape
page=$(getconf PAGESIZE)
exp_max=$(awk -v mp="$mnt" 'index($0, "fusewb_bdi_dirty_peak_bytes{") == 1 && index($0, "mountpoint=\"" mp "\"") {
	if ($NF + 0 > m) m = $NF + 0 } END { print m + 0 }' "$T_TMP/scrapes")
t_near "$exp_max" $(( ${bt_max:-0} * page )) 0 "same field of the same events" \
	"export: highest fusewb_bdi_dirty_peak_bytes vs the oracle's highest wb_dirty in bytes"
t_done
