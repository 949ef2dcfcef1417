"""docs/COMPATIBILITY.md agrees with the route table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hydria.api.routing import ROUTES, Route

COMPATIBILITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "COMPATIBILITY.md"
_ROW = re.compile(r"^\| (?P<operation>[A-Z][A-Za-z0-9]+) \| (?P<status>[^|]+?) \|$", re.M)
_STATUS = re.compile(
    r"^(supported"
    r"|NotImplemented \(501\) until the [\w -]+ issue"
    r"|NotImplemented \(501\), not planned)$"
)


def _statuses() -> dict[str, str]:
    """Operation -> status, from the operation tables of docs/COMPATIBILITY.md."""
    found: dict[str, str] = {}
    for match in _ROW.finditer(COMPATIBILITY_DOC.read_text(encoding="utf-8")):
        operation, status = match["operation"], match["status"]
        if operation in ("Operation", "Issue"):
            continue
        assert operation not in found, f"{operation} is listed twice"
        found[operation] = status
    return found


def _is_real(route: Route) -> bool:
    return "_unimplemented" not in route.handler.__qualname__


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.operation)
def test_every_routed_operation_is_listed(route: Route) -> None:
    assert route.operation in _statuses()


@pytest.mark.parametrize("route", [r for r in ROUTES if _is_real(r)], ids=lambda r: r.operation)
def test_operation_with_real_handler_is_marked_supported(route: Route) -> None:
    assert _statuses()[route.operation] == "supported"


def test_only_operations_with_real_handlers_are_marked_supported() -> None:
    real = {r.operation for r in ROUTES if _is_real(r)}
    marked = {op for op, status in _statuses().items() if status == "supported"}
    assert marked == real


def test_every_status_is_one_of_the_documented_forms() -> None:
    for operation, status in _statuses().items():
        assert _STATUS.match(status), f"{operation}: unexpected status {status!r}"


def test_issue_named_in_a_status_is_in_the_issue_table() -> None:
    text = COMPATIBILITY_DOC.read_text(encoding="utf-8")
    issues = set(re.findall(r"^\| ([\w -]+?) \| ", text.split("## Operations")[0], re.M))
    for operation, status in _statuses().items():
        named = re.search(r"until the ([\w -]+) issue", status)
        if named:
            assert named[1] in issues, f"{operation}: issue {named[1]!r} is not described"


# The actions of the "Amazon S3" section of the Amazon S3 API Reference.
AMAZON_S3_ACTIONS = (
    "AbortMultipartUpload",
    "CompleteMultipartUpload",
    "CopyObject",
    "CreateBucket",
    "CreateBucketMetadataConfiguration",
    "CreateBucketMetadataTableConfiguration",
    "CreateMultipartUpload",
    "CreateSession",
    "DeleteBucket",
    "DeleteBucketAnalyticsConfiguration",
    "DeleteBucketCors",
    "DeleteBucketEncryption",
    "DeleteBucketIntelligentTieringConfiguration",
    "DeleteBucketInventoryConfiguration",
    "DeleteBucketLifecycle",
    "DeleteBucketMetadataConfiguration",
    "DeleteBucketMetadataTableConfiguration",
    "DeleteBucketMetricsConfiguration",
    "DeleteBucketOwnershipControls",
    "DeleteBucketPolicy",
    "DeleteBucketReplication",
    "DeleteBucketTagging",
    "DeleteBucketWebsite",
    "DeleteObject",
    "DeleteObjectAnnotation",
    "DeleteObjectTagging",
    "DeleteObjects",
    "DeletePublicAccessBlock",
    "GetBucketAbac",
    "GetBucketAccelerateConfiguration",
    "GetBucketAcl",
    "GetBucketAnalyticsConfiguration",
    "GetBucketCors",
    "GetBucketEncryption",
    "GetBucketIntelligentTieringConfiguration",
    "GetBucketInventoryConfiguration",
    "GetBucketLifecycle",
    "GetBucketLifecycleConfiguration",
    "GetBucketLocation",
    "GetBucketLogging",
    "GetBucketMetadataConfiguration",
    "GetBucketMetadataTableConfiguration",
    "GetBucketMetricsConfiguration",
    "GetBucketNotification",
    "GetBucketNotificationConfiguration",
    "GetBucketOwnershipControls",
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketReplication",
    "GetBucketRequestPayment",
    "GetBucketTagging",
    "GetBucketVersioning",
    "GetBucketWebsite",
    "GetObject",
    "GetObjectAcl",
    "GetObjectAnnotation",
    "GetObjectAttributes",
    "GetObjectLegalHold",
    "GetObjectLockConfiguration",
    "GetObjectRetention",
    "GetObjectTagging",
    "GetObjectTorrent",
    "GetPublicAccessBlock",
    "HeadBucket",
    "HeadObject",
    "ListBucketAnalyticsConfigurations",
    "ListBucketIntelligentTieringConfigurations",
    "ListBucketInventoryConfigurations",
    "ListBucketMetricsConfigurations",
    "ListBuckets",
    "ListDirectoryBuckets",
    "ListMultipartUploads",
    "ListObjectAnnotations",
    "ListObjectVersions",
    "ListObjects",
    "ListObjectsV2",
    "ListParts",
    "PutBucketAbac",
    "PutBucketAccelerateConfiguration",
    "PutBucketAcl",
    "PutBucketAnalyticsConfiguration",
    "PutBucketCors",
    "PutBucketEncryption",
    "PutBucketIntelligentTieringConfiguration",
    "PutBucketInventoryConfiguration",
    "PutBucketLifecycle",
    "PutBucketLifecycleConfiguration",
    "PutBucketLogging",
    "PutBucketMetricsConfiguration",
    "PutBucketNotification",
    "PutBucketNotificationConfiguration",
    "PutBucketOwnershipControls",
    "PutBucketPolicy",
    "PutBucketReplication",
    "PutBucketRequestPayment",
    "PutBucketTagging",
    "PutBucketVersioning",
    "PutBucketWebsite",
    "PutObject",
    "PutObjectAcl",
    "PutObjectAnnotation",
    "PutObjectLegalHold",
    "PutObjectLockConfiguration",
    "PutObjectRetention",
    "PutObjectTagging",
    "PutPublicAccessBlock",
    "RenameObject",
    "RestoreObject",
    "SelectObjectContent",
    "UpdateBucketMetadataInventoryTableConfiguration",
    "UpdateBucketMetadataJournalTableConfiguration",
    "UpdateObjectEncryption",
    "UploadPart",
    "UploadPartCopy",
    "WriteGetObjectResponse",
)


@pytest.mark.parametrize("operation", AMAZON_S3_ACTIONS)
def test_every_amazon_s3_api_action_is_listed(operation: str) -> None:
    assert operation in _statuses()
