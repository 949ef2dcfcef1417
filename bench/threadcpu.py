#!/usr/bin/env python3
"""CPU use of each thread of a process over an interval, from /proc (exact, unlike sampling).

    threadcpu.py PID SECONDS [--json-out F] [--label L]

py-spy's "non-idle" samples include threads that are runnable but waiting for the CPU, which on
a server pinned to one core overstates whichever thread is not running; this reads the kernel's
own per-thread accounting instead. The main thread (tid == PID) is the event loop; the others
are the SQLite writer, the executor (blob writes) and the reclaim worker.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def snap(pid: int) -> dict[int, tuple[int, int]]:
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                f = fh.read()
        except OSError:
            continue
        f = f[f.rindex(")") + 2 :].split()
        out[int(tid)] = (int(f[11]), int(f[12]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("pid", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--json-out", default="")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    hz = os.sysconf("SC_CLK_TCK")
    a, t0 = snap(args.pid), time.monotonic()
    time.sleep(args.seconds)
    b, dt = snap(args.pid), time.monotonic() - t0
    main_u = main_s = oth_u = oth_s = 0.0
    for tid, (u, s) in b.items():
        u0, s0 = a.get(tid, (0, 0))
        du, ds = (u - u0) / hz / dt, (s - s0) / hz / dt
        if tid == args.pid:
            main_u, main_s = du, ds
        else:
            oth_u += du
            oth_s += ds
    row = {
        "tool": "threadcpu",
        "label": args.label,
        "seconds": round(dt, 2),
        "event loop thread": {"user": round(main_u, 3), "sys": round(main_s, 3)},
        "other threads": {"user": round(oth_u, 3), "sys": round(oth_s, 3)},
    }
    print(json.dumps(row))
    if args.json_out:
        with open(args.json_out, "w") as fh:
            fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
