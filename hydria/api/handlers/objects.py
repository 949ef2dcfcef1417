"""Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject."""

from __future__ import annotations

from urllib.parse import unquote

from hydria.api.call import Call
from hydria.api.conditions import evaluate_copy_source_conditions, evaluate_read_conditions
from hydria.api.headers import http_date, object_headers, quote_etag
from hydria.api.response import Response, xml_response
from hydria.api.xml.parse import child_text, parse_xml
from hydria.api.xml.render import document, element, escape, iso8601
from hydria.errors import S3Error, not_implemented
from hydria.model.names import check_key
from hydria.model.objects import (
    ByteRange,
    check_storage_class,
    metadata_from_headers,
    parse_range,
)
from hydria.model.tags import Tag, stored_tags, tags_from_header
from hydria.model.versions import check_version_id
from hydria.service import objects as svc

MAX_DELETE_KEYS = 1000

_UNSUPPORTED_HEADERS = (
    "x-amz-website-redirect-location",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-aws-kms-key-id",
)


def refuse_unsupported_headers(call: Call) -> None:
    """Headers that imply features of later issues: refuse rather than silently ignore."""
    for name in _UNSUPPORTED_HEADERS:
        if name in call.request.headers:
            raise not_implemented()
    sse = call.header("x-amz-server-side-encryption")
    if sse is not None and sse != "AES256":
        raise not_implemented()


def upload_metadata(call: Call) -> tuple[dict[str, str], str]:
    refuse_unsupported_headers(call)
    headers = metadata_from_headers(call.request.headers.items())
    storage_class = check_storage_class(call.header("x-amz-storage-class"))
    return headers, storage_class


def if_match_etag(call: Call) -> str | None:
    """If-Match on a write: the ETag it names, quotes removed."""
    if_match = call.header("if-match")
    return if_match.strip().strip('"') if if_match else None


def write_conditions(call: Call) -> tuple[bool, str | None]:
    """If-None-Match: * and If-Match: <etag> on writes."""
    none_match = call.header("if-none-match")
    if none_match is not None and none_match.strip() != "*":
        raise not_implemented()
    return none_match is not None, if_match_etag(call)


def header_tags(call: Call) -> list[Tag]:
    """The tags of x-amz-tagging (none without it), checked before any body byte is read."""
    value = call.header("x-amz-tagging")
    return tags_from_header(value) if value is not None else []


async def put_object(call: Call) -> Response:
    headers, storage_class = upload_metadata(call)
    tags = header_tags(call)
    declared = call.require_content_length()
    if_none_match, if_match = write_conditions(call)
    body = call.body(compute_md5=False)
    record = await svc.put_object(
        call.services,
        call.bucket,
        call.key,
        body,
        declared_size=declared,
        owner_id=call.owner_id,
        headers=headers,
        storage_class=storage_class,
        if_none_match=if_none_match,
        if_match_etag=if_match,
        checksums=lambda: body.checksums,
        tags=tags,
    )
    out = [("etag", quote_etag(record.etag))]
    out.extend((f"x-amz-checksum-{alg.lower()}", value) for alg, value in body.checksums.items())
    out.extend(svc.version_headers(record))
    return Response(headers=out)


def _part_range(
    call: Call, size: int, part_sizes: list[int] | None
) -> tuple[ByteRange | None, int]:
    """The byte range selected by ?partNumber, and the parts count to report."""
    number = int(call.query["partNumber"]) if call.query["partNumber"].isdigit() else 0
    if number < 1 or number > 10000:
        raise S3Error(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=call.query["partNumber"],
        )
    sizes = part_sizes or [size]
    if number > len(sizes):
        raise S3Error(
            "InvalidPartNumber", PartNumberRequested=str(number), ActualPartCount=str(len(sizes))
        )
    start = sum(sizes[: number - 1])
    if sizes[number - 1] == 0:
        return None, len(sizes)
    return ByteRange(start, start + sizes[number - 1] - 1), len(sizes)


async def get_object(call: Call, *, head: bool = False) -> Response:
    services = call.services
    version_id = requested_version(call)
    # HEAD needs only the record; reading inline bytes through the join would be waste.
    found = await svc.find_object(
        services,
        call.bucket,
        call.key,
        version_id,
        with_inline=not head,
        method="HEAD" if head else "GET",
    )
    record = found[0]
    not_modified = evaluate_read_conditions(call, record)
    if not_modified is not None:
        return not_modified
    parts_count: int | None = None
    if "partNumber" in call.query:
        byte_range, parts_count = _part_range(call, record.size, record.part_sizes)
        if record.part_sizes is None:
            parts_count = None
    else:
        byte_range = parse_range(call.header("range"), record.size)
    headers = object_headers(record, call.query)
    if (call.header("x-amz-checksum-mode") or "").upper() == "ENABLED" and byte_range is None:
        stored = record.extra.get("checksums") or {}
        if isinstance(stored, dict) and stored:
            headers.extend((f"x-amz-checksum-{alg.lower()}", v) for alg, v in stored.items())
            checksum_type = str(record.extra.get("checksum_type", "FULL_OBJECT"))
            headers.append(("x-amz-checksum-type", checksum_type))
    if parts_count is not None:
        headers.append(("x-amz-mp-parts-count", str(parts_count)))
    status = 200
    length = record.size
    if byte_range is not None:
        status = 206
        length = byte_range.length
        headers.append(
            ("content-range", f"bytes {byte_range.start}-{byte_range.end}/{record.size}")
        )
    if head:
        return Response(status=status, headers=headers, content_length=length)
    inline = found[1]
    if inline is not None:
        # Small objects came with their record: answer in one message, no stream.
        start = byte_range.start if byte_range else 0
        return Response(status=status, headers=headers, body=inline[start : start + length])
    reader = svc.open_object(services, found, byte_range)
    return Response(status=status, headers=headers, stream=reader.stream(), content_length=length)


async def head_object(call: Call) -> Response:
    return await get_object(call, head=True)


def requested_version(call: Call) -> str | None:
    """The ?versionId a request names, validated; None for the current version."""
    value = call.query.get("versionId")
    return check_version_id(value) if value is not None else None


async def delete_object(call: Call) -> Response:
    version_id = requested_version(call)
    gone = await svc.delete_object(
        call.services,
        call.bucket,
        call.key,
        version_id,
        owner_id=call.owner_id,
        if_match_etag=if_match_etag(call),
    )
    return Response(status=204, headers=svc.delete_result_headers(version_id, gone))


async def delete_objects(call: Call) -> Response:
    if not call.sends_digest():
        raise S3Error("InvalidRequest", "Missing required header for this request: Content-Md5")
    root = parse_xml(await call.read_xml_body(), "Delete")
    quiet = (child_text(root, "Quiet") or "").strip().lower() == "true"
    objects = root.findall("Object")
    if not objects or len(objects) > MAX_DELETE_KEYS:
        raise S3Error("MalformedXML")
    targets: list[tuple[str, str | None]] = []
    for obj in objects:
        key = child_text(obj, "Key")
        if key is None:
            raise S3Error("MalformedXML")
        targets.append((key, child_text(obj, "VersionId")))
    await call.services.require_bucket(call.bucket)
    parts = [await _delete_one(call, key, version_id, quiet) for key, version_id in targets]
    return xml_response(document("DeleteResult", parts))


async def _delete_one(call: Call, key: str, version_id: str | None, quiet: bool) -> str:
    """One DeleteObjects entry: its <Deleted> (empty when quiet) or <Error> element."""
    try:
        check_key(key)
        if version_id is not None:
            check_version_id(version_id)
        gone = await svc.delete_object(
            call.services, call.bucket, key, version_id, owner_id=call.owner_id
        )
    except S3Error as exc:
        return (
            "<Error>"
            + element("Key", key)
            + (element("VersionId", version_id) if version_id is not None else "")
            + element("Code", exc.code)
            + element("Message", exc.message)
            + "</Error>"
        )
    if quiet:
        return ""
    out = f"<Deleted><Key>{escape(key)}</Key>"
    if version_id is not None:
        out += element("VersionId", version_id)
    if gone is not None and gone.is_marker:
        out += "<DeleteMarker>true</DeleteMarker>"
        out += element("DeleteMarkerVersionId", gone.version_id or "null")
    return out + "</Deleted>"


def parse_copy_source(value: str) -> tuple[str, str, str | None]:
    """(bucket, key, version id) from x-amz-copy-source: '/bucket/key?versionId=...'; a
    malformed version id is InvalidArgument."""
    source, _, query = value.partition("?")
    source = unquote(source)
    if source.startswith("/"):
        source = source[1:]
    bucket, sep, key = source.partition("/")
    if not bucket or not sep or not key:
        raise S3Error(
            "InvalidArgument", "Invalid copy source object key", ArgumentName="x-amz-copy-source"
        )
    version = None
    if query.startswith("versionId="):
        version = check_version_id(unquote(query[len("versionId=") :]))
    return bucket, key, version


def copy_directive(call: Call, kind: str) -> str:
    """x-amz-metadata-directive / x-amz-tagging-directive: COPY (the source's, the default) or
    REPLACE (the request's)."""
    header = f"x-amz-{kind}-directive"
    directive = (call.header(header) or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", f"Unknown {kind} directive.", ArgumentName=header)
    return directive


async def copy_object(call: Call) -> Response:
    refuse_unsupported_headers(call)
    src_bucket, src_key, version = parse_copy_source(call.header("x-amz-copy-source") or "")
    check_key(src_key)
    directive = copy_directive(call, "metadata")
    replace_tags = copy_directive(call, "tagging") == "REPLACE"
    new_tags = header_tags(call) if replace_tags else []
    services = call.services
    source = await svc.find_object(
        services, src_bucket, src_key, version, with_inline=True, copy_source=True
    )
    record = source[0]
    evaluate_copy_source_conditions(call, record)
    limit = services.settings.max_object_size
    if record.size > limit:
        raise S3Error(
            "InvalidRequest",
            "The specified copy source is larger than the maximum allowable size for a copy "
            f"source: {limit}",
        )
    new_class = call.header("x-amz-storage-class")
    storage_class = check_storage_class(new_class) if new_class else record.storage_class
    if directive == "REPLACE":
        headers = metadata_from_headers(call.request.headers.items())
    else:
        headers = dict(record.headers)
    if (
        src_bucket == call.bucket
        and src_key == call.key
        and version is None
        and directive == "COPY"
        and storage_class == record.storage_class
    ):
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes.",
        )
    await services.require_bucket(call.bucket)
    reader = svc.open_object(services, source, None)
    try:
        new = await svc.put_object(
            services,
            call.bucket,
            call.key,
            reader.stream(),
            declared_size=record.size,
            owner_id=call.owner_id,
            headers=headers,
            storage_class=storage_class,
            tags=new_tags if replace_tags else stored_tags(record.extra),
        )
    finally:
        reader.close()
    body = document(
        "CopyObjectResult",
        [
            element("LastModified", iso8601(new.last_modified)),
            element("ETag", quote_etag(new.etag)),
        ],
    )
    response = xml_response(body).header("last-modified", http_date(new.last_modified))
    if record.version_id is not None:
        response.header("x-amz-copy-source-version-id", record.version_id)
    response.headers.extend(svc.version_headers(new))
    return response
