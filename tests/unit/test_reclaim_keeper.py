"""The reclaim worker keeps its lease through a pass longer than the lease itself.

A walk of a large blob tree can outlast the lease many times. Here the walk is made slow (2.5 s
against a 1 s lease) while another process keeps trying to take the lease: the holder must
renew it throughout, so the other never gets it, and the pass must complete (the planted
orphan is deleted) instead of being thrown away when the lease moves.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

from hydria.blob.localfs import LocalBlobStore
from hydria.config import Settings
from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.service.context import ServiceContext
from hydria.workers.reclaim import LEASE, ReclaimWorker

ORPHAN = "0123456789abcdef0123456789abcdef"


class SlowWalk(LocalBlobStore):
    """A blob store whose tree walk takes ``seconds`` (as a very large tree's would)."""

    def __init__(self, root: Path, seconds: float) -> None:
        super().__init__(root)
        self.seconds = seconds

    def scan(self, older_than: float) -> Iterator[str]:
        time.sleep(self.seconds)  # runs in a worker thread, as the real walk does
        return super().scan(older_than)


def test_a_pass_longer_than_the_lease_keeps_it_and_completes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, gc_interval_seconds=0.25, orphan_grace_seconds=60)
    blobs = SlowWalk(settings.blob_dir, seconds=2.5)
    directory, path = blobs.path_for(ORPHAN)
    os.makedirs(directory)
    Path(path).write_bytes(b"orphaned bytes")
    os.utime(path, (time.time() - 3600, time.time() - 3600))

    async def main() -> tuple[tuple[int, int], list[bool]]:
        meta = SqliteMetaStore(settings.meta_path)
        await meta.start()
        try:
            worker = ReclaimWorker(ServiceContext(settings=settings, meta=meta, blobs=blobs))
            assert worker.lease_seconds == 1.0
            attempts: list[bool] = []

            async def other_process() -> None:
                while True:
                    await asyncio.sleep(0.1)
                    attempts.append(await meta.acquire_lease(LEASE, "other-node", 1.0))

            rival = asyncio.create_task(other_process())
            try:
                result = await worker.run_once(orphans=True)
            finally:
                rival.cancel()
            return result, attempts
        finally:
            await meta.close()

    (garbage, orphans), attempts = asyncio.run(main())
    assert len(attempts) > 10
    assert not any(attempts), "another process took the lease while the pass ran"
    assert orphans == 1 and not os.path.exists(path)
