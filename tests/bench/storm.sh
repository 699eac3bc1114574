#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The request-storm benchmark.  Over ONE storm of write-through WRITEs on a
# testfs mount, with all of them attached at the same time:
#   - the floor: empty tp_btf programs on fuse_request_send/end (floor.bpf.c),
#   - fusewb's request programs (a `fusewb stat` of this build),
#   - bpftrace timing every request by opcode (latency.bt),
#   - STORM_VARIANTS: more bench objects, e.g. the elimination variants
#     (elim.bpf.c: what each part of the request programs costs),
# the kernel's bpf_stats of each (run_time_ns / run_cnt, deltas over the
# storm) and each one's ratio to the floor of its tracepoint.  The floor
# moves between machine states (34-100 ns here), so only ratios within one
# run mean anything.  Programs are counted by id: another fusewb running on
# the machine is not counted (it sees the same events and warms the same
# cache lines, as the programs here do for one another).  Then the storm's
# throughput with and without fusewb, in alternating runs.
#   STORM_WRITES    WRITEs in each measured storm (default 40000)
#   STORM_ROUNDS    measured storms (default 3): each program's ns/event and
#                   ratio to the floor are the medians over them
#   STORM_BS        bytes per write (default 4096)
#   STORM_PAIRS     with/without throughput pairs (default 3; 0: none)
#   STORM_VARIANTS  more programs to measure, space-separated: OBJECT (all its
#                   programs) or LABEL=OBJECT[,VAR=VALUE...]: a copy of
#                   fusewb's request programs from OBJECT (build/fusewb.bpf.o)
#                   with its .rodata VARs set, named LABEL (tests/bench/elim.sh)
#   STORM_BPFTRACE  0: leave bpftrace out
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/tests/lib.sh"
WRITES=${STORM_WRITES:-40000}
BS=${STORM_BS:-4096}
PAIRS=${STORM_PAIRS:-3}
ROUNDS=${STORM_ROUNDS:-3}
VARIANTS=${STORM_VARIANTS:-}
WITH_BT=${STORM_BPFTRACE:-1}
KIDS=()

cleanup() {
	local p
	for p in "${KIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${KIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "storm: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$BUILD/benchload" ] && [ -f "$BUILD/bench/floor.bpf.o" ] || die "build first: make"
# write-through: no writeback cache, so every write() is one FUSE WRITE
testfs_mount storm >/dev/null || die "cannot mount testfs"
mnt=${TFS_MNT[storm]}

storm() {	# storm COUNT: prints WRITEs per second
	local t0 t1
	t0=$(date +%s.%N)
	timeout 600 dd if=/dev/zero of="$mnt/storm" bs="$BS" count="$1" conv=notrunc status=none
	t1=$(date +%s.%N)
	awk -v n="$1" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

# prog ids that PID has attached (its bpf_link fds), with their names
attached_progs() {	# attached_progs PID
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '$1 == "link_type:" { l = 1 } $1 == "prog_id:" && l { print $2 }' "$f" 2>/dev/null
	done | sort -u
}
# prog ids whose fds PID holds
held_progs() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' | sort -u
}
prog_name() { bpftool prog show id "$1" --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])'; }

: > "$T_TMP/progs"	# "LABEL TRACEPOINT ID PID" per measured program

# 1. the floor and the variants, each object in its own loader
mkfifo "$T_TMP/hold"
wb_end=0x$(awk '$3 == "fuse_writepage_end" { print $1; exit }' /proc/kallsyms)
n=0
for spec in "$BUILD/bench/floor.bpf.o" $VARIANTS; do
	n=$((n + 1))
	args=() obj=$spec
	if [[ $spec == *=* ]]; then	# LABEL=OBJECT[,VAR=VALUE...]
		IFS=, read -ra sets <<< "${spec#*=}"
		obj=${sets[0]}
		args=(-l "${spec%%=*}" -s "writepage_end_addr=$wb_end")
		for a in "${sets[@]:1}"; do args+=(-s "$a"); done
		set -- fuse_request_send fuse_request_end
	else
		set --
	fi
	"$BUILD/benchload" "${args[@]}" "$obj" "$@" < "$T_TMP/hold" > "$T_TMP/load.$n" 2> "$T_TMP/load.$n.err" &
	KIDS+=($!)
	[ "$n" = 1 ] && exec 9> "$T_TMP/hold"	# held open: the loaders end when this script does
	for _ in $(seq 100); do
		grep -q '^ready$' "$T_TMP/load.$n" && break
		kill -0 "${KIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready$' "$T_TMP/load.$n" || die "$spec: $(cat "$T_TMP/load.$n.err")"
	while read -r name id; do
		[ "$name" = ready ] && continue
		case $name in
		*_send) tp=send label=${name%_send} ;;
		*_end) tp=end label=${name%_end} ;;
		*) continue ;;
		esac
		echo "$label $tp $id ${KIDS[-1]}" >> "$T_TMP/progs"
	done < "$T_TMP/load.$n"
done

# 2. fusewb: its request programs, once attached
start_fusewb() {	# sets FWB, fwb_send and fwb_end
	"$BUILD/fusewb" stat -d 3600 > /dev/null 2> "$T_TMP/fusewb.err" &
	FWB=$!
	KIDS+=("$FWB")
	fwb_send= fwb_end=
	for _ in $(seq 200); do
		for id in $(attached_progs "$FWB"); do
			case $(prog_name "$id") in
			fuse_request_se*) fwb_send=$id ;;
			fuse_request_en*) fwb_end=$id ;;
			esac
		done
		[ -n "$fwb_send" ] && [ -n "$fwb_end" ] && return 0
		kill -0 "$FWB" 2>/dev/null || break
		sleep 0.1
	done
	die "fusewb did not attach its request programs: $(cat "$T_TMP/fusewb.err")"
}
start_fusewb
echo "fusewb send $fwb_send $FWB" >> "$T_TMP/progs"
echo "fusewb end $fwb_end $FWB" >> "$T_TMP/progs"

# 3. bpftrace (its tracepoints are perf events: the programs it holds)
if [ "$WITH_BT" = 1 ]; then
	command -v bpftrace > /dev/null || die "bpftrace is not installed (scripts/packages/core.txt)"
	grep -q ' /sys/kernel/tracing ' /proc/self/mountinfo || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
	BPFTRACE_MAP_KEYS_MAX=65536 bpftrace "$ROOT/tests/bench/latency.bt" > "$T_TMP/bt.out" 2>&1 &
	BT=$!
	KIDS+=("$BT")
	bt_send= bt_end=
	for _ in $(seq 300); do
		if grep -q '^Attaching' "$T_TMP/bt.out"; then
			for id in $(held_progs "$BT"); do
				case $(prog_name "$id") in
				fuse_request_se*) bt_send=$id ;;
				fuse_request_en*) bt_end=$id ;;
				esac
			done
			[ -n "$bt_send" ] && [ -n "$bt_end" ] && break
		fi
		kill -0 "$BT" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$bt_send" ] && [ -n "$bt_end" ] || die "bpftrace did not load: $(cat "$T_TMP/bt.out")"
	echo "bpftrace send $bt_send $BT" >> "$T_TMP/progs"
	echo "bpftrace end $bt_end $BT" >> "$T_TMP/progs"
fi

snap() { python3 "$ROOT/tests/bench/progstats.py" "$T_TMP/progs" "$1" || die "cannot read the programs' stats"; }
# every program runs on events now (loaded is not attached: bpftrace attaches after loading)
storm 200 > /dev/null	# also warms the page cache and the daemon
snap "$T_TMP/warm.json"
python3 - "$T_TMP/progs" "$T_TMP/warm.json" <<'EOF' || die "a program saw none of the warm-up's events"
import json, sys
stats = {p["id"]: p.get("run_cnt", 0) for p in json.load(open(sys.argv[2]))}
idle = [l.strip() for l in open(sys.argv[1]) if not stats.get(int(l.split()[2]))]
if idle:
    sys.exit("storm: not running (label, tracepoint, id): " + "; ".join(idle))
EOF

# 4. the measured storms: STORM_ROUNDS of them, stats read between them
snap "$T_TMP/snap.0"
rates=
for r in $(seq "$ROUNDS"); do
	rates+="$(storm "$WRITES") "
	snap "$T_TMP/snap.$r"
done

python3 - "$T_TMP/progs" "$T_TMP/snap" "$ROUNDS" "$WRITES" "$BS" "$rates" <<'EOF'
import json, statistics, sys
progs = [l.split() for l in open(sys.argv[1])]
rounds, writes, bs, rates = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split()
snaps = [{p["id"]: (p["run_cnt"], p["run_time_ns"]) for p in json.load(open("%s.%d" % (sys.argv[2], r)))}
         for r in range(rounds + 1)]
med = statistics.median
labels, tps = [], []	# in attach order, without lead
cnt, ns = {}, {}	# (label, tp) -> total run_cnt; per round ns/event
for label, tp, i, pid in progs:
    i = int(i)
    if label not in labels and label != "lead":
        labels.append(label)
    if tp not in tps:
        tps.append(tp)
    d = [(snaps[r + 1][i][0] - snaps[r][i][0], snaps[r + 1][i][1] - snaps[r][i][1]) for r in range(rounds)]
    cnt[label, tp] = sum(c for c, t in d)
    ns[label, tp] = [t / c if c else float("nan") for c, t in d]
def mean_of(label, r):
    return sum(ns[label, tp][r] for tp in tps) / len(tps)
print("per-event cost over %d storm%s of %d %d-byte write-through WRITEs on testfs (WRITEs/s: %s)," %
      (rounds, "s" if rounds > 1 else "", writes, bs, " ".join(rates)))
print("all programs attached at once; bpf_stats run_time_ns/run_cnt%s:" %
      (" over each storm, the median of the storms" if rounds > 1 else ", deltas over the storm"))
print("  %-16s %-20s %9s %9s %8s" % ("program", "tracepoint", "run_cnt", "ns/event", "x floor"))
for label in labels:
    for tp in tps:
        ratio = med([ns[label, tp][r] / ns["floor", tp][r] for r in range(rounds)])
        print("  %-16s %-20s %9d %9.1f %8.2f" % (label, "fuse_request_" + tp, cnt[label, tp], med(ns[label, tp]), ratio))
print("means over the send and end programs:")
for label in labels:
    ratios = [mean_of(label, r) / mean_of("floor", r) for r in range(rounds)]
    print("  %-16s %9.1f ns/event %6.2fx floor%s" % (label, med([mean_of(label, r) for r in range(rounds)]), med(ratios),
          "   (storms: %s)" % " ".join("%.2f" % x for x in ratios) if rounds > 1 else ""))
print("lead, an empty program attached ahead of all these (the first on a tracepoint pays more): %s ns/event;\n"
      "alone, a program is first and pays lead - floor more: its ratio alone is about (ns + lead - floor) / lead" %
      " and ".join("%.1f" % med(ns["lead", tp]) for tp in tps))
for tp in tps:
    c = sorted(set(cnt[l, t] for l, t in cnt if t == tp))
    print("run_cnt on fuse_request_%s: %s (the storm's WRITEs: %d; %d more: its open/flush/release "
          "and other FUSE traffic on the machine)%s" % (tp, "all %d" % c[0] if len(c) == 1 else "%d..%d" % (c[0], c[-1]),
          writes * rounds, c[-1] - writes * rounds,
          "" if len(c) == 1 else "; they differ by the events in flight while bpf_stats were read"))
EOF

[ "$PAIRS" -gt 0 ] || exit 0
# throughput with and without fusewb: only fusewb attached while "with"
for p in "${KIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
KIDS=()
stop_fusewb() { kill "$FWB"; wait "$FWB" 2>/dev/null; KIDS=(); }
with=() without=()
for _ in $(seq "$PAIRS"); do
	without+=("$(storm "$WRITES")")
	start_fusewb
	with+=("$(storm "$WRITES")")
	stop_fusewb
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "storm throughput, WRITEs/s: without fusewb ${without[*]}"
echo "                            with fusewb    ${with[*]}"
awk -v a="$(median "${with[@]}")" -v b="$(median "${without[@]}")" \
	'BEGIN { printf "throughput ratio with/without (medians): %.3f\n", a / b }'
