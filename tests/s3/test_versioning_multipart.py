"""Multipart uploads on versioned buckets: version ids on Complete, UploadPartCopy from a
version (see test_versioning.py for the AWS documents these follow)."""

from __future__ import annotations

import hashlib
import os

import pytest
from botocore.exceptions import ClientError
from versioning_helpers import (
    MIB,
    all_raw_entries,
    body_of,
    code,
    headers,
    put,
    set_versioning,
    status,
)

# --- multipart ------------------------------------------------------------------------------


def multipart_upload(s3, bucket: str, key: str, parts: list[bytes]) -> dict:  # type: ignore[no-untyped-def]
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = []
    for n, data in enumerate(parts, start=1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=data)[
            "ETag"
        ]
        done.append({"PartNumber": n, "ETag": etag})
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
    )


def test_complete_multipart_upload_returns_a_version_id(s3, server, vbucket):
    v1 = put(s3, vbucket, "big", b"small first version")
    parts = [os.urandom(5 * MIB), os.urandom(1000)]
    res = multipart_upload(s3, vbucket, "big", parts)
    v2 = headers(res).get("x-amz-version-id")
    assert v2 not in (None, "null", v1)
    assert res["VersionId"] == v2
    assert body_of(s3, vbucket, "big", v2) == b"".join(parts)
    assert body_of(s3, vbucket, "big", v1) == b"small first version"
    got = s3.get_object(Bucket=vbucket, Key="big", VersionId=v2, PartNumber=2)
    assert got["Body"].read() == parts[1]
    assert all_raw_entries(server, vbucket) == [("V", "big", v2, True), ("V", "big", v1, False)]

    set_versioning(s3, vbucket, "Suspended")
    res = multipart_upload(s3, vbucket, "big", [b"tiny"])
    assert headers(res).get("x-amz-version-id") == "null"
    assert all_raw_entries(server, vbucket) == [
        ("V", "big", "null", True),
        ("V", "big", v2, False),
        ("V", "big", v1, False),
    ]


def test_complete_multipart_upload_on_unversioned_bucket_has_no_version_id(s3, bucket):
    res = multipart_upload(s3, bucket, "mp", [b"only part"])
    assert "x-amz-version-id" not in headers(res)


def test_upload_part_copy_from_a_specific_source_version(s3, vbucket):
    # API_UploadPartCopy: x-amz-copy-source may name a version (?versionId=); the response
    # names it in x-amz-copy-source-version-id.
    old = os.urandom(5 * MIB)
    v1 = put(s3, vbucket, "src", old)
    put(s3, vbucket, "src", b"newer and short")
    upload = s3.create_multipart_upload(Bucket=vbucket, Key="dst")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=vbucket,
        Key="dst",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": vbucket, "Key": "src", "VersionId": v1},
    )
    assert part["CopySourceVersionId"] == v1
    etag = part["CopyPartResult"]["ETag"]
    assert etag == f'"{hashlib.md5(old).hexdigest()}"'
    s3.complete_multipart_upload(
        Bucket=vbucket,
        Key="dst",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert body_of(s3, vbucket, "dst") == old


def test_upload_part_copy_from_the_null_version_copies_the_null_version(s3, bucket):
    put(s3, bucket, "src", b"the null version")
    set_versioning(s3, bucket, "Enabled")
    put(s3, bucket, "src", b"a newer version with an id")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src", "VersionId": "null"},
    )
    etag = part["CopyPartResult"]["ETag"]
    assert etag == f'"{hashlib.md5(b"the null version").hexdigest()}"'
    s3.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)


def test_upload_part_copy_from_a_delete_marker(s3, vbucket):
    put(s3, vbucket, "src", b"x")
    marker = s3.delete_object(Bucket=vbucket, Key="src")["VersionId"]
    upload = s3.create_multipart_upload(Bucket=vbucket, Key="dst")["UploadId"]
    # API_UploadPartCopy: current version a delete marker -> 404; a delete marker named by
    # versionId -> 400.
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=vbucket,
            Key="dst",
            UploadId=upload,
            PartNumber=1,
            CopySource={"Bucket": vbucket, "Key": "src"},
        )
    assert status(exc) == 404 and code(exc) == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        s3.upload_part_copy(
            Bucket=vbucket,
            Key="dst",
            UploadId=upload,
            PartNumber=1,
            CopySource={"Bucket": vbucket, "Key": "src", "VersionId": marker},
        )
    assert status(exc) == 400 and code(exc) == "InvalidRequest"
    assert "Parts" not in s3.list_parts(Bucket=vbucket, Key="dst", UploadId=upload)
