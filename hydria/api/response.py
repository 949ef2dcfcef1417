"""The response a handler returns: status, headers and a body (bytes or an async stream)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    content_length: int | None = None
    """For streamed bodies (and HEAD): the length announced in Content-Length."""

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


def xml_response(body: bytes, status: int = 200) -> Response:
    return Response(status=status, headers=[("content-type", "application/xml")], body=body)


def empty(status: int = 200) -> Response:
    return Response(status=status)
