"""What every service needs: settings, the two stores and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hydria.blob.localfs import LocalBlobStore
from hydria.config import Settings
from hydria.errors import S3Error
from hydria.meta.sqlite.store import SqliteMetaStore
from hydria.meta.store import BucketRecord


@dataclass
class ServiceContext:
    settings: Settings
    meta: SqliteMetaStore
    blobs: LocalBlobStore
    clock: Callable[[], float] = field(default=time.time)

    async def require_bucket(self, name: str) -> BucketRecord:
        bucket = await self.meta.get_bucket(name)
        if bucket is None:
            raise S3Error("NoSuchBucket", BucketName=name)
        return bucket
