"""LocalBlobStore: durable commit layout, abort, chunked writes and reads, id checks, scan, delete."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hydria.blob import localfs
from hydria.blob.localfs import READ_CHUNK, WRITE_BATCH, BlobMissing, LocalBlobStore

MIB = 1024 * 1024


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


async def write_blob(store: LocalBlobStore, chunks: list[bytes]) -> tuple[str, bytes]:
    writer = store.new_writer()
    for chunk in chunks:
        await writer.write(chunk)
    assert writer.size == sum(len(c) for c in chunks)
    return writer.blob_id, await writer.commit()


async def collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


def committed_path(store: LocalBlobStore, blob_id: str) -> Path:
    return Path(store.root) / blob_id[:2] / blob_id[2:4] / blob_id


def test_commit_places_exact_bytes_under_fanout_path_and_returns_md5(
    store: LocalBlobStore,
) -> None:
    data = os.urandom(3 * MIB + 17)
    blob_id, digest = asyncio.run(write_blob(store, [data]))
    assert re.fullmatch(r"[0-9a-f]{32}", blob_id)
    path = committed_path(store, blob_id)
    assert path.read_bytes() == data
    assert digest == hashlib.md5(data).digest()
    assert store.path_for(blob_id) == (str(path.parent), str(path))
    assert os.listdir(store.tmp_dir) == []


def test_commit_of_empty_blob_and_without_md5(store: LocalBlobStore) -> None:
    async def body() -> None:
        blob_id, digest = await write_blob(store, [])
        assert committed_path(store, blob_id).read_bytes() == b""
        assert digest == hashlib.md5(b"").digest()

        writer = store.new_writer(compute_md5=False)
        await writer.write(b"abc")
        assert await writer.commit() == b""
        assert committed_path(store, writer.blob_id).read_bytes() == b"abc"

    asyncio.run(body())


def test_each_writer_gets_a_fresh_id(store: LocalBlobStore) -> None:
    async def body() -> None:
        ids = {(await write_blob(store, [b"x"]))[0] for _ in range(20)}
        assert len(ids) == 20

    asyncio.run(body())


@pytest.mark.parametrize("written", [0, 10, WRITE_BATCH + 10, 3 * WRITE_BATCH])
def test_abort_removes_the_temporary_file(store: LocalBlobStore, written: int) -> None:
    async def body() -> None:
        writer = store.new_writer()
        tmp = Path(store.tmp_dir) / writer.blob_id
        assert tmp.exists()
        if written:
            await writer.write(os.urandom(written))
        await writer.abort()
        assert not tmp.exists()
        assert not committed_path(store, writer.blob_id).exists()

    asyncio.run(body())


def test_many_small_and_large_writes_keep_bytes_in_order(store: LocalBlobStore) -> None:
    rng = random.Random(3)
    chunks: list[bytes] = []
    for _ in range(5000):
        chunks.append(os.urandom(rng.randint(0, 700)))
    chunks += [os.urandom(WRITE_BATCH), os.urandom(1), os.urandom(3 * WRITE_BATCH + 5)]
    chunks += [os.urandom(rng.randint(1, 64)) for _ in range(2000)]
    chunks.append(os.urandom(WRITE_BATCH - 1))
    data = b"".join(chunks)

    blob_id, digest = asyncio.run(write_blob(store, chunks))
    assert committed_path(store, blob_id).read_bytes() == data
    assert digest == hashlib.md5(data).digest()


def test_writes_across_several_early_writeback_ranges_keep_every_byte(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Early writeback (sync_file_range) of each range written must not disturb the bytes."""
    monkeypatch.setattr(localfs, "WRITEBACK_STEP", 2 * MIB)
    ranges: list[tuple[int, int]] = []
    real = localfs.start_writeback

    def recording(fd: int, offset: int, length: int) -> None:
        ranges.append((offset, length))
        real(fd, offset, length)

    monkeypatch.setattr(localfs, "start_writeback", recording)
    rng = random.Random(5)
    total = 2 * localfs.WRITEBACK_STEP + localfs.WRITEBACK_STEP // 3
    chunks: list[bytes] = []
    while sum(len(c) for c in chunks) < total:
        chunks.append(os.urandom(rng.randint(1, 3 * MIB)))
    data = b"".join(chunks)

    blob_id, digest = asyncio.run(write_blob(store, chunks))
    assert committed_path(store, blob_id).read_bytes() == data
    assert digest == hashlib.md5(data).digest()
    # Consecutive ranges from the start, each at least one step, none past the end.
    assert len(ranges) >= 2
    assert [offset for offset, _ in ranges] == [
        sum(n for _, n in ranges[:i]) for i in range(len(ranges))
    ]
    assert all(n >= 2 * MIB for _, n in ranges)
    assert sum(n for _, n in ranges) <= len(data)


def test_reads_of_ranges_across_the_read_chunk_boundary(store: LocalBlobStore) -> None:
    data = os.urandom(2 * READ_CHUNK + READ_CHUNK // 2)
    ranges = [
        (0, len(data)),
        (0, 0),
        (0, 1),
        (READ_CHUNK - 1, 2),
        (READ_CHUNK - 5, READ_CHUNK + 10),
        (READ_CHUNK, READ_CHUNK),
        (READ_CHUNK + 1, READ_CHUNK),
        (2 * READ_CHUNK - 3, 100),
        (len(data) - 1, 1),
        (123, len(data) - 123),
    ]

    async def body() -> None:
        blob_id, _ = await write_blob(store, [data])
        for offset, length in ranges:
            chunks = await collect(store.read(blob_id, offset, length))
            assert all(0 < len(c) <= READ_CHUNK for c in chunks)
            assert b"".join(chunks) == data[offset : offset + length], (offset, length)

    asyncio.run(body())


def test_read_past_the_end_raises_blob_missing(store: LocalBlobStore) -> None:
    async def body() -> None:
        blob_id, _ = await write_blob(store, [b"0123456789"])
        with pytest.raises(BlobMissing):
            await collect(store.read(blob_id, 5, 10))

    asyncio.run(body())


def test_read_of_missing_blob_raises_before_iteration(store: LocalBlobStore) -> None:
    with pytest.raises(BlobMissing):
        store.read("0" * 32, 0, 1)
    with pytest.raises(BlobMissing):
        store.open("f" * 32)


def test_read_closes_its_descriptor_when_done(store: LocalBlobStore) -> None:
    async def body() -> None:
        blob_id, _ = await write_blob(store, [b"abc"])
        fd = store.open(blob_id)
        assert b"".join(await collect(store.read_fd(fd, 0, 3))) == b"abc"
        with pytest.raises(OSError):
            os.fstat(fd)

    asyncio.run(body())


BAD_IDS = [
    "",
    "abc",
    "0" * 31,
    "0" * 33,
    "A" * 32,
    "0123456789ABCDEF0123456789abcdef",
    "g" * 32,
    "../" * 10 + "ab",
    "0" * 16 + "/../../../etc/pa",
    "/" + "0" * 31,
    "0" * 31 + "\x00",
    "0" * 31 + "\n",
    " " + "0" * 31,
    "\uff10" * 32,  # fullwidth digit zero: a digit, not ASCII hex
    "0" * 30 + "..",
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[ascii(b)[:24] for b in BAD_IDS])
def test_path_for_refuses_ids_that_are_not_32_lowercase_hex(
    store: LocalBlobStore, bad: str
) -> None:
    with pytest.raises(BlobMissing):
        store.path_for(bad)
    with pytest.raises(BlobMissing):
        store.open(bad)
    with pytest.raises(BlobMissing):
        store.delete(bad)


def test_delete_with_traversing_id_leaves_files_outside_root_alone(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "a" / "b" / "blobs")
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    for bad in ("../../../victim", "../" * 10 + "ab", str(victim)):
        with pytest.raises(BlobMissing):
            store.delete(bad)
    assert victim.read_bytes() == b"keep me"


def test_scan_finds_files_older_than_cutoff_including_temporary_ones(
    store: LocalBlobStore,
) -> None:
    async def body() -> None:
        old_id, _ = await write_blob(store, [b"old"])
        new_id, _ = await write_blob(store, [b"new"])
        old_tmp = store.new_writer()
        await old_tmp.write(b"partial")
        new_tmp = store.new_writer()
        long_ago = time.time() - 7200
        os.utime(committed_path(store, old_id), (long_ago, long_ago))
        os.utime(Path(store.tmp_dir) / old_tmp.blob_id, (long_ago, long_ago))
        stray = Path(store.root) / "not-a-blob.txt"
        stray.write_bytes(b"x")
        os.utime(stray, (long_ago, long_ago))

        found = set(store.scan(time.time() - 3600))
        assert found == {old_id, old_tmp.blob_id}
        everything = set(store.scan(time.time() + 60))
        assert everything == {old_id, new_id, old_tmp.blob_id, new_tmp.blob_id}
        await old_tmp.abort()
        await new_tmp.abort()
        assert set(store.scan(time.time() + 60)) == {old_id, new_id}

    asyncio.run(body())


def test_delete_removes_committed_and_temporary_files_and_ignores_missing(
    store: LocalBlobStore,
) -> None:
    async def body() -> None:
        blob_id, _ = await write_blob(store, [b"data"])
        store.delete(blob_id)
        assert not committed_path(store, blob_id).exists()
        store.delete(blob_id)  # already gone: no error
        writer = store.new_writer()
        store.delete(writer.blob_id)
        assert not (Path(store.tmp_dir) / writer.blob_id).exists()
        await writer.abort()

    asyncio.run(body())


def test_open_descriptor_still_reads_after_delete(store: LocalBlobStore) -> None:
    data = os.urandom(READ_CHUNK + 1000)

    async def body() -> None:
        blob_id, _ = await write_blob(store, [data])
        fd = store.open(blob_id)
        stream = store.read(blob_id, 10, len(data) - 10)  # opened before the first chunk
        store.delete(blob_id)
        assert not committed_path(store, blob_id).exists()
        with pytest.raises(BlobMissing):
            store.open(blob_id)
        assert b"".join(await collect(store.read_fd(fd, 0, len(data)))) == data
        assert b"".join(await collect(stream)) == data[10:]

    asyncio.run(body())


def test_store_on_existing_root_reads_earlier_blobs(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    first = LocalBlobStore(root)
    blob_id, _ = asyncio.run(write_blob(first, [b"persisted"]))
    second = LocalBlobStore(root)

    async def body() -> bytes:
        return b"".join(await collect(second.read(blob_id, 0, 9)))

    assert asyncio.run(body()) == b"persisted"
