#!/usr/bin/env python3
"""Server memory under concurrent large uploads, and process-tree memory sampling.

    rss.py tree --pid PID
        print the RSS and PSS (MB) of PID's whole process tree, once
    rss.py uploads --pid PID --endpoint http://127.0.0.1:9310 --access-key K --secret-key S \
        [-c 16] [--size 1GiB] [--bucket rss] [--cpus 1] [--timeout 900] [--json-out F] [--label L]
        start -c PUTs of --size bytes at once (one streamed single PUT each, UNSIGNED-PAYLOAD,
        SigV4 header auth) while sampling the server tree's RSS every --interval seconds;
        report the peak (and the idle figure before), then delete the objects

s3bench.py runs large PUTs one at a time, so it cannot show what N simultaneous uploads cost
the server; this does. The server tree is PID and all its descendants (uvicorn/granian workers),
read from /proc: RSS is the sum of each process's VmRSS (shared pages counted once per process,
so an upper bound), PSS the sum of smaps_rollup Pss (shared pages split between processes).
Only 127.0.0.1 is targeted; every socket operation has --timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
from urllib.parse import quote, urlsplit

UNITS = {"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "kb": 10**3, "mb": 10**6, "gb": 10**9}


def parse_size(text: str) -> int:
    t = text.strip().lower()
    for unit, mult in sorted(UNITS.items(), key=lambda kv: -len(kv[0])):
        if t.endswith(unit):
            return int(float(t[: -len(unit)]) * mult)
    return int(t)


# -- /proc ---------------------------------------------------------------------------------


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid: int) -> list[int]:
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pids: list[int], pss: bool = True) -> tuple[float, float]:
    """(RSS MB, PSS MB) summed over pids (MB = 10^6 bytes)."""
    rss = sum(_status_kb(p, "VmRSS") for p in pids) * 1024 / 1e6
    ps = sum(_pss_kb(p) for p in pids) * 1024 / 1e6 if pss else 0.0
    return rss, ps


class Sampler(threading.Thread):
    """Samples the tree's memory until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0.0
        self.samples = 0
        self.peak_procs = 0
        self._halt = threading.Event()

    def run(self) -> None:
        pids = tree(self.pid)
        last_tree = time.monotonic()
        while not self._halt.is_set():
            if time.monotonic() - last_tree > 2.0:
                pids, last_tree = tree(self.pid), time.monotonic()
            rss, pss = tree_memory(pids)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(pids))
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)


# -- S3 requests ---------------------------------------------------------------------------


class Signer:
    def __init__(self, endpoint: str, access: str, secret: str, region: str) -> None:
        from botocore.auth import S3SigV4Auth
        from botocore.credentials import Credentials

        class _Unsigned(S3SigV4Auth):
            def payload(self, request):  # large bodies: UNSIGNED-PAYLOAD, as s3bench does
                return "UNSIGNED-PAYLOAD"

        parts = urlsplit(endpoint)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("rss.py only targets the loopback interface")
        self.endpoint = endpoint.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.netloc = parts.netloc
        self.auth = _Unsigned(Credentials(access, secret), "s3", region)

    def headers(
        self, method: str, path: str, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        from botocore.awsrequest import AWSRequest

        headers = {"Host": self.netloc}
        headers.update(extra or {})
        req = AWSRequest(method=method, url=self.endpoint + path, headers=headers)
        self.auth.add_auth(req)
        return dict(req.headers.items())


def simple_request(signer: Signer, method: str, path: str, timeout: float) -> int:
    conn = http.client.HTTPConnection(signer.host, signer.port, timeout=timeout)
    try:
        headers = signer.headers(method, path, {"Content-Length": "0"})
        conn.request(method, path, body=b"", headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def upload(signer: Signer, path: str, size: int, chunk: bytes, timeout: float, out: dict) -> None:
    t0 = time.monotonic()
    try:
        headers = signer.headers("PUT", path, {"Content-Length": str(size)})
        sock = socket.create_connection((signer.host, signer.port), timeout=timeout)
        try:
            head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall(head.encode("latin-1") + b"\r\n")
            view = memoryview(chunk)
            left = size
            while left > 0:
                n = min(left, len(view))
                sock.sendall(view[:n])
                left -= n
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            body = resp.read()
            out["status"] = resp.status
            if resp.status != 200:
                out["error"] = body[:300].decode("utf-8", "replace")
        finally:
            sock.close()
    except Exception as exc:  # reported, not raised: the other uploads go on
        out["status"] = 0
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["seconds"] = time.monotonic() - t0


def cmd_uploads(args: argparse.Namespace) -> int:
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    size = parse_size(args.size)
    signer = Signer(args.endpoint, args.access_key, args.secret_key, args.region)
    bucket = "/" + args.bucket
    status = simple_request(signer, "PUT", bucket, args.timeout)
    if status not in (200, 409):
        print(f"rss.py: creating bucket {args.bucket}: HTTP {status}", file=sys.stderr)
        return 1
    chunk = os.urandom(1 << 20)
    idle_rss, idle_pss = tree_memory(tree(args.pid))
    sampler = Sampler(args.pid, args.interval)
    sampler.start()
    results: list[dict] = [{} for _ in range(args.concurrency)]
    keys = [f"{bucket}/rss/{i:03d}" for i in range(args.concurrency)]
    threads = [
        threading.Thread(
            target=upload,
            args=(signer, quote(k), size, chunk, args.timeout, results[i]),
            daemon=True,
        )
        for i, k in enumerate(keys)
    ]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    deadline = t0 + args.max_seconds
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    wall = time.monotonic() - t0
    timed_out = any(t.is_alive() for t in threads)
    sampler.stop()
    after_rss, after_pss = tree_memory(tree(args.pid))
    ok = [r for r in results if r.get("status") == 200]
    errors = [r.get("error", "timeout") for r in results if r.get("status") != 200]
    for k in keys:
        try:
            simple_request(signer, "DELETE", quote(k), args.timeout)
        except OSError:
            pass
    row = {
        "tool": "rss",
        "scenario": "rss-uploads",
        "op": "concurrent-put",
        "label": args.label,
        "size": size,
        "concurrency": args.concurrency,
        "ok": len(ok),
        "errors": len(errors),
        "error_kinds": sorted(set(e[:120] for e in errors))[:5],
        "timed_out": timed_out,
        "wall_s": round(wall, 2),
        "mb_per_s": round(len(ok) * size / 1e6 / wall, 1) if wall > 0 else 0.0,
        "idle_rss_mb": round(idle_rss, 1),
        "idle_pss_mb": round(idle_pss, 1),
        "peak_rss_mb": round(sampler.peak_rss, 1),
        "peak_pss_mb": round(sampler.peak_pss, 1),
        "after_rss_mb": round(after_rss, 1),
        "after_pss_mb": round(after_pss, 1),
        "processes": sampler.peak_procs,
        "samples": sampler.samples,
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "elapsed_s": round(wall, 3),
    }
    print(
        f"rss-uploads {args.concurrency} x {args.size}: {len(ok)} ok, {len(errors)} errors, "
        f"{wall:.1f}s, {row['mb_per_s']} MB/s aggregate; server tree ({row['processes']} procs) "
        f"RSS idle {row['idle_rss_mb']} MB, peak {row['peak_rss_mb']} MB (PSS peak "
        f"{row['peak_pss_mb']} MB), after {row['after_rss_mb']} MB"
    )
    for e in row["error_kinds"]:
        print(f"  error: {e}")
    if args.json_out:
        with open(args.json_out, "a") as fh:
            fh.write(json.dumps(row) + "\n")
    return 0 if not errors else 1


def cmd_tree(args: argparse.Namespace) -> int:
    pids = tree(args.pid)
    rss, pss = tree_memory(pids)
    print(json.dumps({"pids": pids, "rss_mb": round(rss, 1), "pss_mb": round(pss, 1)}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tree")
    t.add_argument("--pid", type=int, required=True)
    u = sub.add_parser("uploads")
    u.add_argument("--pid", type=int, required=True, help="server PID (its tree is sampled)")
    u.add_argument("--endpoint", default=os.environ.get("S3_ENDPOINT", "http://127.0.0.1:9310"))
    u.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", ""))
    u.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    u.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    u.add_argument("--bucket", default="rss")
    u.add_argument("-c", "--concurrency", type=int, default=16)
    u.add_argument("--size", default="1GiB")
    u.add_argument("--interval", type=float, default=0.1, help="seconds between samples")
    u.add_argument("--timeout", type=float, default=120.0, help="per socket operation (s)")
    u.add_argument("--max-seconds", type=float, default=900.0, help="whole phase (s)")
    u.add_argument("--cpus", default=os.environ.get("S3BENCH_CPUS", ""))
    u.add_argument("--label", default="")
    u.add_argument("--json-out", default=os.environ.get("S3BENCH_JSON", ""))
    args = ap.parse_args()
    return cmd_uploads(args) if args.cmd == "uploads" else cmd_tree(args)


if __name__ == "__main__":
    raise SystemExit(main())
