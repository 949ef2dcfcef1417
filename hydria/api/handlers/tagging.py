"""Tagging operations: Get/Put/DeleteObjectTagging and Get/Put/DeleteBucketTagging."""

from __future__ import annotations

from hydria.api.call import Call
from hydria.api.handlers.objects import requested_version
from hydria.api.response import Response, xml_response
from hydria.api.xml.parse import parse_xml
from hydria.api.xml.render import document, element
from hydria.errors import S3Error
from hydria.model.tags import Kind, Tag, tags_from_document
from hydria.service import tagging as svc
from hydria.service.objects import version_headers


def tagging_document(tags: list[Tag]) -> bytes:
    items = "".join(f"<Tag>{element('Key', k)}{element('Value', v)}</Tag>" for k, v in tags)
    return document("Tagging", f"<TagSet>{items}</TagSet>")


async def _read_tags(call: Call, kind: Kind) -> list[Tag]:
    return tags_from_document(parse_xml(await call.read_xml_body(), "Tagging"), kind)


async def get_object_tagging(call: Call) -> Response:
    record, tags = await svc.get_object_tags(
        call.services, call.bucket, call.key, requested_version(call)
    )
    response = xml_response(tagging_document(tags))
    response.headers.extend(version_headers(record))
    return response


async def put_object_tagging(call: Call) -> Response:
    version_id = requested_version(call)
    tags = await _read_tags(call, "object")
    record = await svc.set_object_tags(
        call.services, call.bucket, call.key, version_id, tags, method="PUT"
    )
    return Response(headers=version_headers(record))


async def delete_object_tagging(call: Call) -> Response:
    record = await svc.set_object_tags(
        call.services, call.bucket, call.key, requested_version(call), [], method="DELETE"
    )
    return Response(status=204, headers=version_headers(record))


async def get_bucket_tagging(call: Call) -> Response:
    tags = await svc.get_bucket_tags(call.services, call.bucket)
    return xml_response(tagging_document(tags))


async def put_bucket_tagging(call: Call) -> Response:
    # S3 wants a digest of this document (not of PutObjectTagging's).
    if not call.sends_digest():
        raise S3Error(
            "InvalidRequest",
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
        )
    tags = await _read_tags(call, "bucket")
    await svc.set_bucket_tags(call.services, call.bucket, tags)
    return Response(status=204)


async def delete_bucket_tagging(call: Call) -> Response:
    await svc.set_bucket_tags(call.services, call.bucket, [])
    return Response(status=204)
