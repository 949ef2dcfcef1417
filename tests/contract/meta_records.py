"""Records and helpers the metadata-store contract tests build their cases from."""

from __future__ import annotations

import uuid

from hydria.meta.store import (
    BucketRecord,
    MetaStore,
    ObjectRecord,
    PartRecord,
    Segment,
    UploadRecord,
)

OWNER = "owner-1"
OTHER = "owner-2"
GRACE = 600.0
FAR = 10**12
"""A time after every grace delay: due_garbage(FAR) lists all garbage."""


def new_id() -> str:
    return uuid.uuid4().hex


def bucket_record(name: str, owner: str = OWNER) -> BucketRecord:
    return BucketRecord(name=name, owner_id=owner, created_at=1_700_000_000.5, region="us-east-1")


def object_record(
    bucket: str, key: str, segments: list[Segment], *, etag: str = "e1", **fields: object
) -> ObjectRecord:
    size = sum(seg.size for seg in segments)
    return ObjectRecord(
        bucket, key, size, etag, 1_700_000_100.25, OWNER, segments=segments, **fields
    )


def file_object(bucket: str, key: str, *, etag: str = "e1", size: int = 5) -> ObjectRecord:
    return object_record(bucket, key, [Segment(new_id(), size)], etag=etag)


def inline_object(bucket: str, key: str, data: bytes, *, etag: str = "e1") -> ObjectRecord:
    return object_record(bucket, key, [Segment(new_id(), len(data), inline=True)], etag=etag)


def upload_record(bucket: str, key: str, upload_id: str | None = None) -> UploadRecord:
    return UploadRecord(
        upload_id=upload_id or new_id(),
        bucket=bucket,
        key=key,
        initiated=1_700_000_200.75,
        owner_id=OWNER,
        storage_class="STANDARD_IA",
        headers={"content-type": "video/mp4", "x-amz-meta-a": "1"},
        extra={"checksum": "CRC32"},
    )


def part_record(
    upload_id: str, number: int, *, size: int = 8, inline: bool = False, etag: str = ""
) -> PartRecord:
    return PartRecord(
        upload_id=upload_id,
        part_number=number,
        size=size,
        etag=etag or f"p{number}",
        last_modified=1_700_000_300.5,
        segment=Segment(new_id(), size, inline),
        extra={"n": number},
    )


async def new_upload(store: MetaStore, key: str = "k", bucket: str = "b") -> UploadRecord:
    """Create the bucket (when missing) and an upload in it."""
    if await store.get_bucket(bucket) is None:
        await store.create_bucket(bucket_record(bucket))
    upload = upload_record(bucket, key)
    await store.create_upload(upload)
    return upload


async def garbage(store: MetaStore, now: float = FAR) -> dict[str, bool]:
    """Blob id -> is inline, for garbage due at ``now``."""
    return dict(await store.due_garbage(now, 100_000))


async def keys(store: MetaStore, bucket: str, prefix: str = "", start_after: str = "") -> list[str]:
    return [r.key for r in await store.list_objects(bucket, prefix, start_after, 1000)]
