"""Background WAL checkpoints, so the writer rarely waits on the database file's fsync.

By default SQLite checkpoints inside the COMMIT that crosses ``wal_autocheckpoint`` pages (1,000):
the writer copies the WAL's pages into the database file and fsyncs it while every queued write
waits. Here a thread with its own connection runs PASSIVE checkpoints, which copy what is
committed without blocking the writer, at most every ``interval`` seconds while writes keep
coming. SQLite starts the WAL over only when a write begins with every frame copied, which
under sustained writes a background checkpoint never quite achieves; so the writer keeps its
own automatic checkpoint at ``WRITER_AUTOCHECKPOINT_PAGES``: the WAL cycles within that size,
and the writer's checkpoint finds all but the newest frames already copied (one database fsync
per cycle instead of one per 1,000 pages).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

log = logging.getLogger("hydria.meta.sqlite")

# The WAL's cycle under sustained writes (64 MiB of 4 KiB pages); measured a little faster for
# versioned PUTs than 4,000 pages.
WRITER_AUTOCHECKPOINT_PAGES = 16384
CHECKPOINT_INTERVAL = 0.1
WARNING_INTERVAL = 60.0


class Checkpointer:
    """One thread, one connection; ``notify`` after each commit wakes it."""

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], interval: float = CHECKPOINT_INTERVAL
    ) -> None:
        self._connect = connect
        self._interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_warning = -WARNING_INTERVAL

    def start(self) -> None:
        conn = self._connect()
        self._thread = threading.Thread(
            target=self._run, args=(conn,), name="hydria-sqlite-checkpointer", daemon=True
        )
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while not self._stopping.is_set():
                self._wake.wait()
                self._wake.clear()
                if self._stopping.is_set():
                    break
                self.checkpoint(conn)
                # Let commits gather so one checkpoint (and one fsync) covers many of them.
                self._stopping.wait(self._interval)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        """One PASSIVE checkpoint; another process holding the checkpoint lock is not an error."""
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # disk full, I/O error: say so, at most once a minute
            now = time.monotonic()
            if now - self._last_warning >= WARNING_INTERVAL:
                self._last_warning = now
                log.warning("background checkpoint failed: %s", exc)
