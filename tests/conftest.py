"""Shared fixtures: one real Hydria server per test worker, and clients for it."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import HydriaServer  # noqa: E402

_counter = itertools.count()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HydriaServer]:
    srv = HydriaServer(tmp_path_factory.mktemp("hydria") / "data")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def s3(server: HydriaServer):  # type: ignore[no-untyped-def]
    return server.client()


@pytest.fixture
def bucket(s3, request: pytest.FixtureRequest) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty bucket for one test."""
    name = f"t{os.getpid()}-{next(_counter)}-{request.node.name[:20]}".lower()
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name)[:63].rstrip("-")
    s3.create_bucket(Bucket=name)
    return name
