#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The series' disabled cost (make vm-bench; not part of CI): write storms
# with every trace event off (kernel/bench/wstorm.sh) on the patched 6.12
# and on the same source unpatched (kernel/kernels/6.12-unpatched), in
# alternating boots, so that drift of a shared machine hits both alike.
# TCG is noisy: read the spread, not only the medians.
#
# Environment: VM_BENCH_BOOTS boots per kernel (default 3), WSTORM_RUNS
# storms of each kind per boot (default 5), WSTORM_MIB MiB per storm (32),
# BUILD (where testfs and mmapwrite are), VM_BENCH_OUT (default
# $BUILD/vm-bench).  Prints per kernel and kind: n, median, min, max and
# the interquartile range in seconds, and the patched median's difference.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$FUSEWB_ROOT/build}
boots=${VM_BENCH_BOOTS:-3}
out=${VM_BENCH_OUT:-$BUILD/vm-bench}
runs=${WSTORM_RUNS:-5}
mib=${WSTORM_MIB:-32}
kernels="6.12-unpatched 6.12"
for b in testfs mmapwrite; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b missing (make $b)"
done
rm -rf "$out"
mkdir -p "$out"
samples=$out/samples.txt
: >"$samples"
for i in $(seq "$boots"); do
	for k in $kernels; do
		dir=$out/$k-$i
		log "boot $i of $boots: $k"
		FUSEWB_VM_KERNELS=$k FUSEWB_VM_OUT=$dir BUILD=$BUILD \
			FUSEWB_VM_APPEND="wstorm_runs=$runs wstorm_mib=$mib" \
			"$KDIR/vm-test.sh" "$KDIR/bench/wstorm.sh" >"$dir.log" 2>&1 ||
			{ tail -n 40 "$dir.log" >&2; die "boot $i of $k failed (log: $dir.log)"; }
		grep -a '^wstorm ' "$dir/$k/result.log" |
			awk -v k="$k" -v b="$i" '{ print k, $2, b, $3, $4 }' >>"$samples"
	done
done

echo "disabled cost: write storms of $mib MiB, tracing off, $boots alternating boots x $runs storms per kind and kernel (TCG, $(nproc) host cpus)"
python3 - "$samples" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
for k, kind, boot, run, secs in rows:
    data.setdefault((kind, k), []).append(float(secs))
def q(v, p):
    v = sorted(v)
    i = (len(v) - 1) * p
    lo, hi = int(i), min(int(i) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (i - lo)
for kind in sorted({k[0] for k in data}):
    med = {}
    for k in ("6.12-unpatched", "6.12"):
        v = data.get((kind, k), [])
        if not v:
            continue
        med[k] = statistics.median(v)
        print(f"  {kind:5} {k:15} n={len(v):2} median {med[k]:6.2f} s  min {min(v):6.2f}  max {max(v):6.2f}"
              f"  IQR {q(v, .25):6.2f}-{q(v, .75):6.2f}  spread (max-min)/median {100 * (max(v) - min(v)) / med[k]:4.1f}%")
    if len(med) == 2:
        d = 100 * (med["6.12"] - med["6.12-unpatched"]) / med["6.12-unpatched"]
        print(f"  {kind:5} patched vs unpatched median: {d:+.1f}%")
EOF
echo "samples: $samples"
