"""The blob store interface: object bytes, addressed by ids Hydria generates (never by keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol


class BlobWriter(Protocol):
    """An in-progress blob: bytes go to a temporary place until ``commit`` makes them durable."""

    blob_id: str
    size: int

    async def write(self, data: bytes) -> None: ...

    async def commit(self) -> bytes:
        """Make the bytes durable under ``blob_id``; return their MD5 digest."""

    async def abort(self) -> None: ...


class BlobStore(Protocol):
    def new_writer(self) -> BlobWriter: ...

    def read(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        """Stream ``length`` bytes from ``offset``; the blob is opened before the first yield."""

    def delete(self, blob_id: str) -> None: ...

    def scan(self, older_than: float) -> Iterator[str]:
        """Blob ids (temporary ones included) last modified before ``older_than``."""
