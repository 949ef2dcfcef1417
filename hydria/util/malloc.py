"""Keep request-body buffers on the C heap instead of fresh mmaps (glibc ``mallopt``).

A streamed upload allocates and frees a buffer per received chunk (64-320 KiB: the socket
read, the HTTP server's body concatenation). glibc serves allocations above its mmap threshold
with a fresh ``mmap`` and hands them back with ``munmap`` on free, and trims the heap top back
to the kernel, so every chunk pays page faults and page zeroing; on a VM whose free memory is
reported back to the host, first touches cost more still. Fixing the mmap threshold at 4 MiB and
the trim threshold at 32 MiB keeps those buffers in reused, already-mapped heap memory. Measured
on a 1 GiB PUT with the server pinned to one core: 227-242 MB/s before, 270-284 MB/s after,
with less CPU per byte. Peak memory moves by at most the trim threshold per process.
No-op where the C library has no ``mallopt`` (musl, macOS).
"""

from __future__ import annotations

import ctypes

from hydria.util.libc import libc

_M_TRIM_THRESHOLD = -1  # <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024


def tune_malloc() -> bool:
    """Apply the thresholds to this process; True when the C library took them."""
    mallopt = getattr(libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
