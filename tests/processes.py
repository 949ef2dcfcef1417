"""Helpers for the servers the tests start as child processes: free ports, and children that
die with the test process, so an interrupted run leaves nothing behind."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child (a preexec_fn): SIGKILL when the thread that started it ends. Call it after
    any uid change, which clears the death signal."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def detach_but_die_with_parent() -> None:
    """In the child: own process group (so killing it reaches every worker), and SIGKILL when
    the test process dies."""
    os.setsid()
    die_with_parent()


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nothing listens on, chosen below the kernel's ephemeral range.

    A port the kernel hands out for binding to port 0 comes from the range it also gives to
    outgoing connections, so a client socket (a pooled database connection, nginx's upstream
    keepalive) can take it before the server binds it. Below that range only another server
    picking the same port can; ``HydriaServer.start`` then retries on another.
    """
    floor = min(_ephemeral_floor(), 32768)
    for _ in range(200):
        port = random.randrange(15000, floor) if floor > 15000 else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port found")
