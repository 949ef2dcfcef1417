"""Signed raw requests for cases a high-level client refuses to send (bad names, odd bodies)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed_request(
    server,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    payload_hash: str | None = None,
    secret: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send one SigV4-signed request with http.client; return status, headers, body."""
    url = server.endpoint + path
    hdrs = dict(headers or {})
    if payload_hash is not None:
        hdrs["x-amz-content-sha256"] = payload_hash
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
    creds = Credentials(server.access_key, secret or server.secret_key)
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, target, body=body, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def put(server, path: str, body: bytes = b"") -> tuple[int, bytes]:
    status, _, data = signed_request(server, "PUT", path, body)
    return status, data
