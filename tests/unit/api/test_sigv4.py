"""SigV4 verification: AWS's published examples, the SigV4 test suite, and real botocore requests."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config

from hydria.api.auth import PayloadKind, authenticate
from hydria.api.auth.clock import parse_amz_date
from hydria.api.auth.sigv4 import (
    canonical_headers,
    canonical_query,
    canonical_request,
    canonical_uri,
    hmac_hex,
    signing_key,
    string_to_sign,
)
from hydria.api.body import open_body
from hydria.api.request import Headers, S3Request, parse_query
from hydria.errors import S3Error
from hydria.model.principals import Credential

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LOOKUP = {AK: Credential(AK, SECRET)}.get
REGION = "us-east-1"
DOC_NOW = datetime(2013, 5, 24, tzinfo=UTC)
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SCOPE = f"Credential={AK}/20130524/us-east-1/s3/aws4_request"


def _receive(body: bytes = b"") -> Any:
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return receive


def make_request(
    method: str,
    path: str,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    *,
    bucket: str | None = None,
    virtual: bool = False,
    body: bytes = b"",
) -> S3Request:
    raw = [(k.lower().encode("latin-1"), v.encode("utf-8")) for k, v in headers or []]
    host = next((v for k, v in headers or [] if k.lower() == "host"), "")
    return S3Request(
        method=method,
        raw_path=path,
        raw_query=query,
        query=parse_query(query),
        headers=Headers(raw),
        host=host,
        bucket=bucket,
        key=None,
        receive=_receive(body),
        virtual_host=virtual,
    )


def auth_error(request: S3Request, *, now: datetime | None = DOC_NOW, lookup=LOOKUP) -> S3Error:
    with pytest.raises(S3Error) as info:
        authenticate(request, lookup, region=REGION, now=now)
    return info.value


# ----------------------------------------------------------------- AWS S3 documentation examples


def test_doc_example_get_object_with_range_is_accepted() -> None:
    request = make_request(
        "GET",
        "/test.txt",
        headers=[
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY),
            ("x-amz-date", "20130524T000000Z"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 {SCOPE},SignedHeaders=host;range;x-amz-content-sha256;"
                "x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            ),
        ],
        bucket="examplebucket",
        virtual=True,
    )
    result = authenticate(request, LOOKUP, region=REGION, now=DOC_NOW)
    assert result.scheme == "sigv4-header"
    assert result.credential is not None and result.credential.access_key == AK
    assert result.payload.kind is PayloadKind.SHA256 and result.payload.sha256 == EMPTY


@pytest.mark.parametrize("path", ["/test$file.text", "/test%24file.text"])
def test_doc_example_put_object_accepts_raw_and_encoded_dollar(path: str) -> None:
    request = make_request(
        "PUT",
        path,
        headers=[
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            (
                "x-amz-content-sha256",
                "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
            ),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 {SCOPE},SignedHeaders=date;host;x-amz-content-sha256;"
                "x-amz-date;x-amz-storage-class,"
                "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
            ),
        ],
        bucket="examplebucket",
        virtual=True,
        body=b"Welcome to Amazon S3.",
    )
    result = authenticate(request, LOOKUP, region=REGION, now=DOC_NOW)

    async def consume() -> bytes:
        return await open_body(request, result).read_all(1024)

    assert asyncio.run(consume()) == b"Welcome to Amazon S3."


@pytest.mark.parametrize(
    ("query", "signature"),
    [
        ("lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        ("lifecycle=", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        ("max-keys=2&prefix=J", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
        ("prefix=J&max-keys=2", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ],
)
def test_doc_example_bucket_gets_are_accepted(query: str, signature: str) -> None:
    request = make_request(
        "GET",
        "/",
        query,
        headers=[
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("x-amz-content-sha256", EMPTY),
            ("x-amz-date", "20130524T000000Z"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 {SCOPE},SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                f"Signature={signature}",
            ),
        ],
        bucket="examplebucket",
        virtual=True,
    )
    assert authenticate(request, LOOKUP, region=REGION, now=DOC_NOW).scheme == "sigv4-header"


DOC_PRESIGNED = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)


def _doc_presigned(query: str = DOC_PRESIGNED, extra: list[tuple[str, str]] | None = None):
    headers = [("Host", "examplebucket.s3.amazonaws.com"), *(extra or [])]
    return make_request("GET", "/test.txt", query, headers, bucket="examplebucket", virtual=True)


def test_doc_example_presigned_url_is_accepted() -> None:
    result = authenticate(_doc_presigned(), LOOKUP, region=REGION, now=DOC_NOW)
    assert result.scheme == "sigv4-query"
    assert result.payload.kind is PayloadKind.UNSIGNED


def test_doc_example_presigned_url_expires_after_a_day() -> None:
    err = auth_error(_doc_presigned(), now=DOC_NOW + timedelta(days=1, seconds=1))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert err.fields["X-Amz-Expires"] == "86400"
    assert err.fields["Expires"] == "2013-05-25T00:00:00Z"
    assert err.fields["ServerTime"] == "2013-05-25T00:00:01Z"


def test_presigned_url_from_the_future_is_not_yet_valid() -> None:
    err = auth_error(_doc_presigned(), now=DOC_NOW - timedelta(minutes=16))
    assert (err.code, err.message) == ("AccessDenied", "Request is not yet valid")
    # Within the 15-minute allowance it is fine.
    authenticate(_doc_presigned(), LOOKUP, region=REGION, now=DOC_NOW - timedelta(minutes=14))


def test_presigned_url_longer_than_a_week_is_refused() -> None:
    query = DOC_PRESIGNED.replace("X-Amz-Expires=86400", "X-Amz-Expires=604801")
    err = auth_error(_doc_presigned(query))
    assert err.code == "AuthorizationQueryParametersError"
    assert "less than a week" in err.message


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda q: q.replace("&X-Amz-SignedHeaders=host", ""), "AuthorizationQueryParametersError"),
        (
            lambda q: q.replace("X-Amz-Expires=86400", "X-Amz-Expires=soon"),
            "AuthorizationQueryParametersError",
        ),
        (
            lambda q: q.replace("X-Amz-Expires=86400", "X-Amz-Expires=-1"),
            "AuthorizationQueryParametersError",
        ),
        (lambda q: q.replace("T000000Z", "T0000Z"), "AuthorizationQueryParametersError"),
        (lambda q: q.replace("us-east-1", "eu-west-1"), "AuthorizationQueryParametersError"),
        (lambda q: q.replace("AKIAIOSFODNN7EXAMPLE", "AKIANOBODY"), "InvalidAccessKeyId"),
        (lambda q: q.replace("aeeed9bb", "aeeed9bc"), "SignatureDoesNotMatch"),
        (lambda q: q + "&extra=1", "SignatureDoesNotMatch"),
    ],
)
def test_tampered_doc_presigned_url_is_refused(edit, code: str) -> None:
    assert auth_error(_doc_presigned(edit(DOC_PRESIGNED))).code == code


def test_presigned_request_with_unsigned_amz_header_is_refused() -> None:
    err = auth_error(_doc_presigned(extra=[("x-amz-acl", "public-read")]))
    assert err.code == "AccessDenied"
    assert err.fields["HeadersNotSigned"] == "x-amz-acl"


def test_doc_example_chunked_upload_seed_signature_starts_the_chain() -> None:
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    request = make_request(
        "PUT",
        "/examplebucket/chunkObject.txt",
        headers=[
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 {SCOPE},SignedHeaders=content-encoding;content-length;host;"
                "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                f"x-amz-storage-class,Signature={seed}",
            ),
        ],
        bucket="examplebucket",
    )
    result = authenticate(request, LOOKUP, region=REGION, now=DOC_NOW)
    payload = result.payload
    assert payload.kind is PayloadKind.STREAMING_SIGNED and payload.chunked
    assert payload.signing is not None
    assert payload.signing.seed_signature == seed
    assert payload.signing.scope == "20130524/us-east-1/s3/aws4_request"
    assert payload.signing.signing_key == signing_key(SECRET, "20130524", "us-east-1")


# ----------------------------------------------------------------- AWS SigV4 test suite

SUITE_KEY = signing_key(
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service"
)
SUITE_HEADERS = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]


def suite_signature(
    method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes = b""
) -> str:
    all_headers = [*headers, *SUITE_HEADERS]
    h = Headers([(k.lower().encode(), v.encode()) for k, v in all_headers])
    names = sorted({k.lower() for k, _ in all_headers})
    creq = canonical_request(
        method,
        canonical_uri(path),
        canonical_query(query),
        canonical_headers(h, names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    )
    sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", creq)
    return hmac_hex(SUITE_KEY, sts)


SUITE = [
    ("get-vanilla", "GET", "/", "", [], b"",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    ("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", [], b"",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ("get-vanilla-empty-query-key", "GET", "/", "Param1=value1", [], b"",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
    ("get-vanilla-query-unreserved", "GET", "/",
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], b"",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
    ("get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar", [], b"",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    ("get-utf8 (encoded)", "GET", "/%E1%88%B4", "", [], b"",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ("get-utf8 (sent raw)", "GET", "/\u1234", "", [], b"",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ("get-header-key-duplicate", "GET", "/", "",
     [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")], b"",
     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
    ("get-header-value-order", "GET", "/", "",
     [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"),
      ("My-Header1", "value2")], b"",
     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
    ("get-header-value-trim", "GET", "/", "",
     [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')], b"",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    ("post-vanilla", "POST", "/", "", [], b"",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ("post-vanilla-query", "POST", "/", "Param1=value1", [], b"",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    ("post-header-key-sort", "POST", "/", "", [("My-Header1", "value1")], b"",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
    ("post-header-value-case", "POST", "/", "", [("My-Header1", "VALUE1")], b"",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
    ("post-x-www-form-urlencoded", "POST", "/", "",
     [("Content-Type", "application/x-www-form-urlencoded")], b"Param1=value1",
     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ("post-x-www-form-urlencoded-parameters", "POST", "/", "",
     [("Content-Type", "application/x-www-form-urlencoded; charset=utf8")], b"Param1=value1",
     "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "body", "signature"),
    [case[1:] for case in SUITE],
    ids=[case[0] for case in SUITE],
)
def test_aws_sigv4_test_suite_vector(method, path, query, headers, body, signature) -> None:
    assert suite_signature(method, path, query, headers, body) == signature


# ----------------------------------------------------------------- canonical forms


def test_canonical_uri_keeps_escapes_and_does_not_normalise() -> None:
    assert canonical_uri("/b/a%20b/../c//d") == "/b/a%20b/../c//d"
    assert canonical_uri("/b/a%2fb") == "/b/a%2fb"  # as sent; S3 does not re-case
    assert canonical_uri("/b/$@:,;=!*'()") == "/b/%24%40%3A%2C%3B%3D%21%2A%27%28%29"
    assert canonical_uri("/b/100%") == "/b/100%25"
    assert canonical_uri("/b/é~") == "/b/%C3%A9~"
    assert canonical_uri("") == "/"


def test_canonical_query_re_encodes_and_sorts() -> None:
    assert canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert canonical_query("uploads") == "uploads="
    assert canonical_query("prefix=a%20b+c") == "prefix=a%20b%2Bc"
    assert canonical_query("prefix=a b") == "prefix=a%20b"
    assert canonical_query("k=%7e%2f") == "k=~%2F"
    assert canonical_query("X-Amz-Signature=abc&a=1", presigned=True) == "a=1"


def test_parse_amz_date_validates() -> None:
    assert parse_amz_date("20130524T000000Z") == DOC_NOW.timestamp()
    for bad in ("20130230T000000Z", "2013-05-24T00:00:00Z", "20130524T000000", "2013O524T000000Z"):
        assert parse_amz_date(bad) is None


# ----------------------------------------------------------------- botocore end to end


class _Sent(Exception):
    def __init__(self, request: AWSRequest) -> None:
        super().__init__("captured")
        self.request = request


def _capture_hook(request: AWSRequest, **_: Any) -> None:
    raise _Sent(request)


def boto_client(
    *,
    style: str = "path",
    endpoint: str = "http://s3.test:9000",
    secret: str = SECRET,
    access_key: str = AK,
    region: str = REGION,
) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": style},
            retries={"max_attempts": 0},
        ),
    )
    client.meta.events.register("before-send.s3", _capture_hook)
    return client


def sent(call: Any) -> AWSRequest:
    try:
        call()
    except _Sent as captured:
        return captured.request
    raise AssertionError("no request was sent")


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return body.read()


def to_s3request(
    aws: AWSRequest, *, virtual: bool = False, raw_path: str | None = None
) -> S3Request:
    url = urlsplit(aws.url)
    headers = [
        (name.lower(), value.decode("latin-1") if isinstance(value, bytes) else value)
        for name, value in aws.headers.items()
    ]
    if not any(name == "host" for name, _ in headers):
        headers.append(("host", url.netloc))
    path = url.path if raw_path is None else raw_path
    bucket = url.netloc.split(".")[0] if virtual else unquote(path.split("/")[1])
    return make_request(
        aws.method,
        path,
        url.query,
        headers,
        bucket=bucket,
        virtual=virtual,
        body=_body_bytes(aws.body),
    )


def request_time(request: S3Request) -> datetime:
    stamp = request.headers.get("x-amz-date") or request.query["X-Amz-Date"]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


TRICKY_KEYS = [
    "plain.txt",
    "a b",
    "a+b",
    "100%",
    "percent%20literal",
    "ü/ß/日本語",
    "tilde~dir/x",
    "double//slash",
    "../up",
    "a/./b/../c",
    "$dollar@at:colon,comma;semi=eq",
    "!bang*star'quote(paren)",
    "hash#question?",
    "emoji😀",
    "trailing/",
    " leading space",
]


@pytest.mark.parametrize("style", ["path", "virtual"])
@pytest.mark.parametrize("key", TRICKY_KEYS)
def test_botocore_put_object_with_tricky_key_is_accepted(key: str, style: str) -> None:
    client = boto_client(style=style)
    aws = sent(lambda: client.put_object(Bucket="bkt", Key=key, Body=b"data"))
    request = to_s3request(aws, virtual=style == "virtual")
    result = authenticate(request, LOOKUP, region=REGION, now=request_time(request))
    assert result.scheme == "sigv4-header"
    assert result.payload.kind is PayloadKind.SHA256


@pytest.mark.parametrize("key", TRICKY_KEYS)
def test_botocore_get_object_sent_with_unencoded_sub_delims_is_accepted(key: str) -> None:
    client = boto_client()
    aws = sent(lambda: client.get_object(Bucket="bkt", Key=key))
    # A client or proxy may leave sub-delimiters and UTF-8 unencoded; S3 still matches.
    raw = urlsplit(aws.url).path
    for escaped in ("%24", "%40", "%3A", "%2C", "%3B", "%3D", "%21", "%2A", "%27", "%28", "%29"):
        raw = raw.replace(escaped, unquote(escaped))
    raw = raw.replace("%C3%BC", "ü").replace("%F0%9F%98%80", "😀")
    request = to_s3request(aws, raw_path=raw)
    assert authenticate(request, LOOKUP, region=REGION, now=request_time(request)).credential


QUERY_CALLS = [
    lambda c: c.list_objects_v2(Bucket="bkt", Prefix="a b+c/ü", Delimiter="/", StartAfter="x=y&z"),
    lambda c: c.list_objects(Bucket="bkt", Prefix="~tilde*", Marker="m%25"),
    lambda c: c.get_object(
        Bucket="bkt",
        Key="k",
        VersionId="v+1/2=",
        ResponseContentDisposition='attachment; filename="a b.txt"',
        Range="bytes=0-9",
    ),
    lambda c: c.list_multipart_uploads(Bucket="bkt", Prefix="p q", KeyMarker="k&m"),
    lambda c: c.get_bucket_lifecycle_configuration(Bucket="bkt"),
    lambda c: c.create_multipart_upload(Bucket="bkt", Key="big file", Metadata={"a": "B c"}),
    lambda c: c.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "a"}, {"Key": "b c"}]}),
    lambda c: c.put_object_tagging(
        Bucket="bkt", Key="k", Tagging={"TagSet": [{"Key": "t", "Value": "v w"}]}
    ),
    lambda c: c.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "src", "Key": "a b+c"}),
]


@pytest.mark.parametrize("call", QUERY_CALLS)
@pytest.mark.parametrize("style", ["path", "virtual"])
def test_botocore_operations_with_query_parameters_are_accepted(call, style: str) -> None:
    client = boto_client(style=style)
    request = to_s3request(sent(lambda: call(client)), virtual=style == "virtual")
    assert authenticate(request, LOOKUP, region=REGION, now=request_time(request)).credential


def test_botocore_streaming_put_over_https_uses_unsigned_trailer() -> None:
    client = boto_client(endpoint="https://s3.test")
    request = to_s3request(sent(lambda: client.put_object(Bucket="bkt", Key="k", Body=b"x" * 100)))
    result = authenticate(request, LOOKUP, region=REGION, now=request_time(request))
    assert result.payload.kind is PayloadKind.STREAMING_UNSIGNED_TRAILER
    assert result.payload.chunked and result.payload.has_trailer


def _signed_put(**kwargs: Any) -> S3Request:
    client = boto_client(**kwargs)
    return to_s3request(sent(lambda: client.put_object(Bucket="bkt", Key="k", Body=b"data")))


def _replace_header(request: S3Request, name: str, value: str | None) -> S3Request:
    items = [(k, v) for k, v in request.headers.raw_items() if k != name]
    if value is not None:
        items.append((name, value))
    return make_request(
        request.method, request.raw_path, request.raw_query, items, bucket=request.bucket
    )


def test_changed_signed_header_is_signature_mismatch_with_aws_fields() -> None:
    request = _signed_put()
    now = request_time(request)
    tampered = _replace_header(request, "x-amz-sdk-checksum-algorithm", "SHA256")
    err = auth_error(tampered, now=now)
    assert err.code == "SignatureDoesNotMatch"
    assert err.status == 403
    assert list(err.fields) == [
        "AWSAccessKeyId",
        "StringToSign",
        "SignatureProvided",
        "StringToSignBytes",
        "CanonicalRequest",
        "CanonicalRequestBytes",
    ]
    assert err.fields["AWSAccessKeyId"] == AK
    assert err.fields["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert err.fields["StringToSignBytes"].startswith("41 57 53 34")
    assert "x-amz-sdk-checksum-algorithm:SHA256" in err.fields["CanonicalRequest"]


def test_changed_path_or_query_is_signature_mismatch() -> None:
    request = _signed_put()
    now = request_time(request)
    items = request.headers.raw_items()
    other_path = make_request("PUT", "/bkt/other", "", items, bucket="bkt")
    other_query = make_request("PUT", "/bkt/k", "acl", items, bucket="bkt")
    assert auth_error(other_path, now=now).code == "SignatureDoesNotMatch"
    assert auth_error(other_query, now=now).code == "SignatureDoesNotMatch"


def test_wrong_secret_is_signature_mismatch() -> None:
    request = _signed_put(secret="not-the-secret")
    assert auth_error(request, now=request_time(request)).code == "SignatureDoesNotMatch"


def test_unknown_access_key_is_invalid_access_key_id() -> None:
    request = _signed_put(access_key="AKIAUNKNOWN")
    err = auth_error(request, now=request_time(request))
    assert (err.code, err.status) == ("InvalidAccessKeyId", 403)
    assert err.fields == {"AWSAccessKeyId": "AKIAUNKNOWN"}


@pytest.mark.parametrize("minutes", [16, -16])
def test_clock_skew_beyond_15_minutes_is_refused(minutes: int) -> None:
    request = _signed_put()
    when = request_time(request)
    authenticate(request, LOOKUP, region=REGION, now=when + timedelta(minutes=minutes * 14 / 16))
    err = auth_error(request, now=when + timedelta(minutes=minutes))
    assert err.code == "RequestTimeTooSkewed"
    assert err.fields["RequestTime"] == request.headers["x-amz-date"]
    assert err.fields["MaxAllowedSkewMilliseconds"] == "900000"
    assert err.fields["ServerTime"].endswith("Z")


def test_wrong_region_is_authorization_header_malformed() -> None:
    request = _signed_put(region="eu-west-1")
    err = auth_error(request, now=request_time(request))
    assert err.code == "AuthorizationHeaderMalformed"
    assert err.message == (
        "The authorization header is malformed; the region 'eu-west-1' is wrong; "
        "expecting 'us-east-1'"
    )
    assert err.fields["Region"] == "us-east-1"


def test_missing_content_sha256_is_invalid_request() -> None:
    request = _signed_put()
    err = auth_error(
        _replace_header(request, "x-amz-content-sha256", None), now=request_time(request)
    )
    assert err.code == "InvalidRequest"
    assert err.message == "Missing required header for this request: x-amz-content-sha256"


def test_bad_content_sha256_is_invalid_argument() -> None:
    request = _signed_put()
    err = auth_error(
        _replace_header(request, "x-amz-content-sha256", "abc"), now=request_time(request)
    )
    assert err.code == "InvalidArgument"
    assert err.message.startswith("x-amz-content-sha256 must be UNSIGNED-PAYLOAD,")
    assert err.fields["ArgumentName"] == "x-amz-content-sha256"


def test_missing_date_is_access_denied() -> None:
    request = _signed_put()
    err = auth_error(_replace_header(request, "x-amz-date", None), now=request_time(request))
    assert (err.code, err.message) == (
        "AccessDenied",
        "AWS authentication requires a valid Date or x-amz-date header",
    )


def test_unsigned_amz_header_is_refused() -> None:
    request = _signed_put()
    err = auth_error(_replace_header(request, "x-amz-meta-extra", "1"), now=request_time(request))
    assert err.code == "AccessDenied"
    assert err.fields["HeadersNotSigned"] == "x-amz-meta-extra"


def test_body_that_does_not_match_the_signed_hash_is_refused() -> None:
    request = _signed_put()
    result = authenticate(request, LOOKUP, region=REGION, now=request_time(request))
    forged = make_request(
        "PUT", request.raw_path, "", request.headers.raw_items(), bucket="bkt", body=b"DATA"
    )

    async def consume() -> None:
        async for _ in open_body(forged, result):
            pass

    with pytest.raises(S3Error) as info:
        asyncio.run(consume())
    assert info.value.code == "XAmzContentSHA256Mismatch"
    assert info.value.fields["ClientComputedContentSHA256"] == hashlib.sha256(b"data").hexdigest()


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (
            f"AWS4-HMAC-SHA256 Credential={AK}/20130524/us-east-1/s3/aws4_request, Signature=abc",
            "the authorization header requires three components",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1, SignedHeaders=host, Signature=a",
            "the Credential is mal-formed",
        ),
        (
            f"AWS4-HMAC-SHA256 Credential={AK}/20130524/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host, Signature=a",
            'incorrect service "ec2"',
        ),
        (
            f"AWS4-HMAC-SHA256 Credential={AK}/20130525/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=a",
            'Invalid credential date "20130525"',
        ),
        ("AWS4-HMAC-SHA256 garbage", 'the authorization component "garbage" is malformed'),
    ],
)
def test_malformed_authorization_header(authorization: str, message: str) -> None:
    request = make_request(
        "GET",
        "/bkt/k",
        headers=[
            ("Host", "s3.test"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-content-sha256", EMPTY),
            ("Authorization", authorization),
        ],
    )
    err = auth_error(request)
    assert err.code == "AuthorizationHeaderMalformed"
    assert message in err.message


def test_header_and_query_auth_together_are_refused() -> None:
    request = _doc_presigned(extra=[("Authorization", "AWS AK:sig")])
    err = auth_error(request)
    assert err.code == "InvalidArgument"
    assert err.message.startswith("Only one auth mechanism allowed")


def test_unknown_authorization_type_is_refused() -> None:
    err = auth_error(make_request("GET", "/", headers=[("Authorization", "Bearer abc")]))
    assert (err.code, err.message) == ("InvalidArgument", "Unsupported Authorization Type")


def test_anonymous_request_has_no_credential() -> None:
    result = authenticate(make_request("GET", "/bkt/k"), LOOKUP, region=REGION)
    assert result.credential is None and result.scheme == "anonymous"
    assert result.payload.kind is PayloadKind.UNSIGNED


# ----------------------------------------------------------------- botocore presigned URLs


def presigned_request(url: str, method: str = "GET", headers=()) -> S3Request:
    parts = urlsplit(url)
    return make_request(method, parts.path, parts.query, [("Host", parts.netloc), *headers])


@pytest.mark.parametrize("key", ["a b", "ü+~/x", "x//../y"])
def test_botocore_presigned_get_and_put_are_accepted(key: str) -> None:
    client = boto_client()
    url = client.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": key})
    result = authenticate(presigned_request(url), LOOKUP, region=REGION)
    assert result.scheme == "sigv4-query" and result.credential is not None
    put = client.generate_presigned_url(
        "put_object", Params={"Bucket": "bkt", "Key": key, "ContentType": "text/plain"}
    )
    request = presigned_request(put, "PUT", [("Content-Type", "text/plain")])
    assert authenticate(request, LOOKUP, region=REGION).payload.kind is PayloadKind.UNSIGNED


def test_botocore_presigned_url_expires() -> None:
    client = boto_client()
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "bkt", "Key": "k"}, ExpiresIn=60
    )
    request = presigned_request(url)
    err = auth_error(request, now=request_time(request) + timedelta(seconds=61))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert err.fields["X-Amz-Expires"] == "60"


def test_botocore_presigned_url_with_changed_parameter_is_refused() -> None:
    client = boto_client()
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "bkt", "Key": "k", "VersionId": "v1"}
    )
    parts = urlsplit(url)
    params = [(k, "v2" if k == "versionId" else v) for k, v in parse_qsl(parts.query)]
    request = presigned_request(parts._replace(query=urlencode(params)).geturl())
    assert auth_error(request, now=request_time(request)).code == "SignatureDoesNotMatch"
