"""Object round trips through boto3 with its defaults on, against the real server."""

from __future__ import annotations

import hashlib
import os

import pytest
from botocore.exceptions import ClientError


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def test_put_get_round_trip_returns_same_bytes_and_md5_etag(s3, bucket):
    data = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="a/b.bin", Body=data)
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="a/b.bin")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == put["ETag"]


def test_small_object_round_trip(s3, bucket):
    s3.put_object(Bucket=bucket, Key="small", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == b"hello"


def test_empty_object_round_trip(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentLength"] == 0


def test_metadata_and_system_headers_are_stored_and_returned(s3, bucket):
    s3.put_object(
        Bucket=bucket,
        Key="meta",
        Body=b"x",
        Metadata={"colour": "blue", "owner": "ada"},
        ContentType="text/plain",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="x.txt"',
        ContentLanguage="en",
        CacheControl="max-age=60",
    )
    head = s3.head_object(Bucket=bucket, Key="meta")
    assert head["Metadata"] == {"colour": "blue", "owner": "ada"}
    assert head["ContentType"] == "text/plain"
    assert head["ContentEncoding"] == "identity"
    assert head["ContentDisposition"] == 'attachment; filename="x.txt"'
    assert head["ContentLanguage"] == "en"
    assert head["CacheControl"] == "max-age=60"
    assert head["ContentLength"] == 1


def test_default_content_type_is_binary_octet_stream(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "binary/octet-stream"


def test_metadata_over_2kb_returns_metadata_too_large_and_stores_nothing(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="big-meta", Body=b"x", Metadata={"a": "v" * 2100})
    assert error_code(exc.value) == "MetadataTooLarge"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="big-meta")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    "header,expected",
    [
        ("bytes=0-9", slice(0, 10)),
        ("bytes=10-", slice(10, None)),
        ("bytes=-7", slice(-7, None)),
        ("bytes=5-100000", slice(5, None)),
    ],
)
def test_get_object_range_returns_206_and_slice(s3, bucket, header, expected):
    data = os.urandom(1000)
    s3.put_object(Bucket=bucket, Key="r", Body=data)
    got = s3.get_object(Bucket=bucket, Key="r", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == data[expected]
    assert got["ContentRange"].endswith("/1000")


def test_get_object_unsatisfiable_range_returns_invalid_range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=20-30")
    assert error_code(exc.value) == "InvalidRange"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416


def test_range_over_large_file_object(s3, bucket):
    data = os.urandom(3 * 1024 * 1024 + 17)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    got = s3.get_object(Bucket=bucket, Key="big", Range="bytes=1048570-2097160")
    assert got["Body"].read() == data[1048570:2097161]


def test_response_overrides_change_response_headers(s3, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(
        Bucket=bucket,
        Key="o",
        ResponseContentType="application/json",
        ResponseContentDisposition="inline",
        ResponseCacheControl="no-cache",
    )
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "inline"
    assert got["CacheControl"] == "no-cache"


def test_get_missing_key_returns_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="nope")
    assert error_code(exc.value) == "NoSuchKey"


def test_head_missing_key_returns_404_without_body(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="nope")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_get_in_missing_bucket_returns_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket="no-such-bucket-here", Key="k")
    assert error_code(exc.value) == "NoSuchBucket"


def test_overwrite_replaces_content(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two-two")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two-two"


def test_delete_object_then_get_returns_no_such_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="k")
    # Deleting a missing key is not an error in S3.
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_objects_quiet_and_verbose(s3, bucket):
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"d/{i}", Body=b"x")
    res = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "d/0"}, {"Key": "d/1"}, {"Key": "missing"}]}
    )
    assert sorted(d["Key"] for d in res["Deleted"]) == ["d/0", "d/1", "missing"]
    res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/2"}], "Quiet": True})
    assert "Deleted" not in res
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert left == ["d/3", "d/4"]


@pytest.mark.parametrize(
    "key",
    [
        "../escape",
        "a//b",
        "/leading",
        "with space",
        "per%cent",
        "plus+sign",
        "emoji-\U0001f600",
        "tab\tand\nnewline",
        "x" * 1024,
        "日本語/キー",
        "?query=like&x",
        "#hash",
        "~tilde",
    ],
)
def test_hostile_and_unusual_keys_round_trip(s3, bucket, key):
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = s3.list_objects_v2(Bucket=bucket, EncodingType="url")
    from urllib.parse import unquote_plus

    assert [unquote_plus(o["Key"]) for o in listed["Contents"]] == [key]
    s3.delete_object(Bucket=bucket, Key=key)


def test_key_over_1024_bytes_returns_key_too_long(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="é" * 513, Body=b"x")
    assert error_code(exc.value) == "KeyTooLongError"


def test_copy_object_copy_and_replace_metadata(s3, bucket):
    data = os.urandom(200_000)
    s3.put_object(Bucket=bucket, Key="src", Body=data, Metadata={"a": "1"}, ContentType="x/y")
    res = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert res["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["Metadata"] == {"a": "1"} and head["ContentType"] == "x/y"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == data
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource={"Bucket": bucket, "Key": "src"},
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
    )
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"b": "2"}


def test_copy_object_onto_itself_needs_replace(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"x", Metadata={"a": "1"})
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    assert error_code(exc.value) == "InvalidRequest"
    s3.copy_object(
        Bucket=bucket,
        Key="self",
        CopySource={"Bucket": bucket, "Key": "self"},
        MetadataDirective="REPLACE",
        Metadata={"a": "2"},
    )
    head = s3.head_object(Bucket=bucket, Key="self")
    assert head["Metadata"] == {"a": "2"}
    assert s3.get_object(Bucket=bucket, Key="self")["Body"].read() == b"x"


def test_copy_missing_source_returns_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "none"})
    assert error_code(exc.value) == "NoSuchKey"


def test_storage_class_is_stored_and_unknown_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert listed[0]["StorageClass"] == "STANDARD_IA"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"x", StorageClass="PLATINUM")
    assert error_code(exc.value) == "InvalidStorageClass"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_put_checksum_is_verified_and_returned_with_checksum_mode(s3, bucket, algorithm):
    data = os.urandom(70_000)
    put = s3.put_object(Bucket=bucket, Key="c", Body=data, ChecksumAlgorithm=algorithm)
    field = f"Checksum{algorithm}"
    assert put[field]
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head[field] == put[field]
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == data


def test_aws_chunked_content_encoding_is_not_stored(server, bucket):
    import rawhttp

    status, _, _ = rawhttp.signed_request(
        server,
        "PUT",
        f"/{bucket}/enc",
        b"abc",
        {"Content-Encoding": "aws-chunked,gzip"},
        payload_hash=hashlib.sha256(b"abc").hexdigest(),
    )
    assert status == 200
    s3 = server.client()
    assert s3.head_object(Bucket=bucket, Key="enc")["ContentEncoding"] == "gzip"
