"""Checkpointer: committed WAL pages reach the database file without the writer checkpointing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

from hydria.meta.sqlite.checkpointer import Checkpointer
from hydria.meta.sqlite.connection import connect, connect_writer
from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.meta.store import BucketRecord, ObjectRecord, Segment
from hydria.util.ids import ordered_id

WAIT = 10.0
BLOB = 1024 * 1024


def _wait_for(predicate, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _writer(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    conn.execute("PRAGMA wal_autocheckpoint=0")  # only the checkpointer copies pages back
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, data BLOB)")
    return conn


def test_committed_pages_reach_the_database_file_after_notify(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    writer.execute("INSERT INTO t (data) VALUES (zeroblob(?))", (BLOB,))
    before = os.path.getsize(path)
    assert before < BLOB, "with automatic checkpoints off the bytes stay in the WAL"
    checkpointer = Checkpointer(lambda: connect(path), interval=0.01)
    checkpointer.start()
    try:
        checkpointer.notify()
        assert _wait_for(lambda: os.path.getsize(path) >= BLOB)
    finally:
        checkpointer.stop()
        writer.close()


def test_no_checkpoint_without_a_commit_notice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = _writer(path)
    checkpointer = Checkpointer(lambda: connect(path), interval=0.01)
    checkpointer.start()
    try:
        writer.execute("INSERT INTO t (data) VALUES (zeroblob(?))", (BLOB,))
        time.sleep(0.3)
        assert os.path.getsize(path) < BLOB
    finally:
        checkpointer.stop()
        writer.close()


def test_stop_returns_promptly_while_idle(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    _writer(path).close()
    checkpointer = Checkpointer(lambda: connect(path), interval=60.0)
    checkpointer.start()
    checkpointer.notify()
    time.sleep(0.1)
    started = time.monotonic()
    checkpointer.stop()
    assert time.monotonic() - started < WAIT / 2


def _record(key: str, size: int) -> ObjectRecord:
    return ObjectRecord(
        bucket="b",
        key=key,
        size=size,
        etag="0" * 32,
        last_modified=time.time(),
        owner_id="owner",
        segments=[Segment(ordered_id(), size, inline=True)],
    )


def test_writer_connection_cycles_the_wal_at_the_given_size(tmp_path: Path) -> None:
    conn = connect_writer(tmp_path / "db.sqlite3", 123)
    try:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 123
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        assert conn.execute("PRAGMA journal_size_limit").fetchone()[0] == 123 * page_size
    finally:
        conn.close()


def _wal_generation(wal: Path) -> int | None:
    """The WAL header's checkpoint sequence number: it goes up each time the WAL starts over."""
    try:
        with open(wal, "rb") as fh:
            header = fh.read(16)
    except FileNotFoundError:
        return None
    return int.from_bytes(header[12:16], "big") if len(header) == 16 else None


def test_wal_cycles_under_sustained_writes(tmp_path: Path) -> None:
    """The background checkpoint alone never lets the WAL restart while writes keep coming; the
    writer's own checkpoint at ``wal_cycle_pages`` makes it start over, again and again."""
    path = tmp_path / "meta.sqlite3"
    wal = Path(f"{path}-wal")
    cycle_pages, data = 64, os.urandom(16 * 1024)

    async def scenario() -> tuple[int, set[int]]:
        store = SqliteMetaStore(path, max_batch=8, wal_cycle_pages=cycle_pages)
        await store.start()
        largest, generations = 0, set()
        try:
            await store.create_bucket(BucketRecord("b", "owner", time.time(), "us-east-1"))

            async def client(n: int) -> None:
                for i in range(40):
                    await store.put_object(_record(f"k{n}-{i}", len(data)), data)

            writers = asyncio.gather(*(client(n) for n in range(16)))
            while not writers.done():
                largest = max(largest, wal.stat().st_size if wal.exists() else 0)
                if (generation := _wal_generation(wal)) is not None:
                    generations.add(generation)
                await asyncio.sleep(0.005)
            await writers
        finally:
            await store.close()
        return largest, generations

    largest, generations = asyncio.run(scenario())
    written = 16 * 40 * len(data)
    # Dozens of cycles of 64 pages at best. The WAL starts over at the first write that finds
    # every frame copied; the writer's checkpoint (PASSIVE) does nothing while the background
    # one holds the checkpoint lock, and when that thread is descheduled the WAL goes on
    # growing for a while (several cycles on a loaded machine): so no tighter bound on its size
    # than a fraction of what was written, which a WAL that never started over would exceed.
    assert generations and max(generations) - min(generations) >= 2, generations
    assert largest < written / 2


def test_store_writes_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "meta.sqlite3"

    async def scenario() -> None:
        store = SqliteMetaStore(path)
        await store.start()
        try:
            await store.create_bucket(BucketRecord("b", "owner", time.time(), "us-east-1"))
            data = os.urandom(64 * 1024)
            for i in range(32):
                await store.put_object(_record(f"k{i}", len(data)), data)
            # 2 MiB of inline bytes, far below the writer's own checkpoint threshold.
            assert await asyncio.to_thread(_wait_for, lambda: os.path.getsize(path) >= 2 * BLOB)
        finally:
            await store.close()

    asyncio.run(scenario())
