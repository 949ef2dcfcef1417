"""`hydria serve` as an operator starts it: printed endpoint and keys, generated credentials."""

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

import boto3
import pytest
from harness import _detach_but_die_with_parent, free_port


def start(data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HYDRIA_")}
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
        preexec_fn=_detach_but_die_with_parent,
    )


def banner(proc) -> dict[str, str]:
    """Read the start-up lines: endpoint, region, access key and secret."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while len(found) < 4 and time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if not line:
            break
        if m := re.search(r"serving S3 at (\S+)", line):
            found["endpoint"] = m.group(1)
        for name in ("region", "access key", "secret key"):
            if m := re.match(rf"\s+{name}:\s+(\S+)", line):
                found[name] = m.group(1)
    return found


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
        creds = data / "root-credentials.json"
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        s3 = boto3.client(
            "s3",
            endpoint_url=first["endpoint"],
            region_name="us-east-1",
            aws_access_key_id=first["access key"],
            aws_secret_access_key=first["secret key"],
        )
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
        s3 = boto3.client(
            "s3",
            endpoint_url=info["endpoint"],
            region_name="us-east-1",
            aws_access_key_id="ENVACCESSKEY",
            aws_secret_access_key="env-secret",
        )
        assert s3.list_buckets()["Buckets"] == []
    finally:
        stop(proc)


def test_config_file_sets_region_and_bad_setting_is_named(tmp_path):
    cfg = tmp_path / "hydria.toml"
    cfg.write_text('region = "eu-west-3"\n')
    port = free_port()
    proc = start(tmp_path / "d", port, "--config", str(cfg))
    try:
        assert banner(proc)["region"] == "eu-west-3"
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


@pytest.mark.parametrize("argv", [["--version"], ["serve", "--help"]])
def test_cli_answers_version_and_help(argv):
    out = subprocess.run([sys.executable, "-m", "hydria", *argv], capture_output=True, text=True)
    assert out.returncode == 0
    assert "hydria" in out.stdout.lower()
