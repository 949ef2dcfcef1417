#!/usr/bin/env python3
"""Record the machine's load while a benchmark runs: one JSON line per interval.

    sysload.py OUT.jsonl [--interval 1] [--max-seconds 7200]

Each line: {"t": unix time, "busy_cores": CPU cores busy over the interval (all processes, from
/proc/stat), "loadavg": [1, 5, 15 min]}. report.py averages busy_cores over the window of each
s3bench row and subtracts the client's and the server's own CPU: what is left is other work
sharing the machine (noise). Stops on SIGTERM/SIGINT or after --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies summed over all CPUs."""
    with open("/proc/stat") as fh:
        fields = [float(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    total = sum(fields[:8])  # user..steal; guest time is already in user
    return total - idle, total


def loadavg() -> list[float]:
    with open("/proc/loadavg") as fh:
        return [float(x) for x in fh.read().split()[:3]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=7200.0)
    args = ap.parse_args()
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    ncpu = os.cpu_count() or 1
    deadline = time.monotonic() + args.max_seconds
    busy0, total0 = cpu_times()
    with open(args.out, "a", buffering=1) as out:
        while not stop and time.monotonic() < deadline:
            time.sleep(args.interval)
            busy1, total1 = cpu_times()
            dt = total1 - total0
            busy = (busy1 - busy0) / dt * ncpu if dt > 0 else 0.0
            busy0, total0 = busy1, total1
            row = {"t": round(time.time(), 2), "busy_cores": round(busy, 3), "loadavg": loadavg()}
            out.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
