"""Object and bucket tagging against the real server: boto3 for every operation, raw signed
requests for documents boto3 will not send. Every refused request is checked to change nothing."""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parents[1]))

from rawhttp import signed_request  # noqa: E402

ASTRAL = "\U00010400"  # one character, two UTF-16 code units
TOO_MANY = "Object tags cannot be greater than 10"
BAD_HEADER = (
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
    "parameters without tag name duplicates."
)


def tag_set(pairs: list[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


def tags_of(s3, bucket: str, key: str, **kw: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (t["Key"], t["Value"])
        for t in s3.get_object_tagging(Bucket=bucket, Key=key, **kw)["TagSet"]
    ]


def bucket_tags(s3, bucket: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(t["Key"], t["Value"]) for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]]


def refused(call, **kw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The <Error> fields of a request that must fail, with its HTTP status as 'Status'."""
    with pytest.raises(ClientError) as caught:
        call(**kw)
    response = caught.value.response
    return {**response["Error"], "Status": response["ResponseMetadata"]["HTTPStatusCode"]}


def tag_count(response: dict) -> str | None:  # type: ignore[type-arg]
    return response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-tagging-count")


def raw_put(server, path: str, body: bytes, md5: bool = True) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A signed PUT of ``body`` (with its Content-MD5); status and the <Error> fields."""
    headers = {"content-md5": base64.b64encode(hashlib.md5(body).digest()).decode()} if md5 else {}
    status, _, data = signed_request(server, "PUT", path, body, headers)
    if not data:
        return status, {}
    root = ElementTree.fromstring(data)
    return status, {child.tag: child.text or "" for child in root if child.tag != "RequestId"}


# Object tagging


def test_object_tags_round_trip_without_touching_the_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="obj", Body=b"hello")
    assert s3.get_object_tagging(Bucket=bucket, Key="obj")["TagSet"] == []
    ten = [
        ("b c+d-e=f.g_h:i/j@k", "2 + 2 = 4"),
        ("empty", ""),
        ("k" * 128, "v" * 256),
        (ASTRAL * 64, ASTRAL * 128),
        ("環境", "本番"),
        *[(f"key-{i}", f"value-{i}") for i in range(5)],
    ]
    response = s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tag_set(ten))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "VersionId" not in response
    assert tags_of(s3, bucket, "obj") == ten
    got = s3.get_object(Bucket=bucket, Key="obj")
    assert (got["TagCount"], got["Body"].read(), got["ETag"]) == (10, b"hello", put["ETag"])
    assert tag_count(s3.head_object(Bucket=bucket, Key="obj")) == "10"

    s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tag_set([("only", "one")]))
    assert tags_of(s3, bucket, "obj") == [("only", "one")]
    deleted = s3.delete_object_tagging(Bucket=bucket, Key="obj")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert tags_of(s3, bucket, "obj") == []
    assert "TagCount" not in s3.get_object(Bucket=bucket, Key="obj")
    assert tag_count(s3.head_object(Bucket=bucket, Key="obj")) is None
    s3.delete_object_tagging(Bucket=bucket, Key="obj")  # nothing to delete: still 204
    s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tag_set([("a", "1")]))
    s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tag_set([]))
    assert tags_of(s3, bucket, "obj") == []


def test_put_object_tagging_needs_no_content_md5(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x")
    body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>"
    assert raw_put(server, f"/{bucket}/obj?tagging", body, md5=False) == (200, {})
    assert tags_of(s3, bucket, "obj") == [("a", "1")]


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("tag1=tag1&tag2=tag2&tag=", [("tag1", "tag1"), ("tag2", "tag2"), ("tag", "")]),
        ("wrongquery&wrongagain", [("wrongquery", ""), ("wrongagain", "")]),
        ("key1&&&key2", [("key1", ""), ("key2", "")]),
        ("a%20b=c%2Bd&e+f=%2F", [("a b", "c+d"), ("e f", "/")]),
        ("%C3%BC=%E6%96%87", [("ü", "文")]),
    ],
)
def test_put_object_tagging_header(s3, bucket, header, tags):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x", Tagging=header)
    assert tags_of(s3, bucket, "obj") == tags
    assert s3.get_object(Bucket=bucket, Key="obj")["TagCount"] == len(tags)
    assert tag_count(s3.head_object(Bucket=bucket, Key="obj")) == str(len(tags))


def test_overwriting_an_object_drops_its_tags(s3, bucket):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"1", Tagging="tag1=val1")
    s3.put_object(Bucket=bucket, Key="obj", Body=b"2")
    assert tags_of(s3, bucket, "obj") == []


def test_tags_of_each_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="obj", Body=b"1", Tagging="test_tag=tagv1")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="obj", Body=b"2")["VersionId"]

    current = s3.put_object_tagging(Bucket=bucket, Key="obj", Tagging=tag_set([("t3", "3")]))
    assert current["VersionId"] == v2
    got = s3.get_object_tagging(Bucket=bucket, Key="obj")
    assert (got["VersionId"], got["TagSet"]) == (v2, [{"Key": "t3", "Value": "3"}])
    assert tags_of(s3, bucket, "obj", VersionId=v1) == [("test_tag", "tagv1")]
    assert s3.get_object_tagging(Bucket=bucket, Key="obj", VersionId=v1)["VersionId"] == v1

    old = s3.put_object_tagging(
        Bucket=bucket, Key="obj", VersionId=v1, Tagging=tag_set([("t1", "1"), ("t2", "2")])
    )
    assert old["VersionId"] == v1
    assert tags_of(s3, bucket, "obj", VersionId=v1) == [("t1", "1"), ("t2", "2")]
    assert tags_of(s3, bucket, "obj") == [("t3", "3")]
    assert s3.get_object(Bucket=bucket, Key="obj", VersionId=v1)["TagCount"] == 2
    assert tag_count(s3.head_object(Bucket=bucket, Key="obj", VersionId=v1)) == "2"

    gone = s3.delete_object_tagging(Bucket=bucket, Key="obj", VersionId=v1)
    assert gone["VersionId"] == v1
    assert tags_of(s3, bucket, "obj", VersionId=v1) == []
    assert tags_of(s3, bucket, "obj") == [("t3", "3")]


def test_a_delete_marker_has_no_tags(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="obj", Body=b"1", Tagging="a=1")
    marker = s3.delete_object(Bucket=bucket, Key="obj")["VersionId"]
    tagging = tag_set([("b", "2")])
    for version in ({}, {"VersionId": marker}):
        for method, call, kw in [
            ("GET", s3.get_object_tagging, {}),
            ("PUT", s3.put_object_tagging, {"Tagging": tagging}),
            ("DELETE", s3.delete_object_tagging, {}),
        ]:
            error = refused(call, Bucket=bucket, Key="obj", **version, **kw)
            assert error["Status"] == 405
            assert (error["Code"], error["Method"], error["ResourceType"]) == (
                "MethodNotAllowed",
                method,
                "DeleteMarker",
            )
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert tags_of(s3, bucket, "obj", VersionId=versions[0]["VersionId"]) == [("a", "1")]


def test_tagging_what_does_not_exist(s3, bucket):
    tagging = tag_set([("a", "1")])
    error = refused(s3.get_object_tagging, Bucket=bucket, Key="missing")
    # GetObjectTagging names the key with its bucket; Put and Delete name the key alone.
    assert (error["Status"], error["Code"], error["Key"]) == (404, "NoSuchKey", f"{bucket}/missing")
    error = refused(s3.put_object_tagging, Bucket=bucket, Key="missing", Tagging=tagging)
    assert (error["Code"], error["Key"]) == ("NoSuchKey", "missing")
    error = refused(s3.delete_object_tagging, Bucket=bucket, Key="missing")
    assert (error["Code"], error["Key"]) == ("NoSuchKey", "missing")

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="obj", Body=b"1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="obj", Body=b"2")
    s3.delete_object(Bucket=bucket, Key="obj", VersionId=version)
    for call, kw in [
        (s3.get_object_tagging, {}),
        (s3.put_object_tagging, {"Tagging": tagging}),
        (s3.delete_object_tagging, {}),
    ]:
        error = refused(call, Bucket=bucket, Key="obj", VersionId=version, **kw)
        assert (error["Status"], error["Code"], error["VersionId"]) == (
            404,
            "NoSuchVersion",
            version,
        )
        error = refused(call, Bucket=bucket, Key="obj", VersionId="not-a-version", **kw)
        assert (error["Code"], error["ArgumentName"]) == ("InvalidArgument", "versionId")
        error = refused(call, Bucket=f"{bucket}-none", Key="obj", **kw)
        assert (error["Status"], error["Code"]) == (404, "NoSuchBucket")
    assert tags_of(s3, bucket, "obj") == []


MALFORMED_DOCUMENTS = [
    ("unterminated", b"<Tagging><TagSet>"),
    ("no tag set", b"<Tagging></Tagging>"),
    ("tag without value", b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"),
    ("tag without key", b"<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>"),
    ("another root", b"<Tags><TagSet></TagSet></Tags>"),
    ("empty body", b""),
    ("entity declaration", b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "x">]>'
     b"<Tagging><TagSet><Tag><Key>&e;</Key><Value>v</Value></Tag></TagSet></Tagging>"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body"), MALFORMED_DOCUMENTS, ids=[d[0] for d in MALFORMED_DOCUMENTS]
)
def test_malformed_tagging_document_changes_nothing(server, s3, bucket, name, body):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x", Tagging="keep=me")
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([("keep", "bucket")]))
    status, error = raw_put(server, f"/{bucket}/obj?tagging", body)
    assert (status, error["Code"]) == (400, "MalformedXML")
    status, error = raw_put(server, f"/{bucket}?tagging", body)
    assert (status, error["Code"]) == (400, "MalformedXML")
    assert tags_of(s3, bucket, "obj") == [("keep", "me")]
    assert bucket_tags(s3, bucket) == [("keep", "bucket")]


INVALID_TAG_SETS = [
    ("eleven tags", [(f"k{i}", "") for i in range(11)],
     {"Code": "BadRequest", "Message": TOO_MANY}),
    ("duplicate keys", [("a", "1"), ("a", "2")],
     {"Code": "InvalidTag", "Message": "Cannot provide multiple Tags with the same key", "TagKey": "a"}),
    ("129-character key", [("k" * 129, "v")],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "k" * 129}),
    ("65 astral characters", [(ASTRAL * 65, "v")],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": ASTRAL * 65}),
    ("257-character value", [("k", "v" * 257)],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagKey": "k",
      "TagValue": "v" * 257}),
    ("comma in key", [("Key1,Key2", "Val1")],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "Key1,Key2"}),
    ("comma in value", [("Key1", "Val1,Val2")],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagKey": "Key1",
      "TagValue": "Val1,Val2"}),
    ("emoji", [("k", "😀")],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagKey": "k",
      "TagValue": "😀"}),
    ("aws: prefix", [("aws:prefixed", "v")],
     {"Code": "InvalidTag", "Message": "Your TagKey cannot be prefixed with aws:", "TagKey": "aws:prefixed"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "pairs", "error"), INVALID_TAG_SETS, ids=[t[0] for t in INVALID_TAG_SETS]
)
def test_invalid_object_tag_set_changes_nothing(s3, bucket, name, pairs, error):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x", Tagging="keep=me")
    got = refused(s3.put_object_tagging, Bucket=bucket, Key="obj", Tagging=tag_set(pairs))
    assert {k: got.get(k) for k in error} == error
    assert got["Status"] == 400
    assert tags_of(s3, bucket, "obj") == [("keep", "me")]


INVALID_HEADERS = [
    ("a=1&a=2", {"Code": "InvalidArgument", "Message": BAD_HEADER, "ArgumentValue": "a=1&a=2"}),
    ("key1=val1,key2=val2", {"Code": "InvalidArgument", "ArgumentName": "x-amz-tagging"}),
    ("=1", {"Code": "InvalidArgument", "ArgumentName": "x-amz-tagging"}),
    ("a=%FF", {"Code": "InvalidArgument", "ArgumentName": "x-amz-tagging"}),
    ("&".join(f"k{i}=" for i in range(11)), {"Code": "BadRequest", "Message": TOO_MANY}),
    ("key%3F=v", {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "key?"}),
    ("k=a%2Cb", {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid",
                 "TagValue": "a,b"}),
    ("aws:foo=bar", {"Code": "InvalidTag", "Message": "Your TagKey cannot be prefixed with aws:"}),
]  # fmt: skip


@pytest.mark.parametrize(("header", "error"), INVALID_HEADERS)
def test_invalid_tagging_header_stores_nothing(s3, bucket, header, error):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"old", Tagging="keep=me")
    got = refused(s3.put_object, Bucket=bucket, Key="obj", Body=b"new", Tagging=header)
    assert {k: got.get(k) for k in error} == error
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"old"
    assert tags_of(s3, bucket, "obj") == [("keep", "me")]
    got = refused(s3.put_object, Bucket=bucket, Key="new", Body=b"new", Tagging=header)
    assert got["Code"] == error["Code"]
    assert refused(s3.head_object, Bucket=bucket, Key="new")["Status"] == 404
    got = refused(s3.create_multipart_upload, Bucket=bucket, Key="mp", Tagging=header)
    assert got["Code"] == error["Code"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


# CopyObject and multipart uploads


def test_copy_object_tagging_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"data", Tagging="a=1&b=2")
    source = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="copied", CopySource=source)
    assert tags_of(s3, bucket, "copied") == [("a", "1"), ("b", "2")]
    s3.copy_object(
        Bucket=bucket, Key="explicit", CopySource=source, TaggingDirective="COPY", Tagging="x=9"
    )
    assert tags_of(s3, bucket, "explicit") == [("a", "1"), ("b", "2")]
    s3.copy_object(
        Bucket=bucket, Key="replaced", CopySource=source, TaggingDirective="REPLACE", Tagging="c=3"
    )
    assert tags_of(s3, bucket, "replaced") == [("c", "3")]
    assert s3.get_object(Bucket=bucket, Key="replaced")["TagCount"] == 1
    s3.copy_object(Bucket=bucket, Key="cleared", CopySource=source, TaggingDirective="REPLACE")
    assert tags_of(s3, bucket, "cleared") == []

    error = refused(
        s3.copy_object, Bucket=bucket, Key="bad", CopySource=source, TaggingDirective="MERGE"
    )
    assert (error["Code"], error["Message"], error["ArgumentName"]) == (
        "InvalidArgument",
        "Unknown tagging directive.",
        "x-amz-tagging-directive",
    )
    error = refused(
        s3.copy_object,
        Bucket=bucket,
        Key="bad",
        CopySource=source,
        TaggingDirective="REPLACE",
        Tagging="a=1&a=2",
    )
    assert error["Code"] == "InvalidArgument"
    assert refused(s3.head_object, Bucket=bucket, Key="bad")["Status"] == 404
    assert tags_of(s3, bucket, "src") == [("a", "1"), ("b", "2")]


def test_copy_of_an_older_version_takes_that_versions_tags(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="src", Body=b"1", Tagging="v=1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"2", Tagging="v=2")
    s3.copy_object(
        Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1}
    )
    assert tags_of(s3, bucket, "copy") == [("v", "1")]


def test_multipart_upload_carries_its_tags_to_the_object(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="mp=1&team=data")
    uid = upload["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"part")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert tags_of(s3, bucket, "mp") == [("mp", "1"), ("team", "data")]
    assert tag_count(s3.head_object(Bucket=bucket, Key="mp")) == "2"

    plain = s3.create_multipart_upload(Bucket=bucket, Key="plain")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="plain", UploadId=plain, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="plain",
        UploadId=plain,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert tags_of(s3, bucket, "plain") == []


# Bucket tagging


def test_bucket_tags_round_trip(s3, bucket):
    error = refused(s3.get_bucket_tagging, Bucket=bucket)
    assert (error["Status"], error["Code"], error["Message"], error["BucketName"]) == (
        404,
        "NoSuchTagSet",
        "The TagSet does not exist",
        bucket,
    )
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([("tag1", "tag1"), ("tag2", "")]))
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert bucket_tags(s3, bucket) == [("tag1", "tag1"), ("tag2", "")]
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([("tag3", "tag3")]))
    assert bucket_tags(s3, bucket) == [("tag3", "tag3")]
    deleted = s3.delete_bucket_tagging(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refused(s3.get_bucket_tagging, Bucket=bucket)["Code"] == "NoSuchTagSet"
    s3.delete_bucket_tagging(Bucket=bucket)  # idempotent

    fifty = [(f"key{i}", f"val{i}") for i in range(50)]
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(fifty))
    assert bucket_tags(s3, bucket) == fifty
    # An empty tag set removes the tags, as DeleteBucketTagging does.
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([]))
    assert refused(s3.get_bucket_tagging, Bucket=bucket)["Code"] == "NoSuchTagSet"


INVALID_BUCKET_TAG_SETS = [
    ("51 tags", [(f"k{i}", "") for i in range(51)],
     {"Code": "BadRequest", "Message": "Bucket tag count cannot be greater than 50"}),
    ("duplicate keys", [("Key1", "Val1"), ("Key1", "Val1")],
     {"Code": "InvalidTag", "Message": "Cannot provide multiple Tags with the same key", "TagKey": "Key1"}),
    ("aws: prefix", [("aws:prefixed", "Val1")],
     {"Code": "InvalidTag", "Message": "System tags cannot be added/updated by requester",
      "TagKey": "aws:prefixed"}),
    ("comma in key", [("Key1,Key2", "Val1")],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "Key1,Key2"}),
    ("257-character value", [("k", "v" * 257)],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagValue": "v" * 257}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "pairs", "error"), INVALID_BUCKET_TAG_SETS, ids=[t[0] for t in INVALID_BUCKET_TAG_SETS]
)
def test_invalid_bucket_tag_set_changes_nothing(s3, bucket, name, pairs, error):
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([("keep", "me")]))
    got = refused(s3.put_bucket_tagging, Bucket=bucket, Tagging=tag_set(pairs))
    assert {k: got.get(k) for k in error} == error
    assert bucket_tags(s3, bucket) == [("keep", "me")]


def test_put_bucket_tagging_wants_a_digest(server, s3, bucket):
    body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>"
    status, error = raw_put(server, f"/{bucket}?tagging", body, md5=False)
    assert (status, error["Code"], error["Message"]) == (
        400,
        "InvalidRequest",
        "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
    )
    assert refused(s3.get_bucket_tagging, Bucket=bucket)["Code"] == "NoSuchTagSet"
    assert raw_put(server, f"/{bucket}?tagging", body) == (204, {})
    assert bucket_tags(s3, bucket) == [("a", "1")]


def test_bucket_tagging_of_a_missing_bucket(s3, bucket):
    missing = f"{bucket}-none"
    for call, kw in [
        (s3.get_bucket_tagging, {}),
        (s3.put_bucket_tagging, {"Tagging": tag_set([("a", "1")])}),
        (s3.delete_bucket_tagging, {}),
    ]:
        error = refused(call, Bucket=missing, **kw)
        assert (error["Status"], error["Code"], error["BucketName"]) == (
            404,
            "NoSuchBucket",
            missing,
        )


def test_bucket_tags_go_with_the_bucket(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set([("a", "1")]))
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    assert refused(s3.get_bucket_tagging, Bucket=bucket)["Code"] == "NoSuchTagSet"
