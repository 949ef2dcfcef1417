"""Bucket versioning state and ListObjectVersions with delimiter roll-up.

Versions are listed key by key, newest first, through ``listing.roll_up``: a key that rolls
up into a common prefix makes the next query seek past everything under that prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hydria.meta.store import MetaError, ObjectRecord
from hydria.model.versions import NULL_VERSION
from hydria.service.context import ServiceContext, write_error
from hydria.service.listing import resumes_past_prefix, roll_up


async def set_versioning(ctx: ServiceContext, bucket: str, status: str) -> None:
    try:
        await ctx.meta.set_bucket_versioning(bucket, status)
    except MetaError as exc:
        raise write_error(exc, bucket=bucket) from None


@dataclass
class VersionsPage:
    entries: list[ObjectRecord] = field(default_factory=list)
    """Versions and delete markers, in listing order."""
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_key_marker: str = ""
    next_version_id_marker: str | None = None


def shown_version_id(record: ObjectRecord) -> str:
    return record.version_id or NULL_VERSION


async def list_versions_page(
    ctx: ServiceContext,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    key_marker: str,
    version_id_marker: str | None,
    max_keys: int,
) -> VersionsPage:
    await ctx.require_bucket(bucket)
    if max_keys <= 0:
        return VersionsPage()
    seq = None
    if version_id_marker is not None and key_marker:
        seq = await ctx.meta.version_seq(bucket, key_marker, version_id_marker)
    # (key, seq, inclusive): after key_marker's version seq, or past all of key_marker.
    start: tuple[str, int | None, bool] = (key_marker, seq, False)
    if seq is None and version_id_marker == NULL_VERSION and key_marker:
        # The null version the marker names is gone: list the key again rather than lose
        # its older versions.
        start = (key_marker, None, True)
    past = resumes_past_prefix(key_marker, prefix, delimiter) if seq is None else None
    if past == "":
        return VersionsPage()
    if past is not None:
        start = (past, None, True)

    async def fetch(cursor: tuple[str, int | None, bool], n: int) -> list[ObjectRecord]:
        key, after_seq, inclusive = cursor
        return await ctx.meta.list_object_versions(
            bucket, prefix, key, after_seq, n, inclusive=inclusive
        )

    rolled = await roll_up(
        fetch,
        start=start,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        key_of=lambda rec: rec.key,
        after=lambda rec: (rec.key, rec.seq, False),
        from_key=lambda key: (key, None, True),
    )
    page = VersionsPage(rolled.rows, rolled.common_prefixes, rolled.is_truncated)
    if isinstance(rolled.last, ObjectRecord):
        page.next_key_marker = rolled.last.key
        page.next_version_id_marker = shown_version_id(rolled.last)
    elif rolled.last is not None:
        page.next_key_marker = rolled.last
    return page
