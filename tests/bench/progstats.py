#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""progstats.py PROGS OUT.json: the bpf_stats of the programs listed in
PROGS ("LABEL TRACEPOINT ID PID" lines), read from the fdinfo of the fds
their processes hold, all in one tight pass (microseconds, where `bpftool
prog show` walks every program on the machine: events that arrive during
the read would count for some programs and not others).  Writes what
`bpftool prog show --json` would, for those programs only."""
import json
import os
import sys


def fdinfo_of(pid, want):
    """{prog id: fdinfo path} for the ids in want whose program fds pid holds"""
    found = {}
    d = "/proc/%s/fdinfo" % pid
    for fd in os.listdir(d):
        path = os.path.join(d, fd)
        try:
            with open(path) as f:
                kv = dict(l.split(":\t", 1) for l in f.read().splitlines() if ":\t" in l)
        except OSError:
            continue
        # a link's fdinfo names its program too, without the stats
        if "prog_id" in kv and "run_cnt" in kv and int(kv["prog_id"]) in want:
            found.setdefault(int(kv["prog_id"]), path)
    return found


progs = [l.split() for l in open(sys.argv[1])]
paths = {}
for pid in set(p[3] for p in progs):
    want = set(int(p[2]) for p in progs if p[3] == pid)
    paths.update(fdinfo_of(pid, want))
missing = [p[2] for p in progs if int(p[2]) not in paths]
if missing:
    sys.exit("progstats.py: no fd holds prog ids " + " ".join(missing))
texts = {}
for i, path in paths.items():	# the tight pass
    with open(path) as f:
        texts[i] = f.read()
out = []
for i, text in texts.items():
    kv = dict(l.split(":\t", 1) for l in text.splitlines() if ":\t" in l)
    out.append({"id": i, "run_cnt": int(kv.get("run_cnt", 0)), "run_time_ns": int(kv.get("run_time_ns", 0))})
json.dump(out, open(sys.argv[2], "w"))
