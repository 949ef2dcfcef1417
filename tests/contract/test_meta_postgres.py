"""PostgreSQL only: what the shared contract suite cannot show with one process.

A write waiting for a key's lock applies the bucket's versioning state as it is once the lock
is held, not as it was when the write began.

Another node's write is played by a raw connection that holds the key's advisory lock. While
our write waits for it, versioning is enabled; then the lock is released. The write must see
"Enabled": a delete leaves a delete marker and keeps the object as a noncurrent version, an
overwrite keeps the old object likewise. (Reading the state before the lock, the write would
have treated the bucket as unversioned and destroyed the object.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
import pytest
from backends import BACKENDS
from meta_records import bucket_record, inline_object
from pgcluster import shared_cluster

from hydria.meta.postgres.store import DatabaseNotUtf8, PostgresMetaStore
from hydria.meta.postgres.versions import key_lock_id
from hydria.meta.store import MetaStore


async def _write_across_a_versioning_change(
    store: MetaStore, write: Callable[[MetaStore], Awaitable[object]]
) -> None:
    await store.create_bucket(bucket_record("b"))
    await store.put_object(inline_object("b", "k", b"first", etag="e-first"), b"first")
    async with await psycopg.AsyncConnection.connect(store.dsn, autocommit=True) as other:  # type: ignore[attr-defined]
        async with other.transaction():
            await other.execute("SELECT pg_advisory_xact_lock(%s)", (key_lock_id("b", "k"),))
            pending = asyncio.create_task(write(store))
            await asyncio.sleep(0.3)  # the write is now waiting for the key's lock
            assert not pending.done()
            await store.set_bucket_versioning("b", "Enabled")
        await asyncio.wait_for(pending, 10)
    versions = await store.list_object_versions("b", "", "", None, 10)
    assert [v.etag for v in versions if not v.is_marker][-1] == "e-first", (
        "the object written before versioning was enabled must survive as a noncurrent version"
    )
    assert len(versions) == 2


@pytest.fixture
def pg_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    return BACKENDS["postgresql"](tmp_path, 600.0)


def test_delete_waiting_for_the_key_sees_versioning_enabled_meanwhile(pg_store) -> None:
    async def body() -> None:
        await pg_store.start()
        try:
            await _write_across_a_versioning_change(
                pg_store, lambda s: s.delete_object("b", "k", owner_id="o")
            )
            current = await pg_store.get_object("b", "k")
            assert current is not None and current.is_marker
        finally:
            await pg_store.close()

    asyncio.run(body())


def test_overwrite_waiting_for_the_key_sees_versioning_enabled_meanwhile(pg_store) -> None:
    async def body() -> None:
        await pg_store.start()
        try:
            second = inline_object("b", "k", b"second", etag="e-second")
            await _write_across_a_versioning_change(
                pg_store, lambda s: s.put_object(second, b"second")
            )
            current = await pg_store.get_object("b", "k")
            assert current is not None and current.etag == "e-second"
            assert current.version_id not in (None, "null")
        finally:
            await pg_store.close()

    asyncio.run(body())


def test_reads_survive_connections_the_server_dropped(pg_store) -> None:
    """After a PostgreSQL restart (here: every backend of the store terminated), each pooled
    connection is broken; a read must still answer, on a fresh connection."""

    async def body() -> None:
        await pg_store.start()
        try:
            await pg_store.create_bucket(bucket_record("b"))
            await asyncio.gather(*(pg_store.get_bucket("b") for _ in range(8)))  # fill the pool
            async with await psycopg.AsyncConnection.connect(
                pg_store.dsn, autocommit=True
            ) as admin:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'hydria' AND datname = current_database()"
                )
            for _ in range(10):
                found = await pg_store.get_bucket("b")
                assert found is not None and found.name == "b"
        finally:
            await pg_store.close()

    asyncio.run(body())


def test_a_database_not_in_utf8_is_refused_at_start(tmp_path: Path) -> None:
    cluster = shared_cluster()
    name = f"ascii_{abs(hash(tmp_path)) % 10**9}"
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' TEMPLATE template0 "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    store = PostgresMetaStore(cluster.dsn(name))
    with pytest.raises(DatabaseNotUtf8, match="UTF8"):
        asyncio.run(store.start())
