"""The parsed S3 request every pipeline step and handler works on.

Built once per request from the ASGI scope by ``api.app``: the raw path and query (needed for
signatures), the decoded bucket and key (path-style or virtual-host-style), headers with
lower-cased names, and the ASGI ``receive`` callable from which the body is streamed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

Receive = Callable[[], Awaitable[dict[str, Any]]]


class Headers:
    """Request headers: lower-cased names; repeated headers joined with ',' as SigV4 wants."""

    __slots__ = ("_items", "_map")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._items: list[tuple[str, str]] = []
        merged: dict[str, str] = {}
        for name_b, value_b in raw:
            name = name_b.decode("latin-1").lower()
            value = value_b.decode("latin-1")
            self._items.append((name, value))
            if name in merged:
                merged[name] = merged[name] + "," + value
            else:
                merged[name] = value
        self._map = merged

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._map.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._map[name]

    def __contains__(self, name: object) -> bool:
        return name in self._map

    def items(self) -> list[tuple[str, str]]:
        """Merged (name, value) pairs, one per distinct name."""
        return list(self._map.items())

    def raw_items(self) -> list[tuple[str, str]]:
        """Every header line as received (lower-cased names), repeats kept."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._map)


def virtual_host_bucket(host: str, domains: tuple[str, ...]) -> str | None:
    """The bucket a virtual-host-style Host names (``<bucket>.<domain>``), or None.

    ``host`` is the lower-cased Host header, port included; ``domains`` are ".domain" suffixes,
    longest first, so bucket.s3.localhost names "bucket" rather than "bucket.s3".
    """
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host  # [IPv6]: no bucket
    for domain in domains:
        if name.endswith(domain) and len(name) > len(domain):
            return name[: -len(domain)]
    return None


def parse_query(raw_query: str) -> dict[str, str]:
    """Decode a query string into a dict (first value wins); '+' stays '+' as S3 reads it.

    A parameter without '=' (a subresource such as ``?uploads``) maps to the empty string.
    """
    params: dict[str, str] = {}
    if not raw_query:
        return params
    for part in raw_query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = unquote(name)
        if name not in params:
            params[name] = unquote(value) if sep else ""
    return params


@dataclass
class S3Request:
    """One incoming request, addressed to the service, a bucket or an object."""

    method: str
    raw_path: str
    """The path exactly as sent (percent-encoded), used for signature verification."""
    raw_query: str
    query: dict[str, str]
    headers: Headers
    host: str
    bucket: str | None
    key: str | None
    receive: Receive
    client_ip: str = ""
    request_id: str = ""
    virtual_host: bool = False
    """True when the bucket came from the Host header rather than the path."""
    scheme: str = "http"
    extras: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        if value is None:
            return None
        try:
            n = int(value)
        except ValueError:
            return None
        return n if n >= 0 else None
