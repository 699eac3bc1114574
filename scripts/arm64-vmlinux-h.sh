#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Regenerate bpf/arm64/vmlinux.h from Debian's arm64 kernel package, on any
# architecture, with apt only (no arm64 machine, nothing installed): the
# package is fetched with a private apt state (the host's apt configuration
# is left alone), the BTF is cut out of the Image (it has no ELF sections:
# the .BTF blob is found by its header) and fuse.ko's split BTF is dumped on
# top of it, because Debian builds fuse as a module.
#
# usage: scripts/arm64-vmlinux-h.sh [PACKAGE]   (default: linux-image-arm64's dependency)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/fusewb-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
A=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
   -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
   -o Dir::State::status=/dev/null)
apt-get "${A[@]}" update >&2
pkg=${1:-$(apt-cache "${A[@]}" depends linux-image-arm64 | awk '/Depends: linux-image-/ {print $2; exit}')}
[ -n "$pkg" ] || { echo "no arm64 kernel package found" >&2; exit 1; }
(cd "$work" && apt-get "${A[@]}" download "$pkg:arm64" >&2)
dpkg-deb -x "$work"/"$pkg"_*_arm64.deb "$work/x"
img=$(ls "$work"/x/boot/vmlinuz-*)
ko=$(find "$work/x/lib/modules" -name fuse.ko\* | head -n 1)
python3 - "$img" "$ko" "$work" <<'PY'
import gzip, lzma, struct, sys
img, ko, work = sys.argv[1:4]
d = open(img, 'rb').read()
if d[:2] == b'\x1f\x8b':
    d = gzip.decompress(d)
# the kernel's BTF: magic 0xeb9f, version 1, a 24-byte header, types then strings
i = 0
while True:
    i = d.find(b'\x9f\xeb\x01\x00', i)
    if i < 0:
        sys.exit('no BTF in ' + img)
    hl, to, tl, so, sl = struct.unpack_from('<IIIII', d, i + 4)
    if hl == 24 and to == 0 and so == tl and tl > 100000 and sl > 1000:
        open(work + '/vmlinux.btf', 'wb').write(d[i:i + 24 + so + sl])
        break
    i += 1
m = open(ko, 'rb').read()
if ko.endswith('.xz'):
    m = lzma.decompress(m)
shoff = struct.unpack_from('<Q', m, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', m, 0x3a)
secs = [struct.unpack_from('<IIQQQQIIQQ', m, shoff + k * shentsize) for k in range(shnum)]
names = secs[shstrndx][4]
for s in secs:
    if m[names + s[0]:m.index(b'\0', names + s[0])] == b'.BTF':
        open(work + '/fuse.btf', 'wb').write(m[s[4]:s[4] + s[5]])
        break
else:
    sys.exit('no .BTF in ' + ko)
PY
bpftool -B "$work/vmlinux.btf" btf dump file "$work/fuse.btf" format c >bpf/arm64/vmlinux.h.tmp
mv bpf/arm64/vmlinux.h.tmp bpf/arm64/vmlinux.h
echo "bpf/arm64/vmlinux.h from $pkg ($(wc -l <bpf/arm64/vmlinux.h) lines)" >&2
