#!/usr/bin/python3
"""Takes a lock on a znode with Python Kazoo's own recipe, for the interoperability tests.

Usage: kazoo-lock.py HOSTS PATH KIND TIMEOUT
  KIND is lock, write or read (Kazoo's Lock, WriteLock, ReadLock).
Prints one line per event on stdout: "acquired <contender node>" or "timeout", then waits for a
line (or end of file) on stdin before releasing and printing "released". Every wait is bounded:
the connection by 15 s, the acquire by TIMEOUT seconds, the hold by 120 s.
"""
import select
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    hosts, path, kind, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    client = KazooClient(hosts=hosts, timeout=10.0)
    client.start(timeout=15)
    try:
        recipe = {"lock": client.Lock, "write": client.WriteLock, "read": client.ReadLock}[kind]
        lock = recipe(path, "kazoo-interop")
        try:
            lock.acquire(timeout=timeout)
        except LockTimeout:
            print("timeout", flush=True)
            return 0
        print("acquired " + lock.node, flush=True)
        ready, _, _ = select.select([sys.stdin], [], [], 120)
        if ready:
            sys.stdin.readline()
        lock.release()
        print("released", flush=True)
        return 0
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    sys.exit(main())
