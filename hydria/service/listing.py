"""Object listing (ListObjects v1/v2) and the delimiter roll-up that versions listing shares.

CommonPrefixes are computed by seeking: when a key rolls up into a prefix, the next query
starts past every key under that prefix, so a delimiter page costs one index seek per entry
instead of a scan of everything below it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hydria.meta.store import ObjectRecord
from hydria.service.context import ServiceContext
from hydria.util.keyorder import prefix_successor

BATCH = 1000
FIRST_DELIMITED_BATCH = 8

Row = TypeVar("Row")
Cursor = TypeVar("Cursor")


@dataclass
class RolledPage(Generic[Row]):
    """One page: rows and common prefixes, in listing order, and whether more follow."""

    rows: list[Row] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    last: Row | str | None = None
    """The last row or common prefix returned: where the next page resumes."""


def resumes_past_prefix(marker: str, prefix: str, delimiter: str) -> str | None:
    """When a marker is a common prefix (a NextMarker), the first key past everything under
    it; None otherwise. Returns "" when nothing can follow it."""
    if not delimiter or not marker.startswith(prefix):
        return None
    rest = marker[len(prefix) :]
    idx = rest.find(delimiter)
    if idx < 0 or idx + len(delimiter) != len(rest):
        return None
    return prefix_successor(marker) or ""


async def roll_up(
    fetch: Callable[[Cursor, int], Awaitable[list[Row]]],
    *,
    start: Cursor,
    prefix: str,
    delimiter: str,
    max_keys: int,
    key_of: Callable[[Row], str],
    after: Callable[[Row], Cursor],
    from_key: Callable[[str], Cursor],
) -> RolledPage[Row]:
    """Walk rows from ``start`` until ``max_keys`` entries, rolling keys up at ``delimiter``.

    ``fetch(cursor, n)`` returns up to n rows from the cursor on; ``after(row)`` is the cursor
    just past a row and ``from_key(key)`` the cursor at the first row with that key or later.
    With a delimiter most rows may roll up into one prefix and be skipped: batches start small
    after each seek and grow while rows keep being used.
    """
    page: RolledPage[Row] = RolledPage()
    cursor = start
    count = 0
    batch_size = FIRST_DELIMITED_BATCH if delimiter else BATCH
    while True:
        want = min(batch_size, max_keys - count + 1)
        batch = await fetch(cursor, want)
        if not batch:
            return page
        reseek = False
        for row in batch:
            if count >= max_keys:
                page.is_truncated = True
                return page
            key = key_of(row)
            if delimiter:
                idx = key.find(delimiter, len(prefix))
                if idx >= 0:
                    common = key[: idx + len(delimiter)]
                    page.common_prefixes.append(common)
                    page.last = common
                    count += 1
                    nxt = prefix_successor(common)
                    if nxt is None:
                        return page
                    cursor = from_key(nxt)
                    reseek = True
                    break
            page.rows.append(row)
            page.last = row
            count += 1
            cursor = after(row)
        if reseek:
            batch_size = FIRST_DELIMITED_BATCH
        else:
            if len(batch) < want:
                return page
            batch_size = min(BATCH, batch_size * 4)


@dataclass
class ListPage:
    contents: list[ObjectRecord] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    last: str = ""
    """The last key or common prefix returned: the resume point (NextMarker)."""


async def list_page(
    ctx: ServiceContext,
    bucket: str,
    *,
    prefix: str,
    delimiter: str,
    start_after: str,
    max_keys: int,
) -> ListPage:
    await ctx.require_bucket(bucket)
    if max_keys <= 0:
        return ListPage()
    start = (start_after, False)
    # Resuming from a common prefix (NextMarker) skips everything under it.
    past = resumes_past_prefix(start_after, prefix, delimiter)
    if past == "":
        return ListPage()
    if past is not None:
        start = (past, True)

    async def fetch(cursor: tuple[str, bool], n: int) -> list[ObjectRecord]:
        key, inclusive = cursor
        return await ctx.meta.list_objects(
            bucket, prefix, key, n, inclusive=inclusive, summary=True
        )

    rolled = await roll_up(
        fetch,
        start=start,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        key_of=lambda rec: rec.key,
        after=lambda rec: (rec.key, False),
        from_key=lambda key: (key, True),
    )
    last = rolled.last
    return ListPage(
        contents=rolled.rows,
        common_prefixes=rolled.common_prefixes,
        is_truncated=rolled.is_truncated,
        last=last.key if isinstance(last, ObjectRecord) else (last or ""),
    )
