"""Object rules with no I/O (model/objects.py): metadata, storage classes, ETags, ranges."""

from __future__ import annotations

import hashlib

import pytest

from hydria.errors import S3Error
from hydria.model.objects import (
    DEFAULT_CONTENT_TYPE,
    MAX_USER_METADATA_BYTES,
    STORAGE_CLASSES,
    ByteRange,
    check_storage_class,
    metadata_from_headers,
    multipart_etag,
    parse_range,
)

# --- metadata ------------------------------------------------------------------------------


def test_metadata_keeps_system_headers_and_user_metadata_only() -> None:
    headers = [
        ("content-type", "image/jpeg"),
        ("cache-control", "max-age=60"),
        ("content-disposition", "attachment"),
        ("x-amz-meta-camera", "x100"),
        ("authorization", "AWS4-HMAC-SHA256 ..."),
        ("x-amz-date", "20240101T000000Z"),
        ("content-length", "5"),
    ]
    assert metadata_from_headers(headers) == {
        "content-type": "image/jpeg",
        "cache-control": "max-age=60",
        "content-disposition": "attachment",
        "x-amz-meta-camera": "x100",
    }


def test_user_metadata_of_exactly_2_kb_is_accepted() -> None:
    # Size is the bytes of each name (without x-amz-meta-) plus each value: 1 + 2047.
    stored = metadata_from_headers([("x-amz-meta-k", "v" * (MAX_USER_METADATA_BYTES - 1))])
    assert len(stored["x-amz-meta-k"]) == 2047


@pytest.mark.parametrize(
    "headers",
    [
        [("x-amz-meta-k", "v" * MAX_USER_METADATA_BYTES)],
        [("x-amz-meta-a", "v" * 1024), ("x-amz-meta-b", "v" * 1023)],
        [(f"x-amz-meta-{i:03d}", "v" * 100) for i in range(20)],
    ],
)
def test_user_metadata_over_2_kb_raises_metadata_too_large(
    headers: list[tuple[str, str]],
) -> None:
    with pytest.raises(S3Error) as caught:
        metadata_from_headers(headers)
    error = caught.value
    assert (error.code, error.status) == ("MetadataTooLarge", 400)
    assert error.fields["MaxSizeAllowed"] == "2048"


def test_system_headers_do_not_count_towards_the_metadata_limit() -> None:
    metadata_from_headers([("content-disposition", "x" * 4096), ("x-amz-meta-a", "b")])


def test_default_content_type_is_what_s3_answers() -> None:
    assert DEFAULT_CONTENT_TYPE == "binary/octet-stream"


# --- storage classes -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""])
def test_missing_storage_class_means_standard(value: str | None) -> None:
    assert check_storage_class(value) == "STANDARD"


@pytest.mark.parametrize("value", sorted(STORAGE_CLASSES))
def test_every_s3_storage_class_is_accepted(value: str) -> None:
    assert check_storage_class(value) == value


def test_storage_classes_are_those_s3_documents() -> None:
    assert {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
        "OUTPOSTS",
        "SNOW",
        "EXPRESS_ONEZONE",
    } <= STORAGE_CLASSES


@pytest.mark.parametrize("value", ["standard", "COLD", "STANDARD ", "GLACIER-IR"])
def test_unknown_storage_class_raises_invalid_storage_class(value: str) -> None:
    with pytest.raises(S3Error) as caught:
        check_storage_class(value)
    assert (caught.value.code, caught.value.status) == ("InvalidStorageClass", 400)
    assert caught.value.fields == {"StorageClassRequested": value}


# --- multipart ETag ------------------------------------------------------------------------


def test_multipart_etag_is_md5_of_binary_part_md5s_and_part_count() -> None:
    part1 = hashlib.md5(b"hello").hexdigest()  # 5d41402abc4b2a76b9719d911017c592
    part2 = hashlib.md5(b"world").hexdigest()  # 7d793037a0760186574b0282f2f435e7
    # md5(bytes.fromhex(part1) + bytes.fromhex(part2)), computed once and written down:
    assert multipart_etag([part1, part2]) == "065947336a2f2a95ba8899f3675c3be6-2"


def test_multipart_etag_of_one_part_is_not_the_part_etag() -> None:
    part = hashlib.md5(b"hello").hexdigest()
    assert multipart_etag([part]) == "62109206880d38a4010a98e11243924a-1"


def test_multipart_etag_depends_on_part_order() -> None:
    a, b = hashlib.md5(b"a").hexdigest(), hashlib.md5(b"b").hexdigest()
    assert multipart_etag([a, b]) != multipart_etag([b, a])


# --- Range ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 10, (0, 9)),
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=2-5", 10, (2, 5)),
        ("bytes=-5", 10, (5, 9)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=9-", 10, (9, 9)),
        ("bytes=0-100", 10, (0, 9)),  # an end past the object is cut to its last byte
        ("bytes=-20", 10, (0, 9)),  # a suffix longer than the object is the whole object
        (" bytes=1-2 ", 10, (1, 2)),
        ("bytes= 1 - 2", 10, (1, 2)),
    ],
)
def test_parse_range_satisfiable(header: str, size: int, expected: tuple[int, int]) -> None:
    byte_range = parse_range(header, size)
    assert byte_range == ByteRange(*expected)
    assert byte_range.length == expected[1] - expected[0] + 1


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 10), ("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=-0", 10)],
)
def test_parse_range_unsatisfiable_raises_invalid_range(header: str, size: int) -> None:
    with pytest.raises(S3Error) as caught:
        parse_range(header, size)
    error = caught.value
    assert (error.code, error.status) == ("InvalidRange", 416)
    assert error.fields["ActualObjectSize"] == str(size)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes=abc",
        "bytes=5",
        "bytes=-",
        "bytes=a-5",
        "bytes=1-b",
        "bytes=--5",
        "bytes=9-5",
        "items=0-5",
        "0-5",
        "bytes=0-1,3-4",  # more than one range: S3 serves the whole object
        "bytes=0-1, 5-6",
    ],
)
def test_parse_range_invalid_syntax_or_multiple_ranges_means_whole_object(
    header: str | None,
) -> None:
    assert parse_range(header, 10) is None
