"""The ASGI application: the one request pipeline.

request id -> parse (path or virtual host; bucket, key) -> route (operation, handler, IAM action)
-> authenticate -> authorize -> handler -> render. Every failure on the way goes through
``api.errors`` and becomes S3 error XML; no traceback ever reaches the wire.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from hydria.api.auth import AuthResult, authenticate
from hydria.api.call import Call
from hydria.api.errors import error_response, internal_error
from hydria.api.health import HEALTH_PATHS, HealthEndpoints
from hydria.api.request import Headers, S3Request, parse_query, virtual_host_bucket
from hydria.api.response import Response
from hydria.api.routing import Route, match
from hydria.errors import S3Error
from hydria.model.names import check_key
from hydria.model.principals import Credential
from hydria.service.context import ServiceContext

log = logging.getLogger("hydria.api")
access_log = logging.getLogger("hydria.access")

KeyLookup = Callable[[str], Credential | None]


_REQUEST_ID_PREFIX = os.urandom(4).hex().upper()
_request_counter = itertools.count(1)


def new_request_id() -> str:
    """Unique per request: a random per-process prefix and a counter (no syscall per call)."""
    return f"{_REQUEST_ID_PREFIX}{next(_request_counter) & 0xFFFFFFFF:08X}"


class S3App:
    """ASGI callable serving the S3 API on top of a ServiceContext."""

    def __init__(
        self,
        services: ServiceContext,
        lookup: KeyLookup,
        *,
        on_startup: list[Callable[[], Any]] | None = None,
        on_shutdown: list[Callable[[], Any]] | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.lookup = lookup
        self.region = services.settings.region
        # Longest first, so bucket.s3.localhost names "bucket" rather than "bucket.s3".
        self.domains = tuple(
            sorted(("." + d.lower() for d in services.settings.domains), key=len, reverse=True)
        )
        self.health = HealthEndpoints(services, self.domains)
        self.on_startup = on_startup or []
        self.on_shutdown = on_shutdown or []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            if scope.get("raw_path") in HEALTH_PATHS and self.health.claims(scope):
                await self.handle_health(scope, send)
            else:
                await self.handle(scope, receive, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        result = hook()
                        if hasattr(result, "__await__"):
                            await result
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.health.stopping = True
                for hook in self.on_shutdown:
                    try:
                        result = hook()
                        if hasattr(result, "__await__"):
                            await result
                    except Exception:
                        log.exception("shutdown hook failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    # The pipeline ------------------------------------------------------------------------
    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        request_id = new_request_id()
        method = scope["method"]
        route: Route | None = None
        body_state = _BodyState(receive)
        try:
            request = self.parse(scope, body_state.receive, request_id)
            route = self.route(request)
            auth = authenticate(request, self.lookup, region=self.region)
            self.authorize(auth, route, request)
            response = await route.handler(Call(request, auth, self.services, route))
        except S3Error as exc:
            response = error_response(exc, _resource(scope), request_id, method)
        except Exception as exc:
            response = error_response(
                internal_error(exc, request_id), _resource(scope), request_id, method
            )
        if not body_state.finished and _has_body(scope):
            # Unread body bytes would be parsed as the next request: end the connection.
            response.headers.append(("connection", "close"))
        await self.send(send, response, request_id, method)
        if self.settings.access_log:
            access_log.info(
                "%s %s %s %s %d %.1fms",
                request_id,
                route.operation if route else "-",
                method,
                scope.get("path", ""),
                response.status,
                (time.perf_counter() - started) * 1000,
            )

    async def handle_health(self, scope: dict[str, Any], send: Any) -> None:
        """``/-/live`` and ``/-/ready`` (api/health.py): no auth, no access log line."""
        request_id = new_request_id()
        method = scope["method"]
        try:
            response = await self.health.respond(method, scope["raw_path"])
        except S3Error as exc:
            response = error_response(exc, _resource(scope), request_id, method)
        if _has_body(scope):
            response.headers.append(("connection", "close"))  # the body is never read
        await self.send(send, response, request_id, method)

    def parse(self, scope: dict[str, Any], receive: Any, request_id: str) -> S3Request:
        headers = Headers(scope["headers"])
        total = sum(len(k) + len(v) for k, v in scope["headers"])
        if total > self.settings.max_header_bytes:
            raise S3Error(
                "RequestHeaderSectionTooLarge",
                MaxSizeAllowed=str(self.settings.max_header_bytes),
            )
        raw_path_b: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw_path = raw_path_b.decode("latin-1")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        host = (headers.get("host") or "").lower()
        bucket = virtual_host_bucket(host, self.domains)
        virtual = bucket is not None
        try:
            path = unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            raise S3Error("InvalidURI") from None
        if not path.startswith("/"):
            raise S3Error("InvalidURI")
        if virtual:
            key = path[1:] or None
        else:
            rest = path[1:]
            if not rest:
                bucket, key = None, None
            else:
                name, sep, remainder = rest.partition("/")
                bucket, key = name, (remainder if sep and remainder else None)
        if key is not None:
            check_key(key)
        query = parse_query(raw_query)
        if any("\x00" in name or "\x00" in value for name, value in query.items()):
            raise S3Error("InvalidURI")  # no parameter (prefix, marker, id) can hold a NUL
        client = scope.get("client")
        return S3Request(
            method=scope["method"],
            raw_path=raw_path,
            raw_query=raw_query,
            query=query,
            headers=headers,
            host=host,
            bucket=bucket,
            key=key,
            receive=receive,
            client_ip=client[0] if client else "",
            request_id=request_id,
            virtual_host=virtual,
            scheme=scope.get("scheme", "http"),
        )

    def route(self, request: S3Request) -> Route:
        if request.bucket is None:
            level = "service"
        elif request.key is None:
            level = "bucket"
        else:
            level = "object"
        return match(level, request.method, request.query, request.headers)

    def authorize(self, auth: AuthResult, route: Route, request: S3Request) -> None:
        """Decide whether the caller may perform ``route.action``.

        Until users and policies exist every valid key acts as the account's root, and
        anonymous callers are refused: buckets are private by default.
        """
        if auth.credential is None:
            raise S3Error("AccessDenied")

    async def send(self, send: Any, response: Response, request_id: str, method: str) -> None:
        headers: list[tuple[bytes, bytes]] = [
            (b"x-amz-request-id", request_id.encode()),
            (b"x-amz-id-2", request_id.encode()),
            (b"server", b"Hydria"),
        ]
        for name, value in response.headers:
            headers.append((name.encode("latin-1"), value.encode("latin-1", "replace")))
        stream = response.stream
        if response.content_length is not None:
            length = response.content_length
        else:
            length = len(response.body)
        if response.status not in (204, 304) or method == "HEAD":
            headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if method == "HEAD" or stream is None:
            await send(
                {"type": "http.response.body", "body": b"" if method == "HEAD" else response.body}
            )
            return
        sent = 0
        try:
            async for chunk in stream:
                sent += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:
            # Headers are gone already: the only honest signal left is a cut connection.
            log.exception("request %s: stream failed after %d bytes", request_id, sent)
            raise
        await send({"type": "http.response.body", "body": b""})


class _BodyState:
    """Wraps ``receive`` to learn whether the handler consumed the whole request body."""

    __slots__ = ("_receive", "finished")

    def __init__(self, receive: Any) -> None:
        self._receive = receive
        self.finished = False

    async def receive(self) -> dict[str, Any]:
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.finished = True
        return message


def _has_body(scope: dict[str, Any]) -> bool:
    """Whether unread request bytes (or an unanswered 100-continue) may follow."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.strip() not in (b"0", b""):
            return True
        if name in (b"transfer-encoding", b"expect"):
            return True
    return False


def _resource(scope: dict[str, Any]) -> str:
    raw = scope.get("raw_path")
    if raw:
        return raw.decode("latin-1")
    return scope.get("path", "")
