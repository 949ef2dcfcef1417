"""The one funnel that turns any failure into S3's error XML (and logs it)."""

from __future__ import annotations

import logging

from hydria.api.response import Response
from hydria.api.xml.render import DECLARATION, element
from hydria.errors import S3Error

log = logging.getLogger("hydria.api")


def error_response(error: S3Error, resource: str, request_id: str, method: str) -> Response:
    """S3 XML for ``error``; HEAD responses carry the status and headers but no body."""
    parts = [element("Code", error.code), element("Message", error.message)]
    for name, value in error.fields.items():
        parts.append(element(name, value))
    if resource:
        parts.append(element("Resource", resource))
    parts.append(element("RequestId", request_id))
    parts.append(element("HostId", request_id))
    body = f"{DECLARATION}<Error>{''.join(parts)}</Error>".encode()
    headers = [("content-type", "application/xml"), *error.headers.items()]
    if method == "HEAD" or error.status == 304:
        return Response(status=error.status, headers=headers[1:], content_length=0)
    return Response(status=error.status, headers=headers, body=body)


def internal_error(exc: BaseException, request_id: str) -> S3Error:
    log.exception("request %s failed: %s", request_id, exc)
    return S3Error("InternalError")
