"""`hydria serve` as an operator starts it: printed endpoint and keys, generated credentials.

The server runs with every HYDRIA_* variable of the test process stripped, on the metadata
backend that ``HYDRIA_TEST_META`` names (as harness.py does): SQLite in the data directory, or
with ``postgresql`` a database of this process's test cluster (pgcluster.py) passed as
HYDRIA_META. The ``--meta`` flag has tests of its own that use PostgreSQL on either run.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import boto3
import psycopg
import pytest
from harness import META_BACKENDS, META_ENV
from pgcluster import database_name, shared_cluster
from processes import detach_but_die_with_parent, free_port

BACKEND = os.environ.get(META_ENV) or "sqlite"
if BACKEND not in META_BACKENDS:
    raise ValueError(f"{META_ENV}={BACKEND!r}: expected one of {META_BACKENDS}")

PASSWORD = "pw-not-for-the-banner"
"""Put into the DSN of a database of our own cluster, which trusts loopback connections and so
never asks for it: the banner must mask it all the same."""


def clean_env() -> dict[str, str]:
    """The test process's environment without any HYDRIA_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HYDRIA_")}


def postgres_dsn(data_dir: Path) -> str:
    """A database of this process's test cluster for ``data_dir`` (the same one again for the
    same directory, so a restarted server finds its data), with a password in the URL when
    the cluster is our own."""
    cluster = shared_cluster()
    dsn = cluster.create_database(database_name(data_dir))
    url = urlsplit(dsn)
    if cluster.server_dsn is not None or url.password is not None or "@" not in url.netloc:
        return dsn  # an existing server: its DSN as given
    user, _, host = url.netloc.rpartition("@")
    return urlunsplit(url._replace(netloc=f"{user}:{quote(PASSWORD, safe='')}@{host}"))


def masked(dsn: str) -> str:
    """What the banner's metadata line shows for ``dsn``: the password masked, no query."""
    url = urlsplit(dsn)
    if url.password is not None:
        user, _, host = url.netloc.rpartition("@")
        url = url._replace(netloc=f"{user.partition(':')[0]}:***@{host}")
    return urlunsplit(url._replace(query=""))


def backend_env(data_dir: Path) -> dict[str, str]:
    """HYDRIA_META for the backend this run tests (none for SQLite)."""
    return {"HYDRIA_META": postgres_dsn(data_dir)} if BACKEND == "postgresql" else {}


def assert_metadata_where_expected(info: dict[str, str], data_dir: Path) -> None:
    """The banner names the backend this run tests, and the data directory holds an SQLite
    database exactly when that backend is SQLite."""
    sqlite_files = sorted(p.name for p in data_dir.glob("meta.sqlite3*"))
    if BACKEND == "postgresql":
        dsn = backend_env(data_dir)["HYDRIA_META"]
        assert info["metadata"] == masked(dsn)
        assert PASSWORD not in info["metadata"]
        assert sqlite_files == []
    else:
        assert info["metadata"] == "SQLite in the data dir"
        assert "meta.sqlite3" in sqlite_files


def start(
    data_dir: Path,
    port: int,
    *extra: str,
    env: dict[str, str] | None = None,
    backend: bool = True,
):
    """``hydria serve`` on ``data_dir``; ``backend``: on the metadata backend this run tests
    (HYDRIA_META set for PostgreSQL), else on what ``extra`` and ``env`` say."""
    clean = clean_env()
    if backend:
        clean.update(backend_env(data_dir))
    clean.update(env or {})
    clean["HYDRIA_WORKERS"] = "1"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hydria",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=detach_but_die_with_parent,
    )


BANNER_FIELDS = ("region", "data dir", "metadata", "access key", "secret key")


def banner(proc) -> dict[str, str]:
    """Read the start-up lines: endpoint, region, data dir, metadata, access key and secret."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while "secret key" not in found and time.monotonic() < deadline:  # the last line
        line = proc.stdout.readline().decode()
        if not line:
            break
        if m := re.search(r"serving S3 at (\S+)", line):
            found["endpoint"] = m.group(1)
        for name in BANNER_FIELDS:
            if m := re.match(rf"\s+{name}:\s+(.+?)\s*$", line):
                found[name] = m.group(1)
    return found


def client(info: dict[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=info["endpoint"],
        region_name="us-east-1",
        aws_access_key_id=info["access key"],
        aws_secret_access_key=info["secret key"],
    )


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not listen")


def stop(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_generated_root_credentials_are_printed_private_and_kept_across_restarts(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    proc = start(data, port)
    try:
        first = banner(proc)
        wait_listening(port)
        assert first["endpoint"] == f"http://127.0.0.1:{port}"
        assert first["region"] == "us-east-1"
        assert first["data dir"] == str(data.resolve())
        assert_metadata_where_expected(first, data)
        creds = data / "root-credentials.json"
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        s3 = client(first)
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="k", Body=b"v")
    finally:
        stop(proc)
    proc = start(data, port)
    try:
        second = banner(proc)
        wait_listening(port)
        assert (second["access key"], second["secret key"]) == (
            first["access key"],
            first["secret key"],
        )
        assert_metadata_where_expected(second, data)
        assert s3.get_object(Bucket="kept", Key="k")["Body"].read() == b"v"
    finally:
        stop(proc)


def test_root_credentials_from_environment_win(tmp_path):
    port = free_port()
    env = {"HYDRIA_ROOT_ACCESS_KEY": "ENVACCESSKEY", "HYDRIA_ROOT_SECRET_KEY": "env-secret"}
    proc = start(tmp_path / "d", port, env=env)
    try:
        info = banner(proc)
        wait_listening(port)
        assert info["access key"] == "ENVACCESSKEY"
        assert_metadata_where_expected(info, tmp_path / "d")
        s3 = client({**info, "secret key": "env-secret"})
        assert s3.list_buckets()["Buckets"] == []
    finally:
        stop(proc)


def test_config_file_sets_region_and_bad_setting_is_named(tmp_path):
    cfg = tmp_path / "hydria.toml"
    cfg.write_text('region = "eu-west-3"\n')
    port = free_port()
    proc = start(tmp_path / "d", port, "--config", str(cfg))
    try:
        info = banner(proc)
        assert info["region"] == "eu-west-3"
        assert_metadata_where_expected(info, tmp_path / "d")
    finally:
        stop(proc)
    cfg.write_text("port = 'not-a-number'\n")
    out = subprocess.run(
        [sys.executable, "-m", "hydria", "serve", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "'port'" in out.stderr


def test_meta_flag_keeps_metadata_in_postgresql(tmp_path):
    """``--meta postgresql://...`` on the command line, whatever backend this run tests."""
    data = tmp_path / "d"
    dsn = postgres_dsn(data)
    port = free_port()
    proc = start(data, port, "--meta", dsn, backend=False)
    try:
        info = banner(proc)
        wait_listening(port)
        assert info["metadata"] == masked(dsn)
        assert info["metadata"].startswith("postgresql://")
        assert PASSWORD not in info["metadata"]
        s3 = client(info)
        s3.create_bucket(Bucket="pgmeta")
        body = os.urandom(200 * 1024)  # above the inline threshold: a blob file too
        s3.put_object(Bucket="pgmeta", Key="obj", Body=body)
        assert s3.get_object(Bucket="pgmeta", Key="obj")["Body"].read() == body
    finally:
        stop(proc)
    assert list(data.glob("meta.sqlite3*")) == []
    # The server created its schema in that database (counted by any name: no schema assumed).
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        (tables,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    assert tables > 0


def test_meta_flag_rejects_another_database(tmp_path):
    data = tmp_path / "d"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "hydria",
            "serve",
            "--data-dir",
            str(data),
            "--port",
            str(free_port()),
            "--meta",
            "mysql://x",
        ],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert "'meta'" in out.stderr
    assert not data.exists()  # refused before anything was written


@pytest.mark.parametrize("argv", [["--version"], ["serve", "--help"]])
def test_cli_answers_version_and_help(argv):
    out = subprocess.run([sys.executable, "-m", "hydria", *argv], capture_output=True, text=True)
    assert out.returncode == 0
    assert "hydria" in out.stdout.lower()
