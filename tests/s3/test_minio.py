"""The MinIO Python SDK against the real server: buckets, streamed multipart uploads of unknown
length, file uploads and downloads, ranged reads, stat, listing, bulk delete, presigned URLs."""

from __future__ import annotations

import hashlib
import io
import os
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def mc(server) -> Minio:  # type: ignore[no-untyped-def]
    return Minio(
        f"127.0.0.1:{server.port}",
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region="us-east-1",
    )


# No proxy from the environment may stand between the tests and the local server.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Unsized(io.RawIOBase):
    """A readable stream that cannot tell its length: no seek, no tell, no len."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        return self._buf.readinto(b)


def multipart_etag(data: bytes, part_size: int) -> str:
    md5s = b"".join(
        hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)
    )
    parts = (len(data) + part_size - 1) // part_size
    return f"{hashlib.md5(md5s).hexdigest()}-{parts}"


def read_object(mc: Minio, bucket: str, key: str, **kw: int) -> bytes:
    resp = mc.get_object(bucket_name=bucket, object_name=key, **kw)
    try:
        return resp.read()
    finally:
        resp.close()
        resp.release_conn()


def test_make_bucket_bucket_exists_and_remove_bucket(mc):
    name = f"minio-{uuid.uuid4().hex[:20]}"
    assert not mc.bucket_exists(bucket_name=name)
    mc.make_bucket(bucket_name=name)
    assert mc.bucket_exists(bucket_name=name)
    assert name in [b.name for b in mc.list_buckets()]
    with pytest.raises(S3Error) as exc:
        mc.make_bucket(bucket_name=name)
    assert exc.value.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
    mc.remove_bucket(bucket_name=name)
    assert not mc.bucket_exists(bucket_name=name)


def test_put_object_known_length_then_stat_and_get(mc, bucket):
    data = os.urandom(123_457)
    result = mc.put_object(
        bucket_name=bucket,
        object_name="dir/known.bin",
        data=io.BytesIO(data),
        length=len(data),
        content_type="application/x-known",
        metadata={"x-amz-meta-colour": "blue", "owner": "ada"},
    )
    assert result.etag == hashlib.md5(data).hexdigest()
    stat = mc.stat_object(bucket_name=bucket, object_name="dir/known.bin")
    assert stat.size == len(data)
    assert stat.etag == result.etag
    assert stat.content_type == "application/x-known"
    assert stat.metadata["x-amz-meta-colour"] == "blue"
    assert stat.metadata["x-amz-meta-owner"] == "ada"
    assert read_object(mc, bucket, "dir/known.bin") == data


def test_put_object_stream_of_unknown_length_uploads_multipart(mc, bucket, s3):
    data = os.urandom(12 * MIB + 4321)
    result = mc.put_object(
        bucket_name=bucket,
        object_name="streamed",
        data=Unsized(data),
        length=-1,
        part_size=5 * MIB,
    )
    assert result.etag == multipart_etag(data, 5 * MIB)
    assert mc.stat_object(bucket_name=bucket, object_name="streamed").size == len(data)
    assert read_object(mc, bucket, "streamed") == data
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_put_object_empty_stream_of_unknown_length(mc, bucket):
    mc.put_object(
        bucket_name=bucket, object_name="empty", data=Unsized(b""), length=-1, part_size=5 * MIB
    )
    assert mc.stat_object(bucket_name=bucket, object_name="empty").size == 0
    assert read_object(mc, bucket, "empty") == b""


def test_fput_and_fget_object_round_trip(mc, bucket, tmp_path):
    data = os.urandom(6 * MIB + 17)
    (tmp_path / "up.bin").write_bytes(data)
    result = mc.fput_object(
        bucket_name=bucket,
        object_name="files/up.bin",
        file_path=str(tmp_path / "up.bin"),
        part_size=5 * MIB,
    )
    assert result.etag == multipart_etag(data, 5 * MIB)
    mc.fget_object(
        bucket_name=bucket, object_name="files/up.bin", file_path=str(tmp_path / "down.bin")
    )
    assert (tmp_path / "down.bin").read_bytes() == data

    small = b"a small file\n"
    (tmp_path / "small.txt").write_bytes(small)
    mc.fput_object(
        bucket_name=bucket,
        object_name="files/small.txt",
        file_path=str(tmp_path / "small.txt"),
        content_type="text/plain",
    )
    mc.fget_object(
        bucket_name=bucket, object_name="files/small.txt", file_path=str(tmp_path / "s.txt")
    )
    assert (tmp_path / "s.txt").read_bytes() == small
    assert mc.stat_object(bucket_name=bucket, object_name="files/small.txt").content_type == (
        "text/plain"
    )


@pytest.mark.parametrize(
    "offset,length,expected",
    [
        (0, 10, slice(0, 10)),
        (100, 1, slice(100, 101)),
        (4000, 0, slice(4000, None)),
        (5000, 1000, slice(5000, 6000)),
        (9990, 100, slice(9990, None)),
    ],
)
def test_get_object_with_offset_and_length_returns_the_range(mc, bucket, offset, length, expected):
    data = os.urandom(10_000)
    mc.put_object(bucket_name=bucket, object_name="r", data=io.BytesIO(data), length=len(data))
    assert read_object(mc, bucket, "r", offset=offset, length=length) == data[expected]


def test_stat_object_of_missing_key_raises_no_such_key(mc, bucket):
    with pytest.raises(S3Error) as exc:
        mc.stat_object(bucket_name=bucket, object_name="absent")
    assert exc.value.code == "NoSuchKey"
    with pytest.raises(S3Error) as exc:
        read_object(mc, bucket, "absent")
    assert exc.value.code == "NoSuchKey"


def test_list_objects_recursive_and_not(mc, bucket, s3):
    keys = ["a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt", "z", "ünï/ß.txt"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    top = list(mc.list_objects(bucket_name=bucket))
    assert sorted((o.object_name, o.is_dir) for o in top) == [
        ("a.txt", False),
        ("dir/", True),
        ("z", False),
        ("ünï/", True),
    ]
    everything = list(mc.list_objects(bucket_name=bucket, recursive=True))
    assert [o.object_name for o in everything] == keys
    assert [o.size for o in everything] == [len(k.encode()) for k in keys]

    under = list(mc.list_objects(bucket_name=bucket, prefix="dir/"))
    assert sorted(o.object_name for o in under) == ["dir/b.txt", "dir/sub/"]
    after = list(mc.list_objects(bucket_name=bucket, recursive=True, start_after="dir/sub/c.txt"))
    assert [o.object_name for o in after] == ["dir/sub/d.txt", "z", "ünï/ß.txt"]
    v1 = list(mc.list_objects(bucket_name=bucket, prefix="dir/", recursive=True, use_api_v1=True))
    assert [o.object_name for o in v1] == ["dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt"]


def test_list_objects_pages_past_one_thousand_keys(mc, bucket, s3):
    # The SDK asks for pages of 1000: 1001 keys make it follow one continuation token.
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(lambda i: s3.put_object(Bucket=bucket, Key=f"k{i:04d}", Body=b""), range(1001))
        )
    names = [o.object_name for o in mc.list_objects(bucket_name=bucket, recursive=True)]
    assert names == [f"k{i:04d}" for i in range(1001)]


def test_remove_objects_deletes_in_bulk(mc, bucket, s3):
    for i in range(25):
        s3.put_object(Bucket=bucket, Key=f"bulk/{i}", Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    doomed = [DeleteObject(f"bulk/{i}") for i in range(25)] + [DeleteObject("never-was")]
    errors = list(mc.remove_objects(bucket_name=bucket, delete_object_list=doomed))
    assert errors == []
    assert [o.object_name for o in mc.list_objects(bucket_name=bucket, recursive=True)] == ["keep"]
    mc.remove_object(bucket_name=bucket, object_name="keep")
    assert list(mc.list_objects(bucket_name=bucket, recursive=True)) == []


def test_copy_object_server_side(mc, bucket):
    mc.put_object(
        bucket_name=bucket,
        object_name="src",
        data=io.BytesIO(b"copy source"),
        length=11,
        metadata={"tag": "one"},
    )
    mc.copy_object(bucket_name=bucket, object_name="dst", source=CopySource(bucket, "src"))
    assert read_object(mc, bucket, "dst") == b"copy source"
    assert mc.stat_object(bucket_name=bucket, object_name="dst").metadata["x-amz-meta-tag"] == "one"


def test_presigned_get_object_fetched_with_urllib(mc, bucket):
    data = os.urandom(5000)
    mc.put_object(
        bucket_name=bucket, object_name="shared/ü n+i.bin", data=io.BytesIO(data), length=len(data)
    )
    url = mc.presigned_get_object(
        bucket_name=bucket, object_name="shared/ü n+i.bin", expires=timedelta(minutes=5)
    )
    assert "X-Amz-Signature=" in url
    with _direct.open(url, timeout=30) as resp:
        assert resp.status == 200
        assert resp.read() == data


def test_presigned_get_object_with_response_header_overrides(mc, bucket):
    mc.put_object(bucket_name=bucket, object_name="doc", data=io.BytesIO(b"{}"), length=2)
    url = mc.presigned_get_object(
        bucket_name=bucket,
        object_name="doc",
        expires=timedelta(minutes=5),
        response_headers={
            "response-content-type": "application/json",
            "response-content-disposition": 'attachment; filename="doc.json"',
        },
    )
    with _direct.open(url, timeout=30) as resp:
        assert resp.read() == b"{}"
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.headers["Content-Disposition"] == 'attachment; filename="doc.json"'


def test_presigned_put_object_uploads_with_urllib(mc, bucket):
    url = mc.presigned_put_object(
        bucket_name=bucket, object_name="uploaded", expires=timedelta(minutes=5)
    )
    data = os.urandom(70_000)
    req = urllib.request.Request(url, data=data, method="PUT")
    with _direct.open(req, timeout=30) as resp:
        assert resp.status == 200
    assert read_object(mc, bucket, "uploaded") == data
