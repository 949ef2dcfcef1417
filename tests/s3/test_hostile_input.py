"""Hostile and malformed requests: each gets AWS's exact error and leaves stored data unchanged.

Every case first stores a known object, then aims the hostile request at that same key (or at a
key that must stay absent), checks the S3 error (code, status, XML shape) and reads the data
back byte for byte. Requests a well-behaved SDK refuses to send are built by hand: the SigV4
signer below computes signatures with hmac for any time, key or payload hash, and the raw
socket helpers send bodies that lie about their length.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import socket
import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REGION = "us-east-1"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ORIGINAL = b"original bytes that must survive every hostile request\n" * 3


# --------------------------------------------------------------------------- SigV4 by hand


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, day: str) -> bytes:
    key = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (REGION, "s3", "aws4_request"):
        key = _hmac(key, part)
    return key


def _canonical_query(query: list[tuple[str, str]]) -> str:
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in query)
    return "&".join(f"{k}={v}" for k, v in pairs)


class Signed:
    """A SigV4-signed request: headers to send plus what chunk signatures chain from."""

    def __init__(self, headers: dict[str, str], signature: str, key: bytes, amz_date: str):
        self.headers = headers
        self.signature = signature
        self.key = key
        self.amz_date = amz_date
        self.scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"


def sign_v4(
    server,
    method: str,
    path: str,
    query: list[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
    payload_hash: str = "UNSIGNED-PAYLOAD",
    *,
    when: datetime | None = None,
    access_key: str | None = None,
    secret: str | None = None,
) -> Signed:
    """Sign a header-authenticated request; ``path`` must already be percent-encoded."""
    when = when or datetime.now(UTC)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    hdrs["host"] = f"127.0.0.1:{server.port}"
    hdrs["x-amz-date"] = amz_date
    hdrs["x-amz-content-sha256"] = payload_hash
    names = sorted(hdrs)
    canonical = "\n".join(
        [
            method,
            path,
            _canonical_query(list(query)),
            "".join(f"{n}:{' '.join(hdrs[n].split())}\n" for n in names),
            ";".join(names),
            payload_hash,
        ]
    )
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    sts = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = signing_key(secret or server.secret_key, amz_date[:8])
    signature = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key or server.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return Signed(hdrs, signature, key, amz_date)


def presign_v4(server, method: str, path: str, *, when: datetime, expires: int) -> str:
    """A presigned URL target (path and query) signed at ``when`` for ``expires`` seconds."""
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    query = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{server.access_key}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    canonical = "\n".join(
        [
            method,
            path,
            _canonical_query(query),
            f"host:127.0.0.1:{server.port}\n",
            "host",
            "UNSIGNED-PAYLOAD",
        ]
    )
    sts = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signature = hmac.new(
        signing_key(server.secret_key, amz_date[:8]), sts.encode(), hashlib.sha256
    ).hexdigest()
    return f"{path}?{_canonical_query(query)}&X-Amz-Signature={signature}"


# --------------------------------------------------------------------------- transport


def send(
    server, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def send_signed(
    server,
    method: str,
    path: str,
    query: list[tuple[str, str]] = (),
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    **sign_kw,
) -> tuple[int, dict[str, str], bytes]:
    sign_kw.setdefault("payload_hash", hashlib.sha256(body).hexdigest())
    signed = sign_v4(server, method, path, query, headers, **sign_kw)
    target = path + (f"?{_canonical_query(list(query))}" if query else "")
    return send(server, method, target, signed.headers, body)


def raw_exchange(server, request: bytes, *, shut_write: bool = False) -> bytes:
    """Send raw bytes, optionally half-close, and read until the server closes (or resets)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        try:
            sock.sendall(request)
            if shut_write:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        received = bytearray()
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            received += data
        return bytes(received)


def request_head(method: str, target: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --------------------------------------------------------------------------- assertions


def assert_s3_error(
    status: int, headers: dict[str, str], body: bytes, code: str, expected_status: int
) -> ElementTree.Element:
    """The response is AWS's error ``code``: status, XML with Code/Message/RequestId."""
    assert b"Traceback" not in body and b'File "' not in body, body
    assert status == expected_status, (status, body)
    root = ElementTree.fromstring(body)
    assert root.tag == "Error", body
    assert root.findtext("Code") == code, body
    assert root.findtext("Message"), body
    request_id = root.findtext("RequestId")
    assert request_id, body
    assert headers.get("x-amz-request-id") == request_id
    return root


def assert_unchanged(s3, bucket: str, key: str, expected: bytes) -> None:
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == expected
    assert got["ContentLength"] == len(expected)
    assert got["ETag"] == f'"{hashlib.md5(expected).hexdigest()}"'


def assert_absent(s3, bucket: str, key: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key=key)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.fixture
def victim(s3, bucket):
    """A stored object every hostile request below targets; returns its path."""
    s3.put_object(Bucket=bucket, Key="victim", Body=ORIGINAL)
    return f"/{bucket}/victim"


# --------------------------------------------------------------------------- authentication


def test_signer_positive_control_put_with_hand_made_signature_succeeds(server, s3, bucket):
    status, _, body = send_signed(server, "PUT", f"/{bucket}/control", body=b"control")
    assert status == 200, body
    assert_unchanged(s3, bucket, "control", b"control")


def test_put_object_wrong_secret_returns_signature_does_not_match(server, s3, bucket, victim):
    status, headers, body = send_signed(
        server, "PUT", victim, body=b"forged", secret="not-the-secret-key"
    )
    assert_s3_error(status, headers, body, "SignatureDoesNotMatch", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_put_object_unknown_access_key_returns_invalid_access_key_id(server, s3, bucket, victim):
    status, headers, body = send_signed(
        server, "PUT", victim, body=b"forged", access_key="AKIDOESNOTEXIST00000"
    )
    root = assert_s3_error(status, headers, body, "InvalidAccessKeyId", 403)
    assert root.findtext("AWSAccessKeyId") == "AKIDOESNOTEXIST00000"
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("minutes", [-20, 20])
def test_put_object_clock_skew_20_minutes_returns_request_time_too_skewed(
    server, s3, bucket, victim, minutes
):
    when = datetime.now(UTC) + timedelta(minutes=minutes)
    status, headers, body = send_signed(server, "PUT", victim, body=b"skewed", when=when)
    assert_s3_error(status, headers, body, "RequestTimeTooSkewed", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_put_object_sigv2_wrong_secret_returns_signature_does_not_match(server, s3, bucket, victim):
    url = server.endpoint + victim
    req = AWSRequest(method="PUT", url=url, data=b"forged", headers={"Content-Type": "x/y"})
    HmacV1Auth(Credentials(server.access_key, "wrong-secret")).add_auth(req)
    status, headers, body = send(server, "PUT", victim, dict(req.headers.items()), b"forged")
    assert_s3_error(status, headers, body, "SignatureDoesNotMatch", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_presigned_get_positive_control_succeeds(server, bucket, victim):
    target = presign_v4(server, "GET", victim, when=datetime.now(UTC), expires=300)
    status, _, body = send(server, "GET", target, {})
    assert status == 200, body
    assert body == ORIGINAL


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_expired_presigned_url_returns_access_denied_request_has_expired(
    server, s3, bucket, victim, method
):
    when = datetime.now(UTC) - timedelta(minutes=10)
    target = presign_v4(server, method, victim, when=when, expires=60)
    status, headers, body = send(server, method, target, {}, b"late" if method == "PUT" else b"")
    root = assert_s3_error(status, headers, body, "AccessDenied", 403)
    assert root.findtext("Message") == "Request has expired"
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_presigned_url_with_tampered_signature_returns_signature_does_not_match(
    server, s3, bucket, victim
):
    target = presign_v4(server, "PUT", victim, when=datetime.now(UTC), expires=300)
    tampered = target[:-1] + ("0" if target[-1] != "0" else "1")
    status, headers, body = send(server, "PUT", tampered, {}, b"tampered")
    assert_s3_error(status, headers, body, "SignatureDoesNotMatch", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_anonymous_request_returns_access_denied(server, s3, bucket, victim, method):
    body_out = b"anonymous" if method == "PUT" else b""
    status, headers, body = send(server, method, victim, {}, body_out)
    assert_s3_error(status, headers, body, "AccessDenied", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_anonymous_list_objects_returns_access_denied(server, bucket, victim):
    status, headers, body = send(server, "GET", f"/{bucket}?list-type=2", {})
    assert_s3_error(status, headers, body, "AccessDenied", 403)
    assert b"victim" not in body


def test_head_error_has_status_and_no_body(server, bucket, victim):
    missing = sign_v4(server, "HEAD", f"/{bucket}/no-such-key").headers
    forged = sign_v4(server, "HEAD", victim, secret="wrong").headers
    for target, headers, status in (
        (f"/{bucket}/no-such-key", missing, 404),
        (victim, forged, 403),
    ):
        headers = {**headers, "connection": "close"}
        raw = raw_exchange(server, request_head("HEAD", target, headers))
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, raw
        assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
        assert rest == b"", raw
        assert b"x-amz-request-id:" in head.lower()


# --------------------------------------------------------------------------- body integrity


@pytest.mark.parametrize("size", [1000, 200_000], ids=["inline", "file"])
def test_put_object_content_md5_mismatch_returns_bad_digest(server, s3, bucket, victim, size):
    data = os.urandom(size)
    wrong_md5 = base64.b64encode(hashlib.md5(data + b"x").digest()).decode()
    status, headers, body = send_signed(
        server, "PUT", victim, body=data, headers={"Content-MD5": wrong_md5}
    )
    assert_s3_error(status, headers, body, "BadDigest", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("size", [1000, 200_000], ids=["inline", "file"])
def test_put_object_checksum_header_mismatch_returns_bad_digest(server, s3, bucket, victim, size):
    data = os.urandom(size)
    wrong = base64.b64encode((zlib.crc32(data) ^ 1).to_bytes(4, "big")).decode()
    status, headers, body = send_signed(
        server, "PUT", victim, body=data, headers={"x-amz-checksum-crc32": wrong}
    )
    assert_s3_error(status, headers, body, "BadDigest", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_upload_part_content_md5_mismatch_returns_bad_digest_and_stores_no_part(
    server, s3, bucket, victim
):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="victim")["UploadId"]
    data = os.urandom(200_000)
    status, headers, body = send_signed(
        server,
        "PUT",
        victim,
        [("partNumber", "1"), ("uploadId", upload_id)],
        body=data,
        headers={"Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()},
    )
    assert_s3_error(status, headers, body, "BadDigest", 400)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="victim", UploadId=upload_id)
    s3.abort_multipart_upload(Bucket=bucket, Key="victim", UploadId=upload_id)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"12345").decode()])
def test_put_object_invalid_content_md5_returns_invalid_digest(server, s3, bucket, victim, value):
    status, headers, body = send_signed(
        server, "PUT", victim, body=b"data", headers={"Content-MD5": value}
    )
    assert_s3_error(status, headers, body, "InvalidDigest", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("size", [1000, 200_000], ids=["inline", "file"])
def test_put_object_content_sha256_mismatch_returns_x_amz_content_sha256_mismatch(
    server, s3, bucket, victim, size
):
    data = os.urandom(size)
    status, headers, body = send_signed(
        server, "PUT", victim, body=data, payload_hash=hashlib.sha256(data[:-1]).hexdigest()
    )
    assert_s3_error(status, headers, body, "XAmzContentSHA256Mismatch", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


@pytest.mark.parametrize("declared,sent", [(100, 50), (300_000, 150_000)], ids=["inline", "file"])
@pytest.mark.parametrize("target", ["victim", "absent"])
def test_put_object_body_shorter_than_content_length_stores_nothing(
    server, s3, bucket, victim, declared, sent, target
):
    path = f"/{bucket}/{target}"
    signed = sign_v4(server, "PUT", path, headers={"content-length": str(declared)})
    raw = raw_exchange(
        server, request_head("PUT", path, signed.headers) + os.urandom(sent), shut_write=True
    )
    if raw:
        # The server may answer IncompleteBody before closing, or just close.
        status_line = raw.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 400 "), raw[:500]
        assert b"<Code>IncompleteBody</Code>" in raw, raw[:500]
        assert b"Traceback" not in raw
    if target == "victim":
        assert_unchanged(s3, bucket, "victim", ORIGINAL)
    else:
        assert_absent(s3, bucket, "absent")


# --------------------------------------------------------------------------- aws-chunked


def chunked_signed_body(signed: Signed, chunks: list[bytes]) -> list[tuple[bytes, str]]:
    """(chunk data, chunk signature) pairs chained from the seed, final empty chunk included."""
    previous = signed.signature
    out = []
    for data in [*chunks, b""]:
        sts = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                signed.amz_date,
                signed.scope,
                previous,
                EMPTY_SHA256,
                hashlib.sha256(data).hexdigest(),
            ]
        )
        previous = hmac.new(signed.key, sts.encode(), hashlib.sha256).hexdigest()
        out.append((data, previous))
    return out


def encode_signed_chunks(pairs: list[tuple[bytes, str]]) -> bytes:
    return b"".join(f"{len(d):x};chunk-signature={s}\r\n".encode() + d + b"\r\n" for d, s in pairs)


def send_signed_chunked(server, path: str, data: bytes, corrupt) -> tuple[int, dict, bytes]:
    """PUT ``data`` as STREAMING-AWS4-HMAC-SHA256-PAYLOAD; ``corrupt`` may alter the pairs."""
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    framed_len = sum(len(f"{len(c):x};chunk-signature=") + 64 + 4 + len(c) for c in chunks)
    framed_len += len("0;chunk-signature=") + 64 + 4
    signed = sign_v4(
        server,
        "PUT",
        path,
        headers={
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "content-length": str(framed_len),
        },
        payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    )
    pairs = corrupt(chunked_signed_body(signed, chunks))
    body = encode_signed_chunks(pairs)
    assert len(body) == framed_len
    return send(server, "PUT", path, signed.headers, body)


def test_aws_chunked_signed_positive_control_stores_body(server, s3, bucket):
    data = os.urandom(150_000)
    status, _, body = send_signed_chunked(server, f"/{bucket}/chunked", data, lambda p: p)
    assert status == 200, body
    assert_unchanged(s3, bucket, "chunked", data)


def _flip_signature(index: int):
    def corrupt(pairs):
        data, sig = pairs[index]
        pairs[index] = (data, ("0" if sig[0] != "0" else "1") + sig[1:])
        return pairs

    return corrupt


def _flip_data(index: int):
    def corrupt(pairs):
        data, sig = pairs[index]
        pairs[index] = (bytes([data[0] ^ 1]) + data[1:], sig)
        return pairs

    return corrupt


@pytest.mark.parametrize(
    "corrupt",
    [_flip_signature(0), _flip_signature(2), _flip_signature(3), _flip_data(2)],
    ids=["first-chunk-signature", "last-data-chunk-signature", "final-chunk-signature", "data"],
)
def test_aws_chunked_bad_chunk_signature_returns_signature_does_not_match(
    server, s3, bucket, victim, corrupt
):
    data = os.urandom(150_000)  # chunks of 64 KiB, 64 KiB, 18 KiB, then the final empty one
    status, headers, body = send_signed_chunked(server, victim, data, corrupt)
    assert_s3_error(status, headers, body, "SignatureDoesNotMatch", 403)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def send_unsigned_trailer(server, path: str, data: bytes, crc_value: bytes):
    checksum = base64.b64encode(crc_value).decode()
    body = (
        f"{len(data):x}\r\n".encode()
        + data
        + b"\r\n0\r\n"
        + f"x-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
    )
    signed = sign_v4(
        server,
        "PUT",
        path,
        headers={
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "x-amz-trailer": "x-amz-checksum-crc32",
            "content-length": str(len(body)),
        },
        payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    )
    return send(server, "PUT", path, signed.headers, body)


def test_unsigned_trailer_positive_control_stores_body(server, s3, bucket):
    data = os.urandom(100_000)
    crc = zlib.crc32(data).to_bytes(4, "big")
    status, _, body = send_unsigned_trailer(server, f"/{bucket}/trailer", data, crc)
    assert status == 200, body
    assert_unchanged(s3, bucket, "trailer", data)


@pytest.mark.parametrize("size", [1000, 100_000], ids=["inline", "file"])
def test_unsigned_trailer_wrong_checksum_returns_bad_digest(server, s3, bucket, victim, size):
    data = os.urandom(size)
    wrong = (zlib.crc32(data) ^ 0xFFFF).to_bytes(4, "big")
    status, headers, body = send_unsigned_trailer(server, victim, data, wrong)
    assert_s3_error(status, headers, body, "BadDigest", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


# --------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def delete_documents(key: str) -> dict[str, bytes]:
    return {
        "truncated": f"<Delete><Object><Key>{key}</Key></Object>".encode(),
        "not-xml": b"this is not xml at all",
        "wrong-root": f"<Remove><Object><Key>{key}</Key></Object></Remove>".encode(),
        "billion-laughs": (
            BILLION_LAUGHS + f"<Delete><Object><Key>{key}</Key></Object>"
            "<Object><Key>&lol9;</Key></Object></Delete>"
        ).encode(),
        "xxe": (
            XXE + f"<Delete><Object><Key>{key}</Key></Object>"
            "<Object><Key>&xxe;</Key></Object></Delete>"
        ).encode(),
        "internal-entity": (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY k "victim">]>'
            b"<Delete><Object><Key>&k;</Key></Object></Delete>"
        ),
    }


def post_delete(server, bucket: str, document: bytes, *, md5: bool = True):
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(document).digest()).decode()}
    return send_signed(
        server,
        "POST",
        f"/{bucket}",
        [("delete", "")],
        body=document,
        headers=headers if md5 else {},
    )


@pytest.mark.parametrize("name", sorted(delete_documents("victim")))
def test_delete_objects_hostile_xml_returns_malformed_xml(server, s3, bucket, victim, name):
    document = delete_documents("victim")[name]
    status, headers, body = post_delete(server, bucket, document)
    assert_s3_error(status, headers, body, "MalformedXML", 400)
    assert b"root:" not in body and b"lollol" not in body
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_delete_objects_without_content_md5_returns_invalid_request(server, s3, bucket, victim):
    document = b"<Delete><Object><Key>victim</Key></Object></Delete>"
    status, headers, body = post_delete(server, bucket, document, md5=False)
    assert_s3_error(status, headers, body, "InvalidRequest", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def test_delete_objects_over_1000_keys_returns_malformed_xml(server, s3, bucket, victim):
    keys = ["victim"] + [f"k{i}" for i in range(1000)]
    document = (
        "<Delete>" + "".join(f"<Object><Key>{k}</Key></Object>" for k in keys) + "</Delete>"
    ).encode()
    status, headers, body = post_delete(server, bucket, document)
    assert_s3_error(status, headers, body, "MalformedXML", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)


def complete_documents(etag: str) -> dict[str, bytes]:
    part = f"<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
    return {
        "truncated": f"<CompleteMultipartUpload>{part}".encode(),
        "not-xml": b"{'parts': [1]}",
        "wrong-root": f"<Complete>{part}</Complete>".encode(),
        "billion-laughs": (
            BILLION_LAUGHS + "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
            "<ETag>&lol9;</ETag></Part></CompleteMultipartUpload>"
        ).encode(),
        "xxe": (
            XXE + "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
            "<ETag>&xxe;</ETag></Part></CompleteMultipartUpload>"
        ).encode(),
        "internal-entity": (
            f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "{etag}">]>'
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
            "<ETag>&e;</ETag></Part></CompleteMultipartUpload>"
        ).encode(),
    }


@pytest.mark.parametrize("name", sorted(complete_documents('"x"')))
def test_complete_multipart_upload_hostile_xml_returns_malformed_xml(
    server, s3, bucket, victim, name
):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="victim")["UploadId"]
    etag = s3.upload_part(
        Bucket=bucket, Key="victim", UploadId=upload_id, PartNumber=1, Body=b"replacement"
    )["ETag"]
    document = complete_documents(etag)[name]
    status, headers, body = send_signed(
        server, "POST", victim, [("uploadId", upload_id)], body=document
    )
    assert_s3_error(status, headers, body, "MalformedXML", 400)
    assert b"root:" not in body and b"lollol" not in body
    assert_unchanged(s3, bucket, "victim", ORIGINAL)
    # The upload is untouched and can still be completed properly.
    parts = s3.list_parts(Bucket=bucket, Key="victim", UploadId=upload_id)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]
    s3.abort_multipart_upload(Bucket=bucket, Key="victim", UploadId=upload_id)


# --------------------------------------------------------------------------- names and headers


@pytest.mark.parametrize(
    "key",
    ["a" * 1025, "é" * 513, "x/" * 512 + "z"],
    ids=["ascii-1025", "utf8-1026-bytes", "slashes-1025"],
)
def test_put_object_key_over_1024_bytes_returns_key_too_long(server, s3, bucket, key):
    path = f"/{bucket}/" + quote(key, safe="/")
    status, headers, body = send_signed(server, "PUT", path, body=b"long")
    assert_s3_error(status, headers, body, "KeyTooLongError", 400)
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert listed == []


def test_put_object_key_of_exactly_1024_bytes_is_accepted(s3, bucket):
    key = "k" * 1024
    s3.put_object(Bucket=bucket, Key=key, Body=b"edge")
    assert_unchanged(s3, bucket, key, b"edge")


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "UpperCase",
        "under_score",
        "-leading-hyphen",
        "trailing-hyphen-",
        "double..dot",
        "dot.-hyphen",
        "192.168.1.1",
        "xn--punycode",
        "bucket-s3alias",
        "sp%20ace",
    ],
)
def test_create_bucket_invalid_name_returns_invalid_bucket_name(server, s3, name):
    status, headers, body = send_signed(server, "PUT", f"/{name}")
    assert_s3_error(status, headers, body, "InvalidBucketName", 400)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert name not in names and name.lower() not in names


@pytest.mark.parametrize(
    "extra",
    [
        {f"x-amz-meta-h{i}": "m" * 1000 for i in range(20)},
        {"x-amz-meta-huge": "h" * 65536},
        {"x-custom-huge": "c" * 65536},
    ],
    ids=["20kb-of-metadata", "64kb-metadata-header", "64kb-other-header"],
)
@pytest.mark.parametrize("target", ["victim", "absent"])
def test_oversize_request_headers_are_refused_with_4xx(server, s3, bucket, victim, extra, target):
    path = f"/{bucket}/{target}"
    signed = sign_v4(server, "PUT", path, headers={**extra, "content-length": "7"})
    raw = raw_exchange(
        server, request_head("PUT", path, {**signed.headers, "connection": "close"}) + b"7 bytes"
    )
    status_line = raw.split(b"\r\n", 1)[0]
    assert status_line[:10] in (b"HTTP/1.1 4", b"HTTP/1.0 4"), raw[:500]
    assert int(status_line.split()[1]) in (400, 431), status_line
    assert b"Traceback" not in raw
    if b"<Code>" in raw:
        assert b"<Code>RequestHeaderSectionTooLarge</Code>" in raw, raw[:500]
    if target == "victim":
        assert_unchanged(s3, bucket, "victim", ORIGINAL)
    else:
        assert_absent(s3, bucket, "absent")


def test_put_object_metadata_over_2kb_returns_metadata_too_large(server, s3, bucket, victim):
    status, headers, body = send_signed(
        server, "PUT", victim, body=b"meta", headers={"x-amz-meta-big": "v" * 2100}
    )
    assert_s3_error(status, headers, body, "MetadataTooLarge", 400)
    assert_unchanged(s3, bucket, "victim", ORIGINAL)
    assert s3.head_object(Bucket=bucket, Key="victim")["Metadata"] == {}


def test_put_object_empty_body_with_expect_100_continue_leaves_connection_usable(
    server, bucket, monkeypatch
):
    """boto3 sends ``Expect: 100-continue`` with every PutObject body, empty ones included.

    botocore treats a final response that arrives before ``100 Continue`` as the answer to the
    expectation and keeps that status line for the connection's next expect-request, so the
    server must send ``100 Continue`` (as S3 does) even when the body is empty; otherwise the
    next upload on the pooled connection misreads its response and hangs until the read
    timeout.
    """
    monkeypatch.delenv("BOTO_EXPERIMENTAL__NO_EMPTY_CONTINUE", raising=False)
    client = server.client(retries={"total_max_attempts": 1}, read_timeout=15)
    client.put_object(Bucket=bucket, Key="empty", Body=b"")
    client.put_object(Bucket=bucket, Key="after-empty", Body=b"next")
    assert_unchanged(client, bucket, "after-empty", b"next")
    assert_unchanged(client, bucket, "empty", b"")


def test_server_still_serves_after_hostile_requests(server, s3, bucket):
    for document in delete_documents("k").values():
        assert post_delete(server, bucket, document)[0] == 400
    s3.put_object(Bucket=bucket, Key="after", Body=b"still up")
    assert_unchanged(s3, bucket, "after", b"still up")


def test_key_with_a_null_character_is_refused_and_stores_nothing(node, s3, bucket):
    # To a node itself: a balancer in front may refuse a %00 in the path with its own 400.
    status, headers, body = send_signed(node, "PUT", f"/{bucket}/a%00b", body=b"nul")
    assert_s3_error(status, headers, body, "InvalidArgument", 400)
    status, headers, body = send_signed(node, "GET", f"/{bucket}/a%00b")
    assert_s3_error(status, headers, body, "InvalidArgument", 400)
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []


@pytest.mark.parametrize(
    "query",
    [[("prefix", "\x00")], [("list-type", "2"), ("start-after", "a\x00")], [("uploadId", "\x00")]],
)
def test_query_parameter_with_a_null_character_is_refused(server, bucket, query):
    status, headers, body = send_signed(server, "GET", f"/{bucket}", query)
    assert_s3_error(status, headers, body, "InvalidURI", 400)
