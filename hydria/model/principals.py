"""Who is calling: access keys and the principals they belong to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

ROOT_ACCOUNT_ID = "000000000000"


@dataclass(frozen=True)
class Credential:
    """An access key pair and the principal it authenticates as."""

    access_key: str
    secret_key: str
    account_id: str = ROOT_ACCOUNT_ID
    user_name: str = "root"

    @property
    def principal_arn(self) -> str:
        if self.user_name == "root":
            return f"arn:aws:iam::{self.account_id}:root"
        return f"arn:aws:iam::{self.account_id}:user/{self.user_name}"

    @property
    def canonical_id(self) -> str:
        """The S3 canonical user id shown as Owner ID in listings and ACLs."""
        return canonical_id(self.account_id)


@lru_cache(maxsize=1024)
def canonical_id(account_id: str) -> str:
    """A stable 64-hex id per account, the form S3 gives canonical user ids."""
    return hashlib.sha256(f"hydria:{account_id}".encode()).hexdigest()
