"""Liveness and readiness endpoints for load balancers and orchestrators.

``GET|HEAD /-/live``: 200 while the process serves HTTP. ``GET|HEAD /-/ready``: 200 when the
metadata store answers a cheap read within ``READY_TIMEOUT`` seconds and the blob directory is
there and writable, 503 otherwise, and 503 as soon as the server has begun shutting down (so a
load balancer stops sending new requests while uvicorn drains the ones in flight).

Both answer path-style requests only (a Host that names a virtual-host bucket makes the path
an object key), need no credentials, and parse nothing beyond the path and the Host header.
No bucket can be called "-" (names start with a letter or digit), so no S3 request is hidden.
Other methods on these paths get S3's ``MethodNotAllowed`` (405).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from typing import Any

from hydria.api.request import virtual_host_bucket
from hydria.api.response import Response
from hydria.errors import S3Error
from hydria.service.context import ServiceContext

log = logging.getLogger("hydria.health")

LIVE_PATH = b"/-/live"
READY_PATH = b"/-/ready"
HEALTH_PATHS = frozenset((LIVE_PATH, READY_PATH))
"""Raw paths (query excluded, as ASGI's ``raw_path`` is) the app hands to ``HealthEndpoints``."""

READY_TIMEOUT = 2.0
"""Seconds the metadata store has to answer the readiness read."""

PROBE_BUCKET = "-"
"""A bucket name that cannot exist: looking it up touches the store and finds nothing."""

_METHODS = ("GET", "HEAD")
_ALLOW = {"allow": "GET, HEAD"}
_HEADERS = (("content-type", "application/json"), ("cache-control", "no-store"))


def uvicorn_stopping() -> bool:
    """Whether uvicorn has received SIGINT/SIGTERM in this process.

    uvicorn's ``Server`` installs its bound ``handle_exit`` as the SIGTERM handler while it
    serves and sets ``should_exit`` when a signal arrives; its main loop notices within 0.1 s,
    closes the listening socket and drains open connections. Reading that flag installs
    nothing and leaves uvicorn's handling as it is; under another server it is simply False.
    """
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(getattr(handler, "__self__", None), "should_exit", False) is True


class HealthEndpoints:
    """Answers ``/-/live`` and ``/-/ready``; ``S3App`` routes those paths here."""

    def __init__(
        self,
        services: ServiceContext,
        domains: tuple[str, ...],
        *,
        timeout: float = READY_TIMEOUT,
    ) -> None:
        self.services = services
        self.domains = domains  # ".domain", lower-case, as S3App keeps them
        self.timeout = timeout
        self.stopping = False
        """Set when the ASGI lifespan shutdown arrives (servers other than uvicorn)."""

    def claims(self, scope: dict[str, Any]) -> bool:
        """True for a health path addressed path-style; the app checked the path already."""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower()
                return virtual_host_bucket(host, self.domains) is None
        return True

    async def respond(self, method: str, path: bytes) -> Response:
        """The response for ``method`` on a health path; raise S3Error for other methods."""
        if method not in _METHODS:
            raise S3Error("MethodNotAllowed", headers=_ALLOW, Method=method, ResourceType="OBJECT")
        reason = None if path == LIVE_PATH else await self.unready_reason()
        if reason is None:
            status, document = 200, {"status": "ok"}
        else:
            status, document = 503, {"status": "unavailable", "reason": reason}
        body = json.dumps(document, separators=(",", ":")).encode()
        return Response(status=status, headers=list(_HEADERS), body=body)

    async def unready_reason(self) -> str | None:
        """None when this process should get traffic, else a short reason."""
        if self.stopping or uvicorn_stopping():
            return "shutting down"
        try:
            await asyncio.wait_for(self.services.meta.get_bucket(PROBE_BUCKET), self.timeout)
        except TimeoutError:
            log.warning("readiness: metadata store did not answer within %.1f s", self.timeout)
            return "metadata store did not answer in time"
        except Exception as exc:
            log.warning("readiness: metadata store failed: %r", exc)
            return "metadata store failed"
        # A stat on the event loop, as the blob store's own calls are: should the file system
        # hang, the probe times out at the load balancer, which reads as "not ready" too.
        root = self.services.blobs.root
        if not os.path.isdir(root):
            return "blob directory missing"
        if not os.access(root, os.W_OK | os.X_OK):
            return "blob directory not writable"
        return None
