"""The route table: which S3 operation a request is, its handler and its IAM action.

A request is classified by level (service, bucket, object) and method; the rows for that pair
are tried in order and the first whose required query parameters and headers are present wins,
so specific rows (``?uploads``) come before the plain one. Operations not built yet have rows
too, answering NotImplemented, so every S3 operation is named here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hydria.api.handlers import buckets, listing, multipart, objects, service
from hydria.api.response import Response
from hydria.errors import S3Error, not_implemented

if TYPE_CHECKING:
    from hydria.api.call import Call

Handler = Callable[["Call"], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    level: str
    method: str
    operation: str
    action: str
    handler: Handler
    query: tuple[str, ...] = ()
    header: str | None = None

    def matches(self, query: dict[str, str], headers: Any) -> bool:
        if any(q not in query for q in self.query):
            return False
        return self.header is None or self.header in headers


def _unimplemented(operation: str) -> Handler:
    async def handler(call: Call) -> Response:
        raise not_implemented()

    handler.__name__ = operation
    return handler


def _rows() -> list[Route]:
    R = Route
    rows = [
        # Service
        R("service", "GET", "ListBuckets", "s3:ListAllMyBuckets", service.list_buckets),
        # Bucket
        R(
            "bucket",
            "GET",
            "GetBucketLocation",
            "s3:GetBucketLocation",
            buckets.get_bucket_location,
            ("location",),
        ),
        R(
            "bucket",
            "GET",
            "ListMultipartUploads",
            "s3:ListBucketMultipartUploads",
            multipart.list_multipart_uploads,
            ("uploads",),
        ),
        R(
            "bucket",
            "GET",
            "ListObjectsV2",
            "s3:ListBucket",
            listing.list_objects_v2,
            ("list-type",),
        ),
        R("bucket", "PUT", "CreateBucket", "s3:CreateBucket", buckets.create_bucket),
        R("bucket", "HEAD", "HeadBucket", "s3:ListBucket", buckets.head_bucket),
        R("bucket", "DELETE", "DeleteBucket", "s3:DeleteBucket", buckets.delete_bucket),
        R(
            "bucket",
            "POST",
            "DeleteObjects",
            "s3:DeleteObject",
            objects.delete_objects,
            ("delete",),
        ),
        # Object
        R(
            "object",
            "PUT",
            "UploadPartCopy",
            "s3:PutObject",
            multipart.upload_part_copy,
            ("partNumber", "uploadId"),
            "x-amz-copy-source",
        ),
        R(
            "object",
            "PUT",
            "UploadPart",
            "s3:PutObject",
            multipart.upload_part,
            ("partNumber", "uploadId"),
        ),
        R(
            "object",
            "GET",
            "ListParts",
            "s3:ListMultipartUploadParts",
            multipart.list_parts,
            ("uploadId",),
        ),
        R(
            "object",
            "POST",
            "CreateMultipartUpload",
            "s3:PutObject",
            multipart.create_multipart_upload,
            ("uploads",),
        ),
        R(
            "object",
            "POST",
            "CompleteMultipartUpload",
            "s3:PutObject",
            multipart.complete_multipart_upload,
            ("uploadId",),
        ),
        R(
            "object",
            "DELETE",
            "AbortMultipartUpload",
            "s3:AbortMultipartUpload",
            multipart.abort_multipart_upload,
            ("uploadId",),
        ),
    ]
    # Subresources whose operations come with later issues: NotImplemented until then.
    later_bucket = {
        "accelerate": (
            "GetBucketAccelerateConfiguration",
            "PutBucketAccelerateConfiguration",
            None,
        ),
        "acl": ("GetBucketAcl", "PutBucketAcl", None),
        "analytics": (
            "GetBucketAnalyticsConfiguration",
            "PutBucketAnalyticsConfiguration",
            "DeleteBucketAnalyticsConfiguration",
        ),
        "cors": ("GetBucketCors", "PutBucketCors", "DeleteBucketCors"),
        "encryption": ("GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"),
        "intelligent-tiering": (
            "GetBucketIntelligentTieringConfiguration",
            "PutBucketIntelligentTieringConfiguration",
            "DeleteBucketIntelligentTieringConfiguration",
        ),
        "inventory": (
            "GetBucketInventoryConfiguration",
            "PutBucketInventoryConfiguration",
            "DeleteBucketInventoryConfiguration",
        ),
        "lifecycle": (
            "GetBucketLifecycleConfiguration",
            "PutBucketLifecycleConfiguration",
            "DeleteBucketLifecycle",
        ),
        "logging": ("GetBucketLogging", "PutBucketLogging", None),
        "metadataTable": (
            "GetBucketMetadataTableConfiguration",
            "CreateBucketMetadataTableConfiguration",
            "DeleteBucketMetadataTableConfiguration",
        ),
        "metrics": (
            "GetBucketMetricsConfiguration",
            "PutBucketMetricsConfiguration",
            "DeleteBucketMetricsConfiguration",
        ),
        "notification": (
            "GetBucketNotificationConfiguration",
            "PutBucketNotificationConfiguration",
            None,
        ),
        "object-lock": ("GetObjectLockConfiguration", "PutObjectLockConfiguration", None),
        "ownershipControls": (
            "GetBucketOwnershipControls",
            "PutBucketOwnershipControls",
            "DeleteBucketOwnershipControls",
        ),
        "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
        "policyStatus": ("GetBucketPolicyStatus", None, None),
        "publicAccessBlock": (
            "GetPublicAccessBlock",
            "PutPublicAccessBlock",
            "DeletePublicAccessBlock",
        ),
        "replication": ("GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"),
        "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
        "tagging": ("GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"),
        "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
        "versions": ("ListObjectVersions", None, None),
        "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
        "session": ("CreateSession", None, None),
    }
    pending: list[Route] = []
    for sub, (get_op, put_op, delete_op) in later_bucket.items():
        for method, op in (("GET", get_op), ("PUT", put_op), ("DELETE", delete_op)):
            if op:
                pending.append(R("bucket", method, op, "s3:" + op, _unimplemented(op), (sub,)))
    later_object = {
        "acl": ("GetObjectAcl", "PutObjectAcl", None, None),
        "tagging": ("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", None),
        "retention": ("GetObjectRetention", "PutObjectRetention", None, None),
        "legal-hold": ("GetObjectLegalHold", "PutObjectLegalHold", None, None),
        "attributes": ("GetObjectAttributes", None, None, None),
        "torrent": ("GetObjectTorrent", None, None, None),
        "restore": (None, None, None, "RestoreObject"),
        "select": (None, None, None, "SelectObjectContent"),
        "renameObject": (None, "RenameObject", None, None),
    }
    for sub, (get_op, put_op, delete_op, post_op) in later_object.items():
        for method, op in (
            ("GET", get_op),
            ("PUT", put_op),
            ("DELETE", delete_op),
            ("POST", post_op),
        ):
            if op:
                pending.append(R("object", method, op, "s3:" + op, _unimplemented(op), (sub,)))
    defaults = [
        R("bucket", "GET", "ListObjects", "s3:ListBucket", listing.list_objects),
        R(
            "object",
            "PUT",
            "CopyObject",
            "s3:PutObject",
            objects.copy_object,
            (),
            "x-amz-copy-source",
        ),
        R("object", "PUT", "PutObject", "s3:PutObject", objects.put_object),
        R("object", "GET", "GetObject", "s3:GetObject", objects.get_object),
        R("object", "HEAD", "HeadObject", "s3:GetObject", objects.head_object),
        R("object", "DELETE", "DeleteObject", "s3:DeleteObject", objects.delete_object),
        R("bucket", "POST", "PostObject", "s3:PutObject", _unimplemented("PostObject")),
        R(
            "service",
            "POST",
            "WriteGetObjectResponse",
            "s3-object-lambda:WriteGetObjectResponse",
            _unimplemented("WriteGetObjectResponse"),
        ),
    ]
    return rows + pending + defaults  # fmt: skip


ROUTES: list[Route] = _rows()
_INDEX: dict[tuple[str, str], list[Route]] = {}
for _route in ROUTES:
    _INDEX.setdefault((_route.level, _route.method), []).append(_route)


def match(level: str, method: str, query: dict[str, str], headers: Any) -> Route:
    """The route for a request; MethodNotAllowed when the method has no meaning there."""
    for route in _INDEX.get((level, method), ()):
        if route.matches(query, headers):
            return route
    raise S3Error("MethodNotAllowed", Method=method, ResourceType=level.upper())
