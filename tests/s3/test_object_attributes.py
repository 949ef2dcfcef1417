"""GetObjectAttributes through boto3 (and raw requests for what boto3 will not send)."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import signed_request

MIB = 1024 * 1024
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def three_part_upload(s3, bucket: str, key: str, **create) -> list[bytes]:  # type: ignore[no-untyped-def]
    """A completed 3-part upload (5 MiB, 5 MiB, 1 KiB); parts sent with CRC32 checksums."""
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1024)]
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for number, data in enumerate(parts, start=1):
        resp = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=uid,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
        )
        entry = {"PartNumber": number, "ETag": resp["ETag"]}
        if create:
            entry["ChecksumCRC32"] = resp["ChecksumCRC32"]
        done.append(entry)
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": done}
    )
    return parts


def test_single_part_object_attributes(s3, bucket):
    data = os.urandom(70_000)
    put = s3.put_object(
        Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm="SHA256", StorageClass="STANDARD_IA"
    )
    attrs = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL)
    assert attrs["ETag"] == hashlib.md5(data).hexdigest() == put["ETag"].strip('"')
    assert attrs["Checksum"] == {
        "ChecksumSHA256": b64(hashlib.sha256(data).digest()),
        "ChecksumType": "FULL_OBJECT",
    }
    assert "ObjectParts" not in attrs
    assert attrs["StorageClass"] == "STANDARD_IA"
    assert attrs["ObjectSize"] == len(data)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert attrs["LastModified"] == head["LastModified"]


def test_only_the_requested_attributes_are_returned(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc", ChecksumAlgorithm="CRC32")
    attrs = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert attrs["ObjectSize"] == 3
    assert not {"ETag", "Checksum", "StorageClass", "ObjectParts"} & set(attrs)


def test_object_without_checksum_has_no_checksum_attribute(server, s3, bucket):
    # boto3 always sends one; a raw request can store an object without any.
    status, _, _ = signed_request(server, "PUT", f"/{bucket}/k", b"abc")
    assert status == 200
    attrs = s3.get_object_attributes(
        Bucket=bucket, Key="k", ObjectAttributes=["Checksum", "ObjectSize"]
    )
    assert "Checksum" not in attrs and attrs["ObjectSize"] == 3


def test_object_parts_paginate_over_a_three_part_upload(s3, bucket):
    parts = three_part_upload(s3, bucket, "mp", ChecksumAlgorithm="CRC32")
    composite = b64(crc32(b"".join(crc32(p) for p in parts)))
    first = s3.get_object_attributes(
        Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "Checksum"], MaxParts=2
    )
    # The Checksum attribute gives a COMPOSITE value without HeadObject's '-3' suffix.
    assert first["Checksum"] == {"ChecksumCRC32": composite, "ChecksumType": "COMPOSITE"}
    page = first["ObjectParts"]
    assert page["TotalPartsCount"] == 3
    assert page["MaxParts"] == 2 and page["IsTruncated"] is True
    assert page["PartNumberMarker"] == 0 and page["NextPartNumberMarker"] == 2
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in page["Parts"]] == [
        (1, 5 * MIB, b64(crc32(parts[0]))),
        (2, 5 * MIB, b64(crc32(parts[1]))),
    ]
    second = s3.get_object_attributes(
        Bucket=bucket,
        Key="mp",
        ObjectAttributes=["ObjectParts"],
        MaxParts=2,
        PartNumberMarker=page["NextPartNumberMarker"],
    )["ObjectParts"]
    assert second["IsTruncated"] is False and second["PartNumberMarker"] == 2
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in second["Parts"]] == [
        (3, 1024, b64(crc32(parts[2])))
    ]
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == f"{composite}-3"


def test_object_parts_of_a_full_object_upload(s3, bucket):
    parts = three_part_upload(
        s3, bucket, "mp", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )
    attrs = s3.get_object_attributes(
        Bucket=bucket, Key="mp", ObjectAttributes=["Checksum", "ObjectParts", "ETag"]
    )
    assert attrs["Checksum"] == {
        "ChecksumCRC32": b64(crc32(b"".join(parts))),
        "ChecksumType": "FULL_OBJECT",
    }
    assert [p["ChecksumCRC32"] for p in attrs["ObjectParts"]["Parts"]] == [
        b64(crc32(p)) for p in parts
    ]
    assert attrs["ETag"].endswith("-3") and not attrs["ETag"].startswith('"')


def test_multipart_object_without_checksums_reports_only_its_parts_count(s3, bucket):
    three_part_upload(s3, bucket, "mp")
    attrs = s3.get_object_attributes(
        Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "Checksum"]
    )
    assert attrs["ObjectParts"] == {"TotalPartsCount": 3}
    assert "Checksum" not in attrs


def test_missing_object_and_version(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="nope", ObjectAttributes=["ETag"])
    assert code(exc.value) == "NoSuchKey"
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(
            Bucket=bucket,
            Key="k",
            ObjectAttributes=["ETag"],
            VersionId="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
    assert code(exc.value) == "NoSuchVersion"
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket + "-none", Key="k", ObjectAttributes=["ETag"])
    assert code(exc.value) == "NoSuchBucket"


@pytest.mark.parametrize("value", [None, "", "ETag,Size", "etag"])
def test_attributes_header_must_name_known_attributes(server, s3, bucket, value):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    headers = {} if value is None else {"x-amz-object-attributes": value}
    status, _, body = signed_request(server, "GET", f"/{bucket}/k?attributes", b"", headers)
    assert status == 400
    error = ElementTree.fromstring(body)
    assert error.findtext("Code") == "InvalidArgument"
    assert error.findtext("Message") == "Invalid attribute name specified."


def test_response_is_the_aws_document(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ChecksumAlgorithm="CRC32")
    status, headers, body = signed_request(
        server,
        "GET",
        f"/{bucket}/k?attributes",
        b"",
        {"x-amz-object-attributes": "ETag,Checksum,StorageClass,ObjectSize"},
    )
    assert status == 200
    assert headers["last-modified"].endswith(" GMT")
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    root = ElementTree.fromstring(body)
    assert root.tag == f"{ns}GetObjectAttributesResponse"
    assert [child.tag.removeprefix(ns) for child in root] == [
        "ETag",
        "Checksum",
        "StorageClass",
        "ObjectSize",
    ]
    assert root.findtext(f"{ns}ETag") == hashlib.md5(b"hello").hexdigest()
    assert root.findtext(f"{ns}Checksum/{ns}ChecksumCRC32") == b64(crc32(b"hello"))
