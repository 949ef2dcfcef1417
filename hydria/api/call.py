"""Everything a handler needs for one request, gathered by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hydria.api.auth import AuthResult
from hydria.api.body import RequestBody, open_body
from hydria.api.request import S3Request
from hydria.errors import S3Error
from hydria.model.principals import ROOT_ACCOUNT_ID
from hydria.service.context import ServiceContext

if TYPE_CHECKING:
    from hydria.api.routing import Route


@dataclass
class Call:
    request: S3Request
    auth: AuthResult
    services: ServiceContext
    route: Route

    @property
    def bucket(self) -> str:
        assert self.request.bucket is not None
        return self.request.bucket

    @property
    def key(self) -> str:
        assert self.request.key is not None
        return self.request.key

    @property
    def owner_id(self) -> str:
        cred = self.auth.credential
        return cred.canonical_id if cred is not None else ROOT_ACCOUNT_ID

    @property
    def query(self) -> dict[str, str]:
        return self.request.query

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.request.headers.get(name, default)

    def body(self, **kw: Any) -> RequestBody:
        """The request body stream, decoded and verified as the authentication requires."""
        return open_body(self.request, self.auth, **kw)

    def sends_digest(self) -> bool:
        """Whether the request carries Content-MD5 or an x-amz-checksum-* value, as S3 requires
        of some configuration documents (DeleteObjects, PutBucketTagging)."""
        headers = self.request.headers
        return "content-md5" in headers or any(
            name.startswith("x-amz-checksum-") for name, _ in headers.items()
        )

    async def read_xml_body(self, limit: int = 2 * 1024 * 1024) -> bytes:
        return await self.body().read_all(limit)

    def require_content_length(self) -> int | None:
        """S3 needs a length for uploads: Content-Length, or the decoded aws-chunked length."""
        decoded = self.header("x-amz-decoded-content-length")
        if decoded is not None:
            try:
                return int(decoded)
            except ValueError:
                raise S3Error("InvalidArgument", "Invalid x-amz-decoded-content-length") from None
        length = self.request.content_length
        if length is None and "chunked" not in (self.header("transfer-encoding") or ""):
            raise S3Error("MissingContentLength")
        return length
