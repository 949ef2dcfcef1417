"""Conditional-read logic: ETag lists and dates, and S3's precedence between the four headers."""

from __future__ import annotations

import pytest

from hydria.api.conditions import (
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    EntityTag,
    Verdict,
    if_match_holds,
    if_none_match_holds,
    parse_entity_tags,
    parse_http_date,
    read_verdict,
)

ETAG = "9e107d9d372bb6826bd81d3542a419d6"
OTHER = "e4d909c290d0fb1ca068ffaddf22cbd0"
# 2026-01-02 03:04:05 UTC, with a fraction: Last-Modified shows whole seconds.
MODIFIED = 1767323045.75
AT = "Fri, 02 Jan 2026 03:04:05 GMT"
BEFORE = "Fri, 02 Jan 2026 03:04:04 GMT"
AFTER = "Fri, 02 Jan 2026 03:04:06 GMT"


def test_parse_entity_tags_forms() -> None:
    assert parse_entity_tags("*") is None
    assert parse_entity_tags(" * ") is None
    assert parse_entity_tags('"a"') == [EntityTag("a", False)]
    assert parse_entity_tags("a") == [EntityTag("a", False)]
    assert parse_entity_tags('W/"a"') == [EntityTag("a", True)]
    assert parse_entity_tags('"a", W/"b" ,c') == [
        EntityTag("a", False),
        EntityTag("b", True),
        EntityTag("c", False),
    ]
    assert parse_entity_tags('"a,b", "c"') == [EntityTag("a,b", False), EntityTag("c", False)]
    assert parse_entity_tags("") == []
    assert parse_entity_tags(" , ,") == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'"{ETAG}"', True),
        (ETAG, True),
        (f'"{ETAG}', True),  # one quote dropped: S3 still accepts it
        ("*", True),
        (f'"{OTHER}", "{ETAG}"', True),
        (f'"{OTHER}"', False),
        (f'W/"{ETAG}"', False),  # If-Match compares strongly
        ("", False),
        (f'"{ETAG.upper()}"', False),
    ],
)
def test_if_match(header: str, expected: bool) -> None:
    assert if_match_holds(header, ETAG) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f'"{ETAG}"', False),
        (ETAG, False),
        ("*", False),
        (f'W/"{ETAG}"', False),  # If-None-Match compares weakly
        (f'"{OTHER}", "{ETAG}"', False),
        (f'"{OTHER}"', True),
        (f'"{OTHER}", W/"x"', True),
    ],
)
def test_if_none_match(header: str, expected: bool) -> None:
    assert if_none_match_holds(header, ETAG) is expected


def test_multipart_etag_compares_whole() -> None:
    assert if_match_holds('"abc-3"', "abc-3")
    assert not if_match_holds('"abc"', "abc-3")


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # RFC 1123
        "Sunday, 06-Nov-94 08:49:37 GMT",  # RFC 850
        "Sun Nov  6 08:49:37 1994",  # asctime
    ],
)
def test_http_date_formats(value: str) -> None:
    assert parse_http_date(value) == 784111777


@pytest.mark.parametrize("value", ["", "yesterday", "2026-01-02T03:04:05Z", "Sun, 99 Foo"])
def test_invalid_dates_are_none(value: str) -> None:
    assert parse_http_date(value) is None


def verdict(**headers: str) -> Verdict | None:
    return read_verdict(ETAG, MODIFIED, **headers)


def failed(condition: str) -> Verdict:
    return Verdict(PRECONDITION_FAILED, condition)


def not_modified(condition: str) -> Verdict:
    return Verdict(NOT_MODIFIED, condition)


def test_no_conditions_serve() -> None:
    assert verdict() is None


def test_single_conditions() -> None:
    assert verdict(if_match=f'"{ETAG}"') is None
    assert verdict(if_match=f'"{OTHER}"') == failed("If-Match")
    assert verdict(if_none_match=f'"{OTHER}"') is None
    assert verdict(if_none_match=f'"{ETAG}"') == not_modified("If-None-Match")
    assert verdict(if_none_match="*") == not_modified("If-None-Match")
    assert verdict(if_modified_since=BEFORE) is None
    assert verdict(if_modified_since=AT) == not_modified("If-Modified-Since")
    assert verdict(if_modified_since=AFTER) == not_modified("If-Modified-Since")
    assert verdict(if_unmodified_since=AT) is None
    assert verdict(if_unmodified_since=AFTER) is None
    assert verdict(if_unmodified_since=BEFORE) == failed("If-Unmodified-Since")


def test_dates_compare_at_whole_seconds() -> None:
    # The stored time is 03:04:05.75; a client holding Last-Modified (03:04:05) is current.
    assert verdict(if_modified_since=AT) == not_modified("If-Modified-Since")
    assert verdict(if_unmodified_since=AT) is None


def test_invalid_dates_are_ignored() -> None:
    assert verdict(if_modified_since="not a date") is None
    assert verdict(if_unmodified_since="not a date") is None


def test_if_match_true_overrides_if_unmodified_since_false() -> None:
    """AWS: If-Match true and If-Unmodified-Since false -> 200 OK."""
    assert verdict(if_match=f'"{ETAG}"', if_unmodified_since=BEFORE) is None


def test_if_match_false_with_if_unmodified_since_true() -> None:
    assert verdict(if_match=f'"{OTHER}"', if_unmodified_since=AFTER) == failed("If-Match")


def test_if_none_match_false_overrides_if_modified_since_true() -> None:
    """AWS: If-None-Match false and If-Modified-Since true -> 304 Not Modified."""
    assert verdict(if_none_match=f'"{ETAG}"', if_modified_since=BEFORE) == not_modified(
        "If-None-Match"
    )


def test_if_none_match_true_overrides_if_modified_since_false() -> None:
    """RFC 7232 6: If-Modified-Since is evaluated only without If-None-Match."""
    assert verdict(if_none_match=f'"{OTHER}"', if_modified_since=AFTER) is None


def test_412_comes_before_304() -> None:
    assert verdict(if_match=f'"{OTHER}"', if_none_match=f'"{ETAG}"') == failed("If-Match")
    assert verdict(if_unmodified_since=BEFORE, if_modified_since=AFTER) == failed(
        "If-Unmodified-Since"
    )
    assert verdict(if_unmodified_since=BEFORE, if_none_match="*") == failed("If-Unmodified-Since")


def test_if_match_true_then_read_conditions_apply() -> None:
    assert verdict(if_match=f'"{ETAG}"', if_none_match=f'"{ETAG}"') == not_modified("If-None-Match")
    assert verdict(if_match=f'"{ETAG}"', if_modified_since=AT) == not_modified("If-Modified-Since")
    assert verdict(if_match="*", if_modified_since=BEFORE) is None


def test_all_four_true_serve() -> None:
    assert (
        verdict(
            if_match=f'"{ETAG}"',
            if_none_match=f'"{OTHER}"',
            if_modified_since=BEFORE,
            if_unmodified_since=AFTER,
        )
        is None
    )
