"""Checkpointer: committed WAL pages reach the database file without the writer checkpointing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

from hydria.meta.sqlite.checkpointer import Checkpointer
from hydria.meta.sqlite.store import SqliteMetaStore, connect
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


def test_store_writes_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "meta.sqlite3"

    async def scenario() -> None:
        store = SqliteMetaStore(path)
        await store.start()
        try:
            await store.create_bucket(BucketRecord("b", "owner", time.time(), "us-east-1"))
            data = os.urandom(64 * 1024)
            for i in range(32):
                record = ObjectRecord(
                    bucket="b",
                    key=f"k{i}",
                    size=len(data),
                    etag="0" * 32,
                    last_modified=time.time(),
                    owner_id="owner",
                    segments=[Segment(ordered_id(), len(data), inline=True)],
                )
                await store.put_object(record, data)
            # 2 MiB of inline bytes, far below the writer's own checkpoint threshold.
            assert await asyncio.to_thread(_wait_for, lambda: os.path.getsize(path) >= 2 * BLOB)
        finally:
            await store.close()

    asyncio.run(scenario())
