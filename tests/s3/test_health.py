"""Health endpoints (/-/live, /-/ready) and graceful drain on SIGTERM.

Over HTTP against the real server: both answer without credentials, GET and HEAD, path style
only. In process, through the ASGI app: why /-/ready says 503. And a server of its own that
receives SIGTERM while an upload is half sent: the upload completes, the process exits, and
the object reads back whole after a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import signal
import socket
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from harness import HydriaServer

from hydria.api.app import S3App
from hydria.api.health import uvicorn_stopping
from hydria.config import Settings
from hydria.service.context import ServiceContext

# Over HTTP -------------------------------------------------------------------------------


def plain_request(
    server: HydriaServer,
    method: str,
    path: str,
    *,
    host: str | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One unauthenticated request; ``host`` replaces the Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/-/live", "/-/ready", "/-/ready?verbose=1"])
def test_health_answers_ok_without_credentials(server, path) -> None:
    status, headers, body = plain_request(server, "GET", path)
    assert status == 200, body
    assert json.loads(body) == {"status": "ok"}
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize("path", ["/-/live", "/-/ready"])
def test_health_head_has_headers_and_no_body(server, path) -> None:
    _, _, get_body = plain_request(server, "GET", path)
    status, headers, body = plain_request(server, "HEAD", path)
    assert status == 200
    assert body == b""
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert headers["content-length"] == str(len(get_body))


def test_health_answers_for_a_host_that_names_no_bucket(server) -> None:
    """The load balancer's Host may be anything that is not <bucket>.<domain>."""
    for host in ("localhost", f"localhost:{server.port}", "10.0.0.7:9000", "[::1]:9000"):
        status, _, body = plain_request(server, "GET", "/-/ready", host=host)
        assert status == 200, (host, body)
        assert json.loads(body) == {"status": "ok"}


@pytest.mark.parametrize("path", ["/-/live", "/-/ready"])
def test_virtual_host_request_is_an_object_request(server, path) -> None:
    """With Host x.localhost the path is key "-/live" of bucket x: S3 answers, unauthenticated."""
    status, headers, body = plain_request(server, "GET", path, host=f"x.localhost:{server.port}")
    assert status == 403
    assert headers["content-type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in body


def test_other_methods_are_not_allowed(node) -> None:
    status, headers, body = plain_request(node, "PUT", "/-/live", body=b"abc")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert headers["connection"] == "close"  # the body was never read
    assert b"<Code>MethodNotAllowed</Code>" in body
    assert b"<Method>PUT</Method>" in body
    status, headers, body = plain_request(node, "DELETE", "/-/ready")
    assert status == 405
    assert b"<Code>MethodNotAllowed</Code>" in body


def test_similar_paths_stay_s3_requests(server) -> None:
    """Only the exact paths are health endpoints; anything else is bucket "-" and a key."""
    for path in ("/-/live/", "/-/lives", "/%2D/live"):
        status, headers, body = plain_request(server, "GET", path)
        assert status == 403, (path, body)
        assert headers["content-type"] == "application/xml"


# In process: why /-/ready says 503 -------------------------------------------------------


class FakeMeta:
    def __init__(self, behaviour: str = "ok") -> None:
        self.behaviour = behaviour

    async def get_bucket(self, name: str) -> None:
        assert name == "-"
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        if self.behaviour == "fail":
            raise OSError("database is gone")
        return None


def make_app(tmp_path: Path, meta: FakeMeta) -> S3App:
    blob_root = tmp_path / "blobs"
    blob_root.mkdir(exist_ok=True)
    services = ServiceContext(
        settings=Settings(data_dir=tmp_path),
        meta=meta,  # type: ignore[arg-type]
        blobs=SimpleNamespace(root=str(blob_root)),  # type: ignore[arg-type]
    )
    app = S3App(services, lambda key: None)
    app.health.timeout = 0.2
    return app


def call(app: S3App, method: str, path: str, host: str = "127.0.0.1:9000") -> dict[str, Any]:
    """Run one request through the ASGI app; the status, headers and JSON body it sent."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", host.encode())],
        "client": ("127.0.0.1", 50000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    document = json.loads(body) if headers.get("content-type") == "application/json" else None
    return {"status": start["status"], "headers": headers, "json": document}


def test_ready_when_store_answers_and_blob_dir_exists(tmp_path) -> None:
    app = make_app(tmp_path, FakeMeta())
    assert call(app, "GET", "/-/ready")["json"] == {"status": "ok"}


def test_not_ready_when_metadata_store_hangs(tmp_path) -> None:
    app = make_app(tmp_path, FakeMeta("hang"))
    started = time.monotonic()
    result = call(app, "GET", "/-/ready")
    assert time.monotonic() - started < 5
    assert result["status"] == 503
    assert result["json"] == {
        "status": "unavailable",
        "reason": "metadata store did not answer in time",
    }
    assert result["headers"]["cache-control"] == "no-store"
    assert call(app, "GET", "/-/live")["status"] == 200  # alive all the same


def test_not_ready_when_metadata_store_fails(tmp_path) -> None:
    result = call(make_app(tmp_path, FakeMeta("fail")), "GET", "/-/ready")
    assert result["status"] == 503
    assert result["json"]["reason"] == "metadata store failed"


def test_not_ready_without_blob_directory(tmp_path) -> None:
    app = make_app(tmp_path, FakeMeta())
    (tmp_path / "blobs").rmdir()
    result = call(app, "GET", "/-/ready")
    assert result["status"] == 503
    assert result["json"] == {"status": "unavailable", "reason": "blob directory missing"}
    (tmp_path / "blobs").mkdir()
    assert call(app, "GET", "/-/ready")["status"] == 200


def test_not_ready_once_lifespan_shutdown_began(tmp_path) -> None:
    app = make_app(tmp_path, FakeMeta())
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        pass

    asyncio.run(app({"type": "lifespan"}, receive, send))
    result = call(app, "GET", "/-/ready")
    assert result["status"] == 503
    assert result["json"]["reason"] == "shutting down"
    assert call(app, "GET", "/-/live")["status"] == 200


def test_not_ready_once_uvicorn_received_sigterm(tmp_path) -> None:
    """uvicorn's Server installs its handle_exit for SIGTERM; its should_exit flag is read."""
    app = make_app(tmp_path, FakeMeta())
    server = uvicorn.Server(uvicorn.Config(app))
    previous = signal.signal(signal.SIGTERM, server.handle_exit)
    try:
        assert not uvicorn_stopping()
        assert call(app, "GET", "/-/ready")["status"] == 200
        server.handle_exit(signal.SIGTERM, None)  # what the signal does, without the signal
        assert uvicorn_stopping()
        result = call(app, "GET", "/-/ready")
        assert result["status"] == 503
        assert result["json"]["reason"] == "shutting down"
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not uvicorn_stopping()


@pytest.mark.parametrize("host", ["x.localhost:9000", "x.s3.localhost", "X.LOCALHOST"])
def test_virtual_host_is_never_claimed(tmp_path, host) -> None:
    result = call(make_app(tmp_path, FakeMeta()), "GET", "/-/live", host=host)
    assert result["status"] == 403
    assert result["headers"]["content-type"] == "application/xml"


# Graceful drain ----------------------------------------------------------------------------


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed mid-response: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest


def ready_status(port: int) -> int | None:
    """/-/ready on a new connection: the status, or None when refused, reset or unanswered."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return read_response(sock)[0]
    except (OSError, AssertionError):
        return None


SHUTDOWN_BEGUN = "Shutting down"
"""What uvicorn's ``Server.shutdown`` logs (at info) as it begins. Without yielding to its event
loop it then closes the worker's listener and turns keep-alive off on every request in flight,
so once a worker has logged this line it accepts no new connection, and the response to a
request it is still reading will say ``Connection: close``."""


def wait_until_every_worker_began_shutdown(srv: HydriaServer) -> None:
    """Poll the server log until each worker process has logged ``SHUTDOWN_BEGUN``.

    New requests failing is no proof of this with several workers: a probe connection that a
    worker accepted just before it closed its listener is closed unanswered, while the worker
    holding the upload may not have noticed the signal yet (its main loop looks every 0.1 s)."""
    deadline = time.monotonic() + 20
    while srv.log_path.read_text(errors="replace").count(SHUTDOWN_BEGUN) < srv.workers:
        assert time.monotonic() < deadline, (
            f"not every worker began shutting down: {srv.log_path.read_text()[-3000:]}"
        )
        time.sleep(0.05)


def wait_until_refused(port: int, seconds: float = 10.0) -> None:
    """Poll until a new connection to ``port`` is refused (nothing listens any more)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        except OSError:
            pass
        assert time.monotonic() < deadline, "new connections still accepted during the drain"
        time.sleep(0.05)


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_an_upload_in_flight(tmp_path, workers) -> None:
    # At info level uvicorn logs when each worker begins its shutdown (the harness uses warning).
    srv = HydriaServer(tmp_path / "data", workers=workers, env={"HYDRIA_LOG_LEVEL": "info"})
    srv.start()
    try:
        s3 = srv.client()
        s3.create_bucket(Bucket="drain")
        payload = os.urandom(3 * 1024 * 1024 + 17)
        url = urlsplit(
            s3.generate_presigned_url(
                "put_object", Params={"Bucket": "drain", "Key": "big"}, ExpiresIn=300
            )
        )
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        with sock:
            head = (
                f"PUT {url.path}?{url.query} HTTP/1.1\r\n"
                f"Host: {url.netloc}\r\n"
                f"Content-Length: {len(payload)}\r\n"
                "Expect: 100-continue\r\n\r\n"
            )
            sock.sendall(head.encode())
            # 100 Continue comes when the handler starts reading the body: the request is
            # in flight from here on.
            status, _, _ = read_response(sock)
            assert status == 100
            half = len(payload) // 2
            sock.sendall(payload[:half])
            os.killpg(srv.proc.pid, signal.SIGTERM)
            wait_until_every_worker_began_shutdown(srv)
            # New requests are no longer served, and soon no longer even connected: the
            # workers have closed their listeners, and a multi-worker supervisor closes its own
            # copy of the socket when it handles the signal (hydria/serving.py), so a balancer
            # sees "refused" and retries elsewhere rather than waiting on the drain. The
            # request in flight is draining.
            assert ready_status(srv.port) is None, "a new request was served after shutdown began"
            wait_until_refused(srv.port)
            assert srv.proc.poll() is None  # still draining
            sock.sendall(payload[half:])
            status, headers, body = read_response(sock)
        assert status == 200, body
        assert headers["etag"] == f'"{hashlib.md5(payload).hexdigest()}"'
        assert headers.get("connection") == "close"
        # Exits well within uvicorn's 30 s grace once the connection is done; a lone worker
        # re-raises SIGTERM after its shutdown, so -SIGTERM is a clean exit too.
        assert srv.proc.wait(timeout=20) in (0, -signal.SIGTERM)
    except BaseException:
        srv.kill()
        raise
    srv.proc = None
    srv.start()
    try:
        got = srv.client().get_object(Bucket="drain", Key="big")["Body"].read()
        assert hashlib.md5(got).digest() == hashlib.md5(payload).digest()
        status, _, _ = plain_request(srv, "GET", "/-/ready")
        assert status == 200
    finally:
        srv.stop()
