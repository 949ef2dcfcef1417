#!/usr/bin/env python3
"""Summarise a py-spy profile in collapsed-stack form (``py-spy record --format raw``).

    pyspy_top.py PROFILE.txt [--top 25] [--label put-small] [--ops N] [--json-out F]

Prints the functions with the most samples: "self" (the function was the innermost Python
frame: its own bytecode, or C code it called such as hashlib, sqlite3, os.write) and "total"
(the function was anywhere on the stack). Frames are grouped by function and file, line numbers
dropped. With uvloop, time spent in the event loop's C code (socket I/O, httptools parsing,
callbacks' C glue) shows as self time of the frame that entered the loop
(``Runner.run``/``Server.serve``); it is reported as "event loop (C: uvloop, httptools, syscalls)".
Samples of threads other than the event loop (the SQLite writer, the executor) are kept, and the
per-thread split is printed when the profile was taken with ``--threads``.

A row per function goes to --json-out (one JSON line each, "tool": "pyspy") for report.py.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import sys

FRAME_RE = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
LOOP_ENTRY = {
    "Runner.run",
    "run_until_complete",
    "asyncio_run",
    "Server.run",
    "Server.serve",
    "Server.main_loop",
    "BaseEventLoop.run_forever",
    "BaseEventLoop._run_once",
}
LOOP_NAME = "event loop (C: uvloop, httptools, syscalls)"


def short_file(path: str) -> str:
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        i = path.find(marker)
        if i >= 0:
            return path[i + len(marker) :]
    return path


def parse(path: str) -> tuple[list[tuple[list[str], int]], bool]:
    stacks: list[tuple[list[str], int]] = []
    threaded = False
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            stack_text, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = stack_text.split(";")
            names = []
            for fr in frames:
                m = FRAME_RE.match(fr)
                if m:
                    names.append(f"{m.group('func')} ({short_file(m.group('file'))})")
                else:
                    names.append(fr)
                    if fr.startswith("thread ") or fr.startswith("process "):
                        threaded = True
            stacks.append((names, int(count)))
    return stacks, threaded


def thread_of(names: list[str]) -> str:
    joined = ";".join(names)
    if "SqliteWriter" in joined or "writer.py" in joined:
        return "sqlite writer thread"
    if "_worker (concurrent/futures/thread.py)" in joined:
        return "executor threads"
    if "ReclaimWorker" in joined or "reclaim.py" in joined:
        return "reclaim worker"
    return "event loop thread"


CATEGORIES = [
    ("hydria/meta/", "metadata (SQLite store, writer thread)"),
    ("hydria/api/auth/", "authentication (SigV4)"),
    ("hydria/api/body.py", "request body (hashing, checks)"),
    ("hydria/service/objects.py", "object service (body to storage)"),
    ("hydria/blob/", "blob files"),
    ("hydria/", "pipeline (parse, route, handler, response headers)"),
    ("uvicorn/", "HTTP server (uvicorn, uvloop, httptools)"),
    ("granian/", "HTTP server (granian)"),
]


def category(frames: list[str]) -> str:
    """Charge a sample to the nearest frame (from the leaf up) that is Hydria's or the server's."""
    for fr in reversed(frames):
        if fr.split(" (")[0] in LOOP_ENTRY:
            return "HTTP server (uvicorn, uvloop, httptools)"
        for marker, name in CATEGORIES:
            if marker in fr:
                return name
    return "other"


def summarise(stacks: list[tuple[list[str], int]]) -> dict:
    total = sum(c for _, c in stacks)
    self_c: collections.Counter[str] = collections.Counter()
    incl_c: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    cats: collections.Counter[str] = collections.Counter()
    for names, count in stacks:
        frames = [n for n in names if not (n.startswith("thread ") or n.startswith("process "))]
        if not frames:
            continue
        threads[thread_of(frames)] += count
        cats[category(frames)] += count
        leaf = frames[-1]
        if leaf.split(" (")[0] in LOOP_ENTRY:
            leaf = LOOP_NAME
        self_c[leaf] += count
        for f in set(frames):
            incl_c[f] += count
    return {"total": total, "self": self_c, "incl": incl_c, "threads": threads, "cats": cats}


def main() -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("profile")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--label", default="")
    ap.add_argument("--ops", type=float, default=0.0, help="requests served during the profile")
    ap.add_argument("--json-out", default="")
    ap.add_argument("--thread-cpu", default="", help="threadcpu.py output for the same window")
    args = ap.parse_args()
    tcpu = None
    if args.thread_cpu and os.path.exists(args.thread_cpu):
        with open(args.thread_cpu) as fh:
            tcpu = json.loads(fh.readline())
    stacks, _threaded = parse(args.profile)
    s = summarise(stacks)
    total = s["total"] or 1
    print(f"# {args.label or args.profile}: {s['total']} samples (non-idle)")
    print(
        "threads (samples): "
        + ", ".join(f"{k} {v / total:.1%}" for k, v in s["threads"].most_common())
    )
    if tcpu:
        print(
            "threads (CPU cores, /proc): "
            + ", ".join(
                f"{k} {tcpu[k]['user'] + tcpu[k]['sys']:.2f} (sys {tcpu[k]['sys']:.2f})"
                for k in ("event loop thread", "other threads")
            )
        )
    print("by part (each sample charged to the nearest Hydria or server frame):")
    for k, v in s["cats"].most_common():
        print(f"  {v / total:6.1%}  {k}")
    print(f"{'self%':>6} {'total%':>7}  function")
    rows = []
    for name, count in s["self"].most_common(args.top):
        incl = s["incl"].get(name, count)
        print(f"{count / total:6.1%} {incl / total:7.1%}  {name}")
        rows.append(
            {
                "kind": "self",
                "function": name,
                "self_pct": round(100 * count / total, 2),
                "total_pct": round(100 * incl / total, 2),
            }
        )
    print(f"\n{'total%':>7}  function (inclusive, hydria frames)")
    hyd = [(n, c) for n, c in s["incl"].most_common() if "hydria/" in n]
    for name, count in hyd[: args.top]:
        print(f"{count / total:7.1%}  {name}")
        rows.append({"kind": "incl", "function": name, "total_pct": round(100 * count / total, 2)})
    if args.json_out:
        with open(args.json_out, "a") as fh:
            head = {
                "tool": "pyspy",
                "label": args.label,
                "kind": "meta",
                "samples": s["total"],
                "ops": args.ops,
                "threads": {k: round(100 * v / total, 2) for k, v in s["threads"].items()},
                "parts": {k: round(100 * v / total, 2) for k, v in s["cats"].items()},
                "thread_cpu": {k: tcpu[k] for k in ("event loop thread", "other threads")}
                if tcpu
                else None,
            }
            fh.write(json.dumps(head) + "\n")
            for r in rows:
                r.update({"tool": "pyspy", "label": args.label})
                fh.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
