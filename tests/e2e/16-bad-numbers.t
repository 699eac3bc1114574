#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every numeric option of every subcommand refuses what it cannot use (NaN,
# infinities, values below the minimum interval, counts past their range) with
# the real bounds on one line and exit 2, at once: a value that once made stat
# or top hang or spin fails this test by its timeout, not the whole suite.
. "$(dirname "$0")/../lib.sh"
need_root

bad() {	# bad WANT_RC REGEX ARGS...: the command exits WANT_RC within 10 s, saying REGEX
	local want=$1 re=$2 out rc
	shift 2
	out=$(timeout 10 "$FUSEWB" "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc = 124 ]; then
		ok 1 "fusewb $* is refused at once (timed out: it ran)"
		return
	fi
	t_cmp $rc == "$want" "fusewb $*: exit code"
	t_like "$out" "$re" "fusewb $*: says why, with the bounds"
}

IV='expected seconds from 0.1 to 86400'
TH='expected seconds from 0.001 to 86400'
CNT='expected a whole number from 1 to 2147483647'
for v in nan inf -inf 1e-300 0 0.05 -1 1e999 " 1" 1s; do
	bad 2 "^fusewb stat: invalid interval '$v': $IV\$" stat -i "$v" -c 1
	bad 2 "^fusewb top: invalid interval '$v': $IV\$" top -b -d "$v" -n 1
	bad 2 "^fusewb diagnose: invalid interval '$v': $IV\$" diagnose --watch="$v" -c 1
done
for v in nan inf 1e-300 0; do
	bad 2 "^fusewb top: invalid hung threshold '$v': $TH\$" top -b -H "$v" -n 1
	bad 2 "^fusewb stat: invalid hung threshold '$v': $TH\$" stat -H "$v" -n 1
	bad 2 "^fusewb diagnose: invalid hung threshold '$v': $TH\$" diagnose --hung-after "$v"
	bad 2 "^fusewb diagnose: invalid --slow '$v': $TH\$" diagnose --slow "$v"
done
for v in nan inf -0.5 61; do
	bad 2 "^fusewb diagnose: invalid window '$v': expected seconds from 0 to 60\$" diagnose -w "$v"
done
for v in 0 -3 99999999999999999999999 2147483648 1.5 nan; do
	bad 2 "^fusewb stat: invalid count '$v': $CNT\$" stat -c "$v"
	bad 2 "^fusewb top: invalid count '$v': $CNT\$" top -b -n "$v"
	bad 2 "^fusewb diagnose: invalid count '$v': $CNT\$" diagnose --watch -c "$v"
done
for v in 65536 -1 99999999999999999999 nan 80x ""; do
	bad 1 "^fusewb export: invalid port '$v': expected a whole number from 0 to 65535 in listen address '127.0.0.1:$v'" \
		export --web.listen-address="127.0.0.1:$v"
done

# the bounds themselves are accepted (the minimum interval really runs)
out=$(timeout 20 "$FUSEWB" stat -i 0.1 -c 2 2>&1)
ok $? "stat -i 0.1 -c 2 runs and ends (${out:0:80})"
t_done
