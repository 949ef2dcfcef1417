"""Command line: ``hydria serve`` (also ``python -m hydria serve``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hydria import __version__
from hydria.config import ConfigError, Settings, load_settings, settings_to_env
from hydria.credentials import load_root_credential
from hydria.errors import HydriaError
from hydria.meta.open import open_meta_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hydria", description="S3-compatible object store")
    parser.add_argument("--version", action="version", version=f"hydria {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the S3 endpoint")
    serve.add_argument("--config", help="TOML settings file (also HYDRIA_CONFIG)")
    serve.add_argument("--host", help="listen address (HYDRIA_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (HYDRIA_PORT, default 9000)")
    serve.add_argument("--data-dir", help="data directory (HYDRIA_DATA_DIR, default ./hydria-data)")
    serve.add_argument(
        "--meta", help="metadata: empty for SQLite, or a postgresql:// URL (HYDRIA_META)"
    )
    serve.add_argument("--region", help="region (HYDRIA_REGION, default us-east-1)")
    serve.add_argument("--workers", type=int, help="worker processes (0: one per core)")
    return parser


def prepare(settings: Settings) -> Any:
    """Create the data directory, migrate the schema and load the root credentials once."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.blob_dir.mkdir(parents=True, exist_ok=True)
    open_meta_store(settings).migrate()
    return load_root_credential(settings)


def describe_meta(meta: str) -> str:
    """Where metadata lives, for the start-up banner (a password in the URL is masked)."""
    if not meta:
        return "SQLite in the data dir"
    url = urlsplit(meta)
    if url.password:
        netloc = url.netloc.replace(f":{url.password}@", ":***@", 1)
        url = url._replace(netloc=netloc)
    return urlunsplit(url._replace(query=""))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hydria import serving

    overrides = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data_dir,
        "meta": args.meta,
        "region": args.region,
        "workers": args.workers,
    }
    try:
        settings = load_settings(args.config, overrides=overrides)
    except ConfigError as exc:
        print(f"hydria: {exc}", file=sys.stderr)
        return 2
    settings.data_dir = settings.data_dir.resolve()
    try:
        root = prepare(settings)
    except HydriaError as exc:
        print(f"hydria: {exc}", file=sys.stderr)
        return 2
    os.environ.update(settings_to_env(settings))
    os.environ.pop("HYDRIA_CONFIG", None)
    endpoint = f"http://{settings.host}:{settings.port}"
    print(f"Hydria {__version__} serving S3 at {endpoint}", flush=True)
    print(f"  region:     {settings.region}", flush=True)
    print(f"  data dir:   {settings.data_dir}", flush=True)
    print(f"  metadata:   {describe_meta(settings.meta)}", flush=True)
    print(f"  access key: {root.access_key}", flush=True)
    print(f"  secret key: {root.secret_key}", flush=True)
    config = uvicorn.Config(
        "hydria.server:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.effective_workers(),
        http="httptools",
        loop="uvloop",
        lifespan="on",
        server_header=False,
        proxy_headers=False,
        date_header=True,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_keep_alive=75,
        timeout_graceful_shutdown=30,
    )
    serving.run(config)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2
