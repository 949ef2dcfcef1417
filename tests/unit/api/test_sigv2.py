"""SigV2 verification: AWS's REST authentication examples and botocore's HmacV1 signers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config

from hydria.api.auth import PayloadKind, authenticate
from hydria.api.auth.sigv2 import canonical_resource, string_to_sign
from hydria.api.request import Headers, S3Request, parse_query
from hydria.errors import S3Error
from hydria.model.principals import Credential

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
LOOKUP = {AK: Credential(AK, SECRET)}.get
REGION = "us-east-1"


def make_request(
    method: str,
    path: str,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    *,
    bucket: str | None = None,
    virtual: bool = False,
) -> S3Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    raw = [(k.lower().encode("latin-1"), v.encode("utf-8")) for k, v in headers or []]
    return S3Request(
        method=method,
        raw_path=path,
        raw_query=query,
        query=parse_query(query),
        headers=Headers(raw),
        host="",
        bucket=bucket,
        key=None,
        receive=receive,
        virtual_host=virtual,
    )


def auth_error(request: S3Request, now: datetime | None = None) -> S3Error:
    with pytest.raises(S3Error) as info:
        authenticate(request, LOOKUP, region=REGION, now=now)
    return info.value


# ----------------------------------------------------------------- AWS REST authentication examples

JOHNSMITH = [("Host", "johnsmith.s3.amazonaws.com")]
DOC_EXAMPLES = [
    (
        "object GET",
        "GET", "/photos/puppy.jpg", "", "johnsmith",
        [*JOHNSMITH, ("Date", "Tue, 27 Mar 2007 19:36:42 +0000")],
        "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
        "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
    ),
    (
        "object PUT",
        "PUT", "/photos/puppy.jpg", "", "johnsmith",
        [("Content-Type", "image/jpeg"), ("Content-Length", "94328"), *JOHNSMITH,
         ("Date", "Tue, 27 Mar 2007 21:15:45 +0000")],
        "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
        "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
    ),
    (
        "list",
        "GET", "/", "prefix=photos&max-keys=50&marker=puppy", "johnsmith",
        [("User-Agent", "Mozilla/5.0"), *JOHNSMITH, ("Date", "Tue, 27 Mar 2007 19:42:41 +0000")],
        "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
        "htDYFYduRNen8P9ZfE/s9SuKy0U=",
    ),
    (
        "fetch ACL",
        "GET", "/", "acl", "johnsmith",
        [*JOHNSMITH, ("Date", "Tue, 27 Mar 2007 19:44:46 +0000")],
        "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
        "c2WLPFtWHVgbEmeEG93a4cG37dM=",
    ),
    (
        # The current guide's version (path style, awsexamplebucket1); its older johnsmith copy
        # folded x-amz-date into the Date line, which S3 does not do.
        "delete with x-amz-date",
        "DELETE", "/awsexamplebucket1/photos/puppy.jpg", "", "awsexamplebucket1",
        [("User-Agent", "dotnet"), ("Host", "s3.us-west-1.amazonaws.com"),
         ("Date", "Tue, 27 Mar 2007 21:20:27 +0000"),
         ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000")],
        "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n"
        "/awsexamplebucket1/photos/puppy.jpg",
        "Ri1hpB1zpS9pGqR7y8kuNFCl4sE=",
    ),
    (
        "upload with amz headers to a CNAME bucket",
        "PUT", "/db-backup.dat.gz", "", "static.johnsmith.net",
        [("User-Agent", "curl/7.15.5"), ("Host", "static.johnsmith.net:8080"),
         ("Date", "Tue, 27 Mar 2007 21:06:08 +0000"), ("x-amz-acl", "public-read"),
         ("content-type", "application/x-download"), ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
         ("X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"),
         ("X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"),
         ("X-Amz-Meta-FileChecksum", "0x02661779"), ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
         ("Content-Disposition", "attachment; filename=database.dat"),
         ("Content-Encoding", "gzip"), ("Content-Length", "5913339")],
        "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n"
        "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
        "x-amz-meta-filechecksum:0x02661779\n"
        "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
        "/static.johnsmith.net/db-backup.dat.gz",
        "ilyl83RwaSoYIEdixDQcA4OnAnc=",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "query", "bucket", "headers", "expected", "signature"),
    [case[1:] for case in DOC_EXAMPLES],
    ids=[case[0] for case in DOC_EXAMPLES],
)
def test_doc_example_is_accepted(method, path, query, bucket, headers, expected, signature) -> None:
    headers = [*headers, ("Authorization", f"AWS {AK}:{signature}")]
    virtual = not path.startswith("/" + bucket + "/")
    request = make_request(method, path, query, headers, bucket=bucket, virtual=virtual)
    date = "" if request.headers.get("x-amz-date") else request.headers["date"]
    assert string_to_sign(request, date) == expected
    now = parsedate_to_datetime(request.headers.get("x-amz-date") or request.headers["date"])
    result = authenticate(request, LOOKUP, region=REGION, now=now)
    assert result.scheme == "sigv2-header" and result.credential is not None


def test_canonical_resource_sorts_subresources_and_decodes_values() -> None:
    request = make_request(
        "GET",
        "/bkt/a%20b",
        "versionId=v%2B1&response-content-type=text%2Fplain&prefix=x&uploads",
        bucket="bkt",
    )
    assert canonical_resource(request) == (
        "/bkt/a%20b?response-content-type=text/plain&uploads&versionId=v+1"
    )


def test_virtual_host_resource_is_prefixed_with_the_bucket() -> None:
    assert canonical_resource(make_request("GET", "/", bucket="b", virtual=True)) == "/b/"
    assert canonical_resource(make_request("GET", "/k", bucket="b", virtual=True)) == "/b/k"


# ----------------------------------------------------------------- botocore HmacV1Auth


class _Sent(Exception):
    def __init__(self, request: AWSRequest) -> None:
        super().__init__("captured")
        self.request = request


def _capture(request: AWSRequest, **_: Any) -> None:
    raise _Sent(request)


def v2_client(*, style: str = "path", secret: str = SECRET, access_key: str = AK) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url="http://s3.test:9000",
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3", s3={"addressing_style": style}, retries={"max_attempts": 0}
        ),
    )
    client.meta.events.register("before-send.s3", _capture)
    return client


def sent(call: Any) -> AWSRequest:
    try:
        call()
    except _Sent as captured:
        return captured.request
    raise AssertionError("no request was sent")


def to_s3request(aws: AWSRequest, *, virtual: bool = False) -> S3Request:
    url = urlsplit(aws.url)
    headers = [
        (name, value.decode("latin-1") if isinstance(value, bytes) else value)
        for name, value in aws.headers.items()
    ]
    headers.append(("Host", url.netloc))
    bucket = url.netloc.split(".")[0] if virtual else unquote(url.path.split("/")[1])
    return make_request(aws.method, url.path, url.query, headers, bucket=bucket, virtual=virtual)


def sent_at(request: S3Request) -> datetime:
    return parsedate_to_datetime(request.headers["date"])


V2_CALLS = [
    lambda c: c.get_object(
        Bucket="bkt", Key="a b+c/ü", VersionId="v+1/=", ResponseContentType="text/plain"
    ),
    lambda c: c.put_object(
        Bucket="bkt", Key="k", Body=b"x", ContentType="text/plain", Metadata={"m": "v  w"}
    ),
    lambda c: c.list_objects(Bucket="bkt", Prefix="p q", Delimiter="/"),
    lambda c: c.create_multipart_upload(Bucket="bkt", Key="big"),
    lambda c: c.upload_part(Bucket="bkt", Key="big", UploadId="u/+=", PartNumber=3, Body=b"p"),
    lambda c: c.get_bucket_acl(Bucket="bkt"),
    lambda c: c.put_object_tagging(
        Bucket="bkt", Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
    ),
    lambda c: c.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "a"}]}),
    lambda c: c.list_buckets(),
]


@pytest.mark.parametrize("call", V2_CALLS)
@pytest.mark.parametrize("style", ["path", "virtual"])
def test_botocore_hmacv1_requests_are_accepted(call, style: str) -> None:
    aws = sent(lambda: call(v2_client(style=style)))
    virtual = style == "virtual" and urlsplit(aws.url).netloc.startswith("bkt.")
    request = to_s3request(aws, virtual=virtual)
    result = authenticate(request, LOOKUP, region=REGION, now=sent_at(request))
    assert result.scheme == "sigv2-header"
    assert result.credential is not None and result.credential.access_key == AK
    assert result.payload.kind is PayloadKind.UNSIGNED


def _v2_get() -> S3Request:
    return to_s3request(sent(lambda: v2_client().get_object(Bucket="bkt", Key="k")))


def test_tampered_hmacv1_request_is_signature_mismatch_with_fields() -> None:
    request = _v2_get()
    tampered = make_request("GET", "/bkt/other", "", request.headers.raw_items(), bucket="bkt")
    with pytest.raises(S3Error) as info:
        authenticate(tampered, LOOKUP, region=REGION, now=sent_at(request))
    err = info.value
    assert err.code == "SignatureDoesNotMatch"
    assert list(err.fields) == [
        "AWSAccessKeyId",
        "StringToSign",
        "SignatureProvided",
        "StringToSignBytes",
    ]
    assert err.fields["StringToSign"].endswith("\n/bkt/other")


def test_hmacv1_with_wrong_secret_or_unknown_key_is_refused() -> None:
    wrong = to_s3request(sent(lambda: v2_client(secret="nope").get_object(Bucket="b", Key="k")))
    assert auth_error(wrong, sent_at(wrong)).code == "SignatureDoesNotMatch"
    unknown = to_s3request(
        sent(lambda: v2_client(access_key="AKX").get_object(Bucket="b", Key="k"))
    )
    assert auth_error(unknown, sent_at(unknown)).code == "InvalidAccessKeyId"


def test_hmacv1_clock_skew_is_refused() -> None:
    request = _v2_get()
    err = auth_error(request, sent_at(request) + timedelta(minutes=16))
    assert err.code == "RequestTimeTooSkewed"
    assert err.fields["RequestTime"] == request.headers["date"]


def test_hmacv1_without_date_is_access_denied() -> None:
    request = _v2_get()
    items = [(k, v) for k, v in request.headers.raw_items() if k != "date"]
    err = auth_error(make_request("GET", "/bkt/k", "", items, bucket="bkt"))
    assert err.code == "AccessDenied"


def test_malformed_hmacv1_header_is_invalid_argument() -> None:
    request = make_request(
        "GET",
        "/",
        "",
        [("Authorization", "AWS nocolon"), ("Date", "Tue, 27 Mar 2007 19:36:42 +0000")],
    )
    assert auth_error(request).code == "InvalidArgument"


# ----------------------------------------------------------------- botocore HmacV1QueryAuth


def presigned(url: str, method: str = "GET", headers=()) -> S3Request:
    parts = urlsplit(url)
    bucket = unquote(parts.path.split("/")[1])
    return make_request(
        method, parts.path, parts.query, [("Host", parts.netloc), *headers], bucket=bucket
    )


@pytest.mark.parametrize("key", ["k", "a b+c", "ü/~x"])
def test_botocore_v2_presigned_get_is_accepted(key: str) -> None:
    url = v2_client().generate_presigned_url(
        "get_object", Params={"Bucket": "bkt", "Key": key, "ResponseContentType": "a/b"}
    )
    result = authenticate(presigned(url), LOOKUP, region=REGION)
    assert result.scheme == "sigv2-query" and result.credential is not None


def test_botocore_v2_presigned_put_with_content_type_is_accepted() -> None:
    url = v2_client().generate_presigned_url(
        "put_object", Params={"Bucket": "bkt", "Key": "k", "ContentType": "text/plain"}
    )
    request = presigned(url, "PUT", [("Content-Type", "text/plain")])
    assert authenticate(request, LOOKUP, region=REGION).scheme == "sigv2-query"


def test_botocore_v2_presigned_url_expires() -> None:
    url = v2_client().generate_presigned_url(
        "get_object", Params={"Bucket": "bkt", "Key": "k"}, ExpiresIn=60
    )
    err = auth_error(presigned(url), datetime.now(UTC) + timedelta(seconds=120))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert set(err.fields) == {"Expires", "ServerTime"}


def test_botocore_v2_presigned_url_for_another_key_is_refused() -> None:
    url = v2_client().generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"})
    assert auth_error(presigned(url.replace("/bkt/k?", "/bkt/j?"))).code == "SignatureDoesNotMatch"


def test_v2_query_missing_parameters_is_access_denied() -> None:
    err = auth_error(make_request("GET", "/bkt/k", "AWSAccessKeyId=" + AK, bucket="bkt"))
    assert err.code == "AccessDenied"
