"""Request-time rules both signature versions share: parsing, the 15-minute skew, error times.

Parsing is cached because the same timestamp arrives on many requests within a second.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from email.utils import parsedate_tz
from functools import lru_cache

from hydria.errors import S3Error

MAX_SKEW_SECONDS = 900
"""AWS refuses requests whose clock is more than 15 minutes away from its own."""


def now_epoch(now: datetime | None) -> float:
    """Seconds since the epoch for ``now`` (naive means UTC), or the current time."""
    if now is None:
        return time.time()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.timestamp()


@lru_cache(maxsize=1024)
def parse_amz_date(value: str) -> float | None:
    """Epoch seconds of an ISO 8601 basic time (``20130524T000000Z``), None if malformed."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        return None
    digits = value[:8] + value[9:15]
    if not digits.isdigit() or not digits.isascii():
        return None
    try:
        fields = (
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
        )
        datetime(*fields)  # validates ranges (no 30 February)
    except ValueError:
        return None
    return float(calendar.timegm(fields + (0, 0, 0)))


def parse_http_date(value: str) -> float | None:
    """Epoch seconds of a Date header (RFC 1123 and its relatives, or ISO basic), else None."""
    parsed = parse_amz_date(value)
    if parsed is not None:
        return parsed
    try:
        tup = parsedate_tz(value)
    except (TypeError, ValueError, IndexError):
        return None
    if tup is None:
        return None
    try:
        stamp = calendar.timegm(tup[:6] + (0, 0, 0)) - (tup[9] or 0)
        datetime(*tup[:6])
    except (ValueError, OverflowError):
        return None
    return float(stamp)


def iso8601(epoch: float) -> str:
    """``2013-05-24T00:00:00Z``: how S3 writes times in error fields."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def amz_basic(epoch: float) -> str:
    """``20130524T000000Z``: the SigV4 timestamp form."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def check_skew(raw_time: str, request_epoch: float, now: float) -> None:
    """Refuse a request whose time is more than 15 minutes from ours, as S3 does."""
    if abs(now - request_epoch) > MAX_SKEW_SECONDS:
        raise S3Error(
            "RequestTimeTooSkewed",
            RequestTime=raw_time,
            ServerTime=iso8601(now),
            MaxAllowedSkewMilliseconds=MAX_SKEW_SECONDS * 1000,
        )


def missing_date() -> S3Error:
    """The error S3 gives when no usable Date or x-amz-date header came."""
    return S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
