# SPDX-License-Identifier: GPL-2.0-only
# The bpftrace instrument: run one of tests/oracle/*.bt beside fusewb, on
# the same kernel events, filtered to the test's own connections.
#
#   oracle_start NAME SCRIPT CONN...   start SCRIPT.bt in the background;
#                                      returns once its probes are attached
#   oracle_stop NAME                   stop it (its END runs) and parse what it saw
#   oracle_get NAME VAR KEY...         one value; nothing and status 1 if absent
#   oracle_n NAME VAR KEY...           a count or sum: 0 if absent (the oracle saw none)
#   oracle_sum NAME VAR KEY...         sum over the rows whose leading keys match
#   oracle_hist_pct NAME VAR PCT KEY...  the bucket [lo, 2*lo) that holds the
#                                      PCT-th percentile of a hist(): prints "lo hi"
#
#   oracle_age_ms NS WALL              age in ms at wall-clock time WALL (Unix
#                                      seconds) of an event the oracle stamped
#                                      NS (bpftrace nsecs: CLOCK_MONOTONIC)
#
# Parsed output ($T_TMP/oracle.NAME): one "VAR KEY... VALUE" line per map
# entry, "VAR KEY... @LO COUNT" per histogram bucket.  Keys are the map's
# keys: (connection, opcode) for fuse_requests, the bdi name for
# balance_dirty_pages.

ORACLE_DIR=${ORACLE_DIR:-$ROOT/tests/oracle}
# Requests in flight at once that fuse_requests.bt can pair (its maps are
# preallocated hash maps: bpftrace's default of 4096 is too small for a
# stalled mount with thousands of pending requests).
ORACLE_MAP_KEYS=${ORACLE_MAP_KEYS:-65536}
declare -A ORACLE_PID

# bdi name of connection CONN (its st_dev): "MAJOR:MINOR", as the kernel
# names a FUSE bdi (fuseblk's "-fuseblk" suffix is not handled).
oracle_bdi_of() { echo "$(($1 >> 20)):$(($1 & 0xfffff))"; }

# The predicate that keeps the events of the given connections.
oracle_filter() {	# oracle_filter SCRIPT CONN...
	local script=$1 c e=
	shift
	for c in "$@"; do
		case $script in
		balance_dirty_pages) e+="${e:+ || }args->bdi == \"$(oracle_bdi_of "$c")\"" ;;
		*) e+="${e:+ || }args->connection == $c" ;;
		esac
	done
	echo "$e"
}

oracle_start() {	# oracle_start NAME SCRIPT CONN...
	local name=$1 script=$2 src=$ORACLE_DIR/$2.bt bt=$T_TMP/oracle.$1.bt out=$T_TMP/oracle.$1.out
	local filter text want pid
	shift 2
	[ -r "$src" ] || { echo "oracle_start: no $src" >&2; return 1; }
	[ $# -gt 0 ] || { echo "oracle_start: no connection given" >&2; return 1; }
	command -v bpftrace >/dev/null || { echo "oracle_start: bpftrace is not installed (scripts/packages/core.txt)" >&2; return 1; }
	# bpftrace reads tracepoint formats from tracefs, which a fresh machine may not have mounted
	grep -q ' /sys/kernel/tracing ' /proc/self/mountinfo || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
	filter=$(oracle_filter "$script" "$@")
	text=$(< "$src")
	text=${text//CONN_FILTER/$filter}
	printf '%s\n' "${text//BDI_FILTER/$filter}" > "$bt"
	want=$(grep -c '^tracepoint:' "$bt")
	BPFTRACE_MAP_KEYS_MAX=$ORACLE_MAP_KEYS bpftrace "$bt" > "$out" 2> "$out.err" &
	pid=$!
	T_BG_PIDS+=("$pid")
	ORACLE_PID[$name]=$pid
	# Attached: BEGIN has run and every tracepoint has its program
	# (bpftool lists a perf event per attached probe and process).
	for _ in $(seq 300); do
		if grep -q '^oracle: begin' "$out" &&
		   [ "$(bpftool perf list 2>/dev/null | awk -v p="$pid" '$1 == "pid" && $2 == p' | wc -l)" -ge "$want" ]; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "oracle_start: $script did not attach:" >&2
	cat "$out.err" >&2
	return 1
}

oracle_stop() {	# oracle_stop NAME
	local name=$1 pid=${ORACLE_PID[$1]:-} out=$T_TMP/oracle.$1.out
	[ -n "$pid" ] || return 1
	kill -INT "$pid" 2>/dev/null
	# END prints every map: on a loaded machine that can take a while.  At
	# load ~20 bpftrace sometimes never acted on the one SIGINT (it sets a
	# flag its poll loop checks): asking again every 5 s is harmless.
	for i in $(seq 600); do
		kill -0 "$pid" 2>/dev/null || break
		(( i % 50 )) || kill -INT "$pid" 2>/dev/null
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# oracle_stop: $name did not exit in 60 s"
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	unset "ORACLE_PID[$name]"
	if ! grep -q '^oracle: end' "$out"; then
		echo "# oracle_stop: $name printed no END; its stderr:"
		sed 's/^/#   /' "$out.err" | tail -5
		return 1
	fi
	awk '
	function num(s,  m) {	# bpftrace bucket bounds: 512, 1K, 4M, 2G
		m = 1
		if (s ~ /K$/) m = 1024; else if (s ~ /M$/) m = 1048576; else if (s ~ /G$/) m = 1073741824
		sub(/[KMG]$/, "", s)
		return s * m
	}
	/^@[a-z_0-9]+(\[.*\])?: / {
		line = $0
		sub(/^@/, "", line)
		var = line; sub(/[\[:].*/, "", var)
		keys = ""
		if (line ~ /^[a-z_0-9]+\[/) {
			keys = line; sub(/^[^\[]*\[/, "", keys); sub(/\]: .*$/, "", keys); gsub(/, /, " ", keys)
		}
		val = line; sub(/^.*\]?: */, "", val); sub(/ +$/, "", val)
		if (val == "") { hist = var (keys == "" ? "" : " " keys); next }
		hist = ""
		print var (keys == "" ? "" : " " keys), val
		next
	}
	hist != "" && /^\[/ {
		b = $0; sub(/^\[/, "", b); sub(/[,\]].*$/, "", b)
		c = $0; sub(/^[^\]\)]*[\]\)] */, "", c); sub(/ .*$/, "", c)
		print hist, "@" num(b), c
		next
	}
	/^$/ { hist = "" }
	' "$out" > "$T_TMP/oracle.$name"
}

oracle_get() {	# oracle_get NAME VAR KEY...
	local f=$T_TMP/oracle.$1
	shift
	awk -v want="$*" '{ v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == want) { print v; found = 1; exit } }
		END { exit !found }' "$f"
}

oracle_n() { oracle_get "$@" || echo 0; }

oracle_sum() {	# oracle_sum NAME VAR KEY...: sum over rows whose leading keys are KEY...
	local f=$T_TMP/oracle.$1
	shift
	awk -v want="$*" '$NF !~ /^@/ && $(NF - 1) !~ /^@/ {
		v = $NF; $NF = ""; sub(/ $/, "")
		if ($0 == want || index($0, want " ") == 1) s += v
	} END { print s + 0 }' "$f"
}

oracle_hist_pct() {	# oracle_hist_pct NAME VAR PCT KEY...
	local f=$T_TMP/oracle.$1 var=$2 pct=$3
	shift 3
	awk -v want="$var $*" -v pct="$pct" '$(NF - 1) ~ /^@/ {
		k = $1; for (i = 2; i <= NF - 2; i++) k = k " " $i
		if (k == want) { n++; lo_[n] = substr($(NF - 1), 2); c_[n] = $NF; tot += $NF }
	} END {
		if (!tot) exit 1
		for (i = 1; i <= n; i++) { run += c_[i]; if (run * 100 >= pct * tot) { print lo_[i], (lo_[i] ? lo_[i] * 2 : 1); exit } }
	}' "$f"
}

oracle_age_ms() {	# oracle_age_ms NS WALL
	python3 -c 'import sys, time
off = time.time() - time.monotonic()
print("%.1f" % ((float(sys.argv[2]) - off) * 1e3 - int(sys.argv[1]) / 1e6))' "$1" "$2"
}
