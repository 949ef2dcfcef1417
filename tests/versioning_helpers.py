"""Helpers shared by the versioning suites: boto3 shortcuts and raw ListObjectVersions XML."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError
from rawhttp import signed_request

KIB = 1024
MIB = 1024 * KIB
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --- helpers -------------------------------------------------------------------------------


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def err_headers(exc: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    return exc.value.response["ResponseMetadata"]["HTTPHeaders"]


def headers(resp: dict) -> dict[str, str]:
    return resp["ResponseMetadata"]["HTTPHeaders"]


def set_versioning(s3, bucket: str, state: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": state})


def put(s3, bucket: str, key: str, body: bytes, **kw) -> str | None:  # type: ignore[no-untyped-def]
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kw).get("VersionId")


def body_of(s3, bucket: str, key: str, version: str | None = None) -> bytes:  # type: ignore[no-untyped-def]
    kw = {"VersionId": version} if version is not None else {}
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def entries(s3, bucket: str, **kw) -> list[tuple[str, str, str, bool]]:  # type: ignore[no-untyped-def]
    """Every version and delete marker from boto3's paginator, as (kind, key, id, is_latest);
    boto3 returns the two kinds in separate lists, so the order between them is lost."""
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        out += [("V", v["Key"], v["VersionId"], v["IsLatest"]) for v in page.get("Versions", [])]
        out += [
            ("M", m["Key"], m["VersionId"], m["IsLatest"]) for m in page.get("DeleteMarkers", [])
        ]
    return out


def raw_list_versions(server, bucket: str, query: str = "") -> ET.Element:  # type: ignore[no-untyped-def]
    path = f"/{bucket}?versions" + (f"&{query}" if query else "")
    st, _, body = signed_request(server, "GET", path)
    assert st == 200, body
    return ET.fromstring(body)


def raw_entries(root: ET.Element) -> list[tuple[str, str, str, bool]]:
    """(kind, key, version id, is_latest) in the order the XML lists Version and DeleteMarker."""
    out = []
    for child in root:
        tag = child.tag.removeprefix(NS)
        if tag in ("Version", "DeleteMarker"):
            out.append(
                (
                    "V" if tag == "Version" else "M",
                    child.findtext(f"{NS}Key"),
                    child.findtext(f"{NS}VersionId"),
                    child.findtext(f"{NS}IsLatest") == "true",
                )
            )
    return out


def all_raw_entries(server, bucket: str) -> list[tuple[str, str, str, bool]]:  # type: ignore[no-untyped-def]
    root = raw_list_versions(server, bucket)
    assert root.findtext(f"{NS}IsTruncated") == "false"
    return raw_entries(root)


def content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()
