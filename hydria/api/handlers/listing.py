"""Listing operations: ListObjects (v1) and ListObjectsV2."""

from __future__ import annotations

import base64

from hydria.api.call import Call
from hydria.api.handlers.service import owner_xml
from hydria.api.params import int_param
from hydria.api.response import Response, xml_response
from hydria.api.xml.render import (
    document,
    element,
    escape,
    iso8601,
    quoted_etag,
    url_encode_key,
)
from hydria.errors import S3Error
from hydria.meta.store import ObjectRecord
from hydria.service.listing import ListPage, list_page

MAX_KEYS = 1000


def max_keys_param(call: Call) -> int:
    return int_param(call.query, "max-keys", MAX_KEYS, MAX_KEYS, label="maxKeys")


def encoder(call: Call):  # type: ignore[no-untyped-def]
    kind = call.query.get("encoding-type")
    if kind is None:
        return escape
    if kind.lower() != "url":
        raise S3Error(
            "InvalidArgument",
            "Invalid Encoding Method specified in Request",
            ArgumentName="encoding-type",
            ArgumentValue=kind,
        )
    return lambda text: escape(url_encode_key(text))


def _contents(rec: ObjectRecord, enc, with_owner: bool) -> str:  # type: ignore[no-untyped-def]
    owner = owner_xml(rec.owner_id) if with_owner else ""
    return (
        f"<Contents><Key>{enc(rec.key)}</Key>"
        f"<LastModified>{iso8601(rec.last_modified)}</LastModified>"
        f"<ETag>{quoted_etag(rec.etag)}</ETag>"
        f"<Size>{rec.size}</Size>{owner}"
        f"<StorageClass>{rec.storage_class}</StorageClass></Contents>"
    )


def common_prefixes_xml(prefixes: list[str], enc) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>" for p in prefixes]


def page_tail(  # type: ignore[no-untyped-def]
    call: Call, enc, max_keys: int, delimiter: str, truncated: bool
) -> list[str]:
    """MaxKeys, Delimiter, EncodingType and IsTruncated, in the order ListObjects (v1) and
    ListObjectVersions give them."""
    tail = [element("MaxKeys", max_keys)]
    if delimiter:
        tail.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if "encoding-type" in call.query:
        tail.append(element("EncodingType", "url"))
    tail.append(element("IsTruncated", "true" if truncated else "false"))
    return tail


def _page_xml(page: ListPage, enc, with_owner: bool) -> list[str]:  # type: ignore[no-untyped-def]
    parts = [_contents(rec, enc, with_owner) for rec in page.contents]
    return parts + common_prefixes_xml(page.common_prefixes, enc)


async def list_objects(call: Call) -> Response:
    enc = encoder(call)
    prefix = call.query.get("prefix", "")
    delimiter = call.query.get("delimiter", "")
    marker = call.query.get("marker", "")
    max_keys = max_keys_param(call)
    page = await list_page(
        call.services,
        call.bucket,
        prefix=prefix,
        delimiter=delimiter,
        start_after=marker,
        max_keys=max_keys,
    )
    head = [
        element("Name", call.bucket),
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<Marker>{enc(marker)}</Marker>",
    ]
    if page.is_truncated and delimiter:
        head.append(f"<NextMarker>{enc(page.last)}</NextMarker>")
    head += page_tail(call, enc, max_keys, delimiter, page.is_truncated)
    return xml_response(document("ListBucketResult", head + _page_xml(page, enc, True)))


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(("1:" + key).encode()).decode()


def decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        text = ""
    if not text.startswith("1:"):
        raise S3Error(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            ArgumentName="continuation-token",
        )
    return text[2:]


async def list_objects_v2(call: Call) -> Response:
    if call.query.get("list-type") != "2":
        raise S3Error(
            "InvalidArgument",
            "Invalid List Type specified in Request",
            ArgumentName="list-type",
            ArgumentValue=call.query.get("list-type", ""),
        )
    enc = encoder(call)
    prefix = call.query.get("prefix", "")
    delimiter = call.query.get("delimiter", "")
    start_after = call.query.get("start-after", "")
    token = call.query.get("continuation-token")
    if token is not None and token == "":
        raise S3Error(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            ArgumentName="continuation-token",
        )
    cursor = decode_token(token) if token else start_after
    if start_after > cursor:
        cursor = start_after
    max_keys = max_keys_param(call)
    fetch_owner = call.query.get("fetch-owner", "").lower() == "true"
    page = await list_page(
        call.services,
        call.bucket,
        prefix=prefix,
        delimiter=delimiter,
        start_after=cursor,
        max_keys=max_keys,
    )
    head = [element("Name", call.bucket), f"<Prefix>{enc(prefix)}</Prefix>"]
    if delimiter:
        head.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    head.append(element("MaxKeys", max_keys))
    if "encoding-type" in call.query:
        head.append(element("EncodingType", "url"))
    head.append(element("KeyCount", len(page.contents) + len(page.common_prefixes)))
    if token:
        head.append(element("ContinuationToken", token))
    if page.is_truncated:
        head.append(element("NextContinuationToken", encode_token(page.last)))
    if "start-after" in call.query:
        head.append(f"<StartAfter>{enc(start_after)}</StartAfter>")
    head.append(element("IsTruncated", "true" if page.is_truncated else "false"))
    return xml_response(document("ListBucketResult", head + _page_xml(page, enc, fetch_owner)))
