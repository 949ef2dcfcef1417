"""The metadata store interface and its records.

Every backend (SQLite for one node, PostgreSQL for several) implements ``MetaStore``;
tests/contract runs one suite against each. Methods are async so that a backend may hand writes
to a single writer thread (SQLite group commit) or a connection pool (PostgreSQL) without
changing callers.

Object bytes live in the blob store or, for small ones, inline in the metadata store; an
object's ``segments`` list says which. A segment's blob id is referenced by exactly one object
or part; when a write replaces or removes it, the store moves the id to the garbage list in the
same transaction, and the reclaim worker deletes the bytes after a grace delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hydria.errors import HydriaError


class MetaError(HydriaError):
    """Base of metadata-store errors the service layer maps to S3 errors."""


class BucketExists(MetaError):
    def __init__(self, owner_id: str) -> None:
        super().__init__("bucket exists")
        self.owner_id = owner_id


class BucketNotEmpty(MetaError):
    pass


class NoSuchBucket(MetaError):
    pass


class NoSuchUpload(MetaError):
    pass


class PreconditionFailed(MetaError):
    """A conditional write found the current state other than the caller expected."""

    def __init__(self, condition: str) -> None:
        super().__init__(f"{condition} failed")
        self.condition = condition
        """The header whose condition failed: "If-Match" or "If-None-Match"."""


class NoSuchKey(MetaError):
    """A conditional write (If-Match) or a version update found no such object."""


class NoSuchVersion(MetaError):
    """A write named a version id that the key does not have."""


class PartChanged(MetaError):
    """A part a completion uses was uploaded again after the caller listed the parts."""

    def __init__(self, part_number: int) -> None:
        super().__init__(f"part {part_number} changed")
        self.part_number = part_number


@dataclass(frozen=True)
class Segment:
    """A run of an object's bytes: a blob (file or inline row) and its length."""

    blob_id: str
    size: int
    inline: bool = False


@dataclass
class BucketRecord:
    name: str
    owner_id: str
    created_at: float
    region: str
    versioning: str = ""
    """"" (never enabled), "Enabled" or "Suspended"."""


@dataclass
class ObjectRecord:
    bucket: str
    key: str
    size: int
    etag: str
    """The quoted-less ETag: MD5 hex, or MD5-of-MD5s plus '-N' for multipart."""
    last_modified: float
    owner_id: str
    storage_class: str = "STANDARD"
    headers: dict[str, str] = field(default_factory=dict)
    """Stored response headers: content-type, cache-control... and x-amz-meta-*."""
    segments: list[Segment] = field(default_factory=list)
    part_sizes: list[int] | None = None
    """For multipart objects, the size of each part in order (for partNumber reads)."""
    extra: dict[str, object] = field(default_factory=dict)
    """Room for later features (checksums, tags) without a schema change."""
    version_id: str | None = None
    """None for the null version written while versioning was never on; "null" for one
    written while suspended; otherwise a ``hydria.model.versions`` id. Set by the store."""
    seq: int = 0
    """Write order among the versions of a key (newest highest). Set by the store."""
    is_marker: bool = False
    """A delete marker: no bytes, GET answers 404 / 405."""
    is_latest: bool = True
    """Whether this is the key's current version (listings of versions say so)."""


@dataclass
class UploadRecord:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    owner_id: str
    storage_class: str = "STANDARD"
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class PartRecord:
    upload_id: str
    part_number: int
    size: int
    etag: str
    last_modified: float
    segment: Segment
    extra: dict[str, object] = field(default_factory=dict)


def check_write_preconditions(
    key: str, live_etag: str | None, if_none_match: bool, if_match_etag: str | None
) -> None:
    """A conditional write's checks, against the key's current version as its transaction
    sees it: ``live_etag`` is that version's ETag, None when there is none or it is a delete
    marker. Raises PreconditionFailed, or NoSuchKey for If-Match on a missing key."""
    if if_none_match and live_etag is not None:
        raise PreconditionFailed("If-None-Match")
    if if_match_etag is not None:
        if live_etag is None:
            raise NoSuchKey(key)
        if if_match_etag != "*" and live_etag != if_match_etag:
            raise PreconditionFailed("If-Match")


def parts_left_over(
    stored: list[tuple[int, Segment]], used_parts: list[int], used_segments: list[Segment]
) -> list[Segment]:
    """The segments of an upload's stored parts that a completion does not use.

    Raises PartChanged when a used part's stored segment is not the one the completion was
    built with: the part was uploaded again (say, a client's retry landing late on another
    node) between the caller's listing and the completion's transaction. Completing anyway
    would make the object reference bytes already handed to reclaim.
    """
    using = dict(zip(used_parts, used_segments, strict=True))
    left: list[Segment] = []
    for number, segment in stored:
        if number not in using:
            left.append(segment)
        elif using[number] != segment:
            raise PartChanged(number)
    return left


class MetaStore(Protocol):
    """What the service layer needs from a metadata backend."""

    grace_seconds: float
    """How long released file bytes wait before reclaim deletes them."""

    def migrate(self) -> int:
        """Bring the schema up to date (run once before the server's workers start)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    # Buckets
    async def create_bucket(self, record: BucketRecord) -> None:
        """Insert; raise BucketExists (with the current owner) when the name is taken."""

    async def get_bucket(self, name: str) -> BucketRecord | None: ...

    async def list_buckets(
        self, owner_id: str | None, prefix: str, start_after: str, limit: int
    ) -> list[BucketRecord]: ...

    async def delete_bucket(self, name: str) -> None:
        """Raise NoSuchBucket, or BucketNotEmpty when objects or uploads remain."""

    async def set_bucket_versioning(self, name: str, status: str) -> None:
        """Set "Enabled" or "Suspended"; raise NoSuchBucket."""

    async def get_bucket_config(self, bucket: str, name: str) -> str | None:
        """A bucket configuration document (tagging, cors, policy...) or None."""

    async def put_bucket_config(self, bucket: str, name: str, body: str | None) -> None:
        """Store (or with None remove) a configuration document; raise NoSuchBucket."""

    # Objects
    async def get_object(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> ObjectRecord | None:
        """The current version (possibly a delete marker), or the named version."""

    async def get_object_with_inline(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> tuple[ObjectRecord, bytes | None] | None:
        """The record and, when its bytes are one inline segment, those bytes: one snapshot."""

    async def put_object(
        self,
        record: ObjectRecord,
        inline_data: bytes | None = None,
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        """Atomically make ``record`` the key's current version; return the one it replaced.

        The bucket's versioning state, read in the same transaction, decides whether the old
        current version is kept (noncurrent) or released, and sets ``record.version_id`` and
        ``record.seq``. Raises NoSuchBucket if the bucket vanished, PreconditionFailed or
        NoSuchKey when a condition fails.
        """

    async def delete_object(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        owner_id: str = "",
        now: float = 0.0,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        """Delete as S3 does: without a version id, remove the current version or (on a
        versioned bucket) add a delete marker, returned; with one, remove exactly that
        version, returned, promoting the next newest when it was current. None: nothing
        was there. Raises NoSuchBucket, PreconditionFailed / NoSuchKey for If-Match."""

    async def update_object_extra(
        self, bucket: str, key: str, version_id: str | None, changes: dict[str, object]
    ) -> ObjectRecord | None:
        """Merge ``changes`` into a version's ``extra`` (a None value removes the entry);
        None when the version does not exist or is a delete marker."""

    async def list_object_versions(
        self,
        bucket: str,
        prefix: str,
        key_marker: str,
        seq_marker: int | None,
        limit: int,
        *,
        inclusive: bool = False,
    ) -> list[ObjectRecord]:
        """Versions and delete markers after (key_marker, seq_marker), keys in UTF-8 order,
        each key's versions newest first; summary records with ``is_latest`` set. With
        ``inclusive`` (and no seq_marker) the versions of key_marker itself are included."""

    async def version_seq(self, bucket: str, key: str, version_id: str) -> int | None:
        """The sequence number of a key's version (used to resume a versions listing)."""

    async def list_objects(
        self,
        bucket: str,
        prefix: str,
        start_after: str,
        limit: int,
        *,
        inclusive: bool = False,
        summary: bool = False,
    ) -> list[ObjectRecord]:
        """Current versions that are not delete markers, with key > start_after (>= when
        inclusive) under prefix, in UTF-8 order.

        ``summary`` records carry only what a listing shows (no headers, segments or part
        sizes): cheaper to read for pages of a thousand keys.
        """

    async def read_inline(self, blob_id: str) -> bytes | None: ...

    # Multipart uploads
    async def create_upload(self, record: UploadRecord) -> None: ...

    async def get_upload(self, upload_id: str) -> UploadRecord | None: ...

    async def put_part(self, part: PartRecord, inline_data: bytes | None = None) -> None:
        """Insert or replace a part; raise NoSuchUpload when the upload is gone."""

    async def list_parts(self, upload_id: str, after_part: int, limit: int) -> list[PartRecord]: ...

    async def list_uploads(
        self, bucket: str, prefix: str, key_marker: str, upload_id_marker: str, limit: int
    ) -> list[UploadRecord]: ...

    async def complete_upload(
        self,
        upload_id: str,
        record: ObjectRecord,
        used_parts: list[int],
        *,
        if_none_match: bool = False,
        if_match_etag: str | None = None,
    ) -> ObjectRecord | None:
        """Make the object visible from the listed parts; discard the upload's other parts.
        Raises PartChanged (nothing changed) when a listed part was replaced meanwhile."""

    async def abort_upload(self, upload_id: str) -> None: ...

    # Reclaim
    async def due_garbage(self, now: float, limit: int) -> list[tuple[str, bool]]:
        """(blob id, is inline) pairs whose grace delay has passed."""

    async def forget_garbage(self, blob_ids: list[str]) -> None: ...

    async def known_blobs(self, blob_ids: list[str]) -> set[str]:
        """The subset of file blob ids referenced by an object or part, or awaiting reclaim.

        Asked by the orphan scan about files on disk; inline ids never appear there.
        """

    # Leases
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take the named lease for ``seconds``, or renew it when ``holder`` has it; False while
        another holder's lease is live. Background work runs only where its lease is held, so
        once across every process and node sharing the store, and moves on when a holder dies.
        """

    async def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up early (a clean shutdown), if ``holder`` still has it."""
