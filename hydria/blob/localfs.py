"""Object bytes as files on a local (or shared POSIX) file system.

Layout: ``<root>/<id[0:2]>/<id[2:4]>/<id>`` for committed blobs and ``<root>/tmp/<id>`` while
one is written. Ids are random; file names never derive from keys, so no key can reach outside
the root. Durability: write to tmp, fsync the file, rename into place, fsync the directory.
Hashing (MD5 for the ETag) and writing run on a worker thread in 1 MiB batches, so they
overlap with receiving the next bytes on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from hydria.blob.writeback import start_writeback
from hydria.errors import HydriaError

WRITE_BATCH = 1024 * 1024
WRITEBACK_STEP = 32 * 1024 * 1024
_IOV_MAX = 1024
READ_CHUNK = 1024 * 1024


class BlobMissing(HydriaError):
    """A blob the metadata references is not on disk."""


_HEX = frozenset("0123456789abcdef")


def is_blob_id(name: str) -> bool:
    """Blob ids are 32 lower-case hex characters (a UUID4's hex form)."""
    return len(name) == 32 and _HEX.issuperset(name)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, chunks: list[bytes]) -> None:
    """Write every chunk with as few system calls as possible (writev, no joining copy)."""
    views = [memoryview(c) for c in chunks if c]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if written:
            views[0] = views[0][written:]


class LocalBlobWriter:
    """Writes one blob; see the module docstring for the durability steps."""

    def __init__(self, store: LocalBlobStore, *, compute_md5: bool = True) -> None:
        self._store = store
        self.blob_id = uuid.uuid4().hex
        self.size = 0
        self._tmp = os.path.join(store.tmp_dir, self.blob_id)
        self._fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._md5 = hashlib.md5() if compute_md5 else None
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._pending: asyncio.Future[None] | None = None
        self._closed = False
        self._written = 0  # bytes on the file (the executor thread's view)
        self._writeback_from = 0  # start of the range not yet handed to writeback

    def _flush_sync(self, chunks: list[bytes], size: int) -> None:
        if self._md5 is not None:
            for chunk in chunks:
                self._md5.update(chunk)
        _write_all(self._fd, chunks)
        self._written += size
        if self._written - self._writeback_from >= WRITEBACK_STEP:
            start_writeback(self._fd, self._writeback_from, self._written - self._writeback_from)
            self._writeback_from = self._written

    async def _flush(self) -> None:
        if self._pending is not None:
            await self._pending
            self._pending = None
        if self._chunks:
            chunks, size = self._chunks, self._buffered
            self._chunks, self._buffered = [], 0
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(None, self._flush_sync, chunks, size)

    async def write(self, data: bytes) -> None:
        """Queue ``data`` (kept by reference, not copied); hashing and writing happen in batches."""
        self.size += len(data)
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered >= WRITE_BATCH:
            await self._flush()

    async def commit(self) -> bytes:
        await self._flush()
        if self._pending is not None:
            await self._pending
            self._pending = None
        final_dir, final = self._store.path_for(self.blob_id)
        await asyncio.get_running_loop().run_in_executor(None, self._commit_sync, final_dir, final)
        return self._md5.digest() if self._md5 is not None else b""

    def _commit_sync(self, final_dir: str, final: str) -> None:
        os.fsync(self._fd)
        os.close(self._fd)
        self._closed = True
        self._store.ensure_dir(final_dir)
        os.rename(self._tmp, final)
        _fsync_dir(final_dir)

    async def abort(self) -> None:
        if self._pending is not None:
            try:
                await self._pending
            except OSError:
                pass
            self._pending = None
        if not self._closed:
            os.close(self._fd)
            self._closed = True
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass


class LocalBlobStore:
    """Blobs under one directory; safe for several processes sharing it."""

    def __init__(self, root: Path) -> None:
        self.root = str(Path(root).resolve())
        self.tmp_dir = os.path.join(self.root, "tmp")
        os.makedirs(self.tmp_dir, exist_ok=True)
        self._known_dirs: set[str] = set()

    def path_for(self, blob_id: str) -> tuple[str, str]:
        if not is_blob_id(blob_id):
            raise BlobMissing(f"invalid blob id {blob_id!r}")
        directory = os.path.join(self.root, blob_id[:2], blob_id[2:4])
        return directory, os.path.join(directory, blob_id)

    def ensure_dir(self, directory: str) -> None:
        if directory in self._known_dirs:
            return
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            _fsync_dir(os.path.dirname(directory))
            _fsync_dir(os.path.dirname(os.path.dirname(directory)))
        self._known_dirs.add(directory)

    def new_writer(self, *, compute_md5: bool = True) -> LocalBlobWriter:
        return LocalBlobWriter(self, compute_md5=compute_md5)

    def open(self, blob_id: str) -> int:
        """Open a blob for reading; the descriptor survives a later reclaim of the file."""
        _, path = self.path_for(blob_id)
        try:
            return os.open(path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise BlobMissing(blob_id) from exc

    async def read_fd(self, fd: int, offset: int, length: int) -> AsyncIterator[bytes]:
        """Stream from an open descriptor and close it at the end."""
        try:
            end = offset + length
            pos = offset
            while pos < end:
                n = min(READ_CHUNK, end - pos)
                data = os.pread(fd, n, pos)
                if not data:
                    raise BlobMissing("blob shorter than recorded")
                pos += len(data)
                yield data
        finally:
            os.close(fd)

    def read(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        return self.read_fd(self.open(blob_id), offset, length)

    def delete(self, blob_id: str) -> None:
        for path in (self.path_for(blob_id)[1], os.path.join(self.tmp_dir, blob_id)):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def scan(self, older_than: float) -> Iterator[str]:
        for dirpath, _dirnames, filenames in os.walk(self.root):
            for name in filenames:
                if not is_blob_id(name):
                    continue  # not ours: foreign files are left alone
                try:
                    if os.stat(os.path.join(dirpath, name)).st_mtime < older_than:
                        yield name
                except FileNotFoundError:
                    continue
