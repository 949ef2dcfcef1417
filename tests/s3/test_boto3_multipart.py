"""Multipart uploads through boto3: low-level calls and upload_file's automatic multipart."""

from __future__ import annotations

import hashlib
import os

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def md5s_etag(parts: list[bytes]) -> str:
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


def test_multipart_round_trip_etag_and_part_number_reads(s3, bucket):
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1234)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ContentType="a/b", Metadata={"m": "1"})
    uid = up["UploadId"]
    etags = []
    for i, p in enumerate(parts, start=1):
        etags.append(
            s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=i, Body=p)["ETag"]
        )
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [p["Size"] for p in listed["Parts"]] == [len(p) for p in parts]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]},
    )
    assert done["ETag"] == md5s_etag(parts)
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["Body"].read() == b"".join(parts)
    assert got["ContentType"] == "a/b" and got["Metadata"] == {"m": "1"}
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert second["Body"].read() == parts[1]
    assert second["PartsCount"] == 3
    ranged = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
    assert ranged["Body"].read() == (parts[0] + parts[1])[5 * MIB - 10 : 5 * MIB + 10]
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    assert code(exc.value) == "NoSuchUpload"


def test_upload_file_multipart_20mib(s3, bucket, tmp_path):
    data = os.urandom(21 * MIB)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "file.bin", Config=TransferConfig(multipart_threshold=8 * MIB))
    head = s3.head_object(Bucket=bucket, Key="file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    dst = tmp_path / "dst.bin"
    s3.download_file(bucket, "file.bin", str(dst))
    assert dst.read_bytes() == data


def test_small_non_last_part_returns_entity_too_small(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=1, Body=b"a" * 100)[
        "ETag"
    ]
    e2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=2, Body=b"b")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="small",
            UploadId=uid,
            MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]
            },
        )
    assert code(exc.value) == "EntityTooSmall"
    # A single small part is fine: the last part may be any size.
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="small",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]},
    )
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == b"b"


def test_complete_with_wrong_etag_or_order(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x" * (5 * MIB))[
        "ETag"
    ]
    e2 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"y")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]},
        )
    assert code(exc.value) == "InvalidPart"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={
                "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]
            },
        )
    assert code(exc.value) == "InvalidPartOrder"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)


def test_abort_and_unknown_upload_return_no_such_upload(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"x")
    assert code(exc.value) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId="nonexistent")
    assert code(exc.value) == "NoSuchUpload"


def test_invalid_part_number_is_refused(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=10001, Body=b"x")
    assert code(exc.value) == "InvalidArgument"


def test_list_multipart_uploads(s3, bucket):
    ids = {}
    for key in ["x/1", "x/2", "y"]:
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    res = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["Key"] for u in res["Uploads"]] == ["x/1", "x/2", "y"]
    res = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in res["Uploads"]] == ["y"]
    assert [p["Prefix"] for p in res["CommonPrefixes"]] == ["x/"]
    res = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    assert res["IsTruncated"] and res["NextKeyMarker"] == "x/1"
    res = s3.list_multipart_uploads(
        Bucket=bucket, KeyMarker=res["NextKeyMarker"], UploadIdMarker=res["NextUploadIdMarker"]
    )
    assert [u["Key"] for u in res["Uploads"]] == ["x/2", "y"]


def test_upload_part_copy_with_range(s3, bucket):
    src = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    p1 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )["CopyPartResult"]["ETag"]
    p2 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}",
    )["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]},
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == src
