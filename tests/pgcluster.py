"""A throwaway PostgreSQL server for the tests that run on the PostgreSQL metadata backend.

``shared_cluster()`` starts one cluster per process on first use (each pytest-xdist worker gets
its own): ``initdb`` into a fresh temporary directory, then ``postgres`` itself as a child
process on a free loopback port. It stops at exit, and dies with the process that started it
when that process is killed, so an interrupted run leaves no server behind. ``initdb`` refuses
to run as root: as root, the cluster belongs to Debian's ``postgres`` user and runs as it.

With ``HYDRIA_TEST_POSTGRES_DSN`` set (a DSN to an existing server whose user may CREATE
DATABASE), no cluster is started: the tests create their databases on that server instead and
drop them at exit.

Run as a script with ``--bindir``, it prints the directory of the server binaries it would use
(scripts/install-test-tools.sh uses this to decide whether to install PostgreSQL).
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import pwd
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from processes import die_with_parent, free_port
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

SERVER_DSN_ENV = "HYDRIA_TEST_POSTGRES_DSN"
"""A DSN to an existing PostgreSQL server to use instead of starting one."""

SUPERUSER = "hydria"
"""The cluster's superuser (initdb -U); connections are trusted on loopback only."""

OS_USER = "postgres"
"""The account that owns and runs the cluster when the tests run as root (Debian creates it)."""

DIR_PREFIX = "hydria-pg-"
OWNER_FILE = "owner.pid"
START_TIMEOUT = 30.0

# The tests kill Hydria, never PostgreSQL itself, so the cluster need not survive a crash of its
# own: durability settings are off for speed (fsync, synchronous_commit, full-page writes).
# Every test store or server gets a database of its own (about 7 MB, and as much WAL when it is
# created): a small max_wal_size checkpoints often enough to keep the WAL from adding up.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "shared_buffers": "32MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "min_wal_size": "32MB",
    "max_wal_size": "64MB",
}

_RUN_SALT = os.urandom(8).hex()


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the server would not start."""


def find_bindir() -> Path:
    """The PostgreSQL server binaries: the highest /usr/lib/postgresql/<version>/bin (where
    Debian puts them, off PATH), else ``pg_config --bindir``, else ``initdb`` on PATH."""

    def usable(directory: Path) -> bool:
        return all(os.access(directory / name, os.X_OK) for name in ("initdb", "postgres"))

    def version(directory: str) -> tuple[int, ...]:
        parts = Path(directory).parent.name.split(".")
        return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (-1,)

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if usable(Path(candidate)):
            return Path(candidate)
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0 and usable(Path(found.stdout.strip())):
            return Path(found.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb and usable(Path(os.path.realpath(initdb)).parent):
        return Path(os.path.realpath(initdb)).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, postgres) found in /usr/lib/postgresql/*/bin, "
        f"pg_config --bindir or PATH: run scripts/install-test-tools.sh, or set {SERVER_DSN_ENV} "
        "to an existing server"
    )


def database_name(path: str | os.PathLike[str]) -> str:
    """A valid database name derived from a path: the same path gives the same name within one
    process (a store or server reopened on its directory finds its data). A per-process salt
    keeps a database left behind on a shared server by an earlier run from being reused."""
    digest = hashlib.sha1(f"{_RUN_SALT}\0{Path(path).resolve()}".encode()).hexdigest()
    return "h_" + digest[:20]


def _uri(params: dict[str, str]) -> str:
    """A ``postgresql://`` URI for connection parameters (a socket directory as host goes to
    the query string, where a URI can carry it)."""
    params = dict(params)
    user = params.pop("user", "")
    password = params.pop("password", "")
    host = params.pop("host", "")
    port = params.pop("port", "")
    dbname = params.pop("dbname", "")
    if host.startswith("/"):
        params["host"] = host
        host = ""
    auth = quote(user, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    netloc = (auth + "@" if auth else "") + (f"[{host}]" if ":" in host else host)
    if port:
        netloc += f":{port}"
    query = "?" + urlencode(params) if params else ""
    return f"postgresql://{netloc}/{quote(dbname, safe='')}{query}"


def _child_setup(uid: int | None, gid: int | None) -> Callable[[], None]:
    """The child's preexec_fn: its own session, the cluster owner's uid/gid when we are root,
    then SIGKILL when its parent thread dies. The order matters: changing the uid clears the
    death signal, so it is set last."""

    def setup() -> None:
        os.setsid()
        if uid is not None and gid is not None:
            os.setgroups([gid])
            os.setgid(gid)
            os.setuid(uid)
        die_with_parent()

    return setup


def _spawn_kept(argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Popen from a thread that lives as long as the child. The death signal fires when the
    *thread* that forked the child ends, so the server must not be forked from a thread that
    may end before the process does (a test's worker thread, say)."""
    box: queue.Queue[subprocess.Popen[bytes] | BaseException] = queue.Queue(maxsize=1)

    def keeper() -> None:
        try:
            proc = subprocess.Popen(argv, **kwargs)  # type: ignore[call-overload]
        except BaseException as exc:  # handed to the caller
            box.put(exc)
            return
        box.put(proc)
        proc.wait()

    threading.Thread(target=keeper, name="postgres-keeper", daemon=True).start()
    got = box.get()
    if isinstance(got, BaseException):
        raise got
    return got


def _sweep_stale_dirs(base: str) -> None:
    """Remove cluster directories left by test processes that were killed (kill -9 skips the
    clean-up at exit; their servers died with them)."""
    for directory in glob.glob(os.path.join(base, DIR_PREFIX + "*")):
        try:
            pid = int(Path(directory, OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
            continue  # the owner is alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        postmaster = Path(directory, "data", "postmaster.pid")
        try:
            server_pid = int(postmaster.read_text().split()[0])
            os.kill(server_pid, 0)
            continue  # its server is still shutting down
        except (OSError, ValueError, IndexError):
            pass
        shutil.rmtree(directory, ignore_errors=True)


def _traversable_by(path: str, uid: int, gid: int) -> bool:
    """Whether every directory above ``path`` lets ``uid`` through (to place the cluster where
    the postgres user can reach it)."""
    current = Path(path).resolve()
    for directory in [current, *current.parents]:
        st = directory.stat()
        if st.st_uid == uid:
            bit = 0o100
        elif st.st_gid == gid:
            bit = 0o010
        else:
            bit = 0o001
        if not st.st_mode & bit:
            return False
    return True


class PostgresCluster:
    """One PostgreSQL server: a cluster of our own in a temporary directory, or (with
    ``server_dsn``) an existing server on which databases are created and later dropped."""

    def __init__(
        self, server_dsn: str | None = None, settings: dict[str, str] | None = None
    ) -> None:
        self.server_dsn = server_dsn
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        """Server settings: the tests' (SERVER_SETTINGS), with ``settings`` over them."""
        self.root: Path | None = None
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._created: list[str] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ connection strings

    def _server_params(self) -> dict[str, str]:
        if self.server_dsn is not None:
            return {k: str(v) for k, v in conninfo_to_dict(self.server_dsn).items()}
        if self.port is None:
            raise RuntimeError("the cluster is not started")
        return {"user": SUPERUSER, "host": "127.0.0.1", "port": str(self.port)}

    def dsn(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URI for one database of this server."""
        return _uri({**self._server_params(), "dbname": dbname})

    def _admin_connect(self) -> psycopg.Connection:
        params = self._server_params()
        params.setdefault("dbname", "postgres")
        params.setdefault("connect_timeout", "5")
        return psycopg.connect(**params, autocommit=True)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """Create database ``name`` unless it exists; return its DSN."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with self._admin_connect() as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # exists already (UniqueViolation: created concurrently)
            else:
                with self._lock:
                    self._created.append(name)
        return self.dsn(name)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> PostgresCluster:
        if self.server_dsn is not None:
            with self._admin_connect():
                pass
            return self
        bindir = find_bindir()
        uid = gid = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(OS_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, and initdb refuses root: no {OS_USER!r} user to run the "
                    "cluster as (Debian's postgresql package creates it)"
                ) from None
            uid, gid = account.pw_uid, account.pw_gid
        base = tempfile.gettempdir()
        if uid is not None and gid is not None and not _traversable_by(base, uid, gid):
            base = "/tmp"
        _sweep_stale_dirs(base)
        self.root = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=base))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        if uid is not None and gid is not None:
            os.chown(self.root, uid, gid)
        try:
            self._initdb(bindir, uid, gid)
            for _attempt in range(3):
                if self._serve(bindir, uid, gid):
                    return self
            raise PostgresUnavailable(f"postgres did not start:\n{self._log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _initdb(self, bindir: Path, uid: int | None, gid: int | None) -> None:
        assert self.root is not None
        done = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.root / "data"),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-N",
            ],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_child_setup(uid, gid),
        )
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed:\n{done.stdout.decode(errors='replace')}")

    def _serve(self, bindir: Path, uid: int | None, gid: int | None) -> bool:
        """Start postgres on a free port; False when it exited first (the port was taken)."""
        assert self.root is not None
        self.port = free_port()
        argv = [
            str(bindir / "postgres"),
            "-D",
            str(self.root / "data"),
            "-p",
            str(self.port),
            "-k",
            str(self.root),
        ]
        for name, value in self.settings.items():
            argv += ["-c", f"{name}={value}"]
        with open(self.root / "postgres.log", "ab") as log:
            self.proc = _spawn_kept(
                argv,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_child_setup(uid, gid),
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            try:
                with self._admin_connect():
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise PostgresUnavailable(f"postgres did not accept connections:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        if self.root is None:
            return "(no log)"
        try:
            return (self.root / "postgres.log").read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and remove its directory;
        on an existing server, drop the databases this object created."""
        if self.server_dsn is not None:
            self._drop_created()
            return
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)  # fast shutdown: ends open sessions
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    # Its backends (each in a session of its own) exit when they see it die.
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self.port = None

    def _drop_created(self) -> None:
        with self._lock:
            names, self._created = self._created, []
        if not names:
            return
        try:
            with self._admin_connect() as conn:
                for name in names:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
        except psycopg.Error as exc:
            print(f"pgcluster: could not drop test databases {names}: {exc}", file=sys.stderr)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_shared: PostgresCluster | None = None
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_cluster() -> PostgresCluster:
    """This process's server, started on first use and stopped at exit."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            cluster = PostgresCluster(os.environ.get(SERVER_DSN_ENV) or None).start()
            _shared, _shared_pid = cluster, os.getpid()
            atexit.register(_stop_shared, cluster, _shared_pid)
        return _shared


def _stop_shared(cluster: PostgresCluster, pid: int) -> None:
    if os.getpid() == pid:  # not in a forked child that inherited the handler
        cluster.stop()


if __name__ == "__main__":
    if sys.argv[1:] == ["--bindir"]:
        try:
            print(find_bindir())
        except PostgresUnavailable as exc:
            print(exc, file=sys.stderr)
            sys.exit(1)
    else:
        sys.exit(f"usage: {sys.argv[0]} --bindir")
