"""Stored checksums through boto3: PutObject, multipart COMPOSITE and FULL_OBJECT, part checks.

Expected values are computed here from the bytes with zlib, awscrt and hashlib, independently
of the server's own checksum code.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from xml.etree import ElementTree

import pytest
from awscrt import checksums as crt
from botocore.exceptions import ClientError
from rawhttp import signed_request

MIB = 1024 * 1024
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def digest(algorithm: str, data: bytes) -> bytes:
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return crt.crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crt.crc64nvme(data).to_bytes(8, "big")
    return hashlib.new(algorithm.lower(), data).digest()


def b64(algorithm: str, data: bytes) -> str:
    return base64.b64encode(digest(algorithm, data)).decode()


def composite(algorithm: str, parts: list[bytes]) -> str:
    """AWS's checksum of checksums: the checksum of the concatenated binary part checksums."""
    joined = b"".join(digest(algorithm, p) for p in parts)
    return f"{b64(algorithm, joined)}-{len(parts)}"


def code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def message(exc: ClientError) -> str:
    return exc.response["Error"]["Message"]


def two_parts() -> list[bytes]:
    return [os.urandom(5 * MIB), os.urandom(4321)]


def upload_parts(s3, bucket: str, key: str, uid: str, parts: list[bytes], algorithm: str):  # type: ignore[no-untyped-def]
    """UploadPart each part with boto3 computing the checksum; the CompletedPart list."""
    done = []
    for number, data in enumerate(parts, start=1):
        resp = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=uid,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        assert resp[f"Checksum{algorithm}"] == b64(algorithm, data)
        done.append(
            {
                "PartNumber": number,
                "ETag": resp["ETag"],
                f"Checksum{algorithm}": resp[f"Checksum{algorithm}"],
            }
        )
    return done


def assert_absent(s3, bucket: str, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key=key)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# -- PutObject


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_put_object_checksum_is_stored_and_returned(s3, bucket, algorithm):
    data = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"] == b64(algorithm, data)
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == b64(algorithm, data)
    assert head["ChecksumType"] == "FULL_OBJECT"
    plain = s3.head_object(Bucket=bucket, Key="k")
    assert f"Checksum{algorithm}" not in plain


# -- CreateMultipartUpload


@pytest.mark.parametrize(
    ("algorithm", "kind", "expected"),
    [
        ("CRC32", None, "COMPOSITE"),
        ("CRC32C", None, "COMPOSITE"),
        ("SHA1", None, "COMPOSITE"),
        ("SHA256", None, "COMPOSITE"),
        ("CRC64NVME", None, "FULL_OBJECT"),
        ("CRC32", "FULL_OBJECT", "FULL_OBJECT"),
        ("CRC32C", "FULL_OBJECT", "FULL_OBJECT"),
        ("CRC32", "COMPOSITE", "COMPOSITE"),
    ],
)
def test_create_multipart_upload_reports_algorithm_and_type(s3, bucket, algorithm, kind, expected):
    extra = {"ChecksumType": kind} if kind else {}
    up = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm, **extra)
    assert (up["ChecksumAlgorithm"], up["ChecksumType"]) == (algorithm, expected)
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=up["UploadId"])
    assert (listed["ChecksumAlgorithm"], listed["ChecksumType"]) == (algorithm, expected)
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["ChecksumAlgorithm"], u["ChecksumType"]) for u in uploads] == [(algorithm, expected)]


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (
            {"ChecksumAlgorithm": "SHA256", "ChecksumType": "FULL_OBJECT"},
            "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
        ),
        (
            {"ChecksumAlgorithm": "SHA1", "ChecksumType": "FULL_OBJECT"},
            "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.",
        ),
        (
            {"ChecksumAlgorithm": "CRC64NVME", "ChecksumType": "COMPOSITE"},
            "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
        ),
        (
            {"ChecksumType": "FULL_OBJECT"},
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm "
            "header.",
        ),
        (
            {"ChecksumAlgorithm": "CRC32", "ChecksumType": "PARTIAL"},
            "Value for x-amz-checksum-type header is invalid.",
        ),
        (
            {"ChecksumAlgorithm": "MD4"},
            "Checksum algorithm provided is unsupported. Please try again with any of the valid "
            "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
        ),
    ],
)
def test_create_multipart_upload_refuses_invalid_checksum_settings(s3, bucket, extra, text):
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="k", **extra)
    assert (code(exc.value), message(exc.value)) == ("InvalidRequest", text)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# -- Complete: COMPOSITE and FULL_OBJECT objects


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_composite_multipart_checksum(s3, bucket, algorithm):
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm)[
        "UploadId"
    ]
    done = upload_parts(s3, bucket, "mp", uid, parts, algorithm)
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["Parts"]
    assert [p[f"Checksum{algorithm}"] for p in listed] == [b64(algorithm, p) for p in parts]
    result = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
    )
    expected = composite(algorithm, parts)
    assert result[f"Checksum{algorithm}"] == expected
    assert result["ChecksumType"] == "COMPOSITE"
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    got = s3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"".join(parts)
    assert got[f"Checksum{algorithm}"] == expected


def test_head_reports_composite_checksum_type(s3, bucket):
    # Needs GET/HEAD to read the stored type (extra["checksum_type"]) instead of assuming one.
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "CRC32")
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
    )
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head["ChecksumType"] == "COMPOSITE"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_full_object_multipart_checksum_is_the_whole_object_crc(s3, bucket, algorithm):
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB + 7), os.urandom(999)]
    whole = b"".join(parts)
    uid = s3.create_multipart_upload(
        Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, ChecksumType="FULL_OBJECT"
    )["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, algorithm)
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": done},
        ChecksumType="FULL_OBJECT",
        **{f"Checksum{algorithm}": b64(algorithm, whole)},
    )
    assert result[f"Checksum{algorithm}"] == b64(algorithm, whole)
    assert result["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == b64(algorithm, whole)
    assert head["ChecksumType"] == "FULL_OBJECT"
    # botocore checks the body against a full-object checksum as it reads it.
    got = s3.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["Body"].read() == whole
    assert got["ResponseMetadata"]["HTTPHeaders"][f"x-amz-checksum-{algorithm.lower()}"] == b64(
        algorithm, whole
    )


def test_full_object_upload_computes_a_missing_part_checksum(server, s3, bucket):
    data = os.urandom(1000)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC64NVME")[
        "UploadId"
    ]
    status, headers, body = signed_request(
        server, "PUT", f"/{bucket}/mp?partNumber=1&uploadId={uid}", data
    )
    assert status == 200, body
    assert headers["x-amz-checksum-crc64nvme"] == b64("CRC64NVME", data)
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": headers["etag"]}]},
    )
    assert result["ChecksumCRC64NVME"] == b64("CRC64NVME", data)


def test_full_object_header_mismatch_is_bad_digest_and_stores_nothing(s3, bucket):
    parts = two_parts()
    uid = s3.create_multipart_upload(
        Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32C", ChecksumType="FULL_OBJECT"
    )["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "CRC32C")
    wrong = b64("CRC32C", b"something else")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": done},
            ChecksumCRC32C=wrong,
        )
    assert code(exc.value) == "BadDigest"
    assert message(exc.value) == "The crc32c you specified did not match the calculated checksum."
    assert_absent(s3, bucket, "mp")
    # The upload is still there: the right checksum completes it.
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": done},
        ChecksumCRC32C=b64("CRC32C", b"".join(parts)),
    )


def test_composite_header_on_complete_is_verified(s3, bucket):
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")[
        "UploadId"
    ]
    done = upload_parts(s3, bucket, "mp", uid, parts, "SHA256")
    value = composite("SHA256", parts)
    for wrong in (value.replace("-2", "-3"), composite("SHA256", parts[:1]).replace("-1", "-2")):
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(
                Bucket=bucket,
                Key="mp",
                UploadId=uid,
                MultipartUpload={"Parts": done},
                ChecksumSHA256=wrong,
            )
        assert code(exc.value) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": done},
            ChecksumSHA256=value + "x",
        )
    assert message(exc.value) == "Value for x-amz-checksum-sha256 header is invalid."
    assert_absent(s3, bucket, "mp")
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": done},
        ChecksumSHA256=value.split("-")[0],
    )
    assert result["ChecksumSHA256"] == value


# -- UploadPart


def test_lying_part_checksum_is_bad_digest_and_stores_nothing(server, s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
    data = os.urandom(200_000)
    lie = b64("CRC32", data + b"!")
    status, _, body = signed_request(
        server,
        "PUT",
        f"/{bucket}/mp?partNumber=1&uploadId={uid}",
        data,
        {"x-amz-checksum-crc32": lie},
    )
    assert status == 400
    assert ElementTree.fromstring(body).findtext("Code") == "BadDigest"
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid).get("Parts", []) == []
    status, headers, _ = signed_request(
        server,
        "PUT",
        f"/{bucket}/mp?partNumber=1&uploadId={uid}",
        data,
        {"x-amz-checksum-crc32": b64("CRC32", data)},
    )
    assert status == 200
    assert headers["x-amz-checksum-crc32"] == b64("CRC32", data)


def test_part_checksum_of_another_algorithm_is_refused(server, s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")[
        "UploadId"
    ]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(
            Bucket=bucket,
            Key="mp",
            UploadId=uid,
            PartNumber=1,
            Body=b"data",
            ChecksumAlgorithm="CRC32C",
        )
    assert code(exc.value) == "InvalidRequest"
    assert message(exc.value) == (
        "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum "
        "Type: crc32c"
    )
    # COMPOSITE needs every part's checksum from the client: a part without one is refused.
    status, _, body = signed_request(
        server, "PUT", f"/{bucket}/mp?partNumber=1&uploadId={uid}", b"data"
    )
    assert status == 400
    assert ElementTree.fromstring(body).findtext("Message") == (
        "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum "
        "Type: null"
    )
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid).get("Parts", []) == []


def test_upload_part_copy_gets_the_upload_checksum(s3, bucket):
    source = os.urandom(300_000)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32C")[
        "UploadId"
    ]
    copied = s3.upload_part_copy(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange="bytes=100-199999",
    )["CopyPartResult"]
    assert copied["ChecksumCRC32C"] == b64("CRC32C", source[100:200_000])
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={
            "Parts": [
                {
                    "PartNumber": 1,
                    "ETag": copied["ETag"],
                    "ChecksumCRC32C": copied["ChecksumCRC32C"],
                }
            ]
        },
    )
    assert result["ChecksumCRC32C"] == composite("CRC32C", [source[100:200_000]])


# -- Complete: part checks


def test_mismatched_part_checksum_in_complete_is_invalid_part(s3, bucket):
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "CRC32")
    done[1]["ChecksumCRC32"] = b64("CRC32", b"not this part")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
        )
    assert code(exc.value) == "InvalidPart"
    assert exc.value.response["Error"]["PartNumber"] == "2"
    assert_absent(s3, bucket, "mp")


def test_composite_complete_requires_every_part_checksum(s3, bucket):
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA1")["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "SHA1")
    del done[1]["ChecksumSHA1"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
        )
    assert (code(exc.value), message(exc.value)) == (
        "InvalidRequest",
        "The upload was created using a sha1 checksum. The complete request must include the "
        "checksum for each part. It was missing for part 2 in the request.",
    )
    done[1]["ChecksumSHA1"] = "not base64!"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
        )
    assert code(exc.value) == "InvalidArgument"
    assert exc.value.response["Error"]["ArgumentValue"] == "SHA1:not base64!;"
    assert_absent(s3, bucket, "mp")


def test_upload_without_algorithm_stores_a_verified_crc_header(s3, bucket):
    # boto3 sends a CRC32 with every part unasked; Complete may then name the whole object's.
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "CRC32")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done}
        )
    assert code(exc.value) == "InvalidPart"  # part checksums belong to uploads that declared one
    plain = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in done]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=uid,
            MultipartUpload={"Parts": plain},
            ChecksumCRC32=b64("CRC32", b"wrong"),
        )
    assert code(exc.value) == "BadDigest"
    whole = b64("CRC32", b"".join(parts))
    result = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": plain},
        ChecksumCRC32=whole,
    )
    assert (result["ChecksumCRC32"], result["ChecksumType"]) == (whole, "FULL_OBJECT")


def test_upload_without_algorithm_has_no_object_checksum(s3, bucket):
    parts = two_parts()
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    done = upload_parts(s3, bucket, "mp", uid, parts, "CRC32")
    plain = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in done]
    result = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": plain}
    )
    assert "ChecksumCRC32" not in result and "ChecksumType" not in result
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in head


# -- upload_file


def test_upload_file_with_default_transfer_config(s3, bucket, tmp_path):
    # Default TransferConfig: 8 MiB threshold and chunks, CRC32 declared on the upload.
    data = os.urandom(20 * MIB)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "file.bin")
    chunks = [data[i : i + 8 * MIB] for i in range(0, len(data), 8 * MIB)]
    head = s3.head_object(Bucket=bucket, Key="file.bin", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == composite("CRC32", chunks)
    assert head["ETag"].endswith('-3"')
    dst = tmp_path / "dst.bin"
    s3.download_file(bucket, "file.bin", str(dst))
    assert dst.read_bytes() == data
