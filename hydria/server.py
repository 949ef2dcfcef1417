"""Composition root: settings -> stores -> services -> ASGI app. Each worker process calls
``create_app`` (uvicorn's factory) and rebuilds the same graph from HYDRIA_* variables."""

from __future__ import annotations

import logging

from hydria.api.app import S3App
from hydria.blob.localfs import LocalBlobStore
from hydria.config import Settings, load_settings
from hydria.credentials import load_root_credential
from hydria.meta.open import open_meta_store
from hydria.service.context import ServiceContext
from hydria.util.malloc import tune_malloc
from hydria.workers.reclaim import ReclaimWorker


def build_app(settings: Settings) -> S3App:
    tune_malloc()  # per process: every worker builds its own app
    meta = open_meta_store(settings)
    blobs = LocalBlobStore(settings.blob_dir)
    services = ServiceContext(settings=settings, meta=meta, blobs=blobs)
    root = load_root_credential(settings)
    keys = {root.access_key: root}
    reclaim = ReclaimWorker(services)

    async def startup() -> None:
        await meta.start()
        reclaim.start()

    async def shutdown() -> None:
        await reclaim.stop()
        await meta.close()

    return S3App(services, keys.get, on_startup=[startup], on_shutdown=[shutdown])


def create_app() -> S3App:
    """uvicorn factory: settings come from the environment the CLI prepared."""
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return build_app(settings)
