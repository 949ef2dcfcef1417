"""Starts the real ``hydria serve`` process on a free port with a temporary data directory.

The metadata backend comes from ``HYDRIA_TEST_META``: ``sqlite`` (the default: the server's own
database in its data directory) or ``postgresql`` (a database of this process's test cluster,
see pgcluster.py, one per data directory).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config
from pgcluster import database_name, shared_cluster
from processes import detach_but_die_with_parent, free_port

ACCESS_KEY = "HYDRIATESTACCESSKEY1"
SECRET_KEY = "hydria-test-secret-key-0123456789abcdef"
META_ENV = "HYDRIA_TEST_META"
META_BACKENDS = ("sqlite", "postgresql")


def committed_blob_files(data_dir: Path) -> set[Path]:
    """The server's committed blob files: everything under blobs/ except the tmp/ staging dir."""
    root = data_dir / "blobs"
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root and "tmp" in dirnames:
            dirnames.remove("tmp")
        found.update(Path(dirpath) / name for name in filenames)
    return found


BIND_FAILED = "address already in use"
"""What uvicorn logs when the chosen port was taken meanwhile."""


class PortTaken(RuntimeError):
    """The server could not bind its port: something took it after it was chosen."""


class HydriaServer:
    """One server process; ``restart`` keeps the data directory, ``kill`` is SIGKILL."""

    def __init__(
        self, data_dir: Path, *, workers: int = 2, env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.workers = workers
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        self.meta = os.environ.get(META_ENV) or "sqlite"
        if self.meta not in META_BACKENDS:
            raise ValueError(f"{META_ENV}={self.meta!r}: expected one of {META_BACKENDS}")
        # The PostgreSQL database, created on first start and kept across restarts.
        self.meta_dsn: str | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def start(self, timeout: float = 30.0) -> None:
        """Launch and wait; on another port, up to twice more, if the port was taken."""
        for attempt in range(3):
            self.launch()
            try:
                self.wait_ready(timeout)
                return
            except PortTaken:
                if attempt == 2:
                    raise
                self.proc = None
                self.port = free_port()

    def launch(self) -> None:
        """Spawn the server without waiting for it. Call from a thread that outlives the
        server: the child's death signal fires when the spawning thread ends."""
        env = dict(os.environ)
        env.update(
            {
                "HYDRIA_ROOT_ACCESS_KEY": ACCESS_KEY,
                "HYDRIA_ROOT_SECRET_KEY": SECRET_KEY,
                "HYDRIA_WORKERS": str(self.workers),
                "HYDRIA_LOG_LEVEL": "warning",
            }
        )
        env.pop("HYDRIA_META", None)
        if self.meta == "postgresql" and "HYDRIA_META" not in self.extra_env:
            if self.meta_dsn is None:
                self.meta_dsn = shared_cluster().create_database(database_name(self.data_dir))
            env["HYDRIA_META"] = self.meta_dsn
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            self.proc = self._spawn(env, log)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the launched server answers HTTP; raise if it exits or takes too long."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log_path.read_text()[-3000:]
                if BIND_FAILED in log.rsplit("Hydria", 1)[-1]:
                    raise PortTaken(self.port)
                raise RuntimeError(f"server exited: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1.1"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def _spawn(self, env: dict[str, str], log: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hydria",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=detach_but_die_with_parent,
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole process group: the crash a power cut would be."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.port = free_port()
        self.start()

    def client(self, **config: object):  # type: ignore[no-untyped-def]
        """A boto3 S3 client with its defaults left on (checksums, SigV4, path style)."""
        cfg = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 2}}
        cfg.update(config)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(**cfg),
        )
