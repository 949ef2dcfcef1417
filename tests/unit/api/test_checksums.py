"""Checksum algorithms against published check values and AWS's own examples."""

from __future__ import annotations

import base64
import hashlib

import pytest

from hydria.util.checksums import (
    ALGORITHMS,
    DIGEST_SIZES,
    checksum_b64,
    decode_checksum,
    new_checksum,
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
