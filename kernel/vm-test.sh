#!/usr/bin/env bash
# Boot the patched kernel under qemu and run the guest tests (make vm-test).
#
# usage: kernel/vm-test.sh [FILE...]
#   FILE ending in .sh is run as a guest test (instead of tests/vm/*.sh);
#   any other FILE is added to the guest's /fusewb/bin.
#
# Environment:
#   BUILD               project build dir (default <repo>/build); its fusewb,
#                       fusewbtop, testfs and mmapwrite go into the guest
#                       when they exist
#   FUSEWB_VM_BINS      more files for /fusewb/bin (space separated)
#   FUSEWB_VM_TESTS     guest test scripts (space separated; default
#                       tests/vm/*.sh, or the .sh arguments)
#   FUSEWB_KERNEL       use this bzImage instead of kernel/build.sh's
#   FUSEWB_VM_TIMEOUT   hard limit for the whole boot in seconds (900)
#   FUSEWB_VM_TEST_TIMEOUT  limit per guest test script in seconds (600)
#   FUSEWB_VM_MEM, FUSEWB_VM_SMP  guest memory (1G) and cpus (2)
#   FUSEWB_VM_KVM=1     use KVM instead of TCG (only if /dev/kvm works)
#   FUSEWB_VM_APPEND    extra kernel command line
#   FUSEWB_VM_OUT       where the initramfs and serial.log go
#                       (default $BUILD/vm)
#
# Exit status: 0 if the guest printed FUSEWB-VM-RESULT: PASS, 1 if it
# printed FAIL, 2 if it printed no verdict (crash, hang -> timeout).
# The serial log is printed on failure.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$FUSEWB_ROOT/build}
outdir=${FUSEWB_VM_OUT:-$BUILD/vm}
vm_timeout=${FUSEWB_VM_TIMEOUT:-900}
test_timeout=${FUSEWB_VM_TEST_TIMEOUT:-600}

bins=()
tests=()
for f in "$@"; do
	case "$f" in
	*.sh) tests+=("$f") ;;
	*) bins+=("$f") ;;
	esac
done
for b in fusewb fusewbtop testfs mmapwrite; do
	[ -x "$BUILD/$b" ] && bins+=("$BUILD/$b")
done
for b in ${FUSEWB_VM_BINS:-}; do bins+=("$b"); done
fm=$(command -v fusermount3 || true)
[ -n "$fm" ] && bins+=("$fm")
if [ -n "${FUSEWB_VM_TESTS:-}" ]; then
	# shellcheck disable=SC2206
	tests=(${FUSEWB_VM_TESTS})
elif [ ${#tests[@]} = 0 ]; then
	for t in "$FUSEWB_ROOT"/tests/vm/*.sh; do
		[ -e "$t" ] && tests+=("$t")
	done
fi
[ ${#tests[@]} -gt 0 ] || die "no guest tests (tests/vm/*.sh)"

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (run kernel/deps.sh)"

if [ -n "${FUSEWB_KERNEL:-}" ]; then
	kernel=$FUSEWB_KERNEL
else
	kernel=$("$KDIR/build.sh" | tail -n 1)
fi
[ -s "$kernel" ] || die "no kernel image at '$kernel'"

mkdir -p "$outdir"
initrd=$outdir/initramfs.cpio.gz
serial=$outdir/serial.log
margs=(-o "$initrd")
for b in ${bins[@]+"${bins[@]}"}; do margs+=(--bin "$b"); done
for t in "${tests[@]}"; do margs+=(--test "$t"); done
# files the guest tests source (tests/vm/lib/*), at /fusewb/tests/lib/
for f in "$FUSEWB_ROOT"/tests/vm/lib/*; do
	[ -f "$f" ] && margs+=(--file "$f:/fusewb/tests/lib/${f##*/}")
done
"$KDIR/mkinitramfs.sh" "${margs[@]}"

# TCG by default: /dev/kvm may exist without working (nested virt), and a
# KVM guest that hangs in firmware only shows up as a timeout.
accel=(-accel tcg)
if [ "${FUSEWB_VM_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
fi
append="console=ttyS0 panic=-1 oops=panic loglevel=4 fusewb_test_timeout=$test_timeout ${FUSEWB_VM_APPEND:-}"

log "booting $kernel (${accel[*]}, timeout ${vm_timeout}s), serial log: $serial"
start=$(date +%s.%N)
rc=0
timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	"${accel[@]}" -nographic -no-reboot \
	-m "${FUSEWB_VM_MEM:-1G}" -smp "${FUSEWB_VM_SMP:-2}" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	</dev/null >"$serial" 2>&1 || rc=$?
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
# The serial console ends lines with \r\n
tr -d '\r' <"$serial" >"$serial.tmp" && mv "$serial.tmp" "$serial"

verdict=$(grep -aE '^FUSEWB-VM-RESULT: ' "$serial" | tail -n 1 || true)
# One summary line, last: "vm-test: PASS (57/57 checks, 4 scripts, 62.0 s)".
# Not the host runner's "N passed, N failed" form, which must stay the last
# such line of a CI run.
summary() {
	local pass fail scripts
	pass=$(grep -caE '^ok [0-9]+' "$serial" || true)
	fail=$(grep -caE '^not ok [0-9]+' "$serial" || true)
	scripts=$(grep -caE '^FUSEWB-VM-TEST-END: ' "$serial" || true)
	echo "vm-test: $1 ($pass/$((pass + fail)) checks, $scripts scripts, ${secs} s)"
}
if [ "$verdict" = "FUSEWB-VM-RESULT: PASS" ]; then
	grep -aE '^(ok|not ok) |^FUSEWB-VM' "$serial" >&2 || true
	log "PASS: boot to verdict in ${secs}s"
	summary PASS
	exit 0
fi
cat "$serial" >&2
if [ -n "$verdict" ]; then
	log "FAIL: guest verdict '$verdict' after ${secs}s"
	summary FAIL
	exit 1
fi
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	log "FAIL: no verdict, guest killed after the ${vm_timeout}s timeout"
else
	log "FAIL: no verdict from the guest (qemu exit $rc after ${secs}s)"
fi
summary "FAIL (no verdict)"
exit 2
