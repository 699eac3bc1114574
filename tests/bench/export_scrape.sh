#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# How long a scrape of `fusewb export` takes with many FUSE mounts.
#   bash tests/bench/export_scrape.sh [MOUNTS [SCRAPES [EXPORT OPTIONS...]]]
#   (default 100 mounts, 50 scrapes)
# Mounts MOUNTS testfs instances, gives each a little traffic (so every mount
# has a handful of per-opcode histograms), then scrapes the exporter SCRAPES
# times and prints the median and worst of: the whole HTTP request (curl),
# and the collection part alone (fusewb_scrape_duration_seconds).  Everything
# is unmounted by tests/lib.sh's exit trap, however the script ends.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/e2e/50-export.bash"
NMOUNTS=${1:-100}
NSCRAPES=${2:-50}
shift 2 2>/dev/null || shift $#	# the rest goes to fusewb export (e.g. --no-collect.requests)

[ "$(id -u)" = 0 ] || { echo "export_scrape: needs root" >&2; exit 1; }
# the exporter first: only traffic after it loaded is in its maps
export_start "$T_TMP/export.err" "$@" || { cat "$T_TMP/export.err" >&2; exit 1; }
for i in $(seq "$NMOUNTS"); do
	testfs_mount "b$i" || { echo "export_scrape: mount $i failed" >&2; exit 1; }
	# create, write, fsync, flush, release, open, read, getattr: a typical opcode mix
	timeout 10 dd if=/dev/zero of="${TFS_MNT[b$i]}/f" bs=64k count=4 conv=fsync status=none
	timeout 10 cat "${TFS_MNT[b$i]}/f" > /dev/null
	timeout 10 ls -l "${TFS_MNT[b$i]}" > /dev/null
done
url=$EXP_URL/metrics

curl -s --max-time 10 "$url" > "$T_TMP/scrape"
mounts=$(awk '/^fusewb_mounts / { print $2 }' "$T_TMP/scrape")
series=$(grep -vc '^#' "$T_TMP/scrape")
bytes=$(wc -c < "$T_TMP/scrape")
: > "$T_TMP/http"
: > "$T_TMP/collect"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$EXP_PID/stat"; }
cpu0=$(cpu_ticks)
: > "$T_TMP/first"
# timed scrapes go to /dev/null (writing 5 MB to a file is curl's time, not
# the exporter's); every other scrape is kept for its collection time
for _ in $(seq "$NSCRAPES"); do
	curl -s --max-time 10 -o /dev/null -w '%{time_starttransfer} %{time_total}\n' "$url" > "$T_TMP/t"
	read -r first total < "$T_TMP/t"
	echo "$first" >> "$T_TMP/first"
	echo "$total" >> "$T_TMP/http"
	curl -s --max-time 10 -o "$T_TMP/scrape" "$url"
	awk '/^fusewb_scrape_duration_seconds / { print $2 }' "$T_TMP/scrape" >> "$T_TMP/collect"
done
cpu=$(( ($(cpu_ticks) - cpu0) * 1000000 / $(getconf CLK_TCK) / (2 * NSCRAPES) ))
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { printf "median %.2f ms, max %.2f ms", v[int((NR + 1) / 2)] * 1000, v[NR] * 1000 }'; }
echo "export_scrape: $mounts FUSE mounts, $series samples, $bytes bytes per scrape, $NSCRAPES scrapes"
echo "export_scrape: whole HTTP scrape (curl):          $(stats "$T_TMP/http")"
echo "export_scrape: to the first byte (collect+render): $(stats "$T_TMP/first")"
echo "export_scrape: collection (snapshot) part:        $(stats "$T_TMP/collect")"
echo "export_scrape: exporter CPU per scrape:           $cpu us (user + system, all threads)"

# What Prometheus itself measures (scrape_duration_seconds: request, transfer,
# gzip as it asks for it): a real server scraping every second for PROM_S s.
PROM_S=${PROM_S:-20}
command -v prometheus >/dev/null || { echo "export_scrape: prometheus not installed: no server-side figure"; exit 0; }
prom_start "$T_TMP/prom" "127.0.0.1:$EXP_PORT" || { echo "export_scrape: Prometheus did not start" >&2; exit 1; }
sleep "$PROM_S"
ms() { prom_query "$1" | awk '{ printf "%.2f", $1 * 1000 }'; }
w=$((PROM_S - 2))
echo "export_scrape: Prometheus scrape_duration_seconds over ${w} s: median $(ms "quantile_over_time(0.5, scrape_duration_seconds[${w}s])") ms, max $(ms "max_over_time(scrape_duration_seconds[${w}s])") ms"
