"""Request authentication: SigV4 (header, presigned, aws-chunked) and SigV2.

The pipeline needs only ``authenticate`` and ``AuthResult``; ``api.body`` consumes the
``PayloadMode`` an AuthResult carries.
"""

from hydria.api.auth.authenticate import AuthResult, authenticate
from hydria.api.auth.chunked import AwsChunkedDecoder
from hydria.api.auth.keys import KeyLookup
from hydria.api.auth.payload import PayloadKind, PayloadMode, StreamSigning, parse_content_sha256
from hydria.api.auth.sigv4 import signing_key

__all__ = [
    "AuthResult",
    "AwsChunkedDecoder",
    "KeyLookup",
    "PayloadKind",
    "PayloadMode",
    "StreamSigning",
    "authenticate",
    "parse_content_sha256",
    "signing_key",
]
