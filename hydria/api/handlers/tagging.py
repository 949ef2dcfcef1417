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


def tagging_document(tags: list[Tag]) -> bytes:
    items = "".join(f"<Tag>{element('Key', k)}{element('Value', v)}</Tag>" for k, v in tags)
    return document("Tagging", f"<TagSet>{items}</TagSet>")


async def _read_tags(call: Call, kind: Kind) -> list[Tag]:
    return tags_from_document(parse_xml(await call.read_xml_body(), "Tagging"), kind)


def _version_header(version_id: str | None) -> list[tuple[str, str]]:
    return [("x-amz-version-id", version_id)] if version_id is not None else []


async def get_object_tagging(call: Call) -> Response:
    record, tags = await svc.get_object_tags(
        call.services, call.bucket, call.key, requested_version(call)
    )
    response = xml_response(tagging_document(tags))
    response.headers.extend(_version_header(record.version_id))
    return response


async def put_object_tagging(call: Call) -> Response:
    version_id = requested_version(call)
    tags = await _read_tags(call, "object")
    record = await svc.set_object_tags(
        call.services, call.bucket, call.key, version_id, tags, method="PUT"
    )
    return Response(headers=_version_header(record.version_id))


async def delete_object_tagging(call: Call) -> Response:
    record = await svc.set_object_tags(
        call.services, call.bucket, call.key, requested_version(call), [], method="DELETE"
    )
    return Response(status=204, headers=_version_header(record.version_id))


async def get_bucket_tagging(call: Call) -> Response:
    tags = await svc.get_bucket_tags(call.services, call.bucket)
    return xml_response(tagging_document(tags))


async def put_bucket_tagging(call: Call) -> Response:
    # S3 wants a digest of this document (not of PutObjectTagging's).
    headers = call.request.headers
    if "content-md5" not in headers and not any(
        name.startswith("x-amz-checksum-") for name, _ in headers.items()
    ):
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
