"""Checksum algorithms against published check values and AWS's own examples."""

from __future__ import annotations

import base64
import hashlib
import os
import random

import pytest

from hydria.util.checksums import (
    ALGORITHMS,
    DIGEST_SIZES,
    FULL_OBJECT_ALGORITHMS,
    checksum_b64,
    combine_crc,
    composite_checksum,
    decode_checksum,
    default_checksum_type,
    full_object_checksum,
    new_checksum,
    supports_type,
)

# The CRC catalogue's check values (input "123456789").
CHECK_VALUES = {
    "CRC32": 0xCBF43926,
    "CRC32C": 0xE3069283,
    "CRC64NVME": 0xAE8B14860A799888,
}


@pytest.mark.parametrize("algorithm", sorted(CHECK_VALUES))
def test_crc_matches_catalogue_check_value(algorithm: str) -> None:
    c = new_checksum(algorithm)
    c.update(b"123456789")
    size = DIGEST_SIZES[algorithm]
    assert c.digest() == CHECK_VALUES[algorithm].to_bytes(size, "big")


def test_crc32_of_hello_world_is_the_value_s3_sends() -> None:
    # botocore sends this value for b"hello world" in x-amz-checksum-crc32.
    assert checksum_b64("CRC32", b"hello world") == "DUoRhQ=="


def test_crc32c_of_the_aws_trailer_example_body() -> None:
    # sigv4-streaming-trailers example: 66560 bytes of 'a', trailer x-amz-checksum-crc32c.
    assert checksum_b64("CRC32C", b"a" * 66560) == "sOO8/Q=="


def test_sha_algorithms_match_hashlib() -> None:
    data = b"hello world"
    assert checksum_b64("SHA1", data) == base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert checksum_b64("SHA256", data) == base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_incremental_updates_equal_one_shot(algorithm: str) -> None:
    data = bytes(range(256)) * 300
    c = new_checksum(algorithm)
    for i in range(0, len(data), 777):
        c.update(memoryview(data)[i : i + 777])
    assert c.b64() == checksum_b64(algorithm, data)
    assert len(c.digest()) == DIGEST_SIZES[algorithm]


def test_new_checksum_accepts_lower_case_and_rejects_unknown() -> None:
    assert new_checksum("crc64nvme").algorithm == "CRC64NVME"
    with pytest.raises(ValueError):
        new_checksum("MD5")


def test_decode_checksum_validates_base64_and_length() -> None:
    assert decode_checksum("CRC32", "DUoRhQ==") == bytes.fromhex("0d4a1185")
    assert decode_checksum("CRC32", "not base64!") is None
    assert decode_checksum("CRC32", "AAAAAAAA") is None  # 6 bytes, not 4
    assert decode_checksum("CRC64NVME", "AAAAAA==") is None


def test_decode_checksum_refuses_non_canonical_base64() -> None:
    # 'y/Q5Jh==' decodes to the same bytes as 'y/Q5Jg==' (its padding bits differ); S3
    # answers it "Value for x-amz-checksum-crc32 header is invalid".
    assert decode_checksum("CRC32", "y/Q5Jg==") == bytes.fromhex("cbf43926")
    assert decode_checksum("CRC32", "y/Q5Jh==") is None


@pytest.mark.parametrize("algorithm", sorted(FULL_OBJECT_ALGORITHMS))
def test_combined_part_crcs_equal_the_crc_of_the_whole(algorithm: str) -> None:
    rng = random.Random(algorithm)
    data = os.urandom(300_000)
    cuts = sorted(rng.sample(range(1, len(data)), 6))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    parts = [(base64.b64decode(checksum_b64(algorithm, p)), len(p)) for p in pieces]
    assert full_object_checksum(algorithm, parts) == checksum_b64(algorithm, data)


@pytest.mark.parametrize("algorithm", sorted(FULL_OBJECT_ALGORITHMS))
def test_combine_with_empty_and_single_parts(algorithm: str) -> None:
    whole = new_checksum(algorithm)
    whole.update(b"abc")
    crc_abc = int.from_bytes(whole.digest(), "big")
    assert combine_crc(algorithm, crc_abc, 0, 0) == crc_abc
    assert full_object_checksum(algorithm, [(whole.digest(), 3)]) == checksum_b64(algorithm, b"abc")


# Values S3 returned (captured from real S3 by other projects' test suites).
COMPOSITE_EXAMPLES = [
    # One part b"123456789" (the swift s3api checksum tests, run against AWS).
    ("CRC32", ["y/Q5Jg=="], "7kxlUA==-1"),
    ("CRC32C", ["4waSgw=="], "pzJFoA==-1"),
    ("SHA1", ["98O8HYCOBHMq32eZZczDTKeuNEE="], "zGcEPHvP9e6lVmvZsfPHT9mlz10=-1"),
    (
        "SHA256",
        ["FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="],
        "KSsNAHVmgy25S/rmic1w0at3KBH9RLn0nYVQ7p6mpJQ=-1",
    ),
    # Three parts of 5 MiB, 5 MiB and 1 MiB (floci issue 3083, eu-west-1).
    (
        "SHA256",
        [
            "lcKa6Boe7a167tUCN5C4OaFygGSYD8MBnBARTrdL+1w=",
            "gHjhbUT4oo2tSCtSZJdlKi+jeNXJT+VImqdPXsXvkOc=",
            "4l9PQ3zOPZ0oGFvknFX+J4zZwE4WMzO+l3r8XrbWOeM=",
        ],
        "rVWtNbadtsaKXJAcgWPWjifHzJaXde/iV4jaJAOdivc=-3",
    ),
]


@pytest.mark.parametrize(("algorithm", "parts", "expected"), COMPOSITE_EXAMPLES)
def test_composite_checksum_matches_values_s3_returned(
    algorithm: str, parts: list[str], expected: str
) -> None:
    digests = [base64.b64decode(p) for p in parts]
    assert composite_checksum(algorithm, digests) == expected


def test_checksum_types_per_algorithm() -> None:
    assert default_checksum_type("CRC64NVME") == "FULL_OBJECT"
    assert {default_checksum_type(a) for a in ("CRC32", "CRC32C", "SHA1", "SHA256")} == {
        "COMPOSITE"
    }
    assert supports_type("CRC32", "FULL_OBJECT") and supports_type("CRC32C", "COMPOSITE")
    assert not supports_type("SHA256", "FULL_OBJECT") and not supports_type("SHA1", "FULL_OBJECT")
    assert not supports_type("CRC64NVME", "COMPOSITE")
