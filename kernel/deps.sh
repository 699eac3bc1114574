#!/bin/sh
# Install the Debian 12 packages the fusewb kernel harness needs
# (kernel/build.sh, check.sh, mkinitramfs.sh, vm-test.sh).
# The list is also in kernel/README for merging into the project's deps.
set -e
PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves perl python3
git cpio gzip xz-utils kmod qemu-system-x86 busybox-static fuse3 util-linux
coreutils"
if [ "${1:-}" = --list ]; then
	echo $PKGS
	exit 0
fi
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "kernel/deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
