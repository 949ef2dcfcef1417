"""What a request promised about its body, as ``x-amz-content-sha256`` states it.

Authentication decides the payload mode; ``api.body`` and ``chunked.py`` carry it out. Kept
apart from the signature code because the body layer needs these types and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hydria.errors import S3Error

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_HEX = frozenset("0123456789abcdefABCDEF")


class PayloadKind(StrEnum):
    """What ``x-amz-content-sha256`` promised about the body."""

    UNSIGNED = "UNSIGNED-PAYLOAD"
    SHA256 = "SHA256"
    """A hex sha256 of the whole body was given; the body stream verifies it."""
    STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


_STREAMING_KINDS = frozenset(
    {
        PayloadKind.STREAMING_SIGNED,
        PayloadKind.STREAMING_SIGNED_TRAILER,
        PayloadKind.STREAMING_UNSIGNED_TRAILER,
    }
)
_TRAILER_KINDS = frozenset(
    {PayloadKind.STREAMING_SIGNED_TRAILER, PayloadKind.STREAMING_UNSIGNED_TRAILER}
)
_SIGNED_CHUNK_KINDS = frozenset(
    {PayloadKind.STREAMING_SIGNED, PayloadKind.STREAMING_SIGNED_TRAILER}
)
_ECDSA_STREAMING = frozenset(
    {
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    }
)
_BAD_CONTENT_SHA256 = (
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
    "or a valid sha256 value."
)


@dataclass(frozen=True, slots=True)
class StreamSigning:
    """What chunk and trailer signatures chain from: the request's key, time, scope and seed."""

    signing_key: bytes
    amz_date: str
    scope: str
    seed_signature: str


@dataclass(frozen=True, slots=True)
class PayloadMode:
    """How the request body is framed and what must be checked once it has all arrived.

    ``kind`` says whether the body is plain or aws-chunked; ``sha256`` is the hex digest the
    whole body must hash to (kind SHA256 only); ``signing`` carries the chunk-signature chain
    for the signed streaming kinds (None for anonymous requests, whose chunks are only framed).
    """

    kind: PayloadKind
    sha256: str | None = None
    signing: StreamSigning | None = None

    @property
    def chunked(self) -> bool:
        """True when the body is aws-chunked framing rather than the object bytes."""
        return self.kind in _STREAMING_KINDS

    @property
    def has_trailer(self) -> bool:
        """True when trailing headers (a checksum) follow the final chunk."""
        return self.kind in _TRAILER_KINDS

    @property
    def signed_chunks(self) -> bool:
        """True when every chunk carries a chunk-signature to verify."""
        return self.kind in _SIGNED_CHUNK_KINDS


UNSIGNED_PAYLOAD = PayloadMode(PayloadKind.UNSIGNED)
_EMPTY_BODY = PayloadMode(PayloadKind.SHA256, sha256=EMPTY_SHA256)


def is_sha256_hex(value: str) -> bool:
    """True for 64 hex digits (either case), the form of a body digest in SigV4."""
    return len(value) == 64 and _HEX.issuperset(value)


def parse_content_sha256(value: str) -> PayloadMode:
    """The payload mode an ``x-amz-content-sha256`` value announces (without signing data)."""
    if value == "UNSIGNED-PAYLOAD":
        return UNSIGNED_PAYLOAD
    if value == EMPTY_SHA256:
        return _EMPTY_BODY
    if is_sha256_hex(value):
        return PayloadMode(PayloadKind.SHA256, sha256=value.lower())
    try:
        kind = PayloadKind(value)
    except ValueError:
        kind = None
    if kind is not None and kind is not PayloadKind.SHA256:
        return PayloadMode(kind)
    if value in _ECDSA_STREAMING:
        raise S3Error(
            "NotImplemented",
            "The AWS4-ECDSA-P256-SHA256 signing algorithm is not implemented",
        )
    raise S3Error(
        "InvalidArgument",
        _BAD_CONTENT_SHA256,
        ArgumentName="x-amz-content-sha256",
        ArgumentValue=value,
    )
