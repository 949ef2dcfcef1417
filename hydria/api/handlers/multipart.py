"""Multipart operations: CreateMultipartUpload, UploadPart, UploadPartCopy,
CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads."""

from __future__ import annotations

import dataclasses
from xml.etree.ElementTree import Element

from hydria.api.body import CHECKSUM_HEADERS, open_body
from hydria.api.call import Call
from hydria.api.conditions import evaluate_copy_source_conditions
from hydria.api.handlers.objects import (
    header_tags,
    parse_copy_source,
    upload_metadata,
    write_conditions,
)
from hydria.api.handlers.service import owner_xml
from hydria.api.headers import quote_etag
from hydria.api.params import int_param
from hydria.api.request import Headers
from hydria.api.response import Response, xml_response
from hydria.api.xml.parse import MAX_XML_BYTES, child_text, parse_xml
from hydria.api.xml.render import document, element, escape, iso8601, url_encode_key
from hydria.errors import S3Error
from hydria.meta.store import UploadRecord
from hydria.model.names import check_key
from hydria.model.objects import parse_range
from hydria.service import multipart as svc
from hydria.service import multipart_checksums as checks
from hydria.service import objects as objects_svc
from hydria.util.checksums import ALGORITHMS

MAX_LIST = 1000


def sent_checksum_algorithm(call: Call) -> str | None:
    """The algorithm of the checksum the client sends for this body (header or trailer)."""
    headers = call.request.headers
    for name, algorithm in CHECKSUM_HEADERS.items():
        if name in headers:
            return algorithm
    trailer = (headers.get("x-amz-trailer") or "").strip().lower()
    return CHECKSUM_HEADERS.get(trailer)


def checksum_elements(checksums: dict[str, str]) -> list[str]:
    """ChecksumCRC32, ChecksumSHA256... elements, in S3's algorithm order."""
    return [element(f"Checksum{a}", checksums[a]) for a in ALGORITHMS if a in checksums]


def _upload_checksum_elements(upload: UploadRecord) -> list[str]:
    rule = checks.upload_checksum(upload)
    if rule is None:
        return []
    return [element("ChecksumAlgorithm", rule.algorithm), element("ChecksumType", rule.type)]


async def create_multipart_upload(call: Call) -> Response:
    headers, storage_class = upload_metadata(call)
    checksum = checks.checksum_request(
        call.header("x-amz-checksum-algorithm"), call.header("x-amz-checksum-type")
    )
    upload = await svc.create_upload(
        call.services,
        call.bucket,
        call.key,
        owner_id=call.owner_id,
        headers=headers,
        storage_class=storage_class,
        checksum=checksum,
        tags=header_tags(call),
    )
    body = document(
        "InitiateMultipartUploadResult",
        [
            element("Bucket", call.bucket),
            element("Key", call.key),
            element("UploadId", upload.upload_id),
        ],
    )
    response = xml_response(body)
    if checksum is not None:
        response.header("x-amz-checksum-algorithm", checksum.algorithm)
        response.header("x-amz-checksum-type", checksum.type)
    return response


async def upload_part(call: Call) -> Response:
    number = svc.check_part_number(call.query.get("partNumber"))
    declared = call.require_content_length()
    upload = await svc.require_upload(call.services, call.bucket, call.key, call.query["uploadId"])
    rule = checks.upload_checksum(upload)
    body = call.body(compute_md5=False, checksum_algorithms=(rule.algorithm,) if rule else ())
    checks.check_part_checksum(upload, sent_checksum_algorithm(call))
    part = await svc.upload_part(
        call.services, upload, number, body, declared, checksums=lambda: body.checksums
    )
    out = [("etag", quote_etag(part.etag))]
    for alg, value in checks.part_checksums(part).items():
        out.append((f"x-amz-checksum-{alg.lower()}", value))
    return Response(headers=out)


async def upload_part_copy(call: Call) -> Response:
    number = svc.check_part_number(call.query.get("partNumber"))
    upload_id = call.query["uploadId"]
    upload = await svc.require_upload(call.services, call.bucket, call.key, upload_id)
    src_bucket, src_key, version = parse_copy_source(call.header("x-amz-copy-source") or "")
    check_key(src_key)
    source = await objects_svc.find_object(
        call.services, src_bucket, src_key, version, with_inline=True, copy_source=True
    )
    record = source[0]
    evaluate_copy_source_conditions(call, record)
    byte_range = None
    raw_range = call.header("x-amz-copy-source-range")
    if raw_range:
        byte_range = parse_range(raw_range, record.size)
        if (
            byte_range is None
            or not raw_range.startswith("bytes=")
            or raw_range.startswith("bytes=-")
        ):
            raise S3Error(
                "InvalidArgument",
                "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                "first and last are the zero-based offsets of the first and last bytes to copy",
                ArgumentName="x-amz-copy-source-range",
                ArgumentValue=raw_range,
            )
    length = byte_range.length if byte_range else record.size
    reader = objects_svc.open_object(call.services, source, byte_range)
    stream = reader.stream()
    checksums = None
    rule = checks.upload_checksum(upload)
    if rule is not None:
        stream, checksums = checks.checksummed(stream, rule.algorithm)
    try:
        part = await svc.upload_part(
            call.services, upload, number, stream, length, checksums=checksums
        )
    finally:
        reader.close()
    body = document(
        "CopyPartResult",
        [
            element("LastModified", iso8601(part.last_modified)),
            element("ETag", quote_etag(part.etag)),
            *checksum_elements(checks.part_checksums(part)),
        ],
    )
    response = xml_response(body)
    if record.version_id is not None:
        response.header("x-amz-copy-source-version-id", record.version_id)
    return response


async def _read_complete_xml(call: Call) -> bytes:
    """The request XML. Complete's x-amz-checksum-* headers are the whole object's checksum,
    not this body's, so the body reader must not check them against the XML."""
    kept = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in call.request.headers.raw_items()
        if name not in CHECKSUM_HEADERS and name != "x-amz-sdk-checksum-algorithm"
    ]
    request = dataclasses.replace(call.request, headers=Headers(kept))
    return await open_body(request, call.auth).read_all(MAX_XML_BYTES)


def _object_checksum_header(call: Call) -> tuple[str, str] | None:
    sent = [(a, v) for n, a in CHECKSUM_HEADERS.items() if (v := call.header(n)) is not None]
    if len(sent) > 1:
        raise S3Error(
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    return sent[0] if sent else None


def _completed_part(part: Element) -> checks.CompletedPart:
    number_text = child_text(part, "PartNumber")
    etag = child_text(part, "ETag")
    if number_text is None or etag is None:
        raise S3Error("MalformedXML")
    try:
        number = int(number_text.strip())
    except ValueError:
        raise S3Error("MalformedXML") from None
    checksums = {}
    for algorithm in ALGORITHMS:
        value = child_text(part, f"Checksum{algorithm}")
        if value is not None:
            checksums[algorithm] = value.strip()
    return checks.CompletedPart(number, etag, checksums)


async def complete_multipart_upload(call: Call) -> Response:
    upload_id = call.query["uploadId"]
    if_none_match, if_match = write_conditions(call)
    object_checksum = _object_checksum_header(call)
    await svc.require_upload(call.services, call.bucket, call.key, upload_id)
    root = parse_xml(await _read_complete_xml(call), "CompleteMultipartUpload")
    requested = [_completed_part(part) for part in root.findall("Part")]
    if not requested:
        raise S3Error("MalformedXML")
    record = await svc.complete_upload(
        call.services,
        call.bucket,
        call.key,
        upload_id,
        requested,
        object_checksum=object_checksum,
        checksum_type=call.header("x-amz-checksum-type"),
        if_none_match=if_none_match,
        if_match_etag=if_match,
    )
    location = f"{call.request.scheme}://{call.request.host}/{call.bucket}/{call.key}"
    children = [
        element("Location", location),
        element("Bucket", call.bucket),
        element("Key", call.key),
        element("ETag", quote_etag(record.etag)),
    ]
    stored = record.extra.get("checksums")
    if isinstance(stored, dict) and stored:
        children += checksum_elements(stored)
        children.append(element("ChecksumType", record.extra.get("checksum_type", "")))
    response = xml_response(document("CompleteMultipartUploadResult", children))
    response.headers.extend(objects_svc.version_headers(record))
    return response


async def abort_multipart_upload(call: Call) -> Response:
    await svc.abort_upload(call.services, call.bucket, call.key, call.query["uploadId"])
    return Response(status=204)


async def list_parts(call: Call) -> Response:
    upload_id = call.query["uploadId"]
    upload = await svc.require_upload(call.services, call.bucket, call.key, upload_id)
    max_parts = int_param(call.query, "max-parts", MAX_LIST, MAX_LIST)
    marker = int_param(call.query, "part-number-marker", 0, svc.MAX_PARTS)
    rows = await call.services.meta.list_parts(upload_id, marker, max_parts + 1)
    truncated = len(rows) > max_parts
    rows = rows[:max_parts]
    parts = [
        element("Bucket", call.bucket),
        element("Key", call.key),
        element("UploadId", upload_id),
        element("PartNumberMarker", marker),
    ]
    if rows:
        parts.append(element("NextPartNumberMarker", rows[-1].part_number))
    parts += [
        element("MaxParts", max_parts),
        element("IsTruncated", "true" if truncated else "false"),
    ]
    for p in rows:
        parts.append(
            "<Part>"
            + element("PartNumber", p.part_number)
            + element("LastModified", iso8601(p.last_modified))
            + element("ETag", quote_etag(p.etag))
            + element("Size", p.size)
            + "".join(checksum_elements(checks.part_checksums(p)))
            + "</Part>"
        )
    parts.append(
        "<Initiator>"
        + element("ID", upload.owner_id)
        + element("DisplayName", "hydria")
        + "</Initiator>"
    )
    parts.append(owner_xml(upload.owner_id))
    parts.append(element("StorageClass", upload.storage_class))
    parts += _upload_checksum_elements(upload)
    return xml_response(document("ListPartsResult", parts))


async def list_multipart_uploads(call: Call) -> Response:
    await call.services.require_bucket(call.bucket)
    url = call.query.get("encoding-type", "").lower() == "url"
    enc = (lambda t: escape(url_encode_key(t))) if url else escape
    prefix = call.query.get("prefix", "")
    delimiter = call.query.get("delimiter", "")
    key_marker = call.query.get("key-marker", "")
    upload_marker = call.query.get("upload-id-marker", "") if key_marker else ""
    max_uploads = int_param(call.query, "max-uploads", MAX_LIST, MAX_LIST)
    uploads: list[str] = []
    prefixes: list[str] = []
    seen_prefixes: set[str] = set()
    truncated = False
    next_key = next_upload = ""
    cursor_key, cursor_upload = key_marker, upload_marker or ("\U0010ffff" if key_marker else "")
    count = 0
    while count < max_uploads + 1:
        rows = await call.services.meta.list_uploads(
            call.bucket, prefix, cursor_key, cursor_upload, MAX_LIST
        )
        if not rows:
            break
        for u in rows:
            cursor_key, cursor_upload = u.key, u.upload_id
            if delimiter:
                rest = u.key[len(prefix) :]
                idx = rest.find(delimiter)
                if idx >= 0:
                    common = prefix + rest[: idx + len(delimiter)]
                    if common in seen_prefixes:
                        continue
                    if count == max_uploads:
                        truncated = True
                        break
                    seen_prefixes.add(common)
                    prefixes.append(
                        f"<CommonPrefixes><Prefix>{enc(common)}</Prefix></CommonPrefixes>"
                    )
                    count += 1
                    next_key, next_upload = u.key, u.upload_id
                    continue
            if count == max_uploads:
                truncated = True
                break
            uploads.append(
                "<Upload>"
                + f"<Key>{enc(u.key)}</Key>"
                + element("UploadId", u.upload_id)
                + "<Initiator>"
                + element("ID", u.owner_id)
                + element("DisplayName", "hydria")
                + "</Initiator>"
                + owner_xml(u.owner_id)
                + element("StorageClass", u.storage_class)
                + element("Initiated", iso8601(u.initiated))
                + "".join(_upload_checksum_elements(u))
                + "</Upload>"
            )
            count += 1
            next_key, next_upload = u.key, u.upload_id
        if truncated or len(rows) < MAX_LIST:
            break
    head = [
        element("Bucket", call.bucket),
        f"<KeyMarker>{enc(key_marker)}</KeyMarker>",
        element("UploadIdMarker", upload_marker),
    ]
    if truncated:
        head.append(f"<NextKeyMarker>{enc(next_key)}</NextKeyMarker>")
        head.append(element("NextUploadIdMarker", next_upload))
    head.append(f"<Prefix>{enc(prefix)}</Prefix>")
    if delimiter:
        head.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    head.append(element("MaxUploads", max_uploads))
    if url:
        head.append(element("EncodingType", "url"))
    head.append(element("IsTruncated", "true" if truncated else "false"))
    return xml_response(document("ListMultipartUploadsResult", head + uploads + prefixes))
