"""The SQLite metadata store (WAL, single writer with group commit, reads on the caller).

Reads run directly on the calling thread with the process's read connection: a point lookup
costs microseconds, less than a hop to a thread pool. Writes go to ``SqliteWriter``.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from hydria.meta import queries
from hydria.meta.rows import (
    NULL_VERSION_SQL,
    OBJECT_COLUMNS,
    ROW_COLUMNS,
    assign_version,
    dumps,
    names_version,
    object_from_row,
    part_from_row,
    row_values,
    segment_from_json,
    segment_to_json,
    segments_from_json,
    summary_from_row,
    upload_from_row,
    version_filter,
)
from hydria.meta.sqlite.checkpointer import WRITER_AUTOCHECKPOINT_PAGES, Checkpointer
from hydria.meta.sqlite.connection import CHECKPOINTER_CACHE_KIB, connect, connect_writer
from hydria.meta.sqlite.schema import migrate
from hydria.meta.sqlite.writer import SqliteWriter
from hydria.meta.store import (
    BucketExists,
    BucketNotEmpty,
    BucketRecord,
    NoSuchBucket,
    NoSuchUpload,
    ObjectRecord,
    PartRecord,
    Segment,
    UploadRecord,
    check_write_preconditions,
    parts_left_over,
)
from hydria.model.versions import NULL_VERSION, version_seq


class SqliteMetaStore:
    """MetaStore on one SQLite database file."""

    def __init__(
        self,
        path: Path,
        *,
        max_batch: int = 256,
        inline_grace: float = 60.0,
        wal_cycle_pages: int = WRITER_AUTOCHECKPOINT_PAGES,
    ) -> None:
        self.path = Path(path)
        self._max_batch = max_batch
        self._wal_cycle_pages = wal_cycle_pages
        self._reader: sqlite3.Connection | None = None
        self._writer: SqliteWriter | None = None
        self._checkpointer: Checkpointer | None = None
        self.grace_seconds = 3600.0
        self._inline_grace = inline_grace

    # Lifecycle -------------------------------------------------------------------------
    def migrate(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path)
        try:
            return migrate(conn)
        finally:
            conn.close()

    async def start(self) -> None:
        self.migrate()
        self._reader = connect(self.path)
        checkpointer = Checkpointer(lambda: connect(self.path, CHECKPOINTER_CACHE_KIB))
        self._writer = SqliteWriter(
            self._connect_writer,
            self._max_batch,
            lock_path=f"{self.path}.writer-lock",
            on_commit=checkpointer.notify,
        )
        self._writer.start()
        try:
            checkpointer.start()
        except BaseException:
            await self.close()
            raise
        self._checkpointer = checkpointer

    def _connect_writer(self) -> sqlite3.Connection:
        return connect_writer(self.path, self._wal_cycle_pages)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def _r(self) -> sqlite3.Connection:
        assert self._reader is not None, "store not started"
        return self._reader

    async def _write(self, fn: Any) -> Any:
        assert self._writer is not None, "store not started"
        return await self._writer.submit(fn)

    # Buckets ---------------------------------------------------------------------------
    async def create_bucket(self, record: BucketRecord) -> None:
        def op(c: sqlite3.Connection) -> None:
            row = c.execute(
                "SELECT owner_id FROM buckets WHERE name = ?", (record.name,)
            ).fetchone()
            if row:
                raise BucketExists(row[0])
            c.execute(
                "INSERT INTO buckets (name, owner_id, created_at, region) VALUES (?,?,?,?)",
                (record.name, record.owner_id, record.created_at, record.region),
            )

        await self._write(op)

    async def get_bucket(self, name: str) -> BucketRecord | None:
        row = self._r.execute(
            "SELECT name, owner_id, created_at, region, versioning FROM buckets WHERE name = ?",
            (name,),
        ).fetchone()
        return BucketRecord(*row) if row else None

    async def set_bucket_versioning(self, name: str, status: str) -> None:
        def op(c: sqlite3.Connection) -> None:
            cur = c.execute("UPDATE buckets SET versioning = ? WHERE name = ?", (status, name))
            if cur.rowcount == 0:
                raise NoSuchBucket(name)

        await self._write(op)

    async def get_bucket_config(self, bucket: str, name: str) -> str | None:
        row = self._r.execute(
            "SELECT body FROM bucket_configs WHERE bucket = ? AND name = ?", (bucket, name)
        ).fetchone()
        return row[0] if row else None

    async def put_bucket_config(self, bucket: str, name: str, body: str | None) -> None:
        def op(c: sqlite3.Connection) -> None:
            if not c.execute("SELECT 1 FROM buckets WHERE name = ?", (bucket,)).fetchone():
                raise NoSuchBucket(bucket)
            if body is None:
                c.execute(
                    "DELETE FROM bucket_configs WHERE bucket = ? AND name = ?", (bucket, name)
                )
            else:
                c.execute(
                    "INSERT OR REPLACE INTO bucket_configs (bucket, name, body) VALUES (?,?,?)",
                    (bucket, name, body),
                )

        await self._write(op)

    async def list_buckets(
        self, owner_id: str | None, prefix: str, start_after: str, limit: int
    ) -> list[BucketRecord]:
        sql, args = queries.list_buckets("?", owner_id, prefix, start_after, limit)
        return [BucketRecord(*row) for row in self._r.execute(sql, args)]

    async def delete_bucket(self, name: str) -> None:
        def op(c: sqlite3.Connection) -> None:
            if not c.execute("SELECT 1 FROM buckets WHERE name = ?", (name,)).fetchone():
                raise NoSuchBucket(name)
            if c.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
                raise BucketNotEmpty(name)
            for table in ("versions", "uploads"):
                sql = f"SELECT 1 FROM {table} WHERE bucket = ? LIMIT 1"
                if c.execute(sql, (name,)).fetchone():
                    raise BucketNotEmpty(name)
            c.execute("DELETE FROM bucket_configs WHERE bucket = ?", (name,))
            c.execute("DELETE FROM buckets WHERE name = ?", (name,))

        await self._write(op)

    # Objects ---------------------------------------------------------------------------
    async def get_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectRecord | None:
        found = self._read_version(bucket, key, version_id, with_inline=False)
        return found[0] if found else None

    async def get_object_with_inline(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> tuple[ObjectRecord, bytes | None] | None:
        """The record and, for a single inline segment, its bytes, read atomically."""
        return self._read_version(bucket, key, version_id, with_inline=True)

    def _read_version(
        self, bucket: str, key: str, version_id: str | None, *, with_inline: bool
    ) -> tuple[ObjectRecord, bytes | None] | None:
        """Current version first; a named version that is not current comes from ``versions``.

        Both lookups run in one read transaction, so a concurrent overwrite that moves the
        version between the tables cannot hide it.
        """
        columns = f"o.{OBJECT_COLUMNS.replace(', ', ', o.')}"
        join = ""
        if with_inline:
            columns += ", i.data"
            join = " LEFT JOIN inline_blobs i ON i.blob_id = o.inline_blob"
        current = f"SELECT {columns} FROM objects o{join} WHERE o.bucket = ? AND o.key = ?"
        r = self._r
        if version_id is None:
            row = r.execute(current, (bucket, key)).fetchone()
            return self._with_inline(row, with_inline, True) if row else None
        condition, args = version_filter(version_id)
        r.execute("BEGIN")
        try:
            row = r.execute(current, (bucket, key)).fetchone()
            if row is not None and names_version(row[11], version_id):
                return self._with_inline(row, with_inline, True)
            row = r.execute(
                f"SELECT {columns} FROM versions o{join} "
                f"WHERE o.bucket = ? AND o.key = ? AND {condition.replace('seq', 'o.seq')}",
                (bucket, key, *args),
            ).fetchone()
            return self._with_inline(row, with_inline, False) if row else None
        finally:
            r.execute("COMMIT")

    @staticmethod
    def _with_inline(
        row: tuple[Any, ...], with_inline: bool, is_latest: bool
    ) -> tuple[ObjectRecord, bytes | None]:
        if with_inline:
            return object_from_row(row[:-1], is_latest), row[-1]
        return object_from_row(row, is_latest), None

    def _release_segments(self, c: sqlite3.Connection, segments: list[Segment], now: float) -> None:
        """Hand an unreferenced object's bytes to reclaim (a lone inline row goes at once).

        A lone inline segment was read together with its row, so no reader can still need it.
        """
        if len(segments) == 1 and segments[0].inline:
            c.execute("DELETE FROM inline_blobs WHERE blob_id = ?", (segments[0].blob_id,))
            return
        self._to_garbage(c, segments, now)

    def _to_garbage(self, c: sqlite3.Connection, segments: list[Segment], now: float) -> None:
        """Unreference segments and schedule their bytes for deletion after the grace delay."""
        for seg in segments:
            if not seg.inline:
                c.execute("DELETE FROM blobs WHERE blob_id = ?", (seg.blob_id,))
            grace = self._inline_grace if seg.inline else self.grace_seconds
            c.execute(
                "INSERT OR REPLACE INTO garbage (blob_id, due, inline) VALUES (?,?,?)",
                (seg.blob_id, now + grace, 1 if seg.inline else 0),
            )

    def _check_write_conditions(
        self,
        c: sqlite3.Connection,
        bucket: str,
        key: str,
        if_none_match: bool,
        if_match_etag: str | None,
    ) -> str:
        """Check the bucket and a conditional write's precondition; return the versioning."""
        row = c.execute("SELECT versioning FROM buckets WHERE name = ?", (bucket,)).fetchone()
        if row is None:
            raise NoSuchBucket(bucket)
        if if_none_match or if_match_etag is not None:
            current = c.execute(
                "SELECT etag, is_marker FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
            ).fetchone()
            live_etag = current[0] if current is not None and not current[1] else None
            check_write_preconditions(key, live_etag, if_none_match, if_match_etag)
        return str(row[0])

    def _make_current(
        self, c: sqlite3.Connection, record: ObjectRecord, versioning: str
    ) -> ObjectRecord | None:
        """Install ``record`` as the key's current version, as the bucket's versioning says.

        Enabled: the old current version is kept as noncurrent. Suspended: the new version is
        the null version, replacing any older null version. Never enabled: the old one goes.
        """
        old_row = c.execute(
            f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?",
            (record.bucket, record.key),
        ).fetchone()
        old = object_from_row(old_row) if old_row else None
        keep_old = assign_version(record, versioning, old)
        now = time.time()
        if keep_old:
            c.execute(
                f"INSERT INTO versions ({ROW_COLUMNS}) SELECT {ROW_COLUMNS} FROM objects "
                "WHERE bucket = ? AND key = ?",
                (record.bucket, record.key),
            )
        if versioning == "Suspended":
            for (segments,) in c.execute(
                f"DELETE FROM versions WHERE bucket = ? AND key = ? AND {NULL_VERSION_SQL} "
                "RETURNING segments",
                (record.bucket, record.key),
            ).fetchall():
                self._release_segments(c, segments_from_json(segments), now)
        self._write_current(c, record)
        if old is not None and not keep_old:
            self._release_segments(c, old.segments, now)
        return old

    def _write_current(self, c: sqlite3.Connection, record: ObjectRecord) -> None:
        c.execute(
            f"INSERT OR REPLACE INTO objects ({ROW_COLUMNS}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            row_values(record),
        )

    async def put_object(
        self,
        record: ObjectRecord,
        inline_data: bytes | None = None,
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        def op(c: sqlite3.Connection) -> ObjectRecord | None:
            versioning = self._check_write_conditions(
                c, record.bucket, record.key, if_none_match, if_match_etag
            )
            for seg in record.segments:
                if seg.inline:
                    c.execute(
                        "INSERT INTO inline_blobs (blob_id, data) VALUES (?, ?)",
                        (seg.blob_id, inline_data if inline_data is not None else b""),
                    )
                else:
                    c.execute("INSERT OR IGNORE INTO blobs (blob_id) VALUES (?)", (seg.blob_id,))
            return self._make_current(c, record, versioning)

        return await self._write(op)

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
        def op(c: sqlite3.Connection) -> ObjectRecord | None:
            versioning = self._check_write_conditions(c, bucket, key, False, if_match_etag)
            if version_id is not None:
                return self._delete_version(c, bucket, key, version_id)
            if versioning:
                marker = ObjectRecord(
                    bucket, key, 0, "", now or time.time(), owner_id, is_marker=True
                )
                self._make_current(c, marker, versioning)
                return marker
            row = c.execute(
                f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?",
                (bucket, key),
            ).fetchone()
            if not row:
                return None
            old = object_from_row(row)
            c.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
            self._release_segments(c, old.segments, time.time())
            return old

        return await self._write(op)

    def _locate_version(
        self, c: sqlite3.Connection, bucket: str, key: str, version_id: str | None
    ) -> ObjectRecord | None:
        """The current version, or the named one (``is_latest`` tells which table holds it)."""
        row = c.execute(
            f"SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?", (bucket, key)
        ).fetchone()
        if row is None:
            return None  # a key without a current version has no older ones either
        if version_id is None or names_version(row[11], version_id):
            return object_from_row(row)
        condition, args = version_filter(version_id)
        row = c.execute(
            f"SELECT {OBJECT_COLUMNS} FROM versions WHERE bucket = ? AND key = ? AND {condition}",
            (bucket, key, *args),
        ).fetchone()
        return object_from_row(row, is_latest=False) if row else None

    def _delete_version(
        self, c: sqlite3.Connection, bucket: str, key: str, version_id: str
    ) -> ObjectRecord | None:
        """Remove one version for good; when it was current, the next newest takes its place."""
        gone = self._locate_version(c, bucket, key, version_id)
        if gone is None:
            return None
        if gone.is_latest:
            c.execute("DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key))
            promoted = c.execute(
                f"INSERT INTO objects ({ROW_COLUMNS}) SELECT {ROW_COLUMNS} FROM versions "
                "WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1 RETURNING seq",
                (bucket, key),
            ).fetchone()
            if promoted is not None:
                c.execute(
                    "DELETE FROM versions WHERE bucket = ? AND key = ? AND seq = ?",
                    (bucket, key, promoted[0]),
                )
        else:
            c.execute(
                "DELETE FROM versions WHERE bucket = ? AND key = ? AND seq = ?",
                (bucket, key, gone.seq),
            )
        self._release_segments(c, gone.segments, time.time())
        return gone

    async def update_object_extra(
        self, bucket: str, key: str, version_id: str | None, changes: dict[str, object]
    ) -> ObjectRecord | None:
        def op(c: sqlite3.Connection) -> ObjectRecord | None:
            if not c.execute("SELECT 1 FROM buckets WHERE name = ?", (bucket,)).fetchone():
                raise NoSuchBucket(bucket)
            record = self._locate_version(c, bucket, key, version_id)
            if record is None or record.is_marker:
                return None
            for name, value in changes.items():
                if value is None:
                    record.extra.pop(name, None)
                else:
                    record.extra[name] = value
            table = "objects" if record.is_latest else "versions"
            c.execute(
                f"UPDATE {table} SET extra = ? WHERE bucket = ? AND key = ? AND seq = ?",
                (dumps(record.extra), bucket, key, record.seq),
            )
            return record

        return await self._write(op)

    async def version_seq(self, bucket: str, key: str, version_id: str) -> int | None:
        if version_id != NULL_VERSION:
            return version_seq(version_id)
        for table in ("objects", "versions"):
            row = self._r.execute(
                f"SELECT seq FROM {table} WHERE bucket = ? AND key = ? AND {NULL_VERSION_SQL}",
                (bucket, key),
            ).fetchone()
            if row:
                return int(row[0])
        return None

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
        plan = queries.versions_page("?", bucket, prefix, key_marker, seq_marker, limit, inclusive)
        r = self._r
        r.execute("BEGIN")  # one snapshot for all of the page's statements
        try:
            sql, args = next(plan)
            while True:
                sql, args = plan.send(r.execute(sql, args).fetchall())
        except StopIteration as done:
            return list(done.value)
        finally:
            r.execute("COMMIT")

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
            "?", bucket, prefix, start_after, limit, inclusive=inclusive, summary=summary
        )
        convert = summary_from_row if summary else object_from_row
        return [convert(row) for row in self._r.execute(sql, args)]

    async def read_inline(self, blob_id: str) -> bytes | None:
        row = self._r.execute(
            "SELECT data FROM inline_blobs WHERE blob_id = ?", (blob_id,)
        ).fetchone()
        return bytes(row[0]) if row else None

    # Multipart -------------------------------------------------------------------------
    async def create_upload(self, record: UploadRecord) -> None:
        def op(c: sqlite3.Connection) -> None:
            if not c.execute("SELECT 1 FROM buckets WHERE name = ?", (record.bucket,)).fetchone():
                raise NoSuchBucket(record.bucket)
            c.execute(
                "INSERT INTO uploads (upload_id, bucket, key, initiated, owner_id, "
                "storage_class, headers, extra) VALUES (?,?,?,?,?,?,?,?)",
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
        row = self._r.execute(
            "SELECT upload_id, bucket, key, initiated, owner_id, storage_class, headers, extra "
            "FROM uploads WHERE upload_id = ?",
            (upload_id,),
        ).fetchone()
        return upload_from_row(row) if row else None

    async def put_part(self, part: PartRecord, inline_data: bytes | None = None) -> None:
        def op(c: sqlite3.Connection) -> None:
            if not c.execute(
                "SELECT 1 FROM uploads WHERE upload_id = ?", (part.upload_id,)
            ).fetchone():
                raise NoSuchUpload(part.upload_id)
            old = c.execute(
                "SELECT segment FROM parts WHERE upload_id = ? AND part_number = ?",
                (part.upload_id, part.part_number),
            ).fetchone()
            seg = part.segment
            if seg.inline:
                c.execute(
                    "INSERT INTO inline_blobs (blob_id, data) VALUES (?, ?)",
                    (seg.blob_id, inline_data if inline_data is not None else b""),
                )
            else:
                c.execute("INSERT OR IGNORE INTO blobs (blob_id) VALUES (?)", (seg.blob_id,))
            c.execute(
                "INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, "
                "last_modified, segment, extra) VALUES (?,?,?,?,?,?,?)",
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
                self._to_garbage(c, [segment_from_json(old[0])], time.time())

        await self._write(op)

    async def list_parts(self, upload_id: str, after_part: int, limit: int) -> list[PartRecord]:
        rows = self._r.execute(
            "SELECT upload_id, part_number, size, etag, last_modified, segment, extra "
            "FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
            (upload_id, after_part, limit),
        )
        return [part_from_row(row) for row in rows]

    async def list_uploads(
        self, bucket: str, prefix: str, key_marker: str, upload_id_marker: str, limit: int
    ) -> list[UploadRecord]:
        sql, args = queries.list_uploads("?", bucket, prefix, key_marker, upload_id_marker, limit)
        return [upload_from_row(row) for row in self._r.execute(sql, args)]

    async def complete_upload(
        self,
        upload_id: str,
        record: ObjectRecord,
        used_parts: list[int],
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        def op(c: sqlite3.Connection) -> ObjectRecord | None:
            if not c.execute("SELECT 1 FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone():
                raise NoSuchUpload(upload_id)
            versioning = self._check_write_conditions(
                c, record.bucket, record.key, if_none_match, if_match_etag
            )
            stored = [
                (number, segment_from_json(seg_json))
                for number, seg_json in c.execute(
                    "SELECT part_number, segment FROM parts WHERE upload_id = ?", (upload_id,)
                ).fetchall()
            ]
            leftovers = parts_left_over(stored, used_parts, record.segments)
            self._to_garbage(c, leftovers, time.time())
            c.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            c.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
            return self._make_current(c, record, versioning)

        return await self._write(op)

    async def abort_upload(self, upload_id: str) -> None:
        def op(c: sqlite3.Connection) -> None:
            if not c.execute("SELECT 1 FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone():
                raise NoSuchUpload(upload_id)
            segs = [
                segment_from_json(r[0])
                for r in c.execute(
                    "SELECT segment FROM parts WHERE upload_id = ?", (upload_id,)
                ).fetchall()
            ]
            self._to_garbage(c, segs, time.time())
            c.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            c.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))

        await self._write(op)

    # Reclaim ---------------------------------------------------------------------------
    async def due_garbage(self, now: float, limit: int) -> list[tuple[str, bool]]:
        rows = self._r.execute(
            "SELECT blob_id, inline FROM garbage WHERE due <= ? ORDER BY due LIMIT ?",
            (now, limit),
        ).fetchall()
        return [(r[0], bool(r[1])) for r in rows]

    async def forget_garbage(self, blob_ids: list[str]) -> None:
        def op(c: sqlite3.Connection) -> None:
            for blob_id in blob_ids:
                row = c.execute(
                    "SELECT inline FROM garbage WHERE blob_id = ?", (blob_id,)
                ).fetchone()
                if row and row[0]:
                    c.execute("DELETE FROM inline_blobs WHERE blob_id = ?", (blob_id,))
                c.execute("DELETE FROM garbage WHERE blob_id = ?", (blob_id,))

        await self._write(op)

    async def known_blobs(self, blob_ids: list[str]) -> set[str]:
        known: set[str] = set()
        for blob_id in blob_ids:
            if self._r.execute(
                "SELECT 1 FROM blobs WHERE blob_id = ? UNION ALL "
                "SELECT 1 FROM garbage WHERE blob_id = ? LIMIT 1",
                (blob_id, blob_id),
            ).fetchone():
                known.add(blob_id)
        return known

    # Leases ----------------------------------------------------------------------------
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        def op(c: sqlite3.Connection) -> bool:
            now = time.time()
            row = c.execute(
                "INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires = excluded.expires WHERE leases.holder = excluded.holder "
                "OR leases.expires < ? RETURNING holder",
                (name, holder, now + seconds, now),
            ).fetchone()
            return row is not None

        return bool(await self._write(op))

    async def release_lease(self, name: str, holder: str) -> None:
        def op(c: sqlite3.Connection) -> None:
            c.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

        await self._write(op)
