"""The metadata-store backends that every contract test runs against.

A backend is one entry in ``BACKENDS``: a function that builds an unstarted store whose data
lives under the given directory (or in a database derived from it) and whose garbage grace delay
is the given number of seconds. Two stores built from the same directory see the same data, which
is how the persistence tests reopen a store.

Tests are plain functions: each writes ``async def body(store)`` and hands it to
``meta_store.run``, which starts a fresh store, awaits the body and closes the store, all inside
one ``asyncio.run`` (a store's writer resolves results on the loop that submitted the write, so
start, use and close must share a loop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.meta.store import MetaStore

T = TypeVar("T")

StoreFactory = Callable[[Path, float], MetaStore]

DEFAULT_GRACE = 600.0
"""Grace delay (seconds) for released bytes unless a test asks for another."""


def _sqlite(directory: Path, grace: float) -> MetaStore:
    store = SqliteMetaStore(directory / "meta.sqlite3", max_batch=64, inline_grace=grace)
    store.grace_seconds = grace
    return store


BACKENDS: dict[str, StoreFactory] = {
    "sqlite": _sqlite,
}


class StoreRunner:
    """Runs test bodies against stores of one backend that share one data directory."""

    def __init__(self, backend: str, factory: StoreFactory, directory: Path) -> None:
        self.backend = backend
        self._factory = factory
        self._directory = directory

    def run(self, body: Callable[[MetaStore], Awaitable[T]], *, grace: float = DEFAULT_GRACE) -> T:
        """Start a store, await ``body(store)``, close the store; return the body's result."""

        async def main() -> T:
            store = self._factory(self._directory, grace)
            await store.start()
            try:
                return await body(store)
            finally:
                await store.close()

        return asyncio.run(main())


@pytest.fixture(params=list(BACKENDS))
def meta_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreRunner:
    directory = tmp_path / "meta"
    directory.mkdir()
    return StoreRunner(request.param, BACKENDS[request.param], directory)
