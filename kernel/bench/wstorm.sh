#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest half of the disabled-cost benchmark (kernel/vm-bench.sh; not a guest
# test, make vm-test does not run it).  With every trace event off, times
# write storms through testfs on the kernel it boots:
#   mmap   mmapwrite of WSTORM_MIB MiB + fsync: temp-page writeback, so
#          every temporary page, writeback request, WRITE and the fsync's
#          whole-inode wait pass the series' tracepoints
#   write  dd of WSTORM_MIB MiB in 4 KiB write(2)s + fsync on a
#          writeback-cache mount: every page passes write_begin's
#          fuse_wait_on_page_writeback() (the function the series reshapes)
# WSTORM_RUNS of each, alternating, after one warm-up of each.  Prints
# "wstorm KIND RUN SECONDS" lines and TAP.  The clock is /proc/uptime
# (10 ms; busybox date has no %N), so a storm lasts seconds.
# vm-timeout: 900
MIB=${wstorm_mib:-${WSTORM_MIB:-32}}
RUNS=${wstorm_runs:-${WSTORM_RUNS:-5}}
T=/sys/kernel/tracing
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }

up() { cut -d' ' -f1 /proc/uptime; }
mounted() { grep -q " $1 fuse" /proc/mounts; }
mount_testfs() {	# DIR [OPTION]
	mkdir -p "/tmp/back-$1" "/tmp/$1"
	testfs ${2:+"$2"} --pidfile "/tmp/testfs-$1.pid" "/tmp/back-$1" "/tmp/$1"
	i=0
	while ! mounted "/tmp/$1" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mounted "/tmp/$1"
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	for d in mmap write; do
		umount "/tmp/$d" 2>/dev/null || fusermount3 -u "/tmp/$d" 2>/dev/null
		[ -s "/tmp/testfs-$d.pid" ] && kill "$(cat "/tmp/testfs-$d.pid")" 2>/dev/null
	done
}
trap cleanup EXIT

# tracing off: no event enabled, as on a machine nobody traces
if [ -d $T/events ]; then
	echo 0 >$T/events/enable
	echo 0 >$T/tracing_on
	on=$(grep -l '^1' $T/events/*/enable 2>/dev/null | wc -l)
	if [ "$on" = 0 ]; then ok "no trace event system enabled"; else notok "$on event systems enabled"; fi
fi
echo "# kernel $(uname -r)"
if [ -d $T/events/fuse/fuse_writepage_free ]; then
	echo "# patched: fuse_writepage_free exists"
else
	echo "# unpatched: no fuse_writepage_free"
fi

for m in "mmap" "write --writeback-cache"; do
	# shellcheck disable=SC2086 # dir and option
	if mount_testfs $m; then
		ok "testfs $m"
	else
		notok "testfs $m"
		echo "1..$n"
		exit 1
	fi
done

storm() {	# KIND: prints seconds
	t0=$(up)
	case "$1" in
	mmap) mmapwrite --size "$MIB" --sync fsync /tmp/mmap/f >/dev/null || return 1 ;;
	write) dd if=/dev/zero of=/tmp/write/f bs=4096 count=$((MIB * 256)) conv=fsync 2>/dev/null || return 1 ;;
	esac
	t1=$(up)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

for kind in mmap write; do
	if s=$(storm $kind); then echo "# warm-up $kind: $s s"; else notok "warm-up $kind storm"; fi
done
r=1
while [ $r -le "$RUNS" ]; do
	for kind in mmap write; do
		if s=$(storm $kind); then
			echo "wstorm $kind $r $s"
		else
			notok "$kind storm $r failed"
		fi
	done
	r=$((r + 1))
done
ok "$RUNS storms of each kind ($MIB MiB)"
echo "1..$n"
exit "$fail"
