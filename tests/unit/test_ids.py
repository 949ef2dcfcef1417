"""Time-ordered ids: unique, fixed-width hex, and increasing within a process."""

from hydria.blob.localfs import is_blob_id
from hydria.util.ids import ordered_id


def test_ordered_ids_are_unique_hex_and_increase() -> None:
    ids = [ordered_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(is_blob_id(i) for i in ids)
    assert ids == sorted(ids)
