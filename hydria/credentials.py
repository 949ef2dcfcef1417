"""The root credentials: from settings, or generated on first start and kept in the data dir."""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path

from hydria.config import Settings
from hydria.model.principals import Credential

_KEY_ALPHABET = string.ascii_uppercase + string.digits


def _generate() -> tuple[str, str]:
    access = "HY" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(18))
    secret = secrets.token_urlsafe(30)[:40]
    return access, secret


def load_root_credential(settings: Settings) -> Credential:
    """Settings win; otherwise read the stored pair, creating it (mode 0600) when missing."""
    if settings.root_access_key and settings.root_secret_key:
        return Credential(settings.root_access_key, settings.root_secret_key)
    path: Path = settings.credentials_path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        access, secret = _generate()
        # A name of this process's own: nodes starting together on one shared data directory
        # each write their own pair, and the first link wins for all of them.
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"access_key": access, "secret_key": secret}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # never replaces a pair another process stored first
        except FileExistsError:
            pass
        os.unlink(tmp)
    os.chmod(path, 0o600)
    data = json.loads(path.read_text())
    return Credential(data["access_key"], data["secret_key"])
