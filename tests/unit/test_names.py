"""Bucket-name and key rules (model/names.py) and key ordering (util/keyorder.py)."""

from __future__ import annotations

import pytest

from hydria.errors import S3Error
from hydria.model.names import MAX_KEY_BYTES, bucket_name_problem, check_bucket_name, check_key
from hydria.util.keyorder import prefix_successor

# "General purpose bucket naming rules", Amazon S3 User Guide: the examples it gives and one
# name at each edge of every rule.
VALID_BUCKET_NAMES = [
    "docexamplebucket1",
    "log-delivery-march-2020",
    "my-hosted-content",
    "docexamplewebsite.com",
    "www.docexamplewebsite.com",
    "my.example.s3.bucket",
    "abc",  # 3 characters, the minimum
    "a" * 63,  # the maximum
    "1bucket2",  # digits at both ends
    "192.168.5",  # dotted digits that are no IP address
    "bucket-xn--a",  # the reserved prefixes only count at the start...
    "my-sthree-bucket",
    "s3alias-bucket",  # ...and the reserved suffixes only at the end
    "a--b",  # adjacent hyphens are allowed
]

INVALID_BUCKET_NAMES = [
    ("doc_example_bucket", "underscore"),
    ("DocExampleBucket", "uppercase letters"),
    ("doc-example-bucket-", "ends with a hyphen"),
    ("-docexamplebucket", "starts with a hyphen"),
    (".docexamplebucket", "starts with a period"),
    ("docexamplebucket.", "ends with a period"),
    ("ab", "shorter than 3"),
    ("a" * 64, "longer than 63"),
    ("", "empty"),
    ("doc..example", "two adjacent periods"),
    ("192.168.5.4", "formatted as an IP address"),
    ("xn--docexample", "prefix xn--"),
    ("sthree-docexample", "prefix sthree-"),
    ("sthree-configurator-x", "prefix sthree-configurator"),
    ("amzn-s3-demo-bucket", "prefix amzn-s3-demo-"),
    ("docexample-s3alias", "suffix -s3alias"),
    ("docexample--ol-s3", "suffix --ol-s3"),
    ("docexample.mrap", "suffix .mrap"),
    ("docexample--x-s3", "suffix --x-s3"),
    ("docexample--table-s3", "suffix --table-s3"),
    ("doc example", "space"),
    ("doc/example", "slash"),
    ("bücket", "non-ASCII letter"),
    # Not in the written rules, but S3 refuses a hyphen next to a period (not a valid DNS
    # label), as the s3-tests compatibility suite records.
    ("doc.-example", "period then hyphen"),
    ("doc-.example", "hyphen then period"),
]


@pytest.mark.parametrize("name", VALID_BUCKET_NAMES)
def test_valid_bucket_name_is_accepted(name: str) -> None:
    assert bucket_name_problem(name) is None
    check_bucket_name(name)


@pytest.mark.parametrize(("name", "why"), INVALID_BUCKET_NAMES)
def test_invalid_bucket_name_raises_invalid_bucket_name(name: str, why: str) -> None:
    assert bucket_name_problem(name) is not None, why
    with pytest.raises(S3Error) as caught:
        check_bucket_name(name)
    assert (caught.value.code, caught.value.status) == ("InvalidBucketName", 400)
    assert caught.value.fields["BucketName"] == name


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "photos/2024/01/a.jpg",
        "a" * MAX_KEY_BYTES,
        "é" * 512,  # 2 bytes each: exactly 1,024
        "€" * 341 + "a",  # 3 bytes each: 1,023 + 1
        "😀" * 256,  # 4 bytes each: exactly 1,024
        " leading and trailing spaces ",
        "../../etc/passwd",  # keys are names, never paths
    ],
)
def test_key_up_to_1024_utf8_bytes_is_accepted(key: str) -> None:
    check_key(key)


@pytest.mark.parametrize(
    "key",
    ["a" * 1025, "é" * 512 + "a", "€" * 342, "😀" * 256 + "a", "a" + "é" * 512],
)
def test_key_over_1024_utf8_bytes_raises_key_too_long(key: str) -> None:
    with pytest.raises(S3Error) as caught:
        check_key(key)
    error = caught.value
    assert (error.code, error.status) == ("KeyTooLongError", 400)
    assert error.fields == {"Size": str(len(key.encode())), "MaxSizeAllowed": "1024"}


def test_empty_key_is_refused() -> None:
    with pytest.raises(S3Error) as caught:
        check_key("")
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [
        ("abc", "abd"),
        ("a/", "a0"),
        ("photos/2024/", "photos/20240"),
        ("z", "{"),
        ("\x7f", "\x80"),  # the one-byte/two-byte UTF-8 boundary
        ("\ud7ff", "\ue000"),  # surrogates are skipped
        ("a\U0010ffff", "b"),  # a last code point at the maximum is dropped
        ("\U0010ffff", None),
        ("", None),
    ],
)
def test_prefix_successor_table(prefix: str, successor: str | None) -> None:
    assert prefix_successor(prefix) == successor


@pytest.mark.parametrize("prefix", ["abc", "a/", "é", "\ud7ff", "x\U0010ffff", "日本/", "\x7f"])
def test_prefix_successor_bounds_every_key_under_prefix_in_utf8_order(prefix: str) -> None:
    upper = prefix_successor(prefix)
    assert upper is not None
    upper_bytes = upper.encode("utf-8")
    for tail in ["", "a", "\x00", "\U0010ffff", "zzzz", "é日本"]:
        key = (prefix + tail).encode("utf-8", "surrogatepass")
        assert key < upper_bytes
    assert not upper.startswith(prefix)
