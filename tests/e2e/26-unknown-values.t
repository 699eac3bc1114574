#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A number the kernel does not give is null in JSON, "-" in text and absent
# from the exposition, never -1 or 0.  The instrument is /proc/vmstat itself:
# kernels from 6.16 (this host's 6.18) no longer have nr_writeback_temp
# (FUSE stopped copying pages; meminfo's WritebackTmp is a constant 0 there),
# older ones do, and then fusewb must show a count.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

testfs_mount u || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[u]}

if grep -q '^nr_writeback_temp ' /proc/vmstat; then has_temp=1; else has_temp=0; fi
diag "/proc/vmstat has nr_writeback_temp: $has_temp ($(uname -r))"

json=$(timeout 60 "$FUSEWB" stat --json -i 0.2 -c 1 "$mnt" 2>/dev/null)
ok $? "fusewb stat --json ran"
temp=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["vm"]["nr_writeback_temp"])' "$json")
if [ $has_temp = 0 ]; then
	t_like "$temp" '^None$' "stat --json: vm.nr_writeback_temp is null without the counter"
else
	t_like "$temp" '^[0-9]+$' "stat --json: vm.nr_writeback_temp is a count where the kernel has it"
fi
# nothing was written: no latency to give, not 0 us
t_like "$(python3 -c 'import json,sys; w=json.loads(sys.argv[1])["mounts"][0]["writeback"]; print(w["writes"], w["latency_us"])' "$json")" \
	"^0 \{'p50': None, 'p99': None, 'max': None, 'mean': None\}$" "stat --json: an interval without a WRITE has latency null, not 0"
# the counters every kernel has stay numbers
t_like "$(python3 -c 'import json,sys; v=json.loads(sys.argv[1])["vm"]; print(v["nr_dirty"], v["nr_writeback"], v["dirty_threshold"])' "$json")" \
	'^[0-9]+ [0-9]+ [0-9]+$' "stat --json: nr_dirty, nr_writeback and dirty_threshold are counts"

text=$(timeout 60 "$FUSEWB" stat -i 0.2 -c 1 "$mnt" 2>/dev/null)
head=$(printf '%s\n' "$text" | grep -m1 'nr_writeback_temp')
if [ $has_temp = 0 ]; then
	t_like "$head" 'nr_writeback_temp -( |$)' "stat text: nr_writeback_temp is - without the counter"
else
	t_like "$head" 'nr_writeback_temp [0-9]+' "stat text: nr_writeback_temp is a count"
fi
r=0; [[ $text =~ (^|[[:space:]])-1([[:space:]]|$) ]] && r=1
ok $r "stat text has no -1 field"
[ $r = 0 ] || diag "$text"

top=$(timeout 60 "$BUILD/fusewbtop" -b -n 1 -d 0.2 "$mnt" 2>/dev/null)
ok $? "fusewbtop -b ran"
vmline=$(printf '%s\n' "$top" | grep -m1 '^vm:')
if [ $has_temp = 0 ]; then
	t_like "$vmline" 'nr_writeback_temp=-( |$)' "top: nr_writeback_temp=- without the counter"
else
	t_like "$vmline" 'nr_writeback_temp=[0-9]+' "top: nr_writeback_temp is a count"
fi

export_start "$T_TMP/export.log" || { ok 1 "exporter started"; t_done; exit 1; }
scrape > "$T_TMP/metrics"
if [ $has_temp = 0 ]; then
	r=0; grep -q '^fusewb_vm_writeback_temp_bytes ' "$T_TMP/metrics" && r=1
	ok $r "export: no fusewb_vm_writeback_temp_bytes sample without the counter"
else
	t_like "$(grep '^fusewb_vm_writeback_temp_bytes ' "$T_TMP/metrics")" ' [0-9]+$' "export: the temp-page bytes are exposed"
fi
r=0; grep -E '^fusewb_[a-z_]+(\{[^}]*\})? -1$' "$T_TMP/metrics" && r=1
ok $r "export: no sample is -1"
export_stop
t_done
