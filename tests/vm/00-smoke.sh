#!/bin/sh
# fusewb guest smoke test for the patched kernel (run by the VM init with
# busybox sh; see kernel/README).  Checks that the kernel has what fusewb
# needs (the writeback tracepoints, BTF, kprobes, /dev/fuse) and, when the
# project's testfs and mmapwrite are in the image, that the tracepoints
# fire with sane values during mmap writeback.  Prints TAP; exits with the
# number of failed checks.  On an unpatched kernel (Debian's 6.1) only the
# kernel features are checked and the tracepoint checks are skipped.
# vm-timeout: 120
T=/sys/kernel/tracing
EV="fuse_writepage_tmp_alloc fuse_writepage_end fuse_writepage_free fuse_wait_writeback_begin fuse_wait_writeback_end
fuse_set_nowrite_begin fuse_set_nowrite_end fuse_request_sent"
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP"; }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}
diag() { echo "# $*"; }

# --- kernel features -------------------------------------------------------
check "tracefs is mounted at $T" test -d $T/events
patched=0
[ -r $T/events/fuse/fuse_writepage_end/format ] && patched=1
if [ "$patched" = 1 ]; then
	for ev in $EV; do
		check "tracepoint fuse/$ev exists" test -r $T/events/fuse/$ev/format
	done
	# series v2: no ids, no times in the records; consumers pair and time them
	check "fuse_writepage_end carries nr_pages and no duration" sh -c \
		"grep -q 'field:uint32_t nr_pages' $T/events/fuse/fuse_writepage_end/format &&
		 ! grep -q 'duration_ns' $T/events/fuse/fuse_writepage_end/format"
	check "fuse_wait_writeback_end carries no wait_ns" sh -c "! grep -q wait_ns $T/events/fuse/fuse_wait_writeback_end/format"
	check "fuse_writepage_tmp_alloc carries page_index and no id" sh -c \
		"grep -q 'page_index' $T/events/fuse/fuse_writepage_tmp_alloc/format &&
		 ! grep -q 'field:uint64_t id' $T/events/fuse/fuse_writepage_tmp_alloc/format"
else
	diag "$(uname -r): no fuse writeback tracepoints (unpatched kernel)"
	# what fusewb's fallbacks attach to, when the compiler did not inline it
	for f in fuse_request_end queue_request_and_unlock fuse_dev_queue_req flush_bg_queue \
		fuse_writepage_end fuse_wait_on_page_writeback fuse_writepage_args_page_fill; do
		if grep -q " $f\$" /proc/kallsyms; then diag "kallsyms: $f"; else diag "kallsyms: no $f"; fi
	done
	check "fuse_request_end is in kallsyms (exported; fusewb's request completion)" \
		grep -q ' fuse_request_end$' /proc/kallsyms
fi
check "/sys/kernel/btf/vmlinux exists" test -s /sys/kernel/btf/vmlinux
kprobe_ok() {
	echo 'p:fusewb_smoke vfs_write' >>$T/kprobe_events 2>/dev/null &&
		test -d $T/events/kprobes/fusewb_smoke &&
		echo '-:fusewb_smoke' >>$T/kprobe_events
}
check "kprobe_events is writable (kprobe on vfs_write)" kprobe_ok
check "/sys/fs/bpf is a bpf filesystem" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
check "/dev/fuse exists" test -c /dev/fuse
check "/proc/config.gz exists (IKCONFIG_PROC)" test -s /proc/config.gz

# --- tracepoints at work ---------------------------------------------------
if [ "$patched" = 0 ]; then
	skip "writeback tracepoints fire (unpatched kernel)"
	echo "1..$n"
	exit "$fail"
fi
if ! command -v testfs >/dev/null || ! command -v mmapwrite >/dev/null; then
	skip "writeback tracepoints fire (testfs/mmapwrite not in the image)"
	echo "1..$n"
	exit "$fail"
fi

# fold the per-CPU vmstat deltas first: unrefreshed, the global count lags by
# up to a second and can read non-zero after every temp page is freed
vmstat_temp() {
	cat /proc/sys/vm/stat_refresh >/dev/null 2>&1
	awk '$1 == "nr_writeback_temp" {print $2}' /proc/vmstat
}
wait_temp_zero() {
	i=0
	while [ "$(vmstat_temp)" != 0 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(vmstat_temp)" = 0 ]
}
trace_start() {
	echo 0 >$T/tracing_on
	echo 16384 >$T/buffer_size_kb
	echo >$T/trace
	for ev in $EV; do echo 1 >$T/events/fuse/$ev/enable; done
	echo 1 >$T/tracing_on
}
trace_stop() {
	echo 0 >$T/tracing_on
	for ev in $EV; do echo 0 >$T/events/fuse/$ev/enable; done
	cat $T/trace >"$1"
}
# value of FIELD (the word after it) in every line of event EV in FILE
field() { awk -v ev="$2:" -v f="$3" '{ for (i = 1; i < NF; i++) if ($i == ev) { for (j = i; j < NF; j++) if ($j == f) print $(j + 1); break } }' "$1"; }
count() { grep -c " $2: " "$1"; }

mkdir -p /tmp/back /tmp/mnt
testfs --control /tmp/ctl --pidfile /tmp/testfs.pid /tmp/back /tmp/mnt
i=0
while ! grep -q ' /tmp/mnt fuse' /proc/mounts && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! grep -q ' /tmp/mnt fuse' /proc/mounts; then
	notok "testfs mounted on /tmp/mnt"
	echo "1..$n"
	exit "$fail"
fi
ok "testfs mounted on /tmp/mnt"
diag "nr_writeback_temp before: $(vmstat_temp)"

# 1. plain mmap writeback of 8 MiB
trace_start
mmapwrite --size 8 --verify /tmp/mnt/smoke.dat
rc=$?
check "mmapwrite --size 8 --verify exits 0 (rc=$rc)" test "$rc" = 0
check "nr_writeback_temp returns to 0" wait_temp_zero
trace_stop /tmp/trace1
nalloc=$(count /tmp/trace1 fuse_writepage_tmp_alloc)
nend=$(count /tmp/trace1 fuse_writepage_end)
diag "fuse_writepage_tmp_alloc: $nalloc events, fuse_writepage_end: $nend events"
grep -m 2 ' fuse_writepage_tmp_alloc: ' /tmp/trace1 | sed 's/^/#   /'
grep -m 2 ' fuse_writepage_end: ' /tmp/trace1 | sed 's/^/#   /'
check "fuse_writepage_tmp_alloc fired ($nalloc)" test "$nalloc" -gt 0
check "fuse_writepage_end fired ($nend)" test "$nend" -gt 0
npages=$(field /tmp/trace1 fuse_writepage_end nr_pages | awk '{s += $1} END {print s + 0}')
check "pages completed ($npages) == temp pages allocated ($nalloc)" test "$npages" = "$nalloc"
check "8 MiB were written back (>= 2048 temp pages)" test "$nalloc" -ge 2048
nerr=$(field /tmp/trace1 fuse_writepage_end error | awk '$1 != 0' | wc -l)
check "no completion reports an error" test "$nerr" = 0
# every request is released: as many releases as completions here, and the pages released are the pages allocated
nfree=$(count /tmp/trace1 fuse_writepage_free)
nfreep=$(field /tmp/trace1 fuse_writepage_free nr_pages | awk '{s += $1} END {print s + 0}')
check "every completed request is released ($nfree == $nend), its pages with it ($nfreep == $nalloc)" \
	test "$nfree" = "$nend" -a "$nfreep" = "$nalloc"
# no ids: a completion pairs with the page_index 0 temp page of its inode and first page
unpaired=$(awk '{ for (i = 1; i < NF; i++) if ($i ~ /^fuse_writepage_(tmp_alloc|end):$/) break }
	$i == "fuse_writepage_tmp_alloc:" { for (j = i; j < NF; j++) { if ($j == "ino") ino = $(j + 1); if ($j == "index") ix = $(j + 1); if ($j == "page_index") pi = $(j + 1) } if (pi == 0) first[ino " " ix] = 1 }
	$i == "fuse_writepage_end:" { for (j = i; j < NF; j++) { if ($j == "ino") ino = $(j + 1); if ($j == "offset") off = $(j + 1) } if (!((ino " " int(off / 4096)) in first)) bad++ }
	END { print bad + 0 }' /tmp/trace1)
check "every completion pairs with the first temp page of its request ($unpaired unpaired)" test "$unpaired" = 0
# mmapwrite's fsync or close waits for the inode's WRITEs: the whole-inode pair, always both
nnb=$(count /tmp/trace1 fuse_set_nowrite_begin)
nne=$(count /tmp/trace1 fuse_set_nowrite_end)
check "fuse_set_nowrite begin/end fired and are balanced ($nnb/$nne)" test "$nnb" -gt 0 -a "$nnb" = "$nne"
nsent=$(count /tmp/trace1 fuse_request_sent)
check "fuse_request_sent fired: the daemon read requests ($nsent)" test "$nsent" -gt 0

# 2. re-dirtying pages under writeback with slow WRITEs must wait
echo 'delay write 100' >/tmp/ctl
# the daemon takes commands in order: a status written after the delay proves the delay is on
rm -f /tmp/ctl.status
echo status >/tmp/ctl
i=0
while [ ! -s /tmp/ctl.status ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
trace_start
mmapwrite --size 2 --passes 4 --rewrite --verify /tmp/mnt/smoke2.dat
rc=$?
check "mmapwrite --rewrite with 100 ms WRITE delay exits 0 (rc=$rc)" test "$rc" = 0
check "nr_writeback_temp returns to 0 after rewrite" wait_temp_zero
trace_stop /tmp/trace2
echo 'delay write 0' >/tmp/ctl
nwb=$(count /tmp/trace2 fuse_wait_writeback_begin)
nwe=$(count /tmp/trace2 fuse_wait_writeback_end)
# the wait's time is the records' own timestamps, begin to end on the same thread
maxw=$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^fuse_wait_writeback_(begin|end):$/) break }
	i > NF { next } { ts = $(i - 1); sub(/:$/, "", ts); pid = $1; sub(/.*-/, "", pid) }
	$i == "fuse_wait_writeback_begin:" { b[pid] = ts }
	$i == "fuse_wait_writeback_end:" && (pid in b) { d = (ts - b[pid]) * 1e9; if (d > m) m = d }
	END { printf "%d\n", m }' /tmp/trace2)
diag "fuse_wait_writeback_begin: $nwb, fuse_wait_writeback_end: $nwe, longest $maxw ns"
grep -m 2 ' fuse_wait_writeback_end: ' /tmp/trace2 | sed 's/^/#   /'
check "fuse_wait_writeback_end fired ($nwe)" test "$nwe" -gt 0
check "wait begin/end are balanced ($nwb/$nwe)" test "$nwb" = "$nwe"
check "the waits last (longest $maxw ns, from the records' timestamps)" test "$maxw" -gt 0

umount /tmp/mnt 2>/dev/null || fusermount3 -u /tmp/mnt 2>/dev/null
check "testfs unmounted" sh -c "! grep -q ' /tmp/mnt fuse' /proc/mounts"
[ -s /tmp/testfs.pid ] && kill "$(cat /tmp/testfs.pid)" 2>/dev/null
check "nr_writeback_temp is 0 at the end" wait_temp_zero
echo "1..$n"
exit "$fail"
