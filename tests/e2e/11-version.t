#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --version of fusewb and fusewbtop, and the exporter's fusewb_build_info,
# against what scripts/version.sh says for this tree (git describe, or the
# VERSION file of a tree without git: a tarball, a Debian source package).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root

want=$(sh "$ROOT/scripts/version.sh")
t_like "$want" '^[0-9]+\.[0-9]+\.[0-9]+' "scripts/version.sh gives a version ($want)"
# a build of this tree: VERSION, and the commit it was built from if git said
# (a commit since the build changes the hash: it need only be in this history)
base=$(cat "$ROOT/VERSION")
re="${base//./\\.}(\\+g([0-9a-f]+)(\\.dirty)?)?"
t_like "$("$FUSEWB" --version)" "^fusewb $re$" "fusewb --version"
t_like "$("$BUILD/fusewbtop" --version)" "^fusewbtop $re$" "fusewbtop --version"
t_like "$("$FUSEWB" top -V)" "^fusewb $re$" "fusewb top -V"
got=$("$FUSEWB" --version | awk '{print $2}')
if [[ $got =~ \+g([0-9a-f]+) ]]; then
	t_ok "built from commit ${BASH_REMATCH[1]} of this repository" \
		git -C "$ROOT" rev-parse --verify -q "${BASH_REMATCH[1]}^{commit}"
fi
t_like "$("$FUSEWB" --help)" "--version" "fusewb --help lists --version"
t_like "$("$BUILD/fusewbtop" --help)" "--version" "fusewbtop --help lists --version"

# without git: the VERSION file alone
mkdir -p "$T_TMP/tarball/scripts"
cp "$ROOT/VERSION" "$T_TMP/tarball/"
cp "$ROOT/scripts/version.sh" "$T_TMP/tarball/scripts/"
t_like "$(GIT_CEILING_DIRECTORIES=$T_TMP sh "$T_TMP/tarball/scripts/version.sh")" "^$(cat "$ROOT/VERSION")$" \
	"without .git: the VERSION file"

export_start "$T_TMP/export.log" || { ok 1 "exporter starts"; t_done; }
scrape > "$T_TMP/m"
t_like "$(grep '^fusewb_build_info' "$T_TMP/m")" "^fusewb_build_info\{version=\"${got//+/\\+}\"\} 1$" \
	"fusewb_build_info carries the version --version prints"
export_stop
t_cmp $? == 0 "exporter exits 0 on SIGTERM"
t_done
