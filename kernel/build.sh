#!/usr/bin/env bash
# Build (or reuse from the cache) a fusewb test kernel.
#
# usage: kernel/build.sh [--force] [NAME]
#
# NAME is one of kernel/kernels/ (default $FUSEWB_KVER, else 6.12: the
# patched one); its source is the newest version apt offers of that series.
#
# Prints the path of the bzImage on stdout (all progress goes to stderr).
# The result lives in $FUSEWB_CACHE/kernel/<key>/ (default
# /var/cache/fusewb/kernel/<key>/) with <key> a hash of the source
# version, the config fragment and the patches, so it is rebuilt only when
# one of those changes.  Next to bzImage: config (the full .config),
# vmlinux.btf (the raw BTF of the kernel), build.log, patches/ (the series
# as built) and key.txt.
set -euo pipefail
# shellcheck source=kernel/lib.sh
. "$(dirname "$0")/lib.sh"

force=0
for a in "$@"; do
	case "$a" in
	--force) force=1 ;;
	-*) die "usage: $0 [--force] [NAME]" ;;
	*) FUSEWB_KVER=$a; kernel_select ;;
	esac
done

resolve_version
key=$(cache_key)
out=$FUSEWB_CACHE/kernel/$key
if [ "$force" = 0 ] && [ -s "$out/bzImage" ]; then
	log "cached kernel $FUSEWB_KVER ($FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION): $key"
	printf '%s\n' "$out/bzImage"
	exit 0
fi

for t in make gcc bc bison flex pahole xz dpkg-deb apt-get git perl; do
	command -v "$t" >/dev/null || die "missing tool '$t' (run kernel/deps.sh)"
done
[ -e /usr/include/libelf.h ] || die "libelf-dev missing (run kernel/deps.sh)"
[ -e /usr/include/openssl/ssl.h ] || die "libssl-dev missing (run kernel/deps.sh)"

mkdir -p "$FUSEWB_CACHE/kernel"
exec 9>"$FUSEWB_CACHE/kernel/$key.lock"
flock 9
if [ "$force" = 0 ] && [ -s "$out/bzImage" ]; then	# built while we waited
	printf '%s\n' "$out/bzImage"
	exit 0
fi

deb=$(fetch_source_deb)
work=$FUSEWB_CACHE/build/$key
rm -rf "$work"
mkdir -p "$work"
start=$(date +%s)
log "unpacking $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION into $work"
unpack_source "$deb" "$work"
src=$work/$FUSEWB_KSRC_DIR
obj=$work/obj
if [ "$FUSEWB_PATCHED" = 1 ]; then
	apply_series "$src"
else
	log "unpatched: Debian's source as it is"
fi
frags=("$FUSEWB_CONFIG_FRAGMENT")
[ -z "$FUSEWB_CONFIG_EXTRA" ] || frags+=("$FUSEWB_CONFIG_EXTRA")

blog=$work/build.log
log "configuring (tinyconfig + ${frags[*]##*/})"
{
	make -C "$src" O="$obj" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"${frags[@]}"
	make -C "$src" O="$obj" olddefconfig
} >"$blog" 2>&1 || { tail -n 50 "$blog" >&2; die "configuration failed (log: $blog)"; }

# Every symbol of the fragment must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		got=$(grep -E "^$sym=" "$obj/.config" || echo "$sym is not set")
		;;
	"# CONFIG_"*" is not set")
		sym=${line#"# "}
		sym=${sym%% *}
		got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || echo "# $sym is not set")
		;;
	*) continue ;;
	esac
	if [ "$got" != "$line" ]; then
		log "config: wanted '$line', got '$got'"
		bad=$((bad + 1))
	fi
done < <(cat "${frags[@]}")
[ "$bad" = 0 ] || die "$bad fragment symbol(s) did not take effect (missing dependency or tool, e.g. pahole for DEBUG_INFO_BTF)"
log "config verified: all fragment symbols took effect"

log "building bzImage with -j$(nproc) (log: $blog)"
if ! make -C "$src" O="$obj" -j"$(nproc)" bzImage >>"$blog" 2>&1; then
	grep -E 'error|Error' "$blog" | tail -n 30 >&2 || true
	tail -n 30 "$blog" >&2
	die "kernel build failed (log: $blog)"
fi
end=$(date +%s)

tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/patches"
cp "$obj/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$obj/.config" "$tmp/config"
objcopy -O binary --only-section=.BTF "$obj/vmlinux" "$tmp/vmlinux.btf" ||
	log "warning: could not extract .BTF from vmlinux"
cp "$blog" "$tmp/build.log"
if [ "$FUSEWB_PATCHED" = 1 ]; then
	while IFS= read -r p; do cp "$p" "$tmp/patches/"; done < <(series_patches)
fi
{
	echo "key $key"
	echo "kernel $FUSEWB_KVER"
	echo "source $FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) in $((end - start)) s with -j$(nproc)"
} >"$tmp/key.txt"
rm -rf "$out"
mv "$tmp" "$out"
[ "${FUSEWB_KEEP_BUILD:-0}" = 1 ] || rm -rf "$work"
log "built kernel $FUSEWB_KVER ($FUSEWB_KSRC_PKG $FUSEWB_KSRC_VERSION) $key in $((end - start)) s"
printf '%s\n' "$out/bzImage"
