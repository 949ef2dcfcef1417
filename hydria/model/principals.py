"""Who is calling: access keys and the principals they belong to."""

from __future__ import annotations

from dataclasses import dataclass

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
        import hashlib

        return hashlib.sha256(f"hydria:{self.account_id}".encode()).hexdigest()
