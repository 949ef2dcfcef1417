"""SQLite schema and migrations, applied once at start by the first process to get there.

Keys are TEXT compared with BINARY collation, which for UTF-8 is byte order: the order S3
lists keys in. Migrations are a numbered list; ``schema_version`` records the last applied.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: the core tables
    """
    CREATE TABLE buckets (
        name TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        region TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE objects (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified REAL NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        segments TEXT NOT NULL,
        inline_blob TEXT,
        part_sizes TEXT,
        extra TEXT NOT NULL,
        PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID;

    CREATE TABLE inline_blobs (
        blob_id TEXT PRIMARY KEY,
        data BLOB NOT NULL
    );

    CREATE TABLE blobs (
        blob_id TEXT PRIMARY KEY
    ) WITHOUT ROWID;

    CREATE TABLE garbage (
        blob_id TEXT PRIMARY KEY,
        due REAL NOT NULL,
        inline INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX garbage_due ON garbage (due);

    CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        initiated REAL NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        extra TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);

    CREATE TABLE parts (
        upload_id TEXT NOT NULL,
        part_number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified REAL NOT NULL,
        segment TEXT NOT NULL,
        extra TEXT NOT NULL,
        PRIMARY KEY (upload_id, part_number)
    ) WITHOUT ROWID;
    """,
    # 2: versioning. ``objects`` keeps each key's current version (a delete marker too);
    # older versions move to ``versions``, newest first in its primary key, so a listing of
    # versions reads both tables in index order. Bucket configuration documents get a table.
    """
    ALTER TABLE buckets ADD COLUMN versioning TEXT NOT NULL DEFAULT '';
    ALTER TABLE objects ADD COLUMN version_id TEXT;
    ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE objects ADD COLUMN is_marker INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE versions (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified REAL NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        segments TEXT NOT NULL,
        inline_blob TEXT,
        part_sizes TEXT,
        extra TEXT NOT NULL,
        version_id TEXT,
        seq INTEGER NOT NULL,
        is_marker INTEGER NOT NULL,
        PRIMARY KEY (bucket, key, seq DESC)
    ) WITHOUT ROWID;

    CREATE TABLE bucket_configs (
        bucket TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (bucket, name)
    ) WITHOUT ROWID;
    """,
    # 3: leases, so that background work runs in one process at a time
    """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 4: PostgreSQL's one-statement object write; nothing to do here (numbers stay aligned)
    "",
]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations inside one immediate transaction; return the version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        current = row[0] if row else 0
        if row is None:
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for number, script in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (number,))
            current = number
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current
