"""Building S3 XML responses as strings: fast, and exact about escaping and element order."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from urllib.parse import quote_plus

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

_NEEDS_ESCAPE = re.compile("[&<>\"'\r]")


def escape(text: str) -> str:
    """Escape text for an XML element; carriage returns as references so they round-trip."""
    # Most strings need nothing: one regex scan, and chained replaces only when needed.
    if not _NEEDS_ESCAPE.search(text):
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("\r", "&#13;")
    )


def quoted_etag(etag: str) -> str:
    """An ETag element's text: the quoted value with its quotes escaped, as AWS writes it."""
    return f"&quot;{escape(etag)}&quot;"


def element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def document(root: str, children: list[str] | str, *, namespace: bool = True) -> bytes:
    body = children if isinstance(children, str) else "".join(children)
    ns = f' xmlns="{S3_NS}"' if namespace else ""
    return f"{DECLARATION}<{root}{ns}>{body}</{root}>".encode()


def iso8601(timestamp: float) -> str:
    """S3's listing timestamp form: 2009-10-12T17:50:30.000Z."""
    seconds = int(timestamp)
    millis = int((timestamp - seconds) * 1000)
    return f"{_iso_seconds(seconds)}.{millis:03d}Z"


@lru_cache(maxsize=65536)
def _iso_seconds(seconds: int) -> str:
    # Listings format thousands of times per page, mostly the same few seconds.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def url_encode_key(text: str) -> str:
    """The encoding S3 applies to keys and prefixes when the client asks encoding-type=url.

    Form encoding (space as '+', '+' as %2B), '/' kept: clients decode with unquote_plus.
    """
    return quote_plus(text, safe="/")
