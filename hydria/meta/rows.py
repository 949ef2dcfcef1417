"""How records map to table rows in every backend: column lists, JSON columns, row -> record
conversions. The SQLite and PostgreSQL schemas have the same tables and columns.

``objects`` and ``versions`` share one row shape (``ROW_COLUMNS``), so a version moves between
them with ``INSERT ... SELECT``. Version ids: see ``hydria.model.versions``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hydria.meta.store import ObjectRecord, PartRecord, Segment, UploadRecord
from hydria.model.versions import NULL_VERSION, new_version_id, version_seq

VERSION_COLUMNS = "version_id, seq, is_marker"
SUMMARY_COLUMNS = (
    f"bucket, key, size, etag, last_modified, owner_id, storage_class, extra, {VERSION_COLUMNS}"
)
OBJECT_COLUMNS = (
    "bucket, key, size, etag, last_modified, owner_id, storage_class, headers, segments, "
    f"part_sizes, extra, {VERSION_COLUMNS}"
)
ROW_COLUMNS = (
    "bucket, key, size, etag, last_modified, owner_id, storage_class, headers, segments, "
    f"inline_blob, part_sizes, extra, {VERSION_COLUMNS}"
)
"""Every stored column: what moves between ``objects`` and ``versions``."""

NULL_VERSION_SQL = "(version_id IS NULL OR version_id = 'null')"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _segment_fields(seg: Segment) -> list[object]:
    return [seg.blob_id, seg.size, 1 if seg.inline else 0]


def segments_to_json(segments: list[Segment]) -> str:
    return dumps([_segment_fields(s) for s in segments])


def segments_from_json(text: str) -> list[Segment]:
    return [Segment(b, n, bool(i)) for b, n, i in json.loads(text)]


def segment_to_json(seg: Segment) -> str:
    """One segment (a part's ``segment`` column): ``[blob_id, size, inline]``."""
    return dumps(_segment_fields(seg))


def segment_from_json(text: str) -> Segment:
    blob_id, size, inline = json.loads(text)
    return Segment(blob_id, size, bool(inline))


def object_from_row(row: tuple[Any, ...], is_latest: bool = True) -> ObjectRecord:
    # The first seven columns are ObjectRecord's first seven fields, in order.
    return ObjectRecord(
        *row[:7],
        headers=json.loads(row[7]),
        segments=segments_from_json(row[8]),
        part_sizes=json.loads(row[9]) if row[9] else None,
        extra=json.loads(row[10]) if row[10] != "{}" else {},
        version_id=row[11],
        seq=row[12],
        is_marker=bool(row[13]),
        is_latest=is_latest,
    )


def summary_from_row(row: tuple[Any, ...], is_latest: bool = True) -> ObjectRecord:
    return ObjectRecord(
        *row[:7],
        extra=json.loads(row[7]) if row[7] != "{}" else {},
        version_id=row[8],
        seq=row[9],
        is_marker=bool(row[10]),
        is_latest=is_latest,
    )


def row_values(record: ObjectRecord) -> tuple[object, ...]:
    """``record`` as the 15 values of ``ROW_COLUMNS``."""
    inline_blob = (
        record.segments[0].blob_id
        if len(record.segments) == 1 and record.segments[0].inline
        else None
    )
    return (
        record.bucket,
        record.key,
        record.size,
        record.etag,
        record.last_modified,
        record.owner_id,
        record.storage_class,
        dumps(record.headers),
        segments_to_json(record.segments),
        inline_blob,
        dumps(record.part_sizes) if record.part_sizes is not None else None,
        dumps(record.extra),
        record.version_id,
        record.seq,
        1 if record.is_marker else 0,
    )


def is_null_version(version_id: str | None) -> bool:
    return version_id is None or version_id == NULL_VERSION


def names_version(stored: str | None, requested: str) -> bool:
    """Whether a row's version id is the one a request names ("null" names the null version)."""
    return is_null_version(stored) if requested == NULL_VERSION else stored == requested


def version_filter(version_id: str, param: str = "?") -> tuple[str, tuple[Any, ...]]:
    """SQL condition (and its arguments) selecting one version of a key in ``versions``;
    ``param`` is the driver's placeholder ("?" for sqlite3, "%s" for psycopg)."""
    if version_id == NULL_VERSION:
        return NULL_VERSION_SQL, ()
    return f"seq = {param} AND version_id = {param}", (version_seq(version_id), version_id)


def upload_from_row(row: tuple[Any, ...]) -> UploadRecord:
    return UploadRecord(
        upload_id=row[0],
        bucket=row[1],
        key=row[2],
        initiated=row[3],
        owner_id=row[4],
        storage_class=row[5],
        headers=json.loads(row[6]),
        extra=json.loads(row[7]),
    )


def part_from_row(row: tuple[Any, ...]) -> PartRecord:
    return PartRecord(
        upload_id=row[0],
        part_number=row[1],
        size=row[2],
        etag=row[3],
        last_modified=row[4],
        segment=segment_from_json(row[5]),
        extra=json.loads(row[6]),
    )


def assign_version(record: ObjectRecord, versioning: str, old: ObjectRecord | None) -> bool:
    """Give ``record`` its place among the key's versions as the bucket's versioning says; return
    whether the replaced current version ``old`` is kept (as noncurrent).

    Enabled: a new version id, and the old current version is kept. Suspended: the new version
    is the null version, and the old one is kept unless it is the null version itself. Never
    enabled: no version id, and the old one goes. The sequence number is the write's time, and
    always above the replaced version's, whatever the clocks of the nodes that wrote them.
    """
    record.seq = max(time.time_ns(), old.seq + 1 if old else 0)
    if versioning == "Enabled":
        record.version_id = new_version_id(record.seq)
    else:
        record.version_id = NULL_VERSION if versioning else None
    record.is_latest = True
    return old is not None and (
        versioning == "Enabled"
        or (versioning == "Suspended" and not is_null_version(old.version_id))
    )
