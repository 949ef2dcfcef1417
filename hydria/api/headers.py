"""HTTP header forms S3 uses: ETags, object response headers (``http_date`` re-exported)."""

from __future__ import annotations

from hydria.meta.store import ObjectRecord
from hydria.model.objects import DEFAULT_CONTENT_TYPE
from hydria.model.tags import stored_tags
from hydria.util.httpdate import http_date

__all__ = ["RESPONSE_OVERRIDES", "http_date", "object_headers", "quote_etag"]

RESPONSE_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


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
    if record.version_id is not None:
        out.append(("x-amz-version-id", record.version_id))
    tags = stored_tags(record.extra)
    if tags:
        out.append(("x-amz-tagging-count", str(len(tags))))
    return out
