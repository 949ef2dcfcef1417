"""s3cmd against the real server, with SigV4 (its default) and with SigV2 header auth:
mb, put (single and multipart), get, ls, la, du, cp, mv, del, sync, signurl, rb."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import sysconfig
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from filetrees import bucket_contents, tree, write
from toolrun import Result, run_tool

MIB = 1024 * 1024


def _s3cmd_command() -> list[str]:
    """The s3cmd script installed with this interpreter's packages, run by this interpreter."""
    script = Path(sysconfig.get_path("scripts")) / "s3cmd"
    if script.is_file():
        return [sys.executable, str(script)]
    found = shutil.which("s3cmd")
    if found is None:
        raise RuntimeError("s3cmd is not installed: run scripts/install-test-tools.sh")
    return [found]


def _config(server, path: Path, *, signature_v2: bool, secret: str | None = None) -> Path:  # type: ignore[no-untyped-def]
    host = f"127.0.0.1:{server.port}"
    path.write_text(
        "[default]\n"
        f"access_key = {server.access_key}\n"
        f"secret_key = {secret or server.secret_key}\n"
        f"host_base = {host}\n"
        f"host_bucket = {host}\n"
        "bucket_location = us-east-1\n"
        "use_https = False\n"
        f"signature_v2 = {signature_v2}\n"
        "proxy_host =\n"
        "progress_meter = False\n"
        # A server error or hang must fail the test, not vanish into s3cmd's retries.
        "max_retries = 0\n"
        "socket_timeout = 30\n"
    )
    return path


def _runner(server, tmp_path: Path, *, signature_v2: bool, secret: str | None = None):  # type: ignore[no-untyped-def]
    name = f"s3cfg-{'v2' if signature_v2 else 'v4'}{'-bad' if secret else ''}"
    config = _config(server, tmp_path / name, signature_v2=signature_v2, secret=secret)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy")
    }
    env["HOME"] = str(tmp_path)

    def run(*args: str, check: bool = True) -> Result:
        argv = [*_s3cmd_command(), "-c", str(config), *args]
        return run_tool("s3cmd", argv, env=env, check=check, cwd=tmp_path, shown_args=args)

    return run


@pytest.fixture
def s3cmd(server, tmp_path):  # type: ignore[no-untyped-def]
    """s3cmd signing with SigV4."""
    return _runner(server, tmp_path, signature_v2=False)


@pytest.fixture
def s3cmd_v2(server, tmp_path):  # type: ignore[no-untyped-def]
    """s3cmd signing with SigV2 (``Authorization: AWS key:signature``)."""
    return _runner(server, tmp_path, signature_v2=True)


def listed_urls(output: str) -> list[str]:
    """The ``s3://...`` column of ``s3cmd ls`` / ``la`` lines (directories end with /)."""
    return sorted(line.split(None, 3)[-1] for line in output.splitlines() if "s3://" in line)


def multipart_etag(data: bytes, part_size: int) -> str:
    md5s = b"".join(
        hashlib.md5(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)
    )
    parts = (len(data) + part_size - 1) // part_size
    return f'"{hashlib.md5(md5s).hexdigest()}-{parts}"'


def unique_bucket() -> str:
    return f"s3cmd-{uuid.uuid4().hex[:20]}"


def test_mb_ls_rb_creates_lists_and_removes_bucket(s3cmd, s3):
    name = unique_bucket()
    assert f"Bucket 's3://{name}/' created" in s3cmd("mb", f"s3://{name}").stdout
    assert f"s3://{name}" in s3cmd("ls").stdout.split()
    assert f"Bucket 's3://{name}/' removed" in s3cmd("rb", f"s3://{name}").stdout
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_rb_refuses_non_empty_bucket_and_recursive_empties_it(s3cmd, s3):
    name = unique_bucket()
    s3.create_bucket(Bucket=name)
    for key in ["a", "b/c", "d/e/f"]:
        s3.put_object(Bucket=name, Key=key, Body=b"x")
    refused = s3cmd("rb", f"s3://{name}", check=False)
    assert refused.returncode != 0
    assert "BucketNotEmpty" in refused.stderr
    s3cmd("rb", "--recursive", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_put_get_small_file_round_trip_keeps_s3cmd_attributes(s3cmd, bucket, tmp_path, s3):
    data = write(tmp_path / "note.txt", b"a small note\n")
    s3cmd("put", str(tmp_path / "note.txt"), f"s3://{bucket}/notes/note.txt")
    head = s3.head_object(Bucket=bucket, Key="notes/note.txt")
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert f"md5:{hashlib.md5(data).hexdigest()}" in head["Metadata"]["s3cmd-attrs"]
    s3cmd("get", f"s3://{bucket}/notes/note.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == data
    assert s3cmd("get", f"s3://{bucket}/notes/note.txt", "-").raw == data


def test_put_12_mib_with_5_mib_chunks_is_multipart_and_get_matches(s3cmd, bucket, tmp_path, s3):
    data = write(tmp_path / "big.bin", os.urandom(12 * MIB))
    s3cmd("put", "--multipart-chunk-size-mb=5", str(tmp_path / "big.bin"), f"s3://{bucket}/big")
    head = s3.head_object(Bucket=bucket, Key="big")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(data, 5 * MIB)
    s3cmd("get", f"s3://{bucket}/big", str(tmp_path / "big.back"))
    assert (tmp_path / "big.back").read_bytes() == data


def test_ls_shows_directories_and_files_and_la_lists_every_bucket(s3cmd, bucket, s3):
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"12345")
    s3.put_object(Bucket=bucket, Key="dir/inner.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="dir/sub/deep.txt", Body=b"y")
    assert listed_urls(s3cmd("ls", f"s3://{bucket}").stdout) == [
        f"s3://{bucket}/dir/",
        f"s3://{bucket}/top.txt",
    ]
    assert listed_urls(s3cmd("ls", "--recursive", f"s3://{bucket}").stdout) == [
        f"s3://{bucket}/dir/inner.txt",
        f"s3://{bucket}/dir/sub/deep.txt",
        f"s3://{bucket}/top.txt",
    ]
    everything = s3cmd("la").stdout
    assert f"s3://{bucket}/top.txt" in everything
    assert f"s3://{bucket}/dir/" in everything
    usage = s3cmd("du", f"s3://{bucket}").stdout.split()
    assert usage[:3] == ["7", "3", "objects"]


def test_del_single_and_recursive(s3cmd, bucket, s3):
    for key in ["one", "logs/a", "logs/b/c", "logsx"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert f"delete: 's3://{bucket}/one'" in s3cmd("del", f"s3://{bucket}/one").stdout
    s3cmd("del", "--recursive", f"s3://{bucket}/logs/")
    assert sorted(bucket_contents(s3, bucket)) == ["logsx"]


def test_cp_and_mv_copy_server_side(s3cmd, bucket, s3):
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", Metadata={"k": "v"})
    s3cmd("cp", f"s3://{bucket}/src", f"s3://{bucket}/copied")
    s3cmd("mv", f"s3://{bucket}/src", f"s3://{bucket}/moved")
    assert bucket_contents(s3, bucket) == {"copied": b"payload", "moved": b"payload"}
    assert s3.head_object(Bucket=bucket, Key="moved")["Metadata"] == {"k": "v"}


def test_sync_up_with_delete_removed_and_back_down(s3cmd, bucket, tmp_path, s3):
    src = tmp_path / "src"
    write(src / "a.txt", b"alpha")
    write(src / "zero", b"")
    write(src / "dir/b.bin", os.urandom(40_000))
    write(src / "dir/deeper/c.txt", b"charlie")
    write(src / "ünïcödé/名前 with space.txt", "値".encode())
    s3cmd("sync", f"{src}/", f"s3://{bucket}/mirror/")
    assert bucket_contents(s3, bucket, "mirror/") == tree(src)

    write(src / "a.txt", b"alpha, changed")
    (src / "dir/b.bin").unlink()
    write(src / "new.txt", b"new")
    s3cmd("sync", "--delete-removed", f"{src}/", f"s3://{bucket}/mirror/")
    assert bucket_contents(s3, bucket, "mirror/") == tree(src)

    down = tmp_path / "down"
    down.mkdir()
    s3cmd("sync", f"s3://{bucket}/mirror/", f"{down}/")
    assert tree(down) == tree(src)


def test_signurl_gives_a_working_sigv2_query_url(s3cmd, bucket, s3):
    s3.put_object(Bucket=bucket, Key="dir/ü n+i.txt", Body=b"shared by url")
    url = s3cmd("signurl", f"s3://{bucket}/dir/ü n+i.txt", "+300").stdout.strip()
    parts = urlsplit(url)
    assert "Signature=" in parts.query and "AWSAccessKeyId=" in parts.query
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}?{parts.query}")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"shared by url")
    conn.close()


def test_sigv2_header_auth_full_workflow(s3cmd_v2, tmp_path, s3):
    name = unique_bucket()
    s3cmd_v2("mb", f"s3://{name}")
    small = write(tmp_path / "small.txt", b"signed with version 2")
    big = write(tmp_path / "big.bin", os.urandom(12 * MIB))
    s3cmd_v2("put", str(tmp_path / "small.txt"), f"s3://{name}/dir/ü n+i.txt")
    s3cmd_v2("put", "--multipart-chunk-size-mb=5", str(tmp_path / "big.bin"), f"s3://{name}/big")
    assert s3.head_object(Bucket=name, Key="big")["ETag"] == multipart_etag(big, 5 * MIB)
    assert listed_urls(s3cmd_v2("ls", "--recursive", f"s3://{name}").stdout) == [
        f"s3://{name}/big",
        f"s3://{name}/dir/ü n+i.txt",
    ]
    assert s3cmd_v2("get", f"s3://{name}/dir/ü n+i.txt", "-").raw == small
    s3cmd_v2("get", f"s3://{name}/big", str(tmp_path / "big.back"))
    assert (tmp_path / "big.back").read_bytes() == big
    s3cmd_v2("cp", f"s3://{name}/big", f"s3://{name}/big-copy")
    s3cmd_v2("del", f"s3://{name}/big", f"s3://{name}/big-copy", f"s3://{name}/dir/ü n+i.txt")
    s3cmd_v2("rb", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("signature_v2", [False, True], ids=["sigv4", "sigv2"])
def test_wrong_secret_is_refused_with_signature_does_not_match(
    server, bucket, tmp_path, signature_v2
):
    run = _runner(server, tmp_path, signature_v2=signature_v2, secret="not-the-secret-key")
    refused = run("ls", f"s3://{bucket}", check=False)
    assert refused.returncode != 0
    assert "SignatureDoesNotMatch" in refused.stderr
