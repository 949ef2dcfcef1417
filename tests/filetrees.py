"""Local file trees and bucket contents as {relative name: bytes}, for comparing tool runs."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, data: bytes) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def bucket_contents(s3, bucket: str, prefix: str = "") -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Every object under ``prefix``, keyed by its name after the prefix."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            out[item["Key"][len(prefix) :]] = body
    return out
