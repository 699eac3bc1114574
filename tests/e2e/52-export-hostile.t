#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Hostile clients do not stop the scrapes.  With 500 connections that send
# nothing and 300 that trickle a request header a byte a second, all from
# 127.0.0.1 like the scraper itself (so a per-IP cap cannot tell them
# apart), every scrape answers within 1 s, for long enough that the server's
# 10 s header deadline shuts the hostile connections down and they come back.
# Then 2 500 at once, more than the server's room (2 048): each new
# connection evicts the oldest idle one, so the scraper still gets in.
# Broken requests are logged rate-limited, each line whole.  Loopback only;
# the clients are bounded in number and time and killed at the end.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
command -v ss >/dev/null || skip_all "needs ss (iproute2)"

T0=$SECONDS
export_start "$T_TMP/export.err" || { ok 1 "the exporter starts"; t_done; exit 1; }
t_cmp "$(http_code "$EXP_URL/metrics")" == 200 "a scrape answers before the hostile clients come"

conns() { ss -Htn state established "( dport = :$EXP_PORT )" | wc -l; }

# hostile NAME IDLE SLOW SECONDS: the hostile clients in the background
# ($HPID), output in $T_TMP/NAME.out and .err; returns once they say ready
hostile() {
	python3 "$ROOT/tests/tools/hostile_http.py" "$EXP_PORT" --idle "$2" --slow "$3" --seconds "$4" \
		> "$T_TMP/$1.out" 2> "$T_TMP/$1.err" &
	HPID=$!
	T_BG_PIDS+=("$HPID")
	for _ in $(seq 300); do
		grep -q '^ready' "$T_TMP/$1.out" && return 0
		sleep 0.1
	done
}

hostile hostile 500 300 90
t_like "$(cat "$T_TMP/hostile.out")" "^ready 500 300" "800 hostile clients connected"
n=$(conns)
t_cmp "$n" ">=" 790 "they hold their connections open"

# scrapes SECONDS: scrape twice a second; sets total, failed (not 200 within 1 s), worst
scrapes() {
	local end=$((SECONDS + $1)) r
	total=0 failed=0 worst=0
	while [ $SECONDS -lt $end ]; do
		r=$(curl -s -o /dev/null --max-time 1 -w '%{http_code} %{time_total}' "$EXP_URL/metrics")
		total=$((total + 1))
		[ "${r% *}" = 200 ] || failed=$((failed + 1))
		worst=$(awk -v a="${r#* }" -v b="$worst" 'BEGIN { print (a > b) ? a : b }')
		sleep 0.5
	done
}

# across the first deadline (10 s) and the reconnect wave
scrapes 16
t_cmp "$total" ">=" 10 "scrapes made while the hostile clients were connected"
t_cmp "$failed" == 0 "every scrape answered 200 within 1 s ($total scrapes, slowest ${worst}s)"
t_like "$(tail -1 "$T_TMP/hostile.err")" "reconnects [1-9]" "the server shut down the stalling connections (they reconnected)"
n=$(conns)
t_cmp "$n" ">=" 700 "and the hostile clients were back when the scrapes were made"

# many broken requests at once: a bounded number of whole log lines
python3 - "$EXP_PORT" <<'PY'
import socket, sys
for i in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad header without colon\r\n\r\n" if i % 2 else b"GET / HT")
    s.close()
PY
sleep 1
t_cmp "$(http_code "$EXP_URL/metrics")" == 200 "scrapes answer after 300 broken requests"
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null

# more than the room: the oldest idle connections make way
hostile hostile2 2200 300 60
t_like "$(cat "$T_TMP/hostile2.out")" "^ready 2200 300" "2 500 hostile clients connecting"
sleep 1
scrapes 8
t_cmp "$failed" == 0 "with more hostile clients than room, every scrape answered 200 within 1 s ($total scrapes, slowest ${worst}s)"
t_cmp "$(conns)" ">=" 1900 "while the server held nearly its room of them"
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
for _ in $(seq 100); do
	[ "$(conns)" -lt 5 ] && break
	sleep 0.1
done
t_cmp "$(conns)" "<" 5 "the hostile clients are gone"
# the count of held-back messages comes when their 10 s window ends, message or not
for _ in $(seq 150); do
	grep -q 'more messages left out' "$T_TMP/export.err" && break
	sleep 0.1
done
lines=$(grep -c 'http:' "$T_TMP/export.err")
diag "exporter log: $(grep -v listening "$T_TMP/export.err" | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn | head -5 | tr '\n' ';')"
# at most 10 lines per 10 s window, one sweep summary per window, one "left out" per window
windows=$(( (SECONDS - T0) / 10 + 1 ))
t_cmp "$lines" "<=" $((windows * 12)) "the log is rate-limited ($((SECONDS - T0)) s, thousands of broken connections)"
bad=$(grep -v '^fusewb export: ' "$T_TMP/export.err" | grep -c .)
t_cmp "$bad" == 0 "every log line is whole, starting with the program's name"
t_cmp "$(grep -c 'fusewb export:.*fusewb export:' "$T_TMP/export.err")" == 0 "no two messages share a line"
t_like "$(cat "$T_TMP/export.err")" "more messages left out" "the messages held back are counted"
export_stop
t_cmp $? == 0 "the exporter exits 0 on SIGTERM"
t_done
