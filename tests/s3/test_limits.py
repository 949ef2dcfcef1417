"""Size limits, exercised on a server whose limits are set small through its settings."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError
from harness import HydriaServer

KIB = 1024


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    srv = HydriaServer(
        tmp_path_factory.mktemp("limits") / "data",
        workers=1,
        env={
            "HYDRIA_MAX_OBJECT_SIZE": str(100 * KIB),
            "HYDRIA_MAX_PART_SIZE": str(200 * KIB),
            "HYDRIA_MIN_PART_SIZE": str(50 * KIB),
            "HYDRIA_MAX_MULTIPART_OBJECT_SIZE": str(300 * KIB),
            "HYDRIA_INLINE_THRESHOLD": str(8 * KIB),
        },
    )
    srv.start()
    yield srv
    srv.stop()


def test_put_over_max_object_size_returns_entity_too_large(small_server):
    s3 = small_server.client()
    s3.create_bucket(Bucket="limits")
    s3.put_object(Bucket="limits", Key="ok", Body=os.urandom(100 * KIB))
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="limits", Key="big", Body=os.urandom(100 * KIB + 1))
    assert exc.value.response["Error"]["Code"] == "EntityTooLarge"
    with pytest.raises(ClientError):
        s3.head_object(Bucket="limits", Key="big")


def test_part_over_max_part_size_returns_entity_too_large(small_server):
    s3 = small_server.client()
    s3.create_bucket(Bucket="parts")
    uid = s3.create_multipart_upload(Bucket="parts", Key="k")["UploadId"]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket="parts", Key="k", UploadId=uid, PartNumber=1, Body=os.urandom(200 * KIB + 1)
        )
    assert exc.value.response["Error"]["Code"] == "EntityTooLarge"


def test_multipart_total_over_limit_returns_entity_too_large(small_server):
    s3 = small_server.client()
    s3.create_bucket(Bucket="total")
    uid = s3.create_multipart_upload(Bucket="total", Key="k")["UploadId"]
    parts = []
    for n in (1, 2):
        body = os.urandom(200 * KIB)
        etag = s3.upload_part(Bucket="total", Key="k", UploadId=uid, PartNumber=n, Body=body)
        parts.append({"PartNumber": n, "ETag": etag["ETag"]})
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket="total", Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
        )
    assert exc.value.response["Error"]["Code"] == "EntityTooLarge"


def test_min_part_size_setting_applies(small_server):
    s3 = small_server.client()
    s3.create_bucket(Bucket="minpart")
    uid = s3.create_multipart_upload(Bucket="minpart", Key="k")["UploadId"]
    data = [os.urandom(50 * KIB), os.urandom(10)]
    parts = []
    for n, body in enumerate(data, start=1):
        etag = s3.upload_part(Bucket="minpart", Key="k", UploadId=uid, PartNumber=n, Body=body)
        parts.append({"PartNumber": n, "ETag": etag["ETag"]})
    s3.complete_multipart_upload(
        Bucket="minpart", Key="k", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket="minpart", Key="k")["Body"].read() == b"".join(data)


def test_copy_source_over_copy_limit_needs_upload_part_copy_with_ranges(small_server):
    """CopyObject stops at the single-PUT limit (5 GiB on AWS, 100 KiB here); a larger
    object is copied part by part with UploadPartCopy and source ranges."""
    s3 = small_server.client()
    s3.create_bucket(Bucket="bigcopy")
    data = os.urandom(250 * KIB)
    cuts = [(0, 100 * KIB), (100 * KIB, 200 * KIB), (200 * KIB, 250 * KIB)]
    uid = s3.create_multipart_upload(Bucket="bigcopy", Key="src")["UploadId"]
    parts = []
    for number, (lo, hi) in enumerate(cuts, start=1):
        etag = s3.upload_part(
            Bucket="bigcopy", Key="src", UploadId=uid, PartNumber=number, Body=data[lo:hi]
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(
        Bucket="bigcopy", Key="src", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket="bigcopy", Key="dst", CopySource={"Bucket": "bigcopy", "Key": "src"})
    assert exc.value.response["Error"]["Code"] == "InvalidRequest"
    assert str(100 * KIB) in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        s3.head_object(Bucket="bigcopy", Key="dst")

    uid = s3.create_multipart_upload(Bucket="bigcopy", Key="dst")["UploadId"]
    parts = []
    # Different cut points from the source's parts: ranges, not whole parts, are copied.
    for number, (lo, hi) in enumerate([(0, 60 * KIB), (60 * KIB, 250 * KIB)], start=1):
        res = s3.upload_part_copy(
            Bucket="bigcopy",
            Key="dst",
            UploadId=uid,
            PartNumber=number,
            CopySource={"Bucket": "bigcopy", "Key": "src"},
            CopySourceRange=f"bytes={lo}-{hi - 1}",
        )
        parts.append({"PartNumber": number, "ETag": res["CopyPartResult"]["ETag"]})
    s3.complete_multipart_upload(
        Bucket="bigcopy", Key="dst", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket="bigcopy", Key="dst")["Body"].read() == data
