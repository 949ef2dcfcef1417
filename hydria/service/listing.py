"""Object listing (ListObjects v1/v2) with delimiter roll-up.

CommonPrefixes are computed by seeking: when a key rolls up into a prefix, the next query
starts past every key under that prefix, so a delimiter page costs one index seek per entry
instead of a scan of everything below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hydria.meta.store import ObjectRecord
from hydria.service.context import ServiceContext
from hydria.util.keyorder import prefix_successor

BATCH = 1000
FIRST_DELIMITED_BATCH = 8


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
    page = ListPage()
    if max_keys <= 0:
        return page
    cursor = start_after
    inclusive = False
    # Resuming from a common prefix (NextMarker) skips everything under it.
    if delimiter and start_after.startswith(prefix):
        rest = start_after[len(prefix) :]
        idx = rest.find(delimiter)
        if idx >= 0 and idx + len(delimiter) == len(rest):
            nxt = prefix_successor(start_after)
            if nxt is None:
                return page
            cursor, inclusive = nxt, True
    count = 0
    # With a delimiter most rows may roll up into one prefix and be skipped: start with small
    # batches after each seek and grow them while rows keep being used.
    batch_size = FIRST_DELIMITED_BATCH if delimiter else BATCH
    while True:
        want = min(batch_size, max_keys - count + 1)
        batch = await ctx.meta.list_objects(
            bucket, prefix, cursor, want, inclusive=inclusive, summary=True
        )
        if not batch:
            return page
        reseek = False
        for rec in batch:
            if count >= max_keys:
                page.is_truncated = True
                return page
            if delimiter:
                rest = rec.key[len(prefix) :]
                idx = rest.find(delimiter)
                if idx >= 0:
                    common = prefix + rest[: idx + len(delimiter)]
                    page.common_prefixes.append(common)
                    page.last = common
                    count += 1
                    nxt = prefix_successor(common)
                    if nxt is None:
                        return page
                    cursor, inclusive = nxt, True
                    reseek = True
                    break
            page.contents.append(rec)
            page.last = rec.key
            count += 1
            cursor, inclusive = rec.key, False
        if reseek:
            batch_size = FIRST_DELIMITED_BATCH
        else:
            if len(batch) < want:
                return page
            batch_size = min(BATCH, batch_size * 4)
