"""Several Hydria nodes on one PostgreSQL database and one blob directory, behind nginx.

The shape docs/DEPLOYMENT.md describes, on one machine: every node is a ``hydria serve``
process (``HydriaServer``) with the same data directory (the "shared storage") and the same
``HYDRIA_META``; the balancer is nginx running deploy/nginx.conf with the node addresses filled
in. A ``HydriaCluster`` looks like a ``HydriaServer`` to tests (``endpoint``, ``port``,
``client()``, keys), so the S3 suite runs through the balancer unchanged.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from harness import ACCESS_KEY, SECRET_KEY, HydriaServer, PortTaken
from pgcluster import database_name, shared_cluster
from processes import detach_but_die_with_parent, free_port

REPO = Path(__file__).resolve().parent.parent
NGINX_SITE = REPO / "deploy" / "nginx.conf"


def find_nginx() -> str:
    path = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if path is None:
        raise RuntimeError("nginx is not installed: run scripts/install-test-tools.sh")
    return path


def render_site(ports: list[int], listen: int) -> str:
    """deploy/nginx.conf with its example node addresses and port replaced by ours."""
    text = NGINX_SITE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in ports
    )
    text, count = re.subn(r"(    server [0-9.]+:\d+[^\n]*\n)+", servers, text, count=1)
    if count != 1:
        raise RuntimeError("deploy/nginx.conf: no upstream server lines found")
    text, count = re.subn(r"listen \d+;", f"listen 127.0.0.1:{listen};", text, count=1)
    if count != 1:
        raise RuntimeError("deploy/nginx.conf: no listen line found")
    return text


def write_nginx_config(
    directory: Path, ports: list[int], listen: int, *, worker_connections: int = 1024
) -> Path:
    """An nginx prefix directory that runs deploy/nginx.conf for ``ports`` on ``listen``, in
    the foreground, with its logs, pid and temporary files inside; returns its nginx.conf."""
    d = directory
    (d / "logs").mkdir(parents=True, exist_ok=True)
    (d / "site.conf").write_text(render_site(ports, listen))
    temps = ""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (d / name).mkdir(exist_ok=True)
        temps += f"    {name}_temp_path {d / name};\n"
    conf = d / "nginx.conf"
    conf.write_text(
        "daemon off;\nworker_processes 1;\nerror_log logs/error.log warn;\n"
        f"pid {d / 'nginx.pid'};\n"
        f"events {{ worker_connections {worker_connections}; }}\n"
        f"http {{\n    access_log off;\n{temps}    include {d / 'site.conf'};\n}}\n"
    )
    return conf


class Balancer:
    """nginx running the deployment example (round-robin) in a directory of its own."""

    def __init__(self, directory: Path, ports: list[int]) -> None:
        self.directory = directory
        self.ports = ports
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        d = self.directory
        write_nginx_config(d, self.ports, self.port)
        with open(d / "logs" / "stdout.log", "ab") as log:
            self.proc = subprocess.Popen(
                [find_nginx(), "-p", str(d), "-c", str(d / "nginx.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=detach_but_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(d / 'logs' / 'error.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class HydriaCluster:
    """``count`` nodes sharing one database and one data directory, and optionally nginx."""

    access_key = ACCESS_KEY
    secret_key = SECRET_KEY

    def __init__(
        self,
        root: Path,
        count: int = 3,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        balancer: bool = True,
    ) -> None:
        self.root = Path(root)
        self.data_dir = self.root / "shared"
        self.meta_dsn = shared_cluster().create_database(database_name(self.data_dir))
        node_env = {"HYDRIA_META": self.meta_dsn, **(env or {})}
        self.nodes = [
            HydriaServer(self.data_dir, workers=workers, env=node_env) for _ in range(count)
        ]
        for number, node in enumerate(self.nodes):
            node.log_path = self.root / f"node{number}.log"
        self.with_balancer = balancer
        self.balancer: Balancer | None = None

    def start(self) -> HydriaCluster:
        """Start every node at once (they race to migrate the schema), then the balancer,
        which is given the nodes' ports once they are known to be bound."""
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            try:
                node.wait_ready()
            except PortTaken:
                node.proc = None
                node.port = free_port()
                node.start()
        if self.with_balancer:
            for attempt in range(3):
                self.balancer = Balancer(self.root / "nginx", [n.port for n in self.nodes])
                try:
                    self.balancer.start()
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
        return self

    def _each(self, action: Callable[[HydriaServer], None]) -> None:
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(action, self.nodes))

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        self._each(lambda node: node.stop())

    @property
    def port(self) -> int:
        assert self.balancer is not None, "a cluster without a balancer has no single port"
        return self.balancer.port

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **config: object):  # type: ignore[no-untyped-def]
        """A boto3 client of the balancer (the same defaults as ``HydriaServer.client``)."""
        return HydriaServer.client(self, **config)  # type: ignore[arg-type]


BOOKKEEPING_CHECKS = {
    "a referenced file blob missing from `blobs` or listed in `garbage`": """
        SELECT r.id FROM referenced r WHERE r.inline = 0
          AND (NOT EXISTS (SELECT 1 FROM blobs b WHERE b.blob_id = r.id)
               OR EXISTS (SELECT 1 FROM garbage g WHERE g.blob_id = r.id))""",
    "a referenced inline blob without its row, or listed in `garbage`": """
        SELECT r.id FROM referenced r WHERE r.inline = 1
          AND (NOT EXISTS (SELECT 1 FROM inline_blobs i WHERE i.blob_id = r.id)
               OR EXISTS (SELECT 1 FROM garbage g WHERE g.blob_id = r.id))""",
    "a `blobs` row nothing references (leaked)": """
        SELECT b.blob_id FROM blobs b
        WHERE NOT EXISTS (SELECT 1 FROM referenced r WHERE r.id = b.blob_id)""",
    "an `inline_blobs` row neither referenced nor awaiting reclaim (leaked)": """
        SELECT i.blob_id FROM inline_blobs i
        WHERE NOT EXISTS (SELECT 1 FROM referenced r WHERE r.id = i.blob_id)
          AND NOT EXISTS (SELECT 1 FROM garbage g WHERE g.blob_id = i.blob_id)""",
}
REFERENCED = """
    CREATE TEMPORARY VIEW referenced AS
    SELECT e->>0 AS id, (e->>2)::int AS inline
    FROM (SELECT segments FROM objects UNION ALL SELECT segments FROM versions) s,
         jsonb_array_elements(s.segments::jsonb) e
    UNION ALL
    SELECT p.segment::jsonb->>0, (p.segment::jsonb->>2)::int FROM parts p
"""


def bookkeeping_problems(dsn: str) -> dict[str, list[str]]:
    """Where the blob bookkeeping of a quiet cluster's database is inconsistent: every blob an
    object, version or part references must be known and not awaiting reclaim, and every known
    blob must be referenced (or, for inline rows, awaiting reclaim). Empty when all is well."""
    problems: dict[str, list[str]] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(REFERENCED)
        for what, sql in BOOKKEEPING_CHECKS.items():
            ids = [row[0] for row in conn.execute(sql).fetchall()]
            if ids:
                problems[what] = ids[:10]
    return problems
