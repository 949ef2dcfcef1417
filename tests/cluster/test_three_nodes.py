"""Three Hydria nodes on one PostgreSQL database and one blob directory, behind nginx.

Any node serves any request: a write through one node reads back through the others at once,
multipart parts sent to different nodes complete into one object, listings agree. A node
killed with SIGKILL under concurrent write load loses no acknowledged write: every one reads
back exactly through the survivors, an unacknowledged one is either absent or whole, and the
node rejoins when restarted. The whole S3 suite also runs through this shape (scripts/test.sh,
HYDRIA_TEST_CLUSTER=3).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from cluster_harness import HydriaCluster, bookkeeping_problems
from harness import ACCESS_KEY, SECRET_KEY

MIB = 1024 * 1024


def client_for(endpoint: str, retries: int = 1):  # type: ignore[no-untyped-def]
    """A client of its own session (boto3's default session is not safe across threads)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": retries, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HydriaCluster]:
    nodes = HydriaCluster(tmp_path_factory.mktemp("three-nodes"), 3).start()
    yield nodes
    nodes.stop()


@pytest.fixture(scope="module")
def clients(cluster: HydriaCluster) -> list:  # type: ignore[type-arg]
    """One client per node, talking to it directly."""
    return [client_for(node.endpoint) for node in cluster.nodes]


def test_a_write_through_one_node_reads_back_through_every_other(clients) -> None:
    a, b, c = clients
    a.create_bucket(Bucket="raw-bucket")
    a.put_object(Bucket="raw-bucket", Key="k", Body=b"first")
    for other in (b, c):
        assert other.get_object(Bucket="raw-bucket", Key="k")["Body"].read() == b"first"
    big = os.urandom(200 * 1024)  # a blob file, not an inline row
    c.put_object(Bucket="raw-bucket", Key="k", Body=big)
    assert a.get_object(Bucket="raw-bucket", Key="k")["Body"].read() == big
    b.delete_object(Bucket="raw-bucket", Key="k")
    with pytest.raises(ClientError) as exc:
        a.head_object(Bucket="raw-bucket", Key="k")
    assert exc.value.response["Error"]["Code"] == "404"


def test_listings_agree_on_every_node(clients) -> None:
    clients[0].create_bucket(Bucket="list-bucket")
    for n in range(30):
        clients[n % 3].put_object(Bucket="list-bucket", Key=f"dir{n % 4}/key{n:02d}", Body=b"x")
    pages = [
        c.list_objects_v2(Bucket="list-bucket", Delimiter="/", Prefix="")["CommonPrefixes"]
        for c in clients
    ]
    assert pages[0] == pages[1] == pages[2] == [{"Prefix": f"dir{d}/"} for d in range(4)]
    keys = [
        [o["Key"] for o in c.list_objects_v2(Bucket="list-bucket")["Contents"]] for c in clients
    ]
    assert keys[0] == keys[1] == keys[2] == sorted(keys[0]) and len(keys[0]) == 30


def test_multipart_parts_sent_to_different_nodes_complete_into_one_object(clients) -> None:
    a, b, c = clients
    a.create_bucket(Bucket="mpu-bucket")
    upload_id = a.create_multipart_upload(Bucket="mpu-bucket", Key="big")["UploadId"]
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1234)]
    etags = []
    for number, (data, via) in enumerate(zip(parts, (b, c, a), strict=True), start=1):
        etags.append(
            via.upload_part(
                Bucket="mpu-bucket", Key="big", UploadId=upload_id, PartNumber=number, Body=data
            )["ETag"]
        )
    listed = c.list_parts(Bucket="mpu-bucket", Key="big", UploadId=upload_id)["Parts"]
    assert [p["ETag"] for p in listed] == etags
    b.complete_multipart_upload(
        Bucket="mpu-bucket",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]
        },
    )
    body = c.get_object(Bucket="mpu-bucket", Key="big")["Body"].read()
    assert hashlib.md5(body).digest() == hashlib.md5(b"".join(parts)).digest()
    assert a.get_object(Bucket="mpu-bucket", Key="big", PartNumber=2)["Body"].read() == parts[1]


def test_conditional_create_succeeds_exactly_once_across_nodes(cluster, clients) -> None:
    """Twelve clients on three nodes create each of 20 keys with If-None-Match: * at once."""
    clients[0].create_bucket(Bucket="once-bucket")
    racers = [client_for(cluster.nodes[n % 3].endpoint) for n in range(12)]
    barrier = threading.Barrier(len(racers), timeout=60)  # a failed racer breaks it: no hang

    def attempt(n: int) -> list[str]:
        outcomes = []
        for key in range(20):
            barrier.wait()
            try:
                racers[n].put_object(
                    Bucket="once-bucket", Key=f"lock-{key}", Body=f"{n}".encode(), IfNoneMatch="*"
                )
                outcomes.append("created")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])
            except BotoCoreError as exc:  # a timeout or a cut connection: reported, not fatal
                outcomes.append(type(exc).__name__)
        return outcomes

    with ThreadPoolExecutor(len(racers)) as pool:
        per_client = list(pool.map(attempt, range(len(racers))))
    for key in range(20):
        outcomes = [client_outcomes[key] for client_outcomes in per_client]
        assert outcomes.count("created") == 1, (key, outcomes)
        assert set(outcomes) <= {"created", "PreconditionFailed", "ConditionalRequestConflict"}
        body = clients[key % 3].get_object(Bucket="once-bucket", Key=f"lock-{key}")["Body"].read()
        assert per_client[int(body)][key] == "created", "the object is the one created write"


class Writer:
    """Writes unique keys through the balancer until told to stop; remembers what was acked."""

    def __init__(self, endpoint: str, number: int) -> None:
        self.client = client_for(endpoint, retries=2)
        self.number = number
        self.acked: dict[str, str] = {}
        self.unacked: dict[str, str] = {}
        self.errors = 0

    def run(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            key = f"w{self.number}/{n:05d}"
            size = 100 * 1024 if n % 3 == 0 else 2048  # blob files and inline rows
            body = os.urandom(size)
            digest = hashlib.md5(body).hexdigest()
            try:
                self.client.put_object(Bucket="load-bucket", Key=key, Body=body)
                self.acked[key] = digest
            except (ClientError, BotoCoreError):
                self.unacked[key] = digest
                self.errors += 1
            n += 1


def md5_of(client, key: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return hashlib.md5(
            client.get_object(Bucket="load-bucket", Key=key)["Body"].read()
        ).hexdigest()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchKey":
            return None
        raise


def test_killed_node_loses_no_acknowledged_write_and_rejoins(cluster, clients) -> None:
    clients[0].create_bucket(Bucket="load-bucket")
    writers = [Writer(cluster.endpoint, n) for n in range(8)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in writers]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        victim = cluster.nodes[1]
        victim.kill()  # SIGKILL mid-load: requests in flight on it die with it
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    acked = {k: v for w in writers for k, v in w.acked.items()}
    unacked = {k: v for w in writers for k, v in w.unacked.items()}
    assert len(acked) > 50, "the load generated too few writes to mean anything"
    survivors = [clients[0], clients[2]]
    for key, digest in acked.items():
        for client in survivors:
            assert md5_of(client, key) == digest, key
    for key, digest in unacked.items():
        assert md5_of(survivors[0], key) in (None, digest), f"{key}: torn or foreign bytes"

    victim.start()  # same port: the balancer's upstream address is unchanged
    rejoined = clients[1]
    some_key, digest = next(iter(acked.items()))
    assert md5_of(rejoined, some_key) == digest
    rejoined.put_object(Bucket="load-bucket", Key="after-restart", Body=b"back")
    assert md5_of(clients[0], "after-restart") == hashlib.md5(b"back").hexdigest()
    listed = 0
    for page in clients[2].get_paginator("list_objects_v2").paginate(Bucket="load-bucket"):
        listed += len(page.get("Contents", []))
    assert listed >= len(acked) + 1
    assert bookkeeping_problems(cluster.meta_dsn) == {}


def test_every_node_reports_ready(cluster) -> None:
    import urllib.request

    for node in cluster.nodes:
        with urllib.request.urlopen(f"{node.endpoint}/-/ready", timeout=10) as resp:
            assert resp.status == 200
