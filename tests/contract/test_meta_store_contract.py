"""The behaviour every MetaStore backend shares: buckets, objects, listing, multipart, reclaim.

Each test runs once per backend in ``conftest.BACKENDS``; see conftest for ``meta_store.run``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import pytest

from hydria.meta.store import (
    BucketExists,
    BucketNotEmpty,
    BucketRecord,
    MetaStore,
    NoSuchBucket,
    NoSuchUpload,
    ObjectRecord,
    PartRecord,
    PreconditionFailed,
    Segment,
    UploadRecord,
)

OWNER = "owner-1"
OTHER = "owner-2"
GRACE = 600.0
FAR = 10**12
"""A time after every grace delay: due_garbage(FAR) lists all garbage."""


def new_id() -> str:
    return uuid.uuid4().hex


def bucket_record(name: str, owner: str = OWNER) -> BucketRecord:
    return BucketRecord(name=name, owner_id=owner, created_at=1_700_000_000.5, region="us-east-1")


def object_record(
    bucket: str, key: str, segments: list[Segment], *, etag: str = "e1", **fields: object
) -> ObjectRecord:
    size = sum(seg.size for seg in segments)
    return ObjectRecord(
        bucket, key, size, etag, 1_700_000_100.25, OWNER, segments=segments, **fields
    )


def file_object(bucket: str, key: str, *, etag: str = "e1", size: int = 5) -> ObjectRecord:
    return object_record(bucket, key, [Segment(new_id(), size)], etag=etag)


def inline_object(bucket: str, key: str, data: bytes, *, etag: str = "e1") -> ObjectRecord:
    return object_record(bucket, key, [Segment(new_id(), len(data), inline=True)], etag=etag)


def upload_record(bucket: str, key: str, upload_id: str | None = None) -> UploadRecord:
    return UploadRecord(
        upload_id=upload_id or new_id(),
        bucket=bucket,
        key=key,
        initiated=1_700_000_200.75,
        owner_id=OWNER,
        storage_class="STANDARD_IA",
        headers={"content-type": "video/mp4", "x-amz-meta-a": "1"},
        extra={"checksum": "CRC32"},
    )


def part_record(
    upload_id: str, number: int, *, size: int = 8, inline: bool = False, etag: str = ""
) -> PartRecord:
    return PartRecord(
        upload_id=upload_id,
        part_number=number,
        size=size,
        etag=etag or f"p{number}",
        last_modified=1_700_000_300.5,
        segment=Segment(new_id(), size, inline),
        extra={"n": number},
    )


async def new_upload(store: MetaStore, key: str = "k", bucket: str = "b") -> UploadRecord:
    """Create the bucket (when missing) and an upload in it."""
    if await store.get_bucket(bucket) is None:
        await store.create_bucket(bucket_record(bucket))
    upload = upload_record(bucket, key)
    await store.create_upload(upload)
    return upload


async def garbage(store: MetaStore, now: float = FAR) -> dict[str, bool]:
    """Blob id -> is inline, for garbage due at ``now``."""
    return dict(await store.due_garbage(now, 100_000))


async def keys(store: MetaStore, bucket: str, prefix: str = "", start_after: str = "") -> list[str]:
    return [r.key for r in await store.list_objects(bucket, prefix, start_after, 1000)]


# Buckets ---------------------------------------------------------------------------------


def test_create_bucket_then_get_returns_equal_record(meta_store):
    async def body(store: MetaStore) -> None:
        record = bucket_record("alpha")
        await store.create_bucket(record)
        assert await store.get_bucket("alpha") == record
        assert await store.get_bucket("beta") is None

    meta_store.run(body)


def test_create_bucket_taken_raises_bucket_exists_with_current_owner(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("alpha", OWNER))
        with pytest.raises(BucketExists) as other:
            await store.create_bucket(bucket_record("alpha", OTHER))
        assert other.value.owner_id == OWNER
        with pytest.raises(BucketExists) as same:
            await store.create_bucket(bucket_record("alpha", OWNER))
        assert same.value.owner_id == OWNER
        assert (await store.get_bucket("alpha")).owner_id == OWNER

    meta_store.run(body)


def test_list_buckets_orders_by_name_with_prefix_start_after_and_limit(meta_store):
    names = ["b-2", "a-1", "b-10", "c", "b-1", "b", "ba"]

    async def body(store: MetaStore) -> None:
        for name in names:
            await store.create_bucket(bucket_record(name))

        async def listed(prefix: str = "", start_after: str = "", limit: int = 100) -> list[str]:
            rows = await store.list_buckets(None, prefix, start_after, limit)
            return [r.name for r in rows]

        assert await listed() == sorted(names)
        assert await listed(prefix="b-") == ["b-1", "b-10", "b-2"]
        assert await listed(prefix="b") == ["b", "b-1", "b-10", "b-2", "ba"]
        assert await listed(start_after="b-10") == ["b-2", "ba", "c"]
        assert await listed(prefix="b-", start_after="b-1") == ["b-10", "b-2"]
        assert await listed(limit=2) == ["a-1", "b"]
        assert await listed(prefix="zz") == []
        rows = await store.list_buckets(None, "c", "", 10)
        assert rows == [bucket_record("c")]

    meta_store.run(body)


def test_list_buckets_filters_by_owner_or_lists_all_when_owner_is_none(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("a", OWNER))
        await store.create_bucket(bucket_record("b", OTHER))
        await store.create_bucket(bucket_record("c", OWNER))
        mine = await store.list_buckets(OWNER, "", "", 100)
        assert [r.name for r in mine] == ["a", "c"]
        theirs = await store.list_buckets(OTHER, "", "", 100)
        assert [r.name for r in theirs] == ["b"]
        assert await store.list_buckets("nobody", "", "", 100) == []
        assert [r.name for r in await store.list_buckets(None, "", "", 100)] == ["a", "b", "c"]
        assert [r.name for r in await store.list_buckets(OWNER, "", "a", 1)] == ["c"]

    meta_store.run(body)


def test_delete_bucket_removes_it_and_frees_the_name(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("alpha", OWNER))
        await store.delete_bucket("alpha")
        assert await store.get_bucket("alpha") is None
        assert await store.list_buckets(None, "", "", 10) == []
        await store.create_bucket(bucket_record("alpha", OTHER))
        assert (await store.get_bucket("alpha")).owner_id == OTHER

    meta_store.run(body)


def test_delete_bucket_missing_raises_no_such_bucket(meta_store):
    async def body(store: MetaStore) -> None:
        with pytest.raises(NoSuchBucket):
            await store.delete_bucket("ghost")

    meta_store.run(body)


def test_delete_bucket_with_object_raises_bucket_not_empty(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("alpha"))
        await store.put_object(file_object("alpha", "k"))
        with pytest.raises(BucketNotEmpty):
            await store.delete_bucket("alpha")
        assert await store.get_bucket("alpha") is not None
        await store.delete_object("alpha", "k")
        await store.delete_bucket("alpha")
        assert await store.get_bucket("alpha") is None

    meta_store.run(body)


def test_delete_bucket_with_upload_in_progress_raises_bucket_not_empty(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("alpha"))
        upload = upload_record("alpha", "k")
        await store.create_upload(upload)
        with pytest.raises(BucketNotEmpty):
            await store.delete_bucket("alpha")
        assert await store.get_bucket("alpha") is not None
        await store.abort_upload(upload.upload_id)
        await store.delete_bucket("alpha")
        assert await store.get_bucket("alpha") is None

    meta_store.run(body)


# Objects ---------------------------------------------------------------------------------


def test_put_object_then_get_returns_equal_record_with_every_field(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        record = ObjectRecord(
            bucket="b",
            key="dir/naïve ☃.txt",
            size=30,
            etag="0123456789abcdef0123456789abcdef-2",
            last_modified=1_700_000_123.456,
            owner_id=OWNER,
            storage_class="GLACIER",
            headers={"content-type": "text/plain", "x-amz-meta-ünï": "välue"},
            segments=[Segment(new_id(), 20), Segment(new_id(), 10, inline=True)],
            part_sizes=[20, 10],
            extra={"tags": {"a": "b"}, "n": 3, "flag": True},
        )
        assert await store.put_object(record) is None
        assert await store.get_object("b", record.key) == record
        assert await store.get_object("b", "other") is None

    meta_store.run(body)


def test_put_object_replacing_returns_old_record(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        first = file_object("b", "k", etag="one")
        second = file_object("b", "k", etag="two")
        assert await store.put_object(first) is None
        assert await store.put_object(second) == first
        assert await store.get_object("b", "k") == second

    meta_store.run(body)


def test_objects_with_same_key_in_two_buckets_are_independent(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b1"))
        await store.create_bucket(bucket_record("b2"))
        one, two = file_object("b1", "k", etag="one"), file_object("b2", "k", etag="two")
        await store.put_object(one)
        assert await store.put_object(two) is None
        assert await store.get_object("b1", "k") == one
        assert await store.delete_object("b2", "k") == two
        assert await store.get_object("b1", "k") == one
        assert await keys(store, "b2") == []

    meta_store.run(body)


def test_get_object_with_inline_returns_inline_bytes_with_the_record(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        small = inline_object("b", "small", b"hello")
        await store.put_object(small, b"hello")
        assert await store.get_object_with_inline("b", "small") == (small, b"hello")
        assert await store.read_inline(small.segments[0].blob_id) == b"hello"

        newer = inline_object("b", "small", b"world!", etag="e2")
        await store.put_object(newer, b"world!")
        assert await store.get_object_with_inline("b", "small") == (newer, b"world!")

        empty = inline_object("b", "empty", b"")
        await store.put_object(empty, b"")
        assert await store.get_object_with_inline("b", "empty") == (empty, b"")

    meta_store.run(body)


def test_get_object_with_inline_returns_none_bytes_for_file_object_and_none_when_missing(
    meta_store,
):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        big = file_object("b", "big")
        await store.put_object(big)
        assert await store.get_object_with_inline("b", "big") == (big, None)
        assert await store.get_object_with_inline("b", "missing") is None
        assert await store.get_object_with_inline("nobucket", "big") is None

    meta_store.run(body)


def test_delete_object_returns_old_record_then_none_when_missing(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        record = file_object("b", "k")
        await store.put_object(record)
        assert await store.delete_object("b", "k") == record
        assert await store.get_object("b", "k") is None
        assert await store.delete_object("b", "k") is None
        assert await store.delete_object("nobucket", "k") is None

    meta_store.run(body)


def test_put_object_into_missing_or_deleted_bucket_raises_no_such_bucket(meta_store):
    async def body(store: MetaStore) -> None:
        orphan = file_object("never", "k")
        with pytest.raises(NoSuchBucket):
            await store.put_object(orphan)
        await store.create_bucket(bucket_record("gone"))
        await store.delete_bucket("gone")
        late = inline_object("gone", "k", b"abc")
        with pytest.raises(NoSuchBucket):
            await store.put_object(late, b"abc")
        assert await store.get_object("gone", "k") is None
        assert await store.known_blobs([orphan.segments[0].blob_id]) == set()
        assert await store.read_inline(late.segments[0].blob_id) is None

    meta_store.run(body)


def test_put_object_if_none_match_fails_when_key_exists(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        first = file_object("b", "k", etag="one")
        assert await store.put_object(first, if_none_match=True) is None
        loser = inline_object("b", "k", b"xyz", etag="two")
        with pytest.raises(PreconditionFailed):
            await store.put_object(loser, b"xyz", if_none_match=True)
        assert await store.get_object("b", "k") == first
        assert await store.read_inline(loser.segments[0].blob_id) is None
        assert await garbage(store) == {}

    meta_store.run(body)


def test_put_object_if_match_etag_replaces_only_when_etag_matches(meta_store):
    async def body(store: MetaStore) -> None:
        await store.create_bucket(bucket_record("b"))
        missing = file_object("b", "k", etag="zero")
        with pytest.raises(PreconditionFailed):
            await store.put_object(missing, if_match_etag="anything")
        assert await store.get_object("b", "k") is None
        assert await store.known_blobs([missing.segments[0].blob_id]) == set()

        first = file_object("b", "k", etag="one")
        await store.put_object(first)
        wrong = file_object("b", "k", etag="two")
        with pytest.raises(PreconditionFailed):
            await store.put_object(wrong, if_match_etag="not-one")
        assert await store.get_object("b", "k") == first
        assert await store.known_blobs([wrong.segments[0].blob_id]) == set()

        right = file_object("b", "k", etag="three")
        assert await store.put_object(right, if_match_etag="one") == first
        assert await store.get_object("b", "k") == right

    meta_store.run(body)


# Listing ---------------------------------------------------------------------------------

ORDER_KEYS = (
    "a A b B Z a/ a. a/b a.b a\x01 a- ab e é f z ~ 日本 \ufb01 \uffff 😀 😀/1 😁 \U0010ffff".split()
)


def utf8_sorted(values: list[str]) -> list[str]:
    return sorted(values, key=lambda k: k.encode("utf-8"))


async def fill(store: MetaStore, bucket: str, names: list[str]) -> None:
    await store.create_bucket(bucket_record(bucket))
    shuffled = list(names)
    random.Random(7).shuffle(shuffled)
    for key in shuffled:
        await store.put_object(file_object(bucket, key))


def test_list_objects_orders_keys_by_utf8_bytes(meta_store):
    async def body(store: MetaStore) -> None:
        await fill(store, "b", ORDER_KEYS)
        listed = await keys(store, "b")
        assert listed == utf8_sorted(ORDER_KEYS)
        # Spot checks that make the rule visible.
        assert listed.index("B") < listed.index("a")
        assert listed.index("a\x01") < listed.index("a-") < listed.index("a.") < listed.index("a/")
        assert listed.index("z") < listed.index("é") < listed.index("\ufb01")
        assert listed.index("\uffff") < listed.index("😀")  # UTF-16 order would differ
        records = await store.list_objects("b", "", "", 1000)
        assert all(r.bucket == "b" for r in records)

    meta_store.run(body)


def test_list_objects_prefix_bounds_the_range(meta_store):
    async def body(store: MetaStore) -> None:
        await fill(store, "b", ORDER_KEYS)
        assert await keys(store, "b", "a") == utf8_sorted(
            ["a", "a/", "a.", "a/b", "a.b", "a\x01", "a-", "ab"]
        )
        assert await keys(store, "b", "a/") == ["a/", "a/b"]
        assert await keys(store, "b", "A") == ["A"]
        assert await keys(store, "b", "😀") == ["😀", "😀/1"]
        assert await keys(store, "b", "\U0010ffff") == ["\U0010ffff"]
        assert await keys(store, "b", "é") == ["é"]
        assert await keys(store, "b", "q") == []

    meta_store.run(body)


def test_list_objects_prefix_ending_in_highest_code_points(meta_store):
    names = ["a\U0010ffff", "a\U0010ffffz", "b", "\ud7ffx", "\ue000"]

    async def body(store: MetaStore) -> None:
        await fill(store, "b", names)
        assert await keys(store, "b", "a\U0010ffff") == ["a\U0010ffff", "a\U0010ffffz"]
        assert await keys(store, "b", "\ud7ff") == ["\ud7ffx"]

    meta_store.run(body)


def test_list_objects_start_after_is_exclusive_and_inclusive_flag_includes_it(meta_store):
    async def body(store: MetaStore) -> None:
        await fill(store, "b", ORDER_KEYS)
        ordered = utf8_sorted(ORDER_KEYS)
        for i, marker in enumerate(ordered):
            assert await keys(store, "b", "", marker) == ordered[i + 1 :]
            rows = await store.list_objects("b", "", marker, 1000, inclusive=True)
            assert [r.key for r in rows] == ordered[i:]
        # A marker that is not a key sits between its neighbours.
        assert await keys(store, "b", "", "a0") == ordered[ordered.index("ab") :]
        rows = await store.list_objects("b", "", "a0", 1000, inclusive=True)
        assert [r.key for r in rows] == ordered[ordered.index("ab") :]

    meta_store.run(body)


def test_list_objects_combines_prefix_with_start_after(meta_store):
    async def body(store: MetaStore) -> None:
        await fill(store, "b", ORDER_KEYS)
        in_a = utf8_sorted(["a", "a/", "a.", "a/b", "a.b", "a\x01", "a-", "ab"])
        assert await keys(store, "b", "a", "A") == in_a  # marker before the prefix
        rows = await store.list_objects("b", "a", "A", 1000, inclusive=True)
        assert [r.key for r in rows] == in_a
        assert await keys(store, "b", "a", "a.") == in_a[in_a.index("a.") + 1 :]
        rows = await store.list_objects("b", "a", "a.", 1000, inclusive=True)
        assert [r.key for r in rows] == in_a[in_a.index("a.") :]
        assert await keys(store, "b", "a", "b") == []  # marker past the prefix

    meta_store.run(body)


def test_list_objects_limit_pages_through_every_key(meta_store):
    async def body(store: MetaStore) -> None:
        await fill(store, "b", ORDER_KEYS)
        assert await store.list_objects("b", "", "", 0) == []
        seen: list[str] = []
        marker = ""
        while True:
            page = await store.list_objects("b", "", marker, 5)
            assert len(page) <= 5
            if not page:
                break
            seen += [r.key for r in page]
            marker = page[-1].key
        assert seen == utf8_sorted(ORDER_KEYS)
        assert await keys(store, "empty-or-missing") == []

    meta_store.run(body)


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
