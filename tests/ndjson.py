#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Evaluate an expression over `fusewb stat --json` output for one mount.

usage: ndjson.py FILE MOUNTPOINT EXPR
In EXPR, `ms` is the list of that mount's records, one per interval, in order,
and `lines` the whole parsed lines. Prints the value (floats with 3 decimals).
"""
import json
import sys


def read(path):
    """The JSON objects of an NDJSON file, one per non-empty line (also tests/diag_json.py's)."""
    with open(path) as f:
        return [json.loads(raw) for raw in f if raw.strip()]


if __name__ == "__main__":
    path, mountpoint, expr = sys.argv[1:4]
    lines = read(path)
    ms = [m for line in lines for m in line["mounts"] if m["mountpoint"] == mountpoint]
    value = eval(expr, {"ms": ms, "lines": lines, "max": max, "min": min, "sum": sum, "len": len})
    print(f"{value:.3f}" if isinstance(value, float) else value)
