"""Durability: what the server acknowledged survives a restart and a SIGKILL, never torn.

Object contents are a deterministic function of (key, generation), so the tests remember only
which generation each key should hold and regenerate the bytes to compare. The crash test kills
the whole server process group at a random moment under concurrent load, restarts it on the
same data directory and checks every key against the states it may legitimately be in: the last
acknowledged one, or the one an operation in flight at the kill would have produced.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest
from botocore.exceptions import ClientError
from harness import HydriaServer
from processes import free_port

MIB = 1024 * 1024
PART_SIZE = 5 * MIB
MULTIPART_SIZE = 6 * MIB
SIZES = [0, 1, 777, 4096, 65_535, 65_536, 65_537, 100_000, 200_000, 300 * 1024]
"""Single-PUT sizes: both sides of the 64 KiB inline threshold, up to 300 KiB."""
CRASH_ROUNDS = int(os.environ.get("HYDRIA_CRASH_ROUNDS", "10"))
THREADS = 8
KEYS_PER_THREAD = 10

# --------------------------------------------------------------------------- content model


@dataclass(frozen=True)
class State:
    """What a key holds: nothing (gen None), a single PUT's bytes, or a multipart object's."""

    gen: int | None = None
    multipart: bool = False

    @property
    def exists(self) -> bool:
        return self.gen is not None


ABSENT = State()


def content(key: str, state: State) -> bytes:
    rnd = random.Random(f"{key}#{state.gen}")
    if state.multipart:
        return rnd.randbytes(MULTIPART_SIZE)
    return rnd.randbytes(SIZES[rnd.randrange(len(SIZES))])


def etag_of(data: bytes, multipart: bool) -> str:
    if not multipart:
        return f'"{hashlib.md5(data).hexdigest()}"'
    parts = [data[:PART_SIZE], data[PART_SIZE:]]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-2"'


def put_multipart(client, bucket: str, key: str, data: bytes) -> None:
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, chunk in ((1, data[:PART_SIZE]), (2, data[PART_SIZE:])):
        etag = client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )


def list_all(client, bucket: str) -> list[dict]:
    out = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.extend(page.get("Contents", []))
    return out


@pytest.fixture
def dedicated(tmp_path):
    srv = HydriaServer(tmp_path / "data")
    srv.start()
    yield srv
    srv.kill()


# --------------------------------------------------------------------------- (a) restart


def test_restart_preserves_every_object_and_listing(dedicated):
    client = dedicated.client()
    bucket = "durable"
    client.create_bucket(Bucket=bucket)
    expected: dict[str, bytes] = {}
    for i in range(30):
        expected[f"tiny/{i:02d}"] = os.urandom(i * 37)
    for i in range(19):
        expected[f"large/{i:02d}"] = os.urandom(MIB)
    for key, data in expected.items():
        client.put_object(
            Bucket=bucket, Key=key, Body=data, Metadata={"n": key}, ContentType="x/test"
        )
    expected["multipart"] = os.urandom(MULTIPART_SIZE)
    put_multipart(client, bucket, "multipart", expected["multipart"])
    before = list_all(client, bucket)
    assert len(before) == 50

    dedicated.restart()
    client = dedicated.client()

    assert list_all(client, bucket) == before
    for key, data in expected.items():
        got = client.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == data, key
        assert got["ETag"] == etag_of(data, key == "multipart")
        if key != "multipart":
            assert got["Metadata"] == {"n": key}
            assert got["ContentType"] == "x/test"


# --------------------------------------------------------------------------- (b) crash


@dataclass
class KeyModel:
    acked: State = ABSENT
    inflight: State | None = None
    next_gen: int = 0


@dataclass
class Loader:
    """One load thread: owns its keys, so operations on one key never overlap."""

    tid: int
    client: object
    bucket: str
    rng: random.Random
    keys: dict[str, KeyModel] = field(default_factory=dict)
    acked_ops: int = 0
    unexpected: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        names = sorted(self.keys)
        while not stop.is_set():
            key = self.rng.choice(names)
            model = self.keys[key]
            roll = self.rng.random()
            if roll < 0.04:
                new = State(model.next_gen, multipart=True)
            elif model.acked.exists and roll < 0.30:
                new = ABSENT
            else:
                new = State(model.next_gen)
            if new.exists:
                model.next_gen += 1
            model.inflight = new
            try:
                if not new.exists:
                    self.client.delete_object(Bucket=self.bucket, Key=key)
                elif new.multipart:
                    put_multipart(self.client, self.bucket, key, content(key, new))
                else:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=content(key, new))
            except ClientError as exc:
                # The server answered with an error: not a crash symptom; reported at the end.
                self.unexpected.append(f"{key} -> {new}: {exc}")
                return
            except Exception:
                return  # connection cut or refused: the kill; the operation stays in flight
            model.acked = new
            model.inflight = None
            self.acked_ops += 1


def verify_after_crash(client, bucket: str, loaders: list[Loader], context: str) -> None:
    """Every key holds one of its candidate states exactly; the listing agrees."""
    listing = {o["Key"]: o for o in list_all(client, bucket)}
    all_keys = {k for loader in loaders for k in loader.keys}
    assert set(listing) <= all_keys, f"{context}: unknown keys {set(listing) - all_keys}"
    for loader in loaders:
        for key, model in loader.keys.items():
            candidates = [model.acked]
            if model.inflight is not None:
                candidates.append(model.inflight)
            try:
                got = client.get_object(Bucket=bucket, Key=key)
                data = got["Body"].read()
                etag = got["ETag"]
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "NoSuchKey", f"{context}: {key}: {exc}"
                data = etag = None
            observed = None
            for state in candidates:
                if not state.exists:
                    if data is None:
                        observed = state
                        break
                    continue
                if data is not None and data == content(key, state):
                    observed = state
                    assert etag == etag_of(data, state.multipart), f"{context}: {key} etag"
                    break
            assert observed is not None, (
                f"{context}: {key} holds {'nothing' if data is None else f'{len(data)} bytes'}"
                f" matching none of {candidates}"
            )
            if data is None:
                assert key not in listing, f"{context}: deleted {key} still listed"
            else:
                assert key in listing, f"{context}: {key} readable but not listed"
                assert listing[key]["Size"] == len(data), f"{context}: {key} listed size"
                assert listing[key]["ETag"] == etag, f"{context}: {key} listed etag"
            model.acked = observed
            model.inflight = None


def test_sigkill_under_load_loses_no_acknowledged_write_and_tears_nothing(tmp_path):
    seed = int(os.environ.get("HYDRIA_CRASH_SEED", str(random.randrange(1 << 32))))
    print(f"crash test seed: {seed}", file=sys.stderr)
    rng = random.Random(seed)
    # A short grace delay lets reclaim run under the load too: it must never take live bytes.
    server = HydriaServer(
        tmp_path / "data",
        env={"HYDRIA_ORPHAN_GRACE_SECONDS": "5", "HYDRIA_GC_INTERVAL_SECONDS": "0.5"},
    )
    server.start()
    bucket = "crash"
    try:
        server.client().create_bucket(Bucket=bucket)
        loaders = [
            Loader(
                tid,
                None,
                bucket,
                random.Random(rng.random()),
                {f"t{tid}/k{j}": KeyModel() for j in range(KEYS_PER_THREAD)},
            )
            for tid in range(THREADS)
        ]
        total_acked = 0
        for round_no in range(CRASH_ROUNDS):
            context = f"seed {seed} round {round_no}"
            for loader in loaders:
                loader.client = server.client(
                    retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30
                )
                loader.acked_ops = 0
            stop = threading.Event()
            threads = [threading.Thread(target=lo.run, args=(stop,)) for lo in loaders]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 1.5))
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=60)
                assert not t.is_alive(), f"{context}: a load thread hung after the kill"
            unexpected = [u for lo in loaders for u in lo.unexpected]
            assert not unexpected, f"{context}: error responses under load: {unexpected[:5]}"
            total_acked += sum(lo.acked_ops for lo in loaders)

            server.port = free_port()
            server.start()
            verify_after_crash(server.client(), bucket, loaders, context)
        assert total_acked > 0, "the load never got an operation acknowledged"
    finally:
        server.kill()


# --------------------------------------------------------------------------- (c) readers


def test_concurrent_gets_during_overwrites_return_whole_versions(s3, bucket):
    versions = [os.urandom(2 * MIB), os.urandom(2 * MIB)]
    etags = [etag_of(v, False) for v in versions]
    s3.put_object(Bucket=bucket, Key="flip", Body=versions[0])
    done = threading.Event()
    problems: list[str] = []
    reads = [0] * 4

    def writer() -> None:
        try:
            for i in range(1, 25):
                s3.put_object(Bucket=bucket, Key="flip", Body=versions[i % 2])
        except Exception as exc:
            problems.append(f"writer: {exc!r}")
        finally:
            done.set()

    def reader(n: int) -> None:
        while not done.is_set() or reads[n] == 0:
            try:
                got = s3.get_object(Bucket=bucket, Key="flip")
                data = got["Body"].read()
            except Exception as exc:
                problems.append(f"reader {n}: {exc!r}")
                return
            if data not in versions:
                problems.append(f"reader {n}: {len(data)} bytes matching neither version")
            elif got["ETag"] != etags[versions.index(data)]:
                problems.append(f"reader {n}: ETag {got['ETag']} does not match the bytes")
            reads[n] += 1

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not problems, problems[:5]
    assert all(reads)
