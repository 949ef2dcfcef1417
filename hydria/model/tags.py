"""Object and bucket tags: S3's rules for tag sets, and the two forms they arrive in.

A tag set is a list of (key, value) pairs kept in the order the client gave. It arrives as a
``<Tagging><TagSet><Tag><Key/><Value/></Tag>...`` document (PutObjectTagging,
PutBucketTagging) or as the ``x-amz-tagging`` header, URL-query encoded (PutObject, CopyObject,
CreateMultipartUpload). The errors are the ones AWS answers, in the order AWS checks: the
document's shape (MalformedXML) or the header's encoding (InvalidArgument) first, then the
count (BadRequest), then each tag in turn (InvalidTag).
"""

from __future__ import annotations

import unicodedata
from typing import Literal
from xml.etree.ElementTree import Element

from hydria.errors import S3Error

Tag = tuple[str, str]
Kind = Literal["object", "bucket"]

MAX_TAGS: dict[Kind, int] = {"object": 10, "bucket": 50}
_TOO_MANY: dict[Kind, str] = {
    "object": "Object tags cannot be greater than 10",
    "bucket": "Bucket tag count cannot be greater than 50",
}
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
"""Lengths in UTF-16 code units: S3 stores tags as UTF-16, where a character outside the
Basic Multilingual Plane takes two positions."""

_PUNCTUATION = frozenset("+-=._:/@")
_HEADER = "x-amz-tagging"
_BAD_HEADER = (
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
    "parameters without tag name duplicates."
)


def utf16_length(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def is_tag_text(text: str) -> bool:
    """AWS's tag grammar, ``[\\p{L}\\p{Z}\\p{N}+\\-=._:/@]*``: letters, numbers, separators."""
    return all(c in _PUNCTUATION or unicodedata.category(c)[0] in "LNZ" for c in text)


def _valid(text: str, minimum: int, maximum: int) -> bool:
    return minimum <= utf16_length(text) <= maximum and is_tag_text(text)


def check_tags(tags: list[Tag], kind: Kind) -> list[Tag]:
    """The tag set if S3 accepts it for ``kind``, else S3's error for the first fault."""
    if len(tags) > MAX_TAGS[kind]:
        raise S3Error("BadRequest", _TOO_MANY[kind])
    seen: set[str] = set()
    for key, value in tags:
        if key in seen:
            raise S3Error(
                "InvalidTag", "Cannot provide multiple Tags with the same key", TagKey=key
            )
        seen.add(key)
        _check_reserved(key, kind)
        if not _valid(key, 1, MAX_KEY_LENGTH):
            raise S3Error("InvalidTag", "The TagKey you have provided is invalid", TagKey=key)
        if not _valid(value, 0, MAX_VALUE_LENGTH):
            raise S3Error(
                "InvalidTag",
                "The TagValue you have provided is invalid",
                TagKey=key,
                TagValue=value,
            )
    return tags


def _check_reserved(key: str, kind: Kind) -> None:
    """Keys under ``aws:`` belong to AWS; object and bucket tagging word the refusal apart."""
    if key.startswith("aws:"):
        message = (
            "Your TagKey cannot be prefixed with aws:"
            if kind == "object"
            else "System tags cannot be added/updated by requester"
        )
        raise S3Error("InvalidTag", message, TagKey=key)
    if kind == "bucket" and key[:4].lower() == "aws:":
        raise S3Error(
            "InvalidTag",
            'Invalid Tag. Tags cannot start with "aws:"(case insensitive) unless they are '
            'System Tags that start with "aws:"(case sensitive)',
            TagKey=key,
        )


def tags_from_document(root: Element, kind: Kind) -> list[Tag]:
    """The tag set of a parsed ``<Tagging>`` document (namespaces already stripped)."""
    tag_set = root.find("TagSet")
    if tag_set is None:
        raise S3Error("MalformedXML")
    tags: list[Tag] = []
    for tag in tag_set.findall("Tag"):
        key, value = tag.find("Key"), tag.find("Value")
        if key is None or value is None:
            raise S3Error("MalformedXML")
        tags.append((key.text or "", value.text or ""))
    return check_tags(tags, kind)


def tags_from_header(header: str) -> list[Tag]:
    """The object tags of an ``x-amz-tagging`` header: ``k1=v1&k2=v2``, URL-encoded UTF-8.

    Empty pairs are skipped and a pair without '=' is a key with an empty value, as S3 reads
    them; an undecodable escape, a second '=' in a pair, an empty key or a repeated key is
    InvalidArgument.
    """
    tags: list[Tag] = []
    seen: set[str] = set()
    for pair in header.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        if "=" in raw_value:
            raise _bad_header(header)
        key, value = _unquote(raw_key, header), _unquote(raw_value, header)
        if not key or key in seen:
            raise _bad_header(header)
        seen.add(key)
        tags.append((key, value))
    return check_tags(tags, "object")


def _bad_header(header: str) -> S3Error:
    return S3Error("InvalidArgument", _BAD_HEADER, ArgumentName=_HEADER, ArgumentValue=header)


def _unquote(text: str, header: str) -> str:
    """Strict form decoding: '+' is a space, '%' needs two hex digits, bytes must be UTF-8."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            digits = text[i + 1 : i + 3]
            if len(digits) != 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _bad_header(header)
            out.append(int(digits, 16))
            i += 3
            continue
        if not " " <= c <= "~":
            raise _bad_header(header)
        out.append(0x20 if c == "+" else ord(c))
        i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_header(header) from None


def stored_tags(extra: dict[str, object]) -> list[Tag]:
    """The tags kept in a record's ``extra`` (a JSON list of [key, value] pairs)."""
    raw = extra.get("tags")
    if not isinstance(raw, list):
        return []
    return [(str(pair[0]), str(pair[1])) for pair in raw]


def to_stored(tags: list[Tag]) -> list[list[str]] | None:
    """The ``extra["tags"]`` value for a tag set; None (no entry) when it is empty."""
    return [[key, value] for key, value in tags] or None
