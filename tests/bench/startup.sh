#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Load + verify + attach wall time of the front ends that load the BPF
# object (issue 12 aims at 200 ms): for `fusewb stat`, `fusewb top -b` and
# `fusewb export`, from exec to its last BPF link (attached), and to its
# first answer (stat and top: their first report, after one 0.1 s
# interval; export: the first 200 from /metrics).  STARTUP_RUNS runs each
# (default 5); the median and the slowest.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
RUNS=${STARTUP_RUNS:-5}
[ "$(id -u)" = 0 ] || { echo "startup: needs root" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

one() {	# one LABEL [--url URL] -- COMMAND...
	local label=$1 out
	shift
	out=$(for _ in $(seq "$RUNS"); do python3 "$ROOT/tests/bench/startup.py" "$@" || exit 1; done) || return 1
	printf '%s\n' "$out" | python3 -c '
import statistics, sys
label = sys.argv[1]
rows = [list(map(int, l.split())) for l in sys.stdin]
a = [r[0] for r in rows]
b = [r[1] for r in rows]
print("  %-16s attached %4.0f ms (slowest %4d)   answered %4.0f ms (slowest %4d)   %d links   (%d runs)" %
      (label, statistics.median(a), max(a), statistics.median(b), max(b), rows[0][2], len(rows)))
' "$label"
}

echo "load + verify + attach, exec to the last BPF link / to the first answer:"
rc=0
one "fusewb stat" -- "$BUILD/fusewb" stat -d 0.1 || rc=1
one "fusewb top -b" -- "$BUILD/fusewb" top -b -d 0.1 || rc=1
one "fusewb export" --url "http://127.0.0.1:$port/metrics" -- "$BUILD/fusewb" export --web.listen-address "127.0.0.1:$port" || rc=1
exit $rc
