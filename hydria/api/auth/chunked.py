"""Decoding of aws-chunked request bodies, checking chunk and trailer signatures on the way.

The framing SDKs send when they stream an upload (``Content-Encoding: aws-chunked``)::

    <hex size>;chunk-signature=<sig>\\r\\n<data>\\r\\n ... 0;chunk-signature=<sig>\\r\\n
    [<name>:<value>\\r\\n ... x-amz-trailer-signature:<sig>\\r\\n]\\r\\n

The unsigned-trailer variant drops the ``;chunk-signature=`` extensions and the trailer
signature. Each chunk signature chains from the previous one, starting at the request's own
signature (the seed), so chunks cannot be dropped, reordered or altered.

The decoder is sans-I/O: ``feed`` takes bytes as they arrive and returns decoded pieces;
``finish`` says whether the body ended properly. A piece that lies wholly inside an incoming
buffer is returned without copying; only partial header lines are ever buffered, so memory
stays bounded whatever the body size.
"""

from __future__ import annotations

import hashlib
import hmac

from hydria.api.auth.payload import EMPTY_SHA256, PayloadMode, StreamSigning
from hydria.api.auth.sigv4 import hmac_hex
from hydria.errors import S3Error

MAX_LINE = 4096
"""Longest chunk-header or trailer line accepted (real ones are under 100 bytes)."""
MAX_TRAILER_BYTES = 16384
MIN_SIGNED_CHUNK = 8192
"""S3 rejects signed chunks under 8 KiB unless they are the last one carrying data."""

_HEX_DIGITS = b"0123456789abcdefABCDEF"
_HEADER, _DATA, _DATA_END, _TRAILER, _FINAL, _DONE = range(6)


def malformed(detail: str) -> S3Error:
    """The error for a body that is not valid aws-chunked framing."""
    return S3Error("InvalidRequest", f"The aws-chunked request body is malformed: {detail}.")


def incomplete(detail: str | None = None) -> S3Error:
    """The error for a body that ended early or carried a different amount of data."""
    return S3Error("IncompleteBody", detail)


def chunk_string_to_sign(signing: StreamSigning, previous: str, chunk_sha256: str) -> str:
    """What a chunk signature signs: the previous signature and the chunk's hash."""
    return (
        f"AWS4-HMAC-SHA256-PAYLOAD\n{signing.amz_date}\n{signing.scope}\n{previous}\n"
        f"{EMPTY_SHA256}\n{chunk_sha256}"
    )


def trailer_string_to_sign(signing: StreamSigning, previous: str, trailer: bytes) -> str:
    """What the trailer signature signs: the final chunk's signature and the trailer's hash."""
    digest = hashlib.sha256(trailer).hexdigest()
    return f"AWS4-HMAC-SHA256-TRAILER\n{signing.amz_date}\n{signing.scope}\n{previous}\n{digest}"


def _sign(signing: StreamSigning, sts: str) -> str:
    return hmac_hex(signing.signing_key, sts)


def _bad_signature(sts: str, provided: str) -> S3Error:
    return S3Error(
        "SignatureDoesNotMatch",
        StringToSign=sts,
        SignatureProvided=provided,
        StringToSignBytes=sts.encode("utf-8").hex(" "),
    )


class AwsChunkedDecoder:
    """Turns aws-chunked bytes into body bytes, verifying signatures when the mode says so."""

    __slots__ = (
        "_chunk_hash",
        "_chunk_index",
        "_chunk_sig",
        "_expect_signature",
        "_last_size",
        "_limit",
        "_pending",
        "_previous",
        "_remaining",
        "_signing",
        "_skipped_blank",
        "_state",
        "_trailer_bytes",
        "_trailer_lines",
        "_trailer_mode",
        "_trailer_signature",
        "decoded",
        "trailers",
    )

    def __init__(self, payload: PayloadMode, *, decoded_length: int | None = None) -> None:
        self._expect_signature = payload.signed_chunks
        self._signing = payload.signing if payload.signed_chunks else None
        self._trailer_mode = payload.has_trailer
        self._previous = self._signing.seed_signature if self._signing else ""
        self._limit = decoded_length
        self._state = _HEADER
        self._pending = b""
        self._remaining = 0
        self._chunk_hash: hashlib._Hash | None = None
        self._chunk_sig = ""
        self._chunk_index = 0
        self._last_size: int | None = None
        self._trailer_lines: list[tuple[str, str]] = []
        self._trailer_bytes = 0
        self._trailer_signature: str | None = None
        self._skipped_blank = False
        self.decoded = 0
        """Body bytes produced so far."""
        self.trailers: dict[str, str] = {}
        """Trailing headers (lower-case names), set once the body has ended."""

    @property
    def done(self) -> bool:
        """True once the terminating empty line has been read."""
        return self._state == _DONE

    def feed(self, data: bytes) -> list[bytes]:
        """Consume the next bytes of the wire body; the decoded pieces they complete."""
        out: list[bytes] = []
        pos = 0
        n = len(data)
        while pos < n:
            if self._state == _DATA:
                take = self._remaining
                if take > n - pos:
                    take = n - pos
                piece = data if take == n else data[pos : pos + take]
                if self._chunk_hash is not None:
                    self._chunk_hash.update(piece)
                out.append(piece)
                pos += take
                self._remaining -= take
                if not self._remaining:
                    self._end_of_chunk_data()
                continue
            if self._state == _DONE:
                raise malformed("data follows the end of the body")
            end = data.find(b"\n", pos)
            if end < 0:
                self._pending += data[pos:]
                if len(self._pending) > MAX_LINE:
                    raise malformed("a chunk header line is too long")
                break
            if end - pos + len(self._pending) >= MAX_LINE:
                raise malformed("a chunk header line is too long")
            if self._pending:
                line = self._pending + data[pos : end + 1]
                self._pending = b""
            else:
                line = data[pos : end + 1]
            pos = end + 1
            if len(line) < 2 or line[-2] != 13:
                raise malformed("lines must end with CRLF")
            self._on_line(line[:-2])
        return out

    def finish(self) -> None:
        """Declare the end of the wire body; raises unless it ended exactly where it should."""
        if self._pending:
            raise incomplete()
        if self._state == _TRAILER and self._skipped_blank and not self._trailer_lines:
            self._end_trailers()
        if self._state != _DONE:
            raise incomplete()
        if self._limit is not None and self.decoded != self._limit:
            raise incomplete()

    # -- line handling

    def _on_line(self, line: bytes) -> None:
        state = self._state
        if state == _HEADER:
            self._on_chunk_header(line)
        elif state == _DATA_END:
            if line:
                raise malformed("chunk data is longer than its declared size")
            self._state = _HEADER
        elif state == _TRAILER:
            self._on_trailer_line(line)
        elif state == _FINAL:
            if line:
                raise malformed("unexpected data after the final chunk")
            self._state = _DONE

    def _on_chunk_header(self, line: bytes) -> None:
        size_text, _, extension = line.partition(b";")
        size_text = size_text.strip(b" \t")
        if not size_text or len(size_text) > 16 or size_text.strip(_HEX_DIGITS):
            raise malformed("invalid chunk size")
        size = int(size_text, 16)
        signature = ""
        if self._expect_signature:
            extension = extension.strip(b" \t")
            if not extension.startswith(b"chunk-signature="):
                raise malformed("a chunk-signature is missing")
            signature = extension[16:].decode("ascii", "replace")
            if size and self._last_size is not None and self._last_size < MIN_SIGNED_CHUNK:
                raise S3Error(
                    "InvalidChunkSizeError",
                    Chunk=self._chunk_index,
                    BadChunkSize=self._last_size,
                )
        self._chunk_index += 1
        if self._limit is not None and self.decoded + size > self._limit:
            raise incomplete("The body is longer than x-amz-decoded-content-length.")
        if size == 0:
            if self._signing is not None:
                self._check_chunk(EMPTY_SHA256, signature)
            self._state = _TRAILER if self._trailer_mode else _FINAL
            return
        self.decoded += size
        self._last_size = size
        self._remaining = size
        self._chunk_sig = signature
        self._chunk_hash = hashlib.sha256() if self._signing is not None else None
        self._state = _DATA

    def _end_of_chunk_data(self) -> None:
        if self._chunk_hash is not None:
            self._check_chunk(self._chunk_hash.hexdigest(), self._chunk_sig)
            self._chunk_hash = None
        self._state = _DATA_END

    def _check_chunk(self, chunk_sha256: str, provided: str) -> None:
        signing = self._signing
        assert signing is not None
        sts = chunk_string_to_sign(signing, self._previous, chunk_sha256)
        expected = _sign(signing, sts)
        if not hmac.compare_digest(expected, provided):
            raise _bad_signature(sts, provided)
        self._previous = expected

    def _on_trailer_line(self, line: bytes) -> None:
        if not line:
            if not self._trailer_lines and self._trailer_signature is None:
                if not self._skipped_blank:
                    # Some encoders close the final chunk with its own CRLF before trailers.
                    self._skipped_blank = True
                    return
            self._end_trailers()
            return
        self._trailer_bytes += len(line)
        if self._trailer_bytes > MAX_TRAILER_BYTES:
            raise malformed("the trailing headers are too large")
        name, sep, value = line.partition(b":")
        if not sep:
            raise malformed("a trailing header has no ':'")
        key = name.strip().lower().decode("latin-1")
        text = value.strip().decode("latin-1")
        if key == "x-amz-trailer-signature":
            self._trailer_signature = text
        else:
            self._trailer_lines.append((key, text))

    def _end_trailers(self) -> None:
        if self._signing is not None and (self._trailer_lines or self._trailer_signature):
            canonical = "".join(f"{k}:{v}\n" for k, v in self._trailer_lines).encode("latin-1")
            sts = trailer_string_to_sign(self._signing, self._previous, canonical)
            provided = self._trailer_signature or ""
            if not hmac.compare_digest(_sign(self._signing, sts), provided):
                raise _bad_signature(sts, provided)
        self.trailers = dict(self._trailer_lines)
        self._state = _DONE
