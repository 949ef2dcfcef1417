"""RFC 1123 dates (Last-Modified and friends), formatted once per second."""

from __future__ import annotations

from email.utils import formatdate
from functools import lru_cache


def http_date(timestamp: float) -> str:
    """RFC 1123 date, as in Last-Modified."""
    return _http_date_seconds(int(timestamp))


@lru_cache(maxsize=4096)
def _http_date_seconds(seconds: int) -> str:
    # Formatting costs more than the rest of building GET headers; objects share seconds.
    return formatdate(seconds, usegmt=True)
