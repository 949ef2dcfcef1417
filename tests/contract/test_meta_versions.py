"""MetaStore contract: object versions (docs/ARCHITECTURE.md, "Versions").

Written in review of the versioning change: resumes of ListObjectVersions across concurrent
changes, the read connection's explicit transactions, sequence numbers under a stalled clock and
two stores (processes) sharing one database, the null version in suspended buckets, and the
release of removed versions' bytes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from backends import BACKENDS, DEFAULT_GRACE
from meta_records import bucket_record, file_object, garbage, inline_object

from hydria.meta.store import MetaStore, ObjectRecord
from hydria.model.versions import NULL_VERSION

B = "vb"


async def versioned(store: MetaStore, status: str = "Enabled", bucket: str = B) -> None:
    await store.create_bucket(bucket_record(bucket))
    await store.set_bucket_versioning(bucket, status)


async def put_file(store: MetaStore, key: str, etag: str, bucket: str = B) -> ObjectRecord:
    record = file_object(bucket, key, etag=etag)
    await store.put_object(record)
    return record


async def put_inline(store: MetaStore, key: str, data: bytes, bucket: str = B) -> ObjectRecord:
    record = inline_object(bucket, key, data, etag=data.decode())
    await store.put_object(record, data)
    return record


async def all_versions(store: MetaStore, bucket: str = B, prefix: str = "") -> list[tuple]:
    return [
        (r.key, r.etag, r.version_id, r.is_latest, r.is_marker)
        for r in await store.list_object_versions(bucket, prefix, "", None, 1000)
    ]


# Resuming a versions listing -------------------------------------------------------------


def test_resume_after_a_current_version_deleted_by_id_lists_the_promoted_one(meta_store):
    """Page 1 ends at k's current version v3; v3 is then deleted by id, so v2 becomes
    current. v2 existed throughout and sorts after the marker (k, seq of v3): the next page
    must list it. The store reads key_marker's remaining versions only from ``versions``
    (``seq < ?``) and the current rows only for ``key > key_marker``, so the promoted row,
    now in ``objects`` under key_marker itself, is skipped."""

    async def body(store: MetaStore) -> None:
        await versioned(store)
        await put_file(store, "k", "v1")
        await put_file(store, "k", "v2")
        v3 = await put_file(store, "k", "v3")
        await put_file(store, "m", "m1")
        first = await store.list_object_versions(B, "", "", None, 1)
        assert [(r.etag, r.is_latest) for r in first] == [("v3", True)]
        await store.delete_object(B, "k", v3.version_id)
        rest = await store.list_object_versions(B, "", "k", first[0].seq, 10)
        assert [(r.key, r.etag, r.is_latest) for r in rest] == [
            ("k", "v2", True),
            ("k", "v1", False),
            ("m", "m1", True),
        ]

    meta_store.run(body)


def test_resume_after_a_current_marker_deleted_by_id_lists_the_promoted_version(meta_store):
    """The same with a delete marker as the current version that page 1 ended at."""

    async def body(store: MetaStore) -> None:
        await versioned(store)
        await put_file(store, "k", "v1")
        marker = await store.delete_object(B, "k", None, owner_id="o", now=1.0)
        first = await store.list_object_versions(B, "", "", None, 1)
        assert [r.is_marker for r in first] == [True]
        await store.delete_object(B, "k", marker.version_id)
        rest = await store.list_object_versions(B, "", "k", first[0].seq, 10)
        assert [(r.etag, r.is_latest) for r in rest] == [("v1", True)]

    meta_store.run(body)


def test_resume_mid_key_after_a_new_put_lists_older_versions_once(meta_store):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        for n in range(1, 4):
            await put_file(store, "k", f"v{n}")
        first = await store.list_object_versions(B, "", "", None, 2)
        assert [r.etag for r in first] == ["v3", "v2"]
        await put_file(store, "k", "v4")  # newer than the marker: not part of this walk
        rest = await store.list_object_versions(B, "", "k", first[-1].seq, 10)
        assert [(r.etag, r.is_latest) for r in rest] == [("v1", False)]

    meta_store.run(body)


def test_resume_with_key_marker_outside_the_prefix(meta_store):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        for key in ("a", "b/1", "b/2", "c"):
            await put_file(store, key, f"{key}-1")
            await put_file(store, key, f"{key}-2")
        seq_a = (await store.get_object(B, "a")).seq
        # A marker below the prefix (even with a seq) starts at the prefix itself.
        below = await store.list_object_versions(B, "b/", "a", seq_a, 10)
        assert [(r.key, r.etag) for r in below] == [
            ("b/1", "b/1-2"),
            ("b/1", "b/1-1"),
            ("b/2", "b/2-2"),
            ("b/2", "b/2-1"),
        ]
        # A marker above the prefix leaves nothing.
        assert await store.list_object_versions(B, "b/", "c", None, 10) == []
        # Inclusive resume at a key includes all of its versions.
        from_b2 = await store.list_object_versions(B, "b/", "b/2", None, 10, inclusive=True)
        assert [r.etag for r in from_b2] == ["b/2-2", "b/2-1"]
        # Exclusive resume at a key (no seq) skips all of its versions.
        past_b1 = await store.list_object_versions(B, "b/", "b/1", None, 10)
        assert [r.etag for r in past_b1] == ["b/2-2", "b/2-1"]

    meta_store.run(body)


def test_version_seq_of_null_is_found_in_either_table(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record(B))
        null = await put_file(store, "k", "n")
        assert null.version_id is None
        assert await store.version_seq(B, "k", NULL_VERSION) == null.seq
        await store.set_bucket_versioning(B, "Enabled")
        v = await put_file(store, "k", "v")
        assert await store.version_seq(B, "k", NULL_VERSION) == null.seq
        assert await store.version_seq(B, "k", v.version_id) == v.seq
        assert await store.version_seq(B, "other", NULL_VERSION) is None
        # Resuming after the (noncurrent) null version lists what is older than it: nothing.
        assert await store.list_object_versions(B, "", "k", null.seq, 10) == []

    meta_store.run(body)


# The read connection's explicit transactions -----------------------------------------------


class _FailingReader:
    """Wraps the read connection; the first SELECT from ``versions`` raises."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real = real
        self.failed = False

    def execute(self, sql: str, *args):  # type: ignore[no-untyped-def]
        if "FROM versions" in sql and not self.failed:
            self.failed = True
            raise RuntimeError("injected")
        return self.real.execute(sql, *args)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_read_transaction_ends_when_a_versioned_read_raises(backend, tmp_path: Path):
    """An error between BEGIN and COMMIT must not leave the shared read connection inside a
    transaction (it would pin an old WAL snapshot: later reads would miss every write)."""

    async def main() -> None:
        store = BACKENDS[backend](tmp_path, DEFAULT_GRACE)
        await store.start()
        try:
            await versioned(store)
            v1 = await put_file(store, "k", "v1")
            await put_file(store, "k", "v2")
            real = store._reader  # type: ignore[attr-defined]
            for call in (
                lambda: store.get_object(B, "k", v1.version_id),
                lambda: store.list_object_versions(B, "", "", None, 10),
            ):
                store._reader = _FailingReader(real)  # type: ignore[attr-defined]
                with pytest.raises(RuntimeError):
                    await call()
                store._reader = real  # type: ignore[attr-defined]
                assert not real.in_transaction
            await put_file(store, "k", "v3")
            assert (await store.get_object(B, "k")).etag == "v3"
            assert [r.etag for r in await store.list_object_versions(B, "", "", None, 9)] == [
                "v3",
                "v2",
                "v1",
            ]
        finally:
            await store.close()

    asyncio.run(main())


# Sequence numbers --------------------------------------------------------------------------


def test_versions_stay_ordered_when_the_clock_stalls_or_steps_back(meta_store, monkeypatch):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        clock = iter([5_000, 5_000, 4_000, 1])
        monkeypatch.setattr(time, "time_ns", lambda: next(clock))
        made = [await put_file(store, "k", f"v{n}") for n in range(1, 5)]
        monkeypatch.undo()
        assert [r.seq for r in made] == [5_000, 5_001, 5_002, 5_003]
        assert len({r.version_id for r in made}) == 4
        listed = await store.list_object_versions(B, "", "", None, 10)
        assert [r.etag for r in listed] == ["v4", "v3", "v2", "v1"]

    meta_store.run(body)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_two_stores_on_one_database_give_every_put_its_own_version(
    backend, tmp_path: Path, monkeypatch
):
    """Two stores (as two worker processes have) write one key concurrently with a clock
    that never moves: each write reads the current seq inside its own write transaction, so
    no two versions share a seq (a primary-key collision would fail the PUT)."""
    monkeypatch.setattr(time, "time_ns", lambda: 7_000)

    async def main() -> None:
        one = BACKENDS[backend](tmp_path, DEFAULT_GRACE)
        two = BACKENDS[backend](tmp_path, DEFAULT_GRACE)
        await one.start()
        await two.start()
        try:
            await versioned(one)
            await asyncio.gather(
                *(
                    put_file(store, "k", f"{name}{n}")
                    for n in range(40)
                    for store, name in ((one, "a"), (two, "b"))
                )
            )
            listed = await one.list_object_versions(B, "", "", None, 1000)
            assert len(listed) == 80
            assert sorted(r.seq for r in listed) == list(range(7_000, 7_080))
            assert [r.is_latest for r in listed] == [True] + [False] * 79
        finally:
            await one.close()
            await two.close()

    asyncio.run(main())


# Suspended buckets and the null version ----------------------------------------------------


def test_suspended_put_replaces_the_noncurrent_null_version_and_frees_its_bytes(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record(B))
        null = await put_file(store, "k", "null-1")
        await store.set_bucket_versioning(B, "Enabled")
        v = await put_file(store, "k", "v")
        await store.set_bucket_versioning(B, "Suspended")
        new_null = await put_file(store, "k", "null-2")
        assert new_null.version_id == NULL_VERSION
        assert await all_versions(store) == [
            ("k", "null-2", NULL_VERSION, True, False),
            ("k", "v", v.version_id, False, False),
        ]
        assert null.segments[0].blob_id in await garbage(store)
        got = await store.get_object(B, "k", NULL_VERSION)
        assert got.etag == "null-2" and got.is_latest

    meta_store.run(body)


def test_suspended_delete_by_null_id_of_the_current_version_promotes_the_next(meta_store):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        await put_file(store, "k", "v1")
        await store.set_bucket_versioning(B, "Suspended")
        await put_file(store, "k", "null")
        gone = await store.delete_object(B, "k", NULL_VERSION)
        assert gone.etag == "null"
        current = await store.get_object(B, "k")
        assert current.etag == "v1" and current.is_latest
        assert await store.get_object(B, "k", NULL_VERSION) is None
        assert [v[1] for v in await all_versions(store)] == ["v1"]

    meta_store.run(body)


def test_update_extra_of_a_noncurrent_version_under_a_current_marker(meta_store):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        v1 = await put_file(store, "k", "v1")
        marker = await store.delete_object(B, "k", None, owner_id="o", now=2.0)
        assert await store.update_object_extra(B, "k", None, {"tags": [["a", "1"]]}) is None
        assert (
            await store.update_object_extra(B, "k", marker.version_id, {"tags": [["a", "1"]]})
            is None
        )
        updated = await store.update_object_extra(B, "k", v1.version_id, {"tags": [["a", "1"]]})
        assert updated is not None and not updated.is_latest
        assert (await store.get_object(B, "k", v1.version_id)).extra == {"tags": [["a", "1"]]}
        assert (await store.get_object(B, "k")).is_marker

    meta_store.run(body)


# Releasing removed versions' bytes -----------------------------------------------------------


def test_deleting_versions_by_id_releases_their_bytes(meta_store):
    async def body(store: MetaStore) -> None:
        await versioned(store)
        small = await put_inline(store, "k", b"old")
        big = await put_file(store, "k", "file")
        await put_inline(store, "k", b"new")
        small_id = small.segments[0].blob_id
        assert await store.read_inline(small_id) == b"old"
        # A noncurrent lone inline version goes at once (its readers got it with the row).
        await store.delete_object(B, "k", small.version_id)
        assert await store.read_inline(small_id) is None
        assert small_id not in await garbage(store)
        # A noncurrent file version goes to the garbage list after the grace delay.
        await store.delete_object(B, "k", big.version_id)
        assert (await garbage(store))[big.segments[0].blob_id] is False
        found = await store.get_object_with_inline(B, "k")
        assert found is not None and found[1] == b"new"

    meta_store.run(body)


def test_delete_bucket_refused_with_only_a_delete_marker_left(meta_store):
    async def body(store: MetaStore) -> None:
        from hydria.meta.store import BucketNotEmpty

        await versioned(store)
        v = await put_file(store, "k", "v")
        marker = await store.delete_object(B, "k", None, owner_id="o", now=3.0)
        await store.delete_object(B, "k", v.version_id)
        assert [x[4] for x in await all_versions(store)] == [True]
        with pytest.raises(BucketNotEmpty):
            await store.delete_bucket(B)
        await store.delete_object(B, "k", marker.version_id)
        await store.delete_bucket(B)

    meta_store.run(body)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_failing_midway_undoes_all_of_itself(backend, tmp_path: Path):
    """Each write is one SAVEPOINT: a failure after the old current version was copied to
    ``versions`` (and the new inline bytes inserted) must leave both tables as they were,
    and writes queued in the same batch must still land."""

    async def main() -> None:
        store = BACKENDS[backend](tmp_path, DEFAULT_GRACE)
        await store.start()
        try:
            await versioned(store)
            v1 = await put_file(store, "k", "v1")
            real = store._write_current  # type: ignore[attr-defined]

            def failing(c, record):  # type: ignore[no-untyped-def]
                if record.etag == "boom":
                    raise RuntimeError("injected")
                real(c, record)

            store._write_current = failing  # type: ignore[attr-defined]
            bad = inline_object(B, "k", b"boom", etag="boom")
            results = await asyncio.gather(
                store.put_object(bad, b"boom"),
                put_file(store, "other", "o1"),
                return_exceptions=True,
            )
            assert isinstance(results[0], RuntimeError)
            assert isinstance(results[1], ObjectRecord)
            assert await all_versions(store) == [
                ("k", "v1", v1.version_id, True, False),
                ("other", "o1", results[1].version_id, True, False),
            ]
            assert await store.read_inline(bad.segments[0].blob_id) is None
        finally:
            await store.close()

    asyncio.run(main())
