"""Builds the metadata store the settings name: SQLite in the data directory, or PostgreSQL."""

from __future__ import annotations

from hydria.config import Settings
from hydria.meta.store import MetaStore


def open_meta_store(settings: Settings) -> MetaStore:
    """An unstarted store for ``settings.meta`` (empty: SQLite under ``data_dir``)."""
    store: MetaStore
    if settings.meta:
        from hydria.meta.postgres.store import PostgresMetaStore

        store = PostgresMetaStore(settings.meta, pool_size=settings.meta_pool_size)
    else:
        from hydria.meta.sqlite.store import SqliteMetaStore

        store = SqliteMetaStore(settings.meta_path, max_batch=settings.group_commit_max)
    store.grace_seconds = settings.orphan_grace_seconds
    return store
