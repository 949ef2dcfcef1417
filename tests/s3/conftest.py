"""Fixtures shared by the S3 suites in this folder."""

from __future__ import annotations

import pytest
from harness import HydriaServer
from versioning_helpers import set_versioning


@pytest.fixture
def vbucket(s3, bucket) -> str:  # type: ignore[no-untyped-def]
    """A fresh bucket with versioning Enabled."""
    set_versioning(s3, bucket, "Enabled")
    return bucket


@pytest.fixture
def reclaiming(tmp_path):  # type: ignore[no-untyped-def]
    """A server of its own that reclaims quickly: 1 s grace delay, a pass every 0.5 s."""
    srv = HydriaServer(
        tmp_path / "data",
        env={"HYDRIA_ORPHAN_GRACE_SECONDS": "1", "HYDRIA_GC_INTERVAL_SECONDS": "0.5"},
    )
    srv.start()
    yield srv
    srv.kill()
