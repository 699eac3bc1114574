#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Prometheus server (Debian's, on loopback, started here) scrapes the
# exporter every second while a writable-mmap workload runs on a testfs mount
# whose WRITEs take 20 ms; histogram_quantile over the scraped data must say
# tens of milliseconds.  The same server loads the shipped alerting rules and
# evaluates every PromQL expression of the Grafana dashboard, and every metric
# those name must be in a live scrape.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
PY=/usr/bin/python3	# Debian's, with python3-yaml (scripts/packages/export.txt)
DASH=$ROOT/dashboards/fusewb.json
RULES=$ROOT/dashboards/fusewb-rules.yml
t_ok "prometheus is installed" command -v prometheus

testfs_mount p --delay write=20 || { ok 1 "mount testfs"; t_done; exit; }
MNT=${TFS_MNT[p]}
export_start "$T_TMP/export.log"
ok $? "exporter started"

prom_start "$T_TMP/prom" "127.0.0.1:$EXP_PORT" "$RULES"
ready=$(http_code "$PROM/-/ready")
t_cmp "$ready" == 200 "Prometheus is ready on 127.0.0.1:$PROM_PORT"
[ "$ready" = 200 ] || diag "$(tail -5 "$T_TMP/prom/log")"

# wait for the target to be up before the workload, so the series start at 0
for _ in $(seq 200); do
	[ "$(prom_query 'up{job="fusewb"}')" = 1 ] && break
	sleep 0.1
done
t_cmp "$(prom_query 'up{job="fusewb"}')" == 1 "Prometheus scrapes the exporter (up == 1)"
sleep 2

# 8 MiB, three passes: a few seconds of 20 ms WRITEs, seen by several scrapes
timeout 120 "$MMAPWRITE" --size 8 --passes 3 "$MNT/f" > /dev/null
ok $? "mmapwrite 3 x 8 MiB on the mount with 20 ms WRITEs"
sleep 3	# two more scrapes after the last WRITE
# the workload's queries are evaluated at this moment: on a loaded machine the
# checks below take over a minute, and a [1m] rate would then see no WRITE
wl_end=$(date +%s.%N)

SEL="mountpoint=\"$MNT\""
writes=$(prom_query "max_over_time(fusewb_writeback_writes_total{$SEL}[5m])")
t_cmp "${writes:-0}" ">=" 3 "Prometheus has the writeback WRITE counter"
p50=$(prom_query "histogram_quantile(0.5, sum by (le) (increase(fusewb_writeback_write_duration_seconds_bucket{$SEL}[5m])))")
p99=$(prom_query "histogram_quantile(0.99, sum by (le) (increase(fusewb_writeback_write_duration_seconds_bucket{$SEL}[5m])))")
diag "PromQL over the scraped data: p50 ${p50:-none} s, p99 ${p99:-none} s (delay 20 ms)"
t_cmp "${p50:-0}" ">=" 0.01 "histogram_quantile p50 >= 10 ms"
t_cmp "${p50:-1}" "<" 0.07 "histogram_quantile p50 < 70 ms"
t_cmp "${p99:-1}" "<" 0.2 "histogram_quantile p99 is the same order of magnitude"
mean=$(prom_query "increase(fusewb_writeback_write_duration_seconds_sum{$SEL}[5m]) / increase(fusewb_writeback_write_duration_seconds_count{$SEL}[5m])")
t_cmp "${mean:-0}" ">=" 0.019 "mean from _sum/_count >= 20 ms"
t_cmp "${mean:-1}" "<" 0.1 "mean from _sum/_count < 100 ms"
mbps=$(prom_query "max_over_time(rate(fusewb_writeback_bytes_total{$SEL}[3s])[5m:1s])")
t_cmp "${mbps:-0}" ">" 1000000 "throughput rate() seen (bytes/s)"
for m in fusewb_writeback_writes_total fusewb_writeback_bytes_total fusewb_writeback_pages_total \
	 fusewb_writeback_write_duration_seconds_bucket fusewb_writeback_write_duration_seconds_count \
	 fusewb_writeback_write_duration_seconds_sum fusewb_request_duration_seconds_count \
	 fusewb_throttle_seconds_total fusewb_exporter_scrapes_total; do
	t_like "$(prom_query "sum(resets($m[5m]))")" "^0$" "Prometheus saw no reset of $m"
done

# --- the shipped rules, loaded by the real server ---------------------------
"$PY" - "$PROM" > "$T_TMP/rules.txt" <<'EOF'
import json, sys, urllib.request
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/rules", timeout=20))
for g in r["data"]["groups"]:
    for rule in g["rules"]:
        print(rule["name"], rule["health"], rule.get("lastError", ""))
EOF
t_cmp "$(wc -l < "$T_TMP/rules.txt")" == "$(grep -c '^ *- alert:' "$RULES")" "Prometheus loaded every rule"
t_cmp "$(grep -vc ' ok $' "$T_TMP/rules.txt")" == 0 "every rule evaluates with health ok"
grep -v ' ok $' "$T_TMP/rules.txt" | while read -r l; do diag "$l"; done

# --- every dashboard and rule expression against the real server ------------
scrape > "$T_TMP/live"
dash_rule_exprs "$DASH" "$RULES" > "$T_TMP/exprs"
t_cmp "$(wc -l < "$T_TMP/exprs")" ">=" 20 "expressions collected from the dashboard and rules"
nbad=0 nq=0
while IFS=$'\t' read -r kind name expr; do
	# Grafana's variables: every instance and mount, a 1 m rate window
	e=${expr//\$__rate_interval/1m}
	e=${e//\$instance/.*}
	e=${e//\$mountpoint/.*}
	if [ "$kind" = variable ]; then	# label_values(METRIC, LABEL): the metric must have the label
		m=$(sed -n 's/^label_values(\([^,]*\), *\([a-z_]*\))$/\1/p' <<<"$e")
		l=$(sed -n 's/^label_values(\([^,]*\), *\([a-z_]*\))$/\2/p' <<<"$e")
		e="count by ($l) ($m)"
	fi
	nq=$((nq + 1))
	r=$(prom_query "$e")
	if [[ $r == ERR* ]]; then
		nbad=$((nbad + 1))
		diag "$kind '$name': $r: $e"
	fi
	for m in $(grep -o 'fusewb_[a-z_]*' <<<"$expr" | sort -u); do
		# the kernel writeback view has samples only on temp-page kernels
		# (the guest tests scrape them there); here it must be declared
		if ! metric_served "$T_TMP/live" "$m"; then
			nbad=$((nbad + 1))
			diag "$kind '$name' names $m, which the exporter does not emit"
		fi
	done
done < "$T_TMP/exprs"
t_cmp "$nbad" == 0 "all $nq dashboard/rule expressions are valid PromQL on metrics the exporter emits"
t_cmp "$(prom_query 'count(count by (mountpoint) (fusewb_mount_info))' "$wl_end")" ">=" 1 "the mountpoint variable has values"
t_cmp "$(prom_query "histogram_quantile(0.99, sum by (instance, mountpoint, le) (rate(fusewb_writeback_write_duration_seconds_bucket{instance=~\".*\",$SEL}[1m])))" "$wl_end")" ">" 0.01 \
	"the dashboard's p99 panel query returns the workload's latency"
t_done
