"""Object-level rules with no I/O: metadata headers, storage classes, ETags, ranges."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hydria.errors import S3Error

MAX_USER_METADATA_BYTES = 2 * 1024

STORED_HEADERS = (
    "content-type",
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
)

STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "OUTPOSTS",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
        "FSX_ONTAP",
    }
)

DEFAULT_CONTENT_TYPE = "binary/octet-stream"


def metadata_from_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The headers an object keeps: system ones plus x-amz-meta-*; enforces the 2 KB limit."""
    stored: dict[str, str] = {}
    user_size = 0
    for name, value in headers:
        if name.startswith("x-amz-meta-"):
            user_size += len(name[len("x-amz-meta-") :].encode()) + len(value.encode("latin-1"))
            stored[name] = value
        elif name == "content-encoding":
            # aws-chunked is transfer framing, not the object's encoding: never stored.
            codings = [c.strip() for c in value.split(",") if c.strip().lower() != "aws-chunked"]
            if codings:
                stored[name] = ",".join(codings)
        elif name in STORED_HEADERS:
            stored[name] = value
    if user_size > MAX_USER_METADATA_BYTES:
        raise S3Error(
            "MetadataTooLarge", Size=str(user_size), MaxSizeAllowed=str(MAX_USER_METADATA_BYTES)
        )
    return stored


def check_storage_class(value: str | None) -> str:
    if value is None or value == "":
        return "STANDARD"
    if value not in STORAGE_CLASSES:
        raise S3Error("InvalidStorageClass", StorageClassRequested=value)
    return value


def multipart_etag(part_md5_hexes: list[str]) -> str:
    """MD5 of the concatenated binary part MD5s, then '-N': the ETag S3 gives multipart objects."""
    digest = hashlib.md5(b"".join(bytes.fromhex(h) for h in part_md5_hexes)).hexdigest()
    return f"{digest}-{len(part_md5_hexes)}"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """A single byte range as S3 reads it; None means the whole object (header ignored).

    S3 ignores syntactically invalid or multi-range headers and serves the whole object; an
    unsatisfiable range raises InvalidRange (416).
    """
    if not header:
        return None
    header = header.strip()
    if not header.startswith("bytes="):
        return None
    spec = header[len("bytes=") :].strip()
    if "," in spec:
        return None
    first, sep, last = spec.partition("-")
    if not sep:
        return None
    first, last = first.strip(), last.strip()
    try:
        if first == "":
            if not last.isdigit():
                return None
            suffix = int(last)
            if suffix == 0:
                raise S3Error("InvalidRange", RangeRequested=header, ActualObjectSize=str(size))
            if size == 0:
                return None
            return ByteRange(max(0, size - suffix), size - 1)
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size:
        raise S3Error("InvalidRange", RangeRequested=header, ActualObjectSize=str(size))
    if end < start:
        return None
    return ByteRange(start, min(end, size - 1))
