"""Service-level operations: ListBuckets."""

from __future__ import annotations

import base64

from hydria.api.call import Call
from hydria.api.response import Response, xml_response
from hydria.api.xml.render import document, element, iso8601
from hydria.errors import S3Error
from hydria.service import buckets as svc

MAX_BUCKETS_PAGE = 10_000


def owner_xml(owner_id: str) -> str:
    return "<Owner>" + element("ID", owner_id) + element("DisplayName", "hydria") + "</Owner>"


async def list_buckets(call: Call) -> Response:
    raw_max = call.query.get("max-buckets")
    limit = MAX_BUCKETS_PAGE
    if raw_max is not None:
        if not raw_max.isdigit() or not 1 <= int(raw_max) <= MAX_BUCKETS_PAGE:
            raise S3Error(
                "InvalidArgument",
                "Argument max-buckets must be an integer between 1 and 10000",
                ArgumentName="max-buckets",
                ArgumentValue=raw_max,
            )
        limit = int(raw_max)
    prefix = call.query.get("prefix", "")
    token = call.query.get("continuation-token")
    start_after = ""
    if token:
        try:
            start_after = base64.urlsafe_b64decode(token.encode()).decode()
        except ValueError:
            raise S3Error(
                "InvalidArgument",
                "The continuation token provided is incorrect",
                ArgumentName="continuation-token",
            ) from None
    rows, more = await svc.list_buckets(call.services, call.owner_id, prefix, start_after, limit)
    parts = ["<Buckets>"]
    for b in rows:
        parts.append(
            "<Bucket>"
            + element("Name", b.name)
            + element("CreationDate", iso8601(b.created_at))
            + element("BucketRegion", b.region)
            + "</Bucket>"
        )
    parts.append("</Buckets>")
    parts.append(owner_xml(call.owner_id))
    if more and rows:
        parts.append(
            element("ContinuationToken", base64.urlsafe_b64encode(rows[-1].name.encode()).decode())
        )
    if "prefix" in call.query:
        parts.append(element("Prefix", prefix))
    return xml_response(document("ListAllMyBucketsResult", parts))
