"""Object and bucket tagging: the tag sets kept in a version's ``extra`` and a bucket document.

Changing an object's tags touches only that version's ``extra["tags"]``: its bytes, ETag and
Last-Modified stay. A delete marker has no tags; naming one, or reading a key whose current
version is one, is MethodNotAllowed as AWS answers for all three tagging operations.
"""

from __future__ import annotations

import json

from hydria.errors import S3Error
from hydria.meta.store import MetaError, ObjectRecord
from hydria.model.tags import Tag, stored_tags, to_stored
from hydria.service.context import ServiceContext, write_error
from hydria.service.objects import version_headers

BUCKET_CONFIG = "tagging"


async def _absent(
    ctx: ServiceContext, bucket: str, key: str, version_id: str | None, method: str
) -> S3Error:
    """The error for a version that has no tags to read or write."""
    found = await ctx.meta.get_object(bucket, key, version_id)
    if found is not None and found.is_marker:
        return S3Error(
            "MethodNotAllowed",
            Method=method,
            ResourceType="DeleteMarker",
            headers=dict(version_headers(found)),
        )
    await ctx.require_bucket(bucket)
    if version_id is not None:
        return S3Error("NoSuchVersion", Key=key, VersionId=version_id)
    # GetObjectTagging names the missing key with its bucket; Put and Delete do not.
    return S3Error("NoSuchKey", Key=f"{bucket}/{key}" if method == "GET" else key)


async def get_object_tags(
    ctx: ServiceContext, bucket: str, key: str, version_id: str | None
) -> tuple[ObjectRecord, list[Tag]]:
    record = await ctx.meta.get_object(bucket, key, version_id)
    if record is None or record.is_marker:
        raise await _absent(ctx, bucket, key, version_id, "GET")
    return record, stored_tags(record.extra)


async def set_object_tags(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    version_id: str | None,
    tags: list[Tag],
    *,
    method: str,
) -> ObjectRecord:
    """Replace a version's tag set (an empty set removes it); the updated record."""
    try:
        record = await ctx.meta.update_object_extra(
            bucket, key, version_id, {"tags": to_stored(tags)}
        )
    except MetaError as exc:
        raise write_error(exc, bucket=bucket, key=key) from None
    if record is None:
        raise await _absent(ctx, bucket, key, version_id, method)
    return record


async def get_bucket_tags(ctx: ServiceContext, bucket: str) -> list[Tag]:
    await ctx.require_bucket(bucket)
    body = await ctx.meta.get_bucket_config(bucket, BUCKET_CONFIG)
    tags = [(str(k), str(v)) for k, v in json.loads(body)] if body else []
    if not tags:
        raise S3Error("NoSuchTagSet", BucketName=bucket)
    return tags


async def set_bucket_tags(ctx: ServiceContext, bucket: str, tags: list[Tag]) -> None:
    """Replace the bucket's tag set; an empty one removes it, as DeleteBucketTagging does."""
    body = json.dumps([[k, v] for k, v in tags]) if tags else None
    try:
        await ctx.meta.put_bucket_config(bucket, BUCKET_CONFIG, body)
    except MetaError as exc:
        raise write_error(exc, bucket=bucket) from None
