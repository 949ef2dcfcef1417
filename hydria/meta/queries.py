"""The listing queries both backends run: the same SQL, with the driver's placeholder.

sqlite3 takes "?" and psycopg "%s"; everything else about a listing (key bounds from prefix
and marker, ordering, limits) is one logic, so it is written once here. Each function returns
the SQL and its arguments.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

from hydria.meta.rows import OBJECT_COLUMNS, SUMMARY_COLUMNS, summary_from_row
from hydria.meta.store import ObjectRecord
from hydria.util.keyorder import prefix_successor

BUCKET_COLUMNS = "name, owner_id, created_at, region, versioning"
UPLOAD_COLUMNS = "upload_id, bucket, key, initiated, owner_id, storage_class, headers, extra"

Query = tuple[str, list[Any]]


def list_buckets(p: str, owner_id: str | None, prefix: str, start_after: str, limit: int) -> Query:
    sql = f"SELECT {BUCKET_COLUMNS} FROM buckets WHERE name > {p}"
    args: list[Any] = [start_after]
    if owner_id is not None:
        sql += f" AND owner_id = {p}"
        args.append(owner_id)
    if prefix:
        sql += f" AND substr(name, 1, {p}) = {p}"
        args += [len(prefix), prefix]
    return f"{sql} ORDER BY name LIMIT {p}", [*args, limit]


def list_objects(
    p: str,
    bucket: str,
    prefix: str,
    start_after: str,
    limit: int,
    *,
    inclusive: bool,
    summary: bool,
) -> Query:
    """Current versions that are not delete markers, keys after ``start_after`` under ``prefix``."""
    columns = SUMMARY_COLUMNS if summary else OBJECT_COLUMNS
    sql = f"SELECT {columns} FROM objects WHERE bucket = {p} AND is_marker = 0"
    args: list[Any] = [bucket]
    if prefix and prefix > start_after:
        sql += f" AND key >= {p}"
        args.append(prefix)
    else:
        sql += f" AND key >= {p}" if inclusive else f" AND key > {p}"
        args.append(start_after)
    upper = prefix_successor(prefix) if prefix else None
    if upper is not None:
        sql += f" AND key < {p}"
        args.append(upper)
    return f"{sql} ORDER BY key LIMIT {p}", [*args, limit]


Rows = list[tuple[Any, ...]]
VersionsPlan = Generator[Query, Rows, list[ObjectRecord]]


def versions_page(
    p: str,
    bucket: str,
    prefix: str,
    key_marker: str,
    seq_marker: int | None,
    limit: int,
    inclusive: bool,
) -> VersionsPlan:
    """A page of ListObjectVersions as a plan: it yields each statement, is sent back that
    statement's rows, and returns the page. The caller runs the statements in one snapshot.

    The current rows (``objects``) and the noncurrent ones (``versions``) are each read in
    their index order and merged: keys in order, each key's versions newest first.
    """
    bounds, args = version_bounds(p, bucket, prefix, key_marker, inclusive)
    mid_key = seq_marker is not None and key_marker.startswith(prefix)
    current: Rows = []
    if mid_key:
        # The marker's key may have a current version older than the marker: one promoted
        # since the last page, when the version the marker names was deleted.
        current = yield (
            f"SELECT {SUMMARY_COLUMNS} FROM objects WHERE bucket = {p} AND key = {p} AND seq < {p}",
            [bucket, key_marker, seq_marker],
        )
    current = current + (
        yield (
            f"SELECT {SUMMARY_COLUMNS} FROM objects WHERE bucket = {p}{bounds} "
            f"ORDER BY key LIMIT {p}",
            [*args, limit],
        )
    )
    older: Rows = []
    if mid_key:
        older = yield (
            f"SELECT {SUMMARY_COLUMNS} FROM versions WHERE bucket = {p} AND key = {p} "
            f"AND seq < {p} ORDER BY seq DESC LIMIT {p}",
            [bucket, key_marker, seq_marker, limit],
        )
    if len(older) < limit:
        older = older + (
            yield (
                f"SELECT {SUMMARY_COLUMNS} FROM versions WHERE bucket = {p}{bounds} "
                f"ORDER BY key, seq DESC LIMIT {p}",
                [*args, limit - len(older)],
            )
        )
    # Merge raw rows (key, then newest first) and build records only for those returned.
    latest = {id(row) for row in current}
    merged = heapq.merge(current, older, key=lambda row: (row[1], -row[9]))
    return [
        summary_from_row(row, id(row) in latest)
        for _, row in zip(range(limit), merged, strict=False)
    ]


def version_bounds(p: str, bucket: str, prefix: str, key_marker: str, inclusive: bool) -> Query:
    """The key range of a page of versions after ``key_marker`` under ``prefix``: a condition
    to append after ``WHERE bucket = ...``, and its arguments (the bucket first)."""
    lower = max(prefix, key_marker)
    from_key = inclusive or (lower == prefix and prefix > key_marker)
    bounds = f" AND key >= {p}" if from_key else f" AND key > {p}"
    args: list[Any] = [bucket, lower]
    upper = prefix_successor(prefix) if prefix else None
    if upper is not None:
        bounds += f" AND key < {p}"
        args.append(upper)
    return bounds, args


def list_uploads(
    p: str, bucket: str, prefix: str, key_marker: str, upload_id_marker: str, limit: int
) -> Query:
    sql = (
        f"SELECT {UPLOAD_COLUMNS} FROM uploads WHERE bucket = {p} "
        f"AND (key > {p} OR (key = {p} AND upload_id > {p}))"
    )
    args: list[Any] = [bucket, key_marker, key_marker, upload_id_marker]
    if prefix:
        sql += f" AND key >= {p}"
        args.append(prefix)
        upper = prefix_successor(prefix)
        if upper is not None:
            sql += f" AND key < {p}"
            args.append(upper)
    return f"{sql} ORDER BY key, upload_id LIMIT {p}", [*args, limit]
