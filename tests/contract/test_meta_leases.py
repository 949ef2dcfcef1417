"""MetaStore contract: leases, which let one process of many run a background job.

Each test runs once per backend in ``conftest.BACKENDS``; see conftest for ``meta_store.run``.
"""

from __future__ import annotations

import asyncio

from hydria.meta.store import MetaStore


def test_lease_is_exclusive_until_released(meta_store):
    async def body(store: MetaStore) -> None:
        assert await store.acquire_lease("reclaim", "node-a", 60)
        assert not await store.acquire_lease("reclaim", "node-b", 60)
        assert await store.acquire_lease("reclaim", "node-a", 60), "the holder renews"
        assert await store.acquire_lease("other-job", "node-b", 60), "leases are by name"
        await store.release_lease("reclaim", "node-b")  # not the holder: no effect
        assert not await store.acquire_lease("reclaim", "node-b", 60)
        await store.release_lease("reclaim", "node-a")
        assert await store.acquire_lease("reclaim", "node-b", 60)
        assert not await store.acquire_lease("reclaim", "node-a", 60)

    meta_store.run(body)


def test_expired_lease_passes_to_another_holder(meta_store):
    async def body(store: MetaStore) -> None:
        assert await store.acquire_lease("reclaim", "dead-node", 0.3)
        assert not await store.acquire_lease("reclaim", "node-b", 60)
        await asyncio.sleep(0.5)
        assert await store.acquire_lease("reclaim", "node-b", 60)
        assert not await store.acquire_lease("reclaim", "dead-node", 60)

    meta_store.run(body)


def test_one_of_many_concurrent_claimants_wins(meta_store):
    async def body(store: MetaStore) -> None:
        won = await asyncio.gather(
            *(store.acquire_lease("reclaim", f"node-{n}", 60) for n in range(20))
        )
        assert won.count(True) == 1

    meta_store.run(body)


def test_lease_survives_reopening_the_store(meta_store):
    async def body(store: MetaStore) -> None:
        assert await store.acquire_lease("reclaim", "node-a", 60)

    async def reopened(store: MetaStore) -> None:
        assert not await store.acquire_lease("reclaim", "node-b", 60)

    meta_store.run(body)
    meta_store.run(reopened)
