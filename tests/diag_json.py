#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Evaluate an expression over `fusewb diagnose --json` output.

usage: diag_json.py FILE EXPR
FILE holds one JSON object per line (--watch gives several; --abort adds
{"abort": ...} lines).  In EXPR: `reports` is the list of diagnosis objects,
`d` the last one, `c` its first connection ({} if none), `aborts` the abort
objects, `conn(N)` the connection N of the last report.
Prints the value: floats with 1 decimal, booleans as 1/0, lists joined by ','.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ndjson import read  # noqa: E402

path, expr = sys.argv[1:3]
objs = read(path)
reports = [o for o in objs if "connections" in o]
aborts = [o["abort"] for o in objs if "abort" in o]
d = reports[-1] if reports else {"connections": []}
c = d["connections"][0] if d["connections"] else {}


def conn(n):
    return next((x for x in d["connections"] if x["connection"] == n), {})


value = eval(expr, {"reports": reports, "d": d, "c": c, "aborts": aborts, "conn": conn,
                    "len": len, "max": max, "min": min, "sum": sum, "set": set, "sorted": sorted})
if isinstance(value, bool):
    print(int(value))
elif isinstance(value, float):
    print(f"{value:.1f}")
elif isinstance(value, (list, tuple)):
    print(",".join(str(v) for v in value))
else:
    print(value)
