"""AWS Signature Version 4 as S3 speaks it: the Authorization header and presigned URLs.

S3 differs from generic SigV4 in ways that decide whether real clients are accepted: the
canonical URI is the path exactly as sent (never normalised, never encoded twice), the payload
hash line is whatever ``x-amz-content-sha256`` says, and the body may be signed chunk by chunk
(``chunked.py`` checks those). The signing key is derived once per (secret, day, region,
service) and cached, since every request needs it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from hydria.api.auth.clock import (
    MAX_SKEW_SECONDS,
    amz_basic,
    check_skew,
    iso8601,
    missing_date,
    parse_amz_date,
    parse_http_date,
)
from hydria.api.auth.keys import KeyLookup, lookup_key
from hydria.api.auth.payload import PayloadMode, StreamSigning, parse_content_sha256
from hydria.api.request import Headers, S3Request
from hydria.errors import S3Error
from hydria.model.principals import Credential

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
TERMINATOR = "aws4_request"
MAX_PRESIGN_EXPIRES = 604800
"""A presigned URL may live at most a week."""

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_PATH_SAFE = _UNRESERVED | {"/"}
_PATH_SAFE_OR_PCT = _PATH_SAFE | {"%"}
_HEX = frozenset("0123456789abcdefABCDEF")


# --------------------------------------------------------------------------- canonical forms


def canonical_uri(raw_path: str) -> str:
    """The canonical URI S3 signs: the path as sent, with escapes kept and bare characters
    encoded the way an AWS client would have, so both spellings of one key verify.

    S3 neither normalises (``//``, ``..``) nor double-encodes. Paths are expected as text
    decoded from the wire as UTF-8 (surrogateescape for stray bytes).
    """
    if not raw_path:
        return "/"
    if _PATH_SAFE.issuperset(raw_path):
        return raw_path
    if _PATH_SAFE_OR_PCT.issuperset(raw_path):
        parts = raw_path.split("%")
        if all(len(p) >= 2 and p[0] in _HEX and p[1] in _HEX for p in parts[1:]):
            return raw_path
    return _encode_path(raw_path)


def _encode_path(raw_path: str) -> str:
    """Slow path of canonical_uri: keep valid %XX escapes, encode everything else unsafe."""
    out: list[str] = []
    i = 0
    n = len(raw_path)
    while True:
        j = raw_path.find("%", i)
        if j < 0:
            out.append(_quote_path(raw_path[i:]))
            return "".join(out)
        if j + 2 < n and raw_path[j + 1] in _HEX and raw_path[j + 2] in _HEX:
            out.append(_quote_path(raw_path[i:j]))
            out.append(raw_path[j : j + 3])
            i = j + 3
        else:
            out.append(_quote_path(raw_path[i : j + 1]))
            i = j + 1


def _quote_path(text: str) -> str:
    return quote(text, safe="/~", encoding="utf-8", errors="surrogateescape")


def uri_encode(text: str) -> str:
    """AWS URI-encoding of a query name or value that arrived decoded (unreserved kept)."""
    if _UNRESERVED.issuperset(text):
        return text
    return quote(text, safe="-_.~", encoding="utf-8", errors="surrogateescape")


def _requote(raw: str) -> str:
    """Decode a query component as sent, then encode it the AWS way."""
    if _UNRESERVED.issuperset(raw):
        return raw
    return quote(unquote_to_bytes(raw), safe="-_.~")


def canonical_query(raw_query: str, *, presigned: bool = False, plus_is_space: bool = False) -> str:
    """The canonical query string: pairs re-encoded, sorted by name then value.

    ``presigned`` drops X-Amz-Signature; ``plus_is_space`` reads '+' as a space, a spelling
    some form-encoding clients use (tried only when the plain reading fails).
    """
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        if plus_is_space:
            part = part.replace("+", "%20")
        name, _, value = part.partition("=")
        name = _requote(name)
        if presigned and name == "X-Amz-Signature":
            continue
        pairs.append((name, _requote(value)))
    pairs.sort()
    return "&".join([f"{name}={value}" for name, value in pairs])


def _trimmed(value: str) -> str:
    if "  " in value or "\t" in value or value != value.strip():
        return " ".join(value.split())
    return value


def canonical_headers(headers: Headers, names: list[str]) -> str:
    """``name:value\\n`` for each signed header in the client's order; repeats joined by ','."""
    wanted = set(names)
    found: dict[str, list[str]] = {}
    for name, value in headers.raw_items():
        if name in wanted:
            found.setdefault(name, []).append(_trimmed(value))
    return "".join([f"{name}:{','.join(found.get(name, ()))}\n" for name in names])


def unsigned_amz_headers(
    headers: Headers, signed: set[str], exempt: frozenset[str] = frozenset()
) -> list[str]:
    """x-amz-* headers present but not signed: S3 refuses those, as they change semantics."""
    missing: list[str] = []
    for name, _ in headers.items():
        if name.startswith("x-amz-") and name not in signed and name not in exempt:
            missing.append(name)
    if "host" not in signed:
        missing.insert(0, "host")
    return missing


# --------------------------------------------------------------------------- signing


@lru_cache(maxsize=4096)
def signing_key(secret: str, day: str, region: str, service: str = SERVICE) -> bytes:
    """The derived SigV4 key; cached because it only changes daily per credential."""
    key = hmac.digest(("AWS4" + secret).encode("utf-8"), day.encode("ascii"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, TERMINATOR.encode("ascii"), "sha256")


@lru_cache(maxsize=4096)
def _hmac_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """sha256 states primed with the HMAC inner and outer pads of ``key``."""
    block = (
        key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    )
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def hmac_hex(key: bytes, message: str) -> str:
    """Hex HMAC-SHA256 of a UTF-8 message.

    Copies pre-padded hash states instead of setting up an HMAC each time: it runs per request
    and per body chunk, and this halves its cost.
    """
    inner, outer = _hmac_pads(key)
    h = inner.copy()
    h.update(message.encode("utf-8"))
    o = outer.copy()
    o.update(h.digest())
    return o.hexdigest()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers_block: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    """The six SigV4 lines; ``headers_block`` already ends each header with a newline."""
    return f"{method}\n{uri}\n{query}\n{headers_block}\n{signed_headers}\n{payload_hash}"


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    """The request string to sign: algorithm, time, scope and the canonical request's hash."""
    digest = hashlib.sha256(creq.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signature_mismatch(access_key: str, sts: str, provided: str, creq: str) -> S3Error:
    """SignatureDoesNotMatch with the diagnostic fields AWS includes."""
    return S3Error(
        "SignatureDoesNotMatch",
        AWSAccessKeyId=access_key,
        StringToSign=sts,
        SignatureProvided=provided,
        StringToSignBytes=sts.encode("utf-8").hex(" "),
        CanonicalRequest=creq,
        CanonicalRequestBytes=creq.encode("utf-8").hex(" "),
    )


@dataclass(frozen=True, slots=True)
class _Scope:
    access_key: str
    day: str
    region: str
    scope: str


def _parse_credential(value: str, region: str, malformed: Callable[[str], S3Error]) -> _Scope:
    parts = value.rsplit("/", 4)
    if len(parts) != 5 or not all(parts):
        raise malformed(
            'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/'
            'aws4_request".'
        )
    access_key, day, cred_region, service, terminal = parts
    if len(day) != 8 or not day.isdigit():
        raise malformed(
            f'incorrect date format "{day}". This date in the credential must be in the '
            'format "yyyyMMdd".'
        )
    if cred_region != region:
        err = malformed(f"the region '{cred_region}' is wrong; expecting '{region}'")
        err.fields["Region"] = region
        raise err
    if service != SERVICE:
        raise malformed(f'incorrect service "{service}". This endpoint belongs to "{SERVICE}".')
    if terminal != TERMINATOR:
        raise malformed(f'incorrect terminal "{terminal}". This endpoint uses "{TERMINATOR}".')
    return _Scope(access_key, day, region, f"{day}/{region}/{SERVICE}/{TERMINATOR}")


def _header_malformed(detail: str) -> S3Error:
    return S3Error(
        "AuthorizationHeaderMalformed", f"The authorization header is malformed; {detail}"
    )


def _query_malformed(detail: str) -> S3Error:
    return S3Error(
        "AuthorizationQueryParametersError",
        f"Error parsing the X-Amz-Credential parameter; {detail}",
    )


def _not_signed(names: list[str]) -> S3Error:
    return S3Error(
        "AccessDenied",
        "There were headers present in the request which were not signed",
        HeadersNotSigned=", ".join(names),
    )


def _verify(
    request: S3Request,
    credential: Credential,
    scope: _Scope,
    *,
    amz_date: str,
    signed_headers: str,
    names: list[str],
    payload_hash: str,
    provided: str,
    presigned: bool,
) -> bytes:
    """Rebuild the canonical request, compare signatures; the signing key on success."""
    key = signing_key(credential.secret_key, scope.day, scope.region, SERVICE)
    uri = canonical_uri(request.raw_path)
    headers_block = canonical_headers(request.headers, names)
    query = canonical_query(request.raw_query, presigned=presigned)
    creq = canonical_request(
        request.method, uri, query, headers_block, signed_headers, payload_hash
    )
    sts = string_to_sign(amz_date, scope.scope, creq)
    if hmac.compare_digest(hmac_hex(key, sts), provided):
        return key
    if "+" in request.raw_query:
        alt_query = canonical_query(request.raw_query, presigned=presigned, plus_is_space=True)
        alt = canonical_request(
            request.method, uri, alt_query, headers_block, signed_headers, payload_hash
        )
        if hmac.compare_digest(hmac_hex(key, string_to_sign(amz_date, scope.scope, alt)), provided):
            return key
    raise signature_mismatch(scope.access_key, sts, provided, creq)


def _split_signed_headers(value: str) -> list[str]:
    return [name for name in value.split(";") if name]


# --------------------------------------------------------------------------- header auth


def parse_authorization(value: str) -> tuple[str, str, str]:
    """(Credential, SignedHeaders, Signature) from an ``AWS4-HMAC-SHA256 ...`` header."""
    fields: dict[str, str] = {}
    for component in value[len(ALGORITHM) :].split(","):
        component = component.strip()
        if not component:
            continue
        name, sep, val = component.partition("=")
        if not sep:
            raise _header_malformed(f'the authorization component "{component}" is malformed.')
        fields[name.strip()] = val.strip()
    credential = fields.get("Credential")
    signed = fields.get("SignedHeaders")
    signature = fields.get("Signature")
    if credential is None or signed is None or signature is None:
        raise _header_malformed(
            "the authorization header requires three components: Credential, SignedHeaders, "
            "and Signature."
        )
    return credential, signed, signature


def verify_header(
    request: S3Request, lookup: KeyLookup, *, region: str, now: float
) -> tuple[Credential, PayloadMode]:
    """Check an ``Authorization: AWS4-HMAC-SHA256`` request; the caller and its payload mode."""
    headers = request.headers
    cred_value, signed_headers, provided = parse_authorization(headers["authorization"])
    scope = _parse_credential(cred_value, region, _header_malformed)

    content_sha256 = headers.get("x-amz-content-sha256")
    if content_sha256 is None:
        raise S3Error(
            "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    payload = parse_content_sha256(content_sha256)

    raw_time = headers.get("x-amz-date")
    if raw_time is not None:
        request_epoch = parse_amz_date(raw_time)
        amz_date = raw_time
    else:
        raw_time = headers.get("date")
        request_epoch = parse_http_date(raw_time) if raw_time is not None else None
        amz_date = amz_basic(request_epoch) if request_epoch is not None else ""
    if raw_time is None or request_epoch is None:
        raise missing_date()
    if amz_date[:8] != scope.day:
        raise _header_malformed(
            f'Invalid credential date "{scope.day}". This date is not the same as '
            f'X-Amz-Date: "{amz_date[:8]}".'
        )

    credential = lookup_key(lookup, scope.access_key)
    check_skew(raw_time, request_epoch, now)

    names = _split_signed_headers(signed_headers)
    unsigned = unsigned_amz_headers(headers, set(names))
    if unsigned:
        raise _not_signed(unsigned)

    key = _verify(
        request,
        credential,
        scope,
        amz_date=amz_date,
        signed_headers=signed_headers,
        names=names,
        payload_hash=content_sha256,
        provided=provided,
        presigned=False,
    )
    return credential, _with_stream_signing(payload, key, amz_date, scope.scope, provided)


# --------------------------------------------------------------------------- presigned URLs

_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
_PRESIGN_EXEMPT = frozenset({"x-amz-content-sha256"})


def _query_error(message: str) -> S3Error:
    return S3Error("AuthorizationQueryParametersError", message)


def verify_query(
    request: S3Request, lookup: KeyLookup, *, region: str, now: float
) -> tuple[Credential, PayloadMode]:
    """Check a presigned (``X-Amz-Algorithm=AWS4-HMAC-SHA256``) request."""
    q = request.query
    if any(name not in q for name in _PRESIGN_PARAMS):
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters."
        )
    if q["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    scope = _parse_credential(q["X-Amz-Credential"], region, _query_malformed)

    amz_date = q["X-Amz-Date"]
    request_epoch = parse_amz_date(amz_date)
    if request_epoch is None:
        raise _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    raw_expires = q["X-Amz-Expires"]
    try:
        expires = int(raw_expires)
    except ValueError:
        raise _query_error("X-Amz-Expires should be a number") from None
    if expires < 0:
        raise _query_error("X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGN_EXPIRES:
        raise _query_error(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than 604800 seconds"
        )
    if amz_date[:8] != scope.day:
        raise _query_error(
            f'Invalid credential date "{scope.day}". This date is not the same as '
            f'X-Amz-Date: "{amz_date[:8]}".'
        )

    content_sha256 = q.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    payload = parse_content_sha256(content_sha256)

    credential = lookup_key(lookup, scope.access_key)
    if now < request_epoch - MAX_SKEW_SECONDS:
        raise S3Error(
            "AccessDenied",
            "Request is not yet valid",
            **{
                "X-Amz-Date": str(int(request_epoch * 1000)),
                "Expires": iso8601(request_epoch + expires),
                "ServerTime": iso8601(now),
            },
        )
    if now > request_epoch + expires:
        raise S3Error(
            "AccessDenied",
            "Request has expired",
            **{
                "X-Amz-Expires": raw_expires,
                "Expires": iso8601(request_epoch + expires),
                "ServerTime": iso8601(now),
            },
        )

    signed_headers = q["X-Amz-SignedHeaders"]
    names = _split_signed_headers(signed_headers)
    unsigned = unsigned_amz_headers(request.headers, set(names), _PRESIGN_EXEMPT)
    if unsigned:
        raise _not_signed(unsigned)

    provided = q["X-Amz-Signature"]
    key = _verify(
        request,
        credential,
        scope,
        amz_date=amz_date,
        signed_headers=signed_headers,
        names=names,
        payload_hash=content_sha256,
        provided=provided,
        presigned=True,
    )
    return credential, _with_stream_signing(payload, key, amz_date, scope.scope, provided)


def _with_stream_signing(
    payload: PayloadMode, key: bytes, amz_date: str, scope: str, seed: str
) -> PayloadMode:
    """Signed aws-chunked bodies chain their chunk signatures from the request's signature."""
    if not payload.signed_chunks:
        return payload
    return PayloadMode(payload.kind, signing=StreamSigning(key, amz_date, scope, seed))
