#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The series' own check of its events in the guest (by hand, not a guest
# test: kernel/vm-test.sh kernel/bench/events.sh).  Every fuse event exists
# with its record; under mmap writeback through testfs, with a WRITE delay
# so that re-dirtied pages wait, and an fsync and a truncate for the
# whole-inode waits, each event fires and the events agree with each other:
#   temp pages allocated == pages released by fuse_writepage_free
#   one fuse_writepage_free per request, an end before the free of each
#   completed one; NR_WRITEBACK_TEMP back to 0
#   every WRITE unique at fuse_request_end was seen at send and at sent,
#   and not 0
#   fuse_set_nowrite_begin == _end, fuse_wait_writeback_begin == _end
# Prints TAP; exits with the number of failures.
# vm-timeout: 300
T=/sys/kernel/tracing
E=$T/events/fuse
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
finish() {
	umount /tmp/mnt 2>/dev/null || fusermount3 -u /tmp/mnt 2>/dev/null
	echo "1..$n"
	exit "$fail"
}

EVENTS="fuse_request_send fuse_request_sent fuse_request_end fuse_writepage_tmp_alloc
fuse_writepage_end fuse_writepage_free fuse_wait_writeback_begin fuse_wait_writeback_end
fuse_set_nowrite_begin fuse_set_nowrite_end"
for ev in $EVENTS; do
	check "event fuse/$ev exists" test -r "$E/$ev/format"
done
echo "# events: $(cd $E && echo fuse_*)"
for ev in fuse_request_sent fuse_writepage_tmp_alloc fuse_writepage_end fuse_writepage_free \
	fuse_wait_writeback_begin fuse_set_nowrite_begin; do
	echo "# $ev:"
	grep 'field:' $E/$ev/format | grep -v common_ | sed 's/^[[:space:]]*/#   /'
done
check "no duration_ns/wait_ns/id field in any fuse event" \
	sh -c "! grep -qE 'field:[^;]* (duration_ns|wait_ns|id);' $E/*/format"

mkdir -p /tmp/back /tmp/mnt
testfs --control /tmp/ctl --pidfile /tmp/testfs.pid --delay write=100 /tmp/back /tmp/mnt
i=0
while ! grep -q ' /tmp/mnt fuse' /proc/mounts && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q ' /tmp/mnt fuse' /proc/mounts || { notok "testfs mounted"; finish; }
ok "testfs mounted, WRITEs delayed 100 ms"

echo 0 >$T/tracing_on
echo 32768 >$T/buffer_size_kb
echo >$T/trace
echo 1 >$E/enable
echo 1 >$T/tracing_on
mmapwrite --size 4 --passes 2 --rewrite --sync fsync --verify /tmp/mnt/f >/dev/null
rc=$?
check "mmapwrite --size 4 --passes 2 --rewrite --verify (rc=$rc)" test "$rc" = 0
truncate -s 4096 /tmp/mnt/f
i=0
while cat /proc/sys/vm/stat_refresh >/dev/null 2>&1 &&
	[ "$(awk '$1 == "nr_writeback_temp" { print $2 }' /proc/vmstat)" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo 0 >$T/tracing_on
echo 0 >$E/enable
cat $T/trace >/tmp/trace
check "nr_writeback_temp back to 0" \
	test "$(awk '$1 == "nr_writeback_temp" { print $2 }' /proc/vmstat)" = 0
for ev in $EVENTS; do
	c=$(grep -c " $ev: " /tmp/trace)
	check "$ev fired ($c)" test "$c" -gt 0
done
grep -m 1 ' fuse_writepage_free: ' /tmp/trace | sed 's/^/#   /'
grep -m 1 ' fuse_set_nowrite_begin: ' /tmp/trace | sed 's/^/#   /'
grep -m 1 ' fuse_request_sent: ' /tmp/trace | sed 's/^/#   /'

# value after the word FIELD in the lines of event EV
field() { awk -v ev="$1:" -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == ev) { for (j = i; j < NF; j++) if ($j == f) print $(j + 1); break } }' /tmp/trace; }
alloc=$(grep -c ' fuse_writepage_tmp_alloc: ' /tmp/trace)
freed=$(field fuse_writepage_free nr_pages | awk '{ s += $1 } END { print s + 0 }')
check "temp pages allocated ($alloc) == released by fuse_writepage_free ($freed)" test "$alloc" = "$freed"
nend=$(grep -c ' fuse_writepage_end: ' /tmp/trace)
nfree=$(grep -c ' fuse_writepage_free: ' /tmp/trace)
check "at least one free per end ($nfree >= $nend)" test "$nfree" -ge "$nend"
for p in send sent end; do
	# the unique of FUSE_WRITE requests: send/sent print opcode 16, end has
	# no opcode, so end's uniques are those seen at send
	case $p in
	end) field fuse_request_end req | sort -u >/tmp/u.end ;;
	*) grep " fuse_request_$p: .*opcode 16 " /tmp/trace |
		awk '{ for (i = 1; i < NF; i++) if ($i == "req") print $(i + 1) }' | sort -u >/tmp/u.$p ;;
	esac
done
nw=$(wc -l </tmp/u.send)
check "WRITEs traced at send ($nw)" test "$nw" -gt 0
check "no WRITE sent with unique 0" sh -c '! grep -qx 0 /tmp/u.send'
missing=$(grep -Fxvf /tmp/u.sent /tmp/u.send | wc -l)
check "every WRITE unique at send was seen at sent ($missing missing)" test "$missing" = 0
missing=$(grep -Fxvf /tmp/u.end /tmp/u.send | wc -l)
check "every WRITE unique at send was seen at end ($missing missing)" test "$missing" = 0
b=$(grep -c ' fuse_set_nowrite_begin: ' /tmp/trace)
e=$(grep -c ' fuse_set_nowrite_end: ' /tmp/trace)
check "fuse_set_nowrite begin ($b) == end ($e)" test "$b" = "$e"
nz=$(field fuse_set_nowrite_end in_flight | awk '$1 != 0' | wc -l)
check "in_flight is 0 at every fuse_set_nowrite_end" test "$nz" = 0
b=$(grep -c ' fuse_wait_writeback_begin: ' /tmp/trace)
e=$(grep -c ' fuse_wait_writeback_end: ' /tmp/trace)
check "fuse_wait_writeback begin ($b) == end ($e)" test "$b" = "$e"
finish
