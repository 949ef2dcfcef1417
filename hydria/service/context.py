"""What every service needs: settings, the two stores and a clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hydria.blob.localfs import LocalBlobStore
from hydria.config import Settings
from hydria.errors import S3Error
from hydria.meta.store import (
    BucketRecord,
    MetaError,
    MetaStore,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    PreconditionFailed,
)

BUCKET_CACHE_SECONDS = 1.0


@dataclass
class ServiceContext:
    settings: Settings
    meta: MetaStore
    blobs: LocalBlobStore
    clock: Callable[[], float] = field(default=time.time)
    _buckets: dict[str, tuple[float, BucketRecord]] = field(default_factory=dict)

    async def require_bucket(self, name: str) -> BucketRecord:
        bucket = await self.meta.get_bucket(name)
        if bucket is None:
            self._buckets.pop(name, None)
            raise S3Error("NoSuchBucket", BucketName=name)
        return bucket

    async def precheck_bucket(self, name: str) -> None:
        """Fail a write early (before its body is read) when the bucket does not exist.

        Existing buckets are remembered for a second: the write re-checks the bucket inside
        its own transaction, so a bucket deleted meanwhile still gets NoSuchBucket.
        """
        now = time.monotonic()
        cached = self._buckets.get(name)
        if cached is not None and cached[0] > now:
            return
        bucket = await self.require_bucket(name)
        if len(self._buckets) > 10_000:
            self._buckets.clear()
        self._buckets[name] = (now + BUCKET_CACHE_SECONDS, bucket)

    def forget_bucket(self, name: str) -> None:
        self._buckets.pop(name, None)


def write_error(exc: MetaError, *, bucket: str, key: str = "", upload_id: str = "") -> S3Error:
    """The S3 error for a metadata store's refusal of a write."""
    if isinstance(exc, NoSuchBucket):
        return S3Error("NoSuchBucket", BucketName=bucket)
    if isinstance(exc, NoSuchKey):
        return S3Error("NoSuchKey", Key=key)
    if isinstance(exc, PreconditionFailed):
        return S3Error("PreconditionFailed", Condition=exc.condition)
    if isinstance(exc, NoSuchUpload):
        return S3Error("NoSuchUpload", UploadId=upload_id)
    raise exc
