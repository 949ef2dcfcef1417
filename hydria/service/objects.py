"""Object operations: PutObject, GetObject/HeadObject, DeleteObject(s), CopyObject.

Bytes are streamed: a body is consumed chunk by chunk into a blob writer (or, when it fits
under ``inline_threshold``, a bounded buffer stored in the metadata database). The body's own
verification (signatures, Content-MD5, checksums) raises from the iterator before the metadata
commit, so a bad upload stores nothing. Data is durable before the commit that makes it visible.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass

from hydria.errors import S3Error
from hydria.meta.store import MetaError, ObjectRecord, Segment
from hydria.model.objects import ByteRange
from hydria.model.tags import Tag, to_stored
from hydria.model.versions import NULL_VERSION
from hydria.service.context import ServiceContext, write_error
from hydria.util.httpdate import http_date
from hydria.util.ids import ordered_id


@dataclass
class StoredBytes:
    """Bytes received and made durable (or held for an inline commit)."""

    segment: Segment
    md5_hex: str
    inline_data: bytes | None


async def receive_bytes(
    ctx: ServiceContext, body: AsyncIterable[bytes], declared_size: int | None, max_size: int
) -> StoredBytes:
    """Consume ``body`` into durable storage, refusing more than ``max_size`` bytes.

    A declared size over the limit is refused before a byte is read.
    """
    if declared_size is not None and declared_size > max_size:
        raise S3Error(
            "EntityTooLarge", ProposedSize=str(declared_size), MaxSizeAllowed=str(max_size)
        )
    threshold = ctx.settings.inline_threshold
    buffer = bytearray()
    writer = None
    if declared_size is not None and declared_size > threshold:
        writer = ctx.blobs.new_writer()
    size = 0
    try:
        async for chunk in body:
            size += len(chunk)
            if size > max_size:
                raise S3Error(
                    "EntityTooLarge", ProposedSize=str(size), MaxSizeAllowed=str(max_size)
                )
            if writer is not None:
                await writer.write(chunk)
                continue
            buffer += chunk
            if len(buffer) > threshold:
                writer = ctx.blobs.new_writer()
                await writer.write(bytes(buffer))
                buffer.clear()
        if writer is None:
            data = bytes(buffer)
            return StoredBytes(
                Segment(ordered_id(), len(data), inline=True),
                hashlib.md5(data).hexdigest(),
                data,
            )
        md5 = await writer.commit()
        return StoredBytes(Segment(writer.blob_id, writer.size), md5.hex(), None)
    except BaseException:
        if writer is not None:
            await writer.abort()
        raise


async def commit_object(
    ctx: ServiceContext,
    record: ObjectRecord,
    inline_data: bytes | None,
    *,
    if_none_match: bool = False,
    if_match_etag: str | None = None,
) -> ObjectRecord | None:
    """Make a fully received object visible; discards its bytes if the store refused it.

    Only a refusal (a MetaError) is known to have changed nothing. Any other failure may come
    after the commit (a connection lost before the answer, a task cancelled while the group
    commit went ahead): the bytes stay, and if nothing references them the orphan scan
    deletes them after the grace delay.
    """
    try:
        return await ctx.meta.put_object(
            record, inline_data, if_none_match=if_none_match, if_match_etag=if_match_etag
        )
    except MetaError as exc:
        _discard(ctx, record.segments)
        raise write_error(exc, bucket=record.bucket, key=record.key) from None


def _discard(ctx: ServiceContext, segments: list[Segment]) -> None:
    for seg in segments:
        if not seg.inline:
            ctx.blobs.delete(seg.blob_id)


async def put_object(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    body: AsyncIterable[bytes],
    *,
    declared_size: int | None,
    owner_id: str,
    headers: dict[str, str],
    storage_class: str,
    if_none_match: bool = False,
    if_match_etag: str | None = None,
    checksums: Callable[[], dict[str, str]] | None = None,
    tags: list[Tag] | None = None,
) -> ObjectRecord:
    """Store an object; ``checksums`` is asked after the body ends for the verified values.

    ``tags`` (already checked) become the new version's tag set.
    """
    await ctx.precheck_bucket(bucket)
    stored = await receive_bytes(ctx, body, declared_size, ctx.settings.max_object_size)
    record = ObjectRecord(
        bucket=bucket,
        key=key,
        size=stored.segment.size,
        etag=stored.md5_hex,
        last_modified=ctx.clock(),
        owner_id=owner_id,
        storage_class=storage_class,
        headers=headers,
        segments=[stored.segment],
    )
    verified = checksums() if checksums is not None else {}
    if verified:
        record.extra["checksums"] = verified
    stored_tags = to_stored(tags or [])
    if stored_tags:
        record.extra["tags"] = stored_tags
    await commit_object(
        ctx, record, stored.inline_data, if_none_match=if_none_match, if_match_etag=if_match_etag
    )
    return record


def version_headers(record: ObjectRecord) -> list[tuple[str, str]]:
    """x-amz-version-id (when the bucket has ever been versioned) and the delete-marker flag."""
    out: list[tuple[str, str]] = []
    if record.version_id is not None:
        out.append(("x-amz-version-id", record.version_id))
    if record.is_marker:
        out.append(("x-amz-delete-marker", "true"))
    return out


async def find_object(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    version_id: str | None,
    *,
    with_inline: bool,
    method: str = "GET",
    copy_source: bool = False,
) -> tuple[ObjectRecord, bytes | None]:
    """The version a read names (the current one by default), or S3's error for its absence.

    A current delete marker reads as NoSuchKey; a delete marker named by id is
    MethodNotAllowed, or InvalidRequest as a copy source.
    """
    meta = ctx.meta
    if with_inline:
        found = await meta.get_object_with_inline(bucket, key, version_id)
    else:
        record_only = await meta.get_object(bucket, key, version_id)
        found = (record_only, None) if record_only is not None else None
    if found is None:
        await ctx.require_bucket(bucket)
        if version_id is not None:
            raise S3Error("NoSuchVersion", Key=key, VersionId=version_id)
        raise S3Error("NoSuchKey", Key=key)
    record = found[0]
    if record.is_marker:
        headers = dict(version_headers(record))
        if version_id is None:
            raise S3Error("NoSuchKey", Key=key, headers=headers)
        if copy_source:
            raise S3Error(
                "InvalidRequest",
                "The source of a copy request may not specifically refer to a delete marker "
                "by version id.",
            )
        headers["last-modified"] = http_date(record.last_modified)
        raise S3Error(
            "MethodNotAllowed", Method=method, ResourceType="DeleteMarker", headers=headers
        )
    return found


@dataclass
class ObjectReader:
    """An object about to be streamed: its record and the bytes of the requested range."""

    record: ObjectRecord
    start: int
    length: int
    _inline: bytes | None
    _ctx: ServiceContext
    _first_fd: int | None = None

    async def stream(self) -> AsyncIterator[bytes]:
        if self._inline is not None:
            yield self._inline[self.start : self.start + self.length]
            return
        end = self.start + self.length
        offset = 0
        first = True
        for seg in self.record.segments:
            seg_start, seg_end = offset, offset + seg.size
            offset = seg_end
            if seg_end <= self.start or seg_start >= end:
                continue
            lo = max(self.start, seg_start) - seg_start
            hi = min(end, seg_end) - seg_start
            if seg.inline:
                data = await self._ctx.meta.read_inline(seg.blob_id)
                if data is None:
                    raise S3Error("InternalError")
                yield data[lo:hi]
                continue
            if first and self._first_fd is not None:
                fd = self._first_fd
                self._first_fd = None
            else:
                fd = self._ctx.blobs.open(seg.blob_id)
            first = False
            async for chunk in self._ctx.blobs.read_fd(fd, lo, hi - lo):
                yield chunk

    def close(self) -> None:
        """Release a descriptor opened ahead but never streamed (HEAD, errors)."""
        if self._first_fd is not None:
            import os

            os.close(self._first_fd)
            self._first_fd = None


def open_object(
    ctx: ServiceContext, found: tuple[ObjectRecord, bytes | None], byte_range: ByteRange | None
) -> ObjectReader:
    """A reader for a version ``find_object`` returned, its first blob opened now so that a
    later reclaim cannot race the read."""
    record, inline = found
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, record.size)
    reader = ObjectReader(record, start, length, inline, ctx)
    if inline is None:
        offset = 0
        for seg in record.segments:
            if offset + seg.size > start and not seg.inline and length > 0:
                reader._first_fd = ctx.blobs.open(seg.blob_id)
                break
            offset += seg.size
    return reader


async def delete_object(
    ctx: ServiceContext,
    bucket: str,
    key: str,
    version_id: str | None = None,
    *,
    owner_id: str = "",
    if_match_etag: str | None = None,
) -> ObjectRecord | None:
    """Delete as S3 does (see MetaStore.delete_object); the removed version or new marker."""
    try:
        return await ctx.meta.delete_object(
            bucket,
            key,
            version_id,
            owner_id=owner_id,
            now=ctx.clock(),
            if_match_etag=if_match_etag,
        )
    except MetaError as exc:
        raise write_error(exc, bucket=bucket, key=key) from None


def delete_result_headers(
    version_id: str | None, gone: ObjectRecord | None
) -> list[tuple[str, str]]:
    """DeleteObject's response headers: the version removed or the marker created."""
    if gone is None:
        return [("x-amz-version-id", version_id)] if version_id is not None else []
    out = version_headers(gone)
    if version_id == NULL_VERSION and gone.version_id is None:
        out.insert(0, ("x-amz-version-id", NULL_VERSION))
    return out
