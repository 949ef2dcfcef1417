"""Versioning: Get/PutBucketVersioning and ListObjectVersions."""

from __future__ import annotations

from hydria.api.call import Call
from hydria.api.handlers.listing import common_prefixes_xml, encoder, max_keys_param, page_tail
from hydria.api.handlers.service import owner_xml
from hydria.api.response import Response, xml_response
from hydria.api.xml.parse import child_text, parse_xml
from hydria.api.xml.render import document, element, iso8601, quoted_etag
from hydria.errors import S3Error, not_implemented
from hydria.meta.store import ObjectRecord
from hydria.model.versions import check_version_id
from hydria.service import versions as svc

STATUSES = ("Enabled", "Suspended")


async def get_bucket_versioning(call: Call) -> Response:
    bucket = await call.services.require_bucket(call.bucket)
    children = []
    if bucket.versioning:
        children.append(element("Status", bucket.versioning))
    return xml_response(document("VersioningConfiguration", children))


async def put_bucket_versioning(call: Call) -> Response:
    root = parse_xml(await call.read_xml_body(), "VersioningConfiguration")
    status = child_text(root, "Status")
    mfa_delete = child_text(root, "MfaDelete")
    if status not in STATUSES or mfa_delete not in (None, "Enabled", "Disabled"):
        raise S3Error("MalformedXML")
    if mfa_delete == "Enabled":
        # MFA delete comes with object lock and MFA devices (a later issue).
        raise not_implemented()
    await svc.set_versioning(call.services, call.bucket, status)
    return Response()


def _entry_xml(rec: ObjectRecord, enc) -> str:  # type: ignore[no-untyped-def]
    common = (
        f"<Key>{enc(rec.key)}</Key>"
        + element("VersionId", svc.shown_version_id(rec))
        + element("IsLatest", "true" if rec.is_latest else "false")
        + element("LastModified", iso8601(rec.last_modified))
    )
    if rec.is_marker:
        return f"<DeleteMarker>{common}{owner_xml(rec.owner_id)}</DeleteMarker>"
    return (
        f"<Version>{common}<ETag>{quoted_etag(rec.etag)}</ETag>"
        f"<Size>{rec.size}</Size>{owner_xml(rec.owner_id)}"
        f"<StorageClass>{rec.storage_class}</StorageClass></Version>"
    )


async def list_object_versions(call: Call) -> Response:
    enc = encoder(call)
    prefix = call.query.get("prefix", "")
    delimiter = call.query.get("delimiter", "")
    key_marker = call.query.get("key-marker", "")
    version_id_marker = call.query.get("version-id-marker")
    if version_id_marker is not None:
        if not key_marker:
            raise S3Error(
                "InvalidArgument",
                "A version-id marker cannot be specified without a key marker.",
                ArgumentName="version-id-marker",
                ArgumentValue=version_id_marker,
            )
        check_version_id(version_id_marker, "version-id-marker")
    max_keys = max_keys_param(call)
    page = await svc.list_versions_page(
        call.services,
        call.bucket,
        prefix=prefix,
        delimiter=delimiter,
        key_marker=key_marker,
        version_id_marker=version_id_marker,
        max_keys=max_keys,
    )
    head = [
        element("Name", call.bucket),
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<KeyMarker>{enc(key_marker)}</KeyMarker>",
        element("VersionIdMarker", version_id_marker or ""),
    ]
    if page.is_truncated:
        head.append(f"<NextKeyMarker>{enc(page.next_key_marker)}</NextKeyMarker>")
        if page.next_version_id_marker is not None:
            head.append(element("NextVersionIdMarker", page.next_version_id_marker))
    head += page_tail(call, enc, max_keys, delimiter, page.is_truncated)
    body = [_entry_xml(rec, enc) for rec in page.entries]
    body += common_prefixes_xml(page.common_prefixes, enc)
    return xml_response(document("ListVersionsResult", head + body))
