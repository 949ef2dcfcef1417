"""Running a command-line S3 tool as a test step: captured output, a clear failure message."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    raw: bytes


def run_tool(
    name: str,
    argv: list[str],
    *,
    env: dict[str, str],
    check: bool = True,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    shown_args: tuple[str, ...] = (),
) -> Result:
    """Run ``argv``; with ``check``, a non-zero exit fails the test showing ``name shown_args``."""
    proc = subprocess.run(
        argv, env=env, input=stdin or b"", capture_output=True, timeout=120, cwd=cwd
    )
    result = Result(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        proc.stdout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{name} {' '.join(shown_args)} exited {result.returncode}\n"
            f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
        )
    return result
