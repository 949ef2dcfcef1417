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

from hydria.api.handlers import (
    attributes,
    buckets,
    listing,
    multipart,
    objects,
    service,
    tagging,
    versions,
)
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


def _config_ops(sub: str, name: str, listing: bool) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Get/Put/Delete of a bucket configuration subresource (with ?id= when it has a List)."""
    q: tuple[str, ...] = (sub, "id") if listing else (sub,)
    rows = [
        ("bucket", "GET", f"GetBucket{name}", q),
        ("bucket", "PUT", f"PutBucket{name}", q),
        ("bucket", "DELETE", f"DeleteBucket{name}", q),
    ]
    if listing:
        rows.append(("bucket", "GET", f"ListBucket{name}s", (sub,)))
    return rows


PENDING: list[tuple[str, str, str, tuple[str, ...]]] = [
    *_config_ops("analytics", "AnalyticsConfiguration", True),
    *_config_ops("inventory", "InventoryConfiguration", True),
    *_config_ops("metrics", "MetricsConfiguration", True),
    *_config_ops("intelligent-tiering", "IntelligentTieringConfiguration", True),
    *_config_ops("cors", "Cors", False),
    *_config_ops("encryption", "Encryption", False),
    *_config_ops("ownershipControls", "OwnershipControls", False),
    *_config_ops("policy", "Policy", False),
    *_config_ops("replication", "Replication", False),
    *_config_ops("website", "Website", False),
    ("bucket", "GET", "GetBucketAccelerateConfiguration", ("accelerate",)),
    ("bucket", "PUT", "PutBucketAccelerateConfiguration", ("accelerate",)),
    ("bucket", "GET", "GetBucketAcl", ("acl",)),
    ("bucket", "PUT", "PutBucketAcl", ("acl",)),
    ("bucket", "GET", "GetBucketLifecycleConfiguration", ("lifecycle",)),
    ("bucket", "PUT", "PutBucketLifecycleConfiguration", ("lifecycle",)),
    ("bucket", "DELETE", "DeleteBucketLifecycle", ("lifecycle",)),
    ("bucket", "GET", "GetBucketLogging", ("logging",)),
    ("bucket", "PUT", "PutBucketLogging", ("logging",)),
    ("bucket", "GET", "GetBucketNotificationConfiguration", ("notification",)),
    ("bucket", "PUT", "PutBucketNotificationConfiguration", ("notification",)),
    ("bucket", "GET", "GetObjectLockConfiguration", ("object-lock",)),
    ("bucket", "PUT", "PutObjectLockConfiguration", ("object-lock",)),
    ("bucket", "GET", "GetBucketPolicyStatus", ("policyStatus",)),
    ("bucket", "GET", "GetPublicAccessBlock", ("publicAccessBlock",)),
    ("bucket", "PUT", "PutPublicAccessBlock", ("publicAccessBlock",)),
    ("bucket", "DELETE", "DeletePublicAccessBlock", ("publicAccessBlock",)),
    ("bucket", "GET", "GetBucketRequestPayment", ("requestPayment",)),
    ("bucket", "PUT", "PutBucketRequestPayment", ("requestPayment",)),
    ("bucket", "GET", "GetBucketAbac", ("abac",)),
    ("bucket", "PUT", "PutBucketAbac", ("abac",)),
    ("bucket", "GET", "CreateSession", ("session",)),
    ("bucket", "POST", "CreateBucketMetadataConfiguration", ("metadataConfiguration",)),
    ("bucket", "GET", "GetBucketMetadataConfiguration", ("metadataConfiguration",)),
    ("bucket", "DELETE", "DeleteBucketMetadataConfiguration", ("metadataConfiguration",)),
    (
        "bucket",
        "PUT",
        "UpdateBucketMetadataInventoryTableConfiguration",
        ("metadataInventoryTable",),
    ),
    ("bucket", "PUT", "UpdateBucketMetadataJournalTableConfiguration", ("metadataJournalTable",)),
    ("bucket", "POST", "CreateBucketMetadataTableConfiguration", ("metadataTable",)),
    ("bucket", "GET", "GetBucketMetadataTableConfiguration", ("metadataTable",)),
    ("bucket", "DELETE", "DeleteBucketMetadataTableConfiguration", ("metadataTable",)),
    ("object", "GET", "GetObjectAcl", ("acl",)),
    ("object", "PUT", "PutObjectAcl", ("acl",)),
    ("object", "GET", "GetObjectRetention", ("retention",)),
    ("object", "PUT", "PutObjectRetention", ("retention",)),
    ("object", "GET", "GetObjectLegalHold", ("legal-hold",)),
    ("object", "PUT", "PutObjectLegalHold", ("legal-hold",)),
    ("object", "GET", "GetObjectTorrent", ("torrent",)),
    ("object", "POST", "RestoreObject", ("restore",)),
    ("object", "POST", "SelectObjectContent", ("select",)),
    ("object", "PUT", "RenameObject", ("renameObject",)),
    ("object", "PUT", "UpdateObjectEncryption", ("encryption",)),
    ("object", "GET", "GetObjectAnnotation", ("annotation", "annotationName")),
    ("object", "PUT", "PutObjectAnnotation", ("annotation",)),
    ("object", "DELETE", "DeleteObjectAnnotation", ("annotation",)),
    ("object", "GET", "ListObjectAnnotations", ("annotation",)),
]


def _tagging_rows() -> list[Route]:
    """Object tagging; a versionId makes the IAM action the *VersionTagging one."""
    ops = [
        ("GET", "GetObjectTagging", "GetObjectVersionTagging", tagging.get_object_tagging),
        ("PUT", "PutObjectTagging", "PutObjectVersionTagging", tagging.put_object_tagging),
        (
            "DELETE",
            "DeleteObjectTagging",
            "DeleteObjectVersionTagging",
            tagging.delete_object_tagging,
        ),
    ]
    rows: list[Route] = []
    for method, op, version_action, handler in ops:
        rows.append(
            Route("object", method, op, "s3:" + version_action, handler, ("tagging", "versionId"))
        )
        rows.append(Route("object", method, op, "s3:" + op, handler, ("tagging",)))
    return rows


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
            "GetBucketVersioning",
            "s3:GetBucketVersioning",
            versions.get_bucket_versioning,
            ("versioning",),
        ),
        R(
            "bucket",
            "PUT",
            "PutBucketVersioning",
            "s3:PutBucketVersioning",
            versions.put_bucket_versioning,
            ("versioning",),
        ),
        R(
            "bucket",
            "GET",
            "ListObjectVersions",
            "s3:ListBucketVersions",
            versions.list_object_versions,
            ("versions",),
        ),
        R(
            "bucket",
            "GET",
            "ListObjectsV2",
            "s3:ListBucket",
            listing.list_objects_v2,
            ("list-type",),
        ),
        R(
            "bucket",
            "POST",
            "DeleteObjects",
            "s3:DeleteObject",
            objects.delete_objects,
            ("delete",),
        ),
        R(
            "bucket",
            "GET",
            "GetBucketTagging",
            "s3:GetBucketTagging",
            tagging.get_bucket_tagging,
            ("tagging",),
        ),
        R(
            "bucket",
            "PUT",
            "PutBucketTagging",
            "s3:PutBucketTagging",
            tagging.put_bucket_tagging,
            ("tagging",),
        ),
        # DeleteBucketTagging is authorized as s3:PutBucketTagging, as AWS does.
        R(
            "bucket",
            "DELETE",
            "DeleteBucketTagging",
            "s3:PutBucketTagging",
            tagging.delete_bucket_tagging,
            ("tagging",),
        ),
        # Object
        *_tagging_rows(),
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
            "GetObjectAttributes",
            "s3:GetObjectVersionAttributes",
            attributes.get_object_attributes,
            ("attributes", "versionId"),
        ),
        R(
            "object",
            "GET",
            "GetObjectAttributes",
            "s3:GetObjectAttributes",
            attributes.get_object_attributes,
            ("attributes",),
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
    # Operations of later issues: NotImplemented until then. (level, method, operation,
    # required query parameters); more specific rows first.
    pending: list[Route] = [
        R(level, method, op, "s3:" + op, _unimplemented(op), query)
        for level, method, op, query in PENDING
    ]
    defaults = [
        R("bucket", "PUT", "CreateBucket", "s3:CreateBucket", buckets.create_bucket),
        R("bucket", "HEAD", "HeadBucket", "s3:ListBucket", buckets.head_bucket),
        R("bucket", "DELETE", "DeleteBucket", "s3:DeleteBucket", buckets.delete_bucket),
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
        # A versionId makes the IAM action the *Version one, as AWS authorizes it.
        R("object", "GET", "GetObject", "s3:GetObjectVersion", objects.get_object, ("versionId",)),
        R(
            "object",
            "HEAD",
            "HeadObject",
            "s3:GetObjectVersion",
            objects.head_object,
            ("versionId",),
        ),
        R(
            "object",
            "DELETE",
            "DeleteObject",
            "s3:DeleteObjectVersion",
            objects.delete_object,
            ("versionId",),
        ),
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
# Requests without a query string (most GET/HEAD/PUT of objects) need only the rows that
# require no query parameter: a much shorter list on the hot path.
_NO_QUERY_INDEX: dict[tuple[str, str], list[Route]] = {
    key: [r for r in rows if not r.query] for key, rows in _INDEX.items()
}


def match(level: str, method: str, query: dict[str, str], headers: Any) -> Route:
    """The route for a request; MethodNotAllowed when the method has no meaning there."""
    index = _INDEX if query else _NO_QUERY_INDEX
    for route in index.get((level, method), ()):
        if route.matches(query, headers):
            return route
    raise S3Error("MethodNotAllowed", Method=method, ResourceType=level.upper())
