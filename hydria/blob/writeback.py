"""Start the kernel's writeback of a file range early (Linux ``sync_file_range``).

A blob is written into the page cache while its body arrives and fsynced once at the end.
Asking for writeback of each range just written keeps the disk busy while the rest arrives, so
the final fsync finds little left: for a 1 GiB PUT on the benchmark machine it took 0.19 s
without and 0.015 s with, and the one-stream PUT with the server on one core went from
258-272 to 295-320 MB/s (2026-11-23; 16-64 MiB steps measured alike, 8 MiB a little worse).
When data arrives faster than the disk takes it (in-process tests), the final fsync still
waits for the rest. The pages stay cached, so a read soon after still hits memory. Elsewhere
this is a no-op and the final fsync does all the work.
"""

from __future__ import annotations

import ctypes

from hydria.util.libc import libc

_SYNC_FILE_RANGE_WRITE = 2  # <fcntl.h>: start writeback of dirty pages, do not wait

_sync_file_range = getattr(libc(), "sync_file_range", None)  # Linux only
if _sync_file_range is not None:
    _sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    _sync_file_range.restype = ctypes.c_int


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to begin writing ``length`` bytes at ``offset`` of ``fd`` to disk.

    Advisory: a failure here changes nothing, the final fsync still decides durability.
    """
    if _sync_file_range is not None and length > 0:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)
