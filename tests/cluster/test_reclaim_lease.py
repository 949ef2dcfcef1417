"""Reclaim runs on one node at a time, through a lease in PostgreSQL, and survives its death.

Two nodes with a 5 s grace delay and a 1 s pass interval (so a 4 s lease): long enough that
a stall of a loaded machine neither moves the lease nor lets the orphan scan take a blob whose
metadata is still being committed. The lease row
names the holding process; bytes an overwrite released are reclaimed while it holds it. When
that node is killed, the other takes the lease over once it expires and reclaims in its place.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from cluster_harness import HydriaCluster
from harness import committed_blob_files
from test_three_nodes import client_for

DEADLINE = 30.0
FILE_SIZE = 100 * 1024  # above the inline threshold: a blob file


@pytest.fixture
def two_nodes(tmp_path) -> Iterator[HydriaCluster]:  # type: ignore[no-untyped-def]
    nodes = HydriaCluster(
        tmp_path,
        2,
        balancer=False,
        env={"HYDRIA_ORPHAN_GRACE_SECONDS": "5", "HYDRIA_GC_INTERVAL_SECONDS": "1"},
    ).start()
    yield nodes
    nodes.stop()


def wait_for(condition: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {DEADLINE} s: {what}")


def lease_holder_pid(dsn: str) -> int | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT holder FROM leases WHERE name = 'reclaim' "
            "AND expires > extract(epoch FROM clock_timestamp())"
        ).fetchone()
    return int(row[0].split(":")[1]) if row else None


def overwrite_and_wait_for_reclaim(cluster: HydriaCluster, client, key: str) -> None:  # type: ignore[no-untyped-def]
    """Write a file-sized object twice; the first version's blob file must disappear."""
    existing = committed_blob_files(cluster.data_dir)
    client.put_object(Bucket="lease-bucket", Key=key, Body=os.urandom(FILE_SIZE))
    before = committed_blob_files(cluster.data_dir)
    client.put_object(Bucket="lease-bucket", Key=key, Body=os.urandom(FILE_SIZE))
    after_write = committed_blob_files(cluster.data_dir)
    released = (before & after_write) - existing
    assert released, "the overwrite should leave the old blob file for reclaim"
    wait_for(
        lambda: not (released & committed_blob_files(cluster.data_dir)),
        f"reclaim of {sorted(released)}",
    )


def test_one_node_holds_the_lease_and_the_other_takes_over_when_it_dies(two_nodes) -> None:
    pids = {node.proc.pid: node for node in two_nodes.nodes if node.proc is not None}
    holder = wait_for(lambda: lease_holder_pid(two_nodes.meta_dsn), "a reclaim lease holder")
    assert holder in pids, "the lease names one of the nodes' processes"
    holding, other = pids[holder], next(n for p, n in pids.items() if p != holder)

    client = client_for(other.endpoint)
    client.create_bucket(Bucket="lease-bucket")
    overwrite_and_wait_for_reclaim(two_nodes, client, "first")

    holding.kill()
    assert other.proc is not None
    survivor = other.proc.pid
    wait_for(lambda: lease_holder_pid(two_nodes.meta_dsn) == survivor, "the survivor's lease")
    overwrite_and_wait_for_reclaim(two_nodes, client, "second")
