"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

from hydria.errors import S3Error
from hydria.meta.store import BucketExists, BucketNotEmpty, BucketRecord, NoSuchBucket
from hydria.model.names import check_bucket_name
from hydria.service.context import ServiceContext


async def create_bucket(
    ctx: ServiceContext, name: str, owner_id: str, location: str | None
) -> BucketRecord:
    check_bucket_name(name)
    region = ctx.settings.region
    if location is not None:
        # us-east-1 is the one region whose constraint is omitted; naming it is an error.
        if location == "" and region != "us-east-1":
            raise S3Error("IllegalLocationConstraintException")
        if location not in ("", region) and not (location == "EU" and region == "eu-west-1"):
            raise S3Error(
                "IllegalLocationConstraintException",
                f"The {location} location constraint is incompatible for the region specific "
                "endpoint this request was sent to.",
            )
        if location == "us-east-1":
            raise S3Error(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
                LocationConstraint=location,
            )
    record = BucketRecord(name=name, owner_id=owner_id, created_at=ctx.clock(), region=region)
    try:
        await ctx.meta.create_bucket(record)
    except BucketExists as exc:
        if exc.owner_id == owner_id:
            raise S3Error("BucketAlreadyOwnedByYou", BucketName=name) from None
        raise S3Error("BucketAlreadyExists", BucketName=name) from None
    return record


async def delete_bucket(ctx: ServiceContext, name: str) -> None:
    ctx.forget_bucket(name)
    try:
        await ctx.meta.delete_bucket(name)
    except NoSuchBucket:
        raise S3Error("NoSuchBucket", BucketName=name) from None
    except BucketNotEmpty:
        raise S3Error("BucketNotEmpty", BucketName=name) from None


async def list_buckets(
    ctx: ServiceContext, owner_id: str, prefix: str, start_after: str, limit: int
) -> tuple[list[BucketRecord], bool]:
    """A page of the owner's buckets and whether more follow."""
    rows = await ctx.meta.list_buckets(owner_id, prefix, start_after, limit + 1)
    return rows[:limit], len(rows) > limit
