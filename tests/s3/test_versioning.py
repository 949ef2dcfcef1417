"""Object versioning through boto3 and raw signed requests, checked against AWS's documents:

- Using versioning in S3 buckets:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
- Working with delete markers: https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html
- Deleting object versions:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html
- Versioning-suspended buckets:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersionSuspendedBehavior.html
- API reference: API_PutBucketVersioning, API_GetBucketVersioning, API_GetObject, API_HeadObject,
  API_DeleteObject, API_DeleteObjects, API_CopyObject, API_ListObjectVersions
  (https://docs.aws.amazon.com/AmazonS3/latest/API/<name>.html).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from harness import HydriaServer, committed_blob_files
from rawhttp import signed_request
from versioning_helpers import (
    KIB,
    NS,
    all_raw_entries,
    body_of,
    code,
    content_md5,
    err_headers,
    headers,
    put,
    set_versioning,
    status,
)

# --- Get/PutBucketVersioning ---------------------------------------------------------------


def test_new_bucket_has_no_versioning_status(s3, server, bucket):
    # API_GetBucketVersioning: a bucket never configured returns no Status.
    res = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in res
    st, _, body = signed_request(server, "GET", f"/{bucket}?versioning")
    assert st == 200
    root = ET.fromstring(body)
    assert root.tag.removeprefix(NS) == "VersioningConfiguration"
    assert root.find(f"{NS}Status") is None


def test_versioning_goes_enabled_suspended_enabled_and_never_back_to_unversioned(
    s3, server, bucket
):
    set_versioning(s3, bucket, "Enabled")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    set_versioning(s3, bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    set_versioning(s3, bucket, "Enabled")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # Versioning.html: once enabled, a bucket can never return to an unversioned state; the
    # only Status values are Enabled and Suspended (API_PutBucketVersioning).
    for state in ("Disabled", "enabled"):
        body = (
            '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Status>{state}</Status></VersioningConfiguration>"
        ).encode()
        st, _, data = signed_request(
            server, "PUT", f"/{bucket}?versioning", body, {"Content-MD5": content_md5(body)}
        )
        assert st == 400, (state, data)
        assert b"<Code>MalformedXML</Code>" in data, (state, data)
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


@pytest.mark.parametrize(
    "body",
    [
        b"<VersioningConfiguration><Status>Enabled</Status>",  # truncated
        b"not xml at all",
        b"<Wrong><Status>Enabled</Status></Wrong>",  # wrong root element
    ],
    ids=["truncated", "not-xml", "wrong-root"],
)
def test_malformed_versioning_configuration_is_malformed_xml_and_changes_nothing(
    s3, server, bucket, body
):
    st, _, data = signed_request(
        server, "PUT", f"/{bucket}?versioning", body, {"Content-MD5": content_md5(body)}
    )
    assert st == 400, data
    assert b"<Code>MalformedXML</Code>" in data
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    # Still unversioned: a PUT gets no version id.
    assert put(s3, bucket, "k", b"x") is None


# --- version ids on PUT --------------------------------------------------------------------


def test_put_on_never_versioned_bucket_returns_no_version_id(s3, bucket):
    res = s3.put_object(Bucket=bucket, Key="plain", Body=b"data")
    assert "VersionId" not in res
    assert "x-amz-version-id" not in headers(res)
    got = s3.get_object(Bucket=bucket, Key="plain")
    assert "x-amz-version-id" not in headers(got)


def test_each_put_on_enabled_bucket_is_a_version_readable_by_id(s3, vbucket):
    bodies = [b"first", b"second, longer", os.urandom(100 * KIB)]  # last one is a blob file
    ids = []
    for i, body in enumerate(bodies):
        res = s3.put_object(
            Bucket=vbucket,
            Key="doc",
            Body=body,
            ContentType=f"text/v{i}",
            Metadata={"generation": str(i)},
        )
        assert headers(res)["x-amz-version-id"] == res["VersionId"]
        ids.append(res["VersionId"])
    assert len(set(ids)) == 3 and "null" not in ids

    for i, (vid, body) in enumerate(zip(ids, bodies, strict=True)):
        got = s3.get_object(Bucket=vbucket, Key="doc", VersionId=vid)
        assert got["Body"].read() == body
        assert got["VersionId"] == vid
        assert got["ContentType"] == f"text/v{i}"
        assert got["Metadata"] == {"generation": str(i)}
        assert got["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
        head = s3.head_object(Bucket=vbucket, Key="doc", VersionId=vid)
        assert head["ContentLength"] == len(body)
        assert head["VersionId"] == vid
        assert head["Metadata"] == {"generation": str(i)}
        ranged = s3.get_object(Bucket=vbucket, Key="doc", VersionId=vid, Range="bytes=1-3")
        assert ranged["Body"].read() == body[1:4]

    current = s3.get_object(Bucket=vbucket, Key="doc")
    assert current["Body"].read() == bodies[-1]
    assert current["VersionId"] == ids[-1]


def test_objects_written_before_enabling_become_the_null_version(s3, server, bucket):
    assert put(s3, bucket, "old", b"from before") is None
    set_versioning(s3, bucket, "Enabled")
    v1 = put(s3, bucket, "old", b"after enabling")
    assert v1 not in (None, "null")
    assert all_raw_entries(server, bucket) == [("V", "old", v1, True), ("V", "old", "null", False)]
    assert body_of(s3, bucket, "old", "null") == b"from before"
    assert body_of(s3, bucket, "old") == b"after enabling"


def test_put_on_suspended_bucket_returns_null_version_id(s3, vbucket):
    set_versioning(s3, vbucket, "Suspended")
    res = s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    assert res["VersionId"] == "null"
    assert headers(res)["x-amz-version-id"] == "null"


def test_list_object_versions_on_unversioned_bucket_shows_null_latest_versions(s3, bucket):
    put(s3, bucket, "a", b"1")
    put(s3, bucket, "a", b"22")
    res = s3.list_object_versions(Bucket=bucket)
    assert [(v["Key"], v["VersionId"], v["IsLatest"], v["Size"]) for v in res["Versions"]] == [
        ("a", "null", True, 2)
    ]
    assert "DeleteMarkers" not in res


# --- versioning-suspended buckets -----------------------------------------------------------


def test_suspended_put_replaces_only_the_null_version(s3, server, bucket):
    # AddingObjectstoVersionSuspendedBuckets: a PUT while suspended stores a null version,
    # replacing an existing null version; versions with ids stay.
    put(s3, bucket, "k", b"null before enabling")
    set_versioning(s3, bucket, "Enabled")
    v1 = put(s3, bucket, "k", b"v1")
    v2 = put(s3, bucket, "k", b"v2")
    set_versioning(s3, bucket, "Suspended")
    assert put(s3, bucket, "k", b"suspended 1") == "null"
    assert put(s3, bucket, "k", b"suspended 2") == "null"

    assert all_raw_entries(server, bucket) == [
        ("V", "k", "null", True),
        ("V", "k", v2, False),
        ("V", "k", v1, False),
    ]
    assert body_of(s3, bucket, "k") == b"suspended 2"
    assert body_of(s3, bucket, "k", "null") == b"suspended 2"
    assert body_of(s3, bucket, "k", v1) == b"v1"
    assert body_of(s3, bucket, "k", v2) == b"v2"


def test_reenabling_keeps_the_null_version_as_a_noncurrent_version(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    set_versioning(s3, vbucket, "Suspended")
    put(s3, vbucket, "k", b"null one")
    set_versioning(s3, vbucket, "Enabled")
    v2 = put(s3, vbucket, "k", b"v2")
    assert all_raw_entries(server, vbucket) == [
        ("V", "k", v2, True),
        ("V", "k", "null", False),
        ("V", "k", v1, False),
    ]
    assert body_of(s3, vbucket, "k", "null") == b"null one"


def test_suspended_delete_removes_null_version_and_adds_null_marker(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    set_versioning(s3, vbucket, "Suspended")
    put(s3, vbucket, "k", b"the null version")

    res = s3.delete_object(Bucket=vbucket, Key="k")
    assert res["DeleteMarker"] is True
    assert res["VersionId"] == "null"
    assert all_raw_entries(server, vbucket) == [("M", "k", "null", True), ("V", "k", v1, False)]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k")
    assert code(exc) == "NoSuchKey"
    assert err_headers(exc).get("x-amz-delete-marker") == "true"
    assert body_of(s3, vbucket, "k", v1) == b"v1"


def test_suspended_delete_without_null_version_only_adds_a_marker(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    v2 = put(s3, vbucket, "k", b"v2")
    set_versioning(s3, vbucket, "Suspended")
    res = s3.delete_object(Bucket=vbucket, Key="k")
    assert res["DeleteMarker"] is True and res["VersionId"] == "null"
    # A second simple delete replaces the null marker rather than stacking another one.
    s3.delete_object(Bucket=vbucket, Key="k")
    assert all_raw_entries(server, vbucket) == [
        ("M", "k", "null", True),
        ("V", "k", v2, False),
        ("V", "k", v1, False),
    ]


def test_suspended_bucket_still_deletes_a_version_by_id_permanently(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    v2 = put(s3, vbucket, "k", b"v2")
    set_versioning(s3, vbucket, "Suspended")
    res = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)
    assert res["VersionId"] == v1
    assert "DeleteMarker" not in res
    assert all_raw_entries(server, vbucket) == [("V", "k", v2, True)]


# --- delete markers -------------------------------------------------------------------------


def test_simple_delete_on_enabled_bucket_adds_a_delete_marker(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"keep me")
    res = s3.delete_object(Bucket=vbucket, Key="k")
    assert res["DeleteMarker"] is True
    marker = res["VersionId"]
    assert marker not in (None, "null", v1)
    assert headers(res)["x-amz-delete-marker"] == "true"
    assert headers(res)["x-amz-version-id"] == marker

    # DeleteMarker.html: GET/HEAD without versionId -> 404 and x-amz-delete-marker: true.
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k")
    assert status(exc) == 404 and code(exc) == "NoSuchKey"
    assert err_headers(exc).get("x-amz-delete-marker") == "true"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=vbucket, Key="k")
    assert status(exc) == 404
    assert err_headers(exc).get("x-amz-delete-marker") == "true"

    assert all_raw_entries(server, vbucket) == [("M", "k", marker, True), ("V", "k", v1, False)]
    assert body_of(s3, vbucket, "k", v1) == b"keep me"


def test_get_or_head_of_a_delete_marker_by_id_is_method_not_allowed(s3, vbucket):
    put(s3, vbucket, "k", b"x")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    # API_GetObject / DeleteMarker.html: 405, x-amz-delete-marker: true, Last-Modified.
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert status(exc) == 405
    assert code(exc) == "MethodNotAllowed"
    assert err_headers(exc).get("x-amz-delete-marker") == "true"
    assert "last-modified" in err_headers(exc)
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert status(exc) == 405
    assert err_headers(exc).get("x-amz-delete-marker") == "true"
    assert "last-modified" in err_headers(exc)


def test_deleting_the_marker_by_id_brings_the_previous_version_back(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"resurrected")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    res = s3.delete_object(Bucket=vbucket, Key="k", VersionId=marker)
    # API_DeleteObject: deleting a marker by id answers x-amz-delete-marker: true and its id.
    assert res["DeleteMarker"] is True
    assert res["VersionId"] == marker
    assert body_of(s3, vbucket, "k") == b"resurrected"
    assert s3.get_object(Bucket=vbucket, Key="k")["VersionId"] == v1
    assert all_raw_entries(server, vbucket) == [("V", "k", v1, True)]


def test_stacked_markers_each_have_an_id_and_only_the_newest_is_latest(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    m1 = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    m2 = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    assert m1 != m2
    assert all_raw_entries(server, vbucket) == [
        ("M", "k", m2, True),
        ("M", "k", m1, False),
        ("V", "k", v1, False),
    ]
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=m2)
    # The older marker is now current: the key still reads as deleted.
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k")
    assert code(exc) == "NoSuchKey"
    assert all_raw_entries(server, vbucket) == [("M", "k", m1, True), ("V", "k", v1, False)]


def test_simple_delete_of_a_missing_key_still_adds_a_marker(s3, server, vbucket):
    res = s3.delete_object(Bucket=vbucket, Key="never-existed")
    assert res["DeleteMarker"] is True
    assert all_raw_entries(server, vbucket) == [("M", "never-existed", res["VersionId"], True)]


def test_deleting_the_current_version_by_id_promotes_the_next(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    v2 = put(s3, vbucket, "k", b"v2")
    v3 = put(s3, vbucket, "k", b"v3")
    res = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v3)
    assert res["VersionId"] == v3
    assert "DeleteMarker" not in res
    assert body_of(s3, vbucket, "k") == b"v2"
    assert s3.head_object(Bucket=vbucket, Key="k")["VersionId"] == v2
    assert all_raw_entries(server, vbucket) == [("V", "k", v2, True), ("V", "k", v1, False)]
    # ListObjects sees the promoted version's size and ETag.
    (obj,) = s3.list_objects_v2(Bucket=vbucket)["Contents"]
    assert obj["Size"] == 2 and obj["ETag"] == f'"{hashlib.md5(b"v2").hexdigest()}"'


def test_deleting_a_noncurrent_version_leaves_the_current_alone(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    v2 = put(s3, vbucket, "k", b"v2")
    v3 = put(s3, vbucket, "k", b"v3")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert body_of(s3, vbucket, "k") == b"v3"
    assert all_raw_entries(server, vbucket) == [("V", "k", v3, True), ("V", "k", v1, False)]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert status(exc) == 404 and code(exc) == "NoSuchVersion"


def test_deleting_the_only_version_by_id_removes_the_key(s3, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k")
    assert code(exc) == "NoSuchKey"
    assert "x-amz-delete-marker" not in err_headers(exc)
    assert "Versions" not in s3.list_object_versions(Bucket=vbucket)


# --- bad version ids ------------------------------------------------------------------------


BAD_IDS = ["not-a-version-id", "0" * 32 + "x", "%%%"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_version_id_is_invalid_argument(s3, vbucket, bad):
    put(s3, vbucket, "k", b"x")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=bad)
    assert status(exc) == 400 and code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=bad)
    assert status(exc) == 400
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=vbucket, Key="k", VersionId=bad)
    assert status(exc) == 400 and code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "k", "VersionId": bad}
        )
    assert status(exc) == 400 and code(exc) == "InvalidArgument"
    # Nothing was deleted or created.
    assert body_of(s3, vbucket, "k") == b"x"
    assert [v["Key"] for v in s3.list_object_versions(Bucket=vbucket)["Versions"]] == ["k"]


def test_well_formed_but_absent_version_id_is_no_such_version(s3, vbucket):
    other = put(s3, vbucket, "other", b"o")
    put(s3, vbucket, "k", b"current")
    gone = put(s3, vbucket, "k", b"to be deleted")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=gone)
    for vid in (other, gone):
        with pytest.raises(ClientError) as exc:
            s3.get_object(Bucket=vbucket, Key="k", VersionId=vid)
        assert status(exc) == 404 and code(exc) == "NoSuchVersion"
        with pytest.raises(ClientError) as exc:
            s3.head_object(Bucket=vbucket, Key="k", VersionId=vid)
        assert status(exc) == 404
        with pytest.raises(ClientError) as exc:
            s3.copy_object(
                Bucket=vbucket,
                Key="dst",
                CopySource={"Bucket": vbucket, "Key": "k", "VersionId": vid},
            )
        assert status(exc) == 404 and code(exc) == "NoSuchVersion"
    # A version id on a key that does not exist at all is also NoSuchVersion.
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="no-such-key", VersionId=other)
    assert status(exc) == 404 and code(exc) == "NoSuchVersion"


def test_null_version_id_without_a_null_version_is_no_such_version(s3, vbucket):
    put(s3, vbucket, "k", b"has only real version ids")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=vbucket, Key="k", VersionId="null")
    assert status(exc) == 404 and code(exc) == "NoSuchVersion"


def test_deleting_an_absent_version_id_succeeds_and_changes_nothing(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    gone = put(s3, vbucket, "k", b"v2")
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=gone)
    res = s3.delete_object(Bucket=vbucket, Key="k", VersionId=gone)  # idempotent
    assert res["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert all_raw_entries(server, vbucket) == [("V", "k", v1, True)]


# --- CopyObject -----------------------------------------------------------------------------


def test_copy_a_specific_source_version(s3, vbucket):
    v1 = put(s3, vbucket, "src", b"version one", Metadata={"n": "1"}, ContentType="text/one")
    v2 = put(s3, vbucket, "src", b"version two", Metadata={"n": "2"})
    res = s3.copy_object(
        Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "src", "VersionId": v1}
    )
    assert res["CopySourceVersionId"] == v1
    assert headers(res)["x-amz-copy-source-version-id"] == v1
    new = res["VersionId"]
    assert new not in (None, "null", v1, v2)
    got = s3.get_object(Bucket=vbucket, Key="dst")
    assert got["Body"].read() == b"version one"
    assert got["VersionId"] == new
    assert got["Metadata"] == {"n": "1"}
    assert got["ContentType"] == "text/one"

    # Without a version id the current version is copied, and named in the response.
    res = s3.copy_object(Bucket=vbucket, Key="dst2", CopySource={"Bucket": vbucket, "Key": "src"})
    assert res["CopySourceVersionId"] == v2
    assert body_of(s3, vbucket, "dst2") == b"version two"

    # Into an unversioned bucket: no version id for the destination.
    plain = f"{vbucket[:50]}-plain"
    s3.create_bucket(Bucket=plain)
    res = s3.copy_object(
        Bucket=plain, Key="copy", CopySource={"Bucket": vbucket, "Key": "src", "VersionId": v1}
    )
    assert res["CopySourceVersionId"] == v1
    assert "VersionId" not in res
    assert body_of(s3, plain, "copy") == b"version one"


def test_copying_an_old_version_onto_its_key_restores_it(s3, server, vbucket):
    # RestoringPreviousVersions.html: copy a previous version into the same bucket and key.
    v1 = put(s3, vbucket, "k", os.urandom(100 * KIB))
    old = body_of(s3, vbucket, "k", v1)
    v2 = put(s3, vbucket, "k", b"newer")
    res = s3.copy_object(
        Bucket=vbucket, Key="k", CopySource={"Bucket": vbucket, "Key": "k", "VersionId": v1}
    )
    v3 = res["VersionId"]
    assert body_of(s3, vbucket, "k") == old
    assert all_raw_entries(server, vbucket) == [
        ("V", "k", v3, True),
        ("V", "k", v2, False),
        ("V", "k", v1, False),
    ]
    assert body_of(s3, vbucket, "k", v1) == old


def test_copy_source_that_is_a_delete_marker(s3, vbucket):
    put(s3, vbucket, "k", b"x")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    # API_CopyObject: a delete marker named by versionId -> 400 InvalidRequest ...
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=vbucket,
            Key="dst",
            CopySource={"Bucket": vbucket, "Key": "k", "VersionId": marker},
        )
    assert status(exc) == 400 and code(exc) == "InvalidRequest"
    # ... and a current version that is a delete marker behaves as if deleted -> NoSuchKey.
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "k"})
    assert status(exc) == 404 and code(exc) == "NoSuchKey"
    assert "Versions" not in s3.list_object_versions(Bucket=vbucket, Prefix="dst")


# --- DeleteObjects --------------------------------------------------------------------------


def test_delete_objects_without_version_id_adds_markers(s3, server, vbucket):
    va = put(s3, vbucket, "a", b"a")
    vb = put(s3, vbucket, "b", b"b")
    res = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert "Errors" not in res
    deleted = {d["Key"]: d for d in res["Deleted"]}
    assert set(deleted) == {"a", "b"}
    for d in deleted.values():
        assert d["DeleteMarker"] is True
        assert d["DeleteMarkerVersionId"] not in (None, "null")
    assert all_raw_entries(server, vbucket) == [
        ("M", "a", deleted["a"]["DeleteMarkerVersionId"], True),
        ("V", "a", va, False),
        ("M", "b", deleted["b"]["DeleteMarkerVersionId"], True),
        ("V", "b", vb, False),
    ]


def test_delete_objects_with_version_ids(s3, server, vbucket):
    va1 = put(s3, vbucket, "a", b"a1")
    va2 = put(s3, vbucket, "a", b"a2")
    vb = put(s3, vbucket, "b", b"b")
    marker = s3.delete_object(Bucket=vbucket, Key="b")["VersionId"]
    objects = [
        {"Key": "a", "VersionId": va2},
        {"Key": "b", "VersionId": marker},
    ]
    res = s3.delete_objects(Bucket=vbucket, Delete={"Objects": objects})
    assert "Errors" not in res
    deleted = {d["Key"]: d for d in res["Deleted"]}
    # API_DeletedObject: deleting a version by id echoes VersionId; a deleted delete marker
    # also says DeleteMarker true, DeleteMarkerVersionId being the version deleted.
    assert deleted["a"]["VersionId"] == va2
    assert deleted["a"].get("DeleteMarker", False) is False
    assert deleted["b"]["VersionId"] == marker
    assert deleted["b"]["DeleteMarker"] is True
    assert deleted["b"]["DeleteMarkerVersionId"] == marker
    assert all_raw_entries(server, vbucket) == [("V", "a", va1, True), ("V", "b", vb, True)]
    assert body_of(s3, vbucket, "a") == b"a1"
    assert body_of(s3, vbucket, "b") == b"b"

    # Deleting the same versions again succeeds (nothing left to delete).
    res = s3.delete_objects(Bucket=vbucket, Delete={"Objects": objects})
    assert "Errors" not in res
    assert {d["Key"] for d in res["Deleted"]} == {"a", "b"}
    assert all_raw_entries(server, vbucket) == [("V", "a", va1, True), ("V", "b", vb, True)]


def test_delete_objects_quiet_mode_and_suspended_null_marker(s3, server, vbucket):
    v1 = put(s3, vbucket, "k", b"v1")
    set_versioning(s3, vbucket, "Suspended")
    res = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "k"}]})
    (d,) = res["Deleted"]
    assert d["DeleteMarker"] is True
    assert d["DeleteMarkerVersionId"] == "null"
    assert all_raw_entries(server, vbucket) == [("M", "k", "null", True), ("V", "k", v1, False)]
    res = s3.delete_objects(
        Bucket=vbucket, Delete={"Objects": [{"Key": "k", "VersionId": v1}], "Quiet": True}
    )
    assert "Deleted" not in res and "Errors" not in res
    assert all_raw_entries(server, vbucket) == [("M", "k", "null", True)]


# --- other operations that take a versionId ---------------------------------------------------


def test_get_object_attributes_of_a_specific_version(s3, vbucket):
    # API_GetObjectAttributes: versionId selects the version; the response names it.
    v1 = put(s3, vbucket, "k", b"first body")
    v2 = put(s3, vbucket, "k", b"second, longer body")
    for vid, body in ((v1, b"first body"), (v2, b"second, longer body")):
        res = s3.get_object_attributes(
            Bucket=vbucket, Key="k", VersionId=vid, ObjectAttributes=["ETag", "ObjectSize"]
        )
        assert res["VersionId"] == vid
        assert res["ObjectSize"] == len(body)
        assert res["ETag"] == hashlib.md5(body).hexdigest()
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=vbucket, Key="k", ObjectAttributes=["ETag"])
    assert status(exc) == 404 and code(exc) == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(
            Bucket=vbucket, Key="k", VersionId=marker, ObjectAttributes=["ETag"]
        )
    assert status(exc) == 405


def test_versioning_operations_on_a_missing_bucket_are_no_such_bucket(s3):
    missing = f"missing-{uuid.uuid4().hex[:16]}"
    for call in (
        lambda: s3.get_bucket_versioning(Bucket=missing),
        lambda: set_versioning(s3, missing, "Enabled"),
        lambda: s3.list_object_versions(Bucket=missing),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert status(exc) == 404 and code(exc) == "NoSuchBucket"


def test_concurrent_puts_to_one_key_each_get_a_version(server, vbucket):
    # Two server processes, eight threads: every PUT is its own version, exactly one latest.
    def writer(n: int) -> tuple[str, bytes]:
        client = server.client()
        body = f"writer {n}".encode()
        return client.put_object(Bucket=vbucket, Key="hot", Body=body)["VersionId"], body

    with ThreadPoolExecutor(max_workers=8) as pool:
        written = dict(pool.map(writer, range(40)))
    assert len(written) == 40
    listed = all_raw_entries(server, vbucket)
    assert sorted(e[2] for e in listed) == sorted(written)
    assert [e[3] for e in listed] == [True] + [False] * 39
    s3 = server.client()
    assert body_of(s3, vbucket, "hot") == written[listed[0][2]]
    for vid, body in written.items():
        assert body_of(s3, vbucket, "hot", vid) == body


# --- reclaim and restart --------------------------------------------------------------------


def blob_file_count(srv: HydriaServer) -> int:
    return len(committed_blob_files(srv.data_dir))


def test_noncurrent_versions_survive_reclaim_and_restart(reclaiming):
    s3 = reclaiming.client()
    s3.create_bucket(Bucket="keep")
    set_versioning(s3, "keep", "Enabled")
    bodies = {}
    for i in range(3):
        big = os.urandom(100 * KIB + i)  # blob files
        bodies[put(s3, "keep", "big", big)] = big
        small = f"inline {i}".encode()
        bodies[put(s3, "keep", "small", small)] = small
    s3.delete_object(Bucket="keep", Key="big")
    marker = s3.delete_object(Bucket="keep", Key="small")["VersionId"]
    s3.delete_object(Bucket="keep", Key="small", VersionId=marker)
    assert blob_file_count(reclaiming) == 3

    time.sleep(4)  # several reclaim passes past the 1 s grace delay
    reclaiming.restart()
    s3 = reclaiming.client()
    for vid, body in bodies.items():
        key = "big" if len(body) > KIB else "small"
        assert body_of(s3, "keep", key, vid) == body
    assert blob_file_count(reclaiming) == 3

    # A version deleted by id releases its bytes.
    big_ids = [vid for vid, body in bodies.items() if len(body) > KIB]
    s3.delete_object(Bucket="keep", Key="big", VersionId=big_ids[0])
    deadline = time.monotonic() + 30
    while blob_file_count(reclaiming) != 2:
        assert time.monotonic() < deadline, blob_file_count(reclaiming)
        time.sleep(0.2)
    for vid in big_ids[1:]:
        assert body_of(s3, "keep", "big", vid) == bodies[vid]
