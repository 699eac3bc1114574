#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile HTTP clients for the exporter tests: loopback only, bounded.

  hostile_http.py PORT --idle N --slow M [--seconds S]

Holds N connections that never send a byte and M that trickle a request
header one byte every --trickle seconds (a slowloris), reconnecting any the
server closes, so the pressure stays for --seconds (default 60) or until
killed.  Prints "ready N M" on stdout once all are connected, then a
status line "open I S reconnects R" to stderr every second.
"""
import argparse
import resource
import selectors
import socket
import sys
import time

HEADER = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 100000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--idle", type=int, default=500)
    ap.add_argument("--slow", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--trickle", type=float, default=1.0)
    a = ap.parse_args()
    if a.idle + a.slow > 5000 or a.seconds > 600:
        sys.exit("hostile_http: at most 5000 connections for 600 s")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = a.idle + a.slow + 64
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))

    sel = selectors.DefaultSelector()
    conns = {}  # socket -> [kind, bytes sent]
    reconnects = 0

    def connect(kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", a.port))
        conns[s] = [kind, 0]
        sel.register(s, selectors.EVENT_READ)

    def drop(s):
        sel.unregister(s)
        del conns[s]
        s.close()

    for _ in range(a.idle):
        connect("idle")
    for _ in range(a.slow):
        connect("slow")
    print("ready", a.idle, a.slow, flush=True)
    end = time.monotonic() + a.seconds
    next_trickle = next_status = next_retry = time.monotonic()
    todo = []
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed by the server (timeout, limit, reset): come back
                todo.append(conns[s][0])
                drop(s)
        now = time.monotonic()
        if todo and now >= next_retry:  # at most 5 rounds a second, however often refused
            next_retry = now + 0.2
            for kind in todo:
                connect(kind)
            reconnects += len(todo)
            todo.clear()
        if now >= next_trickle:
            next_trickle = now + a.trickle
            for s, st in list(conns.items()):
                if st[0] != "slow" or st[1] >= len(HEADER):
                    continue
                try:
                    st[1] += s.send(HEADER[st[1]:st[1] + 1])
                except BlockingIOError:
                    pass
                except OSError:
                    drop(s)
                    todo.append("slow")
        if now >= next_status:
            next_status = now + 1
            idle = sum(1 for st in conns.values() if st[0] == "idle")
            print("open", idle, len(conns) - idle, "reconnects", reconnects, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
