#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The dirty peak and the bdi cap on the 6.12 guest (busybox sh): there the
# balance_dirty_pages record names the bdi's share bdi_dirty/bdi_setpoint
# (CO-RE fallback), and max_ratio_fine and max_bytes exist.  A 4 MiB
# max_bytes on a writeback-cache testfs, a dd, and fusewb stat --json:
# the knobs against sysfs, a peak where writers were throttled.
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
W=/tmp/limits
mkdir -p $W/back $W/mnt
if ! testfs --writeback-cache --pidfile $W/pid $W/back $W/mnt; then
	notok "mount testfs"
	exit 1
fi
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s $W/pid ] && break; sleep 0.2; done
bdi=$(awk -v mp=$W/mnt '$5 == mp { print $3 }' /proc/self/mountinfo)
# max_bytes and max_ratio_fine came in 6.2: on Debian's 6.1 this does not apply
if [ ! -e /sys/class/bdi/$bdi/max_bytes ]; then
	umount -l $W/mnt
	kill "$(cat $W/pid)" 2>/dev/null
	echo "1..0 # SKIP $(uname -r) has no max_bytes / max_ratio_fine bdi knobs (6.2 and later)"
	exit 0
fi
if echo 4194304 > /sys/class/bdi/$bdi/max_bytes; then ok "max_bytes of $bdi set to 4 MiB"; else notok "max_bytes set"; fi
fine=$(cat /sys/class/bdi/$bdi/max_ratio_fine)
echo "# max_ratio $(cat /sys/class/bdi/$bdi/max_ratio) max_ratio_fine $fine max_bytes $(cat /sys/class/bdi/$bdi/max_bytes)"
fusewb stat --json -d 0.5 $W/mnt > $W/stat.json 2>$W/stat.err &
sp=$!
for i in $(seq 50); do [ -s $W/stat.json ] && break; sleep 0.2; done
dd if=/dev/zero of=$W/mnt/f bs=1M count=100 conv=fsync 2>/dev/null
l=$(wc -l < $W/stat.json)
for i in $(seq 50); do [ "$(wc -l < $W/stat.json)" -ge $((l + 2)) ] && break; sleep 0.2; done
kill $sp
wait $sp
grep -o '"dirty":{[^}]*}' $W/stat.json | sed 's/^/# /' | tail -6
if grep -q "\"max_ratio_fine\":$fine," $W/stat.json; then ok "max_ratio_fine is sysfs's $fine"; else notok "max_ratio_fine $fine"; fi
if grep -q '"limit_by":"cap"' $W/stat.json; then ok "the 4 MiB cap binds"; else notok "limit_by cap"; fi
peak=$(grep -o '"peak_pages":[0-9]*' $W/stat.json | cut -d: -f2 | sort -n | tail -1)
# the writer is held at the cap, about 1000 pages
if [ -n "$peak" ] && [ "$peak" -ge 500 ] && [ "$peak" -le 2000 ]; then
	ok "throttled writers' peak $peak pages, near the 4 MiB cap (bdi_dirty read through CO-RE)"
else
	notok "a peak near the cap (got '$peak')"
fi
if grep -q '"nr_writeback_temp":[0-9]' $W/stat.json; then ok "nr_writeback_temp is a count on a temp-page kernel"; else notok "nr_writeback_temp"; fi
umount -l $W/mnt
kill "$(cat $W/pid)" 2>/dev/null
exit $fail
