"""Reclaims object bytes nothing references any more.

Two sources: the garbage list (bytes an overwrite, delete or abort released, kept for a grace
delay so in-flight reads finish), and orphans (blob files older than the grace delay that no
metadata knows: a crash between writing bytes and committing their metadata).

Every worker process of every node runs a ``ReclaimWorker``, but a pass runs only in the one
that holds the "reclaim" lease in the metadata store: once across the cluster. While a pass
runs, a keeper task renews the lease every quarter of its length (a walk of a large blob tree
may outlast the lease many times); batches stop the pass if a renewal found the lease taken.
When the holder dies, the lease expires and another process takes the work over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from hydria.service.context import ServiceContext

log = logging.getLogger("hydria.reclaim")
BATCH = 500
LEASE = "reclaim"
LEASE_PASSES = 4
"""The lease lasts this many pass intervals: it outlives a few slow passes, and a dead holder's
work resumes elsewhere within it (two minutes at the default 30 s interval)."""


class LeaseLost(Exception):
    """The lease moved to another process during a pass (this one stalled past its expiry)."""


def _delete(ctx: ServiceContext, blob_ids: list[str]) -> None:
    """Unlink a batch of blob files, off the event loop (on shared storage an unlink can take
    milliseconds, and a batch is up to 500)."""
    for blob_id in blob_ids:
        ctx.blobs.delete(blob_id)


def _check(lost: asyncio.Event | None) -> None:
    """Stop the pass between batches once the lease has gone to another process."""
    if lost is not None and lost.is_set():
        raise LeaseLost


async def reclaim_garbage(ctx: ServiceContext, lost: asyncio.Event | None = None) -> int:
    """Delete bytes whose grace delay has passed; return how many were reclaimed."""
    total = 0
    while True:
        _check(lost)
        due = await ctx.meta.due_garbage(ctx.clock(), BATCH)
        if not due:
            return total
        await asyncio.to_thread(_delete, ctx, [blob_id for blob_id, inline in due if not inline])
        await ctx.meta.forget_garbage([b for b, _ in due])
        total += len(due)
        if len(due) < BATCH:
            return total


async def reclaim_orphans(ctx: ServiceContext, lost: asyncio.Event | None = None) -> int:
    """Delete blob files older than the grace delay that no metadata references."""
    cutoff = ctx.clock() - ctx.settings.orphan_grace_seconds
    # Walking the blob tree touches every directory: keep it off the event loop.
    candidates = await asyncio.to_thread(lambda: list(ctx.blobs.scan(cutoff)))
    removed = 0
    for start in range(0, len(candidates), BATCH):
        _check(lost)
        chunk = candidates[start : start + BATCH]
        known = await ctx.meta.known_blobs(chunk)
        orphaned = [blob_id for blob_id in chunk if blob_id not in known]
        await asyncio.to_thread(_delete, ctx, orphaned)
        removed += len(orphaned)
    return removed


class ReclaimWorker:
    """Runs both reclaim passes every ``gc_interval_seconds`` until stopped."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.state = "idle"
        self._task: asyncio.Task[None] | None = None
        self._last_orphan_scan = float("-inf")
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
        """This process's name in the lease table."""
        self.lease_seconds = max(1.0, LEASE_PASSES * ctx.settings.gc_interval_seconds)

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
            try:
                await self.ctx.meta.release_lease(LEASE, self.holder)
            except Exception:
                log.warning("could not release the reclaim lease", exc_info=True)

    async def renew(self) -> bool:
        """Take or keep the reclaim lease; False while another process holds it."""
        return await self.ctx.meta.acquire_lease(LEASE, self.holder, self.lease_seconds)

    async def run_once(self, *, orphans: bool = True) -> tuple[int, int]:
        """One pass, if this process holds (or can take) the lease; (0, 0) otherwise."""
        if not await self.renew():
            return 0, 0
        lost = asyncio.Event()
        keeper = asyncio.get_running_loop().create_task(self._keep_lease(lost))
        self.state = "busy"
        try:
            garbage = await reclaim_garbage(self.ctx, lost)
            removed = 0
            if orphans:
                removed = await reclaim_orphans(self.ctx, lost)
                self._last_orphan_scan = asyncio.get_running_loop().time()
            return garbage, removed
        except LeaseLost:
            log.warning("reclaim lease taken over by another process mid-pass")
            return 0, 0
        finally:
            keeper.cancel()
            self.state = "idle"

    async def _keep_lease(self, lost: asyncio.Event) -> None:
        """Renew the lease every quarter of its length until cancelled; flag its loss."""
        while True:
            await asyncio.sleep(self.lease_seconds / 4)
            try:
                if not await self.renew():
                    lost.set()
                    return
            except Exception:
                # The database is unreachable: keep trying; if the lease expires meanwhile,
                # another process may start a pass too, which is harmless (deletes are
                # idempotent).
                log.warning("could not renew the reclaim lease", exc_info=True)

    def _orphan_scan_due(self, now: float) -> bool:
        """The orphan scan walks every blob: run it every half grace delay, not every pass
        (counted from the last scan this process completed)."""
        every = max(
            self.ctx.settings.gc_interval_seconds, self.ctx.settings.orphan_grace_seconds / 2
        )
        return now - self._last_orphan_scan >= every

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
