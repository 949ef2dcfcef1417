"""PostgreSQL schema and migrations: the same tables, columns and numbering as SQLite's.

Keys and names use the "C" collation, which compares UTF-8 bytes: the order S3 lists keys in,
and the order the SQLite backend's BINARY collation gives. JSON columns stay TEXT, as in SQLite,
so both backends share one row shape (``hydria.meta.rows``). Nodes that start together may race
to migrate: a transaction-scoped advisory lock lets one apply the migrations while the others
wait and then find nothing left to do.
"""

from __future__ import annotations

import psycopg

from hydria.meta.postgres.functions import PUT_OBJECT_SQL

MIGRATION_LOCK = 0x48594452  # "HYDR": the advisory lock id that serialises migrations

MIGRATIONS: list[str] = [
    # 1: the core tables
    """
    CREATE TABLE buckets (
        name TEXT COLLATE "C" PRIMARY KEY,
        owner_id TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        region TEXT NOT NULL
    );

    CREATE TABLE objects (
        bucket TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        size BIGINT NOT NULL,
        etag TEXT NOT NULL,
        last_modified DOUBLE PRECISION NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        segments TEXT NOT NULL,
        inline_blob TEXT,
        part_sizes TEXT,
        extra TEXT NOT NULL,
        PRIMARY KEY (bucket, key)
    );

    CREATE TABLE inline_blobs (
        blob_id TEXT PRIMARY KEY,
        data BYTEA NOT NULL
    );

    CREATE TABLE blobs (
        blob_id TEXT PRIMARY KEY
    );

    CREATE TABLE garbage (
        blob_id TEXT PRIMARY KEY,
        due DOUBLE PRECISION NOT NULL,
        inline SMALLINT NOT NULL
    );
    CREATE INDEX garbage_due ON garbage (due);

    CREATE TABLE uploads (
        upload_id TEXT COLLATE "C" PRIMARY KEY,
        bucket TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        initiated DOUBLE PRECISION NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        extra TEXT NOT NULL
    );
    CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);

    CREATE TABLE parts (
        upload_id TEXT COLLATE "C" NOT NULL,
        part_number INTEGER NOT NULL,
        size BIGINT NOT NULL,
        etag TEXT NOT NULL,
        last_modified DOUBLE PRECISION NOT NULL,
        segment TEXT NOT NULL,
        extra TEXT NOT NULL,
        PRIMARY KEY (upload_id, part_number)
    );
    """,
    # 2: versioning (see the SQLite migration of the same number)
    """
    ALTER TABLE buckets ADD COLUMN versioning TEXT NOT NULL DEFAULT '';
    ALTER TABLE objects ADD COLUMN version_id TEXT;
    ALTER TABLE objects ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE objects ADD COLUMN is_marker SMALLINT NOT NULL DEFAULT 0;

    CREATE TABLE versions (
        bucket TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        size BIGINT NOT NULL,
        etag TEXT NOT NULL,
        last_modified DOUBLE PRECISION NOT NULL,
        owner_id TEXT NOT NULL,
        storage_class TEXT NOT NULL,
        headers TEXT NOT NULL,
        segments TEXT NOT NULL,
        inline_blob TEXT,
        part_sizes TEXT,
        extra TEXT NOT NULL,
        version_id TEXT,
        seq BIGINT NOT NULL,
        is_marker SMALLINT NOT NULL
    );
    CREATE UNIQUE INDEX versions_order ON versions (bucket, key, seq DESC);

    CREATE TABLE bucket_configs (
        bucket TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (bucket, name)
    );
    """,
    # 3: leases, so that background work runs on one node at a time
    """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    );
    """,
    # 4: an object write in one statement (hydria/meta/postgres/functions.py); SQLite has no
    # counterpart (its writes run in-process), so its migration 4 is empty
    PUT_OBJECT_SQL,
]


def migrate(conn: psycopg.Connection) -> int:
    """Apply pending migrations in one transaction; return the schema version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        current = row[0] if row else 0
        if row is None:
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for number, script in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            for statement in _statements(script):
                conn.execute(statement.encode())
            conn.execute("UPDATE schema_version SET version = %s", (number,))
            current = number
    return current


def _statements(script: str) -> list[str]:
    """A script's statements: split on ";" outside dollar-quoted function bodies."""
    statements: list[str] = []
    for n, part in enumerate(script.split("$$")):
        if n % 2:  # inside $$ ... $$: belongs to the statement being built
            statements[-1] += f"$${part}$$"
            continue
        pieces = part.split(";")
        if statements:
            statements[-1] += pieces.pop(0)
        statements.extend(pieces)
    return [s for s in statements if s.strip()]
