#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The deployments as shipped serve every series the dashboard and the alert
# rules use.  The exporter is run with the systemd unit's own ExecStart flags
# under exactly its CapabilityBoundingSet, then with the DaemonSet's args and
# capabilities (both drop to a user with no capabilities), a testfs mount is
# made after the drop and written back through a shared mapping, and every
# metric name in dashboards/fusewb.json and dashboards/fusewb-rules.yml must
# have samples (the patched-kernel view excepted where its sources are not
# in use).  The mount's dirty limit is checked against debugfs read by the
# test as root, and what the drop costs (fusectl) is reported as lost.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/50-export.bash"
need_root
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"

# NAME, setpriv's capability list and the exporter's arguments, one per line,
# the listen address moved to a free loopback port
/usr/bin/python3 - "$ROOT/deploy" "$T_TMP" <<'PY'
import pwd, shlex, sys, yaml
deploy, out = sys.argv[1:]
def fix(args):
    res = []
    for a in args:
        if a.startswith("--web.listen-address="):
            a = "--web.listen-address=127.0.0.1:0"
        res.append(a)
    if "--user" in res:	# the unit's user, where this machine lacks it (sysusers.d not run)
        i = res.index("--user") + 1
        try:
            pwd.getpwnam(res[i])
        except KeyError:
            print("# no user %s here: nobody instead" % res[i])
            res[i] = "nobody"
    return res
def write(name, caps, args):
    open(out + "/" + name + ".caps", "w").write(",".join("+" + c.lower() for c in caps))
    open(out + "/" + name + ".args", "w").write("\n".join(fix(args)) + "\n")
unit = {}
for line in open(deploy + "/systemd/fusewb-export.service"):
    if "=" in line and not line.startswith("#"):
        k, v = line.rstrip("\n").split("=", 1)
        unit[k] = v
write("unit", [c[4:] for c in unit["CapabilityBoundingSet"].split()], shlex.split(unit["ExecStart"])[1:])
ds = [d for d in yaml.safe_load_all(open(deploy + "/kubernetes/fusewb-daemonset.yaml")) if d["kind"] == "DaemonSet"][0]
c = ds["spec"]["template"]["spec"]["containers"][0]
assert c["securityContext"]["runAsUser"] == 0 and c["command"] == ["/usr/local/bin/fusewb"]
write("daemonset", c["securityContext"]["capabilities"]["add"], c["args"])
PY
ok $? "unit and DaemonSet parsed"

dash_rule_exprs "$ROOT/dashboards/fusewb.json" "$ROOT/dashboards/fusewb-rules.yml" |
	grep -o 'fusewb_[a-z0-9_]*' | sort -u > "$T_TMP/names"
t_cmp "$(wc -l < "$T_TMP/names")" ">=" 10 "metric names read from the dashboard and the rules"
diag "names: $(paste -sd' ' "$T_TMP/names")"

bdi_thresh_kb() { awk '$1 == "BdiDirtyThresh:" { print $2 }' "/sys/kernel/debug/bdi/$1/stats"; }

for d in unit daemonset; do
	mapfile -t args < "$T_TMP/$d.args"
	caps=$(cat "$T_TMP/$d.caps")
	diag "$d: fusewb ${args[*]} (bounding set $caps)"
	export_start_cmd "$T_TMP/$d.log" setpriv --bounding-set=-all,"$caps" --inh-caps=-all "$FUSEWB" "${args[@]}"
	ok $? "$d: the exporter starts with the shipped flags and capabilities"
	[ -n "$EXP_PORT" ] || continue
	t_cmp "$(awk '$1 == "Uid:" { print $3 }' "/proc/$EXP_PID/status")" "!=" 0 "$d: it dropped root"
	t_cmp "$((16#$(awk '$1 == "CapEff:" { print $2 }' "/proc/$EXP_PID/status")))" == 0 "$d: no capability left"

	# a mount made after the drop, written back through a shared mapping
	testfs_mount "$d" || { ok 1 "$d: mount testfs"; continue; }
	MNT=${TFS_MNT[$d]}
	RE=$(mp_re "$MNT")
	bdi=$(awk -v mp="$MNT" '$5 == mp { print $3; exit }' /proc/self/mountinfo)
	timeout 60 "$MMAPWRITE" --size 8 --verify "$MNT/f" > /dev/null 2>&1
	ok $? "$d: 8 MiB written back to a testfs mounted after the drop"
	lo=$(bdi_thresh_kb "$bdi")
	scrape > "$T_TMP/$d.prom"
	hi=$(bdi_thresh_kb "$bdi")
	[ "$lo" -le "$hi" ] || { t=$lo; lo=$hi; hi=$t; }

	missing=
	while read -r m; do
		metric_served "$T_TMP/$d.prom" "$m" || missing="$missing $m"
	done < "$T_TMP/names"
	ok "$([ -z "$missing" ]; echo $?)" "$d: every dashboard and rule metric is served${missing:+ (missing:$missing)}"
	for m in fusewb_bdi_dirty_bytes fusewb_bdi_writeback_bytes fusewb_bdi_dirty_limit_bytes fusewb_writeback_bytes_total; do
		t_cmp "$(grep -c "^$m{.*$(printf '%s' "$MNT")\"" "$T_TMP/$d.prom")" == 1 "$d: $m for the new mount"
	done
	# the kernel re-estimates the threshold as it goes: the scrape lies between two readings
	v=$(mval "$T_TMP/$d.prom" fusewb_bdi_dirty_limit_bytes "$RE")
	t_cmp "$(( ${v:-0} / 1024 ))" ">=" "$((lo * 9 / 10))" "$d: dirty limit ${v:-none} B against debugfs BdiDirtyThresh $lo..$hi kB"
	t_cmp "$(( ${v:-0} / 1024 ))" "<=" "$((hi * 11 / 10 + 4))" "$d: and not above it"
	# exactness against the oracle is 20-stat-writeback.t's; here a short count must at least be
	# said: FUSE mounts of other work on the machine can fill the collector's per-connection table
	wb=$(mval "$T_TMP/$d.prom" fusewb_writeback_bytes_total "$RE")
	if [ "${wb:-0}" -ge $((8 << 20)) ]; then
		ok 0 "$d: the writeback is counted ($wb B)"
	else
		t_cmp "$(mval "$T_TMP/$d.prom" fusewb_collector_drops_total 'reason="opstats_full"')" ">" 0 \
			"$d: writeback counted short (${wb:-none} of 8388608 B), so the exporter says it dropped (opstats_full)"
	fi
	t_cmp "$(grep -c '^fusewb_source_info{.*state="failed"' "$T_TMP/$d.prom")" == 0 "$d: no source failed"
	t_like "$(grep '^fusewb_source_info{group="bdi-state"' "$T_TMP/$d.prom")" 'state="in_use"' "$d: debugfs in use"
	t_like "$(grep '^fusewb_source_info{group="fusectl"' "$T_TMP/$d.prom")" 'state="lost",reason="after --user: [^"]+"' \
		"$d: fusectl, which the drop costs, reported lost with the reason"
	t_cmp "$(grep -c "^fusewb_connection_waiting_requests{.*$(printf '%s' "$MNT")\"" "$T_TMP/$d.prom")" == 0 \
		"$d: and its series left out, not 0"
	export_stop
	t_cmp $? == 0 "$d: exits 0 on SIGTERM"
	testfs_cleanup_one "$d"
done
t_done
