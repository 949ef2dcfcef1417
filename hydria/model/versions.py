"""Object version ids: opaque to clients, but carrying the version's sequence number.

A version id is 32 URL-safe characters: 8 bytes of sequence number (the order versions of a
key were written in, newest highest) and 16 random bytes. Decoding the sequence lets a store
find a version by its primary key without an index on the id, and lets a malformed id be told
apart (InvalidArgument) from a well-formed one that names nothing (NoSuchVersion).
"""

from __future__ import annotations

import base64
import os

from hydria.errors import S3Error

NULL_VERSION = "null"
"""The id S3 shows for the version written while versioning was off or suspended."""

_RAW_SIZE = 24


def new_version_id(seq: int) -> str:
    raw = seq.to_bytes(8, "big") + os.urandom(16)
    return base64.urlsafe_b64encode(raw).decode("ascii")


def version_seq(version_id: str) -> int:
    """The sequence number inside a version id; ValueError when the id is not one of ours."""
    if len(version_id) != 32:
        raise ValueError("bad version id length")
    try:
        raw = base64.urlsafe_b64decode(version_id.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError("bad version id") from exc
    if len(raw) != _RAW_SIZE or base64.urlsafe_b64encode(raw).decode("ascii") != version_id:
        raise ValueError("bad version id")
    return int.from_bytes(raw[:8], "big")


def check_version_id(value: str, argument: str = "versionId") -> str:
    """A versionId from a request, or InvalidArgument as AWS answers for a malformed one."""
    if value == NULL_VERSION:
        return value
    if value == "":
        raise S3Error(
            "InvalidArgument",
            "Version id cannot be the empty string",
            ArgumentName=argument,
            ArgumentValue=value,
        )
    try:
        version_seq(value)
    except ValueError:
        raise S3Error(
            "InvalidArgument",
            "Invalid version id specified",
            ArgumentName=argument,
            ArgumentValue=value,
        ) from None
    return value
