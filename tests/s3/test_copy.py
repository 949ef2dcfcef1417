"""CopyObject beyond the basics: source conditions, versions, storage class and metadata."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str | None]:
    err = exc.value.response["Error"]
    return err["Code"], err.get("Condition")


@pytest.fixture
def source(s3, bucket):
    data = os.urandom(90_000)
    put = s3.put_object(Bucket=bucket, Key="src", Body=data, ContentType="text/plain")
    head = s3.head_object(Bucket=bucket, Key="src")
    return {"data": data, "etag": put["ETag"], "modified": head["LastModified"]}


def _copy(s3, bucket, **conditions):
    return s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, **conditions
    )


HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    "conditions",
    [
        {"CopySourceIfMatch": "ETAG"},
        {"CopySourceIfNoneMatch": '"other"'},
        {"CopySourceIfModifiedSince": "BEFORE"},
        {"CopySourceIfUnmodifiedSince": "AFTER"},
        # If-Match holds and If-Unmodified-Since fails: S3 copies.
        {"CopySourceIfMatch": "ETAG", "CopySourceIfUnmodifiedSince": "BEFORE"},
    ],
)
def test_copy_goes_ahead_when_source_conditions_hold(s3, bucket, source, conditions):
    values = {"ETAG": source["etag"], "BEFORE": source["modified"] - HOUR}
    values["AFTER"] = source["modified"] + HOUR
    _copy(s3, bucket, **{k: values.get(v, v) for k, v in conditions.items()})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source["data"]


@pytest.mark.parametrize(
    ("conditions", "failed"),
    [
        ({"CopySourceIfMatch": '"other"'}, "x-amz-copy-source-If-Match"),
        ({"CopySourceIfNoneMatch": "ETAG"}, "x-amz-copy-source-If-None-Match"),
        ({"CopySourceIfModifiedSince": "AFTER"}, "x-amz-copy-source-If-Modified-Since"),
        ({"CopySourceIfUnmodifiedSince": "BEFORE"}, "x-amz-copy-source-If-Unmodified-Since"),
        # If-None-Match fails and If-Modified-Since holds: S3 answers 412, never 304.
        (
            {"CopySourceIfNoneMatch": "ETAG", "CopySourceIfModifiedSince": "BEFORE"},
            "x-amz-copy-source-If-None-Match",
        ),
    ],
)
def test_copy_refused_with_412_when_a_source_condition_fails(
    s3, bucket, source, conditions, failed
):
    values = {"ETAG": source["etag"], "BEFORE": source["modified"] - HOUR}
    values["AFTER"] = source["modified"] + HOUR
    with pytest.raises(ClientError) as exc:
        _copy(s3, bucket, **{k: values.get(v, v) for k, v in conditions.items()})
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert error(exc) == ("PreconditionFailed", failed)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="dst")


def test_copy_changes_storage_class_and_content_type(s3, bucket, source):
    s3.copy_object(
        Bucket=bucket,
        Key="src",
        CopySource={"Bucket": bucket, "Key": "src"},
        StorageClass="STANDARD_IA",
    )
    head = s3.head_object(Bucket=bucket, Key="src")
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ContentType"] == "text/plain"
    s3.copy_object(
        Bucket=bucket,
        Key="src",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        ContentType="application/json",
    )
    head = s3.head_object(Bucket=bucket, Key="src")
    assert head["ContentType"] == "application/json"
    assert head["ETag"] == f'"{hashlib.md5(source["data"]).hexdigest()}"'


def test_copy_with_unknown_storage_class_or_directive_is_refused(s3, bucket, source):
    with pytest.raises(ClientError) as exc:
        _copy(s3, bucket, StorageClass="PLATINUM")
    assert error(exc)[0] == "InvalidStorageClass"
    with pytest.raises(ClientError) as exc:
        _copy(s3, bucket, MetadataDirective="MERGE")
    assert error(exc)[0] == "InvalidArgument"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="dst")


def test_copy_of_an_old_version_onto_its_own_key_restores_it(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="doc", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="doc", Body=b"second")
    res = s3.copy_object(
        Bucket=bucket, Key="doc", CopySource={"Bucket": bucket, "Key": "doc", "VersionId": first}
    )
    assert res["CopySourceVersionId"] == first
    assert res["VersionId"] not in (None, first)
    got = s3.get_object(Bucket=bucket, Key="doc")
    assert got["Body"].read() == b"first"
    assert got["VersionId"] == res["VersionId"]
    versions = s3.list_object_versions(Bucket=bucket, Prefix="doc")["Versions"]
    assert len(versions) == 3


def test_website_redirect_and_object_lock_headers_are_refused(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="w", Body=b"x", WebsiteRedirectLocation="/other")
    assert error(exc)[0] == "NotImplemented"
    until = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(ClientError) as exc:
        s3.put_object(
            Bucket=bucket,
            Key="w",
            Body=b"x",
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=until,
        )
    assert error(exc)[0] == "NotImplemented"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="w")


ALL_CLASSES = sorted(
    "STANDARD REDUCED_REDUNDANCY STANDARD_IA ONEZONE_IA INTELLIGENT_TIERING GLACIER "
    "DEEP_ARCHIVE OUTPOSTS GLACIER_IR SNOW EXPRESS_ONEZONE FSX_OPENZFS FSX_ONTAP".split()
)


@pytest.mark.parametrize("storage_class", ALL_CLASSES)
def test_every_storage_class_is_stored_and_reported(s3, bucket, storage_class):
    """PUT, COPY and CreateMultipartUpload keep the class; HEAD, listings and attributes show
    it (HEAD omits it for STANDARD, as S3 does)."""
    s3.put_object(Bucket=bucket, Key="put", Body=b"x", StorageClass=storage_class)
    s3.copy_object(
        Bucket=bucket,
        Key="copy",
        CopySource={"Bucket": bucket, "Key": "put"},
        StorageClass=storage_class,
    )
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mpu", StorageClass=storage_class)
    etag = s3.upload_part(
        Bucket=bucket, Key="mpu", UploadId=uid["UploadId"], PartNumber=1, Body=b"y"
    )["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mpu",
        UploadId=uid["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    for key in ("put", "copy", "mpu"):
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head.get("StorageClass", "STANDARD") == storage_class
        attrs = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["StorageClass"])
        assert attrs["StorageClass"] == storage_class
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert {o["Key"]: o["StorageClass"] for o in listed} == dict.fromkeys(
        ("copy", "mpu", "put"), storage_class
    )
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert {v["StorageClass"] for v in versions} == {storage_class}
