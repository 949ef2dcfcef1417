"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation."""

from __future__ import annotations

from hydria.api.call import Call
from hydria.api.response import Response, xml_response
from hydria.api.xml.parse import child_text, parse_xml
from hydria.api.xml.render import S3_NS, escape
from hydria.model.names import check_bucket_name
from hydria.service import buckets as svc


async def create_bucket(call: Call) -> Response:
    check_bucket_name(call.bucket)
    data = await call.read_xml_body()
    location: str | None = None
    if data.strip():
        root = parse_xml(data, "CreateBucketConfiguration")
        location = child_text(root, "LocationConstraint")
    await svc.create_bucket(call.services, call.bucket, call.owner_id, location)
    return Response(headers=[("location", "/" + call.bucket)])


async def head_bucket(call: Call) -> Response:
    bucket = await call.services.require_bucket(call.bucket)
    return Response(
        headers=[
            ("x-amz-bucket-region", bucket.region),
            ("x-amz-access-point-alias", "false"),
        ]
    )


async def delete_bucket(call: Call) -> Response:
    await svc.delete_bucket(call.services, call.bucket)
    return Response(status=204)


async def get_bucket_location(call: Call) -> Response:
    bucket = await call.services.require_bucket(call.bucket)
    # us-east-1 is reported as an empty constraint, as AWS does.
    region = "" if bucket.region == "us-east-1" else bucket.region
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<LocationConstraint xmlns="{S3_NS}">{escape(region)}</LocationConstraint>'
    ).encode()
    return xml_response(body)
