#!/usr/bin/env bash
# Build the fusewb test VM initramfs (gzip'd newc cpio).
#
# usage: kernel/mkinitramfs.sh -o OUT.cpio.gz [--bin FILE]... [--test FILE]...
#                              [--file SRC:DEST]...
#
#   --bin FILE    copied to /fusewb/bin/ (on PATH in the guest); for ELF
#                 files the shared libraries ldd reports and the dynamic
#                 loader are copied too, at their host paths
#   --test FILE   copied to /fusewb/tests/; the guest init runs every
#                 /fusewb/tests/*.sh in name order with busybox sh
#   --file S:D    copy host file S to D in the image (libraries resolved
#                 as for --bin)
#
# Contents besides those: busybox (busybox-static) as the userland, and
# kernel/guest-init.sh as /init.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

out=
bins=()
tests=()
files=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	--test) tests+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	*) die "unknown argument '$1' (see the usage in $0)" ;;
	esac
done
[ -n "$out" ] || die "usage: $0 -o OUT.cpio.gz [--bin FILE]... [--test FILE]..."

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || die "static busybox not found (apt-get install busybox-static)"
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"

root=$(mktemp -d "${TMPDIR:-/tmp}/fusewb-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,usr/bin,usr/sbin,fusewb/bin,fusewb/tests}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$KDIR/guest-init.sh" "$root/init"
chmod 755 "$root/init"
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
fi
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

# Copy FILE to DEST inside the image, plus its shared libraries.
add_file() {
	local src=$1 dest=$2 lib
	[ -e "$src" ] || die "no such file: $src"
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
	if file_is_dynamic "$src"; then
		while IFS= read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done < <(ldd "$src" | awk '/=> \// {print $3} /^\t\// {print $1}')
	fi
}
file_is_dynamic() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] &&
		ldd "$1" >/dev/null 2>&1
}

for b in ${bins[@]+"${bins[@]}"}; do add_file "$b" "/fusewb/bin/${b##*/}"; done
for t in ${tests[@]+"${tests[@]}"}; do add_file "$t" "/fusewb/tests/${t##*/}"; done
for f in ${files[@]+"${files[@]}"}; do add_file "${f%%:*}" "${f#*:}"; done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out: ${#bins[@]} binaries, ${#tests[@]} tests, $(du -k "$out" | cut -f1) KiB"
