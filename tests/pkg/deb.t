#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package, as CI checks it (make deb-check): dpkg-buildpackage
# builds fusewb_<version>_<arch>.deb from a copy of this tree, lintian finds
# no warning or error, and the installed package works: --version says the
# changelog's version, probe loads the BPF object, the man pages, completion,
# unit and sysusers user are in place, and the exporter serves a scrape.  Then
# the package is purged.  Needs root; changes the system (dpkg -i, a user).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/e2e/50-export.bash"
need_root
command -v dpkg-buildpackage >/dev/null || skip_all "dpkg-dev not installed (scripts/packages/packaging.txt)"
if dpkg-query -W -f='${Status}' fusewb 2>/dev/null | grep -q 'ok installed'; then
	skip_all "a fusewb package is already installed: not replacing it"
fi

ver=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
src=$T_TMP/fusewb-$ver
mkdir -p "$src"
# what git tracks (and new files not ignored), without this tree's build/
(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$src"
ok $? "a copy of the source tree"
t0=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$T_TMP/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
[ $rc = 0 ] || tail -20 "$T_TMP/build.log" | sed 's/^/# /'
deb=$T_TMP/fusewb_${ver}_${arch}.deb
t_ok "it built $(basename "$deb")" test -f "$deb"
lintian --fail-on error,warning "$T_TMP/fusewb_${ver}_${arch}.changes" > "$T_TMP/lintian.log" 2>&1
ok $? "lintian: no error or warning"
out=$(grep -v '^running with root' "$T_TMP/lintian.log")
[ -z "$out" ] || diag "$out"

contents=$(dpkg -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/fusewb ./usr/bin/fusewbtop ./usr/share/man/man1/fusewb.1.gz ./usr/share/man/man1/fusewbtop.1.gz \
	 ./usr/share/man/man1/fusewb-diagnose.1.gz ./usr/share/bash-completion/completions/fusewb \
	 ./lib/systemd/system/fusewb-export.service ./usr/lib/sysusers.d/fusewb.conf \
	 ./usr/share/fusewb/dashboards/fusewb.json ./usr/share/fusewb/dashboards/fusewb-rules.yml; do
	t_ok "the package has $f" grep -qxF "$f" <<<"$contents"
done

dpkg -i "$deb" > "$T_TMP/install.log" 2>&1
ok $? "dpkg -i"
trap 'dpkg --purge fusewb >/dev/null 2>&1; t_cleanup' EXIT
FUSEWB=/usr/bin/fusewb
t_like "$($FUSEWB --version)" "^fusewb $ver$" "installed fusewb --version: $ver"
t_like "$(/usr/bin/fusewbtop --version)" "^fusewbtop $ver$" "installed fusewbtop --version"
out=$(timeout 60 $FUSEWB probe 2>&1)
ok $? "installed fusewb probe exits 0"
t_like "$out" "tp_btf:fuse_request_send +in use" "and the BPF object works"
t_like "$(MANWIDTH=80 man --warnings fusewb-stat 2>&1 >/dev/null)" '^$' "man fusewb-stat renders from the installed page"
t_like "$(man -w fusewb-top 2>&1)" '/usr/share/man/man1/fusewb(-)?top\.1' "man fusewb-top finds the page"
t_like "$(bash -c '. /usr/share/bash-completion/completions/fusewb; COMP_WORDS=(fusewb di); COMP_CWORD=1; _fusewb; echo "${COMPREPLY[*]}"')" \
	'^diagnose$' "the installed completion completes"
t_like "$(grep '^ExecStart=' /lib/systemd/system/fusewb-export.service)" '^ExecStart=/usr/bin/fusewb export ' \
	"the unit runs /usr/bin/fusewb"
out=$(systemd-analyze verify /lib/systemd/system/fusewb-export.service 2>&1)
ok $? "systemd-analyze verify of the installed unit"
[ -z "$out" ] || diag "$out"
t_ok "the sysusers file made the fusewb user" getent passwd fusewb

if export_start "$T_TMP/export.log"; then
	scrape > "$T_TMP/m"
	t_like "$(grep '^fusewb_build_info' "$T_TMP/m")" "^fusewb_build_info\{version=\"$ver\"\} 1$" \
		"the installed exporter serves a scrape, with its version"
	t_like "$(grep -c '^fusewb_source_info' "$T_TMP/m")" '^[1-9]' "and its sources"
	export_stop
	t_cmp $? == 0 "the exporter exits 0 on SIGTERM"
else
	ok 1 "the installed exporter starts"
fi

dpkg --purge fusewb > "$T_TMP/purge.log" 2>&1
ok $? "dpkg --purge"
t_ok "nothing left in /usr/bin" test ! -e /usr/bin/fusewb
t_done
