#!/usr/bin/env python3
"""Object-model figures the load generator has no scenario for (issue "Object model").

    objmodel.py bucket    --endpoint URL --bucket NAME [--versioned]
    objmodel.py versions  --endpoint URL [--versions 100000] [--keys 25000] [-d 15]
    objmodel.py checksums --endpoint URL [--size 1GiB] [--rounds 2]

bucket:    creates a bucket (versioning enabled with --versioned) for s3bench to use.
versions:  fills a versioned bucket with --versions versions of --keys keys (every key has
           versions/keys versions; one key in ten ends in a delete marker), then times full
           ListObjectVersions passes (max-keys 1000, key-marker/version-id-marker paging) and
           delimiter pages for -d seconds each: pages/s and versions/s.
checksums: one-stream PUTs of --size bytes with no checksum and with each x-amz-checksum-*
           algorithm (value precomputed, UNSIGNED-PAYLOAD), so the server's verification cost
           is the difference; MB/s per algorithm and the cost relative to no checksum.

Requests are signed with botocore's SigV4 signer and sent on keep-alive http.client
connections (one per thread). JSON lines go to stdout and --json-out (tool "objmodel").
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

from awscrt import checksums as crt
from botocore.auth import UNSIGNED_PAYLOAD, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

GIB, MIB, KIB = 1 << 30, 1 << 20, 1 << 10
_SIZE = re.compile(r"^(\d+)\s*(KiB|MiB|GiB)?$")


def parse_size(text: str) -> int:
    m = _SIZE.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    return int(m.group(1)) * {None: 1, "KiB": KIB, "MiB": MIB, "GiB": GIB}[m.group(2)]


class _PresetPayloadAuth(S3SigV4Auth):
    """SigV4 with the payload hash the caller gives (a hash, or UNSIGNED-PAYLOAD), so a 1 GiB
    body is not hashed again by the signer."""

    def payload(self, request: AWSRequest) -> str:
        return request.context["preset_payload"]


class Signed:
    """One keep-alive connection that signs and sends S3 requests."""

    def __init__(self, endpoint: str, access: str, secret: str, region: str) -> None:
        parts = urlsplit(endpoint)
        self.endpoint = endpoint.rstrip("/")
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.auth = _PresetPayloadAuth(Credentials(access, secret), "s3", region)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def request(
        self,
        method: str,
        path: str,
        query: str = "",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        payload_hash: str | None = None,
    ) -> tuple[int, bytes]:
        url = self.endpoint + quote(path) + (f"?{query}" if query else "")
        req = AWSRequest(method=method, url=url, data=b"", headers=dict(headers or {}))
        req.context["preset_payload"] = payload_hash or hashlib.sha256(body).hexdigest()
        self.auth.add_auth(req)
        send_headers = dict(req.headers.items())
        send_headers["Content-Length"] = str(len(body))
        target = quote(path) + (f"?{query}" if query else "")
        try:
            self.conn.request(method, target, body=body, headers=send_headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: one retry on a new one.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            self.conn.request(method, target, body=body, headers=send_headers)
            resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data


def emit(row: dict, out: str | None) -> None:
    row = {"tool": "objmodel", **row}
    line = json.dumps(row)
    print(line, flush=True)
    if out:
        with open(out, "a") as fh:
            fh.write(line + "\n")


def ensure_bucket(client: Signed, bucket: str, versioned: bool) -> None:
    status, _ = client.request("PUT", f"/{bucket}")
    if status not in (200, 409):
        raise SystemExit(f"create bucket {bucket}: {status}")
    if versioned:
        doc = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        status, data = client.request("PUT", f"/{bucket}", "versioning=", doc)
        if status != 200:
            raise SystemExit(f"enable versioning: {status} {data[:200]!r}")


def fill_versions(args: argparse.Namespace, bucket: str) -> None:
    per_key = max(1, args.versions // args.keys)
    local = threading.local()

    def client() -> Signed:
        if not hasattr(local, "c"):
            local.c = Signed(args.endpoint, args.access_key, args.secret_key, args.region)
        return local.c

    def one_key(i: int) -> None:
        key = f"d{i % 100:02d}/k{i:07d}"
        for v in range(per_key):
            status, data = client().request("PUT", f"/{bucket}/{key}", body=b"v%d" % v)
            if status != 200:
                raise RuntimeError(f"PUT {key}: {status} {data[:200]!r}")
        if i % 10 == 0:
            client().request("DELETE", f"/{bucket}/{key}")

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(one_key, range(args.keys)))
    print(f"filled {args.keys * per_key:,} versions in {time.monotonic() - started:.0f} s")


_NEXT_KEY = re.compile(rb"<NextKeyMarker>(.*?)</NextKeyMarker>")
_NEXT_VER = re.compile(rb"<NextVersionIdMarker>(.*?)</NextVersionIdMarker>")
_ENTRIES = re.compile(rb"<(Version|DeleteMarker|CommonPrefixes)>")


def timed_listing(
    client: Signed, bucket: str, seconds: float, delimiter: str
) -> tuple[int, int, int, float]:
    """Full passes until ``seconds`` are spent: (pages, entries, full passes, elapsed)."""
    pages = entries = passes = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        query = {"versions": "", "max-keys": "1000"}
        if delimiter:
            query["delimiter"] = delimiter
        while True:
            qs = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(query.items()))
            status, data = client.request("GET", f"/{bucket}", qs)
            if status != 200:
                raise RuntimeError(f"ListObjectVersions: {status} {data[:200]!r}")
            pages += 1
            entries += len(_ENTRIES.findall(data))
            if b"<IsTruncated>true</IsTruncated>" not in data:
                passes += 1
                break
            key = _NEXT_KEY.search(data)
            ver = _NEXT_VER.search(data)
            query["key-marker"] = key.group(1).decode() if key else ""
            if ver:
                query["version-id-marker"] = ver.group(1).decode()
            else:
                query.pop("version-id-marker", None)
            if time.monotonic() - started >= seconds and passes:
                break
    return pages, entries, passes, time.monotonic() - started


def cmd_versions(args: argparse.Namespace) -> None:
    bucket = args.bucket
    c = Signed(args.endpoint, args.access_key, args.secret_key, args.region)
    ensure_bucket(c, bucket, versioned=True)
    if not args.assume_filled:
        fill_versions(args, bucket)
    for delimiter in ("", "/"):
        pages, entries, passes, elapsed = timed_listing(c, bucket, args.duration, delimiter)
        emit(
            {
                "label": args.label,
                "scenario": "list-versions",
                "op": "delimited-pages" if delimiter else "full-pages",
                "versions": args.versions,
                "pages": pages,
                "entries": entries,
                "passes": passes,
                "seconds": round(elapsed, 2),
                "pages_per_s": round(pages / elapsed, 1),
                "entries_per_s": round(entries / elapsed, 0),
            },
            args.json_out,
        )


def checksum_values(data: bytes) -> dict[str, str]:
    """The base64 checksum of ``data`` under each algorithm, computed here (not by the server)."""
    view = memoryview(data)

    def crc(fn, size: int) -> str:  # type: ignore[no-untyped-def]
        value = 0
        for off in range(0, len(view), 64 * MIB):
            value = fn(view[off : off + 64 * MIB], value)
        return base64.b64encode(value.to_bytes(size, "big")).decode()

    return {
        "CRC32": crc(zlib.crc32, 4),
        "CRC32C": crc(crt.crc32c, 4),
        "CRC64NVME": crc(crt.crc64nvme, 8),
        "SHA1": base64.b64encode(hashlib.sha1(data).digest()).decode(),
        "SHA256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
    }


def cmd_checksums(args: argparse.Namespace) -> None:
    data = os.urandom(args.size)
    values = checksum_values(data)
    c = Signed(args.endpoint, args.access_key, args.secret_key, args.region)
    ensure_bucket(c, args.bucket, versioned=False)
    results: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for algorithm in ("NONE", *values):
            headers = {}
            if algorithm != "NONE":
                headers[f"x-amz-checksum-{algorithm.lower()}"] = values[algorithm]
            started = time.monotonic()
            status, body = c.request(
                "PUT", f"/{args.bucket}/big", body=data, headers=headers,
                payload_hash=UNSIGNED_PAYLOAD,
            )  # fmt: skip
            elapsed = time.monotonic() - started
            if status != 200:
                raise RuntimeError(f"PUT with {algorithm}: {status} {body[:300]!r}")
            results.setdefault(algorithm, []).append(args.size / elapsed / 1e6)
    base = max(results["NONE"])
    for algorithm, speeds in results.items():
        best = max(speeds)
        emit(
            {
                "label": args.label,
                "scenario": "put-checksum",
                "op": algorithm,
                "size": args.size,
                "mb_per_s": round(best, 1),
                "all_mb_per_s": [round(s, 1) for s in speeds],
                "time_vs_none_pct": round((base / best - 1) * 100, 1),
            },
            args.json_out,
        )


def cmd_bucket(args: argparse.Namespace) -> None:
    c = Signed(args.endpoint, args.access_key, args.secret_key, args.region)
    ensure_bucket(c, args.bucket, versioned=args.versioned)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=["bucket", "versions", "checksums"])
    ap.add_argument("--endpoint", default=os.environ.get("S3_ENDPOINT", "http://127.0.0.1:9310"))
    ap.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", "hydriabench"))
    ap.add_argument(
        "--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", "hydriabench-secret-key")
    )
    ap.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    ap.add_argument("--bucket", default="objmodel")
    ap.add_argument("--label", default="hydria-objmodel")
    ap.add_argument("--json-out")
    ap.add_argument("-d", "--duration", type=float, default=15.0)
    ap.add_argument("-c", "--concurrency", type=int, default=16)
    ap.add_argument("--versions", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=25_000)
    ap.add_argument("--assume-filled", action="store_true")
    ap.add_argument("--versioned", action="store_true")
    ap.add_argument("--size", type=parse_size, default=GIB)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    commands = {"bucket": cmd_bucket, "versions": cmd_versions, "checksums": cmd_checksums}
    commands[args.command](args)


if __name__ == "__main__":
    main()
