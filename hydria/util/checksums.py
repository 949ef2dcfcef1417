"""Incremental checksums for the algorithms S3 accepts in ``x-amz-checksum-*``.

One small interface over zlib, awscrt and hashlib so body streaming can feed every requested
algorithm the same way. Digests are big-endian bytes and ``b64()`` is the base64 text S3 sends
and expects in headers, trailers and XML.

Multipart objects get a checksum made from their parts' checksums, of one of two types:
COMPOSITE (the checksum of the concatenated part digests, written ``<base64>-<parts>``) or
FULL_OBJECT (the CRC of the whole object, combined from the part CRCs by awscrt's native
combine functions, so no byte is read twice).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Protocol

from awscrt import checksums as _crt

ALGORITHMS: tuple[str, ...] = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
"""Algorithm names as S3 spells them (``x-amz-sdk-checksum-algorithm``, ``ChecksumCRC32``)."""

DIGEST_SIZES: dict[str, int] = {
    "CRC32": 4,
    "CRC32C": 4,
    "CRC64NVME": 8,
    "SHA1": 20,
    "SHA256": 32,
}
"""Digest length in bytes, used to validate base64 values clients send."""


COMPOSITE = "COMPOSITE"
FULL_OBJECT = "FULL_OBJECT"
CHECKSUM_TYPES: tuple[str, ...] = (COMPOSITE, FULL_OBJECT)
"""``x-amz-checksum-type`` values: how a multipart object's checksum derives from its parts."""

_CRC_COMBINE = {
    "CRC32": _crt.combine_crc32,
    "CRC32C": _crt.combine_crc32c,
    "CRC64NVME": _crt.combine_crc64nvme,
}
FULL_OBJECT_ALGORITHMS = frozenset(_CRC_COMBINE)
"""CRCs combine across parts; hashes do not, so SHA1/SHA256 can only be COMPOSITE."""
COMPOSITE_ALGORITHMS = frozenset(("CRC32", "CRC32C", "SHA1", "SHA256"))
"""AWS offers no COMPOSITE CRC64NVME: that algorithm is always FULL_OBJECT."""


class Checksum(Protocol):
    """What every algorithm offers: feed bytes, then read the digest."""

    algorithm: str

    def update(self, data: bytes | bytearray | memoryview) -> None: ...

    def digest(self) -> bytes: ...

    def b64(self) -> str: ...


class _Crc:
    """A CRC kept as an integer and serialised big-endian, as S3 does."""

    __slots__ = ("_fn", "_size", "_value", "algorithm")

    def __init__(self, algorithm: str, fn, size: int) -> None:  # type: ignore[no-untyped-def]
        self.algorithm = algorithm
        self._fn = fn
        self._size = size
        self._value = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")

    def b64(self) -> str:
        return base64.b64encode(self.digest()).decode("ascii")


class _Hash:
    """A hashlib digest behind the same interface as the CRCs."""

    __slots__ = ("_h", "algorithm")

    def __init__(self, algorithm: str, name: str) -> None:
        self.algorithm = algorithm
        self._h = hashlib.new(name)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        return self._h.digest()

    def b64(self) -> str:
        return base64.b64encode(self._h.digest()).decode("ascii")


def _zlib_crc32(data: bytes | bytearray | memoryview, value: int) -> int:
    return zlib.crc32(data, value)


def new_checksum(algorithm: str) -> Checksum:
    """A fresh checksum for ``algorithm`` (case-insensitive); ValueError when S3 has no such one."""
    name = algorithm.upper()
    if name == "CRC32":
        return _Crc(name, _zlib_crc32, 4)
    if name == "CRC32C":
        return _Crc(name, _crt.crc32c, 4)
    if name == "CRC64NVME":
        return _Crc(name, _crt.crc64nvme, 8)
    if name == "SHA1":
        return _Hash(name, "sha1")
    if name == "SHA256":
        return _Hash(name, "sha256")
    raise ValueError(f"unknown checksum algorithm {algorithm!r}")


def checksum_b64(algorithm: str, data: bytes | bytearray | memoryview) -> str:
    """The base64 checksum of one buffer; a convenience for small bodies and tests."""
    c = new_checksum(algorithm)
    c.update(data)
    return c.b64()


def decode_checksum(algorithm: str, value: str) -> bytes | None:
    """The digest bytes a client sent in base64, or None when it is not a valid value.

    Only the canonical encoding is valid ('y/Q5Jh==' decodes like 'y/Q5Jg==' but S3 refuses it).
    """
    text = value.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    if len(raw) != DIGEST_SIZES[algorithm.upper()]:
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def default_checksum_type(algorithm: str) -> str:
    """The type a multipart upload gets when it names only an algorithm."""
    return FULL_OBJECT if algorithm.upper() == "CRC64NVME" else COMPOSITE


def supports_type(algorithm: str, checksum_type: str) -> bool:
    allowed = FULL_OBJECT_ALGORITHMS if checksum_type == FULL_OBJECT else COMPOSITE_ALGORITHMS
    return algorithm.upper() in allowed


def combine_crc(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """CRC of A+B from CRC(A), CRC(B) and len(B), in awscrt's native code."""
    return _CRC_COMBINE[algorithm.upper()](crc1, crc2, length2)


def full_object_checksum(algorithm: str, parts: list[tuple[bytes, int]]) -> str:
    """The whole object's CRC (base64) from each part's (digest, size), in part order."""
    name = algorithm.upper()
    size = DIGEST_SIZES[name]
    value = 0
    for index, (digest, length) in enumerate(parts):
        crc = int.from_bytes(digest, "big")
        value = crc if index == 0 else combine_crc(name, value, crc, length)
    return base64.b64encode(value.to_bytes(size, "big")).decode("ascii")


def composite_checksum(algorithm: str, part_digests: list[bytes]) -> str:
    """S3's checksum-of-checksums: ``base64(H(d1 + d2 + ...))-N`` over the part digests."""
    c = new_checksum(algorithm)
    for digest in part_digests:
        c.update(digest)
    return f"{c.b64()}-{len(part_digests)}"
