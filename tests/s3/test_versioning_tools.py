"""Versioned buckets driven by real command-line tools: the AWS CLI's s3api version commands,
rclone's --s3-versions / --s3-version-at, and restic backing up into a versioned bucket."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from filetrees import tree, write
from toolrun import Result, run_tool

MIB = 1024 * 1024
NO_RETRIES = ("--retries", "1", "--low-level-retries", "1", "--timeout", "30s")
# rclone names an old version <stem>-vYYYY-MM-DD-HHMMSS-sss<.ext>.
VERSION_SUFFIX = re.compile(r"-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3}")


def clean_env(home: Path, drop: tuple[str, ...]) -> dict[str, str]:
    """The test process's environment without variables that would reach the host's config."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(drop) and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")
    }
    env["HOME"] = str(home)
    return env


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: run scripts/install-test-tools.sh")
    return found


@pytest.fixture
def vbucket(s3) -> str:  # type: ignore[no-untyped-def]
    name = f"vt-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


# --- AWS CLI --------------------------------------------------------------------------------


@pytest.fixture
def aws(server, tmp_path):  # type: ignore[no-untyped-def]
    """``aws s3api ARGS... --output json`` against the server, parsed; ``aws.run`` for raw."""
    home = tmp_path / "aws-home"
    home.mkdir()
    (home / "config").write_text("[default]\n")
    env = clean_env(home, ("AWS_",))
    env.update(
        {
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
        }
    )
    base = [sys.executable, "-m", "awscli", "--endpoint-url", server.endpoint]

    def run(*args: str) -> Result:
        return run_tool("aws", [*base, *args], env=env, shown_args=args)

    def api(*args: str) -> dict:
        out = run("s3api", *args, "--output", "json").stdout
        return json.loads(out) if out.strip() else {}

    api.run = run  # type: ignore[attr-defined]
    return api


def test_aws_cli_versioning_round_trip(aws, s3, tmp_path):
    # Each CLI start costs seconds, so setup and most checks go through boto3.
    name = f"cli-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    assert aws("get-bucket-versioning", "--bucket", name) == {}
    aws("put-bucket-versioning", "--bucket", name, "--versioning-configuration", "Status=Enabled")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"

    src = tmp_path / "body0"
    write(src, b"generation 0\n")
    ids = [
        aws("put-object", "--bucket", name, "--key", "dir/f.txt", "--body", str(src))["VersionId"]
    ]
    for i in (1, 2):
        body = f"generation {i}\n".encode()
        ids.append(s3.put_object(Bucket=name, Key="dir/f.txt", Body=body)["VersionId"])
    marker = aws("delete-object", "--bucket", name, "--key", "dir/f.txt")
    assert marker["DeleteMarker"] is True

    listed = aws("list-object-versions", "--bucket", name)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [
        ("dir/f.txt", ids[2], False),
        ("dir/f.txt", ids[1], False),
        ("dir/f.txt", ids[0], False),
    ]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [
        ("dir/f.txt", marker["VersionId"], True)
    ]
    # The CLI's own pagination (one entry per request, so markers resume mid-key) agrees.
    paged = aws("list-object-versions", "--bucket", name, "--page-size", "1")
    assert [v["VersionId"] for v in paged["Versions"]] == ids[::-1]
    assert [m["VersionId"] for m in paged["DeleteMarkers"]] == [marker["VersionId"]]

    out = tmp_path / "old.txt"
    got = aws(
        "get-object", "--bucket", name, "--key", "dir/f.txt", "--version-id", ids[0], str(out)
    )
    assert got["VersionId"] == ids[0]
    assert out.read_bytes() == b"generation 0\n"

    # delete-object --version-id: the marker goes and the newest version is back; then a
    # noncurrent version goes for good.
    res = aws(
        "delete-object", "--bucket", name, "--key", "dir/f.txt", "--version-id", marker["VersionId"]
    )
    assert res == {"DeleteMarker": True, "VersionId": marker["VersionId"]}
    res = aws("delete-object", "--bucket", name, "--key", "dir/f.txt", "--version-id", ids[1])
    assert res == {"VersionId": ids[1]}
    listed = s3.list_object_versions(Bucket=name)
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [
        (ids[2], True),
        (ids[0], False),
    ]
    assert "DeleteMarkers" not in listed
    assert s3.get_object(Bucket=name, Key="dir/f.txt")["Body"].read() == b"generation 2\n"

    # `aws s3 rm` on a versioned bucket leaves a marker; the versions stay.
    aws.run("s3", "rm", f"s3://{name}/dir/f.txt")
    assert "Contents" not in s3.list_objects_v2(Bucket=name)
    listed = s3.list_object_versions(Bucket=name)
    assert [v["VersionId"] for v in listed["Versions"]] == [ids[2], ids[0]]
    assert [m["IsLatest"] for m in listed["DeleteMarkers"]] == [True]


# --- rclone ---------------------------------------------------------------------------------


@pytest.fixture
def rclone(server, tmp_path):  # type: ignore[no-untyped-def]
    config = tmp_path / "rclone.conf"
    config.write_text(
        "[hydria]\ntype = s3\nprovider = Other\n"
        f"access_key_id = {server.access_key}\nsecret_access_key = {server.secret_key}\n"
        f"region = us-east-1\nendpoint = {server.endpoint}\nforce_path_style = true\n"
    )
    env = clean_env(tmp_path, ("AWS_", "RCLONE_"))

    def run(*args: str) -> Result:
        argv = [binary("rclone"), "--config", str(config), *NO_RETRIES, *args]
        return run_tool("rclone", argv, env=env, shown_args=args)

    return run


def lines(result: Result) -> list[str]:
    return sorted(line for line in result.stdout.splitlines() if line)


def version_name(stem: str, ext: str, last_modified: datetime) -> str:
    """The name rclone gives an old version modified at ``last_modified`` (UTC)."""
    stamp = last_modified.astimezone(UTC).strftime("%Y-%m-%d-%H%M%S")
    millis = last_modified.microsecond // 1000
    return f"{stem}-v{stamp}-{millis:03d}{ext}"


def test_rclone_lists_and_reads_old_versions(rclone, s3, vbucket, tmp_path):
    for generation in (b"one\n", b"two, longer\n", b"three\n"):
        s3.put_object(Bucket=vbucket, Key="notes/file.txt", Body=generation)
        time.sleep(0.01)  # distinct millisecond timestamps, so distinct version names
    s3.put_object(Bucket=vbucket, Key="notes/gone.txt", Body=b"deleted later\n")
    s3.delete_object(Bucket=vbucket, Key="notes/gone.txt")

    # Without --s3-versions only current, non-deleted objects appear.
    assert lines(rclone("lsf", f"hydria:{vbucket}/notes")) == ["file.txt"]

    listing = s3.list_object_versions(Bucket=vbucket, Prefix="notes/")
    old = [
        version_name("file", ".txt", v["LastModified"])
        for v in listing["Versions"]
        if v["Key"] == "notes/file.txt" and not v["IsLatest"]
    ]
    gone = [
        version_name("gone", ".txt", v["LastModified"])
        for v in listing["Versions"]
        if v["Key"] == "notes/gone.txt"
    ]
    assert len(old) == 2 and len(gone) == 1
    shown = lines(rclone("lsf", "--s3-versions", f"hydria:{vbucket}/notes"))
    assert shown == sorted(["file.txt", *old, *gone])
    assert all(VERSION_SUFFIX.search(n) for n in shown if n != "file.txt")

    # Sizes in the versioned listing are each version's own.
    sized = dict(
        line.split(";", 1)[::-1]
        for line in lines(
            rclone("lsf", "--s3-versions", "--format", "sp", f"hydria:{vbucket}/notes")
        )
    )
    by_name = {
        version_name("file", ".txt", v["LastModified"]): v["Size"]
        for v in listing["Versions"]
        if v["Key"] == "notes/file.txt"
    }
    for name in old:
        assert int(sized[name]) == by_name[name]

    # An old version can be read back by its versioned name. (Named through a filter: the
    # rclone 1.60 in Debian cannot open a versioned name given as the path itself, a client
    # limitation fixed in rclone 1.61, "s3: fix --s3-versions on individual objects".)
    oldest = min(old)
    cat = rclone("cat", "--s3-versions", f"hydria:{vbucket}/notes", "--include", oldest)
    assert cat.stdout == "one\n"

    # Copying with --s3-versions brings every version down as its own file.
    down = tmp_path / "all-versions"
    rclone("copy", "--s3-versions", f"hydria:{vbucket}/notes", str(down))
    assert sorted(tree(down)) == shown
    assert tree(down)[oldest] == b"one\n"


def test_rclone_copy_as_of_a_past_time(rclone, s3, vbucket, tmp_path):
    s3.put_object(Bucket=vbucket, Key="a.txt", Body=b"a before\n")
    s3.put_object(Bucket=vbucket, Key="b.txt", Body=b"b before, deleted after\n")
    time.sleep(1.2)
    moment = datetime.now(UTC)
    time.sleep(1.2)
    s3.put_object(Bucket=vbucket, Key="a.txt", Body=b"a after\n")
    s3.delete_object(Bucket=vbucket, Key="b.txt")
    s3.put_object(Bucket=vbucket, Key="c.txt", Body=b"created after\n")

    past = tmp_path / "past"
    at = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rclone("copy", "--s3-version-at", at, f"hydria:{vbucket}", str(past))
    assert tree(past) == {"a.txt": b"a before\n", "b.txt": b"b before, deleted after\n"}

    now = tmp_path / "now"
    rclone("copy", f"hydria:{vbucket}", str(now))
    assert tree(now) == {"a.txt": b"a after\n", "c.txt": b"created after\n"}


# --- restic ---------------------------------------------------------------------------------


@pytest.fixture
def restic(server, tmp_path, vbucket):  # type: ignore[no-untyped-def]
    home = tmp_path / "restic-home"
    home.mkdir()
    env = clean_env(home, ("AWS_", "RESTIC_"))
    env.update(
        {
            "RESTIC_REPOSITORY": f"s3:{server.endpoint}/{vbucket}/repo",
            "RESTIC_PASSWORD": "correct horse battery staple",
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "RESTIC_CACHE_DIR": str(home / "cache"),
        }
    )

    def run(*args: str, cwd: Path | None = None) -> Result:
        argv = [binary("restic"), *args]
        return run_tool("restic", argv, env=env, cwd=cwd, shown_args=args)

    run.bucket = vbucket  # type: ignore[attr-defined]
    return run


def snapshots(restic) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(restic("snapshots", "--json").stdout)


def test_restic_backup_forget_prune_restore_check_on_versioned_bucket(restic, s3, tmp_path):
    bucket = restic.bucket
    data = tmp_path / "data"
    write(data / "small.txt", b"hello restic\n")
    write(data / "nested/deeper/random.bin", os.urandom(3 * MIB))
    write(data / "nested/empty", b"")
    write(data / "unicode ü 日本.txt", "ünïcödé\n".encode())
    first_tree = tree(data)

    restic("init")
    restic("backup", ".", cwd=data)
    write(data / "small.txt", b"hello again, changed\n")
    write(data / "added/new.bin", os.urandom(2 * MIB))
    (data / "nested/deeper/random.bin").unlink()
    second_tree = tree(data)
    restic("backup", ".", cwd=data)

    snaps = snapshots(restic)
    assert len(snaps) == 2
    first_id = min(snaps, key=lambda s: s["time"])["id"]

    # Restore the first snapshot before forgetting it: the bytes it captured.
    out = tmp_path / "restore-first"
    restic("restore", first_id, "--target", str(out))
    assert tree(out) == first_tree

    restic("forget", "--keep-last", "1", "--prune")
    snaps = snapshots(restic)
    assert len(snaps) == 1 and snaps[0]["id"] != first_id

    # Prune deleted repository files: on a versioned bucket they became delete markers,
    # their bytes kept as noncurrent versions, and listings no longer show them.
    markers, noncurrent = [], []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        markers += page.get("DeleteMarkers", [])
        noncurrent += [v for v in page.get("Versions", []) if not v["IsLatest"]]
    assert markers, "prune deleted nothing"
    assert all(m["IsLatest"] for m in markers)
    current = {
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    }
    assert not current & {m["Key"] for m in markers}
    assert {v["Key"] for v in noncurrent} >= {m["Key"] for m in markers}

    restic("check", "--read-data")
    out = tmp_path / "restore-latest"
    restic("restore", "latest", "--target", str(out))
    assert tree(out) == second_tree

    # Undo the prune by deleting its delete markers (not those of restic's old lock files):
    # the forgotten snapshot, its index and its packs are current again and restore.
    undelete = [
        {"Key": m["Key"], "VersionId": m["VersionId"]}
        for m in markers
        if not m["Key"].startswith("repo/locks/")
    ]
    res = s3.delete_objects(Bucket=bucket, Delete={"Objects": undelete})
    assert "Errors" not in res and len(res["Deleted"]) == len(undelete)
    assert first_id in {snap["id"] for snap in snapshots(restic)}
    out = tmp_path / "restore-undeleted"
    restic("restore", first_id, "--target", str(out))
    assert tree(out) == first_tree
