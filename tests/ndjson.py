#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Evaluate an expression over `fusewb stat --json` output for one mount.

usage: ndjson.py FILE MOUNTPOINT EXPR
In EXPR, `ms` is the list of that mount's records, one per interval, in order,
and `lines` the whole parsed lines. Prints the value (floats with 3 decimals).
"""
import json
import sys

path, mountpoint, expr = sys.argv[1:4]
lines = []
with open(path) as f:
    for raw in f:
        raw = raw.strip()
        if raw:
            lines.append(json.loads(raw))
ms = [m for line in lines for m in line["mounts"] if m["mountpoint"] == mountpoint]
value = eval(expr, {"ms": ms, "lines": lines, "max": max, "min": min, "sum": sum, "len": len})
print(f"{value:.3f}" if isinstance(value, float) else value)
