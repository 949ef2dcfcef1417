"""The allocator tuning applies where the C library is glibc (Debian, the supported platform)."""

import platform

import pytest

from hydria.util.malloc import tune_malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds() -> None:
    assert tune_malloc() is True
