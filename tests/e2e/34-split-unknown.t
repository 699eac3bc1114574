#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The queue/serve split and the inode waits need events this host's kernel
# may lack (fuse_request_sent: mainline and the patched 6.12; temp pages and
# fuse_set_nowrite's events: the patched 6.12).  Where the kernel lacks
# them, every figure built on them is null in JSON, '-' in text and absent
# from the exposition, never 0, and the source table says why.  The
# instrument is tracefs's own list of the kernel's fuse events.  A stalled
# daemon gives a pending request whose state must then be unknown too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

grep -q ' /sys/kernel/tracing ' /proc/self/mountinfo || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
ev=/sys/kernel/tracing/events/fuse
[ -d $ev ] || modprobe fuse 2>/dev/null
if [ -d $ev/fuse_request_sent ]; then has_sent=1; else has_sent=0; fi
diag "$(uname -r): fuse_request_sent $has_sent"

testfs_mount sp || { ok 1 "mount testfs"; t_done; exit 1; }
mnt=${TFS_MNT[sp]}
conn=$(conn_of "$mnt")

probe=$(timeout 60 "$FUSEWB" probe 2>&1)
row=$(grep -E '^tp_btf:fuse_request_sent ' <<<"$probe")
if [ $has_sent = 0 ]; then
	t_like "$row" '^tp_btf:fuse_request_sent +unavailable +tracepoint fuse_request_sent not in this kernel' \
		"probe: the split's source is unavailable, and says why"
else
	t_like "$row" '^tp_btf:fuse_request_sent +in use' "probe: the split's source is in use"
fi
# the inode waits: the tracepoint, else fexit or kretprobe on fuse_set_nowrite, if this kernel lets them attach
nw=$(grep -E '^(tp_btf:fuse_set_nowrite_end|fexit:fuse_set_nowrite|kretprobe:fuse_set_nowrite) ' <<<"$probe")
if grep -q ' in use ' <<<"$nw"; then has_nw=1; else has_nw=0; fi
diag "inode wait sources: $(tr '\n' ';' <<<"$nw")"
t_cmp "$(grep -c . <<<"$nw")" == 3 "probe lists the three inode-wait sources"
if [ $has_nw = 0 ]; then
	t_cmp "$(grep -cE ' unavailable +[a-z]' <<<"$nw")" == 3 "probe: none of them usable here, each says why"
fi

stat_bg "$T_TMP/stat.json" "$mnt"
ok $? "fusewb stat started"
testfs_ctl sp stall
testfs_status sp
timeout 60 "$MMAPWRITE" --size 1 --verify "$mnt/data" > "$T_TMP/writer.out" 2>&1 &
writer=$!
T_BG_PIDS+=($writer)
waiting=$(fusectl_waiting_stable "$conn")
ok $? "a request waits on the stalled daemon (fusectl waiting $waiting)"
stat_settle
f=$T_TMP/stalled.json
cp "$T_TMP/stat.json" "$f"
t_cmp "$(q "$f" "$mnt" 'ms[-1]["pending"]["count"]')" ">" 0 "stat: a pending request"
if [ $has_sent = 0 ]; then
	t_like "$(q "$f" "$mnt" 'ms[-1]["pending"]["in_service"]')" '^None$' "stat: pending.in_service is null"
	t_like "$(q "$f" "$mnt" 'set(r["in_service"] for r in ms[-1]["pending"]["requests"])')" '^\{None\}$' \
		"stat: each pending request's in_service is null"
	t_like "$(q "$f" "$mnt" 'set(str(m["writeback"]["queue_us"]) + str(m["writeback"]["serve_us"]) for m in ms)')" \
		'^\{.NoneNone.\}$' "stat: the writeback queue/serve split is null"
fi
if [ $has_nw = 0 ]; then
	t_like "$(q "$f" "$mnt" 'set(str(m["nowrite"]) for m in ms)')" "^\{'None'\}$" "stat: the inode waits are null"
fi

text=$(timeout 60 "$FUSEWB" stat -i 0.3 -c 1 "$mnt" 2>/dev/null)
row=$(awk -v mp="$mnt" '/^MOUNTPOINT/ { for (i = 1; i <= NF; i++) c[$i] = i; next }
	index(mp, $1) == 1 { print $c["QUEms"], $c["SRVms"], $c["INSRV"], $c["NWRms"] }' <<<"$text")
if [ $has_sent = 0 ]; then
	t_like "$row" '^- - - ' "stat text: QUEms SRVms INSRV are '-' ($row)"
fi
[ $has_nw = 0 ] && t_like "$row" ' -$' "stat text: NWRms is '-' ($row)"

export_start "$T_TMP/export.log" || { ok 1 "exporter started"; t_done; exit 1; }
scrape > "$T_TMP/metrics"
if [ $has_sent = 0 ]; then
	for m in fusewb_pending_in_service_requests fusewb_writeback_queue_seconds_total \
		 fusewb_writeback_serve_seconds_total fusewb_request_queue_seconds_total; do
		r=0; grep -q "^$m{" "$T_TMP/metrics" && r=1
		ok $r "export: no $m sample"
	done
	t_like "$(grep '^fusewb_source_info{group="requests-sent"' "$T_TMP/metrics")" \
		'state="unavailable",reason="tracepoint fuse_request_sent not in this kernel"' \
		"export: the source table gives the reason"
fi
t_cmp "$(grep -c "^fusewb_pending_requests{" "$T_TMP/metrics")" ">" 0 "export: the pending count itself is there"
export_stop
testfs_ctl sp resume
wait "$writer"
ok $? "the writer finishes after resume, data verified"
stat_settle
if [ $has_sent = 0 ]; then
	t_cmp "$(q "$T_TMP/stat.json" "$mnt" 'sum(o["count"] for m in ms for o in m["ops"])')" ">" 0 \
		"stat: requests ended after resume"
	t_like "$(q "$T_TMP/stat.json" "$mnt" 'set(str(o["queue_us"]) + str(o["serve_us"]) for m in ms for o in m["ops"])')" \
		'^\{.NoneNone.\}$' "stat: every opcode's queue/serve split is null"
fi
stat_stop
t_done
