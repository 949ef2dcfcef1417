"""Tag-set rules (hydria.model.tags): the Tagging document, the x-amz-tagging header, limits."""

from __future__ import annotations

import pytest

from hydria.api.xml.parse import parse_xml
from hydria.errors import S3Error
from hydria.model.tags import (
    check_tags,
    is_tag_text,
    stored_tags,
    tags_from_document,
    tags_from_header,
    to_stored,
    utf16_length,
)

ASTRAL = "\U00010400"  # one character, two UTF-16 code units


def _doc(inner: str) -> bytes:
    ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    return f"<Tagging {ns}><TagSet>{inner}</TagSet></Tagging>".encode()


def _tag(key: str, value: str) -> str:
    return f"<Tag><Key>{key}</Key><Value>{value}</Value></Tag>"


def _refused(call, *args) -> S3Error:  # type: ignore[no-untyped-def]
    with pytest.raises(S3Error) as caught:
        call(*args)
    return caught.value


def test_document_keeps_the_order_given_and_empty_values() -> None:
    root = parse_xml(
        _doc(_tag("b", "2") + _tag("a", "") + "<Tag><Key>c</Key><Value/></Tag>"), "Tagging"
    )
    assert tags_from_document(root, "object") == [("b", "2"), ("a", ""), ("c", "")]


def test_empty_tag_set_is_no_tags() -> None:
    assert tags_from_document(parse_xml(_doc(""), "Tagging"), "object") == []


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging></Tagging>",
        b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
        b"<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>",
    ],
)
def test_document_without_tag_set_key_or_value_is_malformed(body: bytes) -> None:
    error = _refused(tags_from_document, parse_xml(body, "Tagging"), "object")
    assert error.code == "MalformedXML"


def test_eleven_object_tags_is_bad_request() -> None:
    error = _refused(check_tags, [(f"k{i}", "") for i in range(11)], "object")
    assert (error.code, error.status, error.message) == (
        "BadRequest",
        400,
        "Object tags cannot be greater than 10",
    )
    assert check_tags([(f"k{i}", "") for i in range(10)], "object")


def test_fifty_one_bucket_tags_is_bad_request() -> None:
    error = _refused(check_tags, [(f"k{i}", "") for i in range(51)], "bucket")
    assert (error.code, error.message) == (
        "BadRequest",
        "Bucket tag count cannot be greater than 50",
    )
    assert len(check_tags([(f"k{i}", "") for i in range(50)], "bucket")) == 50


def test_duplicate_key_names_the_key() -> None:
    error = _refused(check_tags, [("a", "1"), ("b", "2"), ("a", "3")], "object")
    assert (error.code, error.message) == (
        "InvalidTag",
        "Cannot provide multiple Tags with the same key",
    )
    assert error.fields == {"TagKey": "a"}


def test_keys_are_case_sensitive() -> None:
    assert check_tags([("a", "1"), ("A", "2")], "object") == [("a", "1"), ("A", "2")]


@pytest.mark.parametrize("key", ["", "k" * 129, ASTRAL * 65, "a,b", "a!b", "a\tb", "😀", "e\u0301"])
def test_invalid_key(key: str) -> None:
    error = _refused(check_tags, [(key, "v")], "object")
    assert (error.code, error.message) == ("InvalidTag", "The TagKey you have provided is invalid")
    assert error.fields == {"TagKey": key}


@pytest.mark.parametrize("value", ["v" * 257, ASTRAL * 129, "a,b", "a?b", "a\nb", "a#b"])
def test_invalid_value_names_key_and_value(value: str) -> None:
    error = _refused(check_tags, [("k", value)], "object")
    assert (error.code, error.message) == (
        "InvalidTag",
        "The TagValue you have provided is invalid",
    )
    assert error.fields == {"TagKey": "k", "TagValue": value}


def test_lengths_are_counted_in_utf16_code_units() -> None:
    assert utf16_length("k" * 3 + ASTRAL) == 5
    tags = [("k" * 128, "v" * 256), (ASTRAL * 64, ASTRAL * 128), ("環境", "本番")]
    assert check_tags(tags, "object") == tags


@pytest.mark.parametrize("text", ["a b", "+-=._:/@", "環境", "Ⅷ²١", "no\u00a0break", "ünï", "A1"])
def test_letters_numbers_separators_and_the_allowed_punctuation(text: str) -> None:
    assert is_tag_text(text)


def test_aws_prefix_is_reserved_with_each_operations_message() -> None:
    error = _refused(check_tags, [("aws:cost", "v")], "object")
    assert (error.code, error.message) == ("InvalidTag", "Your TagKey cannot be prefixed with aws:")
    assert error.fields == {"TagKey": "aws:cost"}
    error = _refused(check_tags, [("aws:cost", "v")], "bucket")
    assert error.message == "System tags cannot be added/updated by requester"
    assert check_tags([("not-aws:x", "v")], "bucket") == [("not-aws:x", "v")]


def test_upper_case_aws_prefix_on_a_bucket() -> None:
    error = _refused(check_tags, [("AWS:cost", "v")], "bucket")
    assert error.code == "InvalidTag"
    assert error.message.startswith('Invalid Tag. Tags cannot start with "aws:"')


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("tag1=tag1&tag2=tag2&tag=", [("tag1", "tag1"), ("tag2", "tag2"), ("tag", "")]),
        ("wrongquery&wrongagain", [("wrongquery", ""), ("wrongagain", "")]),
        ("key1&&&key2", [("key1", ""), ("key2", "")]),
        ("&", []),
        ("", []),
        ("a%20b=c%2Bd&e+f=%2F", [("a b", "c+d"), ("e f", "/")]),
        ("%C3%BC=%E6%96%87", [("ü", "文")]),
        ("key@=val@", [("key@", "val@")]),
    ],
)
def test_header_is_url_query_encoded(header: str, tags: list[tuple[str, str]]) -> None:
    assert tags_from_header(header) == tags


@pytest.mark.parametrize(
    "header",
    ["a=1&a=2", "=1", "=", "key%", "a=%zz", "a=%FF", "key1=val1,key2=val2", "a=b=c", "ü=1"],
)
def test_header_not_url_encoded_utf8_or_with_a_repeated_key_is_invalid_argument(
    header: str,
) -> None:
    error = _refused(tags_from_header, header)
    assert (error.code, error.status) == ("InvalidArgument", 400)
    assert error.message == (
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
        "parameters without tag name duplicates."
    )
    assert error.fields == {"ArgumentName": "x-amz-tagging", "ArgumentValue": header}


def test_header_tags_follow_the_tag_rules() -> None:
    assert _refused(tags_from_header, "&".join(f"k{i}=" for i in range(11))).code == "BadRequest"
    error = _refused(tags_from_header, "key%3F=v")
    assert (error.code, error.fields) == ("InvalidTag", {"TagKey": "key?"})
    error = _refused(tags_from_header, "aws%3Acost=1")
    assert (error.message, error.fields) == (
        "Your TagKey cannot be prefixed with aws:",
        {"TagKey": "aws:cost"},
    )
    assert _refused(tags_from_header, "k=a%2Cb").fields == {"TagKey": "k", "TagValue": "a,b"}


def test_stored_form_round_trips_and_empty_is_no_entry() -> None:
    tags = [("b", "2"), ("a", "")]
    stored = to_stored(tags)
    assert stored == [["b", "2"], ["a", ""]]
    assert stored_tags({"tags": stored}) == tags
    assert to_stored([]) is None
    assert stored_tags({}) == []
