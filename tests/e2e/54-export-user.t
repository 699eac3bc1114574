#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# fusewb export --user: after loading BPF it runs as the user with no
# capabilities at all, and scrapes keep working from the map fds it kept.
#
# debugfs stays readable: its root is root-only, but the bdi directory the
# exporter opened while root and the stats files in it are not, so
# fusewb_bdi_dirty_bytes and fusewb_bdi_dirty_limit_bytes are still served.
# The fusectl files of root's mounts (0400 in 0500 directories) are not:
# fusewb_connection_* are left out, not reported as 0, and the source is
# reported lost, with the reason.  The deployments as shipped (unit,
# DaemonSet) are run by 53-export-deploy.t.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
id nobody >/dev/null 2>&1 || skip_all "no user 'nobody'"

testfs_mount u --delay write=5 || { ok 1 "mount testfs"; t_done; exit; }
MNT=${TFS_MNT[u]}
RE=$(mp_re "$MNT")

status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

export_start "$T_TMP/user.log" --user nobody
ok $? "exporter with --user nobody starts"
[ -n "$EXP_PORT" ] || { t_done; exit; }
t_like "$(cat "$T_TMP/user.log")" "running as nobody" "it says it dropped to nobody"
t_like "$(cat "$T_TMP/user.log")" "note: --user: fusewb_connection_\* of other users' mounts are left out" \
	"and what the drop costs, on stderr"
t_cmp "$(status_of "$EXP_PID" Uid)" == "$(id -u nobody)" "real uid is nobody's"
t_like "$(grep '^Uid:' "/proc/$EXP_PID/status")" "^Uid:[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)$" "real, effective, saved and fs uid all nobody"
t_like "$(grep '^Groups:' "/proc/$EXP_PID/status")" "^Groups:[[:space:]]+$(id -g nobody)[[:space:]]*$" "no supplementary groups but its own"
for c in CapEff CapPrm CapInh CapBnd CapAmb; do
	t_cmp "$((16#$(status_of "$EXP_PID" $c)))" == 0 "$c is empty"
done
t_cmp "$(status_of "$EXP_PID" NoNewPrivs)" == 1 "no_new_privs is set"
# every thread, including libmicrohttpd's: capset acts per thread
bad=0
for t in /proc/"$EXP_PID"/task/*; do
	[ "$(awk '$1 == "CapEff:" { print $2 }' "$t/status")" = 0000000000000000 ] || bad=1
done
ok $bad "every thread ($(ls /proc/"$EXP_PID"/task | wc -l)) has no effective capabilities"

# traffic after the drop: the maps are still read through the fds kept open
scrape > "$T_TMP/u0"
timeout 60 "$MMAPWRITE" --size 2 "$MNT/f" > /dev/null
ok $? "mmapwrite after the drop"
sleep 0.2
scrape > "$T_TMP/u1"
t_cmp "$(mval "$T_TMP/u1" fusewb_writeback_writes_total "$RE")" ">=" 1 "writeback WRITEs still counted after the drop"
t_cmp "$(mval "$T_TMP/u1" fusewb_writeback_bytes_total "$RE")" ">=" 2097152 "writeback bytes still counted"
t_cmp "$(mval "$T_TMP/u1" fusewb_daemon_processes "$RE")" == 1 "the /dev/fuse iterator still runs"
v=$(mval "$T_TMP/u1" fusewb_bdi_max_ratio "$RE")
t_cmp "${v:--1}" ">=" 0 "world-readable sysfs knobs still there"
t_cmp "$(mval "$T_TMP/u1" fusewb_bdi_dirty_limit_bytes "$RE")" ">" 0 "debugfs limit still read after the drop"
t_cmp "$(grep -c "^fusewb_bdi_dirty_bytes{.*$(printf '%s' "$MNT")" "$T_TMP/u1")" == 1 "debugfs dirty bytes still read"
t_cmp "$(grep -c "^fusewb_connection_waiting_requests{.*$(printf '%s' "$MNT")" "$T_TMP/u1")" == 0 "root-only fusectl figures left out"
t_like "$(grep '^fusewb_source_info{group="fusectl"' "$T_TMP/u1")" 'state="lost",reason="after --user: [^"]+' \
	"and fusectl reported lost, with the reason"
t_like "$(grep '^fusewb_source_info{group="bdi-state"' "$T_TMP/u1")" 'state="in_use"' "debugfs still in use"
out=$(promtool check metrics < "$T_TMP/u1" 2>&1)
ok $? "the unprivileged scrape passes promtool check metrics"
bad=$(counters_monotonic "$T_TMP/u0" "$T_TMP/u1")
ok $? "counters monotonic after the drop"
export_stop
ok $? "exits 0 on SIGTERM as nobody"

# the same figures from a root exporter, to show what the drop costs
export_start "$T_TMP/root.log"
scrape > "$T_TMP/r1"
t_cmp "$(mval "$T_TMP/r1" fusewb_bdi_dirty_limit_bytes "$RE")" ">" 0 "as root the bdi limit is reported"
t_cmp "$(mval "$T_TMP/r1" fusewb_connection_max_background "$RE")" ">" 0 "as root fusectl figures are reported"
export_stop

# numeric uid (containers often lack a passwd entry)
export_start "$T_TMP/num.log" --user 65534
ok $? "--user 65534 (numeric) starts"
t_cmp "$(status_of "$EXP_PID" Uid)" == 65534 "runs as uid 65534"
t_cmp "$(http_code "$EXP_URL/metrics")" == 200 "and serves metrics"
export_stop

t_done
