"""MetaStore contract: multipart uploads, reclaim, concurrency and persistence.

Each test runs once per backend in ``conftest.BACKENDS``; see conftest for ``meta_store.run``.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from meta_records import (
    FAR,
    GRACE,
    bucket_record,
    file_object,
    garbage,
    inline_object,
    new_id,
    new_upload,
    object_record,
    part_record,
    upload_record,
)

from hydria.meta.store import (
    MetaStore,
    NoSuchBucket,
    NoSuchUpload,
    PartChanged,
    PreconditionFailed,
    Segment,
)

# Multipart -------------------------------------------------------------------------------


def test_create_upload_then_get_returns_equal_record(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        upload = upload_record("b", "big/file")
        await store.create_upload(upload)
        assert await store.get_upload(upload.upload_id) == upload
        assert await store.get_upload("no-such-upload") is None
        with pytest.raises(NoSuchBucket):
            await store.create_upload(upload_record("ghost", "k"))

    meta_store.run(body)


def test_put_part_and_list_parts_with_after_part_and_limit(meta_store):
    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        parts = {n: part_record(upload.upload_id, n, inline=n == 10) for n in (3, 1, 10, 2, 7)}
        for part in parts.values():
            await store.put_part(part, b"x" * part.size if part.segment.inline else None)
        listed = await store.list_parts(upload.upload_id, 0, 100)
        assert listed == [parts[n] for n in (1, 2, 3, 7, 10)]
        assert [p.part_number for p in await store.list_parts(upload.upload_id, 2, 2)] == [3, 7]
        assert [p.part_number for p in await store.list_parts(upload.upload_id, 7, 100)] == [10]
        assert await store.list_parts(upload.upload_id, 10, 100) == []
        assert await store.list_parts("other", 0, 100) == []
        assert await store.read_inline(parts[10].segment.blob_id) == b"x" * 8

    meta_store.run(body)


def test_put_part_replacing_a_part_sends_old_segment_to_garbage(meta_store):
    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        old_file = part_record(upload.upload_id, 1, etag="old")
        old_inline = part_record(upload.upload_id, 2, inline=True, etag="old")
        await store.put_part(old_file)
        await store.put_part(old_inline, b"12345678")
        new_file = part_record(upload.upload_id, 1, etag="new")
        new_inline = part_record(upload.upload_id, 2, inline=True, etag="new")
        await store.put_part(new_file)
        await store.put_part(new_inline, b"abcdefgh")
        assert await store.list_parts(upload.upload_id, 0, 10) == [new_file, new_inline]
        assert await garbage(store) == {
            old_file.segment.blob_id: False,
            old_inline.segment.blob_id: True,
        }
        assert await store.read_inline(new_inline.segment.blob_id) == b"abcdefgh"

    meta_store.run(body)


def test_put_part_for_missing_upload_raises_no_such_upload(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        stray = part_record("no-such-upload", 1)
        with pytest.raises(NoSuchUpload):
            await store.put_part(stray)
        upload = await new_upload(store)
        await store.abort_upload(upload.upload_id)
        late = part_record(upload.upload_id, 1, inline=True)
        with pytest.raises(NoSuchUpload):
            await store.put_part(late, b"12345678")
        assert await store.known_blobs([stray.segment.blob_id]) == set()
        assert await store.read_inline(late.segment.blob_id) is None
        assert await store.list_parts(upload.upload_id, 0, 10) == []

    meta_store.run(body)


def test_list_uploads_orders_by_key_then_upload_id_with_prefix_markers_and_limit(meta_store):
    specs = [("b/2", "u2"), ("a", "u9"), ("b/1", "u5"), ("a", "u1"), ("c", "u3"), ("a", "u4")]

    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("bk"))
        await store.create_bucket(bucket_record("other"))
        for key, uid in specs:
            await store.create_upload(upload_record("bk", key, uid))
        await store.create_upload(upload_record("other", "a", "u0"))

        async def listed(
            prefix: str = "", key_marker: str = "", id_marker: str = "", limit: int = 100
        ) -> list[tuple[str, str]]:
            rows = await store.list_uploads("bk", prefix, key_marker, id_marker, limit)
            assert all(r.bucket == "bk" for r in rows)
            return [(r.key, r.upload_id) for r in rows]

        everything = [("a", "u1"), ("a", "u4"), ("a", "u9"), ("b/1", "u5"), ("b/2", "u2")]
        everything.append(("c", "u3"))
        assert await listed() == everything
        assert await listed(prefix="b/") == [("b/1", "u5"), ("b/2", "u2")]
        assert await listed(prefix="a") == everything[:3]
        assert await listed(limit=2) == everything[:2]
        # Markers are an exclusive (key, upload id) cursor.
        assert await listed(key_marker="a", id_marker="u4") == everything[2:]
        assert await listed(key_marker="a", id_marker="\U0010ffff") == everything[3:]
        assert await listed(key_marker="b/1", id_marker="u5") == everything[4:]
        assert await listed(prefix="b/", key_marker="a", id_marker="u9") == everything[3:5]
        assert await listed(key_marker="c", id_marker="u3") == []
        got = await store.list_uploads("bk", "c", "", "", 10)
        assert got == [upload_record("bk", "c", "u3")]

    meta_store.run(body)


def test_complete_upload_makes_object_visible_and_releases_unused_parts(meta_store):
    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        parts = [part_record(upload.upload_id, n, size=10) for n in (1, 2, 3)]
        parts.append(part_record(upload.upload_id, 4, size=3, inline=True))
        for part in parts:
            await store.put_part(part, b"abc" if part.segment.inline else None)
        used = [parts[0], parts[2]]
        segments = [p.segment for p in used]
        record = object_record("b", "k", segments, etag="abc-2", part_sizes=[10, 10])
        assert await store.complete_upload(upload.upload_id, record, [1, 3]) is None
        assert await store.get_object("b", "k") == record
        assert await store.get_upload(upload.upload_id) is None
        assert await store.list_parts(upload.upload_id, 0, 10) == []
        assert await store.list_uploads("b", "", "", "", 10) == []
        assert await garbage(store) == {
            parts[1].segment.blob_id: False,
            parts[3].segment.blob_id: True,
        }
        used_ids = [p.segment.blob_id for p in used]
        assert await store.known_blobs(used_ids) == set(used_ids)
        with pytest.raises(NoSuchUpload):
            await store.complete_upload(upload.upload_id, record, [1, 3])

    meta_store.run(body)


def test_complete_upload_replacing_object_returns_it_and_releases_its_bytes(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        old = file_object("b", "k", etag="old")
        await store.put_object(old)
        upload = await new_upload(store)
        part = part_record(upload.upload_id, 1)
        await store.put_part(part)
        record = object_record("b", "k", [part.segment], etag="new-1")
        assert await store.complete_upload(upload.upload_id, record, [1]) == old
        assert await store.get_object("b", "k") == record
        assert await garbage(store) == {old.segments[0].blob_id: False}

    meta_store.run(body)


def test_complete_upload_of_one_inline_part_serves_bytes_inline(meta_store):
    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        part = part_record(upload.upload_id, 1, size=4, inline=True)
        await store.put_part(part, b"tiny")
        record = object_record("b", "k", [part.segment], etag="t-1")
        await store.complete_upload(upload.upload_id, record, [1])
        assert await store.get_object_with_inline("b", "k") == (record, b"tiny")
        assert await garbage(store) == {}

    meta_store.run(body)


def test_complete_upload_with_failed_condition_keeps_upload(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        existing = file_object("b", "k", etag="there")
        await store.put_object(existing)
        upload = await new_upload(store)
        part = part_record(upload.upload_id, 1)
        await store.put_part(part)
        record = object_record("b", "k", [part.segment], etag="new-1")
        with pytest.raises(PreconditionFailed):
            await store.complete_upload(upload.upload_id, record, [1], if_none_match=True)
        with pytest.raises(PreconditionFailed):
            await store.complete_upload(upload.upload_id, record, [1], if_match_etag="nope")
        assert await store.get_object("b", "k") == existing
        assert await store.get_upload(upload.upload_id) == upload
        assert await store.list_parts(upload.upload_id, 0, 10) == [part]
        assert await garbage(store) == {}
        done = await store.complete_upload(upload.upload_id, record, [1], if_match_etag="there")
        assert done == existing
        assert await store.get_object("b", "k") == record

    meta_store.run(body)


def test_complete_or_abort_missing_upload_raises_no_such_upload(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        with pytest.raises(NoSuchUpload):
            await store.complete_upload("nope", file_object("b", "k"), [1])
        with pytest.raises(NoSuchUpload):
            await store.abort_upload("nope")
        assert await store.get_object("b", "k") is None

    meta_store.run(body)


def test_abort_upload_releases_every_part_and_forgets_the_upload(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        upload = upload_record("b", "k")
        keep = upload_record("b", "k")
        await store.create_upload(upload)
        await store.create_upload(keep)
        parts = [part_record(upload.upload_id, 1), part_record(upload.upload_id, 2, inline=True)]
        await store.put_part(parts[0])
        await store.put_part(parts[1], b"inline!!")
        kept = part_record(keep.upload_id, 1)
        await store.put_part(kept)
        await store.abort_upload(upload.upload_id)
        assert await store.get_upload(upload.upload_id) is None
        assert await store.list_parts(upload.upload_id, 0, 10) == []
        assert await store.list_uploads("b", "", "", "", 10) == [keep]
        assert await store.list_parts(keep.upload_id, 0, 10) == [kept]
        assert await garbage(store) == {
            parts[0].segment.blob_id: False,
            parts[1].segment.blob_id: True,
        }
        with pytest.raises(NoSuchUpload):
            await store.abort_upload(upload.upload_id)

    meta_store.run(body)


# Reclaim ---------------------------------------------------------------------------------


def test_overwritten_file_object_blob_is_due_only_after_grace(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        old = file_object("b", "k")
        await store.put_object(old)
        before = time.time()
        await store.put_object(file_object("b", "k"))
        after = time.time()
        old_id = old.segments[0].blob_id
        assert await garbage(store, after) == {}
        assert await garbage(store, before + GRACE - 1) == {}
        assert await store.due_garbage(after + GRACE + 1, 10) == [(old_id, False)]

    meta_store.run(body, grace=GRACE)


def test_released_blob_is_due_at_once_when_grace_is_zero(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        old = file_object("b", "k")
        await store.put_object(old)
        await store.delete_object("b", "k")
        assert await store.due_garbage(time.time(), 10) == [(old.segments[0].blob_id, False)]

    meta_store.run(body, grace=0.0)


def test_deleted_file_object_blob_goes_to_garbage(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        segments = [Segment(new_id(), 10), Segment(new_id(), 5, inline=True)]
        record = object_record("b", "k", segments, etag="m-2", part_sizes=[10, 5])
        await store.put_object(record)
        await store.delete_object("b", "k")
        assert await garbage(store) == {
            record.segments[0].blob_id: False,
            record.segments[1].blob_id: True,
        }

    meta_store.run(body)


def test_forget_garbage_removes_entries_and_inline_bytes(meta_store):
    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        inline_part = part_record(upload.upload_id, 1, inline=True)
        file_part = part_record(upload.upload_id, 2)
        await store.put_part(inline_part, b"12345678")
        await store.put_part(file_part)
        await store.abort_upload(upload.upload_id)
        inline_id, file_id = inline_part.segment.blob_id, file_part.segment.blob_id
        assert await store.read_inline(inline_id) == b"12345678"  # kept through the grace
        assert await store.known_blobs([file_id]) == {file_id}
        await store.forget_garbage([inline_id, file_id, new_id()])
        assert await garbage(store) == {}
        assert await store.read_inline(inline_id) is None
        assert await store.known_blobs([file_id, inline_id]) == set()

    meta_store.run(body)


def test_due_garbage_respects_limit(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        ids = []
        for i in range(5):
            record = file_object("b", f"k{i}")
            ids.append(record.segments[0].blob_id)
            await store.put_object(record)
            await store.delete_object("b", f"k{i}")
        first = await store.due_garbage(FAR, 3)
        assert len(first) == 3
        await store.forget_garbage([b for b, _ in first])
        rest = await store.due_garbage(FAR, 3)
        assert {b for b, _ in first + rest} == set(ids)

    meta_store.run(body)


def test_known_blobs_reports_referenced_and_garbage_ids_only(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        live = file_object("b", "live")
        await store.put_object(live)
        replaced = file_object("b", "replaced")
        await store.put_object(replaced)
        await store.put_object(file_object("b", "replaced"))
        upload = await new_upload(store, "up")
        part = part_record(upload.upload_id, 1)
        await store.put_part(part)
        forgotten = file_object("b", "forgotten")
        await store.put_object(forgotten)
        await store.delete_object("b", "forgotten")
        await store.forget_garbage([forgotten.segments[0].blob_id])

        live_id, garbage_id = live.segments[0].blob_id, replaced.segments[0].blob_id
        part_id, forgotten_id = part.segment.blob_id, forgotten.segments[0].blob_id
        stranger = new_id()
        asked = [live_id, garbage_id, part_id, forgotten_id, stranger]
        assert await store.known_blobs(asked) == {live_id, garbage_id, part_id}
        assert await store.known_blobs([]) == set()

    meta_store.run(body)


def test_inline_object_frees_inline_bytes_at_once_on_overwrite_and_delete(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        first = inline_object("b", "k", b"first")
        await store.put_object(first, b"first")
        second = inline_object("b", "k", b"second")
        assert await store.put_object(second, b"second") == first
        assert await store.read_inline(first.segments[0].blob_id) is None
        assert await store.read_inline(second.segments[0].blob_id) == b"second"
        assert await store.delete_object("b", "k") == second
        assert await store.read_inline(second.segments[0].blob_id) is None
        assert await garbage(store) == {}

    meta_store.run(body)


# Concurrency and persistence -------------------------------------------------------------


def test_concurrent_puts_on_distinct_keys_all_land(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        records = []
        for i in range(200):
            key = f"k{i:03d}"
            if i % 2:
                records.append((file_object("b", key, etag=str(i)), None))
            else:
                data = str(i).encode()
                records.append((inline_object("b", key, data, etag=str(i)), data))
        results = await asyncio.gather(*(store.put_object(r, d) for r, d in records))
        assert results == [None] * 200
        listed = await store.list_objects("b", "", "", 1000)
        assert listed == [r for r, _ in records]
        for record, data in records:
            if data is not None:
                assert await store.get_object_with_inline("b", record.key) == (record, data)

    meta_store.run(body)


def test_concurrent_if_none_match_puts_on_one_key_let_exactly_one_win(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        records = [file_object("b", "race", etag=f"e{i}") for i in range(50)]
        results = await asyncio.gather(
            *(store.put_object(r, if_none_match=True) for r in records), return_exceptions=True
        )
        winners = [records[i] for i, res in enumerate(results) if res is None]
        failures = [res for res in results if isinstance(res, PreconditionFailed)]
        assert len(winners) == 1
        assert len(failures) == 49
        assert await store.get_object("b", "race") == winners[0]
        ids = [r.segments[0].blob_id for r in records]
        assert await store.known_blobs(ids) == {winners[0].segments[0].blob_id}

    meta_store.run(body)


def test_reopened_store_keeps_buckets_objects_uploads_and_garbage(meta_store):
    bucket = bucket_record("b")
    big = file_object("b", "big")
    small = inline_object("b", "small", b"tiny")
    replaced = file_object("b", "big", etag="old")
    upload = upload_record("b", "up")
    part = part_record(upload.upload_id, 1, inline=True, size=4)

    async def write(store: MetaStore) -> None:
        await store.create_bucket(bucket)
        await store.put_object(replaced)
        await store.put_object(big)
        await store.put_object(small, b"tiny")
        await store.create_upload(upload)
        await store.put_part(part, b"part")

    async def check(store: MetaStore) -> None:
        assert await store.get_bucket("b") == bucket
        assert await store.list_objects("b", "", "", 10) == [big, small]
        assert await store.get_object_with_inline("b", "small") == (small, b"tiny")
        assert await store.get_upload(upload.upload_id) == upload
        assert await store.list_parts(upload.upload_id, 0, 10) == [part]
        assert await store.read_inline(part.segment.blob_id) == b"part"
        assert await garbage(store) == {replaced.segments[0].blob_id: False}
        assert await store.known_blobs([big.segments[0].blob_id]) == {big.segments[0].blob_id}

    meta_store.run(write)
    meta_store.run(check)
    meta_store.run(check)  # reading does not change anything either


def test_complete_refuses_a_part_uploaded_again_since_it_was_listed(meta_store):
    """A completion built from a listing must not commit once a listed part was replaced:
    the object would reference bytes already handed to reclaim, and the new ones would leak."""

    async def body(store: MetaStore) -> None:
        upload = await new_upload(store)
        first = part_record(upload.upload_id, 1)
        await store.put_part(first)
        listed = await store.list_parts(upload.upload_id, 0, 100)
        record = file_object("b", "k", etag="mpu-1", size=listed[0].size)
        record.segments = [p.segment for p in listed]
        again = part_record(upload.upload_id, 1)  # a late retry, with new bytes
        await store.put_part(again)
        with pytest.raises(PartChanged) as exc:
            await store.complete_upload(upload.upload_id, record, [1])
        assert exc.value.part_number == 1
        assert await store.get_object("b", "k") is None
        assert await store.get_upload(upload.upload_id) is not None, "nothing changed"
        assert [p.segment for p in await store.list_parts(upload.upload_id, 0, 100)] == [
            again.segment
        ]
        record.segments = [again.segment]
        await store.complete_upload(upload.upload_id, record, [1])
        assert (await store.get_object("b", "k")).segments == [again.segment]
        released = await garbage(store)
        assert first.segment.blob_id in released and again.segment.blob_id not in released

    meta_store.run(body)
