"""Checksums of multipart uploads: what an upload declares, what parts carry, what Complete makes.

An upload may declare an algorithm and a type when it is created: COMPOSITE (the object's
checksum is the checksum of its part checksums, written ``<base64>-<parts>``) or FULL_OBJECT
(the CRC of the whole object). Every part then carries a verified checksum of that algorithm,
kept with the part, so Complete derives the object's checksum from the part checksums alone
and no byte is read twice. The rules and error texts follow S3's.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field

from hydria.errors import S3Error
from hydria.meta.store import PartRecord, UploadRecord
from hydria.util.checksums import (
    ALGORITHMS,
    CHECKSUM_TYPES,
    COMPOSITE,
    FULL_OBJECT,
    FULL_OBJECT_ALGORITHMS,
    composite_checksum,
    decode_checksum,
    default_checksum_type,
    full_object_checksum,
    new_checksum,
    supports_type,
)

_OBJECT_VALUE = re.compile(r"^([A-Za-z0-9+/=]+)(?:-([0-9]+))?$")


@dataclass(frozen=True)
class UploadChecksum:
    """The checksum an upload declared: every part carries one, the object gets one."""

    algorithm: str
    type: str


@dataclass
class CompletedPart:
    """One <Part> of a CompleteMultipartUpload request, as the client wrote it."""

    number: int
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)
    """Algorithm -> base64 text from ChecksumCRC32, ChecksumSHA256... elements."""


def _invalid_request(message: str) -> S3Error:
    return S3Error("InvalidRequest", message)


def _invalid_part(upload: UploadRecord, asked: CompletedPart) -> S3Error:
    return S3Error(
        "InvalidPart", UploadId=upload.upload_id, PartNumber=str(asked.number), ETag=asked.etag
    )


def _bad_digest(algorithm: str) -> S3Error:
    return S3Error(
        "BadDigest", f"The {algorithm.lower()} you specified did not match the calculated checksum."
    )


def _type_mismatch(expected: str, actual: str | None) -> S3Error:
    return _invalid_request(
        "Checksum Type mismatch occurred, expected checksum Type: "
        f"{expected.lower()}, actual checksum Type: {actual.lower() if actual else 'null'}"
    )


def checksum_request(algorithm: str | None, checksum_type: str | None) -> UploadChecksum | None:
    """Validate CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type."""
    if checksum_type is not None and checksum_type.strip().upper() not in CHECKSUM_TYPES:
        raise _invalid_request("Value for x-amz-checksum-type header is invalid.")
    if algorithm is None:
        if checksum_type is not None:
            raise _invalid_request(
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header."
            )
        return None
    name = algorithm.strip().upper()
    if name not in ALGORITHMS:
        raise _invalid_request(
            "Checksum algorithm provided is unsupported. Please try again with any of the "
            "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
        )
    kind = checksum_type.strip().upper() if checksum_type else default_checksum_type(name)
    if not supports_type(name, kind):
        raise _invalid_request(
            f"The {kind} checksum type cannot be used with the {name.lower()} checksum algorithm."
        )
    return UploadChecksum(name, kind)


def declare(upload: UploadRecord, checksum: UploadChecksum) -> None:
    upload.extra["checksum_algorithm"] = checksum.algorithm
    upload.extra["checksum_type"] = checksum.type


def upload_checksum(upload: UploadRecord) -> UploadChecksum | None:
    algorithm = upload.extra.get("checksum_algorithm")
    kind = upload.extra.get("checksum_type")
    if isinstance(algorithm, str) and isinstance(kind, str):
        return UploadChecksum(algorithm, kind)
    return None


def part_checksums(part: PartRecord) -> dict[str, str]:
    """The verified checksums a part was stored with (algorithm -> base64)."""
    stored = part.extra.get("checksums")
    return stored if isinstance(stored, dict) else {}


def check_part_checksum(upload: UploadRecord, sent_algorithm: str | None) -> None:
    """Refuse a part whose checksum is not of the upload's algorithm, before its body is read.

    A FULL_OBJECT upload computes a missing part checksum itself (as S3 does); a COMPOSITE one
    cannot, since the client must name every part checksum again in Complete.
    """
    declared = upload_checksum(upload)
    if declared is None or sent_algorithm == declared.algorithm:
        return
    if sent_algorithm is None and declared.type == FULL_OBJECT:
        return
    raise _type_mismatch(declared.algorithm, sent_algorithm)


def checksummed(
    stream: AsyncIterable[bytes], algorithm: str
) -> tuple[AsyncIterator[bytes], Callable[[], dict[str, str]]]:
    """``stream`` computing ``algorithm`` on the way, for parts copied rather than sent."""
    computer = new_checksum(algorithm)

    async def relay() -> AsyncIterator[bytes]:
        async for chunk in stream:
            computer.update(chunk)
            yield chunk

    return relay(), lambda: {computer.algorithm: computer.b64()}


def check_named_checksums(upload: UploadRecord, asked: CompletedPart) -> None:
    """The checksum elements of one <Part> of Complete, before any value is compared."""
    if len(asked.checksums) > 1 or any(
        decode_checksum(a, v) is None for a, v in asked.checksums.items()
    ):
        raise S3Error(
            "InvalidArgument",
            "Invalid Base64 or multiple checksums present in request",
            ArgumentName="Checksum",
            ArgumentValue="".join(f"{a}:{v};" for a, v in asked.checksums.items()),
        )
    declared = upload_checksum(upload)
    if declared is None:
        if asked.checksums:  # part checksums belong to uploads that declared an algorithm
            raise _invalid_part(upload, asked)
    elif not asked.checksums:
        if declared.type == COMPOSITE:
            raise _invalid_request(
                f"The upload was created using a {declared.algorithm.lower()} checksum. "
                "The complete request must include the checksum for each part. It was "
                f"missing for part {asked.number} in the request."
            )
    elif declared.algorithm not in asked.checksums:
        other = next(iter(asked.checksums)).lower()
        raise S3Error(
            "BadDigest",
            f"The {other} you specified for part {asked.number} did not match what we received.",
        )


def object_checksum_rule(
    upload: UploadRecord,
    object_checksum: tuple[str, str] | None,
    checksum_type: str | None,
    chosen: list[PartRecord],
) -> UploadChecksum | None:
    """The algorithm and type the completed object's checksum is computed with, if any.

    The upload's declaration decides. An upload that declared none still verifies (and keeps)
    a whole-object checksum header when every part carries that algorithm; otherwise the
    header is ignored, as S3 ignores it.
    """
    kind = checksum_type.strip().upper() if checksum_type is not None else None
    if kind is not None and kind not in CHECKSUM_TYPES:
        raise _invalid_request("Value for x-amz-checksum-type header is invalid.")
    declared = upload_checksum(upload)
    if declared is not None:
        if kind is not None and kind != declared.type:
            raise S3Error(
                "BadDigest",
                f"The upload was created using the {declared.type} checksum mode. The complete "
                "request must use the same checksum mode.",
            )
        if object_checksum is not None and object_checksum[0] != declared.algorithm:
            raise _type_mismatch(declared.algorithm, object_checksum[0])
        return declared
    if object_checksum is None:
        return None
    algorithm = object_checksum[0]
    kind = kind or (FULL_OBJECT if algorithm in FULL_OBJECT_ALGORITHMS else COMPOSITE)
    if supports_type(algorithm, kind) and all(algorithm in part_checksums(p) for p in chosen):
        return UploadChecksum(algorithm, kind)
    return None


def _object_value(rule: UploadChecksum, value: str) -> tuple[bytes, int]:
    """(digest, parts count or 0) of Complete's x-amz-checksum-<algorithm> header."""
    match = _OBJECT_VALUE.match(value.strip())
    digest = decode_checksum(rule.algorithm, match.group(1)) if match else None
    if match is None or digest is None or (match.group(2) and rule.type != COMPOSITE):
        raise _invalid_request(
            f"Value for x-amz-checksum-{rule.algorithm.lower()} header is invalid."
        )
    return digest, int(match.group(2) or 0)


def _stored_digests(
    upload: UploadRecord, requested: list[CompletedPart], chosen: list[PartRecord], algorithm: str
) -> list[bytes]:
    """Each chosen part's stored digest; InvalidPart where the request names another value."""
    digests: list[bytes] = []
    for asked, part in zip(requested, chosen, strict=True):
        stored = part_checksums(part).get(algorithm)
        digest = decode_checksum(algorithm, stored) if stored else None
        sent = asked.checksums.get(algorithm)
        if digest is None or (sent is not None and decode_checksum(algorithm, sent) != digest):
            raise _invalid_part(upload, asked)
        digests.append(digest)
    return digests


def object_checksum(
    upload: UploadRecord,
    requested: list[CompletedPart],
    chosen: list[PartRecord],
    rule: UploadChecksum,
    header: tuple[str, str] | None,
) -> tuple[str, list[str]]:
    """The object's checksum text and its parts' checksums, after checking what was sent.

    A COMPOSITE header is checked against the part values the request itself names before
    those are compared with the stored ones (BadDigest before InvalidPart, as S3 answers).
    """
    algorithm = rule.algorithm
    expected = _object_value(rule, header[1]) if header is not None else None
    if expected is not None and rule.type == COMPOSITE:
        named = []
        for asked, part in zip(requested, chosen, strict=True):
            value = asked.checksums.get(algorithm) or part_checksums(part).get(algorithm, "")
            named.append(decode_checksum(algorithm, value) or b"")
        claimed = composite_checksum(algorithm, named).rsplit("-", 1)[0]
        digest, count = expected
        if decode_checksum(algorithm, claimed) != digest or count not in (0, len(chosen)):
            raise _bad_digest(algorithm)
    digests = _stored_digests(upload, requested, chosen, algorithm)
    if rule.type == COMPOSITE:
        value = composite_checksum(algorithm, digests)
    else:
        sized = [(d, p.size) for d, p in zip(digests, chosen, strict=True)]
        value = full_object_checksum(algorithm, sized)
        if expected is not None and decode_checksum(algorithm, value) != expected[0]:
            raise _bad_digest(algorithm)
    return value, [base64.b64encode(d).decode("ascii") for d in digests]
