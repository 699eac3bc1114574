#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What Prometheus, Grafana and Kubernetes users expect of the shipped files:
# every alert has a runbook_url to an existing section of doc/exporter.md and
# an exporter-down rule exists; the dashboard's units (throttling as a share
# of time, max_ratio in percent on a panel of its own) and an at-a-glance
# stat row; the DaemonSet's namespace admits privileged pods, its image
# names the release, and the Containerfile builds what it runs.  No root.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
D=$ROOT/dashboards
P=$ROOT/deploy

# runbooks: each rule's runbook_url is a heading of the doc it names
"$PY" - "$D/fusewb-rules.yml" "$ROOT" > "$T_TMP/rb" <<'EOF'
import re, sys, yaml
rules = [r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]]
def slug(h):	# GitHub's heading anchors
    return re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
for r in rules:
    url = r.get("annotations", {}).get("runbook_url", "")
    doc, _, anchor = url.partition("#")
    try:
        heads = [slug(l.lstrip("#")) for l in open(sys.argv[2] + "/" + doc) if l.startswith("#")]
    except OSError:
        heads = []
    print(r["alert"], "runbook", "ok" if anchor and anchor in heads else "missing:" + url)
    print(r["alert"], "expr", r["expr"].strip().replace("\n", " "))
EOF
ok $? "rules parse"
rb=$(cat "$T_TMP/rb")
t_like "$rb" "FusewbExporterDown expr up\{job=\"fusewb\"\} == 0" "an exporter-down rule on up == 0"
for a in $(awk '$2 == "runbook" { print $1 }' <<<"$rb"); do
	t_like "$(grep "^$a runbook" <<<"$rb")" " ok$" "$a: runbook_url names a section that exists"
done

# the dashboard
"$PY" - "$D/fusewb.json" > "$T_TMP/dash" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["panels"]:
    exprs = " ".join(t["expr"] for t in p.get("targets", []))
    unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "-")
    print("panel", p["type"], p["gridPos"]["y"], unit, "|", p["title"], "|", exprs)
EOF
dash=$(cat "$T_TMP/dash")
t_like "$(grep 'fusewb_throttle_seconds_total' <<<"$dash" | grep timeseries)" "^panel timeseries [0-9]+ percentunit " \
	"throttling (seconds per second) is a share of time, not seconds"
t_like "$(grep -c 'fusewb_bdi_max_ratio' <<<"$dash")" '^1$' "max_ratio on one panel"
t_like "$(grep 'fusewb_bdi_max_ratio' <<<"$dash")" "^panel timeseries [0-9]+ percent \|[^|]*\| fusewb_bdi_max_ratio[^ ]*$" \
	"in percent, alone on its panel"
t_like "$(grep 'fusewb_bdi_dirty_limit_bytes' <<<"$dash" | grep -v 'max_ratio' | grep -c percentunit)" '^1$' \
	"the share of the limit used is a fraction, without max_ratio on its axis"
glance=$(awk '$2 == "stat" && $3 <= 1' <<<"$dash")
t_cmp "$(grep -c . <<<"$glance")" ">=" 4 "an at-a-glance row of stat panels at the top"
for w in fusewb_pending_oldest_age_seconds fusewb_writeback_write_duration_seconds_bucket fusewb_writeback_errors_total; do
	t_like "$glance" "$w" "the row shows $w"
done
t_like "$(grep 'Possibly hung' <<<"$glance")" '> 10\)' "its hung count uses the 10 s threshold"

# Kubernetes
"$PY" - "$P/kubernetes/fusewb-daemonset.yaml" > "$T_TMP/k8s" <<'EOF'
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
ns = docs["Namespace"]["metadata"]
c = docs["DaemonSet"]["spec"]["template"]["spec"]["containers"][0]
print("ns", docs["DaemonSet"]["metadata"]["namespace"] == ns["name"],
      ns.get("labels", {}).get("pod-security.kubernetes.io/enforce"))
print("image", c["image"])
print("command", c["command"][0])
EOF
k8s=$(cat "$T_TMP/k8s")
t_like "$k8s" "ns True privileged" "the DaemonSet's namespace enforces the privileged Pod Security level"
t_like "$k8s" "image fusewb:$(cat "$ROOT/VERSION")"$'\n' "the image names the release (VERSION), not latest"
cf=$ROOT/Containerfile
t_ok "a Containerfile" test -f "$cf"
t_like "$(grep '^ENTRYPOINT' "$cf")" "\"$(awk '/^command/ { print $2 }' <<<"$k8s")\"" \
	"its entrypoint is the binary the DaemonSet runs"
t_like "$(grep -c '^FROM debian:' "$cf")" '^2$' "built and run on Debian, in two stages"
for lib in $(ldd "$BUILD/fusewb" | awk '$1 ~ /^lib(bpf|elf|z|ncursesw|microhttpd)\./ { print $1 }'); do
	pkg=$(dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1)
	t_like "$(sed -n '/^FROM debian:bookworm-slim/,/^COPY/p' "$cf")" "${pkg:-no package for $lib}" "the image installs $pkg for $lib"
done
t_done
