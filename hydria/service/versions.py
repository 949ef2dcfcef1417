"""Bucket versioning state and ListObjectVersions with delimiter roll-up.

Versions are listed key by key, newest first. As in ``listing``, a key that rolls up into a
common prefix makes the next query seek past everything under that prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hydria.errors import S3Error
from hydria.meta.store import NoSuchBucket, ObjectRecord
from hydria.model.versions import NULL_VERSION
from hydria.service.context import ServiceContext
from hydria.util.keyorder import prefix_successor

BATCH = 1000
FIRST_DELIMITED_BATCH = 8


async def set_versioning(ctx: ServiceContext, bucket: str, status: str) -> None:
    try:
        await ctx.meta.set_bucket_versioning(bucket, status)
    except NoSuchBucket:
        raise S3Error("NoSuchBucket", BucketName=bucket) from None


@dataclass
class VersionsPage:
    entries: list[ObjectRecord] = field(default_factory=list)
    """Versions and delete markers, in listing order."""
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_key_marker: str = ""
    next_version_id_marker: str | None = None


def shown_version_id(record: ObjectRecord) -> str:
    return record.version_id or NULL_VERSION


async def list_versions_page(
    ctx: ServiceContext,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_id_marker: str | None,
    max_keys: int,
) -> VersionsPage:
    await ctx.require_bucket(bucket)
    page = VersionsPage()
    if max_keys <= 0:
        return page
    key, seq, inclusive = key_marker, None, False
    if version_id_marker is not None and key_marker:
        seq = await ctx.meta.version_seq(bucket, key_marker, version_id_marker)
    if delimiter and seq is None and key_marker.startswith(prefix):
        rest = key_marker[len(prefix) :]
        idx = rest.find(delimiter)
        if idx >= 0 and idx + len(delimiter) == len(rest):
            nxt = prefix_successor(key_marker)
            if nxt is None:
                return page
            key, inclusive = nxt, True
    count = 0
    batch_size = FIRST_DELIMITED_BATCH if delimiter else BATCH
    while True:
        want = min(batch_size, max_keys - count + 1)
        batch = await ctx.meta.list_object_versions(
            bucket, prefix, key, seq, want, inclusive=inclusive
        )
        if not batch:
            return page
        reseek = False
        for rec in batch:
            if count >= max_keys:
                page.is_truncated = True
                return page
            if delimiter:
                rest = rec.key[len(prefix) :]
                idx = rest.find(delimiter)
                if idx >= 0:
                    common = prefix + rest[: idx + len(delimiter)]
                    page.common_prefixes.append(common)
                    page.next_key_marker, page.next_version_id_marker = common, None
                    count += 1
                    nxt = prefix_successor(common)
                    if nxt is None:
                        return page
                    key, seq, inclusive = nxt, None, True
                    reseek = True
                    break
            page.entries.append(rec)
            page.next_key_marker = rec.key
            page.next_version_id_marker = shown_version_id(rec)
            count += 1
            key, seq, inclusive = rec.key, rec.seq, False
        if reseek:
            batch_size = FIRST_DELIMITED_BATCH
        else:
            if len(batch) < want:
                return page
            batch_size = min(BATCH, batch_size * 4)
