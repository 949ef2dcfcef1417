"""The request body stream: lengths, digests, checksums, trailers, and when errors surface."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

import pytest

from hydria.api.auth import PayloadKind, PayloadMode
from hydria.api.body import RequestBody
from hydria.api.request import Headers, S3Request, parse_query
from hydria.errors import S3Error
from hydria.util.checksums import checksum_b64

DATA = b"hello world"
UNSIGNED = PayloadMode(PayloadKind.UNSIGNED)
UNSIGNED_TRAILER = PayloadMode(PayloadKind.STREAMING_UNSIGNED_TRAILER)


def messages(*pieces: bytes, disconnect: bool = False) -> list[dict[str, Any]]:
    out = [
        {"type": "http.request", "body": p, "more_body": disconnect or i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]
    if disconnect:
        out.append({"type": "http.disconnect"})
    return out


def make_request(
    headers: list[tuple[str, str]], queue: list[dict[str, Any]], method: str = "PUT"
) -> S3Request:
    pending = list(queue)
    calls: list[int] = []

    async def receive() -> dict[str, Any]:
        calls.append(1)
        if not pending:
            raise AssertionError("read past the end of the body")
        return pending.pop(0)

    request = S3Request(
        method=method,
        raw_path="/bkt/k",
        raw_query="",
        query=parse_query(""),
        headers=Headers([(k.encode(), v.encode()) for k, v in headers]),
        host="s3.test",
        bucket="bkt",
        key="k",
        receive=receive,
    )
    request.extras["receive_calls"] = calls
    return request


def plain(
    data: bytes = DATA,
    extra: list[tuple[str, str]] | None = None,
    pieces: list[bytes] | None = None,
    payload: PayloadMode = UNSIGNED,
    **kw: Any,
) -> RequestBody:
    headers = [("content-length", str(len(data))), *(extra or [])]
    request = make_request(headers, messages(*(pieces if pieces is not None else [data])))
    return RequestBody(request, payload, **kw)


async def _collect(body: RequestBody) -> bytes:
    out = bytearray()
    async for piece in body:
        out += piece
    return bytes(out)


def collect(body: RequestBody) -> bytes:
    return asyncio.run(_collect(body))


def failure(body: RequestBody) -> S3Error:
    with pytest.raises(S3Error) as info:
        collect(body)
    return info.value


# ----------------------------------------------------------------- plain bodies


def test_plain_body_is_delivered_with_md5_and_length() -> None:
    body = plain(pieces=[b"hel", b"lo ", b"world"])
    assert body.declared_length == 11
    assert collect(body) == DATA
    assert body.length == 11
    assert body.md5_digest == hashlib.md5(DATA).digest()
    assert body.checksums == {}


def test_md5_is_skipped_when_not_wanted() -> None:
    body = plain(compute_md5=False)
    collect(body)
    assert body.md5_digest is None


def test_empty_body_is_still_received_once_so_100_continue_is_answered() -> None:
    # The ASGI server sends "100 Continue" from receive(); a client that sent
    # "Expect: 100-continue" with Content-Length: 0 waits for it.
    request = make_request([("content-length", "0")], messages(b""))
    body = RequestBody(request, UNSIGNED)
    assert collect(body) == b""
    assert body.md5_digest == hashlib.md5(b"").digest()
    assert request.extras["receive_calls"] == [1]


def test_body_without_content_length_reads_to_the_last_message() -> None:
    request = make_request([("transfer-encoding", "chunked")], messages(b"ab", b"cd", b""))
    body = RequestBody(request, UNSIGNED)
    assert body.declared_length is None
    assert collect(body) == b"abcd"


def test_short_body_is_incomplete() -> None:
    assert failure(plain(pieces=[b"hello"])).code == "IncompleteBody"


def test_disconnect_mid_body_is_incomplete() -> None:
    request = make_request([("content-length", "11")], messages(b"hello", disconnect=True))
    assert failure(RequestBody(request, UNSIGNED)).code == "IncompleteBody"


def test_body_longer_than_content_length_is_refused() -> None:
    assert failure(plain(pieces=[b"hello world!!"])).code == "IncompleteBody"


def test_iterating_twice_is_a_programming_error() -> None:
    body = plain()
    collect(body)
    with pytest.raises(RuntimeError):
        collect(body)


# ----------------------------------------------------------------- x-amz-content-sha256


def test_matching_content_sha256_passes() -> None:
    payload = PayloadMode(PayloadKind.SHA256, sha256=hashlib.sha256(DATA).hexdigest())
    assert collect(plain(payload=payload)) == DATA


def test_content_sha256_mismatch_surfaces_before_the_stream_ends() -> None:
    payload = PayloadMode(PayloadKind.SHA256, sha256=hashlib.sha256(b"other").hexdigest())
    body = plain(pieces=[b"hello ", b"world"], payload=payload)
    seen: list[bytes] = []

    async def consume() -> None:
        async for piece in body:
            seen.append(piece)

    with pytest.raises(S3Error) as info:
        asyncio.run(consume())
    assert seen == [b"hello ", b"world"]  # all data delivered, then the error instead of the end
    err = info.value
    assert err.code == "XAmzContentSHA256Mismatch"
    assert err.fields == {
        "ClientComputedContentSHA256": hashlib.sha256(b"other").hexdigest(),
        "S3ComputedContentSHA256": hashlib.sha256(DATA).hexdigest(),
    }


# ----------------------------------------------------------------- Content-MD5


def _b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_matching_content_md5_passes() -> None:
    collect(plain(extra=[("content-md5", _b64md5(DATA))], compute_md5=False))


@pytest.mark.parametrize("value", ["not base64", "AAAA", base64.b64encode(b"x" * 17).decode()])
def test_invalid_content_md5_is_refused_up_front(value: str) -> None:
    with pytest.raises(S3Error) as info:
        plain(extra=[("content-md5", value)])
    assert info.value.code == "InvalidDigest"
    assert info.value.fields == {"Content-MD5": value}


def test_wrong_content_md5_is_bad_digest_with_aws_fields() -> None:
    wrong = hashlib.md5(b"other").digest()
    err = failure(plain(extra=[("content-md5", base64.b64encode(wrong).decode())]))
    assert err.code == "BadDigest"
    assert err.message == "The Content-MD5 you specified did not match what we received."
    assert err.fields == {"ExpectedDigest": wrong.hex(), "CalculatedDigest": _b64md5(DATA)}


# ----------------------------------------------------------------- x-amz-checksum-* headers


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_checksum_header_is_verified_and_reported(algorithm: str) -> None:
    value = checksum_b64(algorithm, DATA)
    body = plain(extra=[(f"x-amz-checksum-{algorithm.lower()}", value)])
    collect(body)
    assert body.checksums == {algorithm: value}


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC64NVME", "SHA256"])
def test_wrong_checksum_header_is_bad_digest(algorithm: str) -> None:
    value = checksum_b64(algorithm, b"other")
    err = failure(plain(extra=[(f"x-amz-checksum-{algorithm.lower()}", value)]))
    assert err.code == "BadDigest"
    assert err.message == f"The {algorithm} you specified did not match the calculated checksum."


def test_invalid_checksum_value_is_refused_up_front() -> None:
    with pytest.raises(S3Error) as info:
        plain(extra=[("x-amz-checksum-crc32", "AAAAAAAA")])
    assert info.value.code == "InvalidRequest"
    assert info.value.message == "Value for x-amz-checksum-crc32 header is invalid."


def test_two_checksum_headers_are_refused() -> None:
    with pytest.raises(S3Error) as info:
        plain(
            extra=[
                ("x-amz-checksum-crc32", checksum_b64("CRC32", DATA)),
                ("x-amz-checksum-sha1", checksum_b64("SHA1", DATA)),
            ]
        )
    assert info.value.message.startswith("Expecting a single x-amz-checksum- header.")


def test_sdk_algorithm_without_a_checksum_is_refused() -> None:
    with pytest.raises(S3Error) as info:
        plain(extra=[("x-amz-sdk-checksum-algorithm", "CRC32")])
    assert info.value.code == "InvalidRequest"
    assert info.value.message.startswith("x-amz-sdk-checksum-algorithm specified, but no")


def test_sdk_algorithm_naming_another_checksum_is_refused() -> None:
    with pytest.raises(S3Error) as info:
        plain(
            extra=[
                ("x-amz-sdk-checksum-algorithm", "SHA256"),
                ("x-amz-checksum-crc32", checksum_b64("CRC32", DATA)),
            ]
        )
    assert info.value.message == "Value for x-amz-sdk-checksum-algorithm header is invalid."


def test_extra_algorithms_are_computed_on_request() -> None:
    body = plain(checksum_algorithms=["crc64nvme", "SHA1"])
    collect(body)
    assert body.checksums == {
        "CRC64NVME": checksum_b64("CRC64NVME", DATA),
        "SHA1": checksum_b64("SHA1", DATA),
    }


# ----------------------------------------------------------------- aws-chunked with trailers


def chunked(
    wire: bytes, extra: list[tuple[str, str]], pieces: list[bytes] | None = None, **kw: Any
) -> RequestBody:
    headers = [
        ("content-encoding", "aws-chunked"),
        ("content-length", str(len(wire))),
        ("x-amz-decoded-content-length", "11"),
        *extra,
    ]
    request = make_request(headers, messages(*(pieces or [wire])))
    return RequestBody(request, UNSIGNED_TRAILER, **kw)


TRAILER_HEADERS = [
    ("x-amz-trailer", "x-amz-checksum-crc32"),
    ("x-amz-sdk-checksum-algorithm", "CRC32"),
]
BOTOCORE_WIRE = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"


def test_unsigned_trailer_checksum_is_verified() -> None:
    body = chunked(BOTOCORE_WIRE, TRAILER_HEADERS, [BOTOCORE_WIRE[:7], BOTOCORE_WIRE[7:]])
    assert body.declared_length == 11
    assert collect(body) == DATA
    assert body.checksums == {"CRC32": "DUoRhQ=="}
    assert body.trailers == {"x-amz-checksum-crc32": "DUoRhQ=="}
    assert body.md5_digest == hashlib.md5(DATA).digest()


def test_wrong_trailer_checksum_is_bad_digest() -> None:
    wire = BOTOCORE_WIRE.replace(b"DUoRhQ==", b"AAAAAA==")
    err = failure(chunked(wire, TRAILER_HEADERS))
    assert (err.code, err.message) == (
        "BadDigest",
        "The CRC32 you specified did not match the calculated checksum.",
    )


def test_invalid_trailer_checksum_value_is_invalid_request() -> None:
    wire = BOTOCORE_WIRE.replace(b"DUoRhQ==", b"!!!!")
    err = failure(chunked(wire, TRAILER_HEADERS))
    assert err.message == "Value for x-amz-checksum-crc32 trailing header is invalid."


def test_missing_declared_trailer_is_incomplete() -> None:
    wire = b"b\r\nhello world\r\n0\r\n\r\n"
    assert failure(chunked(wire, TRAILER_HEADERS)).code == "IncompleteBody"


def test_unsupported_trailer_name_is_refused_up_front() -> None:
    with pytest.raises(S3Error) as info:
        chunked(BOTOCORE_WIRE, [("x-amz-trailer", "x-amz-checksum-md5")])
    assert info.value.message == "The value specified in the x-amz-trailer header is not supported"


def test_chunked_body_needs_a_decoded_length() -> None:
    request = make_request([("content-encoding", "aws-chunked")], messages(BOTOCORE_WIRE))
    with pytest.raises(S3Error) as info:
        RequestBody(request, UNSIGNED_TRAILER)
    assert info.value.code == "MissingContentLength"


def test_decoded_length_that_disagrees_is_incomplete() -> None:
    headers = [("content-length", str(len(BOTOCORE_WIRE))), ("x-amz-decoded-content-length", "12")]
    request = make_request(headers, messages(BOTOCORE_WIRE))
    assert failure(RequestBody(request, UNSIGNED_TRAILER)).code == "IncompleteBody"


# ----------------------------------------------------------------- read_all


def test_read_all_returns_the_body() -> None:
    assert asyncio.run(plain().read_all(100)) == DATA


def test_read_all_refuses_a_declared_length_over_the_limit_without_reading() -> None:
    body = plain()
    with pytest.raises(S3Error) as info:
        asyncio.run(body.read_all(5))
    assert info.value.code == "MaxMessageLengthExceeded"


def test_read_all_refuses_an_undeclared_body_over_the_limit() -> None:
    request = make_request([("transfer-encoding", "chunked")], messages(b"abc", b"def", b""))
    with pytest.raises(S3Error) as info:
        asyncio.run(RequestBody(request, UNSIGNED).read_all(5))
    assert info.value.code == "MaxMessageLengthExceeded"
