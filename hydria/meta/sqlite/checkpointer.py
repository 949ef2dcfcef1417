"""Background WAL checkpoints, so the writer never waits on the database file's fsync.

By default SQLite checkpoints inside the COMMIT that crosses ``wal_autocheckpoint`` pages: the
writer copies the WAL's pages into the database file and fsyncs it while every queued write
waits. Here the writer's automatic checkpoint is pushed far out (a safety net) and a thread
with its own connection runs PASSIVE checkpoints, which copy what is committed without blocking
the writer, at most every ``interval`` seconds while writes keep coming.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger("hydria.meta.sqlite")

# The writer's own automatic checkpoint, only reached if the background one falls behind.
WRITER_AUTOCHECKPOINT_PAGES = 16384
CHECKPOINT_INTERVAL = 0.1


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

    @staticmethod
    def checkpoint(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # another process checkpointing, a busy reader: next time
            log.debug("background checkpoint skipped: %s", exc)
