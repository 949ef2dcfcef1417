"""Presigned URLs (SigV4 and SigV2 query auth), virtual-host-style addressing, and the HTTP
details clients rely on: chunked request bodies, Expect: 100-continue, HEAD, keep-alive and
the request-id headers on every response. Requests go out through plain http.client/sockets."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import socket
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

Response = tuple[int, dict[str, str], bytes]


# Helpers ----------------------------------------------------------------------------------


def fetch(url: str, method: str = "GET", body=None, headers=None) -> Response:  # type: ignore[no-untyped-def]
    """One request to the local server; the URL's host goes in the Host header, so a
    ``<bucket>.localhost`` URL works without that name resolving."""
    parts = urlsplit(url)
    hdrs = {"Host": parts.netloc, **(headers or {})}
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def error_of(body: bytes) -> tuple[str, str]:
    root = ET.fromstring(body)
    return root.findtext("Code") or "", root.findtext("Message") or ""


def sign(server, method: str, url: str, headers=None, body=b"", *, unsigned=False):  # type: ignore[no-untyped-def]
    """SigV4 header auth for ``url`` (its host is signed); returns the headers to send."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if unsigned:
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    out = {k: v for k, v in req.headers.items()}
    out["Host"] = urlsplit(url).netloc
    return out


def client(server, **config):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, **config),
    )


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_head(sock: socket.socket) -> bytes:
    """Bytes up to and including the blank line that ends a response head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


SIGNING = {
    "sigv4": {"signature_version": "s3v4"},
    "sigv2": {"signature_version": "s3"},
    "default": {},
}


# Presigned URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", SIGNING, ids=list(SIGNING))
def test_presigned_get_and_put_work_with_plain_http(server, bucket, style, s3):
    signer = client(server, **SIGNING[style])
    data = os.urandom(40_000)
    put_url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "dir/up load+ü.bin"}, ExpiresIn=300
    )
    if style == "sigv4":
        assert "X-Amz-Signature=" in put_url
    if style == "sigv2":
        assert "Signature=" in put_url and "AWSAccessKeyId=" in put_url
    status, headers, body = fetch(put_url, "PUT", body=data)
    assert status == 200, body
    assert headers["etag"].strip('"') == hashlib.md5(data).hexdigest()

    get_url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "dir/up load+ü.bin"}, ExpiresIn=300
    )
    status, headers, body = fetch(get_url)
    assert status == 200
    assert body == data
    assert headers["content-length"] == str(len(data))
    assert s3.get_object(Bucket=bucket, Key="dir/up load+ü.bin")["Body"].read() == data


@pytest.mark.parametrize("style", ["sigv4", "sigv2"])
def test_presigned_get_with_response_overrides_sets_headers(server, bucket, style, s3):
    s3.put_object(Bucket=bucket, Key="doc", Body=b"{}", ContentType="text/plain")
    url = client(server, **SIGNING[style]).generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": "doc",
            "ResponseContentType": "application/json",
            "ResponseContentDisposition": "attachment; filename=doc.json",
        },
        ExpiresIn=300,
    )
    status, headers, body = fetch(url)
    assert (status, body) == (200, b"{}")
    assert headers["content-type"] == "application/json"
    assert headers["content-disposition"] == "attachment; filename=doc.json"


def test_presigned_list_objects_v2_url_lists_keys(server, bucket, s3):
    s3.put_object(Bucket=bucket, Key="listed", Body=b"x")
    signer = client(server, signature_version="s3v4")
    url = signer.generate_presigned_url("list_objects_v2", Params={"Bucket": bucket}, ExpiresIn=60)
    status, _, body = fetch(url)
    assert status == 200
    assert b"<Key>listed</Key>" in body


def test_expired_presigned_urls_are_refused_with_request_has_expired(server, bucket, s3):
    s3.put_object(Bucket=bucket, Key="soon-expired", Body=b"x")
    params = {"Bucket": bucket, "Key": "soon-expired"}
    urls = {
        style: client(server, **SIGNING[style]).generate_presigned_url(
            "get_object", Params=params, ExpiresIn=1
        )
        for style in ("sigv4", "sigv2")
    }
    time.sleep(2.1)
    for style, url in urls.items():
        status, headers, body = fetch(url)
        assert status == 403, style
        assert error_of(body) == ("AccessDenied", "Request has expired"), style
        assert "x-amz-request-id" in headers


@pytest.mark.parametrize("style", ["sigv4", "sigv2"])
def test_tampered_presigned_urls_fail_signature_check(server, bucket, style, s3):
    s3.put_object(Bucket=bucket, Key="original", Body=b"secret")
    s3.put_object(Bucket=bucket, Key="other", Body=b"other secret")
    url = client(server, **SIGNING[style]).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "original"}, ExpiresIn=300
    )
    assert fetch(url)[0] == 200
    assert fetch(with_query(url))[0] == 200  # re-encoding the query alone changes nothing
    sig_name = "X-Amz-Signature" if style == "sigv4" else "Signature"
    signature = dict(parse_qsl(urlsplit(url).query))[sig_name]
    flipped = ("1" if signature[0] != "1" else "2") + signature[1:]
    expires = dict(parse_qsl(urlsplit(url).query)).get("Expires", "0")
    later = {"X-Amz-Expires": "600"} if style == "sigv4" else {"Expires": str(int(expires) + 3600)}
    tampered = [
        url.replace("/original?", "/other?"),
        with_query(url, **{sig_name: flipped}),
        with_query(url, **later),
    ]
    for bad in tampered:
        status, _, body = fetch(bad)
        code = error_of(body)[0]
        assert (status, code) == (403, "SignatureDoesNotMatch"), bad
    # A GET URL does not authorise a PUT of the same key.
    status, _, body = fetch(url, "PUT", body=b"overwrite")
    assert (status, error_of(body)[0]) == (403, "SignatureDoesNotMatch")
    assert s3.get_object(Bucket=bucket, Key="original")["Body"].read() == b"secret"


@pytest.mark.parametrize("style", ["sigv4", "sigv2"])
def test_presigned_url_with_unknown_access_key_is_refused(server, bucket, style):
    stranger = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id="AKIANOSUCHKEY0000000",
        aws_secret_access_key="whatever",
        region_name="us-east-1",
        config=Config(**SIGNING[style]),
    )
    url = stranger.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
    )
    status, _, body = fetch(url)
    assert (status, error_of(body)[0]) == (403, "InvalidAccessKeyId")


def test_sigv4_presigned_url_valid_for_more_than_seven_days_is_refused(server, bucket):
    url = client(server, signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604801
    )
    status, _, body = fetch(url)
    assert (status, error_of(body)[0]) == (400, "AuthorizationQueryParametersError")


# Virtual-host-style addressing ------------------------------------------------------------


@pytest.fixture
def localhost_names(monkeypatch):  # type: ignore[no-untyped-def]
    """Make ``*.localhost`` resolve to 127.0.0.1 in this process, whatever the system does."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kw):  # type: ignore[no-untyped-def]
        if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
            host = "127.0.0.1"
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_virtual_host_style_boto3_client_round_trip(server, localhost_names, s3):
    vhost = boto3.client(
        "s3",
        endpoint_url=f"http://localhost:{server.port}",
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}),
    )
    name = f"vhost-{uuid.uuid4().hex[:20]}"
    seen_hosts: list[str] = []
    vhost.meta.events.register(
        "before-send.s3.*", lambda request, **kw: seen_hosts.append(urlsplit(request.url).netloc)
    )
    vhost.create_bucket(Bucket=name)
    data = os.urandom(6 * 1024 * 1024)
    vhost.put_object(Bucket=name, Key="a/b c+d.bin", Body=data, Metadata={"via": "vhost"})
    got = vhost.get_object(Bucket=name, Key="a/b c+d.bin")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"via": "vhost"}
    listed = vhost.list_objects_v2(Bucket=name, Prefix="a/")
    assert [o["Key"] for o in listed["Contents"]] == ["a/b c+d.bin"]
    vhost.upload_fileobj(
        io.BytesIO(data * 2),
        name,
        "multi",
        Config=TransferConfig(multipart_threshold=5 * 1024 * 1024),
    )
    assert s3.get_object(Bucket=name, Key="multi")["Body"].read() == data * 2
    vhost.delete_objects(
        Bucket=name, Delete={"Objects": [{"Key": "a/b c+d.bin"}, {"Key": "multi"}]}
    )
    vhost.delete_bucket(Bucket=name)
    assert seen_hosts and all(h == f"{name}.localhost:{server.port}" for h in seen_hosts)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_virtual_host_style_raw_request_with_host_header(server, bucket, s3):
    base = f"http://{bucket}.localhost:{server.port}"
    body = b"stored through the Host header"
    status, _, resp = fetch(
        f"{base}/vh/key.txt", "PUT", body, sign(server, "PUT", f"{base}/vh/key.txt", body=body)
    )
    assert status == 200, resp
    assert s3.get_object(Bucket=bucket, Key="vh/key.txt")["Body"].read() == body

    status, _, resp = fetch(f"{base}/vh/key.txt", headers=sign(server, "GET", f"{base}/vh/key.txt"))
    assert (status, resp) == (200, body)

    listing = f"{base}/?list-type=2&prefix=vh%2F"
    status, _, resp = fetch(listing, headers=sign(server, "GET", listing))
    assert status == 200
    assert b"<Key>vh/key.txt</Key>" in resp
    assert f"<Name>{bucket}</Name>".encode() in resp


def test_virtual_host_style_presigned_url(server, bucket, s3):
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"shared")
    for version in ("s3v4", "s3"):
        signer = boto3.client(
            "s3",
            endpoint_url=f"http://localhost:{server.port}",
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
            region_name="us-east-1",
            config=Config(signature_version=version, s3={"addressing_style": "virtual"}),
        )
        url = signer.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "shared.txt"}, ExpiresIn=60
        )
        assert urlsplit(url).hostname == f"{bucket}.localhost"
        status, _, body = fetch(url)
        assert (status, body) == (200, b"shared"), version


# Request bodies: chunked transfer encoding and Expect: 100-continue ----------------------


def test_put_with_transfer_encoding_chunked_stores_exact_bytes(server, bucket, s3):
    pieces = [os.urandom(n) for n in (1, 1000, 65536, 70001, 3, 0, 12345)]
    url = f"{server.endpoint}/{bucket}/chunked.bin"
    headers = sign(server, "PUT", url, unsigned=True)
    assert headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert "Content-Length" not in headers  # http.client frames the generator as chunked

    def body() -> Iterator[bytes]:
        yield from (p for p in pieces if p)

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("PUT", f"/{bucket}/chunked.bin", body=body(), headers=headers)
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    resp.read()
    conn.close()
    assert s3.get_object(Bucket=bucket, Key="chunked.bin")["Body"].read() == b"".join(pieces)


def _expect_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A PUT request head announcing ``body`` with Expect: 100-continue (body not included)."""
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()


@pytest.mark.parametrize("size", [300_000, 0], ids=["body", "empty"])
def test_expect_100_continue_put_gets_continue_then_stores_body(server, bucket, s3, size):
    # Also for an empty body: botocore, having sent Expect, misreads the next response on
    # the connection when a final status came without the interim 100.
    body = os.urandom(size)
    url = f"{server.endpoint}/{bucket}/expect.bin"
    headers = sign(server, "PUT", url, body=body)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_expect_request(f"/{bucket}/expect.bin", body, headers))
        interim = read_head(sock)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        sock.sendall(body)
        resp = http.client.HTTPResponse(sock, method="PUT")
        resp.begin()
        assert resp.status == 200, resp.read()
        resp.read()
    assert s3.get_object(Bucket=bucket, Key="expect.bin")["Body"].read() == body


@pytest.mark.parametrize("auth", ["anonymous", "bad-signature"])
def test_expect_100_continue_put_refused_before_body_is_sent(server, bucket, s3, auth):
    body = os.urandom(1_000_000)
    url = f"{server.endpoint}/{bucket}/refused.bin"
    if auth == "anonymous":
        headers = {"Host": f"127.0.0.1:{server.port}"}
    else:
        headers = sign(server, "PUT", url, body=body)
        headers["X-Amz-Content-SHA256"] = "0" * 64  # no longer matches the signature
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_expect_request(f"/{bucket}/refused.bin", body, headers))
        resp = http.client.HTTPResponse(sock, method="PUT")
        resp.begin()  # a final status, not 100 Continue: the body was never sent
        payload = resp.read()
    expected = "AccessDenied" if auth == "anonymous" else "SignatureDoesNotMatch"
    assert (resp.status, error_of(payload)[0]) == (403, expected)
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="refused.bin")


# HEAD, keep-alive, request ids -----------------------------------------------------------


def test_head_object_returns_content_length_and_no_body(server, bucket, s3):
    data = os.urandom(12345)
    s3.put_object(Bucket=bucket, Key="h", Body=data)
    path = f"/{bucket}/h"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("HEAD", path, headers=sign(server, "HEAD", server.endpoint + path))
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Length") == "12345"
    assert resp.read() == b""
    # Had the server sent body bytes after the HEAD, this response would be garbage.
    conn.request("GET", path, headers=sign(server, "GET", server.endpoint + path))
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, data)
    conn.close()


def test_head_of_missing_object_is_404_with_no_body(server, bucket):
    path = f"/{bucket}/absent"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("HEAD", path, headers=sign(server, "HEAD", server.endpoint + path))
    resp = conn.getresponse()
    assert resp.status == 404
    assert resp.read() == b""
    assert resp.getheader("x-amz-request-id")
    conn.request("GET", path, headers=sign(server, "GET", server.endpoint + path))
    resp = conn.getresponse()
    assert resp.status == 404
    assert error_of(resp.read())[0] == "NoSuchKey"
    conn.close()


def test_keep_alive_serves_many_requests_on_one_connection(server, bucket):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.connect()
    sock = conn.sock
    for i in range(40):
        path = f"/{bucket}/ka-{i % 5}"
        body = f"body number {i}".encode() * (i + 1)
        steps = [
            ("PUT", body, 200),
            ("GET", b"", 200),
            ("HEAD", b"", 200),
            ("DELETE", b"", 204),
            ("GET", b"", 404),
        ]
        for method, payload, expected in steps:
            headers = sign(server, method, server.endpoint + path, body=payload)
            conn.request(method, path, body=payload or None, headers=headers)
            resp = conn.getresponse()
            got = resp.read()
            assert resp.status == expected, (method, got)
            if method == "GET" and expected == 200:
                assert got == body
            assert not resp.will_close
    assert conn.sock is sock
    conn.close()


def test_every_response_carries_request_id_headers(server, bucket, s3):
    s3.put_object(Bucket=bucket, Key="present", Body=b"x")
    base = server.endpoint
    signed = [
        ("GET", "/"),
        ("GET", f"/{bucket}?list-type=2"),
        ("HEAD", f"/{bucket}"),
        ("GET", f"/{bucket}/present"),
        ("HEAD", f"/{bucket}/present"),
        ("GET", f"/{bucket}/absent"),
        ("HEAD", f"/{bucket}/absent"),
        ("GET", "/no-such-bucket-here-at-all/key"),
        ("DELETE", f"/{bucket}/absent"),
        ("GET", f"/{bucket}?versioning"),
    ]
    requests = [(m, p, sign(server, m, base + p)) for m, p in signed]
    requests += [
        ("GET", f"/{bucket}/present", {}),  # anonymous
        ("GET", f"/{bucket}/present", {"Authorization": "AWS4-HMAC-SHA256 garbage"}),
        ("GET", f"/{bucket}/present?X-Amz-Algorithm=AWS4-HMAC-SHA256", {}),
    ]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    ids = set()
    for method, path, headers in requests:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        request_id = resp.getheader("x-amz-request-id")
        assert request_id, (method, path, resp.status)
        assert resp.getheader("x-amz-id-2"), (method, path, resp.status)
        ids.add(request_id)
        if resp.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.close()
    assert len(ids) == len(requests)
