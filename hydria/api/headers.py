"""HTTP header forms S3 uses: dates, ETags, object response headers."""

from __future__ import annotations

from email.utils import formatdate
from functools import lru_cache

from hydria.meta.store import ObjectRecord
from hydria.model.objects import DEFAULT_CONTENT_TYPE

RESPONSE_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


def http_date(timestamp: float) -> str:
    """RFC 1123 date, as in Last-Modified."""
    return _http_date_seconds(int(timestamp))


@lru_cache(maxsize=4096)
def _http_date_seconds(seconds: int) -> str:
    # Formatting costs more than the rest of building GET headers; objects share seconds.
    return formatdate(seconds, usegmt=True)


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


def object_headers(record: ObjectRecord, query: dict[str, str]) -> list[tuple[str, str]]:
    """Headers of a GET/HEAD response: stored ones, then response-* overrides."""
    stored = dict(record.headers)
    stored.setdefault("content-type", DEFAULT_CONTENT_TYPE)
    for param, header in RESPONSE_OVERRIDES.items():
        if param in query:
            stored[header] = query[param]
    out = [
        ("last-modified", http_date(record.last_modified)),
        ("etag", quote_etag(record.etag)),
        ("accept-ranges", "bytes"),
    ]
    out.extend(stored.items())
    if record.storage_class != "STANDARD":
        out.append(("x-amz-storage-class", record.storage_class))
    return out
