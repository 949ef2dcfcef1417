"""Conditional reads: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.

Evaluated on GET and HEAD before the range, with the precedence of RFC 7232, section 6, which is
what S3 documents for GetObject and HeadObject: an ETag condition decides and its date
counterpart is ignored when both are present (If-Match true + If-Unmodified-Since false serves
the object; If-None-Match false + If-Modified-Since true is 304). The comparison logic takes
plain strings and numbers so it can be tested without a server.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, NamedTuple

from hydria.api.headers import http_date, quote_etag
from hydria.api.response import Response
from hydria.errors import S3Error
from hydria.meta.store import ObjectRecord

if TYPE_CHECKING:
    from hydria.api.call import Call

NOT_MODIFIED = 304
PRECONDITION_FAILED = 412

# Stored headers a 304 repeats because the 200 would have carried them (RFC 7232, 4.1).
_NOT_MODIFIED_KEEPS = frozenset({"cache-control", "expires"})


class Verdict(NamedTuple):
    """A read that does not go ahead: the status and the header that decided it."""

    status: int
    condition: str


class EntityTag(NamedTuple):
    opaque: str
    weak: bool


def parse_entity_tags(value: str) -> list[EntityTag] | None:
    """The tags of an If-Match / If-None-Match value; None for ``*`` (any current object).

    Quotes are optional, as S3 accepts bare ETags; commas inside quotes do not split.
    """
    if value.strip() == "*":
        return None
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    tags: list[EntityTag] = []
    for item in items:
        item = item.strip()
        weak = item.startswith("W/")
        if weak:
            item = item[2:].lstrip()
        opaque = item.strip('"')
        if opaque:
            tags.append(EntityTag(opaque, weak))
    return tags


def if_match_holds(value: str, etag: str) -> bool:
    """Strong comparison (RFC 7232, 2.3.2): a weak tag never matches."""
    tags = parse_entity_tags(value)
    if tags is None:
        return True
    return any(not tag.weak and tag.opaque == etag for tag in tags)


def if_none_match_holds(value: str, etag: str) -> bool:
    """Weak comparison: ``W/"x"`` names the same object as ``"x"``."""
    tags = parse_entity_tags(value)
    if tags is None:
        return False
    return all(tag.opaque != etag for tag in tags)


def parse_http_date(value: str) -> int | None:
    """Whole seconds since the epoch for an RFC 1123, RFC 850 or asctime date; None if invalid.

    An invalid date makes the header be ignored, as HTTP requires (RFC 7232, 3.3 and 3.4).
    """
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def read_verdict(
    etag: str,
    last_modified: float,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
    if_unmodified_since: str | None = None,
) -> Verdict | None:
    """None when the object is served; otherwise 412 or 304 and the deciding header.

    Dates compare at one-second resolution, the resolution of Last-Modified.
    """
    modified = int(last_modified)
    if if_match is not None:
        if not if_match_holds(if_match, etag):
            return Verdict(PRECONDITION_FAILED, "If-Match")
    elif if_unmodified_since is not None:
        since = parse_http_date(if_unmodified_since)
        if since is not None and modified > since:
            return Verdict(PRECONDITION_FAILED, "If-Unmodified-Since")
    if if_none_match is not None:
        if not if_none_match_holds(if_none_match, etag):
            return Verdict(NOT_MODIFIED, "If-None-Match")
    elif if_modified_since is not None:
        since = parse_http_date(if_modified_since)
        if since is not None and modified <= since:
            return Verdict(NOT_MODIFIED, "If-Modified-Since")
    return None


def not_modified_response(record: ObjectRecord, head: bool) -> Response:
    """304: the validators a 200 would carry, no body and no payload headers (checksums)."""
    headers = [
        ("etag", quote_etag(record.etag)),
        ("last-modified", http_date(record.last_modified)),
    ]
    headers.extend(
        (name, value) for name, value in record.headers.items() if name in _NOT_MODIFIED_KEEPS
    )
    # HEAD always announces a length; only the length a 200 would have had is allowed.
    return Response(status=NOT_MODIFIED, headers=headers, content_length=record.size if head else 0)


def evaluate_read_conditions(call: Call, record: ObjectRecord) -> Response | None:
    """None when the read goes ahead; a 304 response, or raises PreconditionFailed (412)."""
    verdict = read_verdict(
        record.etag,
        record.last_modified,
        if_match=call.header("if-match"),
        if_none_match=call.header("if-none-match"),
        if_modified_since=call.header("if-modified-since"),
        if_unmodified_since=call.header("if-unmodified-since"),
    )
    if verdict is None:
        return None
    if verdict.status == PRECONDITION_FAILED:
        raise S3Error("PreconditionFailed", Condition=verdict.condition)
    return not_modified_response(record, call.request.method == "HEAD")


def evaluate_copy_source_conditions(call: Call, record: ObjectRecord) -> None:
    """x-amz-copy-source-if-* on CopyObject and UploadPartCopy: the read rules, but every
    failed condition is 412 (a copy has no 304)."""
    prefix = "x-amz-copy-source-"
    verdict = read_verdict(
        record.etag,
        record.last_modified,
        if_match=call.header(prefix + "if-match"),
        if_none_match=call.header(prefix + "if-none-match"),
        if_modified_since=call.header(prefix + "if-modified-since"),
        if_unmodified_since=call.header(prefix + "if-unmodified-since"),
    )
    if verdict is not None:
        raise S3Error("PreconditionFailed", Condition=prefix + verdict.condition)
