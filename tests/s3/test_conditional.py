"""Conditional requests against the real server, as AWS S3 answers them.

Reads: If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since on GetObject and
HeadObject, with the precedence AWS documents (RFC 7232, section 6) and before any Range.
Writes: If-None-Match: * and If-Match on PutObject and CompleteMultipartUpload, If-Match on
DeleteObject, including many clients racing for one key.

botocore reports a GET 412 by its XML code (PreconditionFailed, with the Condition element)
but a HEAD 412 or any 304 by the bare status ("412", "304"), since those carry no body.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import signed_request

BODY = b"0123456789abcdefghijklmnopqrstuvwxyz"
OTHER_ETAG = '"00000000000000000000000000000000"'
SECOND = timedelta(seconds=1)
MIB = 1024 * 1024


def http_date(when: datetime) -> str:
    """Last-Modified as the server sends it (RFC 1123, GMT)."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def status_of(exc: ClientError) -> int:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"]


def code_of(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


class Obj:
    """One stored object and the validators a client would have cached from it."""

    def __init__(self, s3, bucket: str, key: str = "obj", body: bytes = BODY) -> None:
        self.s3, self.bucket, self.key, self.body = s3, bucket, key, body
        self.etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
        self.last_modified: datetime = s3.head_object(Bucket=bucket, Key=key)["LastModified"]

    def read(self, method: str, **conditions: object) -> dict:
        call = self.s3.get_object if method == "GET" else self.s3.head_object
        return call(Bucket=self.bucket, Key=self.key, **conditions)

    def status(self, method: str, **conditions: object) -> int:
        """200/206 when served; otherwise the error's HTTP status."""
        try:
            response = self.read(method, **conditions)
        except ClientError as exc:
            return status_of(exc)
        if method == "GET":
            response["Body"].read()
        return response["ResponseMetadata"]["HTTPStatusCode"]

    def raw(self, method: str, headers: dict[str, str], server) -> tuple[int, dict, bytes]:
        return signed_request(server, method, f"/{self.bucket}/{self.key}", headers=headers)


@pytest.fixture
def obj(s3, bucket) -> Obj:
    return Obj(s3, bucket)


METHODS = pytest.mark.parametrize("method", ["GET", "HEAD"])


# --------------------------------------------------------------------------- single conditions


@METHODS
def test_if_match_current_etag_serves(obj, method):
    assert obj.status(method, IfMatch=obj.etag) == 200
    assert obj.status(method, IfMatch=obj.etag.strip('"')) == 200  # S3 accepts bare ETags
    assert obj.status(method, IfMatch=f"{OTHER_ETAG}, {obj.etag}") == 200
    assert obj.status(method, IfMatch="*") == 200


def test_if_match_other_etag_get_is_412_with_condition(obj):
    with pytest.raises(ClientError) as exc:
        obj.read("GET", IfMatch=OTHER_ETAG)
    assert status_of(exc.value) == 412
    assert code_of(exc.value) == "PreconditionFailed"
    assert exc.value.response["Error"]["Condition"] == "If-Match"
    assert (
        exc.value.response["Error"]["Message"]
        == "At least one of the pre-conditions you specified did not hold"
    )


def test_if_match_other_etag_head_is_412_without_body(obj, server):
    with pytest.raises(ClientError) as exc:
        obj.read("HEAD", IfMatch=OTHER_ETAG)
    assert (status_of(exc.value), code_of(exc.value)) == (412, "412")
    status, _, data = obj.raw("HEAD", {"If-Match": OTHER_ETAG}, server)
    assert (status, data) == (412, b"")


@METHODS
def test_if_none_match_current_etag_is_304_with_validators(obj, method):
    with pytest.raises(ClientError) as exc:
        obj.read(method, IfNoneMatch=obj.etag)
    assert (status_of(exc.value), code_of(exc.value)) == (304, "304")
    headers = exc.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["etag"] == obj.etag
    assert headers["last-modified"] == http_date(obj.last_modified)


@METHODS
def test_if_none_match_star_and_lists(obj, method):
    assert obj.status(method, IfNoneMatch="*") == 304
    assert obj.status(method, IfNoneMatch=obj.etag.strip('"')) == 304
    assert obj.status(method, IfNoneMatch=f"{OTHER_ETAG}, {obj.etag}") == 304
    assert obj.status(method, IfNoneMatch=OTHER_ETAG) == 200


@METHODS
def test_if_modified_since(obj, method):
    lm = obj.last_modified
    assert obj.status(method, IfModifiedSince=lm - SECOND) == 200
    assert obj.status(method, IfModifiedSince=lm) == 304  # Last-Modified as the client saw it
    assert obj.status(method, IfModifiedSince=lm + timedelta(hours=1)) == 304


@METHODS
def test_if_unmodified_since(obj, method):
    lm = obj.last_modified
    assert obj.status(method, IfUnmodifiedSince=lm) == 200
    assert obj.status(method, IfUnmodifiedSince=lm + timedelta(hours=1)) == 200
    assert obj.status(method, IfUnmodifiedSince=lm - SECOND) == 412


def test_if_unmodified_since_get_names_its_condition(obj):
    with pytest.raises(ClientError) as exc:
        obj.read("GET", IfUnmodifiedSince=obj.last_modified - timedelta(days=1))
    assert code_of(exc.value) == "PreconditionFailed"
    assert exc.value.response["Error"]["Condition"] == "If-Unmodified-Since"


def test_conditions_on_a_missing_key_are_404(s3, bucket):
    for conditions in ({"IfMatch": OTHER_ETAG}, {"IfNoneMatch": "*"}):
        with pytest.raises(ClientError) as exc:
            s3.get_object(Bucket=bucket, Key="absent", **conditions)
        assert code_of(exc.value) == "NoSuchKey"


# --------------------------------------------------------------------------- precedence


@METHODS
def test_if_match_true_wins_over_if_unmodified_since_false(obj, method):
    """AWS: If-Match true and If-Unmodified-Since false -> 200 OK and the data."""
    response = obj.read(method, IfMatch=obj.etag, IfUnmodifiedSince=obj.last_modified - SECOND)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    if method == "GET":
        assert response["Body"].read() == BODY


@METHODS
def test_if_none_match_false_wins_over_if_modified_since_true(obj, method):
    """AWS: If-None-Match false and If-Modified-Since true -> 304 Not Modified."""
    since = obj.last_modified - timedelta(days=1)
    assert obj.status(method, IfNoneMatch=obj.etag, IfModifiedSince=since) == 304


@METHODS
def test_if_none_match_true_makes_if_modified_since_ignored(obj, method):
    """RFC 7232, 6: If-Modified-Since counts only when If-None-Match is absent."""
    assert obj.status(method, IfNoneMatch=OTHER_ETAG, IfModifiedSince=obj.last_modified) == 200


@METHODS
def test_if_match_false_wins_over_everything(obj, method):
    lm = obj.last_modified
    assert obj.status(method, IfMatch=OTHER_ETAG, IfUnmodifiedSince=lm) == 412
    assert obj.status(method, IfMatch=OTHER_ETAG, IfNoneMatch=obj.etag) == 412
    assert obj.status(method, IfMatch=OTHER_ETAG, IfModifiedSince=lm) == 412


@METHODS
def test_if_unmodified_since_false_comes_before_304(obj, method):
    stale = obj.last_modified - SECOND
    assert obj.status(method, IfUnmodifiedSince=stale, IfNoneMatch=obj.etag) == 412
    assert obj.status(method, IfUnmodifiedSince=stale, IfModifiedSince=obj.last_modified) == 412


@METHODS
def test_if_match_true_then_the_304_conditions_apply(obj, method):
    lm = obj.last_modified
    assert obj.status(method, IfMatch=obj.etag, IfNoneMatch=obj.etag) == 304
    assert obj.status(method, IfMatch=obj.etag, IfModifiedSince=lm) == 304
    assert obj.status(method, IfMatch=obj.etag, IfModifiedSince=lm - SECOND) == 200


@METHODS
def test_all_four_true_serve(obj, method):
    lm = obj.last_modified
    conditions = {
        "IfMatch": obj.etag,
        "IfNoneMatch": OTHER_ETAG,
        "IfModifiedSince": lm - SECOND,
        "IfUnmodifiedSince": lm,
    }
    assert obj.status(method, **conditions) == 200


def test_conditions_follow_a_rewrite(s3, bucket):
    first = Obj(s3, bucket, "k", b"first")
    second = Obj(s3, bucket, "k", b"second")
    assert first.etag != second.etag
    assert second.status("GET", IfMatch=first.etag) == 412
    assert second.status("GET", IfNoneMatch=first.etag) == 200
    assert second.status("GET", IfNoneMatch=second.etag) == 304


def test_multipart_etag(s3, bucket):
    key = "mp"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=BODY)
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=up,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    etag = done["ETag"]
    assert etag.endswith('-1"')
    assert s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read() == BODY
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key=key, IfNoneMatch=etag)
    assert status_of(exc.value) == 304
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key=key, IfMatch=part["ETag"])  # the part's, not the object's
    assert status_of(exc.value) == 412


# --------------------------------------------------------------------------- Range + conditions


def test_range_with_condition_true_is_206(obj):
    got = obj.read("GET", Range="bytes=2-5", IfMatch=obj.etag, IfNoneMatch=OTHER_ETAG)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes 2-5/{len(BODY)}"
    assert got["Body"].read() == BODY[2:6]
    head = obj.read("HEAD", Range="bytes=2-5", IfModifiedSince=obj.last_modified - SECOND)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert head["ContentLength"] == 4


@METHODS
def test_range_with_failed_condition(obj, method):
    lm = obj.last_modified
    assert obj.status(method, Range="bytes=0-3", IfMatch=OTHER_ETAG) == 412
    assert obj.status(method, Range="bytes=0-3", IfUnmodifiedSince=lm - SECOND) == 412
    assert obj.status(method, Range="bytes=0-3", IfNoneMatch=obj.etag) == 304
    assert obj.status(method, Range="bytes=0-3", IfModifiedSince=lm) == 304


@METHODS
def test_conditions_are_evaluated_before_an_unsatisfiable_range(obj, method):
    far = f"bytes={len(BODY) + 10}-{len(BODY) + 20}"
    assert obj.status(method, Range=far) == 416
    assert obj.status(method, Range=far, IfMatch=OTHER_ETAG) == 412
    assert obj.status(method, Range=far, IfNoneMatch=obj.etag) == 304


def test_part_number_with_conditions(obj):
    assert obj.status("GET", PartNumber=1, IfMatch=obj.etag) == 206
    assert obj.status("GET", PartNumber=1, IfMatch=OTHER_ETAG) == 412
    assert obj.status("HEAD", PartNumber=1, IfNoneMatch=obj.etag) == 304


# --------------------------------------------------------------------------- raw HTTP forms


def test_304_on_the_wire(obj, server):
    status, headers, data = obj.raw("GET", {"If-None-Match": obj.etag}, server)
    assert status == 304
    assert data == b""
    assert headers["etag"] == obj.etag
    assert headers["last-modified"] == http_date(obj.last_modified)
    assert "content-type" not in headers
    assert int(headers.get("content-length", "0")) == 0
    assert not any(name.startswith("x-amz-checksum") for name in headers)


def test_304_keeps_cache_headers(s3, bucket, server):
    s3.put_object(
        Bucket=bucket, Key="cached", Body=b"x", CacheControl="max-age=60", ContentType="a/b"
    )
    etag = s3.head_object(Bucket=bucket, Key="cached")["ETag"]
    status, headers, _ = signed_request(
        server, "GET", f"/{bucket}/cached", headers={"If-None-Match": etag}
    )
    assert status == 304
    assert headers["cache-control"] == "max-age=60"


def test_304_with_checksum_mode_is_still_a_clean_304(s3, bucket):
    s3.put_object(Bucket=bucket, Key="ck", Body=BODY, ChecksumAlgorithm="CRC32")
    etag = s3.head_object(Bucket=bucket, Key="ck")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="ck", IfNoneMatch=etag, ChecksumMode="ENABLED")
    assert (status_of(exc.value), code_of(exc.value)) == (304, "304")


def test_412_on_the_wire_is_s3_error_xml(obj, server):
    status, headers, data = obj.raw("GET", {"If-Match": OTHER_ETAG}, server)
    assert status == 412
    assert headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(data)
    assert root.findtext("Code") == "PreconditionFailed"
    assert root.findtext("Condition") == "If-Match"
    assert root.findtext("RequestId") == headers["x-amz-request-id"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"If-None-Match": "W/{etag}"}, 304),  # If-None-Match compares weakly
        ({"If-Match": "W/{etag}"}, 412),  # If-Match compares strongly
        ({"If-None-Match": '"a", "b", {etag}'}, 304),
        ({"If-None-Match": '"a","b"'}, 200),
        ({"If-Match": " {etag} "}, 200),
        ({"If-Modified-Since": "not a date"}, 200),  # invalid dates are ignored
        ({"If-Unmodified-Since": "not a date"}, 200),
        ({"If-Unmodified-Since": "Sunday, 06-Nov-94 08:49:37 GMT"}, 412),  # RFC 850
        ({"If-Unmodified-Since": "Sun Nov  6 08:49:37 1994"}, 412),  # asctime
        ({"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}, 304),
    ],
)
@METHODS
def test_raw_header_forms(obj, server, method, headers, expected):
    sent = {name: value.replace("{etag}", obj.etag) for name, value in headers.items()}
    status, _, _ = obj.raw(method, sent, server)
    assert status == expected


# --------------------------------------------------------------------------- conditional writes


def assert_unchanged(s3, bucket: str, key: str, body: bytes, etag: str) -> None:
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ETag"] == etag


def assert_absent(s3, bucket: str, key: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key=key)
    assert status_of(exc.value) == 404


SIZES = pytest.mark.parametrize("size", [100, 300 * 1024], ids=["inline", "file"])


@SIZES
def test_put_if_none_match_creates_only_once(s3, bucket, size):
    first = b"a" * size
    etag = s3.put_object(Bucket=bucket, Key="k", Body=first, IfNoneMatch="*")["ETag"]
    assert etag == f'"{hashlib.md5(first).hexdigest()}"'
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"b" * size, IfNoneMatch="*")
    assert (status_of(exc.value), code_of(exc.value)) == (412, "PreconditionFailed")
    assert exc.value.response["Error"]["Condition"] == "If-None-Match"
    assert_unchanged(s3, bucket, "k", first, etag)


def test_put_if_none_match_after_delete_creates_again(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", IfNoneMatch="*")
    s3.delete_object(Bucket=bucket, Key="k")
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfNoneMatch="*")["ETag"]
    assert_unchanged(s3, bucket, "k", b"two", etag)


@SIZES
def test_put_if_match(s3, bucket, size):
    old = Obj(s3, bucket, "k", b"v1" * (size // 2))
    new_body = b"v2" * (size // 2)
    new_etag = s3.put_object(Bucket=bucket, Key="k", Body=new_body, IfMatch=old.etag)["ETag"]
    assert_unchanged(s3, bucket, "k", new_body, new_etag)
    # The old ETag is stale now: the write is refused and nothing changes.
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v3" * (size // 2), IfMatch=old.etag)
    assert (status_of(exc.value), code_of(exc.value)) == (412, "PreconditionFailed")
    assert exc.value.response["Error"]["Condition"] == "If-Match"
    assert_unchanged(s3, bucket, "k", new_body, new_etag)


def test_put_if_match_accepts_unquoted_etag(s3, bucket):
    old = Obj(s3, bucket, "k", b"v1")
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v2", IfMatch=old.etag.strip('"'))["ETag"]
    assert_unchanged(s3, bucket, "k", b"v2", etag)


def test_put_if_match_on_missing_key_is_404(s3, bucket):
    """AWS answers NoSuchKey, not 412, when If-Match names a key with no object."""
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x", IfMatch=OTHER_ETAG)
    assert (status_of(exc.value), code_of(exc.value)) == (404, "NoSuchKey")
    assert_absent(s3, bucket, "absent")


def start_upload(s3, bucket: str, key: str, body: bytes) -> Callable[..., dict]:
    """An upload with one part; returns a function that completes it with extra arguments."""
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=body)

    def complete(**conditions: object) -> dict:
        return s3.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=up,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
            **conditions,
        )

    return complete


def test_complete_if_none_match_on_new_key(s3, bucket):
    complete = start_upload(s3, bucket, "mp", BODY)
    etag = complete(IfNoneMatch="*")["ETag"]
    assert_unchanged(s3, bucket, "mp", BODY, etag)


def test_complete_if_none_match_on_existing_key_is_412(s3, bucket):
    existing = Obj(s3, bucket, "mp", b"already here")
    complete = start_upload(s3, bucket, "mp", BODY)
    with pytest.raises(ClientError) as exc:
        complete(IfNoneMatch="*")
    assert (status_of(exc.value), code_of(exc.value)) == (412, "PreconditionFailed")
    assert_unchanged(s3, bucket, "mp", existing.body, existing.etag)


def test_complete_loses_to_a_put_made_during_the_upload(s3, bucket):
    """AWS's scenario: an upload in progress is no object, so a conditional PUT beats it."""
    complete = start_upload(s3, bucket, "mp", BODY)
    put_etag = s3.put_object(Bucket=bucket, Key="mp", Body=b"put wins", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as exc:
        complete(IfNoneMatch="*")
    assert status_of(exc.value) == 412
    assert_unchanged(s3, bucket, "mp", b"put wins", put_etag)


def test_complete_if_match(s3, bucket):
    old = Obj(s3, bucket, "mp", b"old")
    stale = start_upload(s3, bucket, "mp", b"stale")
    fresh = start_upload(s3, bucket, "mp", BODY)
    etag = fresh(IfMatch=old.etag)["ETag"]
    assert_unchanged(s3, bucket, "mp", BODY, etag)
    with pytest.raises(ClientError) as exc:
        stale(IfMatch=old.etag)
    assert (status_of(exc.value), code_of(exc.value)) == (412, "PreconditionFailed")
    assert exc.value.response["Error"]["Condition"] == "If-Match"
    assert_unchanged(s3, bucket, "mp", BODY, etag)


def test_complete_if_match_on_missing_key_is_404(s3, bucket):
    complete = start_upload(s3, bucket, "mp", BODY)
    with pytest.raises(ClientError) as exc:
        complete(IfMatch=OTHER_ETAG)
    assert (status_of(exc.value), code_of(exc.value)) == (404, "NoSuchKey")
    assert_absent(s3, bucket, "mp")


def test_delete_if_match_current_etag_deletes(obj):
    response = obj.s3.delete_object(Bucket=obj.bucket, Key=obj.key, IfMatch=obj.etag)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert_absent(obj.s3, obj.bucket, obj.key)


def test_delete_if_match_star_deletes_an_existing_object(obj):
    obj.s3.delete_object(Bucket=obj.bucket, Key=obj.key, IfMatch="*")
    assert_absent(obj.s3, obj.bucket, obj.key)


def test_delete_if_match_other_etag_is_412_and_keeps_the_object(obj):
    with pytest.raises(ClientError) as exc:
        obj.s3.delete_object(Bucket=obj.bucket, Key=obj.key, IfMatch=OTHER_ETAG)
    assert (status_of(exc.value), code_of(exc.value)) == (412, "PreconditionFailed")
    assert_unchanged(obj.s3, obj.bucket, obj.key, obj.body, obj.etag)


@pytest.mark.parametrize("if_match", [OTHER_ETAG, "*"])
def test_delete_if_match_on_missing_key_is_404(s3, bucket, if_match):
    """Unconditional deletes of a missing key answer 204; with If-Match AWS says NoSuchKey."""
    assert (
        s3.delete_object(Bucket=bucket, Key="absent")["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="absent", IfMatch=if_match)
    assert (status_of(exc.value), code_of(exc.value)) == (404, "NoSuchKey")


# --------------------------------------------------------------------------- races

RACERS = 20


def race(server, bucket: str, key: str, **conditions: object) -> list[tuple[bytes, object]]:
    """RACERS clients, each with its own connection, PUT the same key at one instant.

    Returns (body sent, ETag or ClientError) per client.
    """
    clients = [server.client() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    results: list[tuple[bytes, object]] = [(b"", None)] * RACERS

    def run(i: int) -> None:
        body = f"racer {i:02d} ".encode() * 10
        barrier.wait()
        try:
            etag = clients[i].put_object(Bucket=bucket, Key=key, Body=body, **conditions)["ETag"]
            results[i] = (body, etag)
        except ClientError as exc:
            results[i] = (body, exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def check_one_winner(s3, bucket: str, key: str, results: list[tuple[bytes, object]]) -> None:
    winners = [(body, etag) for body, etag in results if isinstance(etag, str)]
    losers = [exc for _, exc in results if isinstance(exc, ClientError)]
    assert len(winners) == 1, [type(r).__name__ for _, r in results]
    assert len(losers) == RACERS - 1
    for exc in losers:
        assert (status_of(exc), code_of(exc)) in (
            (412, "PreconditionFailed"),
            (409, "ConditionalRequestConflict"),
        )
    body, etag = winners[0]
    assert_unchanged(s3, bucket, key, body, etag)


def test_twenty_clients_race_if_none_match_and_exactly_one_wins(s3, server, bucket):
    results = race(server, bucket, "contended", IfNoneMatch="*")
    check_one_winner(s3, bucket, "contended", results)


def test_twenty_clients_race_if_match_and_exactly_one_wins(s3, server, bucket):
    base = Obj(s3, bucket, "cas", b"base")
    results = race(server, bucket, "cas", IfMatch=base.etag)
    check_one_winner(s3, bucket, "cas", results)
