"""The metadata-store backends that every contract test runs against.

A backend is one entry in ``BACKENDS``: a function that builds an unstarted store whose data
lives under the given directory (or in a database derived from it) and whose garbage grace delay
is the given number of seconds. Two stores built from the same directory see the same data, which
is how the persistence tests reopen a store. A module of its own (not conftest.py) so tests can
import it by name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pgcluster import database_name, shared_cluster

from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.meta.store import MetaStore

StoreFactory = Callable[[Path, float], MetaStore]

DEFAULT_GRACE = 600.0
"""Grace delay (seconds) for released bytes unless a test asks for another."""


def _sqlite(directory: Path, grace: float) -> MetaStore:
    store = SqliteMetaStore(directory / "meta.sqlite3", max_batch=64, inline_grace=grace)
    store.grace_seconds = grace
    return store


def _postgresql(directory: Path, grace: float) -> MetaStore:
    # Imported here, so this module (and the SQLite backend) work without it.
    from hydria.meta.postgres.store import PostgresMetaStore

    dsn = shared_cluster().create_database(database_name(directory))
    store = PostgresMetaStore(dsn, inline_grace=grace)
    store.grace_seconds = grace
    return store


BACKENDS: dict[str, StoreFactory] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}
