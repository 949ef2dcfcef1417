"""Who sent this request: picks the signature scheme and runs its verifier.

The pipeline calls ``authenticate`` once per request, before authorization. It answers the
caller's credential (None for anonymous requests), the scheme used, and the payload mode that
tells ``api.body`` how to decode and verify the body that follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hydria.api.auth import sigv2, sigv4
from hydria.api.auth.clock import now_epoch
from hydria.api.auth.keys import KeyLookup
from hydria.api.auth.payload import UNSIGNED_PAYLOAD, PayloadMode, parse_content_sha256
from hydria.api.request import S3Request
from hydria.errors import S3Error
from hydria.model.principals import Credential

__all__ = ["AuthResult", "KeyLookup", "authenticate"]

SCHEMES = ("sigv4-header", "sigv4-query", "sigv2-header", "sigv2-query", "anonymous")


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The outcome of authentication: who, how, and what the body must be checked against."""

    credential: Credential | None
    """None means anonymous: the request carried no authentication at all."""
    scheme: str
    """One of SCHEMES."""
    payload: PayloadMode

    @property
    def anonymous(self) -> bool:
        return self.credential is None


def _header_payload(request: S3Request) -> PayloadMode:
    value = request.headers.get("x-amz-content-sha256")
    return UNSIGNED_PAYLOAD if value is None else parse_content_sha256(value)


def authenticate(
    request: S3Request, lookup: KeyLookup, *, region: str, now: datetime | None = None
) -> AuthResult:
    """Verify the request's signature, if any; raise the S3Error AWS would give otherwise."""
    clock = now_epoch(now)
    authorization = request.headers.get("authorization")
    query = request.query
    v4_query = "X-Amz-Algorithm" in query or "X-Amz-Credential" in query
    v2_query = not v4_query and ("AWSAccessKeyId" in query or "Signature" in query)

    if authorization is not None:
        if v4_query or v2_query or "X-Amz-Signature" in query:
            raise S3Error(
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
                ArgumentName="Authorization",
                ArgumentValue=authorization,
            )
        if authorization.startswith(sigv4.ALGORITHM + " "):
            credential, payload = sigv4.verify_header(request, lookup, region=region, now=clock)
            return AuthResult(credential, "sigv4-header", payload)
        if authorization.startswith("AWS "):
            credential = sigv2.verify_header(request, lookup, now=clock)
            return AuthResult(credential, "sigv2-header", _header_payload(request))
        raise S3Error(
            "InvalidArgument",
            "Unsupported Authorization Type",
            ArgumentName="Authorization",
            ArgumentValue=authorization,
        )
    if v4_query or "X-Amz-Signature" in query:
        credential, payload = sigv4.verify_query(request, lookup, region=region, now=clock)
        return AuthResult(credential, "sigv4-query", payload)
    if v2_query:
        credential = sigv2.verify_query(request, lookup, now=clock)
        return AuthResult(credential, "sigv2-query", _header_payload(request))
    return AuthResult(None, "anonymous", _header_payload(request))
