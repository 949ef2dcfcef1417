"""Shared fixtures: one real Hydria server per test worker, and clients for it.

With ``HYDRIA_TEST_CLUSTER=<n>`` the session's server is instead n nodes on one PostgreSQL
database and one blob directory behind nginx (cluster_harness.py): the S3 suite then runs
through a round-robin of the nodes.
"""

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


CLUSTER_ENV = "HYDRIA_TEST_CLUSTER"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HydriaServer]:
    nodes = int(os.environ.get(CLUSTER_ENV) or 0)
    if nodes:
        from cluster_harness import HydriaCluster

        cluster = HydriaCluster(tmp_path_factory.mktemp("hydria-cluster"), nodes).start()
        yield cluster  # type: ignore[misc]
        cluster.stop()
        return
    srv = HydriaServer(tmp_path_factory.mktemp("hydria") / "data")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def node(server: HydriaServer) -> HydriaServer:
    """One process of the session's server, for tests of a node's own wire behaviour (the
    connections a balancer manages are its own): the server itself, or a cluster's first node."""
    return getattr(server, "nodes", [server])[0]


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
