"""Two nodes, 50 clients, the same 20 keys: overwrites and deletes race across nodes.

Each operation's start and acknowledgement times are recorded. For each key, the final state
must be the outcome of one of its last operations: an acknowledged operation that no other
operation on the key began after (those that overlap at the end may commit in either order;
one that began after another was acknowledged must follow it). Every body read back is exactly
one PUT's body: never a mix of two writes, never bytes of another key.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError
from cluster_harness import HydriaCluster, bookkeeping_problems
from test_three_nodes import client_for

CLIENTS = 50
KEYS = [f"key-{n:02d}" for n in range(20)]
OPS_PER_CLIENT = 12


@dataclass
class Op:
    key: str
    kind: str
    """"put" or "delete"."""
    digest: str | None
    """MD5 of the body a put wrote."""
    started: float
    acked: float = 0.0


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HydriaCluster]:
    nodes = HydriaCluster(tmp_path_factory.mktemp("race"), 2, balancer=False).start()
    yield nodes
    nodes.stop()


def body_for(client: int, n: int) -> bytes:
    """A body that names its writer; every third is large enough to be a blob file."""
    stamp = f"client {client} op {n};".encode()
    size = 96 * 1024 if (client + n) % 3 == 0 else 512
    return (stamp * (size // len(stamp) + 1))[:size]


def final_candidates(ops: list[Op]) -> list[Op]:
    """The operations one of which must be the key's final state."""
    return [op for op in ops if not any(other.started > op.acked for other in ops)]


@pytest.mark.parametrize("versioning", ["", "Enabled"])
def test_final_state_is_the_last_acknowledged_operation(two_nodes, versioning) -> None:
    bucket = f"race-{versioning.lower() or 'plain'}"
    endpoints = [node.endpoint for node in two_nodes.nodes]
    setup = client_for(endpoints[0])
    setup.create_bucket(Bucket=bucket)
    if versioning:
        setup.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": versioning})
    clients = [client_for(endpoints[n % 2]) for n in range(CLIENTS)]
    bodies: dict[str, bytes] = {}
    ops: list[Op] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS, timeout=60)

    def run(number: int) -> None:
        client = clients[number]
        rng = random.Random(number)
        barrier.wait()
        for n in range(OPS_PER_CLIENT):
            key = rng.choice(KEYS)
            if rng.random() < 0.7:
                body = body_for(number, n)
                digest = hashlib.md5(body).hexdigest()
                op = Op(key, "put", digest, time.monotonic())
                client.put_object(Bucket=bucket, Key=key, Body=body)
            else:
                body, digest = b"", None
                op = Op(key, "delete", None, time.monotonic())
                client.delete_object(Bucket=bucket, Key=key)
            op.acked = time.monotonic()
            with lock:
                ops.append(op)
                if digest is not None:
                    bodies[digest] = body

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(run, range(CLIENTS)))  # re-raises any client's failure

    readers = [client_for(endpoint) for endpoint in endpoints]
    for key in KEYS:
        on_key = [op for op in ops if op.key == key]
        states = []
        for reader in readers:
            try:
                data = reader.get_object(Bucket=bucket, Key=key)["Body"].read()
                states.append(hashlib.md5(data).hexdigest())
                assert hashlib.md5(data).hexdigest() in bodies, f"{key}: bytes of no single PUT"
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "NoSuchKey"
                states.append(None)
        assert states[0] == states[1], f"{key}: the two nodes disagree"
        if not on_key:
            assert states[0] is None
            continue
        allowed = {op.digest for op in final_candidates(on_key)}
        assert states[0] in allowed, f"{key}: final state is not one of the last operations"
        if versioning:
            assert_every_operation_kept(readers[0], bucket, key, on_key)
    assert bookkeeping_problems(two_nodes.meta_dsn) == {}


def assert_every_operation_kept(reader, bucket: str, key: str, on_key: list[Op]) -> None:  # type: ignore[no-untyped-def]
    """On a versioned bucket nothing is lost: one version per acknowledged PUT (its bytes'
    ETag) and one delete marker per acknowledged DELETE, none more."""
    listed = reader.list_object_versions(Bucket=bucket, Prefix=key)
    versions = [v for v in listed.get("Versions", []) if v["Key"] == key]
    markers = [m for m in listed.get("DeleteMarkers", []) if m["Key"] == key]
    assert sorted(v["ETag"].strip('"') for v in versions) == sorted(
        op.digest for op in on_key if op.kind == "put"
    ), f"{key}: the versions are not the acknowledged PUTs"
    assert len(markers) == sum(op.kind == "delete" for op in on_key), key
