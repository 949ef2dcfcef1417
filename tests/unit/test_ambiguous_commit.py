"""A failure after the metadata commit must not delete the committed object's bytes.

A connection lost between COMMIT and its answer (PostgreSQL), or a task cancelled while the
group commit goes ahead (SQLite), reaches the service as an error although the object is
visible. Only a refusal by the store (a MetaError) proves nothing changed; any other failure
must leave the blob file for the orphan scan to judge.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hydria.blob.localfs import LocalBlobStore
from hydria.config import Settings
from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.meta.store import BucketRecord
from hydria.service.context import ServiceContext
from hydria.service.multipart import create_upload, upload_part
from hydria.service.objects import put_object


class CommitsThenFails:
    """The real store, whose writes commit and then report a lost connection."""

    def __init__(self, inner: SqliteMetaStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def put_object(self, *args: Any, **kwargs: Any) -> Any:
        await self.inner.put_object(*args, **kwargs)
        raise ConnectionError("connection lost after COMMIT")

    async def put_part(self, *args: Any, **kwargs: Any) -> Any:
        await self.inner.put_part(*args, **kwargs)
        raise ConnectionError("connection lost after COMMIT")


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_bytes_of_a_committed_write_survive_an_error_after_the_commit(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    data = os.urandom(200 * 1024)  # above the inline threshold: a blob file

    async def main() -> None:
        store = SqliteMetaStore(settings.meta_path)
        await store.start()
        try:
            ctx = ServiceContext(
                settings=settings,
                meta=CommitsThenFails(store),
                blobs=LocalBlobStore(settings.blob_dir),
            )
            await store.create_bucket(BucketRecord("bkt", "owner", 0.0, "us-east-1"))
            with pytest.raises(ConnectionError):
                await put_object(
                    ctx,
                    "bkt",
                    "key",
                    body(data),
                    declared_size=len(data),
                    owner_id="owner",
                    headers={},
                    storage_class="STANDARD",
                )
            record = await store.get_object("bkt", "key")
            assert record is not None, "the write committed"
            chunks = [c async for c in ctx.blobs.read(record.segments[0].blob_id, 0, len(data))]
            assert b"".join(chunks) == data

            upload = await create_upload(
                ctx, "bkt", "mpu", owner_id="owner", headers={}, storage_class="STANDARD"
            )
            with pytest.raises(ConnectionError):
                await upload_part(ctx, upload, 1, body(data), declared_size=len(data))
            (part,) = await store.list_parts(upload.upload_id, 0, 10)
            chunks = [c async for c in ctx.blobs.read(part.segment.blob_id, 0, len(data))]
            assert b"".join(chunks) == data
        finally:
            await store.close()

    asyncio.run(main())
