"""The one typed settings object.

Precedence, lowest first: the defaults below, a TOML file (``--config`` or ``HYDRIA_CONFIG``),
``HYDRIA_<NAME>`` environment variables, then command-line flags. Every field is documented in
docs/CONFIG.md (a test checks that). Errors name the offending key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hydria.errors import HydriaError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
TIB = 1024 * GIB


class ConfigError(HydriaError):
    """A setting has a value Hydria cannot use; the message names the key."""


def _doc(text: str, default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    return field(default=default, metadata={"doc": text}, **kw)


@dataclass
class Settings:
    """Every setting Hydria reads, with its default."""

    host: str = _doc("Address the S3 endpoint listens on.", "127.0.0.1")
    port: int = _doc("TCP port of the S3 endpoint.", 9000)
    data_dir: Path = _doc(
        "Directory holding metadata, object bytes and the root credentials.",
        Path("./hydria-data"),
    )
    meta: str = _doc(
        "Where metadata lives: empty for SQLite in the data directory (one node), or a "
        "postgresql:// URL of a database that several nodes share (with one blob directory "
        "that every node mounts).",
        "",
    )
    meta_pool_size: int = _doc(
        "Connections each worker process keeps to PostgreSQL (with a postgresql:// meta).", 8
    )
    region: str = _doc("The region this endpoint reports and signs for.", "us-east-1")
    domains: tuple[str, ...] = _doc(
        "Host names under which virtual-host-style requests (<bucket>.<domain>) are "
        "recognised; comma-separated in the environment.",
        ("localhost", "s3.localhost"),
    )
    workers: int = _doc("Number of server worker processes; 0 means one per CPU core.", 0)
    root_access_key: str = _doc(
        "Access key of the root account; generated on first start when empty.", ""
    )
    root_secret_key: str = _doc(
        "Secret key of the root account; generated on first start when empty.", ""
    )
    inline_threshold: int = _doc(
        "Objects and parts up to this many bytes are stored inside the metadata "
        "database instead of as files (one fsync shared by a batch of writes).",
        64 * KIB,
    )
    max_object_size: int = _doc("Largest object accepted by a single PutObject, in bytes.", 5 * GIB)
    max_multipart_object_size: int = _doc(
        "Largest object a multipart upload may complete into, in bytes.", 5 * TIB
    )
    min_part_size: int = _doc(
        "Smallest size of every multipart part except the last, in bytes.", 5 * MIB
    )
    max_part_size: int = _doc("Largest size of one multipart part, in bytes.", 5 * GIB)
    orphan_grace_seconds: float = _doc(
        "How long unreferenced object bytes are kept before they are reclaimed "
        "(covers in-flight reads of overwritten objects and uploads not yet committed).",
        3600.0,
    )
    gc_interval_seconds: float = _doc(
        "How often the reclaim worker deletes released bytes whose grace delay has passed (the scan for orphaned files runs every half grace delay).",
        30.0,
    )
    group_commit_max: int = _doc("Most metadata writes batched into one database transaction.", 256)
    max_header_bytes: int = _doc(
        "Largest total size of request headers accepted, in bytes.", 16 * KIB
    )
    log_level: str = _doc("Logging level: debug, info, warning or error.", "info")
    access_log: bool = _doc("Log one line per request.", False)

    @property
    def meta_path(self) -> Path:
        return self.data_dir / "meta.sqlite3"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def credentials_path(self) -> Path:
        return self.data_dir / "root-credentials.json"

    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


ENV_PREFIX = "HYDRIA_"


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def setting_docs() -> dict[str, str]:
    return {f.name: f.metadata["doc"] for f in fields(Settings)}


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Convert a raw value (TOML or a string from the environment) to the field's type."""
    try:
        if kind in ("int", int):
            if isinstance(value, bool):
                raise ValueError("boolean given")
            return int(value)
        if kind in ("float", float):
            return float(value)
        if kind in ("bool", bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"not a boolean: {value!r}")
        if kind in ("Path", Path):
            return Path(value)
        if kind in ("tuple[str, ...]",):
            if isinstance(value, str):
                return tuple(p.strip() for p in value.split(",") if p.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: {exc}") from exc


def load_settings(
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults, an optional TOML file, the environment and overrides."""
    env = dict(os.environ if env is None else env)
    kinds = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or env.get(ENV_PREFIX + "CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from exc
        for key, raw in data.items():
            name = key.replace("-", "_")
            if name not in kinds:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[name] = _coerce(name, kinds[name], raw)

    for name, kind in kinds.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(name, kind, raw)

    for name, raw in (overrides or {}).items():
        if raw is None:
            continue
        if name not in kinds:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, kinds[name], raw)

    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if not 0 < s.port < 65536:
        raise ConfigError(f"setting 'port': {s.port} is not a TCP port")
    if s.workers < 0:
        raise ConfigError("setting 'workers': must be 0 or more")
    if s.min_part_size < 1 or s.max_part_size < s.min_part_size:
        raise ConfigError("settings 'min_part_size'/'max_part_size': inconsistent")
    if s.inline_threshold < 0:
        raise ConfigError("setting 'inline_threshold': must be 0 or more")
    if s.meta and not s.meta.startswith(("postgresql://", "postgres://")):
        raise ConfigError("setting 'meta': expected empty (SQLite) or a postgresql:// URL")
    if s.meta_pool_size < 1:
        raise ConfigError("setting 'meta_pool_size': must be 1 or more")
    if s.log_level.lower() not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"setting 'log_level': unknown level {s.log_level!r}")


def settings_to_env(s: Settings) -> dict[str, str]:
    """Serialise settings to HYDRIA_* variables so worker processes rebuild the same object."""
    out: dict[str, str] = {}
    for f in fields(Settings):
        value = getattr(s, f.name)
        if isinstance(value, tuple):
            text = ",".join(value)
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        out[ENV_PREFIX + f.name.upper()] = text
    return out
