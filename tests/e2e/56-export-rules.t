#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The shipped monitoring and deployment files: promtool check/test rules,
# promtool check config of the scrape examples, the Grafana dashboard's
# variables and panels, the Kubernetes DaemonSet's privileges and mounts,
# and the systemd unit (systemd-analyze verify).  No root needed.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3	# Debian's, with python3-yaml (scripts/packages/export.txt)
D=$ROOT/dashboards
P=$ROOT/deploy

out=$(promtool check rules "$D/fusewb-rules.yml" 2>&1)
ok $? "promtool check rules"
t_like "$out" "SUCCESS: 8 rules found" "eight alerting rules"
out=$(cd "$D" && promtool test rules fusewb-rules.test.yml 2>&1)
ok $? "promtool test rules (dashboards/fusewb-rules.test.yml)"
[[ $out == *SUCCESS* ]] || diag "$out"
for a in FusewbDaemonPossiblyHung FusewbWritebackSlow FusewbDirtyNearLimit FusewbWritebackErrors FusewbExporterDown FusewbMountUntracked; do
	t_cmp "$(grep -c "alertname: $a$" "$D/fusewb-rules.test.yml")" ">=" 2 "rule $a has firing and quiet test cases"
done

# the scrape config example, with the rules next to it as it says
mkdir -p "$T_TMP/prom"
cp "$P/prometheus/prometheus.yml" "$D/fusewb-rules.yml" "$T_TMP/prom/"
out=$(promtool check config "$T_TMP/prom/prometheus.yml" 2>&1)
ok $? "promtool check config deploy/prometheus/prometheus.yml"
[ $? = 0 ] || diag "$out"
# Debian's Prometheus lacks Kubernetes SD: check the job's relabelling with a static target
"$PY" - "$P/prometheus/kubernetes.yml" > "$T_TMP/prom/k8s.yml" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
for j in c["scrape_configs"]:
    del j["kubernetes_sd_configs"]
    j["static_configs"] = [{"targets": ["127.0.0.1:9464"]}]
print(yaml.safe_dump(c))
EOF
out=$(promtool check config "$T_TMP/prom/k8s.yml" 2>&1)
ok $? "deploy/prometheus/kubernetes.yml relabelling passes promtool"
[ $? = 0 ] || diag "$out"
t_ok "its /host prefix regex strips to the host path" \
	"$PY" -c 'import re, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
r = [m for m in c["scrape_configs"][0]["metric_relabel_configs"] if m.get("target_label") == "mountpoint"][0]
m = re.fullmatch(r["regex"], "/host/var/lib/kubelet/pods/x/mnt")
sys.exit(not (m and r["replacement"].replace("$1", m.group(1)) == "/var/lib/kubelet/pods/x/mnt"))' "$P/prometheus/kubernetes.yml"

# the Grafana dashboard
"$PY" - "$D/fusewb.json" > "$T_TMP/dash" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
vars = {v["name"]: v for v in d["templating"]["list"]}
print("vars", " ".join(sorted(vars)))
print("dsvar", vars["datasource"]["type"], vars["datasource"]["query"])
ps = [p for p in d["panels"] if p["type"] != "row"]
bad = [p["title"] for p in ps if p["datasource"].get("uid") != "${datasource}" or
       any(t["datasource"].get("uid") != "${datasource}" for t in p["targets"])]
print("hardcoded", len(bad))
unsel = [p["title"] for p in ps for t in p["targets"] if 'instance=~"$instance"' not in t["expr"]]
print("noinstance", len(unsel))
print("types", " ".join(sorted({p["type"] for p in ps})))
print("ids", len({p["id"] for p in d["panels"]}) == len(d["panels"]))
for p in ps:
    print("panel", p["title"], "|", " ".join(t["expr"] for t in p["targets"]))
EOF
ok $? "dashboard JSON parses"
dash=$(cat "$T_TMP/dash")
t_like "$dash" $'vars datasource instance mountpoint\n' "variables: datasource, instance, mountpoint"
t_like "$dash" "dsvar datasource prometheus" "datasource is a Prometheus datasource variable"
t_like "$dash" "hardcoded 0" "every panel and query uses \${datasource}"
t_like "$dash" "noinstance 0" "every query is filtered by \$instance"
t_like "$dash" "ids True" "panel ids are unique"
t_like "$dash" "types heatmap stat timeseries" "heatmap, stat and time series panels"
want=(
	"heatmap.*fusewb_writeback_write_duration_seconds_bucket"
	"histogram_quantile\(0.5, [^|]*fusewb_writeback_write_duration_seconds_bucket"
	"histogram_quantile\(0.99, [^|]*fusewb_writeback_write_duration_seconds_bucket"
	"rate\(fusewb_writeback_bytes_total"
	"fusewb_writeback_inflight_bytes"
	"fusewb_bdi_dirty_bytes[^|]*fusewb_bdi_dirty_limit_bytes"
	"fusewb_bdi_max_ratio"
	"rate\(fusewb_throttle_seconds_total"
	"fusewb_pending_requests"
	"fusewb_pending_oldest_age_seconds"
	"fusewb_writeback_errors_total"
)
for w in "${want[@]}"; do
	[[ $dash =~ $w ]]
	ok $? "dashboard has a panel for /$w/"
done
t_like "$(grep heatmap "$ROOT/dashboards/fusewb.json" | head -3)" '"format": "heatmap"|"type": "heatmap"' "heatmap query in heatmap format"

# the DaemonSet
"$PY" - "$P/kubernetes/fusewb-daemonset.yaml" > "$T_TMP/ds" <<'EOF'
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
ds = docs["DaemonSet"]
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
sc = c["securityContext"]
ann = ds["spec"]["template"]["metadata"]["annotations"]
print("selector", ds["spec"]["selector"]["matchLabels"] == ds["spec"]["template"]["metadata"]["labels"])
print("scrape", ann.get("prometheus.io/scrape"), ann.get("prometheus.io/port"), ann.get("prometheus.io/path"))
print("port", c["ports"][0]["containerPort"])
print("caps", " ".join(sorted(sc["capabilities"]["add"])), "drop", " ".join(sc["capabilities"]["drop"]))
print("seccomp", sc["seccompProfile"]["type"], "privesc", sc["allowPrivilegeEscalation"], "hostPID", spec.get("hostPID"))
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
for path, m in sorted(mounts.items()):
    print("mount", path, vols[m["name"]]["hostPath"]["path"], m.get("mountPropagation", "-"), m.get("readOnly"))
print("args", " ".join(c["args"]))
EOF
ok $? "DaemonSet YAML parses"
ds=$(cat "$T_TMP/ds")
t_like "$ds" "selector True" "selector matches the pod labels"
t_like "$ds" "scrape true 9464 /metrics" "pods carry the prometheus.io scrape annotations"
t_like "$ds" "port 9464" "container port 9464"
t_like "$ds" "caps BPF DAC_READ_SEARCH PERFMON SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_RESOURCE drop ALL" \
	"capabilities: all dropped, then exactly the systemd unit's set"
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$P/systemd/fusewb-export.service" | tr ' ' '\n' | sed 's/^CAP_//' | LC_ALL=C sort | paste -sd' ' -)
t_like "$ds" "caps $unit_caps drop" "DaemonSet and systemd unit grant the same capabilities"
t_like "$ds" "seccomp Unconfined privesc False hostPID True" "seccomp allows bpf(2); no privilege escalation; host PIDs"
t_like "$ds" "mount /host / HostToContainer True" "host root read-only with HostToContainer propagation"
t_like "$ds" "mount /sys/fs/fuse/connections /sys/fs/fuse/connections" "fusectl mounted from the host"
t_like "$ds" "mount /sys/kernel/debug /sys/kernel/debug" "debugfs mounted from the host"
t_like "$ds" "mount /sys/kernel/tracing /sys/kernel/tracing" "tracefs mounted from the host"
t_like "$ds" "mount /sys/fs/bpf /sys/fs/bpf - None" "the host's bpffs, writable: diagnose on the host reads the pinned history"
t_like "$ds" "args export --web.listen-address=\\\$\(POD_IP\):9464 --user=65534" "listens on the pod IP and drops to 65534"

# the systemd unit
unit=$P/systemd/fusewb-export.service
sed "s|/usr/local/bin/fusewb|$FUSEWB|" "$unit" > "$T_TMP/fusewb-export.service"
# its Documentation=man:fusewb-export(1), from this tree's pages (doc/man)
mkdir -p "$T_TMP/man" && ln -s "$ROOT/doc/man" "$T_TMP/man/man1"
out=$(MANPATH=$T_TMP/man systemd-analyze verify "$T_TMP/fusewb-export.service" 2>&1)
ok $? "systemd-analyze verify accepts the unit"
[ -z "$out" ] || diag "$out"
for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=read-only PrivateDevices=yes \
	 ProtectKernelModules=yes ProtectControlGroups=yes RestrictAddressFamilies= \
	 'SystemCallFilter=.*bpf' 'SystemCallFilter=.*perf_event_open' 'ExecStart=.*--user fusewb'; do
	t_cmp "$(grep -c "^$d" "$unit")" == 1 "unit sets $d"
done
for d in PrivateTmp=yes ProtectHome=yes ProtectKernelTunables=yes DynamicUser=yes; do
	t_cmp "$(grep -c "^$d" "$unit")" == 0 "unit avoids $d (it would hide mounts or block BPF)"
done
t_like "$(cat "$P/systemd/fusewb.sysusers")" $'\nu fusewb ' "sysusers.d entry creates the fusewb user"
t_done
