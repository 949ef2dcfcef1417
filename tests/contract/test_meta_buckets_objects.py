"""MetaStore contract: buckets, objects and listing, the same on every backend.

Each test runs once per backend in ``conftest.BACKENDS``; see conftest for ``meta_store.run``.
"""

from __future__ import annotations

import random

import pytest
from meta_records import (
    OTHER,
    OWNER,
    bucket_record,
    file_object,
    garbage,
    inline_object,
    keys,
    new_id,
    upload_record,
)

from hydria.meta.store import (
    BucketExists,
    BucketNotEmpty,
    MetaStore,
    NoSuchBucket,
    NoSuchKey,
    ObjectRecord,
    PreconditionFailed,
    Segment,
)

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
        with pytest.raises(NoSuchBucket):
            await store.delete_object("nobucket", "k")

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
        with pytest.raises(NoSuchKey):
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
