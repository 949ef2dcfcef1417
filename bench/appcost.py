#!/usr/bin/env python3
"""CPU time Hydria's ASGI app spends per request, without an HTTP server or a network.

    python3 bench/appcost.py [--ops head,get,put] [-n 2000] [--repeat 5] [--size 4096] [--versioned]

Builds the app the way a worker does (``hydria.server.build_app``, lifespan started) on a fresh
data dir under $LAB (default ${TMPDIR:-/tmp}/hydria-bench), stores -n objects, then calls the app
directly with ASGI scopes carrying SigV4-signed headers (signed before the clock, as s3bench
does) and reports process CPU time per request: the best of --repeat passes over the objects.
PUTs run 16 at a time, so the SQLite writer batches them as it would under load; their CPU
includes the writer thread (process CPU time covers all threads). GET and HEAD read 4 KiB
objects stored inline. With --versioned the bucket has versioning enabled, so every PUT keeps
the version it replaces.

What it is for: the share of per-request cost that is Hydria's own (the profiles show the rest
is the HTTP server), measured in a way that moves little when other jobs share the machine, so a
change to the request path can be judged before and after on a noisy box. Pin it for steadier
figures: ``taskset -c 0 python3 bench/appcost.py``. It imports hydria from the current
checkout (or PYTHONPATH).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

ACCESS, SECRET, REGION = "appcostkey", "appcost-secret-key-0123456789", "us-east-1"
HOST = "127.0.0.1:9319"


def signer():
    from botocore.auth import S3SigV4Auth
    from botocore.credentials import Credentials

    return S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION)


def signed_scope(auth, method: str, path: str, body: bytes = b"") -> dict:
    from botocore.awsrequest import AWSRequest

    headers = {"Host": HOST}
    if method == "PUT":
        headers["Content-Length"] = str(len(body))
    req = AWSRequest(method=method, url=f"http://{HOST}{path}", data=body, headers=headers)
    auth.add_auth(req)
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in req.headers.items()]
    raw.append((b"user-agent", b"appcost"))
    path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": raw,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 9319),
        "_body": body,
    }


async def call(app, scope: dict) -> int:
    body = scope["_body"]
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def lifespan(app, phase: str) -> None:
    q: asyncio.Queue = asyncio.Queue()
    done = asyncio.Event()

    async def receive():
        return await q.get()

    async def send(message):
        if message["type"].startswith(f"lifespan.{phase}"):
            done.set()

    if phase == "startup":
        app._lifespan_task = asyncio.ensure_future(app(dict(type="lifespan"), receive, send))
        app._lifespan_q = q
        await q.put({"type": "lifespan.startup"})
        await asyncio.wait_for(done.wait(), 30)
    else:
        await app._lifespan_q.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(app._lifespan_task, 30)


async def run(args) -> dict:
    data = Path(args.lab) / "data-appcost"
    shutil.rmtree(data, ignore_errors=True)
    os.environ.update(
        HYDRIA_DATA_DIR=str(data),
        HYDRIA_ROOT_ACCESS_KEY=ACCESS,
        HYDRIA_ROOT_SECRET_KEY=SECRET,
        HYDRIA_REGION=REGION,
        HYDRIA_LOG_LEVEL="warning",
    )
    from hydria.cli import prepare
    from hydria.config import load_settings
    from hydria.server import build_app

    settings = load_settings()
    prepare(settings)
    app = build_app(settings)
    await lifespan(app, "startup")
    auth = signer()
    body = os.urandom(args.size)
    results: dict[str, float] = {}
    try:
        assert await call(app, signed_scope(auth, "PUT", "/appcost")) == 200
        if args.versioned:
            doc = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
            scope = signed_scope(auth, "PUT", "/appcost?versioning", doc)
            assert await call(app, scope) == 200
        puts = [signed_scope(auth, "PUT", f"/appcost/k{i:07d}", body) for i in range(args.n)]
        for i in range(0, len(puts), 16):
            codes = await asyncio.gather(*(call(app, s) for s in puts[i : i + 16]))
            assert all(c == 200 for c in codes), codes
        for op in args.ops.split(","):
            method = op.upper()
            best = float("inf")
            for _ in range(args.repeat):
                if method == "PUT":
                    scopes = [
                        signed_scope(auth, "PUT", f"/appcost/k{i:07d}", body) for i in range(args.n)
                    ]
                else:
                    scopes = [
                        signed_scope(auth, method, f"/appcost/k{i:07d}") for i in range(args.n)
                    ]
                c0 = time.process_time()
                if method == "PUT":
                    for i in range(0, len(scopes), 16):
                        await asyncio.gather(*(call(app, s) for s in scopes[i : i + 16]))
                else:
                    for s in scopes:
                        code = await call(app, s)
                        if code != 200:
                            raise SystemExit(f"{method} answered {code}")
                best = min(best, (time.process_time() - c0) / len(scopes))
            results[op] = best * 1e6
    finally:
        await lifespan(app, "shutdown")
        shutil.rmtree(data, ignore_errors=True)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--ops", default="head,get,put")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument(
        "--lab",
        default=os.environ.get("LAB")
        or os.path.join(os.environ.get("TMPDIR", "/tmp"), "hydria-bench"),
    )
    ap.add_argument("--versioned", action="store_true")
    ap.add_argument("--json-out", default="")
    args = ap.parse_args()
    Path(args.lab).mkdir(parents=True, exist_ok=True)
    try:
        import uvloop

        res = uvloop.run(run(args))
    except ImportError:
        res = asyncio.run(run(args))
    for op, us in res.items():
        print(f"{op:5s} {us:8.1f} µs of process CPU per request (best of {args.repeat} x {args.n})")
    if args.json_out:
        with open(args.json_out, "a") as fh:
            fh.write(
                json.dumps(
                    {
                        "tool": "appcost",
                        "label": "appcost-versioned" if args.versioned else "appcost",
                        "us_per_op": res,
                        "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "n": args.n,
                        "size": args.size,
                    }
                )
                + "\n"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
