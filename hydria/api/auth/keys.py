"""Access-key lookup, shared by both signature versions."""

from __future__ import annotations

from collections.abc import Callable

from hydria.errors import S3Error
from hydria.model.principals import Credential

KeyLookup = Callable[[str], Credential | None]
"""Access key id -> credential, or None when the key is unknown."""


def lookup_key(lookup: KeyLookup, access_key: str) -> Credential:
    """The credential for ``access_key``; InvalidAccessKeyId when there is none."""
    credential = lookup(access_key)
    if credential is None:
        raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=access_key)
    return credential
