#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The effective dirty limit of a bdi set through max_bytes: the kernel keeps
# one knob, a ratio of the global dirty threshold in parts per million
# (max_ratio_fine; max_bytes is that ratio in bytes, max_ratio the ratio cut
# to a whole percent: 0 for 4 MiB).  stat, top and export must show the
# precise ratio, max_bytes, the cap in pages and which of the cap or the
# bdi's share of writeback sets its threshold.  Instruments: the sysfs knobs
# and debugfs's BdiDirtyThresh / DirtyThresh, the kernel's own values.
# Kernels before 6.2 have neither max_bytes nor max_ratio_fine: then null/-.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

testfs_use lim
bdi=$(oracle_bdi_of "$conn")
page=$(getconf PAGESIZE)
fine_file=0; [ -e "/sys/class/bdi/$bdi/max_ratio_fine" ] && fine_file=1
diag "bdi $bdi; max_ratio_fine and max_bytes in sysfs: $fine_file ($(uname -r))"

# json FIELD: the mount's dirty.FIELD in one fresh stat report (null: None)
json() {
	timeout 60 "$FUSEWB" stat --json -i 0.2 -c 1 "$mnt" 2>/dev/null > "$T_TMP/one.json"
	python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))["mounts"][0]["dirty"]
print(" ".join(str(m.get(k, "MISSING")) for k in sys.argv[2:]))' "$T_TMP/one.json" "$@"
}

if [ $fine_file = 1 ]; then
	bdi_set "$bdi" max_bytes $((4 << 20))
	ok $? "max_bytes set to 4 MiB"
	k_ratio=$(bdi_knob "$bdi" max_ratio) k_fine=$(bdi_knob "$bdi" max_ratio_fine) k_bytes=$(bdi_knob "$bdi" max_bytes)
	diag "kernel: max_ratio $k_ratio max_ratio_fine $k_fine max_bytes $k_bytes"
	read -r j_ratio j_fine j_bytes j_cap j_lim j_by < <(json max_ratio max_ratio_fine max_bytes cap_pages limit_pages limit_by)
	k_thr=$(bdi_stat "$bdi" DirtyThresh) k_bthr=$(bdi_stat "$bdi" BdiDirtyThresh)
	t_near "$j_ratio" "$k_ratio" 0 "sysfs file" "stat --json: max_ratio is the kernel's whole percent"
	t_near "$j_fine" "$k_fine" 0 "sysfs file" "stat --json: max_ratio_fine"
	# max_bytes is recomputed from the ratio and the global threshold at each read
	t_near "$j_bytes" "$k_bytes" "1%" "the global dirty threshold moves between the two reads" "stat --json: max_bytes"
	t_near "$j_cap" "$(( k_thr / (page / 1024) * k_fine / 1000000 ))" "2+1%" \
		"DirtyThresh read at another moment; kB to pages" "stat --json: cap_pages = DirtyThresh x max_ratio_fine / 1e6"
	t_near "$j_lim" "$(( k_bthr / (page / 1024) ))" "2+1%" "BdiDirtyThresh read at another moment" \
		"stat --json: limit_pages (BdiDirtyThresh)"
	t_like "$j_by" '^cap$' "stat --json: a 4 MiB cap binds an idle bdi (limit_by cap)"

	text=$(timeout 60 "$FUSEWB" stat -i 0.2 -c 1 "$mnt" 2>/dev/null)
	# the one mount asked for is the row under the heading (its mount point is cut to 24 columns)
	maxr=$(printf '%s\n' "$text" | awk '/^MOUNTPOINT / { for (i = 1; i <= NF; i++) idx[$i] = i; getline
		if (idx["RATIO"]) print $(idx["RATIO"]), $(idx["BIND"]); exit }')
	maxr=${maxr/S /" "}
	t_near "${maxr% *}" "$(awk -v f="$k_fine" 'BEGIN { printf "%.4f", f / 10000 }')" "5%" \
		"printed with 2 significant digits: up to half a unit of the second, 5%" "stat text: RATIO is max_ratio_fine in percent"
	t_like "${maxr#* }" '^cap$' "stat text: BIND says the cap binds"

	top=$(timeout 60 "$BUILD/fusewbtop" -b -n 1 -d 0.2 --detail "$mnt" 2>/dev/null)
	ratio=$(printf '%s\n' "$top" | awk '/^MOUNTPOINT / { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		idx["RATIO"] && $1 == mp { print $(idx["RATIO"]); exit }' mp="$mnt")
	t_like "$ratio" 'S$' "top: RATIO marks strictlimit"
	t_near "${ratio%S}" "$(awk -v f="$k_fine" 'BEGIN { printf "%.4f", f / 10000 }')" "5%" \
		"printed with 2 significant digits: up to half a unit of the second, 5%" "top: RATIO is max_ratio_fine in percent, not 0"
	t_like "$top" "max_ratio_fine $k_fine" "top detail: max_ratio_fine"
	t_like "$top" "limit set by the cap" "top detail: the cap binds"

	export_start "$T_TMP/export.log" || { ok 1 "exporter started"; t_done; exit 1; }
	scrape > "$T_TMP/metrics"
	export_stop
	ev() { awk -v n="$1" -v mp="$mnt" 'index($0, n "{") == 1 && index($0, "mountpoint=\"" mp "\"") { print $NF }' "$T_TMP/metrics"; }
	t_near "$(ev fusewb_bdi_max_ratio)" "$(awk -v f="$k_fine" 'BEGIN { printf "%.6f", f / 1000000 }')" 0.000001 \
		"sysfs file, as a fraction" "export: fusewb_bdi_max_ratio is max_ratio_fine / 1e6"
	t_near "$(ev fusewb_bdi_max_bytes)" "$k_bytes" "1%" "the global dirty threshold moves between reads" \
		"export: fusewb_bdi_max_bytes"
	t_near "$(ev fusewb_bdi_dirty_cap_bytes)" "$(( k_thr * 1024 * k_fine / 1000000 ))" "$((2 * page))+1%" \
		"DirtyThresh read at another moment" "export: fusewb_bdi_dirty_cap_bytes"
	t_near "$(ev fusewb_bdi_dirty_limit_capped)" 1 0 "the cap binds" "export: fusewb_bdi_dirty_limit_capped"

	# no cap below the global threshold: an idle bdi's own threshold (its share) is far lower
	bdi_set "$bdi" max_ratio 100
	read -r j_fine j_by < <(json max_ratio_fine limit_by)
	t_near "$j_fine" "$(bdi_knob "$bdi" max_ratio_fine)" 0 "sysfs file" "max_ratio 100: max_ratio_fine"
	t_like "$j_by" '^share$' "max_ratio 100: the bdi's share sets its threshold (limit_by share)"
	bdi_set "$bdi" max_ratio 1
else
	read -r j_fine j_bytes j_cap j_by < <(json max_ratio_fine max_bytes cap_pages limit_by)
	t_like "$j_fine $j_bytes" '^None None$' "no max_ratio_fine, max_bytes in sysfs: null, not 0"
	k_thr=$(bdi_stat "$bdi" DirtyThresh)
	t_near "$j_cap" "$(( k_thr / (page / 1024) * $(bdi_knob "$bdi" max_ratio) / 100 ))" "2+1%" \
		"DirtyThresh read at another moment" "cap_pages = DirtyThresh x max_ratio / 100"
	t_like "$j_by" '^(cap|share)$' "limit_by is known"
fi
t_done
