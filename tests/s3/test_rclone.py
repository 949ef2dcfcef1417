"""rclone's S3 backend (provider Other) against the real server: copy, sync, check, lsf, cat,
copyto, purge, a multipart upload, unicode names, path-style and virtual-host-style."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

import pytest
from filetrees import bucket_contents, tree, write
from toolrun import Result, run_tool

MIB = 1024 * 1024
MULTIPART = ("--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M")
# A server error or hang must fail the test, not vanish into rclone's retries.
NO_RETRIES = ("--retries", "1", "--low-level-retries", "1", "--timeout", "30s")


def _rclone_binary() -> str:
    found = shutil.which("rclone")
    if found is None:
        raise RuntimeError("rclone is not installed: run scripts/install-test-tools.sh")
    return found


@pytest.fixture
def rclone(server, tmp_path):  # type: ignore[no-untyped-def]
    """Run ``rclone ARGS...`` with two remotes: ``hydria:`` (path style) and ``vhost:``
    (virtual-host style, ``<bucket>.localhost:<port>``)."""
    config = tmp_path / "rclone.conf"
    common = (
        "type = s3\n"
        "provider = Other\n"
        f"access_key_id = {server.access_key}\n"
        f"secret_access_key = {server.secret_key}\n"
        "region = us-east-1\n"
    )
    config.write_text(
        f"[hydria]\n{common}endpoint = {server.endpoint}\nforce_path_style = true\n\n"
        f"[vhost]\n{common}endpoint = http://localhost:{server.port}\nforce_path_style = false\n"
    )
    # Nothing from the host may leak in: AWS_CA_BUNDLE alone breaks rclone's S3 client.
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "RCLONE_")) and k.lower() not in ("http_proxy", "no_proxy")
    }
    base_env["HOME"] = str(tmp_path)
    # *.localhost names need not resolve on the test machine; rclone reaches the server as
    # an HTTP proxy instead, so requests still carry "Host: <bucket>.localhost:<port>".
    vhost_env = {**base_env, "HTTP_PROXY": server.endpoint}

    def run(*args: str, check: bool = True) -> Result:
        env = vhost_env if any(a.startswith("vhost:") for a in args) else base_env
        argv = [_rclone_binary(), "--config", str(config), *NO_RETRIES, *args]
        return run_tool("rclone", argv, env=env, check=check, shown_args=args)

    return run


def make_tree(root: Path, *, big: bool = False) -> dict[str, bytes]:
    write(root / "top.txt", b"top level\n")
    write(root / "zero-bytes", b"")
    write(root / "a/b/c/deep.txt", b"deep down\n" * 50)
    write(root / "a/sibling.bin", os.urandom(100_000))
    write(root / "ünïcödé dir/日本語 ファイル.txt", "こんにちは\n".encode())
    write(root / "spaces and + plus/%percent #hash.txt", b"odd characters")
    if big:
        write(root / "big.bin", os.urandom(12 * MIB))
    return tree(root)


def multipart_etag(data: bytes, part_size: int) -> str:
    md5s = b"".join(
        hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)
    )
    parts = (len(data) + part_size - 1) // part_size
    return f'"{hashlib.md5(md5s).hexdigest()}-{parts}"'


def test_copy_tree_with_big_empty_and_unicode_files_round_trips(rclone, bucket, tmp_path, s3):
    src = tmp_path / "src"
    files = make_tree(src, big=True)
    rclone("copy", str(src), f"hydria:{bucket}/up", *MULTIPART)

    assert bucket_contents(s3, bucket, "up/") == files
    head = s3.head_object(Bucket=bucket, Key="up/big.bin")
    assert head["ContentLength"] == 12 * MIB
    assert head["ETag"] == multipart_etag(files["big.bin"], 5 * MIB)

    checked = rclone("check", str(src), f"hydria:{bucket}/up")
    assert "0 differences found" in checked.stderr

    down = tmp_path / "down"
    rclone("copy", f"hydria:{bucket}/up", str(down))
    assert tree(down) == files


def test_sync_mirrors_changes_additions_and_deletions(rclone, bucket, tmp_path, s3):
    src = tmp_path / "src"
    make_tree(src)
    rclone("sync", str(src), f"hydria:{bucket}/mirror")
    assert bucket_contents(s3, bucket, "mirror/") == tree(src)

    write(src / "top.txt", b"changed, and a different size\n")
    write(src / "a/new/file.txt", b"added later")
    (src / "a/sibling.bin").unlink()
    shutil.rmtree(src / "ünïcödé dir")
    rclone("sync", str(src), f"hydria:{bucket}/mirror")
    assert bucket_contents(s3, bucket, "mirror/") == tree(src)
    assert "0 differences found" in rclone("check", str(src), f"hydria:{bucket}/mirror").stderr


def test_check_reports_an_object_changed_behind_its_back(rclone, bucket, tmp_path, s3):
    src = tmp_path / "src"
    write(src / "same.txt", b"unchanged")
    write(src / "edited.txt", b"original text")
    rclone("copy", str(src), f"hydria:{bucket}")
    s3.put_object(Bucket=bucket, Key="edited.txt", Body=b"ORIGINAL TEXT")
    checked = rclone("check", str(src), f"hydria:{bucket}", check=False)
    assert checked.returncode != 0
    assert "1 differences found" in checked.stderr
    assert "edited.txt" in checked.stderr


def test_lsf_lists_directories_and_files(rclone, bucket, s3):
    for key in ["root.txt", "dir/one.txt", "dir/sub/two.txt", "ünï/ß.txt"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    top = rclone("lsf", f"hydria:{bucket}").stdout.splitlines()
    assert sorted(top) == ["dir/", "root.txt", "ünï/"]
    files = rclone("lsf", "-R", "--files-only", f"hydria:{bucket}").stdout.splitlines()
    assert sorted(files) == ["dir/one.txt", "dir/sub/two.txt", "root.txt", "ünï/ß.txt"]
    sized = rclone("lsf", "--format", "ps", "--files-only", f"hydria:{bucket}/dir/sub")
    assert sized.stdout.splitlines() == ["two.txt;15"]


def test_cat_prints_object_whole_and_a_range(rclone, bucket, s3):
    data = bytes(range(256)) * 40
    s3.put_object(Bucket=bucket, Key="dir/data.bin", Body=data)
    assert rclone("cat", f"hydria:{bucket}/dir/data.bin").raw == data
    part = rclone("cat", "--offset", "1000", "--count", "300", f"hydria:{bucket}/dir/data.bin")
    assert part.raw == data[1000:1300]
    tail = rclone("cat", "--tail", "10", f"hydria:{bucket}/dir/data.bin")
    assert tail.raw == data[-10:]


def test_copyto_copies_server_side_and_deletefile_removes(rclone, bucket, s3):
    s3.put_object(Bucket=bucket, Key="orig.txt", Body=b"copy me across")
    rclone("copyto", f"hydria:{bucket}/orig.txt", f"hydria:{bucket}/copies/dup.txt")
    rclone("deletefile", f"hydria:{bucket}/orig.txt")
    assert bucket_contents(s3, bucket) == {"copies/dup.txt": b"copy me across"}


def test_mkdir_creates_bucket_and_purge_removes_it_with_contents(rclone, tmp_path, s3):
    name = f"rclone-{uuid.uuid4().hex[:16]}"
    rclone("mkdir", f"hydria:{name}")
    s3.head_bucket(Bucket=name)
    src = tmp_path / "src"
    make_tree(src)
    rclone("copy", str(src), f"hydria:{name}/data")
    assert len(bucket_contents(s3, name)) == len(tree(src))
    rclone("purge", f"hydria:{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_purge_of_a_prefix_keeps_the_rest_of_the_bucket(rclone, bucket, s3):
    for key in ["gone/a", "gone/b/c", "kept/d", "gone-not/e"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    rclone("purge", f"hydria:{bucket}/gone")
    assert sorted(bucket_contents(s3, bucket)) == ["gone-not/e", "kept/d"]


def test_virtual_host_style_copy_list_check_and_purge(rclone, bucket, tmp_path, s3):
    src = tmp_path / "src"
    make_tree(src)
    write(src / "big.bin", os.urandom(11 * MIB))
    files = tree(src)
    rclone("copy", str(src), f"vhost:{bucket}/vh", *MULTIPART)
    assert bucket_contents(s3, bucket, "vh/") == files
    listed = rclone("lsf", "-R", "--files-only", f"vhost:{bucket}/vh").stdout.splitlines()
    assert sorted(listed) == sorted(files)
    assert "0 differences found" in rclone("check", str(src), f"vhost:{bucket}/vh").stderr
    rclone("purge", f"vhost:{bucket}/vh")
    assert bucket_contents(s3, bucket) == {}
