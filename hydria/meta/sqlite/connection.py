"""Opening SQLite connections with the settings every Hydria connection needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

READER_CACHE_KIB = 65536
# The writer reads a few hot pages (the bucket row, the key's leaf) and writes most pages once;
# a smaller cache measured faster for it (4 KiB PUTs on the store alone: 152-163 against
# 196-201 us of CPU on a versioned bucket, no worse on an unversioned one).
WRITER_CACHE_KIB = 8192
# The checkpointer reads WAL frames, not the b-trees: it needs almost no cache.
CHECKPOINTER_CACHE_KIB = 1024


def connect(path: Path, cache_kib: int = READER_CACHE_KIB) -> sqlite3.Connection:
    """Open a connection with the settings every Hydria connection needs."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is fsynced before it returns, so a 2xx survives power loss.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    return conn


def connect_writer(path: Path, wal_cycle_pages: int) -> sqlite3.Connection:
    """The writer's connection: a small cache, and its automatic checkpoint at the WAL's cycle."""
    conn = connect(path, WRITER_CACHE_KIB)
    pages = int(wal_cycle_pages)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute(f"PRAGMA wal_autocheckpoint={pages}")
    # After a reader held the WAL past its cycle, shrink the file back when it restarts.
    conn.execute(f"PRAGMA journal_size_limit={pages * page_size}")
    return conn
