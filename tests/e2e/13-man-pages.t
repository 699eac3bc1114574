#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every man page renders with man -l without a warning; fusewb and each of
# its commands has one, and every option a --help lists is in its page;
# make install puts pages, completion, unit (naming the binary under
# PREFIX) and sysusers file under PREFIX.
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C.UTF-8 MANWIDTH=80
MAN=$ROOT/doc/man
t_ok "man is installed (scripts/packages/core.txt)" command -v man

for page in "$MAN"/*.1; do
	warn=$(man --warnings -l "$page" 2>&1 >/dev/null)
	t_like "$warn" '^$' "$(basename "$page") renders without warnings"
	[ -z "$warn" ] || diag "$warn"
done

# the commands fusewb --help lists, each with its page and options
cmds=$("$FUSEWB" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
t_like "$cmds" 'diagnose' "fusewb --help lists its commands"
check_options() {	# check_options PAGE HELP-TEXT
	local page=$1 text opts o missing=
	text=$(man -l "$page" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
	opts=$(printf '%s\n' "$2" | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9.-]*' | tr ',' '\n' | tr -d ' ')
	[ -n "$opts" ] || { ok 1 "$(basename "$page"): options found in --help"; return; }
	for o in $opts; do
		grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$text" || missing+=" $o"
	done
	t_like "${missing:-none}" '^none$' "$(basename "$page") documents every option of its --help ($(echo $opts | wc -w))"
	[ -z "$missing" ] || diag "missing:$missing"
}
check_options "$MAN/fusewb.1" "$("$FUSEWB" --help)"
for c in $cmds; do
	page=$MAN/fusewb-$c.1
	[ "$c" = top ] && page=$MAN/fusewbtop.1
	t_ok "fusewb $c has a man page" test -f "$page"
	[ -f "$page" ] && check_options "$page" "$("$FUSEWB" "$c" --help)"
	t_like "$(man -l "$MAN/fusewb.1" 2>/dev/null)" "$(basename "$page" .1)\\(1\\)" "fusewb(1) refers to $(basename "$page" .1)(1)"
done

# make install under a PREFIX of its own
dest=$T_TMP/inst
make -s -C "$ROOT" OUT="$BUILD" install DESTDIR="$dest" PREFIX=/opt/fwb >"$T_TMP/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/opt/fwb"
for f in bin/fusewb bin/fusewbtop share/man/man1/fusewb.1 share/man/man1/fusewbtop.1 \
	 share/man/man1/fusewb-top.1 share/fusewb/dashboards/fusewb.json \
	 lib/systemd/system/fusewb-export.service lib/sysusers.d/fusewb.conf \
	 share/bash-completion/completions/fusewb share/bash-completion/completions/fusewbtop; do
	t_ok "installed $f" test -e "$dest/opt/fwb/$f"
done
for page in "$dest"/opt/fwb/share/man/man1/*.1; do
	t_like "$(man --warnings -l "$page" 2>&1 >/dev/null)" '^$' "installed $(basename "$page") renders"
done
unit=$dest/opt/fwb/lib/systemd/system/fusewb-export.service
t_like "$(grep '^ExecStart=' "$unit")" '^ExecStart=/opt/fwb/bin/fusewb export ' "the unit runs the binary under PREFIX"
t_like "$(grep -c /usr/local/bin "$unit")" '^0$' "and names no /usr/local/bin"
t_like "$(diff <(sed 's|/opt/fwb/bin|/usr/local/bin|' "$unit") "$ROOT/deploy/systemd/fusewb-export.service" && echo same)" \
	'^same$' "otherwise the unit of deploy/systemd"
t_done
