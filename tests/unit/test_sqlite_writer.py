"""SqliteWriter: group commit, per-write savepoints, results to the right futures, draining stop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hydria.meta.sqlite.connection import connect
from hydria.meta.sqlite.writer import SqliteWriter

WAIT = 10.0


class Traced:
    """Builds writer connections that record every statement they run."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float | None = None,
        deferred_fk: bool = False,
        max_pages: int | None = None,
    ):
        self.path = path
        self.timeout = timeout
        self.deferred_fk = deferred_fk
        self.max_pages = max_pages
        self.statements: list[str] = []

    def __call__(self) -> sqlite3.Connection:
        conn = connect(self.path)
        if self.timeout is not None:
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        if self.deferred_fk:
            conn.execute("PRAGMA foreign_keys=ON")
        if self.max_pages is not None:
            conn.execute(f"PRAGMA max_page_count={self.max_pages}")
        conn.set_trace_callback(self.statements.append)
        return conn

    def count(self, verb: str) -> int:
        return sum(1 for s in self.statements if s.strip().upper().startswith(verb))


class Gate:
    """A write that holds the writer thread until released, so others queue up behind it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: sqlite3.Connection) -> str:
        self.started.set()
        assert self.release.wait(WAIT)
        return "gate"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite3"
    conn = connect(path)
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER "
        "REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    conn.close()
    return path


def rows(path: Path) -> list[int]:
    conn = sqlite3.connect(str(path))
    try:
        return [r[0] for r in conn.execute("SELECT n FROM t ORDER BY n")]
    finally:
        conn.close()


def insert(n: int, record: list[tuple[int, bool, int]] | None = None, traced: Traced | None = None):
    """A write inserting row ``n``; optionally records (n, in transaction, BEGINs so far)."""

    def fn(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t (n, v) VALUES (?, ?)", (n, str(n)))
        if record is not None and traced is not None:
            record.append((n, conn.in_transaction, traced.count("BEGIN")))
        return n

    return fn


def run_with_writer(traced: Traced, max_batch: int, body: Callable[[SqliteWriter], object]):
    async def main() -> object:
        writer = SqliteWriter(traced, max_batch)
        writer.start()
        try:
            return await body(writer)  # type: ignore[misc]
        finally:
            writer.stop()

    return asyncio.run(main())


def test_writes_queued_behind_a_busy_writer_share_one_transaction(db: Path) -> None:
    traced = Traced(db)
    record: list[tuple[int, bool, int]] = []
    threads: set[int] = set()

    def insert_noting_thread(n: int):
        inner = insert(n, record, traced)

        def fn(conn: sqlite3.Connection) -> int:
            threads.add(threading.get_ident())
            return inner(conn)

        return fn

    async def body(writer: SqliteWriter) -> None:
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [writer.submit(insert_noting_thread(n)) for n in range(100)]
        gate.release.set()
        assert await first == "gate"
        assert await asyncio.gather(*futures) == list(range(100))

    run_with_writer(traced, 256, body)
    assert traced.count("BEGIN") == 2  # the gate's batch, then all 100 together
    assert traced.count("COMMIT") == 2
    assert {begins for _, _, begins in record} == {2}
    assert all(in_tx for _, in_tx, _ in record)
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert rows(db) == list(range(100))


def test_max_batch_caps_how_many_writes_share_a_transaction(db: Path) -> None:
    traced = Traced(db)
    record: list[tuple[int, bool, int]] = []

    async def body(writer: SqliteWriter) -> None:
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [writer.submit(insert(n, record, traced)) for n in range(95)]
        gate.release.set()
        await first
        await asyncio.gather(*futures)

    run_with_writer(traced, 10, body)
    assert traced.count("BEGIN") == 1 + 10
    sizes: dict[int, int] = {}
    for _, _, begins in record:
        sizes[begins] = sizes.get(begins, 0) + 1
    assert [sizes[b] for b in sorted(sizes)] == [10] * 9 + [5]
    assert [n for n, _, _ in record] == list(range(95))  # in submission order


def test_failing_write_is_undone_alone_and_batch_neighbours_commit(db: Path) -> None:
    traced = Traced(db)
    record: list[tuple[int, bool, int]] = []
    boom = ValueError("boom")

    def insert_then_fail(conn: sqlite3.Connection) -> None:
        insert(2, record, traced)(conn)
        raise boom

    async def body(writer: SqliteWriter) -> None:
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [
            writer.submit(insert(1, record, traced)),
            writer.submit(insert_then_fail),
            writer.submit(insert(3, record, traced)),
            writer.submit(insert(1)),  # duplicate primary key: IntegrityError
            writer.submit(insert(5, record, traced)),
        ]
        gate.release.set()
        await first
        results = await asyncio.gather(*futures, return_exceptions=True)
        assert results[0] == 1
        assert results[1] is boom
        assert results[2] == 3
        assert isinstance(results[3], sqlite3.IntegrityError)
        assert results[4] == 5

    run_with_writer(traced, 256, body)
    assert {begins for _, _, begins in record} == {2}  # all in the same transaction
    assert rows(db) == [1, 3, 5]


def test_results_and_exceptions_reach_the_futures_that_submitted_them(db: Path) -> None:
    def compute(i: int):
        def fn(conn: sqlite3.Connection) -> int:
            if i % 3 == 0:
                raise KeyError(i)
            return conn.execute("SELECT ? * ?", (i, i)).fetchone()[0]

        return fn

    async def body(writer: SqliteWriter) -> None:
        futures = []
        for i in range(300):
            futures.append(writer.submit(compute(i)))
            if i % 50 == 0:
                await asyncio.sleep(0)  # let batches of varied sizes form
        results = await asyncio.gather(*futures, return_exceptions=True)
        for i, result in enumerate(results):
            if i % 3 == 0:
                assert isinstance(result, KeyError) and result.args == (i,)
            else:
                assert result == i * i
        assert await writer.run(compute(7)) == 49

    run_with_writer(Traced(db), 16, body)


def test_writes_from_two_event_loops_resolve_on_their_own_loop(db: Path) -> None:
    writer = SqliteWriter(Traced(db), 32)
    writer.start()
    outcomes: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def loop_thread(base: int) -> None:
        async def main() -> list[int]:
            futures = [writer.submit(insert(base + n)) for n in range(50)]
            return list(await asyncio.gather(*futures))

        try:
            outcomes[base] = asyncio.run(main())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=loop_thread, args=(base,)) for base in (0, 1000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    writer.stop()
    assert errors == []
    assert outcomes == {0: list(range(50)), 1000: list(range(1000, 1050))}
    assert len(rows(db)) == 100


def test_stop_drains_writes_queued_before_it(db: Path) -> None:
    async def main() -> None:
        writer = SqliteWriter(Traced(db), 8)
        writer.start()
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [writer.submit(insert(n)) for n in range(50)]
        timer = threading.Timer(0.1, gate.release.set)
        timer.start()
        writer.stop()  # queued after the 50 writes; returns once they are done
        timer.join()
        assert rows(db) == list(range(50))
        assert await first == "gate"
        assert await asyncio.gather(*futures) == list(range(50))

    asyncio.run(main())


def test_failed_commit_fails_every_write_in_the_batch_and_writer_carries_on(db: Path) -> None:
    traced = Traced(db, deferred_fk=True)

    def orphan_child(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO child (id, parent) VALUES (1, 999)")  # checked at COMMIT
        return "queued"

    async def body(writer: SqliteWriter) -> None:
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [writer.submit(insert(1)), writer.submit(orphan_child), writer.submit(insert(2))]
        gate.release.set()
        await first
        results = await asyncio.gather(*futures, return_exceptions=True)
        assert all(isinstance(r, sqlite3.IntegrityError) for r in results)
        assert rows(db) == []
        assert await writer.submit(insert(3)) == 3

    run_with_writer(traced, 256, body)
    assert rows(db) == [3]


def test_failed_begin_fails_the_batch_and_writer_carries_on(db: Path) -> None:
    traced = Traced(db, timeout=0.05)

    async def body(writer: SqliteWriter) -> None:
        holder = sqlite3.connect(str(db), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            with pytest.raises(sqlite3.OperationalError):
                await writer.submit(insert(1))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert await writer.submit(insert(2)) == 2

    run_with_writer(traced, 256, body)
    assert rows(db) == [2]


def test_write_hitting_disk_full_fails_alone_and_writer_carries_on(db: Path) -> None:
    # SQLITE_FULL can make SQLite roll back the whole transaction, savepoints included; the
    # writer must still answer every future truthfully and keep serving later writes.
    conn = connect(db)
    conn.execute("CREATE TABLE big (n INTEGER PRIMARY KEY, v BLOB)")
    conn.execute("CREATE INDEX big_v ON big (v)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    traced = Traced(db, max_pages=pages + 4)

    def fill_disk(conn: sqlite3.Connection) -> None:
        for n in range(1000):
            conn.execute("INSERT INTO big (n, v) VALUES (?, ?)", (n, bytes([n % 256]) * 3000))

    async def body(writer: SqliteWriter) -> None:
        gate = Gate()
        first = writer.submit(gate)
        assert gate.started.wait(WAIT)
        futures = [writer.submit(insert(1)), writer.submit(fill_disk), writer.submit(insert(3))]
        gate.release.set()
        await first
        results = await asyncio.wait_for(
            asyncio.gather(*futures, return_exceptions=True), timeout=5.0
        )
        assert isinstance(results[1], sqlite3.OperationalError)
        landed = rows(db)
        for n, result in ((1, results[0]), (3, results[2])):
            assert (result == n) == (n in landed), (n, result, landed)
        assert await asyncio.wait_for(writer.submit(insert(4)), timeout=5.0) == 4

    run_with_writer(traced, 256, body)
    assert 4 in rows(db)


def test_start_raises_when_the_connection_cannot_open(tmp_path: Path) -> None:
    def broken() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    writer = SqliteWriter(broken, 4)
    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        writer.start()
    writer.stop()


def test_commit_listener_hears_each_successful_commit_only(db: Path) -> None:
    heard: list[int] = []
    traced = Traced(db)

    def failing(conn: sqlite3.Connection) -> None:
        raise ValueError("nothing to commit")

    async def main() -> None:
        writer = SqliteWriter(traced, 256, on_commit=lambda: heard.append(traced.count("COMMIT")))
        writer.start()
        try:
            assert await writer.submit(insert(1)) == 1
            with pytest.raises(ValueError):
                await writer.submit(failing)  # rolled back to its savepoint; COMMIT still runs
            assert await writer.submit(insert(2)) == 2
        finally:
            writer.stop()

    asyncio.run(main())
    assert heard == [1, 2, 3]
    assert rows(db) == [1, 2]


def test_a_failing_commit_listener_fails_no_write(db: Path) -> None:
    def listener() -> None:
        raise RuntimeError("listener broken")

    async def main() -> None:
        writer = SqliteWriter(Traced(db), 256, on_commit=listener)
        writer.start()
        try:
            assert await asyncio.wait_for(writer.submit(insert(1)), WAIT) == 1
            assert await asyncio.wait_for(writer.submit(insert(2)), WAIT) == 2
        finally:
            writer.stop()

    asyncio.run(main())
    assert rows(db) == [1, 2]
