"""The steps of a PostgreSQL write transaction that changes a key's versions.

Concurrency: every write to a key first takes a transaction-scoped advisory lock on the key
(``lock_key``), so writes to one key from any node run one after another, each seeing the
previous one's commit (READ COMMITTED takes a fresh snapshot per statement, and a commit is
visible before its locks are released). The bucket row is read ``FOR KEY SHARE`` after the key's
lock: a concurrent DeleteBucket (``FOR UPDATE``) waits for the write, then finds the object, or
the write finds no bucket. Locks are taken in one order, upload, then key, then bucket, so no
two writes deadlock (writes that lock only a bucket row take no key lock).
"""

from __future__ import annotations

import hashlib
import time

from psycopg import AsyncConnection

from hydria.meta.rows import (
    NULL_VERSION_SQL,
    OBJECT_COLUMNS,
    ROW_COLUMNS,
    assign_version,
    names_version,
    object_from_row,
    row_values,
    segments_from_json,
    version_filter,
)
from hydria.meta.store import (
    NoSuchBucket,
    ObjectRecord,
    Segment,
    check_write_preconditions,
)

_UPDATE_ALL = ", ".join(f"{column} = EXCLUDED.{column}" for column in ROW_COLUMNS.split(", ")[2:])
UPSERT_CURRENT = (
    f"INSERT INTO objects ({ROW_COLUMNS}) VALUES ({', '.join(['%s'] * 15)}) "
    f"ON CONFLICT (bucket, key) DO UPDATE SET {_UPDATE_ALL}"
)
SELECT_CURRENT = f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = %s AND key = %s"


def key_lock_id(bucket: str, key: str) -> int:
    """A 64-bit advisory lock id for a key (a collision only serialises two unrelated keys)."""
    digest = hashlib.blake2b(f"{bucket}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Grace:
    """How long released bytes wait before reclaim: file blobs, and inline rows."""

    def __init__(self, files: float, inline: float) -> None:
        self.files = files
        self.inline = inline


async def lock_bucket(c: AsyncConnection, bucket: str) -> str:
    """Hold the bucket against deletion for this transaction; return its versioning state."""
    cur = await c.execute("SELECT versioning FROM buckets WHERE name = %s FOR KEY SHARE", (bucket,))
    row = await cur.fetchone()
    if row is None:
        raise NoSuchBucket(bucket)
    return str(row[0])


async def lock_key(
    c: AsyncConnection,
    bucket: str,
    key: str,
    if_none_match: bool = False,
    if_match_etag: str | None = None,
) -> tuple[str, ObjectRecord | None]:
    """Lock the bucket and the key, check a conditional write's precondition; return the
    bucket's versioning and the key's current version (None when it has none)."""
    # The key's lock first: the bucket's versioning state is then read after every earlier
    # write to the key committed, so a write never applies a state older than the one the
    # key's previous write saw (a PUT acknowledged after versioning was enabled must not be
    # overwritten as if it were still off).
    await c.execute("SELECT pg_advisory_xact_lock(%s)", (key_lock_id(bucket, key),))
    versioning = await lock_bucket(c, bucket)
    cur = await c.execute(SELECT_CURRENT, (bucket, key))
    row = await cur.fetchone()
    current = object_from_row(row) if row else None
    live_etag = current.etag if current is not None and not current.is_marker else None
    check_write_preconditions(key, live_etag, if_none_match, if_match_etag)
    return versioning, current


async def to_garbage(c: AsyncConnection, segments: list[Segment], now: float, grace: Grace) -> None:
    """Unreference segments and schedule their bytes for deletion after the grace delay."""
    if not segments:
        return
    files = [seg.blob_id for seg in segments if not seg.inline]
    if files:
        await c.execute("DELETE FROM blobs WHERE blob_id = ANY(%s)", (files,))
    async with c.cursor() as cur:
        await cur.executemany(
            "INSERT INTO garbage (blob_id, due, inline) VALUES (%s, %s, %s) "
            "ON CONFLICT (blob_id) DO UPDATE SET due = EXCLUDED.due, inline = EXCLUDED.inline",
            [
                (
                    seg.blob_id,
                    now + (grace.inline if seg.inline else grace.files),
                    1 if seg.inline else 0,
                )
                for seg in segments
            ],
        )


async def release_segments(
    c: AsyncConnection, segments: list[Segment], now: float, grace: Grace
) -> None:
    """Hand an unreferenced object's bytes to reclaim (a lone inline row goes at once: it was
    read together with its object row, so no reader can still need it)."""
    if len(segments) == 1 and segments[0].inline:
        await c.execute("DELETE FROM inline_blobs WHERE blob_id = %s", (segments[0].blob_id,))
        return
    await to_garbage(c, segments, now, grace)


async def store_segments(
    c: AsyncConnection, segments: list[Segment], inline_data: bytes | None
) -> None:
    """Record a new object's segments: the inline bytes, or the file blobs it references."""
    for seg in segments:
        if seg.inline:
            await c.execute(
                "INSERT INTO inline_blobs (blob_id, data) VALUES (%s, %s)",
                (seg.blob_id, inline_data if inline_data is not None else b""),
            )
        else:
            await c.execute(
                "INSERT INTO blobs (blob_id) VALUES (%s) ON CONFLICT DO NOTHING", (seg.blob_id,)
            )


async def make_current(
    c: AsyncConnection,
    record: ObjectRecord,
    versioning: str,
    old: ObjectRecord | None,
    grace: Grace,
) -> ObjectRecord | None:
    """Install ``record`` as the key's current version, as the bucket's versioning says (the
    rules of ``SqliteMetaStore._make_current``); ``old`` is the current version, read under
    the key's lock. Returns ``old``."""
    keep_old = assign_version(record, versioning, old)
    now = time.time()
    if keep_old:
        await c.execute(
            f"INSERT INTO versions ({ROW_COLUMNS}) SELECT {ROW_COLUMNS} FROM objects "
            "WHERE bucket = %s AND key = %s",
            (record.bucket, record.key),
        )
    if versioning == "Suspended":
        cur = await c.execute(
            f"DELETE FROM versions WHERE bucket = %s AND key = %s AND {NULL_VERSION_SQL} "
            "RETURNING segments",
            (record.bucket, record.key),
        )
        for (segments,) in await cur.fetchall():
            await release_segments(c, segments_from_json(segments), now, grace)
    await c.execute(UPSERT_CURRENT, row_values(record))
    if old is not None and not keep_old:
        await release_segments(c, old.segments, now, grace)
    return old


async def locate_version(
    c: AsyncConnection, current: ObjectRecord | None, version_id: str | None
) -> ObjectRecord | None:
    """The current version, or the named one (``is_latest`` tells which table holds it)."""
    if current is None:
        return None  # a key without a current version has no older ones either
    if version_id is None or names_version(current.version_id, version_id):
        return current
    condition, args = version_filter(version_id, "%s")
    cur = await c.execute(
        f"SELECT {OBJECT_COLUMNS} FROM versions WHERE bucket = %s AND key = %s AND {condition}",
        (current.bucket, current.key, *args),
    )
    row = await cur.fetchone()
    return object_from_row(row, is_latest=False) if row else None


async def delete_version(
    c: AsyncConnection, current: ObjectRecord | None, version_id: str, grace: Grace
) -> ObjectRecord | None:
    """Remove one version for good; when it was current, the next newest takes its place."""
    gone = await locate_version(c, current, version_id)
    if gone is None:
        return None
    bucket, key = gone.bucket, gone.key
    if gone.is_latest:
        await c.execute("DELETE FROM objects WHERE bucket = %s AND key = %s", (bucket, key))
        cur = await c.execute(
            f"INSERT INTO objects ({ROW_COLUMNS}) SELECT {ROW_COLUMNS} FROM versions "
            "WHERE bucket = %s AND key = %s ORDER BY seq DESC LIMIT 1 RETURNING seq",
            (bucket, key),
        )
        promoted = await cur.fetchone()
        if promoted is not None:
            await c.execute(
                "DELETE FROM versions WHERE bucket = %s AND key = %s AND seq = %s",
                (bucket, key, promoted[0]),
            )
    else:
        await c.execute(
            "DELETE FROM versions WHERE bucket = %s AND key = %s AND seq = %s",
            (bucket, key, gone.seq),
        )
    await release_segments(c, gone.segments, time.time(), grace)
    return gone
