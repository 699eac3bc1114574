#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel writeback sources (temp pages, WRITE completion, re-dirty waits):
# fusewb probe shows every alternative with its state and, when unusable,
# why; --source / FUSEWB_SOURCE force a kind; stat reports the view as null
# where no source feeds it.  On a kernel without the patched tracepoints and
# without kprobes or fentry (the 6.18 dev host) all of them are unavailable;
# the guest tests (tests/vm/1*.sh) cover the kernels where they work.
. "$(dirname "$0")/../lib.sh"
need_root

KWB='tp_btf:fuse_writepage_tmp_alloc fentry:fuse_writepage_args_page_fill kprobe:fuse_writepage_args_page_fill
tp_btf:fuse_writepage_end fentry:fuse_writepage_end kprobe:fuse_writepage_end
tp_btf:fuse_wait_writeback_end fexit:fuse_wait_on_page_writeback kretprobe:fuse_wait_on_page_writeback'

# py JSON EXPR: evaluate EXPR with j = the parsed JSON (s = its sources by name)
py() {
	python3 -c 'import json, sys
j = json.loads(sys.argv[1]); s = {x["name"]: x for x in j.get("sources", [])}
print(eval(sys.argv[2]))' "$1" "$2"
}

out=$("$FUSEWB" probe --json 2>/dev/null)
ok $? "probe --json loads with the kernel writeback programs in the object"
for src in $KWB; do
	state=$(py "$out" "s['$src']['state']")
	reason=$(py "$out" "s['$src']['reason']")
	t_like "$state" "^(in use|available|unavailable)$" "$src: $state${reason:+ ($reason)}"
	[ "$state" = unavailable ] && t_like "$reason" "." "$src: unavailable says why"
done
if [ ! -e /sys/kernel/tracing/events/fuse/fuse_writepage_end ] &&
   [ ! -e /sys/kernel/debug/tracing/events/fuse/fuse_writepage_end ]; then
	for tp in fuse_writepage_tmp_alloc fuse_writepage_end fuse_wait_writeback_end; do
		t_like "$(py "$out" "s['tp_btf:$tp']['state'] + ': ' + s['tp_btf:$tp']['reason']")" \
			"^unavailable: tracepoint $tp not in this kernel" "unpatched kernel: tp_btf:$tp unavailable"
	done
fi
for g in temp-alloc temp-end redirty; do
	n=$(py "$out" "sum(1 for x in j['sources'] if x['group'] == '$g' and x['state'] == 'in use')")
	t_cmp "$n" "<=" 1 "group $g: at most one source in use"
done
if [ ! -e /sys/bus/event_source/devices/kprobe/type ] && [ ! -e /sys/kernel/tracing/kprobe_events ]; then
	t_like "$(py "$out" "s['kprobe:fuse_writepage_end']['reason']")" "kprobes not configured|not in /proc/kallsyms" \
		"no kprobes: the kprobe fallback says so"
fi

txt=$("$FUSEWB" probe --source kprobe 2>&1)
ok $? "probe --source kprobe exits 0"
t_like "$txt" "kprobe:fuse_writepage_end +(in use|unavailable) " "--source kprobe: the kprobe source is chosen if usable"
if grep -Eq '^tp_btf:fuse_writepage_end +available ' <<<"$txt"; then
	t_like "$txt" "tp_btf:fuse_writepage_end +available +not chosen: source kind forced to kprobe" \
		"--source kprobe: the tracepoint is passed over, with the reason"
fi
t_cmp "$(FUSEWB_SOURCE=kprobe "$FUSEWB" probe 2>&1 | grep -c ' in use ')" == "$(grep -c ' in use ' <<<"$txt")" \
	"FUSEWB_SOURCE=kprobe chooses as --source kprobe does"

err=$("$FUSEWB" probe --source kprobes 2>&1)
t_cmp $? == 2 "probe --source with an unknown kind is a usage error"
t_like "$err" "^fusewb probe: --source 'kprobes': unknown source kind \(choose auto, tracepoint, fentry or kprobe\)$" \
	"unknown kind: one clear line"
err=$("$FUSEWB" stat --source nope -c 1 2>&1)
t_cmp $? == 2 "stat --source with an unknown kind is a usage error"
t_cmp "$(wc -l <<<"$err")" == 1 "stat --source error is one line"
err=$(FUSEWB_SOURCE=nope "$FUSEWB" stat -c 1 2>&1)
t_cmp $? == 1 "FUSEWB_SOURCE with an unknown kind fails"
t_like "$err" "source 'nope': unknown source kind" "FUSEWB_SOURCE: clear message"

# stat: the view is there exactly when its sources are
testfs_mount a || { ok 1 "testfs mounts"; t_done; exit; }
mnt=${TFS_MNT[a]}
for kind in auto fentry; do
	p=$("$FUSEWB" probe --json --source $kind 2>/dev/null)
	json=$(timeout 30 "$FUSEWB" stat --json -i 0.3 -c 1 --source $kind "$mnt" 2>/dev/null)
	ok $? "stat --json --source $kind reports"
	in_use() { py "$p" "any(x['group'] == '$1' and x['state'] == 'in use' for x in j['sources'])"; }
	temp=$( [ "$(in_use temp-alloc)" = True ] && [ "$(in_use temp-end)" = True ] && echo True || echo False)
	t_cmp "$(py "$json" "j['mounts'][0]['writeback']['temp_pages_inflight'] is not None")" == "$temp" \
		"$kind: temp_pages_inflight is a number iff both temp-page sources are in use ($temp)"
	t_cmp "$(py "$json" "j['mounts'][0]['redirty'] is not None")" == "$(in_use redirty)" \
		"$kind: redirty is an object iff a re-dirty source is in use"
	t_cmp "$(py "$json" "sorted(k for k in j['mounts'][0]['writeback'] if 'temp' in k or 'kernel' in k)")" == \
		"['kernel_errors', 'kernel_latency_us', 'kernel_writes', 'temp_pages_allocated', 'temp_pages_completed', 'temp_pages_inflight', 'temp_pages_orphaned']" \
		"$kind: writeback has the documented kernel writeback keys"
done
t_done
