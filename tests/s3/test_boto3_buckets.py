"""Bucket operations through boto3."""

from __future__ import annotations

import pytest
import rawhttp
from botocore.exceptions import ClientError


def code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def test_create_head_list_delete_bucket(s3):
    s3.create_bucket(Bucket="life-cycle-bucket")
    assert s3.head_bucket(Bucket="life-cycle-bucket")["ResponseMetadata"]["HTTPStatusCode"] == 200
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "life-cycle-bucket" in names
    s3.delete_bucket(Bucket="life-cycle-bucket")
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket="life-cycle-bucket")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_existing_bucket_returns_already_owned_by_you(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=bucket)
    assert code(exc.value) == "BucketAlreadyOwnedByYou"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "UPPER",
        "a" * 64,
        "bad_underscore",
        "-leading",
        "trailing-",
        "two..dots",
        "192.168.1.1",
        "xn--punycode",
        "bucket-s3alias",
    ],
)
def test_invalid_bucket_names_return_invalid_bucket_name(server, name):
    status, body = rawhttp.put(server, f"/{name}")
    assert status == 400
    assert b"<Code>InvalidBucketName</Code>" in body


def test_delete_non_empty_bucket_returns_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=bucket)
    assert code(exc.value) == "BucketNotEmpty"
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_delete_missing_bucket_returns_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="never-created-bucket")
    assert code(exc.value) == "NoSuchBucket"


def test_get_bucket_location_us_east_1_is_empty(s3, bucket):
    assert s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") is None


def test_create_bucket_with_wrong_location_constraint_is_refused(s3):
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(
            Bucket="wrong-region-bucket",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
        )
    assert code(exc.value) in ("IllegalLocationConstraintException", "InvalidLocationConstraint")


def test_list_buckets_prefix_max_buckets_and_continuation(s3):
    for i in range(5):
        s3.create_bucket(Bucket=f"page-bucket-{i}")
    seen = []
    token = None
    while True:
        kwargs = {"MaxBuckets": 2, "Prefix": "page-bucket-"}
        if token:
            kwargs["ContinuationToken"] = token
        res = s3.list_buckets(**kwargs)
        seen += [b["Name"] for b in res["Buckets"]]
        token = res.get("ContinuationToken")
        if not token:
            break
    assert seen == [f"page-bucket-{i}" for i in range(5)]


def test_unimplemented_operation_returns_not_implemented(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert code(exc.value) == "NotImplemented"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
