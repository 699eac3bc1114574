#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""startup.py [--url URL] -- COMMAND...: how long COMMAND takes to load,
verify and attach its BPF programs, and to answer.

Prints "ATTACH_MS ANSWER_MS LINKS": ATTACH_MS from exec to the last of its
bpf_link fds (the count it has when it answers), ANSWER_MS to its first
byte on stdout, or with --url to the first HTTP 200 from URL.  The process
is polled every millisecond; it is sent SIGTERM once it answered."""
import os
import signal
import subprocess
import sys
import time
import urllib.request


def links(pid):
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:bpf_link":
                    n += 1
            except OSError:
                pass
    except OSError:
        pass
    return n


def main():
    args = sys.argv[1:]
    url = None
    if args[:1] == ["--url"]:
        url, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.set_blocking(p.stdout.fileno(), False)
    count, t_links, t_answer, next_http = 0, None, None, 0.0
    while time.monotonic() - t0 < 20 and p.poll() is None:
        n = links(p.pid)
        now = time.monotonic()
        if n > count:
            count, t_links = n, now
        if url:
            if count and now >= next_http:
                next_http = now + 0.005
                try:
                    with urllib.request.urlopen(url, timeout=2) as r:
                        if r.status == 200:
                            t_answer = time.monotonic()
                except OSError:
                    pass
        else:
            try:
                if os.read(p.stdout.fileno(), 65536):
                    t_answer = time.monotonic()
            except BlockingIOError:
                pass
        if t_answer:
            break
        time.sleep(0.001)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if not t_answer or not t_links:
        sys.exit("startup.py: %s did not answer within 20 s" % args[0])
    print("%.0f %.0f %d" % ((t_links - t0) * 1000, (t_answer - t0) * 1000, count))


main()
