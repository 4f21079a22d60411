#!/usr/bin/env python3
# Aggregate TCP of scripts/bench-pppoe-many.sh (issue 21): one connection
# from each of many source addresses to one sink, all sending at once.
#   tcp-many.py sink ADDRESS PORT SECONDS CONNECTIONS
#       accepts CONNECTIONS connections (or whatever came in 20 s), then counts
#       the octets received over SECONDS, starting 1 s after they are all in
#       (slow start over); prints "Gbit/s octets seconds connections".
#   tcp-many.py send ADDRESS PORT SECONDS SOURCE-FILE
#       one connection from each address in SOURCE-FILE (one a line), writing
#       64 KiB blocks as fast as each socket takes them for SECONDS.
import selectors
import socket
import sys
import time


def sink(address, port, seconds, wanted):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(4096)
    print("listening", flush=True)
    sel = selectors.DefaultSelector()
    conns = []
    listener.settimeout(1)
    deadline = time.monotonic() + 20
    while len(conns) < wanted and time.monotonic() < deadline:
        try:
            c, _ = listener.accept()
        except socket.timeout:
            continue
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
        conns.append(c)
    total = 0
    counting = False
    start = time.monotonic() + 1
    end = start + seconds
    while True:
        t = time.monotonic()
        if t >= end:
            break
        if not counting and t >= start:
            counting, total = True, 0
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(262144)
            except (BlockingIOError, ConnectionError):
                continue
            if not data:
                sel.unregister(key.fileobj)
                continue
            if counting:
                total += len(data)
    print("%.3f %d %d %d" % (total * 8 / seconds / 1e9, total, seconds, len(conns)), flush=True)


def send(address, port, seconds, source_file):
    sources = [line.strip() for line in open(source_file) if line.strip()]
    sel = selectors.DefaultSelector()
    socks = []
    for src in sources:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.settimeout(10)
        try:
            s.connect((address, port))
        except OSError as e:
            print("tcp-many: %s: %s" % (src, e), file=sys.stderr)
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_WRITE)
        socks.append(s)
    block = b"\x5b" * 65536
    end = time.monotonic() + seconds + 3
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            try:
                key.fileobj.send(block)
            except (BlockingIOError, ConnectionError):
                pass
    for s in socks:
        s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "sink":
        sink(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
