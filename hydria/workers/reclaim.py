"""Reclaims object bytes nothing references any more.

Two sources: the garbage list (bytes an overwrite, delete or abort released, kept for a grace
delay so in-flight reads finish), and orphans (blob files older than the grace delay that no
metadata knows: a crash between writing bytes and committing their metadata).
"""

from __future__ import annotations

import asyncio
import logging

from hydria.service.context import ServiceContext

log = logging.getLogger("hydria.reclaim")
BATCH = 500


async def reclaim_garbage(ctx: ServiceContext) -> int:
    """Delete bytes whose grace delay has passed; return how many were reclaimed."""
    total = 0
    while True:
        due = await ctx.meta.due_garbage(ctx.clock(), BATCH)
        if not due:
            return total
        for blob_id, inline in due:
            if not inline:
                ctx.blobs.delete(blob_id)
        await ctx.meta.forget_garbage([b for b, _ in due])
        total += len(due)
        if len(due) < BATCH:
            return total


async def reclaim_orphans(ctx: ServiceContext) -> int:
    """Delete blob files older than the grace delay that no metadata references."""
    cutoff = ctx.clock() - ctx.settings.orphan_grace_seconds
    # Walking the blob tree touches every directory: keep it off the event loop.
    candidates = await asyncio.to_thread(lambda: list(ctx.blobs.scan(cutoff)))
    removed = 0
    for start in range(0, len(candidates), BATCH):
        chunk = candidates[start : start + BATCH]
        known = await ctx.meta.known_blobs(chunk)
        for blob_id in chunk:
            if blob_id not in known:
                ctx.blobs.delete(blob_id)
                removed += 1
    return removed


class ReclaimWorker:
    """Runs both reclaim passes every ``gc_interval_seconds`` until stopped."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.state = "idle"
        self._task: asyncio.Task[None] | None = None
        self._last_orphan_scan = float("-inf")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def run_once(self, *, orphans: bool = True) -> tuple[int, int]:
        self.state = "busy"
        try:
            garbage = await reclaim_garbage(self.ctx)
            return garbage, (await reclaim_orphans(self.ctx) if orphans else 0)
        finally:
            self.state = "idle"

    def _orphan_scan_due(self, now: float) -> bool:
        """The orphan scan walks every blob: run it every half grace delay, not every pass."""
        every = max(
            self.ctx.settings.gc_interval_seconds, self.ctx.settings.orphan_grace_seconds / 2
        )
        if now - self._last_orphan_scan >= every:
            self._last_orphan_scan = now
            return True
        return False

    async def _run(self) -> None:
        backoff = self.ctx.settings.gc_interval_seconds
        while True:
            await asyncio.sleep(backoff)
            try:
                scan = self._orphan_scan_due(asyncio.get_running_loop().time())
                garbage, orphans = await self.run_once(orphans=scan)
                if garbage or orphans:
                    log.info("reclaimed %d released and %d orphaned blobs", garbage, orphans)
                backoff = self.ctx.settings.gc_interval_seconds
            except Exception:
                log.exception("reclaim pass failed")
                backoff = min(backoff * 2, 600)
