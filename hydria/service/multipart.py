"""Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts, ListUploads.

Parts are stored as blobs of their own; Complete does not copy bytes, it records the object as
the ordered list of its parts' segments in one metadata transaction. Checksum rules live in
``multipart_checksums``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterable, Callable

from hydria.errors import S3Error
from hydria.meta.store import (
    MetaError,
    NoSuchBucket,
    NoSuchUpload,
    ObjectRecord,
    PartChanged,
    PartRecord,
    UploadRecord,
)
from hydria.model.objects import multipart_etag
from hydria.model.tags import Tag, to_stored
from hydria.service import multipart_checksums as checks
from hydria.service.context import ServiceContext, write_error
from hydria.service.multipart_checksums import CompletedPart, UploadChecksum
from hydria.service.objects import _discard, receive_bytes

MAX_PARTS = 10_000


def new_upload_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")


async def create_upload(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    *,
    owner_id: str,
    headers: dict[str, str],
    storage_class: str,
    checksum: UploadChecksum | None = None,
    tags: list[Tag] | None = None,
) -> UploadRecord:
    await ctx.require_bucket(bucket)
    record = UploadRecord(
        upload_id=new_upload_id(),
        bucket=bucket,
        key=key,
        initiated=ctx.clock(),
        owner_id=owner_id,
        storage_class=storage_class,
        headers=headers,
    )
    if checksum is not None:
        checks.declare(record, checksum)
    if tags:
        record.extra["tags"] = to_stored(tags)
    try:
        await ctx.meta.create_upload(record)
    except NoSuchBucket:
        raise S3Error("NoSuchBucket", BucketName=bucket) from None
    return record


async def require_upload(
    ctx: ServiceContext, bucket: str, key: str, upload_id: str
) -> UploadRecord:
    upload = await ctx.meta.get_upload(upload_id)
    if upload is None or upload.bucket != bucket or upload.key != key:
        await ctx.require_bucket(bucket)
        raise S3Error("NoSuchUpload", UploadId=upload_id)
    return upload


def check_part_number(value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PARTS:
        raise S3Error(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=value or "",
        )
    return number


async def upload_part(
    ctx: ServiceContext,
    upload: UploadRecord,
    part_number: int,
    body: AsyncIterable[bytes],
    declared_size: int | None,
    *,
    checksums: Callable[[], dict[str, str]] | None = None,
) -> PartRecord:
    """Store one part; ``checksums`` is asked after the body ends for the verified values."""
    stored = await receive_bytes(ctx, body, declared_size, ctx.settings.max_part_size)
    part = PartRecord(
        upload_id=upload.upload_id,
        part_number=part_number,
        size=stored.segment.size,
        etag=stored.md5_hex,
        last_modified=ctx.clock(),
        segment=stored.segment,
    )
    verified = checksums() if checksums is not None else {}
    if verified:
        part.extra["checksums"] = verified
    try:
        await ctx.meta.put_part(part, stored.inline_data)
    except NoSuchUpload:
        _discard(ctx, [stored.segment])
        raise S3Error("NoSuchUpload", UploadId=upload.upload_id) from None
    # Any other failure may come after the commit: the bytes stay (see commit_object).
    return part


async def complete_upload(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    upload_id: str,
    requested: list[CompletedPart],
    *,
    object_checksum: tuple[str, str] | None = None,
    checksum_type: str | None = None,
    if_none_match: bool = False,
    if_match_etag: str | None = None,
) -> ObjectRecord:
    """Validate the client's part list against what was uploaded and commit the object.

    ``object_checksum`` is the (algorithm, value) of an x-amz-checksum-* header, the whole
    object's checksum; ``checksum_type`` the x-amz-checksum-type header. When a part is
    uploaded again while the completion runs (the store refuses with PartChanged), the parts
    are read and checked again, once; a second change answers InvalidPart.
    """
    for attempt in (1, 2):
        try:
            return await _complete_once(
                ctx,
                bucket,
                key,
                upload_id,
                requested,
                object_checksum=object_checksum,
                checksum_type=checksum_type,
                if_none_match=if_none_match,
                if_match_etag=if_match_etag,
            )
        except PartChanged as exc:
            if attempt == 2:
                raise S3Error(
                    "InvalidPart", UploadId=upload_id, PartNumber=str(exc.part_number)
                ) from None
    raise AssertionError("unreachable")


async def _complete_once(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    upload_id: str,
    requested: list[CompletedPart],
    *,
    object_checksum: tuple[str, str] | None,
    checksum_type: str | None,
    if_none_match: bool,
    if_match_etag: str | None,
) -> ObjectRecord:
    upload = await require_upload(ctx, bucket, key, upload_id)
    if not requested:
        raise S3Error("MalformedXML")
    previous = 0
    for asked in requested:
        if asked.number <= previous:
            raise S3Error("InvalidPartOrder", UploadId=upload_id)
        previous = asked.number
    stored = {p.part_number: p for p in await ctx.meta.list_parts(upload_id, 0, MAX_PARTS + 1)}
    chosen: list[PartRecord] = []
    for asked in requested:
        part = stored.get(asked.number)
        if part is None or asked.etag.strip().strip('"') != part.etag:
            raise S3Error(
                "InvalidPart", UploadId=upload_id, PartNumber=str(asked.number), ETag=asked.etag
            )
        checks.check_named_checksums(upload, asked)
        chosen.append(part)
    rule = checks.object_checksum_rule(upload, object_checksum, checksum_type, chosen)
    for part in chosen[:-1]:
        if part.size < ctx.settings.min_part_size:
            raise S3Error(
                "EntityTooSmall",
                ProposedSize=str(part.size),
                MinSizeAllowed=str(ctx.settings.min_part_size),
                PartNumber=str(part.part_number),
                ETag=part.etag,
            )
    total = sum(p.size for p in chosen)
    if total > ctx.settings.max_multipart_object_size:
        raise S3Error(
            "EntityTooLarge",
            ProposedSize=str(total),
            MaxSizeAllowed=str(ctx.settings.max_multipart_object_size),
        )
    record = ObjectRecord(
        bucket=bucket,
        key=key,
        size=total,
        etag=multipart_etag([p.etag for p in chosen]),
        last_modified=ctx.clock(),
        owner_id=upload.owner_id,
        storage_class=upload.storage_class,
        headers=upload.headers,
        segments=[p.segment for p in chosen],
        part_sizes=[p.size for p in chosen],
    )
    if upload.extra.get("tags"):
        # The tags given to CreateMultipartUpload become the object's.
        record.extra["tags"] = upload.extra["tags"]
    if rule is not None:
        value, per_part = checks.object_checksum(upload, requested, chosen, rule, object_checksum)
        record.extra["checksums"] = {rule.algorithm: value}
        record.extra["checksum_type"] = rule.type
        record.extra["part_checksums"] = per_part
        numbers = [p.part_number for p in chosen]
        if numbers != list(range(1, len(numbers) + 1)):
            record.extra["part_numbers"] = numbers
    try:
        await ctx.meta.complete_upload(
            upload_id,
            record,
            [p.part_number for p in chosen],
            if_none_match=if_none_match,
            if_match_etag=if_match_etag,
        )
    except PartChanged:
        raise
    except MetaError as exc:
        raise write_error(exc, bucket=bucket, key=key, upload_id=upload_id) from None
    return record


async def abort_upload(ctx: ServiceContext, bucket: str, key: str, upload_id: str) -> None:
    await require_upload(ctx, bucket, key, upload_id)
    try:
        await ctx.meta.abort_upload(upload_id)
    except NoSuchUpload:
        raise S3Error("NoSuchUpload", UploadId=upload_id) from None
