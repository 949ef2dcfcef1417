"""AWS Signature Version 2 (HMAC-SHA1) for S3: ``Authorization: AWS`` and query-string URLs.

Older clients and appliances still sign this way. The string to sign names the resource
path-style (``/bucket/key`` even for virtual-host requests) with the S3 subresources found in
the query, values decoded, as botocore's ``HmacV1Auth`` and S3 build it. The payload is never
signed under SigV2; Content-MD5, when sent, is what protects the body.
"""

from __future__ import annotations

import base64
import hmac
from urllib.parse import unquote

from hydria.api.auth.clock import check_skew, iso8601, missing_date, parse_http_date
from hydria.api.auth.keys import KeyLookup, lookup_key
from hydria.api.request import S3Request
from hydria.errors import S3Error
from hydria.model.principals import Credential

SUBRESOURCES = frozenset(
    {
        "accelerate",
        "acl",
        "analytics",
        "cors",
        "defaultObjectAcl",
        "delete",
        "inventory",
        "lifecycle",
        "location",
        "logging",
        "metrics",
        "notification",
        "object-lock",
        "partNumber",
        "policy",
        "replication",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "select",
        "select-type",
        "storageClass",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    }
)
"""Query parameters that are part of the signed resource, as botocore signs them."""

EXTRA_SUBRESOURCES = SUBRESOURCES | {
    "attributes",
    "encryption",
    "intelligent-tiering",
    "legal-hold",
    "ownershipControls",
    "policyStatus",
    "publicAccessBlock",
    "retention",
}
"""Newer subresources some clients also sign; tried only when the botocore set fails."""


def resource_path(request: S3Request) -> str:
    """The raw path as sent, with the bucket prefixed for virtual-host requests."""
    path = request.raw_path or "/"
    if request.virtual_host and request.bucket:
        path = "/" + request.bucket + path
    return path


def canonical_resource(
    request: S3Request, subresources: frozenset[str] = SUBRESOURCES, *, path: str | None = None
) -> str:
    """``/bucket/key?sub=value&...``: the resource path and the signed subresources, sorted by
    name, values decoded."""
    if path is None:
        path = resource_path(request)
    if not request.raw_query:
        return path
    found: list[tuple[str, str | None]] = []
    for part in request.raw_query.split("&"):
        name, sep, value = part.partition("=")
        if name in subresources:
            found.append((name, unquote(value) if sep else None))
    if not found:
        return path
    found.sort(key=lambda item: item[0])
    return (
        path + "?" + "&".join(name if value is None else f"{name}={value}" for name, value in found)
    )


def _amz_headers(request: S3Request, *, from_query: bool) -> str:
    grouped: dict[str, list[str]] = {}
    for name, value in request.headers.raw_items():
        if name.startswith("x-amz-"):
            grouped.setdefault(name, []).append(value.strip())
    if from_query:
        for name, value in request.query.items():
            lname = name.lower()
            if lname.startswith("x-amz-") and lname not in grouped:
                grouped[lname] = [value.strip()]
    return "".join(f"{name}:{','.join(grouped[name])}\n" for name in sorted(grouped))


def string_to_sign(
    request: S3Request,
    date: str,
    *,
    subresources: frozenset[str] = SUBRESOURCES,
    from_query: bool = False,
    path: str | None = None,
) -> str:
    """VERB, Content-MD5, Content-Type, Date (or Expires), x-amz-* headers, resource."""
    headers = request.headers
    md5 = headers.get("content-md5")
    ctype = headers.get("content-type")
    if from_query:
        md5 = md5 if md5 is not None else request.query.get("content-md5")
        ctype = ctype if ctype is not None else request.query.get("content-type")
    return (
        f"{request.method}\n{(md5 or '').strip()}\n{(ctype or '').strip()}\n{date}\n"
        f"{_amz_headers(request, from_query=from_query)}"
        f"{canonical_resource(request, subresources, path=path)}"
    )


def sign(secret: str, sts: str) -> str:
    """Base64 HMAC-SHA1 of the string to sign."""
    digest = hmac.digest(secret.encode("utf-8"), sts.encode("utf-8"), "sha1")
    return base64.b64encode(digest).decode("ascii")


def _check(
    request: S3Request,
    credential: Credential,
    provided: str,
    dates: list[str],
    *,
    from_query: bool,
) -> None:
    """Accept the first candidate string to sign that matches; else SignatureDoesNotMatch."""
    first = ""
    paths = [resource_path(request)]
    if request.bucket and paths[0] == "/" + request.bucket:
        paths.append(paths[0] + "/")  # botocore signs "/bucket/" for bucket-level requests
    for subresources in (SUBRESOURCES, EXTRA_SUBRESOURCES):
        for path in paths:
            for date in dates:
                sts = string_to_sign(
                    request, date, subresources=subresources, from_query=from_query, path=path
                )
                if not first:
                    first = sts
                if hmac.compare_digest(sign(credential.secret_key, sts), provided):
                    return
    raise S3Error(
        "SignatureDoesNotMatch",
        AWSAccessKeyId=credential.access_key,
        StringToSign=first,
        SignatureProvided=provided,
        StringToSignBytes=first.encode("utf-8").hex(" "),
    )


def verify_header(request: S3Request, lookup: KeyLookup, *, now: float) -> Credential:
    """Check ``Authorization: AWS AKID:signature``; the caller's credential."""
    value = request.headers["authorization"]
    access_key, sep, provided = value[4:].strip().rpartition(":")
    if not sep or not access_key or not provided:
        raise S3Error(
            "InvalidArgument",
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            ArgumentName="Authorization",
            ArgumentValue=value,
        )
    headers = request.headers
    amz_date = headers.get("x-amz-date")
    http_date = headers.get("date")
    raw_time = amz_date if amz_date is not None else http_date
    request_epoch = parse_http_date(raw_time) if raw_time is not None else None
    if raw_time is None or request_epoch is None:
        raise missing_date()
    credential = lookup_key(lookup, access_key)
    check_skew(raw_time, request_epoch, now)
    # With x-amz-date present S3 signs an empty Date line; some clients still sign Date.
    dates = [""] if amz_date is not None else [(http_date or "").strip()]
    if amz_date is not None and http_date is not None:
        dates.append(http_date.strip())
    _check(request, credential, provided.strip(), dates, from_query=False)
    return credential


def verify_query(request: S3Request, lookup: KeyLookup, *, now: float) -> Credential:
    """Check a SigV2 query-string URL (``AWSAccessKeyId``, ``Signature``, ``Expires``)."""
    q = request.query
    access_key = q.get("AWSAccessKeyId")
    provided = q.get("Signature")
    raw_expires = q.get("Expires")
    if not access_key or not provided or raw_expires is None:
        raise S3Error(
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters",
        )
    try:
        expires = int(raw_expires)
    except ValueError:
        raise S3Error(
            "AccessDenied", f"Invalid date (should be seconds since epoch): {raw_expires}"
        ) from None
    credential = lookup_key(lookup, access_key)
    if now > expires:
        raise S3Error(
            "AccessDenied",
            "Request has expired",
            Expires=iso8601(expires),
            ServerTime=iso8601(now),
        )
    _check(request, credential, provided, [raw_expires], from_query=True)
    return credential
