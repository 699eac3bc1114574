#!/bin/sh
# fusewb guest init (PID 1 in the test VM; installed as /init by
# kernel/mkinitramfs.sh).  Mounts the pseudo filesystems, runs every
# /fusewb/tests/*.sh in name order, and prints the verdict line
#   FUSEWB-VM-RESULT: PASS        or        FUSEWB-VM-RESULT: FAIL <n>
# (n = failed test scripts, plus 1 if the kernel logged a WARNING/BUG)
# on the console, then powers the machine off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/fusewb/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TMPDIR=/tmp FUSEWB_BIN=/fusewb/bin FUSEWB_VM=1
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /root /etc
[ -e /etc/mtab ] || ln -s /proc/self/mounts /etc/mtab
hostname fusewb-vm
# loopback for the tests that scrape fusewb export
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null

# Options from the kernel command line (unknown key=value parameters are
# passed to init as environment variables).
timeout_s=${fusewb_test_timeout:-600}

echo "FUSEWB-VM: kernel $(uname -r), $(nproc) cpu(s), $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
start=$(cut -d' ' -f1 /proc/uptime)
fail=0
ntests=0
for t in /fusewb/tests/*.sh; do
	[ -e "$t" ] || continue
	ntests=$((ntests + 1))
	name=${t##*/}
	echo "FUSEWB-VM-TEST-BEGIN: $name"
	(cd /tmp && timeout "$timeout_s" sh "$t")
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "FUSEWB-VM-TEST-END: $name PASS"
	else
		case "$rc" in 124 | 143) echo "FUSEWB-VM-TEST: $name timed out after ${timeout_s}s" ;; esac
		echo "FUSEWB-VM-TEST-END: $name FAIL rc=$rc"
		fail=$((fail + 1))
	fi
done
if [ "$ntests" = 0 ]; then
	echo "FUSEWB-VM: no test scripts in /fusewb/tests"
	fail=$((fail + 1))
fi
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' >/dev/null; then
	echo "FUSEWB-VM: kernel log shows a WARNING/BUG:"
	dmesg | tail -n 80
	fail=$((fail + 1))
elif [ "$fail" != 0 ]; then
	echo "FUSEWB-VM: last kernel messages:"
	dmesg | tail -n 30
fi
end=$(cut -d' ' -f1 /proc/uptime)
echo "FUSEWB-VM: tests took $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s, uptime ${end} s"
sync
if [ "$fail" = 0 ]; then
	echo "FUSEWB-VM-RESULT: PASS"
else
	echo "FUSEWB-VM-RESULT: FAIL $fail"
fi
poweroff -f
# not reached unless power-off failed; panic=-1 + -no-reboot ends qemu
echo o >/proc/sysrq-trigger 2>/dev/null
exit 1
