"""Safe parsing of untrusted XML request bodies.

defusedxml refuses DTDs, entity declarations and external references outright, so entity
expansion and XXE never happen; a size cap bounds memory. Namespaces are stripped from tags so
handlers match on local names, as S3 accepts documents with or without the S3 namespace.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hydria.errors import S3Error

MAX_XML_BYTES = 2 * 1024 * 1024


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def parse_xml(data: bytes, root: str) -> Element:
    """Parse ``data`` whose root element must be ``root``; anything else is MalformedXML."""
    if not data.strip():
        raise S3Error("MalformedXML")
    if len(data) > MAX_XML_BYTES:
        raise S3Error("MaxMessageLengthExceeded")
    try:
        tree = SafeET.fromstring(data, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise S3Error("MalformedXML") from None
    for el in tree.iter():
        el.tag = local(el.tag)
    if tree.tag != root:
        raise S3Error("MalformedXML")
    return tree


def child_text(el: Element, name: str) -> str | None:
    found = el.find(name)
    if found is None:
        return None
    return found.text or ""
