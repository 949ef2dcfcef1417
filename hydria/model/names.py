"""Rules for bucket names and object keys, as AWS enforces them."""

from __future__ import annotations

import ipaddress

from hydria.errors import S3Error

MAX_KEY_BYTES = 1024
_BUCKET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_FORBIDDEN_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general-purpose bucket name, or None when it is."""
    if not 3 <= len(name) <= 63:
        return "Bucket name must be between 3 and 63 characters long"
    if not set(name) <= _BUCKET_CHARS:
        return "Bucket name can only contain lowercase letters, numbers, dots and hyphens"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "Bucket name must begin and end with a letter or number"
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket name must not contain adjacent dots or a dot next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return "Bucket name must not be formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(_FORBIDDEN_PREFIXES) or name.endswith(_FORBIDDEN_SUFFIXES):
        return "Bucket name uses a reserved prefix or suffix"
    return None


def check_bucket_name(name: str) -> None:
    problem = bucket_name_problem(name)
    if problem is not None:
        raise S3Error("InvalidBucketName", BucketName=name)


def check_key(key: str) -> None:
    """Refuse keys S3 refuses: empty or longer than 1,024 UTF-8 bytes; and keys with a NUL
    character, which neither XML 1.0 listings nor PostgreSQL text can carry (both metadata
    backends refuse them alike)."""
    if not key:
        raise S3Error("InvalidArgument", "Object key must not be empty")
    if "\x00" in key:
        raise S3Error("InvalidArgument", "Object key must not contain a null character")
    encoded = key.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", Size=str(len(encoded)), MaxSizeAllowed=str(MAX_KEY_BYTES))
