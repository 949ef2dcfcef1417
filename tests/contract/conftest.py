"""The ``meta_store`` fixture: every contract test runs once per backend in
``backends.BACKENDS``.

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
from backends import BACKENDS, DEFAULT_GRACE, StoreFactory

from hydria.meta.store import MetaStore

T = TypeVar("T")


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
