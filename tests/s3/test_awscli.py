"""The real AWS CLI (v1 on current botocore, so it sends CRC32 checksums unasked) against the
real server: ``aws s3`` high-level commands and ``aws s3api`` operations, bytes compared."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import uuid
import zlib

import pytest
from botocore.exceptions import ClientError
from filetrees import bucket_contents, tree, write
from toolrun import Result, run_tool

MIB = 1024 * 1024


def _aws_command() -> list[str]:
    """The CLI of the interpreter running the tests (the ``aws`` script without its shim)."""
    return [sys.executable, "-m", "awscli"]


@pytest.fixture
def aws(server, tmp_path):  # type: ignore[no-untyped-def]
    """Run ``aws --endpoint-url <server> ARGS...``; an empty config isolates it from the host."""
    home = tmp_path / "aws-home"
    home.mkdir()
    config = home / "config"
    config.write_text("[default]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            # A hung request fails the test instead of being retried after a timeout.
            "AWS_MAX_ATTEMPTS": "1",
            "HOME": str(home),
        }
    )
    base = [*_aws_command(), "--endpoint-url", server.endpoint, "--cli-read-timeout", "20"]

    def run(
        *args: str, check: bool = True, stdin: bytes | None = None, secret: str | None = None
    ) -> Result:
        run_env = env if secret is None else {**env, "AWS_SECRET_ACCESS_KEY": secret}
        return run_tool(
            "aws", [*base, *args], env=run_env, check=check, stdin=stdin, shown_args=args
        )

    def api(*args: str) -> dict:
        out = run("s3api", *args, "--output", "json").stdout
        return json.loads(out) if out.strip() else {}

    run.api = api  # type: ignore[attr-defined]
    run.config = config  # type: ignore[attr-defined]
    return run


def unique_bucket() -> str:
    return f"cli-{uuid.uuid4().hex[:20]}"


def uploaded(output: str) -> list[str]:
    """Destinations of the ``upload: SRC to DEST`` lines the CLI prints."""
    return sorted(
        line.rsplit(" to ", 1)[1] for line in output.splitlines() if line.startswith("upload:")
    )


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


# aws s3 -----------------------------------------------------------------------------------


def test_s3_mb_ls_rb_creates_lists_and_removes_bucket(aws, s3):
    name = unique_bucket()
    assert f"make_bucket: {name}" in aws("s3", "mb", f"s3://{name}").stdout
    assert name in aws("s3", "ls").stdout.split()
    assert f"remove_bucket: {name}" in aws("s3", "rb", f"s3://{name}").stdout
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_s3_rb_refuses_non_empty_bucket_and_force_empties_it_first(aws, s3):
    name = unique_bucket()
    s3.create_bucket(Bucket=name)
    for key in ["a/f.txt", "b", "c/d/e"]:
        s3.put_object(Bucket=name, Key=key, Body=b"content")
    plain = aws("s3", "rb", f"s3://{name}", check=False)
    assert plain.returncode != 0
    assert "BucketNotEmpty" in plain.stderr
    aws("s3", "rb", f"s3://{name}", "--force")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_s3_cp_small_file_upload_and_download_round_trip(aws, bucket, tmp_path, s3):
    data = write(tmp_path / "hello.txt", b"hello from the aws cli\n")
    aws("s3", "cp", str(tmp_path / "hello.txt"), f"s3://{bucket}/docs/hello.txt", "--no-progress")
    head = s3.head_object(Bucket=bucket, Key="docs/hello.txt")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert head["ContentType"] == "text/plain"
    aws("s3", "cp", f"s3://{bucket}/docs/hello.txt", str(tmp_path / "back.txt"), "--no-progress")
    assert (tmp_path / "back.txt").read_bytes() == data


def test_s3_cp_recursive_with_empty_file_over_one_connection_uploads_everything(
    aws, bucket, tmp_path, s3
):
    # One transfer thread: every PUT (each with Expect: 100-continue) reuses one connection,
    # so the empty file's PUT is followed by another on the same connection.
    src = tmp_path / "src"
    files = {"a.txt": b"first", "b-empty": b"", "c.txt": b"after the empty one", "d": b"last"}
    for name, data in files.items():
        write(src / name, data)
    aws.config.write_text("[default]\ns3 =\n  max_concurrent_requests = 1\n")
    out = aws("s3", "cp", str(src), f"s3://{bucket}/up", "--recursive", "--no-progress").stdout
    assert len(uploaded(out)) == 4
    assert bucket_contents(s3, bucket) == {f"up/{k}": v for k, v in files.items()}


def test_s3_cp_20_mib_file_uploads_multipart_and_downloads_identical(aws, bucket, tmp_path, s3):
    data = write(tmp_path / "big.bin", os.urandom(20 * MIB))
    aws("s3", "cp", str(tmp_path / "big.bin"), f"s3://{bucket}/big.bin", "--no-progress")
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    # The CLI's default 8 MiB chunks: three parts, so a multipart ETag "<md5 of md5s>-3".
    parts = [data[i : i + 8 * MIB] for i in range(0, len(data), 8 * MIB)]
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert head["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    aws("s3", "cp", f"s3://{bucket}/big.bin", str(tmp_path / "big.back"), "--no-progress")
    assert (tmp_path / "big.back").read_bytes() == data


def test_s3_cp_streams_from_stdin_and_to_stdout(aws, bucket, s3):
    data = os.urandom(300_000)
    aws("s3", "cp", "-", f"s3://{bucket}/streamed", stdin=data)
    assert s3.get_object(Bucket=bucket, Key="streamed")["Body"].read() == data
    assert aws("s3", "cp", f"s3://{bucket}/streamed", "-").raw == data


def test_s3_sync_uploads_changes_and_delete_removes_extra_keys(aws, bucket, tmp_path, s3):
    src = tmp_path / "src"
    write(src / "a.txt", b"alpha")
    write(src / "sub/b.txt", b"bravo" * 100)
    write(src / "sub/deeper/c.bin", os.urandom(70_000))
    write(src / "gone.txt", b"will be deleted")
    target = f"s3://{bucket}/mirror"

    first = aws("s3", "sync", str(src), target, "--no-progress").stdout
    assert len(uploaded(first)) == 4
    assert bucket_contents(s3, bucket) == {f"mirror/{k}": v for k, v in tree(src).items()}

    write(src / "a.txt", b"alpha, changed and longer")
    write(src / "new.txt", b"a new file")
    (src / "gone.txt").unlink()
    second = aws("s3", "sync", str(src), target, "--no-progress").stdout
    assert uploaded(second) == [f"{target}/a.txt", f"{target}/new.txt"]
    assert "mirror/gone.txt" in bucket_contents(s3, bucket)

    third = aws("s3", "sync", str(src), target, "--delete", "--no-progress").stdout
    assert uploaded(third) == []
    assert f"delete: {target}/gone.txt" in third
    assert bucket_contents(s3, bucket) == {f"mirror/{k}": v for k, v in tree(src).items()}

    down = tmp_path / "down"
    aws("s3", "sync", target, str(down), "--no-progress")
    assert tree(down) == tree(src)


def test_s3_ls_shows_prefixes_and_recursive_lists_every_key(aws, bucket, s3):
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"123")
    s3.put_object(Bucket=bucket, Key="photos/2024/a.jpg", Body=b"x" * 10)
    s3.put_object(Bucket=bucket, Key="photos/b.jpg", Body=b"y" * 20)

    flat = aws("s3", "ls", f"s3://{bucket}").stdout.splitlines()
    assert len(flat) == 2
    assert any(line.split() == ["PRE", "photos/"] for line in flat)
    assert any(line.split()[-2:] == ["3", "top.txt"] for line in flat)

    recursive = aws("s3", "ls", f"s3://{bucket}", "--recursive").stdout.splitlines()
    assert sorted((line.split()[-1], line.split()[-2]) for line in recursive) == [
        ("photos/2024/a.jpg", "10"),
        ("photos/b.jpg", "20"),
        ("top.txt", "3"),
    ]


def test_s3_ls_recursive_pages_through_more_than_one_page(aws, bucket, s3):
    for i in range(30):
        s3.put_object(Bucket=bucket, Key=f"k/{i:03d}", Body=b"")
    listed = aws("s3", "ls", f"s3://{bucket}", "--recursive", "--page-size", "7").stdout
    assert [line.split()[-1] for line in listed.splitlines()] == [f"k/{i:03d}" for i in range(30)]


def test_s3_rm_recursive_removes_only_the_prefix(aws, bucket, s3):
    for key in ["logs/a", "logs/b/c", "logs/b/d", "keep/e", "logsx"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    out = aws("s3", "rm", f"s3://{bucket}/logs/", "--recursive").stdout
    assert out.count("delete:") == 3
    assert sorted(bucket_contents(s3, bucket)) == ["keep/e", "logsx"]


def test_s3_mv_moves_object_server_side(aws, bucket, s3):
    s3.put_object(Bucket=bucket, Key="from", Body=b"moving bytes")
    aws("s3", "mv", f"s3://{bucket}/from", f"s3://{bucket}/to")
    assert bucket_contents(s3, bucket) == {"to": b"moving bytes"}


# aws s3api --------------------------------------------------------------------------------


def test_s3api_put_get_head_object_round_trip_with_metadata(aws, bucket, tmp_path):
    data = write(tmp_path / "body.bin", os.urandom(50_000))
    put = aws.api(
        "put-object",
        "--bucket",
        bucket,
        "--key",
        "dir/obj.bin",
        "--body",
        str(tmp_path / "body.bin"),
        "--content-type",
        "application/x-test",
        "--metadata",
        "colour=blue,owner=ada",
    )
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    # The CLI sends a CRC32 of the body unasked; the server checks it and echoes it.
    assert put["ChecksumCRC32"] == crc32_b64(data)

    head = aws.api(
        "head-object", "--bucket", bucket, "--key", "dir/obj.bin", "--checksum-mode", "ENABLED"
    )
    assert head["ChecksumCRC32"] == crc32_b64(data)
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == put["ETag"]
    assert head["ContentType"] == "application/x-test"
    assert head["Metadata"] == {"colour": "blue", "owner": "ada"}

    got = aws.api(
        "get-object",
        "--bucket",
        bucket,
        "--key",
        "dir/obj.bin",
        "--range",
        "bytes=100-199",
        str(tmp_path / "range.bin"),
    )
    assert got["ContentRange"] == f"bytes 100-199/{len(data)}"
    assert got["Metadata"] == {"colour": "blue", "owner": "ada"}
    assert (tmp_path / "range.bin").read_bytes() == data[100:200]


def test_s3api_get_object_writes_whole_body_to_file(aws, bucket, tmp_path, s3):
    data = os.urandom(200_000)
    s3.put_object(Bucket=bucket, Key="whole", Body=data)
    got = aws.api("get-object", "--bucket", bucket, "--key", "whole", str(tmp_path / "out"))
    assert got["ContentLength"] == len(data)
    assert (tmp_path / "out").read_bytes() == data


def test_s3api_head_object_checksum_mode_returns_checksum_sent_on_put(aws, bucket, tmp_path):
    data = write(tmp_path / "body", b"checksummed body")
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    put = aws.api(
        "put-object",
        "--bucket",
        bucket,
        "--key",
        "k",
        "--body",
        str(tmp_path / "body"),
        "--checksum-algorithm",
        "SHA256",
    )
    assert put["ChecksumSHA256"] == expected
    head = aws.api("head-object", "--bucket", bucket, "--key", "k", "--checksum-mode", "ENABLED")
    assert head.get("ChecksumSHA256") == expected


def test_s3api_head_object_missing_key_fails_with_404(aws, bucket):
    proc = aws("s3api", "head-object", "--bucket", bucket, "--key", "absent", check=False)
    assert proc.returncode != 0
    assert "(404)" in proc.stderr


def test_s3api_list_objects_v2_with_prefix_delimiter_and_pagination(aws, bucket, s3):
    for key in ["a/1", "a/2", "a/sub/3", "b/4", "c"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"z")
    under_a = aws.api("list-objects-v2", "--bucket", bucket, "--prefix", "a/", "--delimiter", "/")
    assert [c["Key"] for c in under_a["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in under_a["CommonPrefixes"]] == ["a/sub/"]

    page = aws.api("list-objects-v2", "--bucket", bucket, "--max-items", "2", "--page-size", "2")
    assert [c["Key"] for c in page["Contents"]] == ["a/1", "a/2"]
    rest = aws.api("list-objects-v2", "--bucket", bucket, "--starting-token", page["NextToken"])
    assert [c["Key"] for c in rest["Contents"]] == ["a/sub/3", "b/4", "c"]


def test_s3api_delete_objects_removes_listed_keys(aws, bucket, s3):
    for key in ["x1", "x2", "x3", "keep"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    spec = {"Objects": [{"Key": "x1"}, {"Key": "x2"}, {"Key": "x3"}, {"Key": "never-existed"}]}
    out = aws.api("delete-objects", "--bucket", bucket, "--delete", json.dumps(spec))
    assert sorted(d["Key"] for d in out["Deleted"]) == ["never-existed", "x1", "x2", "x3"]
    assert not out.get("Errors")
    assert list(bucket_contents(s3, bucket)) == ["keep"]


def test_s3api_multipart_upload_create_parts_list_complete(aws, bucket, tmp_path, s3):
    part1 = write(tmp_path / "p1", os.urandom(5 * MIB))
    part2 = write(tmp_path / "p2", os.urandom(1234))
    upload_id = aws.api("create-multipart-upload", "--bucket", bucket, "--key", "mp")["UploadId"]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp", upload_id)]

    etags = []
    for number, path in [(1, tmp_path / "p1"), (2, tmp_path / "p2")]:
        out = aws.api(
            "upload-part",
            "--bucket",
            bucket,
            "--key",
            "mp",
            "--upload-id",
            upload_id,
            "--part-number",
            str(number),
            "--body",
            str(path),
        )
        etags.append(out["ETag"])
    assert etags == [f'"{hashlib.md5(p).hexdigest()}"' for p in (part1, part2)]

    parts = aws.api("list-parts", "--bucket", bucket, "--key", "mp", "--upload-id", upload_id)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts["Parts"]] == [
        (1, len(part1), etags[0]),
        (2, len(part2), etags[1]),
    ]

    layout = {"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]}
    done = aws.api(
        "complete-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        "mp",
        "--upload-id",
        upload_id,
        "--multipart-upload",
        json.dumps(layout),
    )
    md5s = hashlib.md5(part1).digest() + hashlib.md5(part2).digest()
    assert done["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == part1 + part2
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_s3api_abort_multipart_upload_discards_it(aws, bucket, s3):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="gone", UploadId=upload_id, PartNumber=1, Body=b"part")
    aws(
        "s3api",
        "abort-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        "gone",
        "--upload-id",
        upload_id,
    )
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="gone", UploadId=upload_id)
    assert exc.value.response["Error"]["Code"] == "NoSuchUpload"


def test_s3api_copy_object_keeps_metadata(aws, bucket, s3):
    s3.put_object(Bucket=bucket, Key="orig", Body=b"copy me", Metadata={"m": "1"})
    aws.api("copy-object", "--bucket", bucket, "--key", "copy", "--copy-source", f"{bucket}/orig")
    got = s3.get_object(Bucket=bucket, Key="copy")
    assert got["Body"].read() == b"copy me"
    assert got["Metadata"] == {"m": "1"}


def test_wrong_secret_key_is_refused_with_signature_does_not_match(aws, bucket):
    proc = aws("s3", "ls", f"s3://{bucket}", check=False, secret="not-the-secret")
    assert proc.returncode != 0
    assert "SignatureDoesNotMatch" in proc.stderr
