"""The request body as handlers see it: decoded bytes, verified before the stream ends.

One place reads ASGI ``http.request`` messages, removes aws-chunked framing, and hashes what
it delivers (MD5 for the ETag, sha256 when ``x-amz-content-sha256`` named one, each
``x-amz-checksum-*`` algorithm asked for). Every promise the client made about the body
(length, sha256, Content-MD5, checksums from headers or trailers) is checked when the last
byte has been read and *before* the iterator finishes, so a handler that commits only after
a complete iteration never stores a corrupt or forged body.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Callable, Iterable

from hydria.api.auth.authenticate import AuthResult
from hydria.api.auth.chunked import AwsChunkedDecoder, incomplete
from hydria.api.auth.payload import PayloadKind, PayloadMode
from hydria.api.request import S3Request
from hydria.errors import S3Error
from hydria.util.checksums import ALGORITHMS, Checksum, decode_checksum, new_checksum

CHECKSUM_HEADERS: dict[str, str] = {f"x-amz-checksum-{a.lower()}": a for a in ALGORITHMS}
"""Header (or trailer) name -> algorithm, e.g. ``x-amz-checksum-crc32`` -> ``CRC32``."""


def _invalid_request(message: str) -> S3Error:
    return S3Error("InvalidRequest", message)


class RequestBody:
    """Async iterator of the decoded body bytes; verifies everything at the end of the stream.

    After a complete iteration: ``length`` is the number of bytes delivered, ``md5_digest``
    the body's MD5 (when computed), and ``checksums`` maps each computed algorithm to its
    base64 value; every value the client sent (header or trailer) was verified equal.
    ``declared_length`` is known up front so handlers can refuse EntityTooLarge early.
    """

    def __init__(
        self,
        request: S3Request,
        payload: PayloadMode,
        *,
        compute_md5: bool = True,
        checksum_algorithms: Iterable[str] = (),
    ) -> None:
        self._request = request
        self._payload = payload
        headers = request.headers

        self._expected_md5 = self._parse_content_md5(headers.get("content-md5"))
        self._md5 = hashlib.md5() if compute_md5 or self._expected_md5 else None
        self._sha256 = hashlib.sha256() if payload.kind is PayloadKind.SHA256 else None

        self._expected: dict[str, bytes] = {}
        self._trailer_name: str | None = None
        header_algorithm = self._parse_checksum_headers()
        if payload.has_trailer:
            self._trailer_name = self._parse_trailer_header(header_algorithm)
        trailer_algorithm = CHECKSUM_HEADERS[self._trailer_name] if self._trailer_name else None
        self._check_sdk_algorithm(header_algorithm or trailer_algorithm)

        wanted = {a.upper() for a in checksum_algorithms}
        wanted.update(a for a in (header_algorithm, trailer_algorithm) if a)
        self._computers: dict[str, Checksum] = {a: new_checksum(a) for a in sorted(wanted)}

        self._raw_length = request.content_length
        if payload.chunked:
            decoded = headers.get("x-amz-decoded-content-length")
            if decoded is None:
                raise S3Error("MissingContentLength")
            if not decoded.isdigit() or not decoded.isascii():
                raise S3Error(
                    "InvalidArgument",
                    "x-amz-decoded-content-length is not a valid length.",
                    ArgumentName="x-amz-decoded-content-length",
                    ArgumentValue=decoded,
                )
            self.declared_length: int | None = int(decoded)
        else:
            self.declared_length = self._raw_length

        self.length = 0
        self.md5_digest: bytes | None = None
        self.checksums: dict[str, str] = {}
        self.trailers: dict[str, str] = {}
        self._started = False

    # -- header checks done before any byte is read

    @staticmethod
    def _parse_content_md5(value: str | None) -> bytes | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 16:
            raise S3Error("InvalidDigest", **{"Content-MD5": value})
        return raw

    def _parse_checksum_headers(self) -> str | None:
        headers = self._request.headers
        found: str | None = None
        for name, algorithm in CHECKSUM_HEADERS.items():
            value = headers.get(name)
            if value is None:
                continue
            if found is not None:
                raise _invalid_request(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                    "not allowed."
                )
            digest = decode_checksum(algorithm, value)
            if digest is None:
                raise _invalid_request(f"Value for {name} header is invalid.")
            self._expected[algorithm] = digest
            found = algorithm
        return found

    def _parse_trailer_header(self, header_algorithm: str | None) -> str | None:
        declared = self._request.headers.get("x-amz-trailer")
        if declared is None:
            return None
        name = declared.strip().lower()
        if name not in CHECKSUM_HEADERS:
            raise _invalid_request(
                "The value specified in the x-amz-trailer header is not supported"
            )
        if header_algorithm is not None:
            raise _invalid_request(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                "allowed."
            )
        return name

    def _check_sdk_algorithm(self, sent: str | None) -> None:
        sdk = self._request.headers.get("x-amz-sdk-checksum-algorithm")
        if sdk is None:
            return
        if sent is None:
            raise _invalid_request(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
                "or x-amz-trailer headers were found."
            )
        if sdk.strip().upper() != sent:
            raise _invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.")

    # -- streaming

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._started:
            raise RuntimeError("a request body can be read only once")
        self._started = True
        return self._stream()

    async def _stream(self) -> AsyncIterator[bytes]:
        decoder: AwsChunkedDecoder | None = None
        if self._payload.chunked:
            decoder = AwsChunkedDecoder(self._payload, decoded_length=self.declared_length)
        updates: list[Callable[[bytes], None]] = [c.update for c in self._computers.values()]
        if self._md5 is not None:
            updates.append(self._md5.update)
        if self._sha256 is not None:
            updates.append(self._sha256.update)

        receive = self._request.receive
        expected_raw = self._raw_length
        seen_raw = 0
        # Always ask at least once: the server sends '100 Continue' from inside receive(),
        # and a client that sent 'Expect: 100-continue' with an empty body waits for it.
        more = True
        while more:
            message = await receive()
            kind = message.get("type")
            if kind == "http.disconnect":
                raise incomplete()
            if kind != "http.request":
                continue
            more = bool(message.get("more_body", False))
            data = message.get("body", b"")
            if not data:
                continue
            seen_raw += len(data)
            if expected_raw is not None and seen_raw > expected_raw:
                raise incomplete("The request body is longer than the Content-Length header.")
            pieces = decoder.feed(data) if decoder is not None else (data,)
            for piece in pieces:
                for update in updates:
                    update(piece)
                self.length += len(piece)
                yield piece
        if expected_raw is not None and seen_raw != expected_raw:
            raise incomplete()
        if decoder is not None:
            decoder.finish()
            self.trailers = decoder.trailers
        elif self.declared_length is not None and self.length != self.declared_length:
            raise incomplete()
        self._verify()

    async def read_all(self, limit: int) -> bytes:
        """The whole (small, e.g. XML) body; MaxMessageLengthExceeded beyond ``limit`` bytes."""
        if self.declared_length is not None and self.declared_length > limit:
            raise S3Error("MaxMessageLengthExceeded")
        buf = bytearray()
        async for piece in self:
            buf += piece
            if len(buf) > limit:
                raise S3Error("MaxMessageLengthExceeded")
        return bytes(buf)

    # -- verification at the end of the stream

    def _verify(self) -> None:
        if self._sha256 is not None:
            computed = self._sha256.hexdigest()
            if computed != self._payload.sha256:
                raise S3Error(
                    "XAmzContentSHA256Mismatch",
                    ClientComputedContentSHA256=self._payload.sha256,
                    S3ComputedContentSHA256=computed,
                )
        if self._md5 is not None:
            self.md5_digest = self._md5.digest()
            if self._expected_md5 is not None and self.md5_digest != self._expected_md5:
                raise S3Error(
                    "BadDigest",
                    ExpectedDigest=self._expected_md5.hex(),
                    CalculatedDigest=base64.b64encode(self.md5_digest).decode("ascii"),
                )
        if self._trailer_name is not None:
            value = self.trailers.get(self._trailer_name)
            if value is None:
                raise incomplete(f"The {self._trailer_name} trailing header was not sent.")
            algorithm = CHECKSUM_HEADERS[self._trailer_name]
            digest = decode_checksum(algorithm, value)
            if digest is None:
                raise _invalid_request(
                    f"Value for {self._trailer_name} trailing header is invalid."
                )
            self._expected[algorithm] = digest
        for algorithm, expected in self._expected.items():
            if self._computers[algorithm].digest() != expected:
                raise S3Error(
                    "BadDigest",
                    f"The {algorithm} you specified did not match the calculated checksum.",
                )
        self.checksums = {a: c.b64() for a, c in self._computers.items()}


def open_body(
    request: S3Request,
    auth: AuthResult,
    *,
    compute_md5: bool = True,
    checksum_algorithms: Iterable[str] = (),
) -> RequestBody:
    """The body of ``request``, decoded and verified as its authentication requires."""
    return RequestBody(
        request, auth.payload, compute_md5=compute_md5, checksum_algorithms=checksum_algorithms
    )
