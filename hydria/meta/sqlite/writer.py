"""The single SQLite writer: one thread owns the write connection and batches commits.

Callers submit a function of the connection and await its result. The thread drains whatever
is queued (up to ``max_batch``) into one transaction, each function inside its own SAVEPOINT so
one failure does not undo its neighbours, then commits once: many small writes share one fsync
(group commit). With several server processes each has its own writer; SQLite's file lock
(``BEGIN IMMEDIATE`` + busy timeout) serialises them.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("hydria.meta.sqlite")

_STOP = object()


def _resolve(fut: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if fut.cancelled():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)


def _resolve_all(results: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for fut, result, error in results:
        _resolve(fut, result, error)


class SqliteWriter:
    """Owns the write connection; see module docstring."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        max_batch: int,
        lock_path: str | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._connect = connect
        self._on_commit = on_commit
        self._lock_path = lock_path
        self._max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            try:
                conn = self._connect()
            except BaseException as exc:  # surfaced to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            try:
                self._run(conn)
            finally:
                conn.close()

        self._thread = threading.Thread(target=main, name="hydria-sqlite-writer", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._queue.put((fn, fut, loop))
        return fut

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self.submit(fn)

    def _run(self, conn: sqlite3.Connection) -> None:
        lock_fd = (
            os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600) if self._lock_path else None
        )
        try:
            self._serve(conn, lock_fd)
        finally:
            if lock_fd is not None:
                os.close(lock_fd)

    def _serve(self, conn: sqlite3.Connection, lock_fd: int | None) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            stop_after = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop_after = True
                    break
                batch.append(nxt)
            if lock_fd is None:
                self._execute_batch(conn, batch)
            else:
                # Writers of other processes queue on this lock in the kernel and wake the
                # moment it is free, instead of polling SQLite's busy handler in 1-10 ms sleeps.
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
                try:
                    self._execute_batch(conn, batch)
                finally:
                    fcntl.flock(lock_fd, fcntl.LOCK_UN)
            if stop_after:
                return

    def _notify_commit(self) -> None:
        """Tell the listener (the checkpointer) of a commit; its failure fails no write."""
        if self._on_commit is None:
            return
        try:
            self._on_commit()
        except Exception:
            log.exception("commit listener failed")

    def _execute_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        outcomes: list[tuple[Any, Any, Any, BaseException | None]] = []
        # Outcomes inside the open transaction: final only once COMMIT succeeds.
        pending: list[tuple[Any, Any, Any, BaseException | None]] = []
        for fn, fut, loop in batch:
            if not conn.in_transaction:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    outcomes.append((fut, loop, None, exc))
                    continue
            conn.execute("SAVEPOINT w")
            try:
                result = fn(conn)
            except BaseException as exc:  # reported to the caller, batch continues
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO w")
                    conn.execute("RELEASE w")
                else:
                    # Some errors (SQLITE_FULL, I/O errors) roll back the whole transaction:
                    # the writes before this one in the batch are lost with it.
                    outcomes.extend((f, lp, None, exc) for f, lp, _, _ in pending)
                    pending = []
                outcomes.append((fut, loop, None, exc))
            else:
                conn.execute("RELEASE w")
                pending.append((fut, loop, result, None))
        if conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                log.error("group commit failed: %s", exc)
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                pending = [(fut, loop, None, exc) for fut, loop, _, _ in pending]
            else:
                self._notify_commit()
        outcomes.extend(pending)
        # One wake-up per event loop for the whole batch, not one per write.
        by_loop: dict[Any, list[tuple[Any, Any, BaseException | None]]] = {}
        for fut, loop, result, error in outcomes:
            by_loop.setdefault(loop, []).append((fut, result, error))
        for loop, results in by_loop.items():
            loop.call_soon_threadsafe(_resolve_all, results)
