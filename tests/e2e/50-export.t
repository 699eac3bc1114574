#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewb export: command line errors; the exposition of a live writable-mmap
# workload with a known WRITE delay (promtool check metrics, values, counters
# that never go back, a mount that goes away, a hung request); HTTP edge cases;
# 200 concurrent scrapes.  All traffic on 127.0.0.1, every loop bounded.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
t_ok "promtool is installed (scripts/packages/export.txt)" command -v promtool

# --- command line -----------------------------------------------------------
out=$("$FUSEWB" export --help 2>&1)
ok $? "--help exits 0"
t_like "$out" "EXAMPLES:" "--help ends with examples"
"$FUSEWB" export --bogus >/dev/null 2>&1
t_cmp $? == 2 "unknown option exits 2"
err=$("$FUSEWB" export --web.listen-address=nonsense 2>&1)
t_cmp $? == 1 "bad listen address exits 1"
t_like "$err" "^fusewb export: invalid listen address 'nonsense'[^$'\n']*$" "bad listen address: one clear line"
err=$("$FUSEWB" export --web.listen-address=127.0.0.1:99999 2>&1)
t_like "$err" "^fusewb export: invalid port" "port out of range is refused"
err=$("$FUSEWB" export --web.telemetry-path=metrics 2>&1)
t_cmp $? == 2 "telemetry path without / exits 2"
t_like "$err" "must start with '/'" "telemetry path error says why"
err=$(timeout 60 "$FUSEWB" export --web.listen-address=127.0.0.1:0 --user no-such-user-fwb 2>&1)
t_cmp $? == 1 "unknown --user exits 1"
t_like "$err" "unknown user 'no-such-user-fwb'" "unknown --user is named"

# --- a workload with a known WRITE delay -------------------------------------
testfs_mount a --delay write=22 || { ok 1 "mount testfs"; t_done; exit; }
MNT=${TFS_MNT[a]}
RE=$(mp_re "$MNT")
CONN=$(conn_of "$MNT")
# the oracle first: it sees every request the exporter's counters hold
oracle_start req fuse_requests "$CONN"
ok $? "bpftrace oracle attached to connection $CONN"
export_start "$T_TMP/export.log"
ok $? "exporter starts on a free loopback port ($EXP_PORT)"
[ -n "$EXP_PORT" ] || { t_done; exit; }

err=$("$FUSEWB" export --web.listen-address=127.0.0.1:"$EXP_PORT" 2>&1)
t_cmp $? == 1 "a taken port exits 1"
t_like "$err" "cannot listen on 127.0.0.1:$EXP_PORT: Address already in use" "a taken port is reported"

scrape > "$T_TMP/s0"
timeout 120 "$MMAPWRITE" --size 4 "$MNT/f" > /dev/null &
wl=$!
sleep 0.5
scrape > "$T_TMP/s1"
wait "$wl"
ok $? "mmapwrite 4 MiB with 22 ms WRITEs"
# msync returned: every WRITE is answered; the exporter reads at the scrape
curl -s --max-time 20 -D "$T_TMP/hdr" "$EXP_URL/metrics" > "$T_TMP/s2"
oracle_stop req
ok $? "oracle stopped and parsed"
t_like "$(cat "$T_TMP/hdr")" "Content-Type: text/plain; version=0.0.4; charset=utf-8" "exposition content type 0.0.4"
out=$(promtool check metrics < "$T_TMP/s2" 2>&1)
ok $? "promtool check metrics accepts a live scrape"
[ -z "$out" ] || diag "promtool: $out"
t_cmp "$(printf '%s' "$out" | wc -c)" == 0 "promtool has no lint complaints"

writes=$(mval "$T_TMP/s2" fusewb_writeback_writes_total "$RE")
bytes=$(mval "$T_TMP/s2" fusewb_writeback_bytes_total "$RE")
cnt=$(mval "$T_TMP/s2" fusewb_writeback_write_duration_seconds_count "$RE")
inf=$(mval "$T_TMP/s2" fusewb_writeback_write_duration_seconds_bucket "$RE.*le=\"\\+Inf\"")
sum=$(mval "$T_TMP/s2" fusewb_writeback_write_duration_seconds_sum "$RE")
t_cmp "$(oracle_n req bytes "$CONN" 16)" ">=" 4194304 "the oracle saw the 4 MiB mapping written back"
# mmapwrite writes only through the mapping: every WRITE is a writeback WRITE
t_near "${writes:-}" "$(oracle_n req done "$CONN" 16)" 0 "same events" "writeback WRITEs vs oracle"
t_near "${bytes:-}" "$(oracle_n req bytes "$CONN" 16)" 0 "same events" "writeback bytes vs oracle"
t_cmp "${cnt:-0}" == "${writes:-x}" "histogram _count equals writes_total"
t_cmp "${inf:-0}" == "${cnt:-x}" "+Inf bucket equals _count"
mean=$(awk -v s="${sum:-0}" -v c="${cnt:-0}" 'BEGIN { if (c) printf "%.6f", s / c }')
t_near "$mean" "$(awk -v s="$(oracle_n req lat_sum_ns "$CONN" 16)" -v n="$(oracle_n req done "$CONN" 16)" 'BEGIN { if (n) printf "%.6f", s / n / 1e9 }')" \
	"0.00002+2%" "clock reads a few µs apart at the same tracepoint calls" "mean WRITE duration (s) vs oracle"
t_cmp "${mean:-0}" ">=" 0.022 "mean WRITE duration >= the 22 ms delay testfs sleeps"
# the same log2 buckets of the same latencies: the median's bucket is the
# oracle's (a median within µs of a bound could fall on the other side)
med=$(hist_median_le "$T_TMP/s2" fusewb_writeback_write_duration_seconds "$RE")
read -r _ hi < <(oracle_hist_pct req lat_log2 50 "$CONN" 16)
t_near "${med:-}" "$(awk -v h="${hi:-0}" 'BEGIN { printf "%.9f", h / 1e9 }')" 0 "same events, same log2 buckets" \
	"median WRITE bucket bound (s) vs the oracle's median bucket"
t_cmp "$(mval "$T_TMP/s2" fusewb_bdi_dirty_limit_bytes "$RE")" ">" 0 "bdi dirty limit exported"
v=$(mval "$T_TMP/s2" fusewb_bdi_max_ratio "$RE")
t_cmp "${v:--1}" ">=" 0 "bdi max_ratio exported"
t_cmp "$(mval "$T_TMP/s2" fusewb_daemon_processes "$RE")" == 1 "one daemon process for the mount"
t_near "$(mval "$T_TMP/s2" fusewb_pending_requests "$RE")" "$(fusectl_waiting "$CONN")" 0 \
	"msync returned: nothing can be in flight" "pending requests vs fusectl waiting"
nops=$(RE="$RE" awk '/^fusewb_request_duration_seconds_count\{/ && $0 ~ ENVIRON["RE"] && $NF > 0' "$T_TMP/s2" | wc -l)
t_cmp "$nops" ">=" 2 "per-opcode request histograms for the mount"
t_cmp "$(mval "$T_TMP/s2" fusewb_source_info 'group="requests",.*state="in_use"')" == 1 "source_info names the request tracepoints in use"
t_cmp "$(mval "$T_TMP/s2" fusewb_mounts)" ">=" 1 "fusewb_mounts"
bad=$(counters_monotonic "$T_TMP/s0" "$T_TMP/s1"; counters_monotonic "$T_TMP/s1" "$T_TMP/s2")
ok $? "no counter, bucket, _sum or _count went backwards across three scrapes"
[ -z "$bad" ] || diag "$bad"

# --- a hung request: pending count and the oldest one's age ------------------
# testfs reads "stall" in a thread of its own: the oracle starts once the
# stall is on, so the first request it sees is the one left unanswered
testfs_ctl a stall
for _ in $(seq 50); do
	testfs_status a && [ "$(testfs_stat a stalled)" = 1 ] && break
	sleep 0.1
done
t_cmp "$(testfs_stat a stalled)" == 1 "testfs says the stall is on"
oracle_start stall fuse_requests "$CONN"
ok $? "bpftrace oracle attached for the stall"
timeout 60 touch "$MNT/new-while-stalled" &
T_BG_PIDS+=($!)
toucher=$!
waiting=$(fusectl_waiting_stable "$CONN")
ok $? "fusectl's waiting settles while stalled ($waiting)"
sleep 1
s3_t0=$(date +%s.%N)
scrape > "$T_TMP/s3"
s3_t1=$(date +%s.%N)
oracle_stop stall
ok $? "oracle stopped and parsed (the daemon still stalled)"
t_cmp "$waiting" ">=" 1 "stalled daemon: fusectl says a request waits"
t_near "$(mval "$T_TMP/s3" fusewb_pending_requests "$RE")" "$(fusectl_waiting "$CONN")" 0 \
	"a stalled daemon: the count is stable" "stalled daemon: pending requests vs fusectl waiting"
# the exporter reads the age at some moment of the scrape: the reference is
# the oracle's first unanswered send aged to the scrape's midpoint, the
# tolerance half the scrape plus 20 ms (fusewb ages in jiffies)
mid=$(awk -v a="$s3_t0" -v b="$s3_t1" 'BEGIN { printf "%.6f", (a + b) / 2 }')
tol=$(awk -v a="$s3_t0" -v b="$s3_t1" 'BEGIN { printf "%.3f", (b - a) / 2 + 0.02 }')
ref=$(awk -v ms="$(oracle_age_ms "$(oracle_n stall first_send_ns "$CONN")" "$mid")" 'BEGIN { printf "%.4f", ms / 1e3 }')
t_near "$(mval "$T_TMP/s3" fusewb_pending_oldest_age_seconds "$RE")" "$ref" "$tol" \
	"ages in jiffies, read during a scrape between two clock readings" \
	"stalled daemon: oldest request age (s) vs the oracle's first unanswered send"
testfs_ctl a resume
wait "$toucher"
ok $? "the stalled request completes after resume"
# the instrument: fusectl's waiting, which counts every request not yet
# answered, reads 0 before and after the scrape, so nothing can be pending
for _ in $(seq 100); do [ "$(fusectl_waiting "$CONN")" = 0 ] && break; sleep 0.1; done
w0=$(fusectl_waiting "$CONN")
scrape > "$T_TMP/s4"
w1=$(fusectl_waiting "$CONN")
t_cmp "$((w0 + w1))" == 0 "after resume fusectl's waiting reads 0 before and after the scrape ($w0, $w1)"
t_near "$(mval "$T_TMP/s4" fusewb_pending_requests "$RE")" "$w1" 0 \
	"fusectl counts nothing waiting around the scrape" "after resume: pending requests vs fusectl waiting"
t_near "$(mval "$T_TMP/s4" fusewb_pending_oldest_age_seconds "$RE")" 0 0 \
	"fusectl counts nothing waiting around the scrape: no request has an age" \
	"after resume the oldest age is gone: vs fusectl's nothing waiting"
bad=$(counters_monotonic "$T_TMP/s2" "$T_TMP/s4")
ok $? "counters still monotonic after the stall"

# --- a mount that goes away stops being exported -----------------------------
testfs_mount b
scrape > "$T_TMP/s5"
t_cmp "$(mval "$T_TMP/s5" fusewb_mount_info "$(mp_re "${TFS_MNT[b]}")")" == 1 "a new mount shows up"
timeout 10 fusermount3 -u "${TFS_MNT[b]}"
ok $? "unmount it"
scrape > "$T_TMP/s6"
t_cmp "$(grep -c "mountpoint=\"${TFS_MNT[b]}\"" "$T_TMP/s6")" == 0 "an unmounted mount has no series left"
t_cmp "$(mval "$T_TMP/s6" fusewb_mount_info "$RE")" == 1 "the other mount is still there"

# --- HTTP: landing page, methods, paths, bad requests ------------------------
page=$(scrape /)
t_like "$page" '<a href="/metrics">' "landing page links to the metrics"
t_cmp "$(http_code "$EXP_URL/")" == 200 "GET / is 200"
t_like "$(curl -s -I --max-time 20 -o /dev/null -w '%{http_code} %{size_download}' "$EXP_URL/metrics")" "^200 0$" "HEAD /metrics: 200, no body"
t_cmp "$(http_code "$EXP_URL/metrics?x=1&y=2")" == 200 "query strings are ignored"
t_cmp "$(http_code --http1.0 "$EXP_URL/metrics")" == 200 "HTTP/1.0 works"
for m in POST PUT DELETE PATCH OPTIONS; do
	t_cmp "$(http_code -X "$m" "$EXP_URL/metrics")" == 405 "$m /metrics is 405"
done
t_like "$(curl -s -D - -o /dev/null --max-time 20 -X POST -d x=1 "$EXP_URL/metrics")" "Allow: GET, HEAD" "405 names the allowed methods"
for p in /nope /metrics/ /metricsx /METRICS /../metrics; do
	t_cmp "$(http_code --path-as-is "$EXP_URL$p")" == 404 "GET $p is 404"
done
long=$(head -c 4000 /dev/zero | tr '\0' a)
t_cmp "$(http_code "$EXP_URL/$long")" == 414 "a 4 kB URL is 414"
huge=$(head -c 100000 /dev/zero | tr '\0' a)
code=$(http_code "$EXP_URL/$huge")
t_cmp "$code" == 414 "a 100 kB URL is 414 too"
hdrs=()
for i in $(seq 100); do hdrs+=(-H "X-Filler-$i: $(head -c 1000 /dev/zero | tr '\0' b)"); done
code=$(http_code "${hdrs[@]}" "$EXP_URL/metrics")
t_cmp "$code" == 431 "100 kB of headers is 431"
# raw requests curl will not send; MHD closes a request line it cannot parse at all
raw() { timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; printf "$2" >&3; head -c 12 <&3' _ "$EXP_PORT" "$1" 2>/dev/null; }
t_like "$(raw 'GET / HTTP/1.1\r\nNo colon here\r\n\r\n')" "^HTTP/1.1 400" "a malformed header line is 400"
t_like "$(raw 'GET /metrics HTTP/9.9\r\n\r\n')" "^HTTP/1.1 505" "an unknown HTTP version is 505"
t_cmp "$(raw 'GARBAGE\r\n\r\n' | wc -c)" == 0 "an unparsable request line: connection closed, no answer"
resp=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; head -c 65536 /dev/urandom >&3; head -c 12 <&3' _ "$EXP_PORT" 2>/dev/null)
t_ok "the exporter survives 64 kB of random bytes" kill -0 "$EXP_PID"
# a client that sends half a request and stalls must not block others
exec {slow}<>/dev/tcp/127.0.0.1/"$EXP_PORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&"$slow"
t_cmp "$(http_code "$EXP_URL/metrics")" == 200 "a half-sent request does not block other scrapes"
exec {slow}>&-

# --- 200 concurrent scrapes, plus bad requests in the same burst ---------------
scrape > "$T_TMP/s7"
before=$(mval "$T_TMP/s7" fusewb_exporter_scrapes_total)
t0=$SECONDS
{
	for i in $(seq 200); do echo "GET $EXP_URL/metrics"; done
	for i in $(seq 25); do echo "POST $EXP_URL/metrics"; echo "GET $EXP_URL/nope"; done
} | timeout 180 xargs -P 250 -L 1 sh -c 'curl -s -o /dev/null --max-time 120 -X "$0" -w "$0 %{http_code}\n" "$1"' > "$T_TMP/burst"
diag "burst of 250 requests took $((SECONDS - t0)) s"
t_cmp "$(grep -c '^GET 200$' "$T_TMP/burst")" == 200 "200 concurrent scrapes all answered 200"
t_cmp "$(grep -c '^POST 405$' "$T_TMP/burst")" == 25 "concurrent POSTs all 405"
t_cmp "$(grep -c '^GET 404$' "$T_TMP/burst")" == 25 "concurrent unknown paths all 404"
t_ok "the exporter is still up after the burst" kill -0 "$EXP_PID"
scrape > "$T_TMP/s8"
after=$(mval "$T_TMP/s8" fusewb_exporter_scrapes_total)
t_cmp "$((after - before))" == 201 "every scrape was counted once (serialised, none lost)"
out=$(promtool check metrics < "$T_TMP/s8" 2>&1)
ok $? "the scrape after the burst is still valid"

# --- options: another path, no per-opcode series --------------------------------
main_pid=$EXP_PID main_url=$EXP_URL
export_start "$T_TMP/export2.log" --web.telemetry-path=/x/m --no-collect.requests
ok $? "second exporter with --web.telemetry-path=/x/m --no-collect.requests"
t_cmp "$(http_code "$EXP_URL/x/m")" == 200 "custom telemetry path serves metrics"
t_cmp "$(http_code "$EXP_URL/metrics")" == 404 "the default path is then 404"
t_like "$(scrape /)" '<a href="/x/m">' "landing page links to the custom path"
scrape /x/m > "$T_TMP/s9"
t_cmp "$(grep -c '^fusewb_request_' "$T_TMP/s9")" == 0 "--no-collect.requests leaves out per-opcode series"
v=$(mval "$T_TMP/s9" fusewb_writeback_writes_total "$RE")
t_cmp "${v:--1}" ">=" 0 "but keeps the writeback counters"
export_stop
ok $? "SIGTERM: exit status 0"

EXP_PID=$main_pid EXP_URL=$main_url
export_stop
ok $? "main exporter exits 0 on SIGTERM"
t_cmp "$(ss -Htln "sport = :$EXP_PORT" | wc -l)" == 0 "its port is closed"
t_done
