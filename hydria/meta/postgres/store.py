"""The PostgreSQL metadata store: one database shared by every Hydria node.

Each process keeps a pool of connections (psycopg 3, autocommit). A read is one statement,
so it sees one snapshot; reads of several statements (a page of versions) run in a
REPEATABLE READ transaction. Writes run in READ COMMITTED transactions that lock what they
change (see ``hydria.meta.postgres.versions``), and are retried when PostgreSQL reports a
deadlock or serialization failure; PutObject, the hot one, is a single call of a server-side
function with the same locks and rules (``hydria.meta.postgres.functions``). Answers, ordering
and pagination match ``SqliteMetaStore``; tests/contract runs one suite against both.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection, errors
from psycopg_pool import AsyncConnectionPool

from hydria.meta import queries
from hydria.meta.postgres.schema import migrate
from hydria.meta.postgres.versions import (
    Grace,
    delete_version,
    key_lock_id,
    locate_version,
    lock_bucket,
    lock_key,
    make_current,
    release_segments,
    store_segments,
    to_garbage,
)
from hydria.meta.rows import (
    NULL_VERSION_SQL,
    OBJECT_COLUMNS,
    dumps,
    names_version,
    object_from_row,
    part_from_row,
    row_values,
    segment_from_json,
    segment_to_json,
    summary_from_row,
    upload_from_row,
    version_filter,
)
from hydria.meta.store import (
    BucketExists,
    BucketNotEmpty,
    BucketRecord,
    MetaError,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    ObjectRecord,
    PartRecord,
    PreconditionFailed,
    UploadRecord,
    parts_left_over,
)
from hydria.model.versions import NULL_VERSION, version_seq

T = TypeVar("T")
log = logging.getLogger("hydria.meta.postgres")

WRITE_ATTEMPTS = 5
"""A write that PostgreSQL aborts as a deadlock or serialization failure is run again."""

CONNECTION_OPTIONS: dict[str, Any] = {
    "autocommit": True,
    "application_name": "hydria",
    "connect_timeout": 10,
    # A node that vanishes (host down, network cut) must not hold its locks for the hours TCP
    # takes to notice: keepalives and a send timeout end its connections within about a
    # minute, and PostgreSQL ends a transaction left idle mid-way.
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
    "options": "-c idle_in_transaction_session_timeout=60000",
}


class DatabaseNotUtf8(MetaError):
    """The database's encoding is not UTF8: keys and names would come back as bytes."""


PUT_OBJECT_CALL = f"SELECT * FROM hydria_put_object({', '.join(['%s'] * 24)})"
PART_COLUMNS = "upload_id, part_number, size, etag, last_modified, segment, extra"


class PostgresMetaStore:
    """MetaStore on a PostgreSQL database (``dsn``: a ``postgresql://`` URL)."""

    def __init__(self, dsn: str, *, pool_size: int = 8, inline_grace: float = 60.0) -> None:
        self.dsn = dsn
        self._pool_size = max(1, pool_size)
        self._pool: AsyncConnectionPool | None = None
        self.grace_seconds = 3600.0
        self._inline_grace = inline_grace

    # Lifecycle -------------------------------------------------------------------------
    def migrate(self) -> int:
        with psycopg.connect(self.dsn, **CONNECTION_OPTIONS) as conn:
            encoding = conn.execute("SHOW server_encoding").fetchone()
            if encoding is None or encoding[0] != "UTF8":
                raise DatabaseNotUtf8(
                    f"the PostgreSQL database's encoding is {encoding and encoding[0]}, not "
                    "UTF8: create it with ENCODING 'UTF8' TEMPLATE template0"
                )
            return migrate(conn)

    async def start(self) -> None:
        self.migrate()
        pool = AsyncConnectionPool(
            self.dsn,
            min_size=min(2, self._pool_size),
            max_size=self._pool_size,
            kwargs=CONNECTION_OPTIONS,
            open=False,
            name="hydria-meta",
        )
        await pool.open(wait=True, timeout=30.0)
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def _grace(self) -> Grace:
        return Grace(self.grace_seconds, self._inline_grace)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        assert self._pool is not None, "store not started"
        async with self._pool.connection() as conn:
            yield conn

    async def _one(
        self, sql: str, args: tuple[Any, ...] | list[Any], *, retry: bool = True
    ) -> tuple[Any, ...] | None:
        rows = await self._all(sql, args, retry=retry, first=True)
        return rows[0] if rows else None

    async def _all(
        self,
        sql: str,
        args: tuple[Any, ...] | list[Any],
        *,
        retry: bool = True,
        first: bool = False,
    ) -> list[tuple[Any, ...]]:
        """Run one statement. A read (``retry``) is run again, once, when its connection
        broke, after the pool has checked its idle connections and dropped the broken ones
        (after a PostgreSQL restart every pooled connection is). A write is not: it may have
        committed."""
        for attempt in (1, 2):
            try:
                async with self._connection() as c:
                    cur = await c.execute(sql, args)
                    if first:
                        row = await cur.fetchone()
                        return [row] if row is not None else []
                    return await cur.fetchall()
            except psycopg.OperationalError:
                if not retry or attempt == 2 or self._pool is None:
                    raise
                log.warning("metadata read failed on a broken connection; checking the pool")
                await self._pool.check()
        raise AssertionError("unreachable")

    @staticmethod
    async def _retrying(run: Callable[[], Awaitable[T]]) -> T:
        """Run a write; again when PostgreSQL aborted it as a deadlock or serialization failure
        (nothing of it was committed)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return await run()
            except (errors.DeadlockDetected, errors.SerializationFailure):
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.info("write conflict, attempt %d of %d", attempt, WRITE_ATTEMPTS)
        raise AssertionError("unreachable")

    async def _write(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``fn`` in one transaction."""

        async def run() -> T:
            async with self._connection() as c, c.transaction():
                return await fn(c)

        return await self._retrying(run)

    async def _call(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """One statement that writes (its own transaction) and returns one row."""

        async def run() -> tuple[Any, ...]:
            row = await self._one(sql, args, retry=False)
            assert row is not None, sql
            return row

        return await self._retrying(run)

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction whose statements all see one snapshot."""
        async with self._connection() as c, c.transaction():
            await c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield c

    # Buckets ---------------------------------------------------------------------------
    async def create_bucket(self, record: BucketRecord) -> None:
        async def op(c: AsyncConnection) -> None:
            cur = await c.execute(
                "INSERT INTO buckets (name, owner_id, created_at, region) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT (name) DO NOTHING RETURNING name",
                (record.name, record.owner_id, record.created_at, record.region),
            )
            if await cur.fetchone() is None:
                cur = await c.execute(
                    "SELECT owner_id FROM buckets WHERE name = %s", (record.name,)
                )
                row = await cur.fetchone()
                raise BucketExists(row[0] if row else "")

        await self._write(op)

    async def get_bucket(self, name: str) -> BucketRecord | None:
        row = await self._one(
            f"SELECT {queries.BUCKET_COLUMNS} FROM buckets WHERE name = %s", (name,)
        )
        return BucketRecord(*row) if row else None

    async def set_bucket_versioning(self, name: str, status: str) -> None:
        async def op(c: AsyncConnection) -> None:
            cur = await c.execute(
                "UPDATE buckets SET versioning = %s WHERE name = %s", (status, name)
            )
            if cur.rowcount == 0:
                raise NoSuchBucket(name)

        await self._write(op)

    async def get_bucket_config(self, bucket: str, name: str) -> str | None:
        row = await self._one(
            "SELECT body FROM bucket_configs WHERE bucket = %s AND name = %s", (bucket, name)
        )
        return row[0] if row else None

    async def put_bucket_config(self, bucket: str, name: str, body: str | None) -> None:
        async def op(c: AsyncConnection) -> None:
            await lock_bucket(c, bucket)
            if body is None:
                await c.execute(
                    "DELETE FROM bucket_configs WHERE bucket = %s AND name = %s", (bucket, name)
                )
            else:
                await c.execute(
                    "INSERT INTO bucket_configs (bucket, name, body) VALUES (%s,%s,%s) "
                    "ON CONFLICT (bucket, name) DO UPDATE SET body = EXCLUDED.body",
                    (bucket, name, body),
                )

        await self._write(op)

    async def list_buckets(
        self, owner_id: str | None, prefix: str, start_after: str, limit: int
    ) -> list[BucketRecord]:
        sql, args = queries.list_buckets("%s", owner_id, prefix, start_after, limit)
        return [BucketRecord(*row) for row in await self._all(sql, args)]

    async def delete_bucket(self, name: str) -> None:
        async def op(c: AsyncConnection) -> None:
            cur = await c.execute("SELECT 1 FROM buckets WHERE name = %s FOR UPDATE", (name,))
            if await cur.fetchone() is None:
                raise NoSuchBucket(name)
            for table in ("objects", "versions", "uploads"):
                cur = await c.execute(f"SELECT 1 FROM {table} WHERE bucket = %s LIMIT 1", (name,))
                if await cur.fetchone() is not None:
                    raise BucketNotEmpty(name)
            await c.execute("DELETE FROM bucket_configs WHERE bucket = %s", (name,))
            await c.execute("DELETE FROM buckets WHERE name = %s", (name,))

        await self._write(op)

    # Objects: reads ----------------------------------------------------------------------
    async def get_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectRecord | None:
        found = await self._read_version(bucket, key, version_id, with_inline=False)
        return found[0] if found else None

    async def get_object_with_inline(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> tuple[ObjectRecord, bytes | None] | None:
        return await self._read_version(bucket, key, version_id, with_inline=True)

    async def _read_version(
        self, bucket: str, key: str, version_id: str | None, *, with_inline: bool
    ) -> tuple[ObjectRecord, bytes | None] | None:
        """The current version, or a named one: one statement, so one snapshot, reads both
        tables, and a concurrent overwrite that moves the version between them cannot hide it."""
        columns = "o." + OBJECT_COLUMNS.replace(", ", ", o.")
        join = ""
        if with_inline:
            columns += ", i.data"
            join = " LEFT JOIN inline_blobs i ON i.blob_id = o.inline_blob"
        current = f"SELECT {columns}, true FROM objects o{join} WHERE o.bucket = %s AND o.key = %s"
        if version_id is None:
            rows = await self._all(current, (bucket, key))
        else:
            condition, args = version_filter(version_id, "%s")
            rows = await self._all(
                f"{current} UNION ALL SELECT {columns}, false FROM versions o{join} "
                f"WHERE o.bucket = %s AND o.key = %s AND {condition.replace('seq', 'o.seq')}",
                (bucket, key, bucket, key, *args),
            )
        for row in sorted(rows, key=lambda r: not r[-1]):
            is_latest = bool(row[-1])
            if is_latest and version_id is not None and not names_version(row[11], version_id):
                continue
            fields = row[:-1]
            if with_inline:
                data = fields[-1]
                return object_from_row(fields[:-1], is_latest), data
            return object_from_row(fields, is_latest), None
        return None

    async def version_seq(self, bucket: str, key: str, version_id: str) -> int | None:
        if version_id != NULL_VERSION:
            return version_seq(version_id)
        row = await self._one(
            f"SELECT seq FROM objects WHERE bucket = %s AND key = %s AND {NULL_VERSION_SQL} "
            f"UNION ALL SELECT seq FROM versions WHERE bucket = %s AND key = %s "
            f"AND {NULL_VERSION_SQL} LIMIT 1",
            (bucket, key, bucket, key),
        )
        return int(row[0]) if row else None

    async def list_object_versions(
        self,
        bucket: str,
        prefix: str,
        key_marker: str,
        seq_marker: int | None,
        limit: int,
        *,
        inclusive: bool = False,
    ) -> list[ObjectRecord]:
        plan = queries.versions_page("%s", bucket, prefix, key_marker, seq_marker, limit, inclusive)
        async with self._snapshot() as c:
            sql, args = next(plan)
            try:
                while True:
                    cur = await c.execute(sql, args)
                    sql, args = plan.send(await cur.fetchall())
            except StopIteration as done:
                return list(done.value)

    async def list_objects(
        self,
        bucket: str,
        prefix: str,
        start_after: str,
        limit: int,
        *,
        inclusive: bool = False,
        summary: bool = False,
    ) -> list[ObjectRecord]:
        sql, args = queries.list_objects(
            "%s", bucket, prefix, start_after, limit, inclusive=inclusive, summary=summary
        )
        convert = summary_from_row if summary else object_from_row
        return [convert(row) for row in await self._all(sql, args)]

    async def read_inline(self, blob_id: str) -> bytes | None:
        row = await self._one("SELECT data FROM inline_blobs WHERE blob_id = %s", (blob_id,))
        return bytes(row[0]) if row else None

    # Objects: writes ---------------------------------------------------------------------
    async def put_object(
        self,
        record: ObjectRecord,
        inline_data: bytes | None = None,
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        """One statement: ``hydria_put_object`` (hydria/meta/postgres/functions.py)."""
        values = row_values(record)
        args = (
            record.bucket,
            record.key,
            key_lock_id(record.bucket, record.key),
            *values[2:9],  # size .. segments
            values[9],  # inline_blob
            values[10],  # part_sizes
            values[11],  # extra
            values[14],  # is_marker
            [seg.blob_id for seg in record.segments if seg.inline],
            inline_data,
            [seg.blob_id for seg in record.segments if not seg.inline],
            time.time_ns(),
            os.urandom(16),
            if_none_match,
            if_match_etag,
            time.time(),
            self.grace_seconds,
            self._inline_grace,
        )
        row = await self._call(PUT_OBJECT_CALL, args)
        status = row[0]
        if status == "NoSuchBucket":
            raise NoSuchBucket(record.bucket)
        if status == "NoSuchKey":
            raise NoSuchKey(record.key)
        if status != "ok":
            raise PreconditionFailed(status)
        record.version_id, record.seq, record.is_latest = row[1], row[2], True
        return object_from_row(row[3:]) if row[3] is not None else None

    async def delete_object(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        owner_id: str = "",
        now: float = 0.0,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        async def op(c: AsyncConnection) -> ObjectRecord | None:
            versioning, current = await lock_key(c, bucket, key, False, if_match_etag)
            if version_id is not None:
                return await delete_version(c, current, version_id, self._grace)
            if versioning:
                marker = ObjectRecord(
                    bucket, key, 0, "", now or time.time(), owner_id, is_marker=True
                )
                await make_current(c, marker, versioning, current, self._grace)
                return marker
            if current is None:
                return None
            await c.execute("DELETE FROM objects WHERE bucket = %s AND key = %s", (bucket, key))
            await release_segments(c, current.segments, time.time(), self._grace)
            return current

        return await self._write(op)

    async def update_object_extra(
        self, bucket: str, key: str, version_id: str | None, changes: dict[str, object]
    ) -> ObjectRecord | None:
        async def op(c: AsyncConnection) -> ObjectRecord | None:
            _, current = await lock_key(c, bucket, key)
            record = await locate_version(c, current, version_id)
            if record is None or record.is_marker:
                return None
            for name, value in changes.items():
                if value is None:
                    record.extra.pop(name, None)
                else:
                    record.extra[name] = value
            table = "objects" if record.is_latest else "versions"
            await c.execute(
                f"UPDATE {table} SET extra = %s WHERE bucket = %s AND key = %s AND seq = %s",
                (dumps(record.extra), bucket, key, record.seq),
            )
            return record

        return await self._write(op)

    # Multipart -------------------------------------------------------------------------
    async def create_upload(self, record: UploadRecord) -> None:
        async def op(c: AsyncConnection) -> None:
            await lock_bucket(c, record.bucket)
            await c.execute(
                f"INSERT INTO uploads ({queries.UPLOAD_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    record.upload_id,
                    record.bucket,
                    record.key,
                    record.initiated,
                    record.owner_id,
                    record.storage_class,
                    dumps(record.headers),
                    dumps(record.extra),
                ),
            )

        await self._write(op)

    async def get_upload(self, upload_id: str) -> UploadRecord | None:
        row = await self._one(
            f"SELECT {queries.UPLOAD_COLUMNS} FROM uploads WHERE upload_id = %s", (upload_id,)
        )
        return upload_from_row(row) if row else None

    @staticmethod
    async def _lock_upload(c: AsyncConnection, upload_id: str) -> None:
        """Serialise the writes to one upload (parts, completion, abort) across nodes."""
        cur = await c.execute("SELECT 1 FROM uploads WHERE upload_id = %s FOR UPDATE", (upload_id,))
        if await cur.fetchone() is None:
            raise NoSuchUpload(upload_id)

    async def put_part(self, part: PartRecord, inline_data: bytes | None = None) -> None:
        async def op(c: AsyncConnection) -> None:
            await self._lock_upload(c, part.upload_id)
            cur = await c.execute(
                "SELECT segment FROM parts WHERE upload_id = %s AND part_number = %s",
                (part.upload_id, part.part_number),
            )
            old = await cur.fetchone()
            seg = part.segment
            await store_segments(c, [seg], inline_data)
            await c.execute(
                f"INSERT INTO parts ({PART_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (upload_id, part_number) DO UPDATE SET size = EXCLUDED.size, "
                "etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified, "
                "segment = EXCLUDED.segment, extra = EXCLUDED.extra",
                (
                    part.upload_id,
                    part.part_number,
                    part.size,
                    part.etag,
                    part.last_modified,
                    segment_to_json(seg),
                    dumps(part.extra),
                ),
            )
            if old:
                await to_garbage(c, [segment_from_json(old[0])], time.time(), self._grace)

        await self._write(op)

    async def list_parts(self, upload_id: str, after_part: int, limit: int) -> list[PartRecord]:
        rows = await self._all(
            f"SELECT {PART_COLUMNS} FROM parts WHERE upload_id = %s AND part_number > %s "
            "ORDER BY part_number LIMIT %s",
            (upload_id, after_part, limit),
        )
        return [part_from_row(row) for row in rows]

    async def list_uploads(
        self, bucket: str, prefix: str, key_marker: str, upload_id_marker: str, limit: int
    ) -> list[UploadRecord]:
        sql, args = queries.list_uploads("%s", bucket, prefix, key_marker, upload_id_marker, limit)
        return [upload_from_row(row) for row in await self._all(sql, args)]

    async def complete_upload(
        self,
        upload_id: str,
        record: ObjectRecord,
        used_parts: list[int],
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        async def op(c: AsyncConnection) -> ObjectRecord | None:
            await self._lock_upload(c, upload_id)
            versioning, old = await lock_key(
                c, record.bucket, record.key, if_none_match, if_match_etag
            )
            cur = await c.execute(
                "DELETE FROM parts WHERE upload_id = %s RETURNING part_number, segment",
                (upload_id,),
            )
            stored = [(number, segment_from_json(seg)) for number, seg in await cur.fetchall()]
            leftovers = parts_left_over(stored, used_parts, record.segments)
            await to_garbage(c, leftovers, time.time(), self._grace)
            await c.execute("DELETE FROM uploads WHERE upload_id = %s", (upload_id,))
            return await make_current(c, record, versioning, old, self._grace)

        return await self._write(op)

    async def abort_upload(self, upload_id: str) -> None:
        async def op(c: AsyncConnection) -> None:
            await self._lock_upload(c, upload_id)
            cur = await c.execute(
                "DELETE FROM parts WHERE upload_id = %s RETURNING segment", (upload_id,)
            )
            segments = [segment_from_json(row[0]) for row in await cur.fetchall()]
            await to_garbage(c, segments, time.time(), self._grace)
            await c.execute("DELETE FROM uploads WHERE upload_id = %s", (upload_id,))

        await self._write(op)

    # Reclaim ---------------------------------------------------------------------------
    async def due_garbage(self, now: float, limit: int) -> list[tuple[str, bool]]:
        rows = await self._all(
            "SELECT blob_id, inline FROM garbage WHERE due <= %s ORDER BY due LIMIT %s",
            (now, limit),
        )
        return [(r[0], bool(r[1])) for r in rows]

    async def forget_garbage(self, blob_ids: list[str]) -> None:
        async def op(c: AsyncConnection) -> None:
            cur = await c.execute(
                "DELETE FROM garbage WHERE blob_id = ANY(%s) RETURNING blob_id, inline",
                (blob_ids,),
            )
            inline = [blob_id for blob_id, is_inline in await cur.fetchall() if is_inline]
            if inline:
                await c.execute("DELETE FROM inline_blobs WHERE blob_id = ANY(%s)", (inline,))

        await self._write(op)

    async def known_blobs(self, blob_ids: list[str]) -> set[str]:
        rows = await self._all(
            "SELECT blob_id FROM blobs WHERE blob_id = ANY(%s) "
            "UNION SELECT blob_id FROM garbage WHERE blob_id = ANY(%s)",
            (blob_ids, blob_ids),
        )
        return {row[0] for row in rows}

    # Leases ----------------------------------------------------------------------------
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew a lease by the database's clock, so nodes' clocks need not agree."""
        row = await self._one(
            "INSERT INTO leases (name, holder, expires) "
            "VALUES (%s, %s, extract(epoch FROM clock_timestamp()) + %s) "
            "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
            "expires = EXCLUDED.expires WHERE leases.holder = EXCLUDED.holder "
            "OR leases.expires < extract(epoch FROM clock_timestamp()) RETURNING holder",
            (name, holder, seconds),
        )
        return row is not None

    async def release_lease(self, name: str, holder: str) -> None:
        async with self._connection() as c:
            await c.execute("DELETE FROM leases WHERE name = %s AND holder = %s", (name, holder))
