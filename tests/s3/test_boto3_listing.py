"""Listing through boto3: v1 and v2, prefixes, delimiters, pagination, encoding."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def tree(s3, bucket):
    keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d/e/f/5", "d/e/g", "zz"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    return bucket, keys


def test_list_v2_all_keys_in_order(s3, tree):
    bucket, keys = tree
    res = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in res["Contents"]] == sorted(keys)
    assert res["KeyCount"] == len(keys)
    assert res["IsTruncated"] is False


def test_list_v2_delimiter_rolls_up_common_prefixes(s3, tree):
    bucket, _ = tree
    res = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in res["Contents"]] == ["c", "zz"]
    assert [p["Prefix"] for p in res["CommonPrefixes"]] == ["a/", "b/", "d/"]
    res = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="a/")
    assert [o["Key"] for o in res["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in res["CommonPrefixes"]] == ["a/b/"]


def test_list_v2_pagination_with_delimiter_visits_everything_once(s3, tree):
    bucket, _ = tree
    seen = []
    token = None
    while True:
        kw = {"Bucket": bucket, "Delimiter": "/", "MaxKeys": 1}
        if token:
            kw["ContinuationToken"] = token
        res = s3.list_objects_v2(**kw)
        seen += [o["Key"] for o in res.get("Contents", [])]
        seen += [p["Prefix"] for p in res.get("CommonPrefixes", [])]
        if not res["IsTruncated"]:
            break
        token = res["NextContinuationToken"]
    assert seen == ["a/", "b/", "c", "d/", "zz"]


def test_list_v1_marker_pagination_with_delimiter(s3, tree):
    bucket, _ = tree
    seen = []
    marker = ""
    while True:
        res = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2, Marker=marker)
        seen += [o["Key"] for o in res.get("Contents", [])]
        seen += [p["Prefix"] for p in res.get("CommonPrefixes", [])]
        if not res["IsTruncated"]:
            break
        marker = res["NextMarker"]
    assert sorted(seen) == ["a/", "b/", "c", "d/", "zz"]


def test_list_v2_start_after_and_max_keys_zero(s3, tree):
    bucket, _ = tree
    res = s3.list_objects_v2(Bucket=bucket, StartAfter="b/4")
    assert [o["Key"] for o in res["Contents"]] == ["c", "d/e/f/5", "d/e/g", "zz"]
    res = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert res["KeyCount"] == 0 and "Contents" not in res


def test_paginator_over_1200_keys(s3, bucket):
    from concurrent.futures import ThreadPoolExecutor

    keys = [f"p/{i:05d}" for i in range(1200)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=b""), keys))
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/"))
    assert len(pages) == 2
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="p/"))
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys


def test_list_fetch_owner_and_v1_owner(s3, tree):
    bucket, _ = tree
    res = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    assert "Owner" in res["Contents"][0]
    res = s3.list_objects_v2(Bucket=bucket)
    assert "Owner" not in res["Contents"][0]


def test_list_missing_bucket_returns_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="absent-bucket-x")
    assert exc.value.response["Error"]["Code"] == "NoSuchBucket"


def test_list_encoding_type_url_encodes_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="sp ace/ü", Body=b"")
    res = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/")
    # Asked for explicitly, the encoding reaches the caller: form encoding, '/' kept.
    assert [p["Prefix"] for p in res["CommonPrefixes"]] == ["sp+ace/"]
    res = s3.list_objects_v2(Bucket=bucket, Prefix="sp ace/")
    assert [o["Key"] for o in res["Contents"]] == ["sp ace/ü"]
