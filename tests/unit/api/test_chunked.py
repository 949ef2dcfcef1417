"""aws-chunked decoding: AWS's published chunk and trailer signatures, framing errors, splits."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hydria.api.auth import AwsChunkedDecoder, PayloadKind, PayloadMode, StreamSigning, authenticate
from hydria.api.auth.payload import EMPTY_SHA256
from hydria.api.auth.sigv4 import signing_key
from hydria.api.body import open_body
from hydria.api.request import Headers, S3Request, parse_query
from hydria.errors import S3Error
from hydria.model.principals import Credential

AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
KEY = signing_key(SECRET, "20130524", "us-east-1")

# sigv4-streaming.html: 65 KiB of 'a' in a 64 KiB chunk and a 1 KiB chunk.
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DOC_BODY = (
    b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
    + b"a" * 65536
    + b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
    + b"a" * 1024
    + b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
    + b"\r\n"
)
SIGNED = PayloadMode(PayloadKind.STREAMING_SIGNED, signing=StreamSigning(KEY, DATE, SCOPE, SEED))

# sigv4-streaming-trailers.html: the same data with a signed CRC32C trailer.
TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
TRAILER_BODY = (
    b"10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"
    + b"a" * 65536
    + b"\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"
    + b"a" * 1024
    + b"\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
    + b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
    + b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n"
    + b"\r\n"
)
SIGNED_TRAILER = PayloadMode(
    PayloadKind.STREAMING_SIGNED_TRAILER, signing=StreamSigning(KEY, DATE, SCOPE, TRAILER_SEED)
)
UNSIGNED_TRAILER = PayloadMode(PayloadKind.STREAMING_UNSIGNED_TRAILER)


def decode(payload: PayloadMode, pieces: list[bytes], decoded_length: int | None = None):
    decoder = AwsChunkedDecoder(payload, decoded_length=decoded_length)
    out = bytearray()
    for piece in pieces:
        for part in decoder.feed(piece):
            out += part
    decoder.finish()
    return bytes(out), decoder


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    return [body[a:b] for a, b in zip(points, points[1:], strict=False)]


def error_of(payload: PayloadMode, body: bytes, decoded_length: int | None = None) -> S3Error:
    with pytest.raises(S3Error) as info:
        decode(payload, [body], decoded_length)
    return info.value


class Encoder:
    """An independent aws-chunked encoder (plain hmac) to build bodies the tests need."""

    def __init__(self, seed: str = SEED) -> None:
        self.previous = seed

    def _sign(self, sts: str) -> str:
        self.previous = hmac.new(KEY, sts.encode(), hashlib.sha256).hexdigest()
        return self.previous

    def chunk(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).hexdigest()
        sts = (
            f"AWS4-HMAC-SHA256-PAYLOAD\n{DATE}\n{SCOPE}\n{self.previous}\n{EMPTY_SHA256}\n{digest}"
        )
        return b"%x;chunk-signature=%s\r\n%s\r\n" % (len(data), self._sign(sts).encode(), data)

    def final(self) -> bytes:
        return self.chunk(b"")[:-2]

    def trailer(self, lines: list[tuple[str, str]]) -> bytes:
        canonical = "".join(f"{k}:{v}\n" for k, v in lines).encode()
        digest = hashlib.sha256(canonical).hexdigest()
        sts = f"AWS4-HMAC-SHA256-TRAILER\n{DATE}\n{SCOPE}\n{self.previous}\n{digest}"
        signature = self._sign(sts)
        wire = (
            "".join(f"{k}:{v}\r\n" for k, v in lines) + f"x-amz-trailer-signature:{signature}\r\n"
        )
        return wire.encode() + b"\r\n"


# ----------------------------------------------------------------- AWS examples


def test_doc_signed_chunks_decode_and_verify() -> None:
    data, decoder = decode(SIGNED, [DOC_BODY], decoded_length=66560)
    assert data == b"a" * 66560
    assert decoder.done and decoder.decoded == 66560 and decoder.trailers == {}


def test_doc_signed_trailer_decodes_and_verifies() -> None:
    data, decoder = decode(SIGNED_TRAILER, [TRAILER_BODY], decoded_length=66560)
    assert data == b"a" * 66560
    assert decoder.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(TRAILER_BODY)), max_size=25))
def test_any_split_of_the_signed_trailer_body_decodes_the_same(cuts: list[int]) -> None:
    data, decoder = decode(SIGNED_TRAILER, split(TRAILER_BODY, cuts), decoded_length=66560)
    assert data == b"a" * 66560
    assert decoder.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(DOC_BODY)), max_size=40))
def test_any_split_of_the_signed_body_decodes_the_same(cuts: list[int]) -> None:
    data, _ = decode(SIGNED, split(DOC_BODY, cuts), decoded_length=66560)
    assert data == b"a" * 66560


def test_byte_by_byte_feeding_works() -> None:
    body = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
    data, decoder = decode(UNSIGNED_TRAILER, [body[i : i + 1] for i in range(len(body))], 11)
    assert data == b"hello world"
    assert decoder.trailers == {"x-amz-checksum-crc32": "DUoRhQ=="}


def test_piece_inside_one_chunk_is_returned_without_copying() -> None:
    decoder = AwsChunkedDecoder(UNSIGNED_TRAILER)
    decoder.feed(b"100000\r\n")
    block = b"z" * 65536
    assert decoder.feed(block)[0] is block


# ----------------------------------------------------------------- signature failures


def test_altered_chunk_data_fails_its_signature() -> None:
    body = DOC_BODY.replace(b"a" * 10, b"b" + b"a" * 9, 1)
    assert error_of(SIGNED, body).code == "SignatureDoesNotMatch"


def test_altered_chunk_signature_fails() -> None:
    body = DOC_BODY.replace(b"chunk-signature=0055", b"chunk-signature=0056")
    err = error_of(SIGNED, body)
    assert err.code == "SignatureDoesNotMatch"
    assert err.fields["StringToSign"].startswith("AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n")


def test_dropped_chunk_breaks_the_chain() -> None:
    second = DOC_BODY.index(b"400;")
    final = DOC_BODY.index(b"0;chunk-signature=b6c6")
    body = DOC_BODY[:second] + DOC_BODY[final:]
    assert error_of(SIGNED, body).code == "SignatureDoesNotMatch"


def test_wrong_seed_fails_the_first_chunk() -> None:
    wrong = PayloadMode(
        PayloadKind.STREAMING_SIGNED, signing=StreamSigning(KEY, DATE, SCOPE, "0" * 64)
    )
    assert error_of(wrong, DOC_BODY).code == "SignatureDoesNotMatch"


def test_altered_trailer_fails_the_trailer_signature() -> None:
    body = TRAILER_BODY.replace(b"sOO8/Q==", b"AAAAAA==")
    err = error_of(SIGNED_TRAILER, body)
    assert err.code == "SignatureDoesNotMatch"
    assert err.fields["StringToSign"].startswith("AWS4-HMAC-SHA256-TRAILER\n")


def test_missing_trailer_signature_fails() -> None:
    start = TRAILER_BODY.index(b"x-amz-trailer-signature")
    body = TRAILER_BODY[:start] + b"\r\n"
    assert error_of(SIGNED_TRAILER, body).code == "SignatureDoesNotMatch"


def test_missing_chunk_signature_extension_is_malformed() -> None:
    assert error_of(SIGNED, b"5\r\nhello\r\n0\r\n\r\n").code == "InvalidRequest"


def test_anonymous_signed_chunks_are_framed_but_not_verified() -> None:
    payload = PayloadMode(PayloadKind.STREAMING_SIGNED)
    assert decode(payload, [DOC_BODY], 66560)[0] == b"a" * 66560


# ----------------------------------------------------------------- framing and length


def test_signed_trailer_after_an_extra_blank_line_is_accepted() -> None:
    enc = Encoder()
    body = (
        enc.chunk(b"x" * 9000)
        + enc.final()
        + b"\r\n"
        + enc.trailer([("x-amz-checksum-crc32", "AAAAAA==")])
    )
    payload = PayloadMode(
        PayloadKind.STREAMING_SIGNED_TRAILER, signing=StreamSigning(KEY, DATE, SCOPE, SEED)
    )
    data, decoder = decode(payload, [body], 9000)
    assert data == b"x" * 9000
    assert decoder.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_small_signed_chunk_that_is_not_last_is_refused() -> None:
    enc = Encoder()
    body = enc.chunk(b"x" * 100) + enc.chunk(b"y" * 100) + enc.final() + b"\r\n"
    err = error_of(SIGNED, body)
    assert err.code == "InvalidChunkSizeError"
    assert err.fields == {"Chunk": "1", "BadChunkSize": "100"}


def test_small_last_signed_chunk_is_fine() -> None:
    enc = Encoder()
    body = enc.chunk(b"x" * 8192) + enc.chunk(b"y" * 10) + enc.final() + b"\r\n"
    assert decode(SIGNED, [body], 8202)[0] == b"x" * 8192 + b"y" * 10


@pytest.mark.parametrize(
    "cut", [5, len(DOC_BODY) // 2, len(DOC_BODY) - 3, len(DOC_BODY) - 2, len(DOC_BODY) - 1]
)
def test_truncated_body_is_incomplete(cut: int) -> None:
    assert error_of(SIGNED, DOC_BODY[:cut]).code == "IncompleteBody"


def test_partial_trailer_line_at_the_end_is_incomplete() -> None:
    assert (
        error_of(UNSIGNED_TRAILER, b"5\r\nhello\r\n0\r\n\r\nx-amz-check").code == "IncompleteBody"
    )


def test_decoded_length_mismatch_is_incomplete() -> None:
    assert error_of(SIGNED, DOC_BODY, decoded_length=66561).code == "IncompleteBody"
    assert error_of(SIGNED, DOC_BODY, decoded_length=1000).code == "IncompleteBody"


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n",
        b"5\nhello\r\n0\r\n\r\n",
        b"1" * 5000 + b"\r\n",
        b"5\r\nhello\r\n0\r\nno-colon\r\n\r\n",
        b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\nextra",
    ],
)
def test_malformed_framing_is_invalid_request(body: bytes) -> None:
    assert error_of(UNSIGNED_TRAILER, body).code == "InvalidRequest"


def test_unsigned_trailer_without_any_trailer_is_accepted() -> None:
    data, decoder = decode(UNSIGNED_TRAILER, [b"5\r\nhello\r\n0\r\n\r\n"], 5)
    assert data == b"hello" and decoder.trailers == {}


# ----------------------------------------------------------------- through authenticate and the body


def _doc_request(messages: list[dict[str, Any]]) -> S3Request:
    headers = [
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", DATE),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("content-length", "66824"),
        (
            "authorization",
            f"AWS4-HMAC-SHA256 Credential={AK}/{SCOPE},SignedHeaders=content-encoding;"
            "content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
            f"x-amz-storage-class,Signature={SEED}",
        ),
    ]
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return S3Request(
        method="PUT",
        raw_path="/examplebucket/chunkObject.txt",
        raw_query="",
        query=parse_query(""),
        headers=Headers([(k.encode(), v.encode()) for k, v in headers]),
        host="s3.amazonaws.com",
        bucket="examplebucket",
        key="chunkObject.txt",
        receive=receive,
    )


def _messages(pieces: list[bytes]) -> list[dict[str, Any]]:
    return [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]


async def _read(request: S3Request) -> tuple[bytes, Any]:
    result = authenticate(
        request,
        {AK: Credential(AK, SECRET)}.get,
        region="us-east-1",
        now=datetime(2013, 5, 24, tzinfo=UTC),
    )
    body = open_body(request, result)
    out = bytearray()
    async for piece in body:
        out += piece
    return bytes(out), body


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(DOC_BODY)), max_size=12))
def test_doc_upload_through_asgi_messages_at_any_boundaries(cuts: list[int]) -> None:
    request = _doc_request(_messages(split(DOC_BODY, cuts)))
    data, body = asyncio.run(_read(request))
    assert data == b"a" * 66560
    assert body.length == 66560 == body.declared_length
    assert body.md5_digest == hashlib.md5(data).digest()


def test_doc_upload_cut_short_by_a_disconnect_is_incomplete() -> None:
    messages = _messages([DOC_BODY[:40000]])
    messages[0]["more_body"] = True
    with pytest.raises(S3Error) as info:
        asyncio.run(_read(_doc_request(messages)))
    assert info.value.code == "IncompleteBody"
