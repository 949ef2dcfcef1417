"""Reclaim: bytes released by overwrites, deletes and aborts, and orphaned files, are removed.

A dedicated server runs with a 1 s grace delay and a 0.5 s reclaim interval. After a series of
operations the blob files on disk (outside tmp/) must converge to exactly the files the live
objects and open uploads still reference, planted orphans and stale temporary files must go,
and every live object must still read back intact.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from harness import committed_blob_files as blob_files

KIB = 1024
MIB = 1024 * KIB
FILE_SIZE = 100 * KIB  # above the 64 KiB inline threshold: stored as a blob file
DEADLINE_SECONDS = 30


def tmp_files(data_dir: Path) -> set[Path]:
    tmp = data_dir / "blobs" / "tmp"
    return set(tmp.iterdir()) if tmp.is_dir() else set()


def plant(path: Path, age_seconds: float = 3600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(4096))
    old = time.time() - age_seconds
    os.utime(path, (old, old))
    return path


def wait_until(condition, describe) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {DEADLINE_SECONDS} s: {describe()}")
        time.sleep(0.2)


def upload_parts(client, bucket, key, upload_id, parts: dict[int, bytes]) -> dict[int, str]:
    etags = {}
    for number, data in parts.items():
        part = client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        etags[number] = part["ETag"]
    return etags


def test_released_orphaned_and_stale_tmp_blobs_are_reclaimed(reclaiming):
    client = reclaiming.client()
    data_dir = reclaiming.data_dir
    bucket = "reclaim"
    client.create_bucket(Bucket=bucket)
    live: dict[str, bytes] = {}

    # Live single-PUT objects: two file-backed, one inline (no file).
    for key, size in (("keep/a", FILE_SIZE), ("keep/b", 2 * FILE_SIZE), ("keep/small", KIB)):
        live[key] = os.urandom(size)
        client.put_object(Bucket=bucket, Key=key, Body=live[key])
    # Overwrites release the previous bytes.
    for _ in range(2):
        live["keep/a"] = os.urandom(FILE_SIZE)
        client.put_object(Bucket=bucket, Key="keep/a", Body=live["keep/a"])
    client.put_object(Bucket=bucket, Key="shrink", Body=os.urandom(FILE_SIZE))
    live["shrink"] = b"now inline"
    client.put_object(Bucket=bucket, Key="shrink", Body=live["shrink"])
    # A delete releases its bytes.
    client.put_object(Bucket=bucket, Key="gone", Body=os.urandom(FILE_SIZE))
    client.delete_object(Bucket=bucket, Key="gone")

    # An aborted upload releases every part.
    upload = client.create_multipart_upload(Bucket=bucket, Key="aborted")["UploadId"]
    upload_parts(
        client, bucket, "aborted", upload, {1: os.urandom(5 * MIB), 2: os.urandom(FILE_SIZE)}
    )
    client.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=upload)

    # A completed upload keeps the parts it names; replaced and unnamed parts are released.
    upload = client.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    upload_parts(client, bucket, "multi", upload, {1: os.urandom(5 * MIB)})
    parts = {1: os.urandom(5 * MIB), 2: os.urandom(FILE_SIZE), 3: os.urandom(FILE_SIZE)}
    etags = upload_parts(client, bucket, "multi", upload, parts)
    client.complete_multipart_upload(
        Bucket=bucket,
        Key="multi",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etags[n]} for n in (1, 2)]},
    )
    live["multi"] = parts[1] + parts[2]

    # An upload still in progress keeps its part.
    pending = client.create_multipart_upload(Bucket=bucket, Key="pending")["UploadId"]
    pending_part = os.urandom(FILE_SIZE)
    pending_etags = upload_parts(client, bucket, "pending", pending, {1: pending_part})

    # A crash between writing bytes and committing them leaves orphans and stale temp files.
    orphan = plant(data_dir / "blobs" / "ab" / "cd" / ("abcd" + uuid.uuid4().hex[4:]))
    stale_tmp = plant(data_dir / "blobs" / "tmp" / uuid.uuid4().hex)

    needed = 1 + 1 + 2 + 1  # keep/a, keep/b, multi (two parts), the pending upload's part

    def converged() -> bool:
        return (
            len(blob_files(data_dir)) == needed and not orphan.exists() and not stale_tmp.exists()
        )

    wait_until(
        converged,
        lambda: (
            f"{len(blob_files(data_dir))} blob files (want {needed}), orphan present: "
            f"{orphan.exists()}, stale tmp present: {stale_tmp.exists()}"
        ),
    )
    assert tmp_files(data_dir) == set()

    for key, data in live.items():
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == data, key
    assert "Contents" not in client.list_objects_v2(Bucket=bucket, Prefix="gone")

    client.complete_multipart_upload(
        Bucket=bucket,
        Key="pending",
        UploadId=pending,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": pending_etags[1]}]},
    )
    assert client.get_object(Bucket=bucket, Key="pending")["Body"].read() == pending_part
    assert len(blob_files(data_dir)) == needed


def test_orphan_reclaim_spares_blobs_live_objects_reference(reclaiming):
    client = reclaiming.client()
    client.create_bucket(Bucket="spare")
    data = os.urandom(FILE_SIZE)
    client.put_object(Bucket="spare", Key="live", Body=data)
    (live_file,) = blob_files(reclaiming.data_dir)
    os.utime(live_file, (time.time() - 3600, time.time() - 3600))  # as old as any orphan
    orphan = plant(reclaiming.data_dir / "blobs" / "ef" / "01" / ("ef01" + uuid.uuid4().hex[4:]))
    wait_until(lambda: not orphan.exists(), lambda: f"orphan {orphan} still present")
    assert blob_files(reclaiming.data_dir) == {live_file}
    assert client.get_object(Bucket="spare", Key="live")["Body"].read() == data


def test_foreign_file_under_blobs_does_not_stop_orphan_reclaim(reclaiming):
    """A file the store never wrote (not a lower-case hex id) is skipped, not fatal."""
    blobs = reclaiming.data_dir / "blobs"
    foreign = plant(blobs / "notes" / ("NOT-A-BLOB-ID-" + "x" * 18))
    orphan = plant(blobs / "12" / "34" / ("1234" + uuid.uuid4().hex[4:]))
    wait_until(lambda: not orphan.exists(), lambda: f"orphan {orphan} still present")
    client = reclaiming.client()
    client.create_bucket(Bucket="foreign")
    client.put_object(Bucket="foreign", Key="k", Body=os.urandom(FILE_SIZE))
    assert client.get_object(Bucket="foreign", Key="k")["ContentLength"] == FILE_SIZE
    assert foreign.exists()
