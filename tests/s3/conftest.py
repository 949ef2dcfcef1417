"""Fixtures shared by the S3 suites in this folder."""

from __future__ import annotations

import pytest
from versioning_helpers import set_versioning


@pytest.fixture
def vbucket(s3, bucket) -> str:  # type: ignore[no-untyped-def]
    """A fresh bucket with versioning Enabled."""
    set_versioning(s3, bucket, "Enabled")
    return bucket
