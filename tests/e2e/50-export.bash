# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the exporter tests (50-export*.t): start `fusewb export` on a
# free loopback port, scrape it, pick values out of the text exposition.
# Source after tests/lib.sh.  All traffic stays on 127.0.0.1.

# export_start LOG [OPTIONS...]: start the exporter on a kernel-chosen loopback
# port; sets EXP_PID, EXP_PORT and EXP_URL (its base URL).  Fails after 30 s.
export_start() {
	local log=$1
	shift
	export_start_cmd "$log" "$FUSEWB" export --web.listen-address=127.0.0.1:0 "$@"
}

# export_start_cmd LOG COMMAND...: as export_start, for a command line of
# one's own (a wrapper such as setpriv, the deployment's flags); it must
# listen on 127.0.0.1
export_start_cmd() {
	local log=$1 i
	shift
	EXP_PID= EXP_PORT= EXP_URL=
	"$@" 2> "$log" &
	EXP_PID=$!
	T_BG_PIDS+=("$EXP_PID")
	for i in $(seq 300); do
		EXP_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$log")
		[ -n "$EXP_PORT" ] && break
		kill -0 "$EXP_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$EXP_PORT" ] || { diag "exporter did not start: $(cat "$log")"; return 1; }
	EXP_URL=http://127.0.0.1:$EXP_PORT
}

# export_stop: SIGTERM and wait (bounded); returns the exporter's exit status
export_stop() {
	local rc i
	kill -TERM "$EXP_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$EXP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$EXP_PID" 2>/dev/null && { kill -9 "$EXP_PID"; return 99; }
	wait "$EXP_PID"
	rc=$?
	return $rc
}

# scrape [PATH] > FILE: one bounded GET
scrape() { curl -s --max-time 20 "$EXP_URL${1:-/metrics}"; }

# http_code [CURL ARGS...] URL: the status code only
http_code() { curl -s -o /dev/null --max-time 20 -w '%{http_code}' "$@"; }

# free_port: a random high loopback port nothing listens on
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# prom_start DIR TARGET [RULES]: a Prometheus on a free loopback port scraping
# TARGET (HOST:PORT) every second, evaluating RULES if given, its files in DIR;
# sets PROM_PID, PROM_PORT and PROM (its base URL).  Fails unless ready in 30 s.
prom_start() {
	local dir=$1 target=$2 rules=${3:-}
	PROM_PORT=$(free_port) || return 1
	mkdir -p "$dir"
	{
		printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
		if [ -n "$rules" ]; then
			cp "$rules" "$dir/rules.yml"
			printf 'rule_files: [rules.yml]\n'
		fi
		printf 'scrape_configs:\n  - job_name: fusewb\n    static_configs:\n      - targets: ["%s"]\n' "$target"
	} > "$dir/prometheus.yml"
	prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$dir/log" 2>&1 &
	PROM_PID=$!
	T_BG_PIDS+=("$PROM_PID")
	PROM=http://127.0.0.1:$PROM_PORT
	for _ in $(seq 300); do
		[ "$(http_code "$PROM/-/ready")" = 200 ] && return 0
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# prom_query EXPR [TIME]: the first result's value of an instant query (at
# TIME, Unix seconds; default now), "ERR ..." on a query error
prom_query() {
	curl -s --max-time 20 -G "$PROM/api/v1/query" --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} |
		python3 -c 'import json, sys
r = json.load(sys.stdin)
if r.get("status") != "success":
    print("ERR", r.get("error")); sys.exit(0)
res = r["data"]["result"]
if r["data"]["resultType"] == "scalar": print(res[1])
elif res: print(res[0]["value"][1])'
}

# mval FILE NAME [LABEL_REGEX]: value of the first sample of NAME whose label
# set matches LABEL_REGEX (an awk regex over the text between the braces)
mval() {
	# the regex goes through the environment: awk -v would eat its backslashes
	RE=${3:-} awk -v n="$2" '
		BEGIN { re = ENVIRON["RE"] }
		{ name = $1; sub(/\{.*/, "", name) }
		name == n {
			lab = $0; sub(/^[^{]*\{/, "", lab); sub(/\}[^}]*$/, "", lab)
			if (index($0, "{") == 0) lab = ""
			if (lab ~ re) { print $NF; exit }
		}' "$1" 2>/dev/null
}

# mp_re MOUNTPOINT: a label regex selecting one mount point exactly
mp_re() { printf 'mountpoint="%s"' "$(printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g')"; }

# hist_median_le FILE NAME LABEL_REGEX: the smallest bucket bound holding half the observations
hist_median_le() {
	RE=$3 awk -v n="$2_bucket" '
		BEGIN { re = ENVIRON["RE"] }
		{ name = $1; sub(/\{.*/, "", name) }
		name == n && $0 ~ re {
			le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
			b[++k] = le; c[k] = $NF
		}
		END {
			if (!k) exit 1
			total = c[k]
			for (i = 1; i <= k; i++) if (total > 0 && c[i] >= total / 2) { print b[i]; exit }
		}' "$1"
}

# counters_monotonic OLD NEW: every counter, bucket, _sum and _count sample in
# both scrapes is >= its old value; prints the offenders
counters_monotonic() {
	awk '
		/^# TYPE / { type[$3] = $4; next }
		/^#/ || NF < 2 { next }
		{
			series = $0; sub(/ [^ ]*$/, "", series)
			name = series; sub(/\{.*/, "", name)
			fam = name; sub(/_(bucket|sum|count)$/, "", fam)
			if (type[name] != "counter" && type[fam] != "histogram") next
			if (FNR == NR) { old[series] = $NF; next }
			if ((series in old) && $NF + 0 < old[series] + 0) { print series, old[series], "->", $NF; bad = 1 }
		}
		END { exit bad }' "$1" "$2"
}

# dash_rule_exprs DASHBOARD RULES: KIND<TAB>NAME<TAB>EXPR for every panel
# target, query variable and alert rule (python3-yaml)
dash_rule_exprs() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys, yaml
d = json.load(open(sys.argv[1]))
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))
for p in panels(d["panels"]):
    for t in p.get("targets", []):
        print("dashboard\t" + p["title"] + "\t" + " ".join(t["expr"].split()))
for v in d["templating"]["list"]:
    if v.get("type") == "query":
        print("variable\t" + v["name"] + "\t" + v["definition"])
for g in yaml.safe_load(open(sys.argv[2]))["groups"]:
    for r in g["rules"]:
        print("rule\t" + r["alert"] + "\t" + " ".join(r["expr"].split()))
EOF
}

# metric_served SCRAPE NAME: NAME has samples in SCRAPE, or belongs to the
# kernel writeback view (temp pages, kernel-timed WRITEs, re-dirty and
# inode waits: kernels before 6.16) or to the queue/serve split (kernels
# with fuse_request_sent), is declared, and none of its sources is in use there
metric_served() {
	grep -q "^$2[{ ]" "$1" && return 0
	[[ $2 =~ ^fusewb_(writeback_temp|kernel_writeback|redirty|nowrite|writeback_queue|writeback_serve|writeback_split|request_queue|request_serve|request_split|pending_in_service)_ ]] || return 1
	grep -q "^# TYPE ${2%_bucket} " "$1" || return 1
	! grep -Eq '^fusewb_source_info\{group="(temp-alloc|temp-end|temp-free|redirty|nowrite|requests-sent)".*state="in_use"' "$1"
}
