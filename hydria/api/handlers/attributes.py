"""GetObjectAttributes: an object's ETag, checksum, parts, storage class and size in one call.

It answers what HeadObject and ListParts would, from the object's record alone: multipart
objects keep their part sizes and, when the upload declared a checksum, each part's checksum.
"""

from __future__ import annotations

from hydria.api.call import Call
from hydria.api.handlers.multipart import checksum_elements
from hydria.api.handlers.objects import requested_version
from hydria.api.headers import http_date
from hydria.api.params import int_param
from hydria.api.response import Response, xml_response
from hydria.api.xml.render import document, element
from hydria.errors import S3Error
from hydria.meta.store import ObjectRecord
from hydria.service import objects as objects_svc
from hydria.util.checksums import FULL_OBJECT

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
MAX_PARTS = 1000


def requested_attributes(value: str | None) -> set[str]:
    """The x-amz-object-attributes names; S3 refuses an empty list or an unknown name."""
    names = {n.strip() for n in (value or "").split(",") if n.strip()}
    if not names or not names <= set(ATTRIBUTES):
        raise S3Error("InvalidArgument", "Invalid attribute name specified.")
    return names


def _checksum_xml(record: ObjectRecord) -> str | None:
    stored = record.extra.get("checksums")
    if not isinstance(stored, dict) or not stored:
        return None
    kind = str(record.extra.get("checksum_type") or FULL_OBJECT)
    # A COMPOSITE value is written '<base64>-<parts>' elsewhere; here S3 gives the bare value.
    bare = {alg: str(v).split("-", 1)[0] for alg, v in stored.items()}
    inner = "".join(checksum_elements(bare)) + element("ChecksumType", kind)
    return f"<Checksum>{inner}</Checksum>"


def _part_numbers(record: ObjectRecord, count: int) -> list[int]:
    numbers = record.extra.get("part_numbers")
    if isinstance(numbers, list) and len(numbers) == count:
        return [int(n) for n in numbers]
    return list(range(1, count + 1))


def _parts_xml(record: ObjectRecord, marker: int, max_parts: int) -> str:
    """ObjectParts of a multipart object. S3 lists the parts themselves only for objects
    uploaded with an additional checksum; otherwise it gives just their count."""
    sizes = record.part_sizes or []
    per_part = record.extra.get("part_checksums")
    stored = record.extra.get("checksums")
    count = element("PartsCount", len(sizes))
    if not (isinstance(per_part, list) and isinstance(stored, dict) and stored):
        return f"<ObjectParts>{count}</ObjectParts>"
    algorithm = next(iter(stored))
    numbers = _part_numbers(record, len(sizes))
    listed = [p for p in zip(numbers, sizes, per_part, strict=True) if p[0] > marker]
    truncated = len(listed) > max_parts
    listed = listed[:max_parts]
    children = [
        element("IsTruncated", "true" if truncated else "false"),
        element("MaxParts", max_parts),
    ]
    if listed:
        children.append(element("NextPartNumberMarker", listed[-1][0]))
    children.append(element("PartNumberMarker", marker))
    for number, size, value in listed:
        children.append(
            "<Part>"
            + element(f"Checksum{algorithm}", value)
            + element("PartNumber", number)
            + element("Size", size)
            + "</Part>"
        )
    children.append(count)
    return "<ObjectParts>" + "".join(children) + "</ObjectParts>"


async def get_object_attributes(call: Call) -> Response:
    wanted = requested_attributes(call.header("x-amz-object-attributes"))
    limits = {
        "x-amz-max-parts": call.header("x-amz-max-parts") or "",
        "x-amz-part-number-marker": call.header("x-amz-part-number-marker") or "",
    }
    max_parts = int_param(limits, "x-amz-max-parts", MAX_PARTS, MAX_PARTS)
    marker = int_param(limits, "x-amz-part-number-marker", 0, 10_000)
    found = await objects_svc.find_object(
        call.services, call.bucket, call.key, requested_version(call), with_inline=False
    )
    record = found[0]
    children = []
    if "ETag" in wanted:
        children.append(element("ETag", record.etag))
    if "Checksum" in wanted:
        checksum = _checksum_xml(record)
        if checksum is not None:
            children.append(checksum)
    if "ObjectParts" in wanted and record.part_sizes is not None:
        children.append(_parts_xml(record, marker, max_parts))
    if "StorageClass" in wanted:
        children.append(element("StorageClass", record.storage_class))
    if "ObjectSize" in wanted:
        children.append(element("ObjectSize", record.size))
    response = xml_response(document("GetObjectAttributesResponse", children))
    response.headers.extend(objects_svc.version_headers(record))
    return response.header("last-modified", http_date(record.last_modified))
